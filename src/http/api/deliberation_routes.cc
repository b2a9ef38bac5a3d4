// Deliberation meetings (domain/deliberation/deliberation_service.h; rules in
// docs/deliberation.md):
//   GET  /api/v1/deliberation/meetings?community_id=&series_id=&from=&to=&after=&limit=
//   POST /api/v1/deliberation/meetings
//   POST /api/v1/deliberation/series
//   GET  /api/v1/deliberation/meetings/{id}
//   POST /api/v1/deliberation/meetings/{id}/registrations
//   GET  /api/v1/deliberation/meetings/{id}/code
//   POST /api/v1/deliberation/meetings/{id}/check           ({"code": "12345678"})
//   POST /api/v1/deliberation/meetings/{id}/agenda
//   PUT  /api/v1/deliberation/meetings/{id}/minutes
//   POST /api/v1/deliberation/meetings/{id}/decisions
//   GET  /api/v1/deliberation/decisions/{id}
//   GET  /api/v1/deliberation/proposals?state=&community_id=&after=&limit=
//   POST /api/v1/deliberation/proposals
//   GET  /api/v1/deliberation/reminders
//   POST /api/v1/deliberation/meetings/{id}/cancel          ({"reason": "…"})
//   GET  /api/v1/deliberation/meetings/{id}/registrations
//   POST /api/v1/deliberation/meetings/{id}/registrations/{registration_id}/decline
#include <boost/json.hpp>

#include "http/api/api.h"
#include "http/api/views.h"
#include "http/json_body.h"

