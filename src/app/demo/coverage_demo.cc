#include "app/demo/coverage_demo.h"

#include <fmt/format.h>

#include <array>

#include "app/demo/rng.h"

namespace civicgrid::app::demo {
namespace {

struct SpendingKind {
  const char* category;
  const char* memo;
  int min_yuan, max_yuan;
  bool service_fund;
};

constexpr std::array<SpendingKind, 8> kSpendings{{
    {"activities", "主题党日活动物料", 800, 3000, true},
    {"services", "老年食堂助餐补贴", 5000, 20000, true},
    {"assistance", "困难家庭节日慰问", 2000, 8000, true},
    {"facilities", "党群服务中心空调维修", 1500, 6000, false},
    {"training", "网格员业务培训", 1000, 4000, false},
    {"office", "办公用品采购", 300, 1500, false},
    {"services", "四点半课堂志愿者补贴", 2000, 6000, true},
    {"activities", "邻里节活动", 1500, 5000, true},
}};

core::Result<domain::Caller> CountyAdmin(App& app, const DemoPlan& plan) {
  for (const PlanAccount& a : plan.accounts) {
    if (a.role == "county_admin") return app.CallerFor(a.username);
  }
  return core::Error::NotFound("演示计划没有县级管理员账号");
}

core::Result<int64_t> PlaceBuildings(App& app, const DemoPlan& plan,
                                     const std::vector<int64_t>& buildings) {
  CG_ASSIGN_OR_RETURN(auto conn, app.db().Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  int64_t placed = 0;
  for (size_t i = 0; i < buildings.size() && i < plan.buildings.size(); ++i) {
    const core::LonLat at = plan.buildings[i].location;
    CG_ASSIGN_OR_RETURN(
        int64_t n, conn->Execute("UPDATE org_node SET center_lon = $1, center_lat = $2 WHERE id = "
                                 "$3 AND center_lon IS NULL",
                                 {at.lon, at.lat, buildings[i]}));
    placed += n;
  }
  CG_TRY(tx.Commit());
  return placed;
}

}  // namespace

core::Result<CoverageDemoReport> LoadCoverageDemo(App& app, const DemoPlan& plan,
                                                  const std::vector<int64_t>& buildings,
                                                  const std::vector<int64_t>& communities,
                                                  uint64_t seed, int64_t now_ms) {
  CoverageDemoReport report;
  CG_ASSIGN_OR_RETURN(report.placed_buildings, PlaceBuildings(app, plan, buildings));
  CG_ASSIGN_OR_RETURN(domain::Caller admin, CountyAdmin(app, plan));
  const core::CivilDate today = core::ShanghaiDate(now_ms);
  CG_ASSIGN_OR_RETURN(auto allocated,
                      app.funds().AllocateDefaults(admin, std::nullopt, today.year));
  report.allocations = allocated.created;
  const int64_t first_day = core::DaysFromCivil({today.year, 1, 1});
  const int64_t days = core::DaysFromCivil(today) - first_day + 1;
  Rng rng(Mix64(seed ^ 0x66756e6473ULL));  // "funds"
  for (size_t c = 0; c < communities.size(); ++c) {
    const int count = rng.Between(3, 6);
    for (int k = 0; k < count; ++k) {
      const SpendingKind& kind =
          kSpendings[static_cast<size_t>(rng.Below(static_cast<int>(kSpendings.size())))];
      domain::NewSpending s;
      s.community_id = communities[c];
      s.fund = kind.service_fund ? "service" : "work";
      s.year = today.year;
      s.amount_fen = int64_t{rng.Between(kind.min_yuan, kind.max_yuan)} * 100;
      s.category = kind.category;
      s.memo = kind.memo;
      s.spent_on =
          core::FormatDate(core::CivilFromDays(first_day + rng.Below(static_cast<int>(days))));
      s.idempotency_key = fmt::format("demo:{}:{}:{}", communities[c], today.year, k);
      auto spent = app.funds().Spend(admin, s);
      if (!spent.ok()) return spent.error();
      report.spendings += 1;
    }
  }
  return report;
}

}  // namespace civicgrid::app::demo
