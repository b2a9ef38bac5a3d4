#include "app/demo/governance_demo.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace civicgrid::app::demo {
namespace {

uint64_t Mix(uint64_t x) {  // splitmix64
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}
// A number in [0, n) from the inputs.
int Pick(uint64_t seed, uint64_t a, uint64_t b, uint64_t c, int n) {
  return static_cast<int>(Mix(seed ^ Mix(a ^ Mix(b ^ Mix(c)))) % static_cast<uint64_t>(n));
}

constexpr const char* kDuties[] = {"director", "deputy", "member"};

core::Status Links(App& app, store::Connection& conn, const DemoPlan& plan,
                   const GovernanceDemoIds& ids, GovernanceDemoReport& report) {
  std::vector<std::vector<int64_t>> buildings(plan.compounds.size());
  for (size_t b = 0; b < plan.buildings.size(); ++b) {
    const int c = plan.buildings[b].compound;
    if (c < 0) continue;
    buildings[static_cast<size_t>(c)].push_back(ids.buildings[b]);
    CG_TRY(
        conn.Execute("INSERT INTO building_governance (building_id, compound_id, "
                     "chief_staff_id) VALUES ($1, $2, (SELECT MIN(id) FROM staff WHERE kind = "
                     "'building_chief' AND node_id = $1))",
                     {ids.buildings[b], ids.compounds[static_cast<size_t>(c)]}));
  }
  std::vector<int> seen_in_community(plan.communities.size(), 0);
  for (size_t i = 0; i < plan.compounds.size(); ++i) {
    const PlanCompound& c = plan.compounds[i];
    const int64_t id = ids.compounds[i];
    std::optional<int64_t> property;
    if (c.property_company >= 0) property = ids.units[static_cast<size_t>(c.property_company)];
    const std::string committee = c.owners_committee ? c.name + "业主委员会" : "";
    CG_TRY(app.governance().InsertLinks(conn, id, property, committee, core::CivilDate{2024, 3, 1},
                                        core::CivilDate{2029, 2, 28}));
    if (c.owners_committee) {
      size_t n = 0;
      for (int64_t b : buildings[i]) {
        if (n >= 5) break;
        CG_ASSIGN_OR_RETURN(store::Rows rows,
                            conn.Query("SELECT id, name FROM resident WHERE node_id = $1 ORDER BY "
                                       "id LIMIT 2",
                                       {b}));
        for (const auto& r : rows) {
          if (n >= 5) break;
          CG_TRY(conn.Execute(
              "INSERT INTO committee_member (compound_id, name, duty, "
              "resident_id, created_at) VALUES ($1, $2, $3, $4, $5)",
              {id, r.Text(1), kDuties[std::min<size_t>(n, 2)], r.Int(0), app.clock().NowMs()}));
          ++n;
        }
      }
    }
    const size_t community = static_cast<size_t>(c.community);
    const int k = seen_in_community[community]++;
    CG_TRY(
        conn.Execute("INSERT INTO compound_steward (compound_id, staff_id) SELECT $1, id FROM "
                     "staff WHERE kind = 'community_worker' AND node_id = $2 ORDER BY id LIMIT "
                     "1 OFFSET $3",
                     {id, ids.communities[community], static_cast<int64_t>(k)}));
    ++report.compounds_linked;
  }
  return core::Ok();
}

// The sheets of one scoring period: every group the compound has, each
// criterion at the compound's quality for the quarter, give or take.
core::Status Sheets(store::Connection& conn, const DemoPlan& plan, const GovernanceDemoIds& ids,
                    const domain::RankingPeriod& period, int quarter, uint64_t seed, int64_t now_ms,
                    GovernanceDemoReport& report) {
  for (size_t i = 0; i < plan.compounds.size(); ++i) {
    const PlanCompound& c = plan.compounds[i];
    // 55–98, drifting by up to ±4 points a quarter.
    const int base = 55 + Pick(seed, i, 0, 0, 44);
    const int drift = Pick(seed, i, 1, 0, 9) - 4;
    for (size_t g = 0; g < domain::kRaterGroups; ++g) {
      const auto group = domain::kAllRaterGroups[g];
      if (group == domain::RaterGroup::kOwnersCommittee && !c.owners_committee) continue;
      if (group == domain::RaterGroup::kPropertyCompany && c.property_company < 0) continue;
      const int target = std::clamp(
          base + drift * quarter + Pick(seed, i, 2 + g, static_cast<uint64_t>(quarter), 13) - 6, 20,
          100);
      int64_t points = 0, max = 0;
      std::vector<std::pair<int64_t, int64_t>> items;
      for (const auto& cr : period.criteria[g]) {
        const int64_t p = std::min<int64_t>(
            cr.max_points, std::llround(static_cast<double>(cr.max_points * target) / 100.0));
        items.emplace_back(cr.id, p);
        points += p;
        max += cr.max_points;
      }
      CG_ASSIGN_OR_RETURN(
          int64_t sheet,
          conn.QueryInt(
              "INSERT INTO score_sheet (period_id, compound_id, grp, account_id, points, "
              "max_points, note, submitted_at) VALUES ($1, $2, $3, 0, $4, $5, '', $6) "
              "RETURNING id",
              {period.id, ids.compounds[i], domain::RaterGroupName(group), points, max, now_ms}));
      for (const auto& [criterion, p] : items) {
        CG_TRY(conn.Execute(
            "INSERT INTO score_item (sheet_id, criterion_id, points) VALUES ($1, $2, $3)",
            {sheet, criterion, p}));
      }
      ++report.sheets;
    }
  }
  return core::Ok();
}

}  // namespace