namespace civicgrid::http {
namespace {

namespace json = boost::json;
using domain::Caller;

// --- views ------------------------------------------------------------------------

json::object ItemJson(const domain::AgendaItem& i) {
  return json::object{{"id", i.id},
                      {"meeting_id", OptJson(i.meeting_id)},
                      {"community_id", i.community_id},
                      {"source", domain::ItemSourceName(i.source)},
                      {"ticket_id", OptJson(i.ticket_id)},
                      {"title", i.title},
                      {"body", i.body},
                      {"duration_minutes", i.duration_minutes},
                      {"position", i.position},
                      {"state", domain::ItemStateName(i.state)},
                      {"proposer", i.proposer},
                      {"mine", i.mine},
                      {"progress", i.progress},
                      {"created_at", OptTimeJson(i.created_at)}};
}

json::object DecisionJson(const domain::Decision& d) {
  json::array timeline;
  for (const auto& e : d.timeline) {
    timeline.push_back(json::object{{"at", OptTimeJson(e.at)}, {"kind", e.kind}, {"note", e.note}});
  }
  return json::object{{"id", d.id},
                      {"meeting_id", d.meeting_id},
                      {"item_id", OptJson(d.item_id)},
                      {"title", d.title},
                      {"owner", d.owner},
                      {"due_date", core::FormatDate(d.due)},
                      {"weight", d.weight},
                      {"ticket_id", OptJson(d.ticket_id)},
                      {"ticket_number", d.ticket_number},
                      {"state", domain::DecisionStateName(d.state)},
                      {"done_at", OptTimeJson(d.done_at)},
                      {"timeline", std::move(timeline)}};
}

json::object MeetingJson(const domain::Meeting& m) {
  json::array parties;
  for (const auto& p : m.parties) {
    parties.push_back(json::object{{"kind", domain::PartyKindName(p.kind)},
                                   {"unit_id", OptJson(p.unit_id)},
                                   {"name", p.name}});
  }
  json::array agenda;
  for (const auto& i : m.agenda) agenda.push_back(ItemJson(i));
  json::array decisions;
  for (const auto& d : m.decisions) decisions.push_back(DecisionJson(d));
  return json::object{
      {"id", m.id},
      {"community", json::object{{"id", m.community_id}, {"name", m.community_name}}},
      {"series_id", OptJson(m.series_id)},
      {"rule", m.rule},
      {"title", m.title},
      {"starts_at", OptTimeJson(m.starts_at)},
      {"ends_at", OptTimeJson(m.ends_at)},
      {"place", m.place},
      {"capacity", m.capacity},
      {"registered", m.registered},
      {"checked_in", m.checked_in},
      {"state", domain::MeetingStateName(m.state)},
      {"minutes", m.minutes},
      {"minutes_at", OptTimeJson(m.minutes_at)},
      {"attendee_count", OptJson(m.attendee_count)},
      {"reminders_sent", m.reminders_sent},
      {"parties", std::move(parties)},
      {"agenda", std::move(agenda)},
      {"decisions", std::move(decisions)},
      {"progress", m.progress},
      {"manageable", m.manageable},
      {"registered_me", m.registered_me},
      {"checked_in_me", m.checked_in_me},
      {"declined_me", m.declined_me},
      {"cancel_reason", m.cancel_reason},
      {"version", m.version}};
}

json::object RegistrationJson(const domain::MeetingRegistration& g) {
  return json::object{
      {"id", g.id}, {"meeting_id", g.meeting_id}, {"checked_in_at", OptTimeJson(g.checked_in_at)}};
}

json::object RegistrationViewJson(const domain::RegistrationView& g) {
  return json::object{{"id", g.id},
                      {"meeting_id", g.meeting_id},
                      {"account_id", g.account_id},
                      {"name", g.name},
                      {"registered_at", OptTimeJson(g.registered_at)},
                      {"checked_in_at", OptTimeJson(g.checked_in_at)},
                      {"declined_at", OptTimeJson(g.declined_at)},
                      {"decline_reason", g.decline_reason}};
}

// --- request bodies -----------------------------------------------------------------

core::Result<std::optional<int64_t>> QueryTimestamp(const Request& r, std::string_view name) {
  auto text = r.Query(name);
  if (!text) return std::optional<int64_t>();
  CG_ASSIGN_OR_RETURN(int64_t ms, core::ParseTimestamp(*text, name));
  return std::optional<int64_t>(ms);
}

core::Result<std::vector<domain::InvitedParty>> Parties(const json::object& body) {
  std::vector<domain::InvitedParty> out;
  const json::value* v = body.if_contains("parties");
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array()) return core::Error::Invalid("parties", "应为数组");
  size_t i = 0;
  for (const json::value& item : v->as_array()) {
    std::string at = "parties[" + std::to_string(i++) + "]";
    if (!item.is_object()) return core::Error::Invalid(at, "应为对象");
    const json::object& o = item.as_object();
    domain::InvitedParty p;
    auto kind = RequireString(o, "kind", 30);
    if (!kind.ok()) return core::Error::Invalid(at + ".kind", kind.error().message);
    CG_ASSIGN_OR_RETURN(p.kind, domain::ParsePartyKind(*kind, at + ".kind"));
    auto unit = OptionalInt(o, "unit_id", 1);
    if (!unit.ok()) return core::Error::Invalid(at + ".unit_id", "应为正整数");
    p.unit_id = *unit;
    auto name = OptionalString(o, "name", 60);
    if (!name.ok()) return core::Error::Invalid(at + ".name", name.error().message);
    p.name = name->value_or("");
    out.push_back(std::move(p));
  }
  return out;
}

// "HH:MM" → minutes after midnight.
core::Result<int> Clock(const std::string& text, const std::string& field) {
  auto digit = [&](size_t i) { return text[i] >= '0' && text[i] <= '9' ? text[i] - '0' : -100; };
  if (text.size() != 5 || text[2] != ':') return core::Error::Invalid(field, "时间格式应为 HH:MM");
  int h = digit(0) * 10 + digit(1), m = digit(3) * 10 + digit(4);
  if (h < 0 || h > 23 || m < 0 || m > 59) {
    return core::Error::Invalid(field, "时间格式应为 HH:MM");
  }
  return h * 60 + m;
}

core::Result<domain::MeetingRule> Rule(const json::object& body) {
  const json::value* v = body.if_contains("rule");
  if (v == nullptr || !v->is_object()) return core::Error::Invalid("rule", "应为对象");
  const json::object& o = v->as_object();
  domain::MeetingRule rule;
  auto kind = RequireString(o, "kind", 30);
  if (!kind.ok()) return core::Error::Invalid("rule.kind", kind.error().message);
  CG_ASSIGN_OR_RETURN(rule.kind, domain::ParseRuleKind(*kind, "rule.kind"));
  const json::value* days = o.if_contains("days");
  if (days != nullptr && !days->is_null()) {
    if (!days->is_array()) return core::Error::Invalid("rule.days", "应为数组");
    for (const json::value& d : days->as_array()) {
      if (!d.is_int64() || d.as_int64() < 1 || d.as_int64() > 31) {
        return core::Error::Invalid("rule.days", "应为 1–31 之间的整数");
      }
      rule.days.push_back(static_cast<int>(d.as_int64()));
    }
  }
  auto nth = OptionalInt(o, "nth", 1, 4);
  if (!nth.ok()) return core::Error::Invalid("rule.nth", "应为 1–4");
  rule.nth = static_cast<int>(nth->value_or(1));
  auto weekday = OptionalInt(o, "weekday", 1, 7);
  if (!weekday.ok()) return core::Error::Invalid("rule.weekday", "应为 1–7");
  rule.weekday = static_cast<int>(weekday->value_or(1));
  auto time = RequireString(o, "time", 5);
  if (!time.ok()) return core::Error::Invalid("rule.time", "时间格式应为 HH:MM");
  CG_ASSIGN_OR_RETURN(rule.minute, Clock(*time, "rule.time"));
  auto duration = OptionalInt(o, "duration_minutes", 1, 480);
  if (!duration.ok()) return core::Error::Invalid("rule.duration_minutes", "应为 1–480 分钟");
  rule.duration_minutes = static_cast<int>(duration->value_or(90));
  return rule;
}

// --- handlers ---------------------------------------------------------------------------

core::Result<Response> ListMeetings(ApiServices& s, Request& r, const Caller& c) {
  domain::MeetingFilter f;
  CG_ASSIGN_OR_RETURN(f.page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(f.community_id, QueryId(r, "community_id"));
  CG_ASSIGN_OR_RETURN(f.series_id, QueryId(r, "series_id"));
  CG_ASSIGN_OR_RETURN(f.from, QueryTimestamp(r, "from"));
  CG_ASSIGN_OR_RETURN(f.to, QueryTimestamp(r, "to"));
  CG_ASSIGN_OR_RETURN(auto page, s.deliberation.List(c, f));
  return Response::Json(200, PageJson(page, MeetingJson));
}

core::Result<Response> CreateMeeting(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewMeeting m;
  CG_ASSIGN_OR_RETURN(m.community_id, RequireInt(body, "community_id", 1));
  CG_ASSIGN_OR_RETURN(m.title, RequireString(body, "title", 60));
  CG_ASSIGN_OR_RETURN(m.starts_at, RequireString(body, "starts_at", 40));
  CG_ASSIGN_OR_RETURN(auto duration, OptionalInt(body, "duration_minutes"));
  m.duration_minutes = duration.value_or(90);
  CG_ASSIGN_OR_RETURN(auto place, OptionalString(body, "place", 100));
  m.place = place.value_or("");
  CG_ASSIGN_OR_RETURN(auto capacity, OptionalInt(body, "capacity"));
  m.capacity = capacity.value_or(0);
  CG_ASSIGN_OR_RETURN(m.parties, Parties(body));
  CG_ASSIGN_OR_RETURN(auto created, s.deliberation.Create(c, m));
  return Response::Json(201, MeetingJson(created));
}

core::Result<Response> CreateSeries(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewSeries n;
  CG_ASSIGN_OR_RETURN(n.community_id, RequireInt(body, "community_id", 1));
  CG_ASSIGN_OR_RETURN(n.title, RequireString(body, "title", 60));
  CG_ASSIGN_OR_RETURN(n.rule, Rule(body));
  CG_ASSIGN_OR_RETURN(n.first_date, RequireString(body, "first_date", 10));
  CG_ASSIGN_OR_RETURN(n.last_date, OptionalString(body, "last_date", 10));
  CG_ASSIGN_OR_RETURN(auto place, OptionalString(body, "place", 100));
  n.place = place.value_or("");
  CG_ASSIGN_OR_RETURN(auto capacity, OptionalInt(body, "capacity"));
  n.capacity = capacity.value_or(0);
  CG_ASSIGN_OR_RETURN(n.parties, Parties(body));
  CG_ASSIGN_OR_RETURN(auto series, s.deliberation.CreateSeries(c, n));
  return Response::Json(201, json::object{{"id", series.id},
                                          {"community_id", series.community_id},
                                          {"title", series.title},
                                          {"rule", series.rule},
                                          {"first_date", core::FormatDate(series.first)},
                                          {"last_date", core::FormatDate(series.last)},
                                          {"meetings", series.meetings},
                                          {"first_meeting_id", OptJson(series.first_meeting_id)}});
}

core::Result<Response> GetMeeting(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(auto m, s.deliberation.Get(c, id));
  return Response::Json(200, MeetingJson(m));
}

core::Result<Response> Register(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(auto g, s.deliberation.Register(c, id));
  return Response::Json(201, RegistrationJson(g));
}

core::Result<Response> IssueCode(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(auto code, s.deliberation.IssueCode(c, id));
  return Response::Json(200, json::object{{"meeting_id", code.meeting_id},
                                          {"code", code.code},
                                          {"qr", code.qr},
                                          {"expires_at", OptTimeJson(code.expires_at)}});
}

core::Result<Response> CheckIn(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(std::string code, RequireString(body, "code", 20));
  CG_ASSIGN_OR_RETURN(auto g, s.deliberation.CheckIn(c, id, code));
  return Response::Json(200, RegistrationJson(g));
}

core::Result<Response> AddItem(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewItem in;
  CG_ASSIGN_OR_RETURN(in.proposal_id, OptionalInt(body, "proposal_id", 1));
  CG_ASSIGN_OR_RETURN(in.ticket_id, OptionalInt(body, "ticket_id", 1));
  CG_ASSIGN_OR_RETURN(auto title, OptionalString(body, "title", 60));
  in.title = title.value_or("");
  CG_ASSIGN_OR_RETURN(auto text, OptionalString(body, "body", 2000, TextKind::kMultiLine));
  in.body = text.value_or("");
  CG_ASSIGN_OR_RETURN(auto duration, OptionalInt(body, "duration_minutes"));
  in.duration_minutes = duration.value_or(15);
  CG_ASSIGN_OR_RETURN(auto item, s.deliberation.AddItem(c, id, in));
  return Response::Json(201, ItemJson(item));
}

core::Result<Response> SetMinutes(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::Minutes in;
  CG_ASSIGN_OR_RETURN(in.text, RequireString(body, "minutes", 20000, TextKind::kMultiLine));
  CG_ASSIGN_OR_RETURN(in.attendee_count, OptionalInt(body, "attendee_count"));
  CG_ASSIGN_OR_RETURN(in.version, OptionalInt(body, "version", 0));
  CG_ASSIGN_OR_RETURN(auto m, s.deliberation.SetMinutes(c, id, in));
  return Response::Json(200, MeetingJson(m));
}

core::Result<Response> Decide(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewDecision in;
  CG_ASSIGN_OR_RETURN(in.item_id, OptionalInt(body, "item_id", 1));
  CG_ASSIGN_OR_RETURN(in.title, RequireString(body, "title", 60));
  CG_ASSIGN_OR_RETURN(in.owner, RequireString(body, "owner", 40));
  CG_ASSIGN_OR_RETURN(in.due_date, RequireString(body, "due_date", 10));
  CG_ASSIGN_OR_RETURN(auto weight, OptionalInt(body, "weight"));
  in.weight = weight.value_or(1);
  CG_ASSIGN_OR_RETURN(in.category_id, OptionalInt(body, "category_id", 1));
  CG_ASSIGN_OR_RETURN(auto d, s.deliberation.Decide(c, id, in));
  return Response::Json(201, DecisionJson(d));
}

core::Result<Response> GetDecision(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(auto d, s.deliberation.GetDecision(c, id));
  return Response::Json(200, DecisionJson(d));
}

core::Result<Response> ListProposals(ApiServices& s, Request& r, const Caller& c) {
  domain::ProposalFilter f;
  CG_ASSIGN_OR_RETURN(f.page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(f.community_id, QueryId(r, "community_id"));
  if (auto state = r.Query("state")) {
    CG_ASSIGN_OR_RETURN(f.state, domain::ParseItemState(*state, "state"));
  }
  CG_ASSIGN_OR_RETURN(auto page, s.deliberation.Proposals(c, f));
  return Response::Json(200, PageJson(page, ItemJson));
}

core::Result<Response> Propose(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewProposal in;
  CG_ASSIGN_OR_RETURN(in.title, RequireString(body, "title", 60));
  CG_ASSIGN_OR_RETURN(auto text, OptionalString(body, "body", 2000, TextKind::kMultiLine));
  in.body = text.value_or("");
  CG_ASSIGN_OR_RETURN(auto duration, OptionalInt(body, "duration_minutes"));
  in.duration_minutes = duration.value_or(15);
  CG_ASSIGN_OR_RETURN(auto item, s.deliberation.Propose(c, in));
  return Response::Json(201, ItemJson(item));
}

core::Result<Response> Reminders(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(auto reminders, s.deliberation.Reminders(c, page.limit));
  json::array items;
  for (const auto& m : reminders) {
    items.push_back(json::object{{"meeting_id", m.meeting_id},
                                 {"title", m.title},
                                 {"starts_at", OptTimeJson(m.starts_at)},
                                 {"after_days", m.after_days},
                                 {"created_at", OptTimeJson(m.created_at)}});
  }
  return Response::Json(200, json::object{{"items", std::move(items)}});
}

core::Result<Response> CancelMeeting(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(std::string reason, RequireString(body, "reason", 200));
  CG_ASSIGN_OR_RETURN(auto m, s.deliberation.Cancel(c, id, reason));
  return Response::Json(200, MeetingJson(m));
}

core::Result<Response> ListRegistrations(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(auto list, s.deliberation.Registrations(c, id));
  json::array items;
  for (const auto& g : list) items.push_back(RegistrationViewJson(g));
  return Response::Json(200, json::object{{"items", std::move(items)}});
}

core::Result<Response> DeclineRegistration(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(int64_t reg, ParseId(r.Param("registration_id"), "registration_id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(std::string reason, RequireString(body, "reason", 200));
  CG_ASSIGN_OR_RETURN(auto g, s.deliberation.Decline(c, id, reg, reason));
  return Response::Json(200, RegistrationViewJson(g));
}

}  // namespace

void RegisterDeliberationRoutes(Router& router, ApiServices& s) {
  auto add = [&](const char* method, const char* pattern,
                 core::Result<Response> (*fn)(ApiServices&, Request&, const Caller&)) {
    router.Add(method, pattern,
               Authed(s, [&s, fn](Request& r, const Caller& c) { return fn(s, r, c); }));
  };
  add("GET", "/api/v1/deliberation/meetings", ListMeetings);
  add("POST", "/api/v1/deliberation/meetings", CreateMeeting);
  add("POST", "/api/v1/deliberation/series", CreateSeries);
  add("GET", "/api/v1/deliberation/meetings/{id}", GetMeeting);
  add("POST", "/api/v1/deliberation/meetings/{id}/registrations", Register);
  add("GET", "/api/v1/deliberation/meetings/{id}/code", IssueCode);
  add("POST", "/api/v1/deliberation/meetings/{id}/check", CheckIn);
  add("POST", "/api/v1/deliberation/meetings/{id}/agenda", AddItem);
  add("PUT", "/api/v1/deliberation/meetings/{id}/minutes", SetMinutes);
  add("POST", "/api/v1/deliberation/meetings/{id}/decisions", Decide);
  add("GET", "/api/v1/deliberation/decisions/{id}", GetDecision);
  add("GET", "/api/v1/deliberation/proposals", ListProposals);
  add("POST", "/api/v1/deliberation/proposals", Propose);
  add("GET", "/api/v1/deliberation/reminders", Reminders);
  add("POST", "/api/v1/deliberation/meetings/{id}/cancel", CancelMeeting);
  add("GET", "/api/v1/deliberation/meetings/{id}/registrations", ListRegistrations);
  add("POST", "/api/v1/deliberation/meetings/{id}/registrations/{registration_id}/decline",
      DeclineRegistration);
}

}  // namespace civicgrid::http
