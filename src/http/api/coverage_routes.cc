// The 15-minute service circle (coverage of residents, buildings outside, small
// centres) and the communities' funds (accounts, allocations, spendings,
// reversals, statements). Staffing is GET /api/v1/staffing (org_routes.cc).
#include <boost/json.hpp>

#include "domain/coverage/coverage_service.h"
#include "http/api/api.h"
#include "http/api/views.h"
#include "http/json_body.h"

namespace civicgrid::http {
namespace {

namespace json = boost::json;
using domain::Caller;

constexpr std::string_view kApproximation =
    "近似值：直线距离 × 绕行系数 ≤ 步行距离，未按实际路网计算 (an approximation: straight-line "
    "distance × detour factor ≤ walk, not a route on the street network)";

core::Result<std::optional<double>> OptionalQueryNumber(const Request& r, std::string_view name) {
  if (!r.Query(name)) return std::optional<double>();
  CG_ASSIGN_OR_RETURN(double v, QueryNumber(r, name));
  return std::optional<double>(v);
}

core::Result<domain::CircleParams> CircleParamsOf(ApiServices& s, const Request& r) {
  CG_ASSIGN_OR_RETURN(auto walk, OptionalQueryNumber(r, "walk_m"));
  CG_ASSIGN_OR_RETURN(auto detour, OptionalQueryNumber(r, "detour_factor"));
  return s.coverage.Params(walk, detour);
}

json::object RowJson(const domain::CoverageRow& row) {
  json::object o{{"buildings", row.buildings},
                 {"residents", row.residents},
                 {"covered_residents", row.covered_residents},
                 {"share", row.share()},
                 {"buildings_outside", row.buildings_outside},
                 {"unplaced_buildings", row.unplaced_buildings},
                 {"unplaced_residents", row.unplaced_residents},
                 {"centers", row.centers},
                 {"small_centers", row.small_centers}};
  if (row.community_id != 0) {
    o["community"] = json::object{
        {"id", row.community_id}, {"code", row.community_code}, {"name", row.community_name}};
  }
  return o;
}

core::Result<Response> GetCoverage(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(auto within, QueryId(r, "within"));
  CG_ASSIGN_OR_RETURN(domain::CircleParams params, CircleParamsOf(s, r));
  CG_ASSIGN_OR_RETURN(domain::CoverageReport report, s.coverage.Report(c, within, params));
  json::array communities, centers;
  for (const auto& row : report.communities) communities.push_back(RowJson(row));
  for (const auto& ctr : report.centers) {
    centers.push_back(json::object{{"id", ctr.id},
                                   {"node_id", ctr.node_id},
                                   {"name", ctr.name},
                                   {"floor_area_m2", ctr.floor_area_m2},
                                   {"location", json::array{ctr.location.lon, ctr.location.lat}},
                                   {"small", ctr.small},
                                   {"residents_within", ctr.residents_within}});
  }
  json::object out{{"params", json::object{{"walk_m", params.walk_m},
                                           {"detour_factor", params.detour_factor},
                                           {"reach_m", params.reach_m()},
                                           {"approximation", kApproximation}}},
                   {"min_center_area_m2", report.min_center_area_m2},
                   {"total", RowJson(report.total)},
                   {"communities", std::move(communities)},
                   {"centers", std::move(centers)}};
  return Response::Json(200, out);
}

core::Result<Response> GetOutside(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(auto within, QueryId(r, "within"));
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(domain::CircleParams params, CircleParamsOf(s, r));
  CG_ASSIGN_OR_RETURN(auto result, s.coverage.Outside(c, within, params, page));
  return Response::Json(200, PageJson(result, [](const domain::OutsideBuilding& b) {
                          return json::object{
                              {"id", b.id},
                              {"code", b.code},
                              {"name", b.name},
                              {"community_id", b.community_id},
                              {"residents", b.residents},
                              {"location", json::array{b.location.lon, b.location.lat}},
                              {"nearest_center_m", OptJson(b.nearest_center_m)}};
                        }));
}

json::object AccountJson(const domain::FundAccount& a) {
  return json::object{{"id", a.id == 0 ? json::value(nullptr) : json::value(a.id)},
                      {"community", json::object{{"id", a.community_id},
                                                 {"code", a.community_code},
                                                 {"name", a.community_name}}},
                      {"fund", domain::FundName(a.fund)},
                      {"year", a.year},
                      {"norm_fen", a.norm_fen},
                      {"allocated_fen", a.allocated_fen},
                      {"spent_fen", a.spent_fen},
                      {"balance_fen", a.balance_fen}};
}

json::object EntryJson(const domain::FundEntry& e) {
  return json::object{{"id", e.id},
                      {"account_id", e.account_id},
                      {"kind", domain::FundEntryKindName(e.kind)},
                      {"amount_fen", e.amount_fen},
                      {"balance_after_fen", e.balance_after_fen},
                      {"category", e.category},
                      {"memo", e.memo},
                      {"spent_on", e.spent_on},
                      {"reverses_id", OptJson(e.reverses_id)},
                      {"reversed_by_id", OptJson(e.reversed_by_id)},
                      {"at", core::FormatUtc(e.at_ms)}};
}

core::Result<int> QueryYear(const Request& r) {
  auto text = r.Query("year");
  if (!text) return core::Error::Invalid("year", "必填");
  CG_ASSIGN_OR_RETURN(int64_t year, ParseId(*text, "year"));
  if (year > 100'000) return core::Error::Invalid("year", "年度无效");
  return static_cast<int>(year);
}

core::Result<Response> ListFunds(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int year, QueryYear(r));
  CG_ASSIGN_OR_RETURN(auto within, QueryId(r, "within"));
  CG_ASSIGN_OR_RETURN(auto accounts, s.funds.Accounts(c, within, year));
  json::array items, categories;
  for (const auto& a : accounts) items.push_back(AccountJson(a));
  for (auto name : domain::SpendCategoryNames()) categories.push_back(json::string(name));
  return Response::Json(
      200, json::object{
               {"year", year}, {"items", std::move(items)}, {"categories", std::move(categories)}});
}

core::Result<int> BodyYear(const json::object& body) {
  CG_ASSIGN_OR_RETURN(int64_t year, RequireInt(body, "year", 1, 100'000));
  return static_cast<int>(year);
}

core::Result<Response> Allocate(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewAllocation a;
  CG_ASSIGN_OR_RETURN(a.community_id, RequireInt(body, "community_id", 1));
  CG_ASSIGN_OR_RETURN(a.fund, RequireString(body, "fund", 20));
  CG_ASSIGN_OR_RETURN(a.year, BodyYear(body));
  CG_ASSIGN_OR_RETURN(a.amount_fen, OptionalInt(body, "amount_fen"));
  CG_ASSIGN_OR_RETURN(auto memo, OptionalString(body, "memo", 200));
  a.memo = memo.value_or("");
  CG_ASSIGN_OR_RETURN(auto key, OptionalString(body, "idempotency_key", 200));
  a.idempotency_key = key.value_or("");
  CG_ASSIGN_OR_RETURN(domain::FundEntry e, s.funds.Allocate(c, a));
  return Response::Json(201, EntryJson(e));
}

core::Result<Response> AllocateDefaults(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(int year, BodyYear(body));
  CG_ASSIGN_OR_RETURN(auto within, OptionalInt(body, "within", 1));
  CG_ASSIGN_OR_RETURN(auto result, s.funds.AllocateDefaults(c, within, year));
  return Response::Json(
      200,
      json::object{{"year", year}, {"created", result.created}, {"existing", result.existing}});
}

core::Result<Response> Spend(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewSpending n;
  CG_ASSIGN_OR_RETURN(n.community_id, RequireInt(body, "community_id", 1));
  CG_ASSIGN_OR_RETURN(n.fund, RequireString(body, "fund", 20));
  CG_ASSIGN_OR_RETURN(n.year, BodyYear(body));
  CG_ASSIGN_OR_RETURN(n.amount_fen, RequireInt(body, "amount_fen"));
  CG_ASSIGN_OR_RETURN(n.category, RequireString(body, "category", 20));
  CG_ASSIGN_OR_RETURN(n.memo, RequireString(body, "memo", 200));
  CG_ASSIGN_OR_RETURN(n.spent_on, OptionalString(body, "spent_on", 10));
  CG_ASSIGN_OR_RETURN(auto key, OptionalString(body, "idempotency_key", 200));
  n.idempotency_key = key.value_or("");
  CG_ASSIGN_OR_RETURN(domain::FundEntry e, s.funds.Spend(c, n));
  return Response::Json(201, EntryJson(e));
}

core::Result<Response> Reverse(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(std::string memo, RequireString(body, "memo", 200));
  CG_ASSIGN_OR_RETURN(domain::FundEntry e, s.funds.Reverse(c, id, memo));
  return Response::Json(201, EntryJson(e));
}

core::Result<Response> Statement(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(auto community, QueryId(r, "community_id"));
  if (!community) return core::Error::Invalid("community_id", "必填");
  auto fund = r.Query("fund");
  if (!fund) return core::Error::Invalid("fund", "必填");
  CG_ASSIGN_OR_RETURN(int year, QueryYear(r));
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(domain::FundStatement st,
                      s.funds.Statement(c, *community, std::string(*fund), year, page));
  json::array items;
  for (const auto& e : st.entries) items.push_back(EntryJson(e));
  return Response::Json(200, json::object{{"account", AccountJson(st.account)},
                                          {"items", std::move(items)},
                                          {"next_after", OptJson(st.next_after)}});
}

}  // namespace

void RegisterCoverageRoutes(Router& router, ApiServices& s) {
  auto add = [&](const char* method, const char* pattern,
                 core::Result<Response> (*fn)(ApiServices&, Request&, const Caller&)) {
    router.Add(method, pattern,
               Authed(s, [&s, fn](Request& r, const Caller& c) { return fn(s, r, c); }));
  };
  add("GET", "/api/v1/coverage", GetCoverage);
  add("GET", "/api/v1/coverage/outside", GetOutside);
  add("GET", "/api/v1/funds", ListFunds);
  add("POST", "/api/v1/funds/allocations", Allocate);
  add("POST", "/api/v1/funds/default-allocations", AllocateDefaults);
  add("POST", "/api/v1/funds/spendings", Spend);
  add("POST", "/api/v1/funds/entries/{id}/reversal", Reverse);
  add("GET", "/api/v1/funds/statement", Statement);
}

}  // namespace civicgrid::http