core::Result<GovernanceDemoReport> LoadGovernanceDemo(App& app, const DemoPlan& plan,
                                                      const GovernanceDemoIds& ids, uint64_t seed,
                                                      int64_t end_ms) {
  GovernanceDemoReport report;
  {
    CG_ASSIGN_OR_RETURN(auto conn, app.db().Acquire());
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
    CG_TRY(Links(app, *conn, plan, ids, report));
    CG_TRY(tx.Commit());
  }
  domain::Caller admin;
  admin.username = "demo";
  admin.role = domain::Role::kCountyAdmin;
  admin.request_id = "demo";
  admin.scope_node_id = ids.county;
  admin.scope_path = "/" + std::to_string(ids.county) + "/";
  // The four quarters before the one `end_ms` falls in, oldest first.
  const core::CivilDate today = core::ShanghaiDate(end_ms);
  int year = today.year;
  int q = (today.month - 1) / 3 + 1;
  std::vector<std::string> quarters;
  for (int k = 0; k < 4; ++k) {
    if (--q == 0) {
      q = 4;
      --year;
    }
    quarters.insert(quarters.begin(), std::to_string(year) + "-Q" + std::to_string(q));
  }
  for (size_t k = 0; k < quarters.size(); ++k) {
    domain::NewPeriod np;
    np.node_id = ids.county;
    np.quarter = quarters[k];
    CG_ASSIGN_OR_RETURN(domain::RankingPeriod period, app.governance().CreatePeriod(admin, np));
    CG_ASSIGN_OR_RETURN(period, app.governance().Advance(
                                    admin, period.id, domain::PeriodState::kScoring, std::nullopt));
    {
      CG_ASSIGN_OR_RETURN(auto conn, app.db().Acquire());
      CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
      CG_TRY(
          Sheets(*conn, plan, ids, period, static_cast<int>(k), seed, app.clock().NowMs(), report));
      CG_TRY(tx.Commit());
    }
    CG_TRY(
        app.governance().Advance(admin, period.id, domain::PeriodState::kPublished, std::nullopt));
    ++report.periods;
  }
  return report;
}

}  // namespace civicgrid::app::demo
