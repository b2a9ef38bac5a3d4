// The rates and rankings (domain/tickets/stats.h; definitions in docs/rates.md):
//   GET /api/v1/stats/rates?node_id=&from=YYYY-MM-DD&to=YYYY-MM-DD
//   GET /api/v1/stats/rankings?parent_id=&month=YYYY-MM
//   GET /api/v1/stats/rates/trend?node_id=&month=YYYY-MM&months=12
//   GET /api/v1/stats/rates/trend?node_id=&granularity=day&to=YYYY-MM-DD&days=14
//   GET /api/v1/exports/rates.csv?node_id=&month=YYYY-MM   (the ranking of node_id's children)
// the grids of a node for the map, with their figures:
//   GET /api/v1/org-nodes/{id}/grids.geojson?rates=&month=YYYY-MM&months=
// and the counts of the inbox tabs (maintained counters, domain/tickets/ticket_counts.h):
//   GET /api/v1/tickets/counts?node_id=&kind=
#include <fmt/format.h>
#include <boost/json.hpp>

#include <charconv>

#include "core/csv.h"
#include "core/text_encoding.h"
#include "domain/tickets/stats_views.h"
#include "http/api/api.h"
#include "http/api/views.h"
#include "http/json_write.h"

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

std::string MonthText(const domain::YearMonth& m) {
  return fmt::format("{:04}-{:02}", m.year, m.month);
}

core::Result<std::optional<domain::YearMonth>> QueryMonth(const Request& r) {
  auto text = r.Query("month");
  if (!text) return std::optional<domain::YearMonth>();
  CG_ASSIGN_OR_RETURN(domain::YearMonth m, domain::ParseYearMonth(*text, "month"));
  return std::optional<domain::YearMonth>(m);
}

// ?months=N (default `fallback`); the domain checks the range.
core::Result<int> QueryMonths(const Request& r, int fallback) {
  auto text = r.Query("months");
  if (!text) return fallback;
  int n = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc() || ptr != text->data() + text->size() || text->empty()) {
    return core::Error::Invalid("months", "应为整数（月数）");
  }
  return n;
}

// ?days=N (default `fallback`); the domain checks the range.
core::Result<int> QueryDays(const Request& r, int fallback) {
  auto text = r.Query("days");
  if (!text) return fallback;
  int n = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc() || ptr != text->data() + text->size() || text->empty()) {
    return core::Error::Invalid("days", "应为整数（天数）");
  }
  return n;
}

// One row per day, from the day rows of the rollup; a day without a base
// has null rates (a gap in a chart, not a zero).
core::Result<Response> DailyTrend(ApiServices& s, Request& r, const Caller& c,
                                  std::optional<int64_t> node_id) {
  CG_ASSIGN_OR_RETURN(std::optional<core::CivilDate> to, QueryDate(r, "to"));
  CG_ASSIGN_OR_RETURN(int days, QueryDays(r, 14));
  CG_ASSIGN_OR_RETURN(
      domain::DailyTrend trend,
      domain::RatesByDay(s.db, s.clock, s.stats.options().weights, c, node_id, to, days));
  json::array items;
  for (const domain::DayFigures& d : trend.days) {
    items.push_back(json::object{{"day", core::FormatDate(d.day)},
                                 {"counts", CountsJson(d.tally)},
                                 {"rates", RatesJson(d.rates)},
                                 {"score", OptJson(d.score)}});
  }
  return Response::Json(200, json::object{{"node", NodeJson(trend.node)},
                                          {"granularity", "day"},
                                          {"from", core::FormatDate(trend.from)},
                                          {"to", core::FormatDate(trend.to)},
                                          {"items", std::move(items)}});
}

