#include "http/api/ticket_views.h"

#include <boost/json.hpp>

#include "core/time.h"
#include "http/api/views.h"
#include "http/json_write.h"

namespace civicgrid::http {
namespace json = boost::json;

namespace {

// A time member: ISO 8601 UTC, or null when empty.
void WriteTime(JsonWriter& w, std::string_view key, const std::optional<int64_t>& epoch_ms) {
  epoch_ms ? w.Key(key).String(core::FormatUtc(*epoch_ms)) : w.Key(key).Null();
}

void WriteAssignee(JsonWriter& w, const std::optional<domain::Assignee>& a) {
  if (!a) {
    w.Key("assignee").Null();
    return;
  }
  w.Key("assignee").BeginObject();
  w.Key("kind").String(domain::AssigneeKindName(a->kind));
  w.Key("name").String(a->name);
  a->kind == domain::AssigneeKind::kBoard ? w.Key("id").Null() : w.Key("id").Int(a->id);
  w.EndObject();
}

// From "id" to "supervised".
void WriteTicketHead(JsonWriter& w, const domain::Ticket& t, const domain::Caller& caller) {
  w.Key("id").Int(t.id);
  w.Key("number").String(t.number);
  w.Key("kind").String(domain::TicketKindName(t.kind));
  w.Key("channel").String(domain::TicketChannelName(t.channel));
  w.Key("category_id").Int(t.category_id);
  w.Key("category_name").String(t.category_name);
  w.Key("category_group").String(domain::CategoryGroupName(t.category_group));
  w.Key("node_id").Int(t.node_id);
  w.Key("node_name").String(t.node_name);
  w.Key("title").String(t.title);
  w.Key("description").String(t.description);
  w.Key("address").String(t.address);
  w.Key("state").String(domain::TicketStateName(t.state));
  w.Key("state_label").String(domain::TicketStateLabel(t.state));
  w.Key("version").Int(t.version);
  w.Key("anonymous").Bool(t.anonymous);
  w.Key("is_public").Bool(t.is_public);
  w.Key("mine").Bool(t.submitter_account_id && *t.submitter_account_id == caller.account_id);
  w.Key("submitter_name").String(t.submitter_name);
  w.Key("submitter_phone").OptString(t.submitter_phone_masked);
  w.Key("duplicate_of").OptInt(t.duplicate_of);
  w.Key("reopen_count").Int(t.reopen_count);
  w.Key("rating").OptInt(t.rating);
  w.Key("rating_comment").OptString(t.rating_comment);
  w.Key("callback_outcome").OptString(t.callback_outcome);
  w.Key("supervised").Bool(t.supervised);
}

// From "created_at" to "first_route".
void WriteTicketTail(JsonWriter& w, const domain::Ticket& t) {
  WriteTime(w, "created_at", t.created_at);
  WriteTime(w, "accept_due", t.accept_due);
  WriteTime(w, "respond_due", t.respond_due);
  WriteTime(w, "resolve_due", t.resolve_due);
  WriteTime(w, "accepted_at", t.accepted_at);
  WriteTime(w, "responded_at", t.responded_at);
  WriteTime(w, "resolved_at", t.resolved_at);
  WriteTime(w, "closed_at", t.closed_at);
  WriteTime(w, "rated_at", t.rated_at);
  WriteTime(w, "updated_at", t.updated_at);
  if (t.location) {
    w.Key("location").BeginArray();
    w.Double(t.location->lon);
    w.Double(t.location->lat);
    w.EndArray();
  } else {
    w.Key("location").Null();
  }
  w.Key("overdue").BeginArray();
  if (t.overdue & domain::kOverdueAccept) w.String("accept");
  if (t.overdue & domain::kOverdueRespond) w.String("respond");
  if (t.overdue & domain::kOverdueResolve) w.String("resolve");
  if (t.overdue & domain::kOverdueEscalation) w.String("escalation");
  w.EndArray();
  WriteAssignee(w, t.assignee);
  w.Key("attachment_ids").BeginArray();
  for (int64_t id : t.attachment_ids) w.Int(id);
  w.EndArray();
  t.first_route ? w.Key("first_route").String(domain::FirstRouteName(*t.first_route))
                : w.Key("first_route").Null();
}

// The one definition of a ticket's JSON; ToJson(Ticket) parses what it writes.
void WriteTicket(JsonWriter& w, const domain::Ticket& t, const domain::Caller& caller) {
  w.BeginObject();
  WriteTicketHead(w, t, caller);
  WriteTicketTail(w, t);
  w.EndObject();
}

std::string TicketBody(const domain::Ticket& t, const domain::Caller& caller) {
  std::string body;
  body.reserve(1536);
  JsonWriter w(body);
  WriteTicket(w, t, caller);
  return body;
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
  return json::parse(TicketBody(t, caller));
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
  w.Key("items").BeginArray();
  for (const domain::Ticket& t : page.items) WriteTicket(w, t, caller);
  w.EndArray();
  w.Key("next_after").OptInt(page.next_after);
  w.EndObject();
  return body;
}

Response TicketPageResponse(const domain::PageOf<domain::Ticket>& page,
                            const domain::Caller& caller) {
  return Response::Text(200, TicketPageBody(page, caller), std::string(kJsonContentType));
}

Response TicketResponse(unsigned status, const domain::Ticket& ticket,
                        const domain::Caller& caller) {
  return Response::Text(status, TicketBody(ticket, caller), std::string(kJsonContentType));
}

Response SubmittedResponse(const domain::Ticket& ticket, bool created,
                           const domain::Caller& caller) {
  Response response = TicketResponse(created ? 201 : 200, ticket, caller);
  response.AddHeader("Location", "/api/v1/tickets/" + std::to_string(ticket.id));
  if (!created) response.AddHeader("Idempotent-Replayed", "true");
  return response;
}

}  // namespace civicgrid::http
