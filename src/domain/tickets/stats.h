// Ticket statistics: the rates every level is ranked by (响应率, 办结率, 解决率,
// 满意率), times to respond and to resolve, overdue counts, per org node and
// period, and the monthly ranking of a node's children (like 12345's 三率排名).
// Definitions and formulas: docs/rates.md.
//
// Every ticket contributes a TicketTally — a pure function of the ticket row
// (Contribution) — to two rollup rows of ticket_rollup, keyed by the
// materialised path of the ticket's node (its grid, or its community) and the
// cohort of its created_at in Asia/Shanghai: the day (period yyyymmdd) and the
// month (period yyyymm). A ticket's later outcome counts in the period it was
// filed in, as 12345's monthly figures do. TicketStats is a TicketObserver:
// inside each ticket transaction it subtracts the contribution of the ticket
// before the event and adds the contribution after, so the rollup always equals
// what a recomputation from the ticket rows gives (Rebuild, used after bulk
// loads; a test holds the two equal). A period query sums whole months from
// month rows and the days left over from day rows, within the node's path
// range: a few index range scans, whatever the number of tickets.
//
// Who may read: roles with Permission::kStatsRead — county and street admins,
// community secretaries and workers, grid workers — for nodes inside their
// scope (outside → NotFound). Unit admins, party members and residents get
// Forbidden.
//
// Thread-safe (state lives in the database).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "domain/access/caller.h"
#include "domain/registry/org_tree.h"
#include "domain/tickets/ticket_service.h"
#include "store/pool.h"

namespace civicgrid::domain {

// Times to respond and to resolve are counted in a fixed histogram of minutes
// so that a median can be estimated from additive rollups. Bucket i holds
// [bound[i-1], bound[i]) with bound[-1] = 0; the last bucket is open-ended.
// The bounds follow the SLA steps (30 min, 2 h, 24 h, 7 and 15 days).
inline constexpr size_t kMinuteBuckets = 16;
inline constexpr std::array<int64_t, kMinuteBuckets - 1> kMinuteBucketBounds = {
    10, 30, 60, 120, 240, 480, 720, 1440, 2880, 4320, 7200, 10080, 14400, 21600, 43200};
using MinuteHistogram = std::array<int64_t, kMinuteBuckets>;
// The bucket holding `minutes` (negative counts as 0).
size_t MinuteBucket(int64_t minutes);

// Additive counters of a set of tickets. Every field is a count of tickets
// except the two *_minutes sums.
struct TicketTally {
  int64_t received = 0;    // every ticket filed
  int64_t rejected = 0;    // 不予受理: not a demand
  int64_t duplicates = 0;  // closed as a duplicate of another: not a demand
  int64_t withdrawn = 0;   // closed without being resolved (撤单): not a demand
  int64_t demands = 0;  // received − rejected − duplicates − withdrawn: the base of the rates
  int64_t accepted = 0;
  int64_t accepted_on_time = 0;  // accepted_at ≤ accept_due
  int64_t responded = 0;
  int64_t responded_on_time = 0;  // responded_at ≤ respond_due
  int64_t resolved = 0;           // resolved or closed after resolving (办结)
  int64_t resolved_on_time = 0;   // resolved_at ≤ resolve_due
  int64_t rated = 0;
  int64_t satisfied = 0;  // rating ≥ 3
  int64_t solved = 0;     // latest callback (回访): solved
  int64_t unsolved = 0;   // latest callback: unsolved
  int64_t unreachable = 0;
  int64_t overdue_accept = 0;  // flagged by the overdue checker (督办), per deadline
  int64_t overdue_respond = 0;
  int64_t overdue_resolve = 0;
  int64_t overdue_escalation = 0;  // a called department reported late
  int64_t overdue_any = 0;
  int64_t supervised = 0;
  int64_t respond_minutes = 0;  // Σ (responded_at − created_at) over responded tickets
  int64_t resolve_minutes = 0;  // Σ (resolved_at − created_at) over resolved tickets
  MinuteHistogram respond_buckets{};
  MinuteHistogram resolve_buckets{};