core::Result<Response> Trend(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(std::optional<int64_t> node_id, QueryId(r, "node_id"));
  if (auto granularity = r.Query("granularity"); granularity && *granularity != "month") {
    if (*granularity != "day") return core::Error::Invalid("granularity", "应为 day 或 month");
    return DailyTrend(s, r, c, node_id);
  }
  CG_ASSIGN_OR_RETURN(std::optional<domain::YearMonth> month, QueryMonth(r));
  CG_ASSIGN_OR_RETURN(int months, QueryMonths(r, 12));
  CG_ASSIGN_OR_RETURN(
      domain::RatesTrend trend,
      domain::RatesByMonth(s.db, s.clock, s.stats.options().weights, c, node_id, month, months));
  json::array items;
  for (const domain::MonthFigures& m : trend.months) {
    items.push_back(json::object{{"month", MonthText(m.month)},
                                 {"counts", CountsJson(m.tally)},
                                 {"rates", RatesJson(m.rates)},
                                 {"score", OptJson(m.score)}});
  }
  return Response::Json(200, json::object{{"node", NodeJson(trend.node)},
                                          {"granularity", "month"},
                                          {"from", MonthText(trend.span.First())},
                                          {"to", MonthText(trend.span.last)},
                                          {"items", std::move(items)}});
}

// The rate a map colours grids by (?rates=), or the whole set.
core::Result<std::optional<std::string>> QueryMapRate(const Request& r) {
  auto text = r.Query("rates");
  if (!text) return std::optional<std::string>();
  static const char* const kNames[] = {"all",   "response",     "resolution",
                                       "solve", "satisfaction", "score"};
  for (const char* name : kNames) {
    if (*text == name) return std::optional<std::string>(*text);
  }
  return core::Error::Invalid("rates",
                              "应为 response、resolution、solve、satisfaction、score 或 all");
}

json::value ChosenRate(const domain::GridFigures& g, const std::string& rate) {
  if (rate == "response") return OptJson(g.rates.response_rate);
  if (rate == "resolution") return OptJson(g.rates.resolution_rate);
  if (rate == "solve") return OptJson(g.rates.solve_rate);
  if (rate == "satisfaction") return OptJson(g.rates.satisfaction_rate);
  if (rate == "score") return OptJson(g.score);
  return nullptr;
}

json::object GridProperties(const domain::GridFigures& g, const std::optional<std::string>& rate) {
  json::object p{{"id", g.id},
                 {"code", g.code},
                 {"name", g.name},
                 {"community_id", OptJson(g.community_id)},
                 {"community_name", g.community_name},
                 {"open", g.open},
                 {"overdue_open", g.overdue_open}};
  p["center"] = g.center ? json::value(json::array{g.center->lon, g.center->lat}) : nullptr;
  if (rate && g.tally) {
    p["demands"] = g.tally->demands;
    p["received"] = g.tally->received;
    p["resolved"] = g.tally->resolved;
    p["response_rate"] = OptJson(g.rates.response_rate);
    p["resolution_rate"] = OptJson(g.rates.resolution_rate);
    p["solve_rate"] = OptJson(g.rates.solve_rate);
    p["satisfaction_rate"] = OptJson(g.rates.satisfaction_rate);
    p["score"] = OptJson(g.score);
    p["rate"] = ChosenRate(g, *rate);
  }
  return p;
}

// A FeatureCollection written as text: the stored boundaries go out as they
// are (already GeoJSON), without parsing them again.
core::Result<Response> GridsGeoJson(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(std::optional<std::string> rate, QueryMapRate(r));
  CG_ASSIGN_OR_RETURN(std::optional<domain::YearMonth> month, QueryMonth(r));
  CG_ASSIGN_OR_RETURN(int months, QueryMonths(r, 1));
  CG_ASSIGN_OR_RETURN(domain::GridMap map,
                      domain::MapGrids(s.db, s.clock, s.stats.options().weights, c, id,
                                       rate.has_value(), month, months));
  json::value period = nullptr;
  if (map.span) {
    period = json::object{
        {"from", MonthText(map.span->First())}, {"to", MonthText(map.span->last)}, {"rate", *rate}};
  }
  std::string out = R"({"type":"FeatureCollection","node":)" + WriteJson(NodeJson(map.node)) +
                    R"(,"period":)" + WriteJson(period) + R"(,"features":[)";
  for (size_t i = 0; i < map.grids.size(); ++i) {
    const domain::GridFigures& g = map.grids[i];
    out += i == 0 ? "" : ",";
    out += R"({"type":"Feature","id":)" + std::to_string(g.id) + R"(,"geometry":)" +
           g.geometry.value_or("null") + R"(,"properties":)" + WriteJson(GridProperties(g, rate)) +
           "}";
  }
  out += "]}";
  return Response::Text(200, std::move(out), "application/geo+json");
}

