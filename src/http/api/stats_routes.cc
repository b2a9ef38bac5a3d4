// The rates and rankings (domain/tickets/stats.h; definitions in docs/rates.md):
//   GET /api/v1/stats/rates?node_id=&from=YYYY-MM-DD&to=YYYY-MM-DD
//   GET /api/v1/stats/rankings?parent_id=&month=YYYY-MM
#include <boost/json.hpp>

#include "http/api/api.h"
#include "http/api/views.h"

namespace civicgrid::http {
namespace {

namespace json = boost::json;
using domain::Caller;

json::object NodeJson(const domain::StatsNode& n) {
  return json::object{
      {"id", n.id}, {"kind", domain::OrgKindName(n.kind)}, {"code", n.code}, {"name", n.name}};
}

json::object CountsJson(const domain::TicketTally& t) {
  return json::object{{"received", t.received},
                      {"rejected", t.rejected},
                      {"duplicates", t.duplicates},
                      {"withdrawn", t.withdrawn},
                      {"demands", t.demands},
                      {"accepted", t.accepted},
                      {"accepted_on_time", t.accepted_on_time},
                      {"responded", t.responded},
                      {"responded_on_time", t.responded_on_time},
                      {"resolved", t.resolved},
                      {"resolved_on_time", t.resolved_on_time},
                      {"open", t.demands - t.resolved},
                      {"rated", t.rated},
                      {"satisfied", t.satisfied},
                      {"solved", t.solved},
                      {"unsolved", t.unsolved},
                      {"unreachable", t.unreachable},
                      {"overdue_accept", t.overdue_accept},
                      {"overdue_respond", t.overdue_respond},
                      {"overdue_resolve", t.overdue_resolve},
                      {"overdue_escalation", t.overdue_escalation},
                      {"overdue_any", t.overdue_any},
                      {"supervised", t.supervised}};
}

json::object RatesJson(const domain::RateSet& r) {
  return json::object{{"response_rate", OptJson(r.response_rate)},
                      {"resolution_rate", OptJson(r.resolution_rate)},
                      {"on_time_resolution_rate", OptJson(r.on_time_resolution_rate)},
                      {"solve_rate", OptJson(r.solve_rate)},
                      {"satisfaction_rate", OptJson(r.satisfaction_rate)}};
}

json::object DurationJson(const domain::DurationSummary& d, const domain::MinuteHistogram& h) {
  json::array buckets;
  for (int64_t n : h) buckets.push_back(n);
  return json::object{{"count", d.count},
                      {"average_minutes", OptJson(d.average_minutes)},
                      {"median_minutes", OptJson(d.median_minutes)},
                      {"median_low", OptJson(d.median_low)},
                      {"median_high", OptJson(d.median_high)},
                      {"buckets", std::move(buckets)}};
}

json::object TimesJson(const domain::NodeRates& f) {
  json::array bounds;
  for (int64_t b : domain::kMinuteBucketBounds) bounds.push_back(b);
  return json::object{{"respond", DurationJson(f.respond, f.tally.respond_buckets)},
                      {"resolve", DurationJson(f.resolve, f.tally.resolve_buckets)},
                      {"bucket_bounds_minutes", std::move(bounds)}};
}

json::object FiguresJson(const domain::NodeRates& f) {
  return json::object{{"node", NodeJson(f.node)},     {"from", core::FormatDate(f.from)},
                      {"to", core::FormatDate(f.to)}, {"counts", CountsJson(f.tally)},
                      {"rates", RatesJson(f.rates)},  {"score", OptJson(f.score)},
                      {"times", TimesJson(f)}};
}

core::Result<std::optional<core::CivilDate>> QueryDate(const Request& r, std::string_view name) {
  auto text = r.Query(name);
  if (!text) return std::optional<core::CivilDate>();
  CG_ASSIGN_OR_RETURN(core::CivilDate date, core::ParseDate(*text, name));
  return std::optional<core::CivilDate>(date);
}

core::Result<Response> Rates(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(std::optional<int64_t> node_id, QueryId(r, "node_id"));
  CG_ASSIGN_OR_RETURN(std::optional<core::CivilDate> from, QueryDate(r, "from"));
  CG_ASSIGN_OR_RETURN(std::optional<core::CivilDate> to, QueryDate(r, "to"));
  CG_ASSIGN_OR_RETURN(domain::NodeRates figures, s.stats.Rates(c, node_id, from, to));
  return Response::Json(200, FiguresJson(figures));
}

core::Result<Response> Rankings(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(std::optional<int64_t> parent_id, QueryId(r, "parent_id"));
  std::optional<domain::YearMonth> month;
  if (auto text = r.Query("month")) {
    CG_ASSIGN_OR_RETURN(month, domain::ParseYearMonth(*text, "month"));
  }
  CG_ASSIGN_OR_RETURN(domain::Ranking ranking, s.stats.Rankings(c, parent_id, month));
  json::array items;
  for (const domain::RankedNode& item : ranking.items) {
    json::object o = FiguresJson(item.figures);
    o["rank"] = OptJson(item.rank);
    items.push_back(std::move(o));
  }
  const domain::ScoreWeights& w = ranking.weights;
  std::string month_text =
      core::FormatDate({ranking.month.year, ranking.month.month, 1}).substr(0, 7);
  return Response::Json(
      200, json::object{{"parent", NodeJson(ranking.parent)},
                        {"month", month_text},
                        {"weights", json::object{{"response_rate", w.response},
                                                 {"resolution_rate", w.resolution},
                                                 {"solve_rate", w.solve},
                                                 {"satisfaction_rate", w.satisfaction}}},
                        {"items", std::move(items)}});
}

}  // namespace

void RegisterStatsRoutes(Router& router, ApiServices& s) {
  auto add = [&](const char* pattern,
                 core::Result<Response> (*fn)(ApiServices&, Request&, const Caller&)) {
    // Interactive: the figures are range reads of the rollups (a few ms at
    // city tier, docs/rates.md), and a leader's dashboard must not queue
    // behind exports in the long lane.
    router.Add("GET", pattern,
               Authed(s, [&s, fn](Request& r, const Caller& c) { return fn(s, r, c); }));
  };
  add("/api/v1/stats/rates", Rates);
  add("/api/v1/stats/rankings", Rankings);
}

}  // namespace civicgrid::http
