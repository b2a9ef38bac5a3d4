#include "http/api/ticket_views.h"

#include <boost/json.hpp>

#include "core/time.h"
#include "http/api/views.h"
#include "http/json_write.h"

namespace civicgrid::http {
namespace json = boost::json;

namespace {

// The ticket of ToJson(Ticket) written straight into the body, member for
// member in the same order (TicketViewsTest checks the bytes are the same).
void WriteOptInt(JsonWriter& w, std::string_view key, const std::optional<int64_t>& v) {
  w.Key(key);
  v ? w.Int(*v) : w.Null();
}

void WriteOptText(JsonWriter& w, std::string_view key, const std::optional<std::string>& v) {
  w.Key(key);
  v ? w.String(*v) : w.Null();
}

void WriteTime(JsonWriter& w, std::string_view key, int64_t epoch_ms) {
  w.Key(key);
  w.String(core::FormatUtc(epoch_ms));
}

void WriteOptTime(JsonWriter& w, std::string_view key, const std::optional<int64_t>& epoch_ms) {
  w.Key(key);
  epoch_ms ? w.String(core::FormatUtc(*epoch_ms)) : w.Null();
}

void WriteText(JsonWriter& w, std::string_view key, std::string_view text) {
  w.Key(key);
  w.String(text);
}

void WriteInt(JsonWriter& w, std::string_view key, int64_t v) {
  w.Key(key);
  w.Int(v);
}

void WriteBool(JsonWriter& w, std::string_view key, bool v) {
  w.Key(key);
  w.Bool(v);
}

// From "id" to "supervised".
void WriteTicketHead(JsonWriter& w, const domain::Ticket& t, const domain::Caller& caller) {
  WriteInt(w, "id", t.id);
  WriteText(w, "number", t.number);
  WriteText(w, "kind", domain::TicketKindName(t.kind));
  WriteText(w, "channel", domain::TicketChannelName(t.channel));
  WriteInt(w, "category_id", t.category_id);
  WriteText(w, "category_name", t.category_name);
  WriteText(w, "category_group", domain::CategoryGroupName(t.category_group));
  WriteInt(w, "node_id", t.node_id);
  WriteText(w, "node_name", t.node_name);
  WriteText(w, "title", t.title);
  WriteText(w, "description", t.description);
  WriteText(w, "address", t.address);
  WriteText(w, "state", domain::TicketStateName(t.state));
  WriteText(w, "state_label", domain::TicketStateLabel(t.state));
  WriteInt(w, "version", t.version);
  WriteBool(w, "anonymous", t.anonymous);
  WriteBool(w, "is_public", t.is_public);
  WriteBool(w, "mine", t.submitter_account_id && *t.submitter_account_id == caller.account_id);
  WriteText(w, "submitter_name", t.submitter_name);
  WriteOptText(w, "submitter_phone", t.submitter_phone_masked);
  WriteOptInt(w, "duplicate_of", t.duplicate_of);
  WriteInt(w, "reopen_count", t.reopen_count);
  WriteOptInt(w, "rating", t.rating);
  WriteOptText(w, "rating_comment", t.rating_comment);
  WriteOptText(w, "callback_outcome", t.callback_outcome);
  WriteBool(w, "supervised", t.supervised);
}

void WriteAssignee(JsonWriter& w, const std::optional<domain::Assignee>& a) {
  w.Key("assignee");
  if (!a) {
    w.Null();
    return;
  }
  w.BeginObject();
  WriteText(w, "kind", domain::AssigneeKindName(a->kind));
  WriteText(w, "name", a->name);
  w.Key("id");
  a->kind == domain::AssigneeKind::kBoard ? w.Null() : w.Int(a->id);
  w.EndObject();
}

// From "created_at" to "first_route".
void WriteTicketTail(JsonWriter& w, const domain::Ticket& t) {
  WriteTime(w, "created_at", t.created_at);
  WriteTime(w, "accept_due", t.accept_due);
  WriteTime(w, "respond_due", t.respond_due);
  WriteTime(w, "resolve_due", t.resolve_due);
  WriteOptTime(w, "accepted_at", t.accepted_at);
  WriteOptTime(w, "responded_at", t.responded_at);
  WriteOptTime(w, "resolved_at", t.resolved_at);
  WriteOptTime(w, "closed_at", t.closed_at);
  WriteOptTime(w, "rated_at", t.rated_at);
  WriteTime(w, "updated_at", t.updated_at);
  w.Key("location");
  if (t.location) {
    w.BeginArray();
    w.Double(t.location->lon);
    w.Double(t.location->lat);
    w.EndArray();
  } else {
    w.Null();
  }
  w.Key("overdue");
  w.BeginArray();
  if (t.overdue & domain::kOverdueAccept) w.String("accept");
  if (t.overdue & domain::kOverdueRespond) w.String("respond");
  if (t.overdue & domain::kOverdueResolve) w.String("resolve");
  if (t.overdue & domain::kOverdueEscalation) w.String("escalation");
  w.EndArray();
  WriteAssignee(w, t.assignee);
  w.Key("attachment_ids");
  w.BeginArray();
  for (int64_t id : t.attachment_ids) w.Int(id);
  w.EndArray();
  w.Key("first_route");
  t.first_route ? w.String(domain::FirstRouteName(*t.first_route)) : w.Null();
}

}  // namespace

json::value ToJson(const domain::Category& c) {
  return json::object{
      {"id", c.id},
      {"code", c.code},
      {"name", c.name},
      {"name_en", c.name_en},
      {"group", domain::CategoryGroupName(c.group)},
      {"group_label", domain::CategoryGroupLabel(c.group)},
      {"description", c.description},
      {"handler", domain::CategoryHandlerName(c.handler)},
      {"handler_unit_id", OptJson(c.handler_unit_id)},
      {"skill", c.skill},
      {"accept_minutes", c.accept_minutes},
      {"respond_minutes", c.respond_minutes},
      {"resolve_minutes", c.resolve_minutes},
      {"allow_anonymous", c.allow_anonymous},
      {"public_board", c.public_board},
      {"duplicate_radius_m", c.duplicate_radius_m},
      {"active", c.active},
      {"first_route",
       c.first_route ? json::value(domain::FirstRouteName(*c.first_route)) : json::value(nullptr)},
  };
}

json::value ToJson(const domain::Ticket& t, const domain::Caller& caller) {
  json::object o{
      {"id", t.id},
      {"number", t.number},
      {"kind", domain::TicketKindName(t.kind)},
      {"channel", domain::TicketChannelName(t.channel)},
      {"category_id", t.category_id},
      {"category_name", t.category_name},
      {"category_group", domain::CategoryGroupName(t.category_group)},
      {"node_id", t.node_id},
      {"node_name", t.node_name},
      {"title", t.title},
      {"description", t.description},
      {"address", t.address},
      {"state", domain::TicketStateName(t.state)},
      {"state_label", domain::TicketStateLabel(t.state)},
      {"version", t.version},
      {"anonymous", t.anonymous},
      {"is_public", t.is_public},
      {"mine", t.submitter_account_id && *t.submitter_account_id == caller.account_id},
      {"submitter_name", t.submitter_name},
      {"submitter_phone", OptJson(t.submitter_phone_masked)},
      {"duplicate_of", OptJson(t.duplicate_of)},
      {"reopen_count", t.reopen_count},
      {"rating", OptJson(t.rating)},
      {"rating_comment", OptJson(t.rating_comment)},
      {"callback_outcome", OptJson(t.callback_outcome)},
      {"supervised", t.supervised},
      {"created_at", core::FormatUtc(t.created_at)},
      {"accept_due", core::FormatUtc(t.accept_due)},
      {"respond_due", core::FormatUtc(t.respond_due)},
      {"resolve_due", core::FormatUtc(t.resolve_due)},
      {"accepted_at", OptTimeJson(t.accepted_at)},
      {"responded_at", OptTimeJson(t.responded_at)},
      {"resolved_at", OptTimeJson(t.resolved_at)},
      {"closed_at", OptTimeJson(t.closed_at)},
      {"rated_at", OptTimeJson(t.rated_at)},
      {"updated_at", core::FormatUtc(t.updated_at)},
  };
  if (t.location) {
    o["location"] = json::array{t.location->lon, t.location->lat};
  } else {
    o["location"] = nullptr;
  }
  json::array overdue;
  if (t.overdue & domain::kOverdueAccept) overdue.push_back("accept");
  if (t.overdue & domain::kOverdueRespond) overdue.push_back("respond");
  if (t.overdue & domain::kOverdueResolve) overdue.push_back("resolve");
  if (t.overdue & domain::kOverdueEscalation) overdue.push_back("escalation");
  o["overdue"] = std::move(overdue);
  if (t.assignee) {
    json::object a{{"kind", domain::AssigneeKindName(t.assignee->kind)},
                   {"name", t.assignee->name}};
    a["id"] = t.assignee->kind == domain::AssigneeKind::kBoard ? json::value(nullptr)
                                                               : json::value(t.assignee->id);
    o["assignee"] = std::move(a);
  } else {
    o["assignee"] = nullptr;
  }
  json::array attachments;
  for (int64_t id : t.attachment_ids) attachments.push_back(id);
  o["attachment_ids"] = std::move(attachments);
  o["first_route"] =
      t.first_route ? json::value(domain::FirstRouteName(*t.first_route)) : json::value(nullptr);
  return o;
}

json::value ToJson(const domain::TicketEvent& e) {
  json::value data;
  boost::system::error_code ec;
  data = json::parse(e.data, ec);
  if (ec) data = json::object{};
  json::array attachments;
  for (int64_t id : e.attachment_ids) attachments.push_back(id);
  return json::object{
      {"id", e.id},
      {"ticket_id", e.ticket_id},
      {"seq", e.seq},
      {"type", domain::TicketEventTypeName(e.type)},
      {"actor", e.actor_label},
      {"at", core::FormatUtc(e.at)},
      {"note", e.note},
      {"data", std::move(data)},
      {"state_after", domain::TicketStateName(e.state_after)},
      {"attachment_ids", std::move(attachments)},
  };
}

json::value ToJson(const domain::Escalation& x) {
  return json::object{
      {"id", x.id},
      {"ticket_id", x.ticket_id},
      {"unit_id", x.unit_id},
      {"unit_name", x.unit_name},
      {"called_at", core::FormatUtc(x.called_at)},
      {"report_due", core::FormatUtc(x.report_due)},
      {"resolve_due", core::FormatUtc(x.resolve_due)},
      {"responded_at", OptTimeJson(x.responded_at)},
      {"response", OptJson(x.response)},
      {"overdue", x.overdue},
  };
}

json::value TicketPageJson(const domain::PageOf<domain::Ticket>& page,
                           const domain::Caller& caller) {
  return PageJson(page, [&](const domain::Ticket& t) { return ToJson(t, caller); });
}

std::string TicketPageBody(const domain::PageOf<domain::Ticket>& page,
                           const domain::Caller& caller) {
  std::string body;
  body.reserve(page.items.size() * 1536 + 64);
  JsonWriter w(body);
  w.BeginObject();
  w.Key("items");
  w.BeginArray();
  for (const domain::Ticket& t : page.items) {
    w.BeginObject();
    WriteTicketHead(w, t, caller);
    WriteTicketTail(w, t);
    w.EndObject();
  }
  w.EndArray();
  WriteOptInt(w, "next_after", page.next_after);
  w.EndObject();
  return body;
}

Response TicketPageResponse(const domain::PageOf<domain::Ticket>& page,
                            const domain::Caller& caller) {
  return Response::Text(200, TicketPageBody(page, caller), std::string(kJsonContentType));
}

Response SubmittedResponse(const domain::Ticket& ticket, bool created,
                           const domain::Caller& caller) {
  Response response = Response::Json(created ? 201 : 200, ToJson(ticket, caller));
  response.AddHeader("Location", "/api/v1/tickets/" + std::to_string(ticket.id));
  if (!created) response.AddHeader("Idempotent-Replayed", "true");
  return response;
}

}  // namespace civicgrid::http