std::string Percent(const std::optional<double>& rate) {
  return rate ? fmt::format("{:.1f}", *rate * 100) : "";
}

void AppendRatesRow(std::string& csv, const std::string& rank, const domain::NodeRates& f) {
  const domain::TicketTally& t = f.tally;
  core::AppendCsvRow(
      csv, {rank, f.node.code, f.node.name, std::string(domain::OrgKindName(f.node.kind)),
            std::to_string(t.received), std::to_string(t.demands),
            std::to_string(t.responded_on_time), std::to_string(t.resolved),
            std::to_string(t.rated), std::to_string(t.satisfied), Percent(f.rates.response_rate),
            Percent(f.rates.resolution_rate), Percent(f.rates.solve_rate),
            Percent(f.rates.satisfaction_rate), f.score ? fmt::format("{:.1f}", *f.score) : ""});
}

// The month's ranking of node_id's children, then the node's own total.
core::Result<Response> RatesCsv(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(std::optional<int64_t> node_id, QueryId(r, "node_id"));
  CG_ASSIGN_OR_RETURN(std::optional<domain::YearMonth> month, QueryMonth(r));
  CG_ASSIGN_OR_RETURN(domain::Ranking ranking, s.stats.Rankings(c, node_id, month));
  core::CivilDate from{ranking.month.year, ranking.month.month, 1};
  CG_ASSIGN_OR_RETURN(domain::NodeRates total,
                      s.stats.Rates(c, ranking.parent.id, from, std::nullopt));
  std::string csv(core::kUtf8Bom);
  core::AppendCsvRow(
      csv, {"排名", "编码", "名称", "层级", "受理总数", "诉求数", "按时响应", "办结", "评价数",
            "满意数", "响应率(%)", "办结率(%)", "解决率(%)", "满意率(%)", "综合得分"});
  for (const domain::RankedNode& item : ranking.items) {
    AppendRatesRow(csv, item.rank ? std::to_string(*item.rank) : "", item.figures);
  }
  AppendRatesRow(csv, "合计", total);
  Response response = Response::Text(200, std::move(csv), "text/csv; charset=utf-8");
  response.AddHeader("Content-Disposition", "attachment; filename=\"rates-" + ranking.parent.code +
                                                "-" + MonthText(ranking.month) + ".csv\"");
  response.AddHeader("Cache-Control", "no-store");
  return response;
}

core::Result<Response> Counts(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(std::optional<int64_t> node_id, QueryId(r, "node_id"));
  std::optional<domain::TicketKind> kind;
  if (auto text = r.Query("kind")) {
    CG_ASSIGN_OR_RETURN(kind, domain::ParseTicketKind(*text, "kind"));
  }
  CG_ASSIGN_OR_RETURN(domain::NodeCounts n, domain::CountTickets(s.db, c, node_id, kind));
  const domain::TicketCounts& k = n.counts;
  json::object by_state;
  for (size_t i = 0; i < domain::kTicketStateCount; ++i) {
    by_state[domain::TicketStateName(static_cast<domain::TicketState>(i))] = k.by_state[i];
  }
  json::object by_kind;
  for (size_t i = 0; i < domain::kTicketKindCount; ++i) {
    by_kind[domain::TicketKindName(static_cast<domain::TicketKind>(i))] = k.by_kind[i];
  }
  json::value kind_json = nullptr;
  if (n.kind) kind_json = domain::TicketKindName(*n.kind);
  return Response::Json(200, json::object{{"node", NodeJson(n.node)},
                                          {"kind", std::move(kind_json)},
                                          {"total", k.total},
                                          {"open", k.open},
                                          {"overdue", k.overdue},
                                          {"overdue_open", k.overdue_open},
                                          {"by_state", std::move(by_state)},
                                          {"by_kind", std::move(by_kind)}});
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
  add("/api/v1/tickets/counts", Counts);
  add("/api/v1/stats/rates/trend", Trend);
  add("/api/v1/org-nodes/{id}/grids.geojson", GridsGeoJson);
  add("/api/v1/exports/rates.csv", RatesCsv);
}

}  // namespace civicgrid::http
