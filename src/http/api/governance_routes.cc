// Compound governance and the red, yellow and black lists
// (domain/governance/governance_service.h; rules in docs/governance.md):
//   GET  /api/v1/compounds?within=&property_unit_id=&after=&limit=
//   GET  /api/v1/compounds/{id}
//   PUT  /api/v1/compounds/{id}/governance
//   GET  /api/v1/compounds/{id}/standings          (published history, oldest first)
//   PUT  /api/v1/buildings/{id}/governance
//   GET  /api/v1/ranking-periods?state=&after=&limit=
//   POST /api/v1/ranking-periods
//   GET  /api/v1/ranking-periods/{id}
//   PATCH /api/v1/ranking-periods/{id}
//   POST /api/v1/ranking-periods/{id}/state        ({"state": "scoring" | "published"})
//   POST /api/v1/ranking-periods/{id}/score-sheets
//   GET  /api/v1/ranking-periods/{id}/standings?list=&after=&limit=
#include <boost/json.hpp>

#include "http/api/api.h"
#include "http/api/views.h"
#include "http/json_body.h"

namespace civicgrid::http {
namespace {

namespace json = boost::json;
using domain::Caller;
using domain::kAllRaterGroups;
using domain::kRaterGroups;

json::value RefJson(const std::optional<domain::NamedRef>& r) {
  if (!r) return nullptr;
  return json::object{{"id", r->id}, {"name", r->name}};
}

json::value DateJson(const std::optional<core::CivilDate>& d) {
  if (!d) return nullptr;
  return json::value(core::FormatDate(*d));
}

json::object PercentsJson(const std::array<std::optional<double>, kRaterGroups>& p) {
  json::object out;
  for (size_t i = 0; i < kRaterGroups; ++i) {
    out[domain::RaterGroupName(kAllRaterGroups[i])] = OptJson(p[i]);
  }
  return out;
}

json::object EntryJson(const domain::StandingEntry& e) {
  return json::object{{"period_id", e.period_id},
                      {"period_name", e.period_name},
                      {"start", core::FormatDate(e.start)},
                      {"end", core::FormatDate(e.end)},
                      {"standing", domain::StandingName(e.standing)},
                      {"score", OptJson(e.score)},
                      {"groups_scored", e.groups_scored},
                      {"percents", PercentsJson(e.percents)}};
}

json::object CompoundJson(const domain::CompoundGovernance& g) {
  json::array members;
  for (const auto& m : g.members) {
    members.push_back(json::object{{"id", m.id},
                                   {"name", m.name},
                                   {"duty", domain::CommitteeDutyName(m.duty)},
                                   {"resident_id", OptJson(m.resident_id)}});
  }
  json::value committee = nullptr;
  if (!g.committee_name.empty() || !g.members.empty()) {
    committee = json::object{{"name", g.committee_name},
                             {"term_start", DateJson(g.term_start)},
                             {"term_end", DateJson(g.term_end)},
                             {"party_branch", RefJson(g.committee_branch)},
                             {"members", std::move(members)}};
  }
  json::array stewards;
  for (const auto& s : g.stewards) stewards.push_back(RefJson(s));
  json::array buildings;
  for (const auto& b : g.buildings) {
    buildings.push_back(json::object{
        {"id", b.id}, {"name", b.name}, {"grid_id", b.grid_id}, {"chief", RefJson(b.chief)}});
  }
  return json::object{{"id", g.compound_id},
                      {"code", g.code},
                      {"name", g.name},
                      {"community_id", g.community_id},
                      {"property_company", RefJson(g.property_company)},
                      {"owners_committee", std::move(committee)},
                      {"red_stewards", std::move(stewards)},
                      {"buildings", std::move(buildings)},
                      {"standing", g.latest ? json::value(EntryJson(*g.latest)) : nullptr},
                      {"version", g.version},
                      {"editable", g.editable}};
}

json::object PeriodJson(const domain::RankingPeriod& p) {
  json::object weights;
  json::object criteria;
  for (size_t i = 0; i < kRaterGroups; ++i) {
    std::string_view group = domain::RaterGroupName(kAllRaterGroups[i]);
    weights[group] = p.weights[i];
    json::array form;
    for (const auto& c : p.criteria[i]) {
      form.push_back(json::object{{"id", c.id}, {"name", c.name}, {"max_points", c.max_points}});
    }
    criteria[group] = std::move(form);
  }
  weights["tickets"] = p.ticket_weight;
  return json::object{{"id", p.id},
                      {"node", json::object{{"id", p.node_id}, {"name", p.node_name}}},
                      {"name", p.name},
                      {"start", core::FormatDate(p.start)},
                      {"end", core::FormatDate(p.end)},
                      {"state", domain::PeriodStateName(p.state)},
                      {"weights", std::move(weights)},
                      {"thresholds", json::object{{"red_min", p.thresholds.red_min},
                                                  {"black_below", p.thresholds.black_below}}},
                      {"min_groups", p.min_groups},
                      {"criteria", std::move(criteria)},
                      {"version", p.version},
                      {"published_at", OptTimeJson(p.published_at_ms)},
                      {"manageable", p.manageable}};
}

json::object StandingJson(const domain::CompoundStanding& s) {
  const domain::CompoundTickets& t = s.tickets;
  return json::object{
      {"compound", json::object{{"id", s.compound_id}, {"code", s.code}, {"name", s.name}}},
      {"property_company", RefJson(s.property_company)},
      {"percents", PercentsJson(s.percents)},
      {"score", OptJson(s.outcome.score)},
      {"standing", domain::StandingName(s.outcome.standing)},
      {"groups_scored", s.outcome.groups_scored},
      {"tickets", json::object{{"received", t.received},
                               {"demands", t.demands},
                               {"overdue", t.overdue},
                               {"property_complaints", t.property_complaints},
                               {"response_rate", OptJson(t.response_rate)},
                               {"resolution_rate", OptJson(t.resolution_rate)},
                               {"satisfaction_rate", OptJson(t.satisfaction_rate)},
                               {"score", OptJson(t.score)}}}};
}

// --- request bodies ----------------------------------------------------------

core::Result<const json::object*> OptionalObject(const json::object& body, std::string_view field) {
  const json::value* v = body.if_contains(field);
  if (v == nullptr || v->is_null()) return static_cast<const json::object*>(nullptr);
  if (!v->is_object()) return core::Error::Invalid(std::string(field), "应为对象");
  return &v->as_object();
}

core::Result<const json::array*> RequireArray(const json::object& body, std::string_view field) {
  const json::value* v = body.if_contains(field);
  if (v == nullptr || !v->is_array()) return core::Error::Invalid(std::string(field), "应为数组");
  return &v->as_array();
}

core::Result<double> RequireNumber(const json::object& body, std::string_view field) {
  const json::value* v = body.if_contains(field);
  if (v == nullptr || !v->is_number()) return core::Error::Invalid(std::string(field), "应为数字");
  return v->to_number<double>();
}

// "weights", "thresholds", "min_groups", "criteria", "name" of a period body.
core::Status ReadSettings(const json::object& body, domain::PeriodSettings& s) {
  CG_ASSIGN_OR_RETURN(s.name, OptionalString(body, "name", 60));
  CG_ASSIGN_OR_RETURN(const json::object* weights, OptionalObject(body, "weights"));
  if (weights != nullptr) {
    std::array<int64_t, kRaterGroups> w{};
    for (size_t i = 0; i < kRaterGroups; ++i) {
      std::string_view group = domain::RaterGroupName(kAllRaterGroups[i]);
      auto v = RequireInt(*weights, group, 0, 100);
      if (!v.ok())
        return core::Error::Invalid("weights." + std::string(group), "应为 0–100 的整数");
      w[i] = *v;
    }
    s.weights = w;
    auto tickets = OptionalInt(*weights, "tickets", 0, 100);
    if (!tickets.ok()) return core::Error::Invalid("weights.tickets", "应为 0–100 的整数");
    s.ticket_weight = *tickets;
  }
  CG_ASSIGN_OR_RETURN(const json::object* thresholds, OptionalObject(body, "thresholds"));
  if (thresholds != nullptr) {
    auto red = RequireNumber(*thresholds, "red_min");
    if (!red.ok()) return core::Error::Invalid("thresholds.red_min", "应为数字");
    auto black = RequireNumber(*thresholds, "black_below");
    if (!black.ok()) return core::Error::Invalid("thresholds.black_below", "应为数字");
    s.thresholds = domain::Thresholds{*red, *black};
  }
  CG_ASSIGN_OR_RETURN(s.min_groups, OptionalInt(body, "min_groups", 1, 4));
  CG_ASSIGN_OR_RETURN(const json::object* criteria, OptionalObject(body, "criteria"));
  if (criteria != nullptr) {
    for (const auto& [key, value] : *criteria) {
      CG_ASSIGN_OR_RETURN(domain::RaterGroup group, domain::ParseRaterGroup(key, "criteria"));
      std::string at = "criteria." + std::string(key);
      if (!value.is_array()) return core::Error::Invalid(at, "应为数组");
      std::vector<domain::NewCriterion> form;
      size_t i = 0;
      for (const json::value& item : value.as_array()) {
        std::string item_at = at + "[" + std::to_string(i++) + "]";
        if (!item.is_object()) return core::Error::Invalid(item_at, "应为对象");
        auto name = RequireString(item.as_object(), "name", 40);
        if (!name.ok()) return core::Error::Invalid(item_at + ".name", name.error().message);
        auto max = RequireInt(item.as_object(), "max_points", 1, 100);
        if (!max.ok()) return core::Error::Invalid(item_at + ".max_points", "应为 1–100 的整数");
        form.push_back(domain::NewCriterion{*name, *max});
      }
      s.criteria[static_cast<size_t>(group)] = std::move(form);
    }
  }
  CG_ASSIGN_OR_RETURN(s.version, OptionalInt(body, "version", 0));
  return core::Ok();
}

// --- compounds ----------------------------------------------------------------

core::Result<Response> ListCompounds(ApiServices& s, Request& r, const Caller& c) {
  domain::CompoundFilter filter;
  CG_ASSIGN_OR_RETURN(filter.page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(filter.within, QueryId(r, "within"));
  CG_ASSIGN_OR_RETURN(filter.property_unit_id, QueryId(r, "property_unit_id"));
  CG_ASSIGN_OR_RETURN(auto page, s.governance.List(c, filter));
  return Response::Json(200, PageJson(page, CompoundJson));
}

core::Result<Response> GetCompound(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(auto g, s.governance.Get(c, id));
  return Response::Json(200, CompoundJson(g));
}

core::Result<Response> UpdateCompound(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::CompoundGovernanceUpdate u;
  CG_ASSIGN_OR_RETURN(u.property_unit_id, OptionalInt(body, "property_unit_id", 1));
  CG_ASSIGN_OR_RETURN(auto name, OptionalString(body, "committee_name", 60));
  u.committee_name = name.value_or("");
  CG_ASSIGN_OR_RETURN(u.term_start, OptionalString(body, "term_start", 10));
  CG_ASSIGN_OR_RETURN(u.term_end, OptionalString(body, "term_end", 10));
  CG_ASSIGN_OR_RETURN(u.committee_branch_id, OptionalInt(body, "party_branch_id", 1));
  const json::value* members = body.if_contains("members");
  if (members != nullptr && !members->is_null()) {
    if (!members->is_array()) return core::Error::Invalid("members", "应为数组");
    size_t i = 0;
    for (const json::value& item : members->as_array()) {
      std::string at = "members[" + std::to_string(i++) + "]";
      if (!item.is_object()) return core::Error::Invalid(at, "应为对象");
      const json::object& o = item.as_object();
      domain::NewCommitteeMember m;
      auto n = RequireString(o, "name", 40);
      if (!n.ok()) return core::Error::Invalid(at + ".name", n.error().message);
      m.name = *n;
      auto duty = OptionalString(o, "duty", 20);
      if (!duty.ok()) return core::Error::Invalid(at + ".duty", duty.error().message);
      if (*duty) {
        CG_ASSIGN_OR_RETURN(m.duty, domain::ParseCommitteeDuty(**duty, at + ".duty"));
      }
      auto resident = OptionalInt(o, "resident_id", 1);
      if (!resident.ok()) return core::Error::Invalid(at + ".resident_id", "应为正整数");
      m.resident_id = *resident;
      u.members.push_back(std::move(m));
    }
  }
  CG_ASSIGN_OR_RETURN(u.steward_ids, IdList(body, "red_steward_ids"));
  CG_ASSIGN_OR_RETURN(u.version, OptionalInt(body, "version", 0));
  auto updated = s.governance.Update(c, id, u);
  if (!updated.ok() && updated.error().field == "steward_ids") {
    core::Error e = updated.error();
    e.field = "red_steward_ids";
    return e;
  }
  if (!updated.ok() && updated.error().field.starts_with("steward_ids[")) {
    core::Error e = updated.error();
    e.field = "red_" + e.field;
    return e;
  }
  if (!updated.ok() && updated.error().field == "committee_branch_id") {
    core::Error e = updated.error();
    e.field = "party_branch_id";
    return e;
  }
  CG_TRY(updated);
  return Response::Json(200, CompoundJson(*updated));
}

core::Result<Response> CompoundStandings(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(auto history, s.governance.History(c, id));
  json::array items;
  for (const auto& e : history) items.push_back(EntryJson(e));
  return Response::Json(200, json::object{{"items", std::move(items)}});
}

core::Result<Response> UpdateBuilding(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(auto compound, OptionalInt(body, "compound_id", 1));
  CG_ASSIGN_OR_RETURN(auto chief, OptionalInt(body, "chief_staff_id", 1));
  CG_ASSIGN_OR_RETURN(auto b, s.governance.SetBuilding(c, id, compound, chief));
  return Response::Json(200, json::object{{"id", b.id},
                                          {"name", b.name},
                                          {"grid_id", b.grid_id},
                                          {"compound_id", OptJson(compound)},
                                          {"chief", RefJson(b.chief)}});
}

// --- ranking periods ------------------------------------------------------------

core::Result<Response> ListPeriods(ApiServices& s, Request& r, const Caller& c) {
  domain::PeriodFilter filter;
  CG_ASSIGN_OR_RETURN(filter.page, QueryPage(r));
  if (auto state = r.Query("state")) {
    CG_ASSIGN_OR_RETURN(filter.state, domain::ParsePeriodState(*state, "state"));
  }
  CG_ASSIGN_OR_RETURN(auto page, s.governance.ListPeriods(c, filter));
  return Response::Json(200, PageJson(page, PeriodJson));
}

core::Result<Response> CreatePeriod(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewPeriod p;
  CG_ASSIGN_OR_RETURN(p.node_id, RequireInt(body, "node_id", 1));
  CG_ASSIGN_OR_RETURN(p.quarter, OptionalString(body, "quarter", 7));
  CG_ASSIGN_OR_RETURN(p.start, OptionalString(body, "start", 10));
  CG_ASSIGN_OR_RETURN(p.end, OptionalString(body, "end", 10));
  CG_TRY(ReadSettings(body, p.settings));
  CG_ASSIGN_OR_RETURN(auto created, s.governance.CreatePeriod(c, p));
  return Response::Json(201, PeriodJson(created));
}

core::Result<Response> GetPeriod(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(auto p, s.governance.GetPeriod(c, id));
  return Response::Json(200, PeriodJson(p));
}

core::Result<Response> UpdatePeriod(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::PeriodSettings settings;
  CG_TRY(ReadSettings(body, settings));
  CG_ASSIGN_OR_RETURN(auto p, s.governance.UpdatePeriod(c, id, settings));
  return Response::Json(200, PeriodJson(p));
}

core::Result<Response> AdvancePeriod(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(std::string state, RequireString(body, "state", 20));
  CG_ASSIGN_OR_RETURN(domain::PeriodState to, domain::ParsePeriodState(state, "state"));
  CG_ASSIGN_OR_RETURN(auto version, OptionalInt(body, "version", 0));
  CG_ASSIGN_OR_RETURN(auto p, s.governance.Advance(c, id, to, version));
  return Response::Json(200, PeriodJson(p));
}

core::Result<Response> SubmitSheet(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewScoreSheet sheet;
  CG_ASSIGN_OR_RETURN(sheet.compound_id, RequireInt(body, "compound_id", 1));
  CG_ASSIGN_OR_RETURN(std::string group, RequireString(body, "group", 30));
  CG_ASSIGN_OR_RETURN(sheet.group, domain::ParseRaterGroup(group, "group"));
  CG_ASSIGN_OR_RETURN(const json::array* scores, RequireArray(body, "scores"));
  size_t i = 0;
  for (const json::value& item : *scores) {
    std::string at = "scores[" + std::to_string(i++) + "]";
    if (!item.is_object()) return core::Error::Invalid(at, "应为对象");
    auto criterion = RequireInt(item.as_object(), "criterion_id", 1);
    if (!criterion.ok()) return core::Error::Invalid(at + ".criterion_id", "应为正整数");
    auto points = RequireInt(item.as_object(), "points");
    if (!points.ok()) return core::Error::Invalid(at + ".points", "应为整数");
    sheet.scores.push_back(domain::CriterionScore{*criterion, *points});
  }
  CG_ASSIGN_OR_RETURN(auto note, OptionalString(body, "note", 500, TextKind::kMultiLine));
  sheet.note = note.value_or("");
  CG_ASSIGN_OR_RETURN(auto saved, s.governance.Score(c, id, sheet));
  json::array items;
  for (const auto& sc : saved.scores) {
    items.push_back(json::object{{"criterion_id", sc.criterion_id}, {"points", sc.points}});
  }
  return Response::Json(201, json::object{{"id", saved.id},
                                          {"period_id", saved.period_id},
                                          {"compound_id", saved.compound_id},
                                          {"group", domain::RaterGroupName(saved.group)},
                                          {"points", saved.points},
                                          {"max_points", saved.max_points},
                                          {"percent", saved.percent},
                                          {"scores", std::move(items)},
                                          {"note", saved.note},
                                          {"submitted_at", OptTimeJson(saved.submitted_at_ms)}});
}

core::Result<Response> PeriodStandings(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  domain::StandingFilter filter;
  CG_ASSIGN_OR_RETURN(filter.page, QueryPage(r));
  if (auto list = r.Query("list")) {
    CG_ASSIGN_OR_RETURN(filter.list, domain::ParseStanding(*list, "list"));
  }
  CG_ASSIGN_OR_RETURN(auto page, s.governance.Standings(c, id, filter));
  return Response::Json(200, PageJson(page, StandingJson));
}

}  // namespace

void RegisterGovernanceRoutes(Router& router, ApiServices& s) {
  auto add = [&](const char* method, const char* pattern,
                 core::Result<Response> (*fn)(ApiServices&, Request&, const Caller&)) {
    router.Add(method, pattern,
               Authed(s, [&s, fn](Request& r, const Caller& c) { return fn(s, r, c); }));
  };
  add("GET", "/api/v1/compounds", ListCompounds);
  add("GET", "/api/v1/compounds/{id}", GetCompound);
  add("PUT", "/api/v1/compounds/{id}/governance", UpdateCompound);
  add("GET", "/api/v1/compounds/{id}/standings", CompoundStandings);
  add("PUT", "/api/v1/buildings/{id}/governance", UpdateBuilding);
  add("GET", "/api/v1/ranking-periods", ListPeriods);
  add("POST", "/api/v1/ranking-periods", CreatePeriod);
  add("GET", "/api/v1/ranking-periods/{id}", GetPeriod);
  add("PATCH", "/api/v1/ranking-periods/{id}", UpdatePeriod);
  add("POST", "/api/v1/ranking-periods/{id}/state", AdvancePeriod);
  add("POST", "/api/v1/ranking-periods/{id}/score-sheets", SubmitSheet);
  add("GET", "/api/v1/ranking-periods/{id}/standings", PeriodStandings);
}

}  // namespace civicgrid::http
