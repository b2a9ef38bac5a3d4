// 民情台账: visits (with the ticket a visit files), the plan of who is due,
// coverage, the households not seen longest, 千户访 campaigns.
#include <boost/json.hpp>

#include "domain/visits/visit_service.h"
#include "http/api/api.h"
#include "http/api/views.h"
#include "http/json_body.h"

namespace civicgrid::http {
namespace {

namespace json = boost::json;
using domain::Caller;

json::array Names(const std::vector<std::string>& names) {
  json::array out;
  for (const auto& n : names) out.emplace_back(n);
  return out;
}

json::array Flags(int64_t flags) { return Names(domain::HouseholdFlagNames(flags)); }

json::object VisitJson(const domain::Visit& v) {
  return json::object{{"id", v.id},
                      {"household_id", v.household_id},
                      {"room", v.room},
                      {"building_name", v.building_name},
                      {"grid_id", v.grid_id},
                      {"grid_name", v.grid_name},
                      {"visitor_account_id", v.visitor_account_id},
                      {"visitor_name", v.visitor_name},
                      {"visited_at", core::FormatUtc(v.visited_at_ms)},
                      {"outcome", v.outcome},
                      {"needs", Names(v.needs)},
                      {"risks", Names(v.risks)},
                      {"flags_before", Flags(v.flags_before)},
                      {"flags", Flags(v.flags_after)},
                      {"note_chars", v.note_chars},
                      {"campaign_id", OptJson(v.campaign_id)},
                      {"ticket_id", OptJson(v.ticket_id)},
                      {"ticket_number", v.ticket_number},
                      {"created_at", core::FormatUtc(v.created_at_ms)},
                      {"replayed", v.replayed}};
}

core::Result<std::vector<std::string>> StringList(const json::object& body,
                                                  std::string_view field) {
  std::vector<std::string> out;
  const json::value* v = body.if_contains(field);
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array()) return core::Error::Invalid(std::string(field), "应为字符串数组");
  for (size_t i = 0; i < v->as_array().size(); ++i) {
    const json::value& item = v->as_array()[i];
    std::string at = std::string(field) + "[" + std::to_string(i) + "]";
    if (!item.is_string()) return core::Error::Invalid(at, "应为字符串");
    out.emplace_back(item.as_string());
    CG_TRY(CheckText(out.back(), at, TextKind::kSingleLine));
  }
  return out;
}

core::Result<Response> RecordVisit(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewVisit v;
  CG_ASSIGN_OR_RETURN(v.household_id, RequireInt(body, "household_id", 1));
  CG_ASSIGN_OR_RETURN(v.visited_at, OptionalString(body, "visited_at", 40));
  CG_ASSIGN_OR_RETURN(auto outcome, OptionalString(body, "outcome", 20));
  v.outcome = outcome.value_or("met");
  CG_ASSIGN_OR_RETURN(v.needs, StringList(body, "needs"));
  CG_ASSIGN_OR_RETURN(v.risks, StringList(body, "risks"));
  if (const json::value* f = body.if_contains("flags"); f && !f->is_null()) {
    CG_ASSIGN_OR_RETURN(v.flags, StringList(body, "flags"));
  }
  CG_ASSIGN_OR_RETURN(auto note, OptionalString(body, "note", 2000, TextKind::kMultiLine));
  v.note = note.value_or("");
  CG_ASSIGN_OR_RETURN(v.campaign_id, OptionalInt(body, "campaign_id", 1));
  if (const json::value* t = body.if_contains("ticket"); t && !t->is_null()) {
    if (!t->is_object()) return core::Error::Invalid("ticket", "应为对象");
    domain::NewVisitTicket ticket;
    auto category = RequireInt(t->as_object(), "category_id", 1);
    if (!category.ok()) return core::Error::Invalid("ticket.category_id", category.error().message);
    ticket.category_id = *category;
    auto text = RequireString(t->as_object(), "description", 2000, TextKind::kMultiLine);
    if (!text.ok()) return core::Error::Invalid("ticket.description", text.error().message);
    ticket.description = *text;
    v.ticket = std::move(ticket);
  }
  std::string_view key = r.Header("Idempotency-Key");
  if (!key.empty()) v.client_key = std::string(key);
  CG_ASSIGN_OR_RETURN(domain::Visit visit, s.visits.Record(c, v));
  return Response::Json(visit.replayed ? 200 : 201, VisitJson(visit));
}

core::Result<Response> ListVisits(ApiServices& s, Request& r, const Caller& c) {
  domain::VisitFilter filter;
  CG_ASSIGN_OR_RETURN(filter.within, QueryId(r, "within"));
  CG_ASSIGN_OR_RETURN(filter.household_id, QueryId(r, "household_id"));
  CG_ASSIGN_OR_RETURN(filter.before, QueryId(r, "before"));
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  filter.limit = page.limit;
  CG_ASSIGN_OR_RETURN(auto visits, s.visits.List(c, filter));
  return Response::Json(200, PageJson(visits, VisitJson));
}

core::Result<Response> GetVisit(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(domain::Visit visit, s.visits.Get(c, id));
  return Response::Json(200, VisitJson(visit));
}

core::Result<Response> RevealNote(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(std::string note, s.visits.RevealNote(c, id, r.Query("reason").value_or("")));
  Response response = Response::Json(200, json::object{{"id", id}, {"note", note}});
  response.AddHeader("Cache-Control", "no-store");
  return response;
}

core::Result<Response> Plan(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(auto within, QueryId(r, "within"));
  CG_ASSIGN_OR_RETURN(domain::VisitPlan plan, s.visits.Plan(c, within, r.Query("date")));
  json::array items;
  for (const auto& i : plan.items) {
    items.push_back(json::object{{"household_id", i.household_id},
                                 {"room", i.room},
                                 {"building_name", i.building_name},
                                 {"grid_id", i.grid_id},
                                 {"head_name", i.head_name},
                                 {"residents", i.residents},
                                 {"flags", Flags(i.flags)},
                                 {"last_visited_at", OptTimeJson(i.last_visited_at_ms)},
                                 {"visits_this_week", i.visits_this_week},
                                 {"required", i.required},
                                 {"reasons", Names(i.reasons)},
                                 {"campaign_id", OptJson(i.campaign_id)}});
  }
  return Response::Json(200, json::object{{"date", plan.date},
                                          {"week_start", core::FormatUtc(plan.week_start_ms)},
                                          {"households", plan.households},
                                          {"items", std::move(items)}});
}

core::Result<Response> StaleHouseholds(ApiServices& s, Request& r, const Caller& c) {
  domain::StaleFilter f;
  CG_ASSIGN_OR_RETURN(f.within, QueryId(r, "within"));
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  f.limit = page.limit;
  if (auto cursor = r.Query("cursor"); cursor && !cursor->empty()) {
    auto dot = cursor->find('.');
    try {
      if (dot == std::string::npos) throw std::invalid_argument("cursor");
      size_t used = 0;
      f.after_seen_ms = std::stoll(cursor->substr(0, dot), &used);
      f.after_id = std::stoll(cursor->substr(dot + 1));
      if (used != dot || f.after_seen_ms < 0 || f.after_id < 0) {
        throw std::invalid_argument("cursor");
      }
    } catch (const std::exception&) {
      return core::Error::Invalid("cursor", "分页游标无效");
    }
  }
  CG_ASSIGN_OR_RETURN(domain::StalePage stale, s.visits.Stale(c, f));
  json::array items;
  for (const auto& h : stale.items) {
    items.push_back(json::object{{"household_id", h.household_id},
                                 {"room", h.room},
                                 {"building_name", h.building_name},
                                 {"grid_id", h.grid_id},
                                 {"grid_name", h.grid_name},
                                 {"flags", Flags(h.flags)},
                                 {"last_visited_at", OptTimeJson(h.last_visited_at_ms)},
                                 {"last_visitor_name", h.last_visitor_name}});
  }
  return Response::Json(200,
                        json::object{{"items", std::move(items)}, {"next", OptJson(stale.next)}});
}

json::array CoverageRows(const std::vector<domain::VisitCoverageRow>& rows) {
  json::array out;
  for (const auto& row : rows) {
    out.push_back(json::object{{"id", row.id},
                               {"name", row.name},
                               {"parent_id", OptJson(row.parent_id)},
                               {"households", row.households},
                               {"seen_week", row.seen_week},
                               {"seen_month", row.seen_month},
                               {"visits_week", row.visits_week},
                               {"visits_month", row.visits_month}});
  }
  return out;
}

core::Result<Response> CoverageOf(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(auto within, QueryId(r, "within"));
  CG_ASSIGN_OR_RETURN(domain::Coverage cov, s.visits.CoverageOf(c, within));
  return Response::Json(200, json::object{{"week_start", core::FormatUtc(cov.week_start_ms)},
                                          {"month_start", core::FormatUtc(cov.month_start_ms)},
                                          {"grids", CoverageRows(cov.grids)},
                                          {"communities", CoverageRows(cov.communities)},
                                          {"workers", CoverageRows(cov.workers)}});
}

json::object CampaignJson(const domain::Campaign& c) {
  json::array assignments;
  for (const auto& a : c.assignments) {
    json::array ids;
    for (int64_t h : a.household_ids) ids.emplace_back(h);
    assignments.push_back(json::object{{"visitor_account_id", a.visitor_account_id},
                                       {"visitor_name", a.visitor_name},
                                       {"household_ids", std::move(ids)},
                                       {"visited", a.visited}});
  }
  return json::object{{"id", c.id},           {"name", c.name},
                      {"node_id", c.node_id}, {"starts_on", c.starts_on},
                      {"ends_on", c.ends_on}, {"households", c.households},
                      {"visited", c.visited}, {"assignments", std::move(assignments)}};
}

core::Result<Response> CreateCampaign(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewCampaign n;
  CG_ASSIGN_OR_RETURN(n.name, RequireString(body, "name", 60));
  CG_ASSIGN_OR_RETURN(n.node_id, RequireInt(body, "node_id", 1));
  CG_ASSIGN_OR_RETURN(n.starts_on, RequireString(body, "starts_on", 10));
  CG_ASSIGN_OR_RETURN(n.ends_on, RequireString(body, "ends_on", 10));
  const json::value* list = body.if_contains("assignments");
  if (list == nullptr || !list->is_array()) {
    return core::Error::Invalid("assignments", "应为数组");
  }
  for (size_t i = 0; i < list->as_array().size(); ++i) {
    const json::value& item = list->as_array()[i];
    const std::string at = "assignments[" + std::to_string(i) + "]";
    if (!item.is_object()) return core::Error::Invalid(at, "应为对象");
    domain::CampaignAssignment a;
    auto who = RequireInt(item.as_object(), "visitor_account_id", 1);
    if (!who.ok()) return core::Error::Invalid(at + ".visitor_account_id", who.error().message);
    a.visitor_account_id = *who;
    auto ids = IdList(item.as_object(), "household_ids");
    if (!ids.ok()) return core::Error::Invalid(at + ".household_ids", ids.error().message);
    a.household_ids = *ids;
    n.assignments.push_back(std::move(a));
  }
  CG_ASSIGN_OR_RETURN(domain::Campaign created, s.visits.CreateCampaign(c, n));
  return Response::Json(201, CampaignJson(created));
}

core::Result<Response> ListCampaigns(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(auto campaigns, s.visits.Campaigns(c, page));
  return Response::Json(200, PageJson(campaigns, CampaignJson));
}

}  // namespace

void RegisterVisitRoutes(Router& router, ApiServices& s) {
  auto add = [&](const char* method, const char* pattern,
                 core::Result<Response> (*fn)(ApiServices&, Request&, const Caller&)) {
    router.Add(method, pattern,
               Authed(s, [&s, fn](Request& r, const Caller& c) { return fn(s, r, c); }));
  };
  add("GET", "/api/v1/visits", ListVisits);
  add("POST", "/api/v1/visits", RecordVisit);
  add("GET", "/api/v1/visits/plan", Plan);
  add("GET", "/api/v1/visits/coverage", CoverageOf);
  add("GET", "/api/v1/visits/households", StaleHouseholds);
  add("GET", "/api/v1/visits/{id}", GetVisit);
  add("GET", "/api/v1/visits/{id}/note", RevealNote);
  add("GET", "/api/v1/visit-campaigns", ListCampaigns);
  add("POST", "/api/v1/visit-campaigns", CreateCampaign);
}

}  // namespace civicgrid::http
