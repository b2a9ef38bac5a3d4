#include "app/demo/visits_demo.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/demo/rng.h"
#include "domain/visits/visit_service.h"

namespace civicgrid::app::demo {
namespace {

struct Visitor {
  int64_t account_id = 0;  // 0: a grid worker without a login
  std::string name;
};

struct Row {
  int64_t household = 0, grid = 0;
  std::optional<int64_t> community;
  std::string path;
  int64_t at = 0;
  const Visitor* visitor = nullptr;
};

// 13 parameters a row: 1,000 rows stay under SQLite's 32,766 and PostgreSQL's 65,535 bound
// parameters, and one statement text (prepared once, reused) carries every full chunk.
constexpr size_t kRowsPerInsert = 1000;
constexpr const char* kOutcomes[] = {"met", "met", "met", "met", "met", "met", "absent"};
constexpr const char* kNeeds[] = {"", "", "", "", "care", "medical", "repair", "financial"};

// Who visits each grid: the grid worker's account when it has one (the demo's
// grid1, grid2), else the grid worker assigned to it (by name).
core::Result<std::map<int64_t, Visitor>> Visitors(store::Connection& conn) {
  std::map<int64_t, Visitor> out;
  CG_ASSIGN_OR_RETURN(store::Rows staff,
                      conn.Query("SELECT a.grid_id, MIN(s.name) FROM grid_assignment a JOIN staff "
                                 "s ON s.id = a.staff_id GROUP BY a.grid_id"));
  for (const auto& r : staff) out[r.Int(0)] = Visitor{0, r.Text(1)};
  CG_ASSIGN_OR_RETURN(store::Rows accounts,
                      conn.Query("SELECT scope_node_id, id, display_name FROM account WHERE role = "
                                 "'grid_worker' ORDER BY id"));
  for (const auto& r : accounts) out[r.Int(0)] = Visitor{r.Int(1), r.Text(2)};
  return out;
}

core::Status Insert(store::Connection& conn, const std::vector<Row>& rows, Rng& rng) {
  for (size_t start = 0; start < rows.size(); start += kRowsPerInsert) {
    std::string sql =
        "INSERT INTO visit (household_id, grid_id, community_id, path, visitor_account_id, "
        "visitor_name, visited_at, outcome, needs, risks, flags_before, flags_after, "
        "request_hash, created_at) VALUES ";
    store::Params params;
    const size_t end = std::min(rows.size(), start + kRowsPerInsert);
    for (size_t i = start; i < end; ++i) {
      const Row& r = rows[i];
      const size_t base = params.size();
      sql += i == start ? "(" : ", (";
      for (size_t k = 1; k <= 12; ++k) {
        sql += "$" + std::to_string(base + k) + (k < 12 ? ", " : "");
      }
      sql += ", '', $" + std::to_string(base + 13) + ")";
      const char* outcome = kOutcomes[rng.Below(7)];
      params.insert(params.end(),
                    {r.household, r.grid, r.community ? store::Value(*r.community) : store::Value(),
                     r.path, r.visitor->account_id, r.visitor->name, r.at, std::string(outcome),
                     std::string(outcome == std::string("met") ? kNeeds[rng.Below(8)] : ""),
                     std::string(rng.Chance(0.03) ? "fall" : ""), int64_t{0}, int64_t{0}, r.at});
    }
    CG_TRY(conn.Execute(sql, params));
  }
  return core::Ok();
}

// The visits of `weeks` weeks before end_ms, in one transaction.
core::Result<VisitsDemoReport> LoadVisits(store::Connection& conn, uint64_t seed, int64_t end_ms,
                                          int weeks) {
  VisitsDemoReport report;
  Rng rng(seed ^ 0x7669736974ULL);  // "visit"
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(conn));
  CG_ASSIGN_OR_RETURN(auto visitors, Visitors(conn));
  // Households with the OR of their residents' flags, grid by grid.
  CG_ASSIGN_OR_RETURN(
      store::Rows households,
      conn.Query("SELECT hv.household_id, hv.grid_id, hv.community_id, hv.path, f.flagged FROM "
                 "household_visit hv LEFT JOIN (SELECT household_id, COUNT(*) AS flagged FROM "
                 "resident WHERE (flags & 3) <> 0 GROUP BY household_id) f ON f.household_id = "
                 "hv.household_id WHERE hv.grid_id IS NOT NULL ORDER BY hv.grid_id, "
                 "hv.household_id"));
  const int64_t week0 = domain::WeekStartMs(end_ms) - weeks * 7 * core::kMsPerDay;
  std::vector<Row> rows;
  std::map<int64_t, double> diligence;
  for (const auto& h : households) {
    const int64_t grid = h.Int(1);
    auto who = visitors.find(grid);
    if (who == visitors.end()) continue;
    auto [it, fresh] = diligence.try_emplace(grid, 0.0);
    if (fresh) it->second = 0.55 + 0.4 * rng.Unit();
    ++report.households;
    const int per_week = h.OptInt(4).value_or(0) > 0 ? 2 : 1;
    for (int w = 0; w <= weeks; ++w) {
      for (int k = 0; k < per_week; ++k) {
        if (!rng.Chance(it->second)) continue;
        // Daytime visits: a day of the week (the second visit later in it), 9:00–17:00 Beijing.
        const int day = per_week == 1 ? rng.Below(6) : k * 3 + rng.Below(3);
        const int64_t at = week0 + w * 7 * core::kMsPerDay + day * core::kMsPerDay +
                           (9 + rng.Below(8)) * core::kMsPerHour +
                           rng.Below(60) * core::kMsPerMinute;
        if (at > end_ms) continue;
        rows.push_back(Row{h.Int(0), grid, h.OptInt(2), h.Text(3), at, &who->second});
      }
    }
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.at < b.at; });
  CG_TRY(Insert(conn, rows, rng));
  report.visits = static_cast<int64_t>(rows.size());
  // Each household's last visit (the visits went in in time order: the newest has the largest
  // id), from one pass over the visits grouped by household rather than two lookups per
  // household.
  CG_TRY(conn.Execute(
      "UPDATE household_visit SET last_visit_id = v.last_id, last_visited_at = v.last_at FROM "
      "(SELECT household_id, MAX(id) AS last_id, MAX(visited_at) AS last_at FROM visit GROUP BY "
      "household_id) v WHERE v.household_id = household_visit.household_id"));
  CG_TRY(tx.Commit());
  return report;
}

}  // namespace

core::Result<VisitsDemoReport> LoadVisitsDemo(App& app, uint64_t seed, int64_t end_ms, int weeks) {
  CG_ASSIGN_OR_RETURN(auto conn, app.db().Acquire());
  // Half a million visits land in six indexes in time order, i.e. at random places of the
  // household, path and grid indexes: SQLite's default 2 MB page cache rereads their pages from
  // the OS every few rows. A large cache for this step only (a proxy on 82,800 households:
  // 3.2 s of CPU instead of 4.7 s), then the default again for the pooled connection.
  const bool sqlite = conn->backend() == store::Backend::kSqlite;
  if (sqlite) CG_TRY(conn->Execute("PRAGMA cache_size = -262144"));
  auto visits = LoadVisits(*conn, seed, end_ms, weeks);
  if (sqlite) CG_TRY(conn->Execute("PRAGMA cache_size = -2000"));
  return visits;
}

}  // namespace civicgrid::app::demo
