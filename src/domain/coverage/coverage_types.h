// Value types and options of the 15-minute service circle (issue 11 §3) and
// the communities' funding ledger. See coverage_service.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/geo.h"

namespace civicgrid::domain {

// --- the 15-minute circle ---------------------------------------------------------------------

// An approximation, not a route: a building counts as within a 15-minute walk of a
// service centre when its straight-line (great-circle) distance to the centre, times
// the detour factor, is at most the walk. Streets are not straight, so the detour factor
// (walked distance ÷ straight-line distance) shrinks the walk to a straight-line reach:
// by default a 1,500 m walk (15 minutes at 100 m a minute) over a detour factor of 1.25
// gives the 1.2 km straight-line circle the planners draw. Both are request parameters.
struct CoverageOptions {
  double walk_m = 1500;              // the distance walked in 15 minutes
  double detour_factor = 1.25;       // walked ÷ straight-line distance
  int64_t min_center_area_m2 = 500;  // 固安: every centre at least 500 m²
  double min_walk_m = 100, max_walk_m = 10'000;
  double min_detour = 1.0, max_detour = 3.0;
};

// The parameters of one computation (the options' defaults unless the request gave others).
struct CircleParams {
  double walk_m = 1500;
  double detour_factor = 1.25;
  double reach_m() const { return walk_m / detour_factor; }  // straight-line radius
};

// Coverage of one community (or, as the total, of the whole scope).
struct CoverageRow {
  int64_t community_id = 0;  // 0 in the total
  std::string community_code;
  std::string community_name;
  int64_t buildings = 0;
  int64_t residents = 0;
  int64_t covered_residents = 0;   // in buildings within reach of a centre
  int64_t buildings_outside = 0;   // placed buildings beyond every centre's reach
  int64_t unplaced_buildings = 0;  // buildings without a position (counted as not covered)
  int64_t unplaced_residents = 0;
  int64_t centers = 0;        // centres of the community
  int64_t small_centers = 0;  // of which under min_center_area_m2
  double share() const {
    return residents > 0 ? static_cast<double>(covered_residents) / static_cast<double>(residents)
                         : 0.0;
  }
};

struct CoveredCenter {
  int64_t id = 0;
  int64_t node_id = 0;
  std::string name;
  int64_t floor_area_m2 = 0;
  core::LonLat location;
  bool small = false;            // floor area under the norm
  int64_t residents_within = 0;  // residents of the buildings within its reach
};

struct CoverageReport {
  CircleParams params;
  int64_t min_center_area_m2 = 500;
  CoverageRow total;
  std::vector<CoverageRow> communities;  // community code order
  std::vector<CoveredCenter> centers;    // the scope's centres, id order
};

// A building beyond every centre's reach.
struct OutsideBuilding {
  int64_t id = 0;
  std::string code;
  std::string name;
  int64_t community_id = 0;
  int64_t residents = 0;
  core::LonLat location;
  std::optional<double> nearest_center_m;  // straight-line; none when no centre is near
};

// --- the funding ledger
// ---------------------------------------------------------------------------

// 工作经费 and 党组织服务群众专项经费 (seed 001: 100,000 and 200,000 yuan a year per community).
enum class Fund { kWork, kService };
std::string_view FundName(Fund fund);
core::Result<Fund> ParseFund(std::string_view name, std::string_view field);

enum class FundEntryKind { kAllocation, kSpending, kReversal };
std::string_view FundEntryKindName(FundEntryKind kind);

// What a spending was for.
enum class SpendCategory {
  kActivities,  // 党群活动
  kServices,    // 便民服务项目
  kFacilities,  // 阵地设施维护
  kAssistance,  // 困难帮扶
  kTraining,    // 培训
  kOffice,      // 办公
  kOther,
};
std::string_view SpendCategoryName(SpendCategory c);
core::Result<SpendCategory> ParseSpendCategory(std::string_view name, std::string_view field);
std::vector<std::string_view> SpendCategoryNames();

struct FundOptions {
  int64_t work_fen_per_year = 100'000'00;     // 10 万元
  int64_t service_fen_per_year = 200'000'00;  // 20 万元
  int64_t max_amount_fen = 100'000'000'00;    // 1 亿元 in one entry
  int min_year = 2000, max_year = 2100;
  int64_t DefaultFor(Fund fund) const {
    return fund == Fund::kWork ? work_fen_per_year : service_fen_per_year;
  }
};

// One community's fund in one year.
struct FundAccount {
  int64_t id = 0;  // 0: nothing recorded yet
  int64_t community_id = 0;
  std::string community_code;
  std::string community_name;
  Fund fund = Fund::kWork;
  int year = 0;
  int64_t norm_fen = 0;  // the yearly default
  int64_t allocated_fen = 0;
  int64_t spent_fen = 0;
  int64_t balance_fen = 0;
};

struct FundEntry {
  int64_t id = 0;
  int64_t account_id = 0;
  FundEntryKind kind = FundEntryKind::kAllocation;
  int64_t amount_fen = 0;  // signed: + into the fund, − out of it
  int64_t balance_after_fen = 0;
  std::string category;  // spendings (and their reversals)
  std::string memo;
  std::string spent_on;  // YYYY-MM-DD, Asia/Shanghai
  std::optional<int64_t> reverses_id;
  std::optional<int64_t> reversed_by_id;
  int64_t actor_account_id = 0;
  int64_t at_ms = 0;
};

struct NewAllocation {
  int64_t community_id = 0;
  std::string fund;  // parsed by the ledger (errors name "fund")
  int year = 0;
  std::optional<int64_t> amount_fen;  // default: the fund's yearly norm
  std::string memo;
  std::string idempotency_key;  // optional
};

struct NewSpending {
  int64_t community_id = 0;
  std::string fund;
  int year = 0;
  int64_t amount_fen = 0;
  std::string category;
  std::string memo;
  std::optional<std::string> spent_on;  // default: today in Asia/Shanghai
  std::string idempotency_key;          // optional
};

struct FundStatement {
  FundAccount account;
  std::vector<FundEntry> entries;  // newest first
  std::optional<int64_t> next_after;
};

struct DefaultAllocations {
  int64_t created = 0;   // entries written
  int64_t existing = 0;  // already allocated by an earlier call
};

}  // namespace civicgrid::domain
