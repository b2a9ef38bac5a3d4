#include "http/api/ticket_views.h"

#include <boost/json.hpp>

#include "core/time.h"
#include "http/api/views.h"

namespace civicgrid::http {
namespace json = boost::json;

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

Response SubmittedResponse(const domain::Ticket& ticket, bool created,
                           const domain::Caller& caller) {
  Response response = Response::Json(created ? 201 : 200, ToJson(ticket, caller));
  response.AddHeader("Location", "/api/v1/tickets/" + std::to_string(ticket.id));
  if (!created) response.AddHeader("Idempotent-Replayed", "true");
  return response;
}

}  // namespace civicgrid::http