  TicketTally& operator+=(const TicketTally& other);
  TicketTally& operator-=(const TicketTally& other);
  bool operator==(const TicketTally& other) const = default;
};

// What one ticket adds to the rollup. Reads only node_id, path, state,
// duplicate_of, rating, callback_outcome, overdue, supervised, created_at, the
// three deadlines and accepted_at, responded_at, resolved_at.
TicketTally Contribution(const Ticket& ticket);

// Average and estimated median of one of the two times.
struct DurationSummary {
  int64_t count = 0;
  std::optional<double> average_minutes;
  // Interpolated linearly inside the bucket that holds the middle ticket; the
  // true median lies in [median_low, median_high) (no upper bound for the
  // open last bucket, where the estimate is its lower bound).
  std::optional<double> median_minutes;
  std::optional<int64_t> median_low;
  std::optional<int64_t> median_high;
};
DurationSummary Summarize(int64_t count, int64_t sum_minutes, const MinuteHistogram& buckets);

// The rates, each in [0, 1]; empty when the denominator is zero.
struct RateSet {
  std::optional<double> response_rate;            // 响应率 = responded_on_time / demands
  std::optional<double> resolution_rate;          // 办结率 = resolved / demands
  std::optional<double> on_time_resolution_rate;  // 按期办结率 = resolved_on_time / demands
  std::optional<double> solve_rate;               // 解决率 = solved / (solved + unsolved)
  std::optional<double> satisfaction_rate;        // 满意率 = satisfied / rated
};
RateSet ComputeRates(const TicketTally& tally);

// Weights of the composite score (三率综合得分), after 12345's 10 % response,
// 45 % solve, 45 % satisfaction, with a share of the last two moved to 办结率.
struct ScoreWeights {
  double response = 0.10;
  double resolution = 0.20;
  double solve = 0.35;
  double satisfaction = 0.35;
};
// 100 × Σ wᵢ·rateᵢ / Σ wᵢ over the rates that exist; empty without demands.
std::optional<double> CompositeScore(const RateSet& rates, const ScoreWeights& weights);

struct StatsOptions {
  ScoreWeights weights;
  // Longest period a rates query may span, in days (about five years).
  int64_t max_period_days = 5 * 366;
};

struct StatsNode {
  int64_t id = 0;
  OrgKind kind = OrgKind::kCounty;
  std::string code;
  std::string name;
  std::string path;
};

struct NodeRates {
  StatsNode node;
  core::CivilDate from;  // inclusive, Asia/Shanghai
  core::CivilDate to;    // inclusive
  TicketTally tally;
  RateSet rates;
  std::optional<double> score;
  DurationSummary respond;
  DurationSummary resolve;
};

struct YearMonth {
  int year = 1970;
  int month = 1;
};
// Accepts "YYYY-MM"; errors name `field`.
core::Result<YearMonth> ParseYearMonth(std::string_view text, std::string_view field);

struct RankedNode {
  std::optional<int64_t> rank;  // 1 = best; equal scores share a rank; empty: no demands
  NodeRates figures;
};

struct Ranking {
  StatsNode parent;
  YearMonth month;
  ScoreWeights weights;
  std::vector<RankedNode> items;  // ranked first (by rank), then the unranked
};

class TicketStats final : public TicketObserver {
 public:
  TicketStats(store::Db& db, const core::Clock& clock, StatsOptions options = {})
      : db_(db), clock_(clock), options_(options) {}

  // Applies change.after − change.before to the rollup, in the change's
  // transaction.
  core::Status InTransaction(store::Connection& conn, const TicketChange& change) override;
  // A batch: the submissions' rollup rows and counters summed and written by
  // multi-row upserts; other changes one by one.
  core::Status InTransactionBatch(store::Connection& conn,
                                  const std::vector<TicketChange>& changes) override;

  // Keeps the rows per parent right when a node moves (register with
  // OrgTreeService::AddMoveHook, after AddPathCopy("ticket_rollup")): the
  // moved node's own tickets now count under its new parent.
  static core::Status OnSubtreeMoved(store::Connection& conn,
                                     const OrgTreeService::SubtreeMove& move);

  // Recomputes every rollup row from the ticket rows, inside the caller's
  // write transaction. Run it when nothing else writes tickets (after a bulk
  // load, after moving org nodes): on PostgreSQL a ticket changed by another
  // transaction while it runs may be counted twice or not at all.
  core::Status Rebuild(store::Connection& conn);
  // The same in a transaction of its own.
  core::Status Rebuild();

  // Figures of `node_id` (default: the caller's scope node) for the days
  // [from, to]. A missing bound defaults to the edge of the other bound's
  // month; both missing: the current month in Asia/Shanghai.
  core::Result<NodeRates> Rates(const Caller& caller, std::optional<int64_t> node_id,
                                std::optional<core::CivilDate> from,
                                std::optional<core::CivilDate> to);

  // The children of `parent_id` (default: the caller's scope node) of the
  // tree's governing kinds (not buildings, compounds or back streets), ranked
  // by composite score for `month` (default: the current month).
  core::Result<Ranking> Rankings(const Caller& caller, std::optional<int64_t> parent_id,
                                 std::optional<YearMonth> month);

  const StatsOptions& options() const { return options_; }

 private:
  core::Result<StatsNode> NodeInScope(store::Connection& conn, const Caller& caller, int64_t id);
  NodeRates Figures(StatsNode node, core::CivilDate from, core::CivilDate to,
                    const TicketTally& tally) const;

  store::Db& db_;
  const core::Clock& clock_;
  StatsOptions options_;
};

}  // namespace civicgrid::domain
