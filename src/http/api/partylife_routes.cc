// Party life (issue 10 §2): branch meetings, the cadence report, warning
// rules, the monthly 黄橙红 warnings, dues and members' 5+X+1 categories.
#include <boost/json.hpp>

#include "domain/partylife/partylife_service.h"
#include "http/api/api.h"
#include "http/api/views.h"
#include "http/json_body.h"

namespace civicgrid::http {
namespace {

namespace json = boost::json;
using domain::Caller;

json::object MeetingJson(const domain::PartyMeeting& m) {
  json::array attendees, absentees, photos;
  for (const auto& a : m.attendees)
    attendees.push_back(json::object{{"id", a.id}, {"name", a.name}});
  for (const auto& a : m.absentees) {
    absentees.push_back(
        json::object{{"member_id", a.member_id}, {"name", a.member_name}, {"reason", a.reason}});
  }
  for (int64_t id : m.photo_ids) photos.push_back(id);
  return json::object{{"id", m.id},
                      {"party_org_id", m.party_org_id},
                      {"party_org_name", m.party_org_name},
                      {"kind", domain::MeetingKindName(m.kind)},
                      {"cadence", domain::CadenceName(domain::CadenceOf(m.kind))},
                      {"held_on", core::FormatDate(m.held_on)},
                      {"title", m.title},
                      {"minutes", m.minutes},
                      {"attendees", std::move(attendees)},
                      {"absentees", std::move(absentees)},
                      {"photo_ids", std::move(photos)},
                      {"recorded_by", m.recorded_by},
                      {"created_at", core::FormatUtc(m.created_at_ms)}};
}

json::object WarningJson(const domain::MemberWarning& w) {
  json::array reasons;
  for (const auto& r : w.reasons) {
    reasons.push_back(json::object{
        {"rule", r.rule}, {"level", domain::WarningLevelName(r.level)}, {"text", r.text}});
  }
  return json::object{{"member_id", w.member_id},
                      {"member_name", w.member_name},
                      {"party_org_id", w.party_org_id},
                      {"party_org_name", w.party_org_name},
                      {"category", domain::MemberCategoryName(w.category)},
                      {"month", domain::FormatMonth(w.month)},
                      {"level", domain::WarningLevelName(w.level)},
                      {"previous_level", domain::WarningLevelName(w.previous_level)},
                      {"raised", w.raised()},
                      {"reasons", std::move(reasons)},
                      {"evaluated_at", core::FormatUtc(w.evaluated_at_ms)},
                      {"acknowledged_at", OptTimeJson(w.acknowledged_at_ms)}};
}

json::object RulesJson(const domain::RulesAt& at) {
  const domain::WarningRules& r = at.rules;
  return json::object{{"node_id", at.node_id == 0 ? json::value(nullptr) : json::value(at.node_id)},
                      {"version", at.version},
                      {"absence_yellow", r.absence_yellow},
                      {"absence_orange", r.absence_orange},
                      {"absence_red", r.absence_red},
                      {"dues_yellow", r.dues_yellow},
                      {"dues_orange", r.dues_orange},
                      {"dues_red", r.dues_red},
                      {"service_months", r.service_months},
                      {"service_min_minutes", r.service_min_minutes},
                      {"service_level", domain::WarningLevelName(r.service_level)}};
}

core::Result<Response> ListMeetings(ApiServices& s, Request& r, const Caller& c) {
  domain::PartyMeetingFilter f;
  CG_ASSIGN_OR_RETURN(f.page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(f.within, QueryId(r, "within"));
  CG_ASSIGN_OR_RETURN(f.party_org_id, QueryId(r, "party_org_id"));
  CG_ASSIGN_OR_RETURN(auto page, s.partylife.ListMeetings(c, f));
  return Response::Json(200, PageJson(page, MeetingJson));
}

core::Result<Response> RecordMeeting(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewPartyMeeting m;
  CG_ASSIGN_OR_RETURN(m.party_org_id, RequireInt(body, "party_org_id", 1));
  CG_ASSIGN_OR_RETURN(std::string kind, RequireString(body, "kind", 30));
  CG_ASSIGN_OR_RETURN(m.kind, domain::ParseMeetingKind(kind, "kind"));
  CG_ASSIGN_OR_RETURN(m.held_on, RequireString(body, "held_on", 10));
  CG_ASSIGN_OR_RETURN(m.title, RequireString(body, "title", 100));
  CG_ASSIGN_OR_RETURN(auto minutes, OptionalString(body, "minutes", 20000, TextKind::kMultiLine));
  m.minutes = minutes.value_or("");
  CG_ASSIGN_OR_RETURN(m.attendee_ids, IdList(body, "attendee_ids"));
  CG_ASSIGN_OR_RETURN(m.photo_ids, IdList(body, "photo_ids"));
  if (const json::value* v = body.if_contains("absentees"); v && !v->is_null()) {
    if (!v->is_array()) return core::Error::Invalid("absentees", "应为数组");
    for (size_t i = 0; i < v->as_array().size(); ++i) {
      const std::string at = "absentees[" + std::to_string(i) + "]";
      const json::value& item = v->as_array()[i];
      if (!item.is_object()) return core::Error::Invalid(at, "应为对象");
      domain::MeetingAbsence a;
      auto id = RequireInt(item.as_object(), "member_id", 1);
      if (!id.ok()) return core::Error::Invalid(at + ".member_id", id.error().message);
      a.member_id = *id;
      auto reason = OptionalString(item.as_object(), "reason", 200);
      if (!reason.ok()) return core::Error::Invalid(at + ".reason", reason.error().message);
      a.reason = reason->value_or("");
      m.absentees.push_back(std::move(a));
    }
  }
  CG_ASSIGN_OR_RETURN(domain::PartyMeeting created, s.partylife.RecordMeeting(c, m));
  return Response::Json(201, MeetingJson(created));
}

core::Result<Response> GetMeeting(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(domain::PartyMeeting m, s.partylife.GetMeeting(c, id));
  return Response::Json(200, MeetingJson(m));
}

core::Result<Response> GetCadence(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(auto within, QueryId(r, "within"));
  CG_ASSIGN_OR_RETURN(domain::CadenceReport report,
                      s.partylife.Cadence(c, within, r.Query("from"), r.Query("to")));
  json::array branches;
  for (const auto& b : report.branches) {
    json::array kinds;
    for (const auto& k : b.kinds) {
      json::array missing;
      for (const auto& label : k.missing) missing.push_back(json::value(label));
      kinds.push_back(json::object{{"kind", domain::MeetingKindName(k.kind)},
                                   {"cadence", domain::CadenceName(k.cadence)},
                                   {"required", k.required},
                                   {"held", k.held},
                                   {"missing", std::move(missing)}});
    }
    branches.push_back(json::object{{"party_org_id", b.party_org_id},
                                    {"name", b.name},
                                    {"node_id", b.node_id},
                                    {"missing", b.missing},
                                    {"kinds", std::move(kinds)}});
  }
  return Response::Json(
      200,
      json::object{{"from", report.from}, {"to", report.to}, {"branches", std::move(branches)}});
}

core::Result<Response> GetRules(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(auto node, QueryId(r, "node_id"));
  CG_ASSIGN_OR_RETURN(domain::RulesAt at, s.partylife.Rules(c, node));
  return Response::Json(200, RulesJson(at));
}

core::Result<Response> PutRules(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(auto node, OptionalInt(body, "node_id", 1));
  domain::WarningRules w = s.partylife.options().rules;
  struct {
    const char* field;
    int64_t* value;
  } ints[] = {
      {"absence_yellow", &w.absence_yellow}, {"absence_orange", &w.absence_orange},
      {"absence_red", &w.absence_red},       {"dues_yellow", &w.dues_yellow},
      {"dues_orange", &w.dues_orange},       {"dues_red", &w.dues_red},
      {"service_months", &w.service_months}, {"service_min_minutes", &w.service_min_minutes}};
  for (const auto& f : ints) {
    CG_ASSIGN_OR_RETURN(auto v, OptionalInt(body, f.field));
    if (v) *f.value = *v;
  }
  CG_ASSIGN_OR_RETURN(auto level, OptionalString(body, "service_level", 10));
  if (level) {
    CG_ASSIGN_OR_RETURN(w.service_level, domain::ParseWarningLevel(*level, "service_level"));
  }
  CG_ASSIGN_OR_RETURN(domain::RulesAt at, s.partylife.SetRules(c, node, w));
  return Response::Json(200, RulesJson(at));
}

core::Result<Response> Evaluate(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(auto month, OptionalString(body, "month", 7));
  CG_ASSIGN_OR_RETURN(auto within, OptionalInt(body, "within", 1));
  CG_ASSIGN_OR_RETURN(domain::EvaluationReport report, s.partylife.Evaluate(c, month, within));
  return Response::Json(200, json::object{{"month", domain::FormatMonth(report.month)},
                                          {"members", report.members},
                                          {"yellow", report.yellow},
                                          {"orange", report.orange},
                                          {"red", report.red},
                                          {"raised", report.raised}});
}

core::Result<Response> ListWarnings(ApiServices& s, Request& r, const Caller& c) {
  domain::WarningFilter f;
  CG_ASSIGN_OR_RETURN(f.page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(f.within, QueryId(r, "within"));
  if (auto month = r.Query("month")) {
    CG_ASSIGN_OR_RETURN(f.month, domain::ParseMonth(*month, "month"));
  }
  if (auto level = r.Query("min_level")) {
    CG_ASSIGN_OR_RETURN(f.min_level, domain::ParseWarningLevel(*level, "min_level"));
  }
  CG_ASSIGN_OR_RETURN(f.unacknowledged, QueryFlag(r, "unacknowledged"));
  CG_ASSIGN_OR_RETURN(auto page, s.partylife.Warnings(c, f));
  return Response::Json(200, PageJson(page, WarningJson));
}

core::Result<Response> Acknowledge(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(auto month, OptionalString(body, "month", 7));
  CG_ASSIGN_OR_RETURN(domain::MemberWarning w, s.partylife.Acknowledge(c, id, month));
  return Response::Json(200, WarningJson(w));
}

core::Result<Response> MyWarning(ApiServices& s, Request&, const Caller& c) {
  CG_ASSIGN_OR_RETURN(domain::MemberWarning w, s.partylife.MyWarning(c));
  return Response::Json(200, WarningJson(w));
}

core::Result<Response> RecordDues(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::DuesPayment p;
  p.member_id = id;
  CG_ASSIGN_OR_RETURN(p.month, RequireString(body, "month", 7));
  CG_ASSIGN_OR_RETURN(p.amount_cents, RequireInt(body, "amount_cents"));
  CG_TRY(s.partylife.RecordDues(c, p));
  return Response::Json(
      201, json::object{
               {"member_id", p.member_id}, {"month", p.month}, {"amount_cents", p.amount_cents}});
}

core::Result<Response> SetCategory(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(std::string name, RequireString(body, "category", 20));
  CG_ASSIGN_OR_RETURN(domain::MemberCategory category,
                      domain::ParseMemberCategory(name, "category"));
  CG_ASSIGN_OR_RETURN(auto note, OptionalString(body, "note", 200));
  CG_TRY(s.partylife.SetCategory(c, id, category, note.value_or("")));
  return Response::Json(
      200, json::object{{"member_id", id}, {"category", name}, {"note", note.value_or("")}});
}

}  // namespace

void RegisterPartyLifeRoutes(Router& router, ApiServices& s) {
  auto add = [&](const char* method, const char* pattern,
                 core::Result<Response> (*fn)(ApiServices&, Request&, const Caller&)) {
    router.Add(method, pattern,
               Authed(s, [&s, fn](Request& r, const Caller& c) { return fn(s, r, c); }));
  };
  add("GET", "/api/v1/party-life/meetings", ListMeetings);
  add("POST", "/api/v1/party-life/meetings", RecordMeeting);
  add("GET", "/api/v1/party-life/meetings/{id}", GetMeeting);
  add("GET", "/api/v1/party-life/cadence", GetCadence);
  add("GET", "/api/v1/party-life/rules", GetRules);
  add("PUT", "/api/v1/party-life/rules", PutRules);
  add("POST", "/api/v1/party-life/evaluate", Evaluate);
  add("GET", "/api/v1/party-life/warnings", ListWarnings);
  add("POST", "/api/v1/party-life/warnings/{id}/acknowledge", Acknowledge);
  add("GET", "/api/v1/party-life/my-warning", MyWarning);
  add("POST", "/api/v1/party-life/members/{id}/dues", RecordDues);
  add("PUT", "/api/v1/party-life/members/{id}/category", SetCategory);
}

}  // namespace civicgrid::http
