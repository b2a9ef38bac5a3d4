// The rates: what one ticket contributes, how periods split into rollup rows,
// medians from the histogram, the composite score, and — on both backends —
// that the incrementally kept rollup always equals a rebuild from the ticket
// rows and that every query answers what a brute-force sum over the tickets
// gives.
#include "domain/tickets/stats.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "domain/registry/grid_locator.h"
#include "domain/testing/domain_fixture.h"
#include "domain/tickets/stats_rollup.h"

namespace civicgrid::domain {
namespace {

using core::CivilDate;
using core::kMsPerDay;
using core::kMsPerMinute;

// 2026-09-01 00:00 in Asia/Shanghai.
const int64_t kSeptember = core::DaysFromCivil({2026, 9, 1}) * kMsPerDay - core::kShanghaiOffsetMs;

Ticket Filed(int64_t created_at = kSeptember + 9 * core::kMsPerHour) {
  Ticket t;
  t.node_id = 7;
  t.path = "/1/7/";
  t.state = TicketState::kSubmitted;
  t.created_at = created_at;
  t.accept_due = created_at + 60 * kMsPerMinute;
  t.respond_due = created_at + 120 * kMsPerMinute;
  t.resolve_due = created_at + 7 * kMsPerDay;
  return t;
}

TEST(MinuteBucket, BoundsAreExclusiveUpperLimits) {
  EXPECT_EQ(MinuteBucket(-5), 0u);
  EXPECT_EQ(MinuteBucket(0), 0u);
  EXPECT_EQ(MinuteBucket(9), 0u);
  EXPECT_EQ(MinuteBucket(10), 1u);
  EXPECT_EQ(MinuteBucket(29), 1u);
  EXPECT_EQ(MinuteBucket(30), 2u);
  EXPECT_EQ(MinuteBucket(1439), 7u);
  EXPECT_EQ(MinuteBucket(1440), 8u);
  EXPECT_EQ(MinuteBucket(43199), 14u);
  EXPECT_EQ(MinuteBucket(43200), 15u);
  EXPECT_EQ(MinuteBucket(int64_t{1} << 40), 15u);
}

TEST(Contribution, ExcludedTicketsAreReceivedButNoDemand) {
  Ticket rejected = Filed();
  rejected.state = TicketState::kRejected;
  rejected.closed_at = rejected.created_at + kMsPerMinute;
  rejected.overdue = kOverdueAccept;
  TicketTally r = Contribution(rejected);
  EXPECT_EQ(r.received, 1);
  EXPECT_EQ(r.rejected, 1);
  EXPECT_EQ(r.demands, 0);
  EXPECT_EQ(r.overdue_any, 0);

  Ticket duplicate = Filed();
  duplicate.state = TicketState::kClosed;
  duplicate.duplicate_of = 3;
  TicketTally d = Contribution(duplicate);
  EXPECT_EQ(d.duplicates, 1);
  EXPECT_EQ(d.demands, 0);

  Ticket withdrawn = Filed();
  withdrawn.state = TicketState::kClosed;
  withdrawn.closed_at = withdrawn.created_at + kMsPerDay;
  TicketTally w = Contribution(withdrawn);
  EXPECT_EQ(w.withdrawn, 1);
  EXPECT_EQ(w.demands, 0);
  EXPECT_EQ(w.received, 1);
}

TEST(Contribution, CountsEveryStepAgainstItsDeadline) {
  Ticket t = Filed();
  t.state = TicketState::kClosed;
  t.accepted_at = t.created_at + 60 * kMsPerMinute;       // exactly on the deadline: on time
  t.responded_at = t.created_at + 121 * kMsPerMinute;     // a minute late
  t.resolved_at = t.created_at + 2 * kMsPerDay + 59'999;  // 2880 whole minutes
  t.closed_at = *t.resolved_at + kMsPerDay;
  t.rating = 3;
  t.callback_outcome = "solved";
  t.overdue = kOverdueRespond | kOverdueEscalation;
  t.supervised = true;
  TicketTally c = Contribution(t);
  TicketTally want;
  want.received = want.demands = 1;
  want.accepted = want.accepted_on_time = 1;
  want.responded = 1;
  want.resolved = want.resolved_on_time = 1;
  want.rated = want.satisfied = 1;
  want.solved = 1;
  want.overdue_respond = want.overdue_escalation = want.overdue_any = 1;
  want.supervised = 1;
  want.respond_minutes = 121;
  want.respond_buckets[MinuteBucket(121)] = 1;
  want.resolve_minutes = 2880;
  want.resolve_buckets[MinuteBucket(2880)] = 1;
  EXPECT_EQ(c, want);
}

TEST(Contribution, ResolvedOnlyWhileTheTicketStaysResolved) {
  Ticket t = Filed();
  t.state = TicketState::kAccepted;  // reopened: a stale resolved_at does not count
  t.responded_at = t.created_at + kMsPerMinute;
  t.resolved_at = t.created_at + kMsPerDay;
  t.rating = 2;
  t.callback_outcome = "unreachable";
  TicketTally c = Contribution(t);
  EXPECT_EQ(c.resolved, 0);
  EXPECT_EQ(c.resolve_minutes, 0);
  EXPECT_EQ(c.rated, 1);
  EXPECT_EQ(c.satisfied, 0);
  EXPECT_EQ(c.unreachable, 1);
  EXPECT_EQ(c.solved + c.unsolved, 0);
  EXPECT_EQ(c.responded_on_time, 1);
}

TEST(Summarize, MedianIsInterpolatedInsideTheBucketOfTheMiddleTicket) {
  MinuteHistogram h{};
  h[0] = 1;  // [0, 10)
  h[2] = 2;  // [30, 60)
  h[8] = 1;  // [1440, 2880)
  DurationSummary s = Summarize(4, 5 + 40 + 50 + 2000, h);
  EXPECT_DOUBLE_EQ(*s.average_minutes, 2095.0 / 4);
  // The middle (2 of 4) is one ticket into the two of [30, 60): halfway.
  EXPECT_EQ(*s.median_low, 30);
  EXPECT_EQ(*s.median_high, 60);
  EXPECT_DOUBLE_EQ(*s.median_minutes, 45.0);

  MinuteHistogram open{};
  open[15] = 3;
  DurationSummary o = Summarize(3, 3 * 50000, open);
  EXPECT_EQ(*o.median_low, 43200);
  EXPECT_FALSE(o.median_high.has_value());
  EXPECT_DOUBLE_EQ(*o.median_minutes, 43200.0);

  DurationSummary none = Summarize(0, 0, MinuteHistogram{});
  EXPECT_FALSE(none.average_minutes || none.median_minutes || none.median_low);
}

TEST(Rates, FormulasAndCompositeScore) {
  TicketTally t;
  t.demands = 8;
  t.responded_on_time = 6;
  t.resolved = 4;
  t.resolved_on_time = 2;
  t.solved = 3;
  t.unsolved = 1;
  t.unreachable = 5;  // not in the solve rate's base
  t.rated = 5;
  t.satisfied = 4;
  RateSet r = ComputeRates(t);
  EXPECT_DOUBLE_EQ(*r.response_rate, 0.75);
  EXPECT_DOUBLE_EQ(*r.resolution_rate, 0.5);
  EXPECT_DOUBLE_EQ(*r.on_time_resolution_rate, 0.25);
  EXPECT_DOUBLE_EQ(*r.solve_rate, 0.75);
  EXPECT_DOUBLE_EQ(*r.satisfaction_rate, 0.8);
  ScoreWeights w;
  EXPECT_DOUBLE_EQ(*CompositeScore(r, w),
                   100 * (0.1 * 0.75 + 0.2 * 0.5 + 0.35 * 0.75 + 0.35 * 0.8));
  // Missing rates drop out and the remaining weights are renormalised.
  r.solve_rate.reset();
  r.satisfaction_rate.reset();
  EXPECT_DOUBLE_EQ(*CompositeScore(r, w), 100 * (0.1 * 0.75 + 0.2 * 0.5) / 0.3);
  EXPECT_FALSE(CompositeScore(ComputeRates(TicketTally{}), w).has_value());
}

TEST(Split, MonthRowsWhereTheyAreCheaperThanDayRows) {
  using V = std::vector<int64_t>;
  // January: 3 days inside, 28 outside → its days. April: 2 inside → days.
  auto s = rollup::Split({2026, 1, 29}, {2026, 4, 2});
  EXPECT_EQ(s.months, (V{202602, 202603}));
  EXPECT_EQ(s.days, (V{20260129, 20260130, 20260131, 20260401, 20260402}));
  EXPECT_TRUE(s.minus_days.empty());

  auto year = rollup::Split({2025, 1, 1}, {2025, 12, 31});
  EXPECT_EQ(year.months.size(), 12u);
  EXPECT_EQ(year.months.front(), 202501);
  EXPECT_EQ(year.months.back(), 202512);
  EXPECT_TRUE(year.days.empty() && year.minus_days.empty());

  // Month to date (the 23rd of 30): the month row minus the 7 days after.
  auto mtd = rollup::Split({2026, 11, 1}, {2026, 11, 23});
  EXPECT_EQ(mtd.months, (V{202611}));
  EXPECT_TRUE(mtd.days.empty());
  EXPECT_EQ(mtd.minus_days,
            (V{20261124, 20261125, 20261126, 20261127, 20261128, 20261129, 20261130}));

  // Mid-January to mid-February: 17 of 31 days inside → month minus 14;
  // 15 of 28 inside → month minus 13.
  auto across = rollup::Split({2026, 1, 15}, {2026, 2, 15});
  EXPECT_EQ(across.months, (V{202601, 202602}));
  EXPECT_TRUE(across.days.empty());
  EXPECT_EQ(across.minus_days.size(), 14u + 13u);
  EXPECT_EQ(across.minus_days.front(), 20260101);
  EXPECT_EQ(across.minus_days[13], 20260114);
  EXPECT_EQ(across.minus_days[14], 20260216);
  EXPECT_EQ(across.minus_days.back(), 20260228);

  auto half = rollup::Split({2026, 4, 16}, {2026, 4, 30});  // 15 in, 15 out: days
  EXPECT_TRUE(half.months.empty());
  EXPECT_EQ(half.days.size(), 15u);

  auto leap = rollup::Split({2024, 2, 1}, {2024, 2, 29});
  EXPECT_EQ(leap.months, (V{202402}));
  EXPECT_TRUE(leap.days.empty() && leap.minus_days.empty());
  auto not_leap = rollup::Split({2025, 2, 2}, {2025, 2, 28});
  EXPECT_EQ(not_leap.months, (V{202502}));
  EXPECT_EQ(not_leap.minus_days, (V{20250201}));
}

TEST(ParentPath, StripsTheLastSegmentAndNamesIt) {
  EXPECT_EQ(rollup::ParentPath("/1/7/42/"), "/1/7/");
  EXPECT_EQ(rollup::ParentPath("/1/"), "/");
  EXPECT_EQ(rollup::ParentPath("/"), "/");
  EXPECT_EQ(rollup::LastSegmentId("/1/7/42/"), 42);
  EXPECT_EQ(rollup::LastSegmentId("/1/"), 1);
  EXPECT_EQ(rollup::LastSegmentId("/"), 0);
  EXPECT_EQ(rollup::LastSegmentId("/1/x7/"), 0);  // not an id
  const Ticket t = [] {
    Ticket x;
    x.node_id = 42;
    x.path = "/1/7/42/";
    x.created_at = 1'790'000'000'000;  // 2026-09-21 in Shanghai
    return x;
  }();
  rollup::Cell cell = rollup::CellOf(t);
  EXPECT_EQ(cell.parent_path, "/1/7/");
  EXPECT_EQ(cell.parent_id, 7);
  EXPECT_EQ(cell.month, 202609);
}

TEST(ParseYearMonth, AcceptsOnlyYyyyMm) {
  auto ok = ParseYearMonth("2026-02", "month");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->year, 2026);
  EXPECT_EQ(ok->month, 2);
  for (const char* bad : {"2026-13", "2026-2", "2026-02-01", "", "abcd-ef"}) {
    auto r = ParseYearMonth(bad, "month");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().field, "month");
  }
}

// --- on a database -----------------------------------------------------------

class StatsTest : public testing::DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    if (skipped_ || HasFatalFailure()) return;
    stats_ = std::make_unique<TicketStats>(test_db_->db(), clock_);
    auto conn = test_db_->db().Acquire();
    ASSERT_TRUE(conn.ok());
    auto id = (*conn)->QueryInt(
        "INSERT INTO ticket_category (code, name, grp, handler, accept_minutes, respond_minutes, "
        "resolve_minutes, created_at, updated_at) VALUES ('T01', '测试', 'daily', 'community', "
        "60, 120, 10080, 0, 0) RETURNING id");
    ASSERT_TRUE(id.ok()) << id.error().message;
    category_id_ = *id;
  }

  // Writes `t` as a ticket row (inserting it when t.id is 0) and tells the
  // stats, in one transaction, as TicketService does.
  void Write(Ticket& t, const std::optional<Ticket>& before) {
    auto conn = test_db_->db().Acquire();
    ASSERT_TRUE(conn.ok());
    auto tx = store::Transaction::Begin(**conn);
    ASSERT_TRUE(tx.ok());
    store::Params p{t.node_id,      t.path,         std::string(TicketStateName(t.state)),
                    t.duplicate_of, t.rating,       t.callback_outcome,
                    t.overdue,      t.supervised,   t.created_at,
                    t.accept_due,   t.respond_due,  t.resolve_due,
                    t.accepted_at,  t.responded_at, t.resolved_at,
                    t.closed_at};
    if (t.id == 0) {
      p.push_back(category_id_);
      p.push_back("N-" + std::to_string(++numbered_));
      auto id = (**conn).QueryInt(
          "INSERT INTO ticket (node_id, path, state, duplicate_of, rating, callback_outcome, "
          "overdue, supervised, created_at, accept_due, respond_due, resolve_due, accepted_at, "
          "responded_at, resolved_at, closed_at, category_id, number, kind, channel, title, "
          "description, version, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
          "$11, $12, $13, $14, $15, $16, $17, $18, 'report', 'h5', 't', 'd', 1, 0) RETURNING id",
          p);
      ASSERT_TRUE(id.ok()) << id.error().message;
      t.id = *id;
    } else {
      p.push_back(t.id);
      auto n = (**conn).Execute(
          "UPDATE ticket SET node_id = $1, path = $2, state = $3, duplicate_of = $4, rating = $5, "
          "callback_outcome = $6, overdue = $7, supervised = $8, created_at = $9, accept_due = "
          "$10, respond_due = $11, resolve_due = $12, accepted_at = $13, responded_at = $14, "
          "resolved_at = $15, closed_at = $16 WHERE id = $17",
          p);
      ASSERT_TRUE(n.ok()) << n.error().message;
    }
    TicketChange change{before, t, TicketEvent{}, {}};
    auto observed = stats_->InTransaction(**conn, change);
    ASSERT_TRUE(observed.ok()) << observed.error().message;
    ASSERT_TRUE(tx->Commit().ok());
  }

  // Every rollup row as text, in key order.
  std::vector<std::string> Rollup() {
    auto conn = test_db_->db().Acquire();
    auto rows = (*conn)->Query("SELECT * FROM ticket_rollup ORDER BY grain, period, path");
    EXPECT_TRUE(rows.ok());
    std::vector<std::string> out;
    for (const auto& row : *rows) {
      std::string line;
      for (size_t i = 0; i < row.size(); ++i) line += row.at(i).ToString() + " ";
      out.push_back(line);
    }
    return out;
  }

  // A random outcome for a ticket filed at `created_at` on `grid`.
  Ticket RandomTicket(std::mt19937_64& rng, const OrgNode& grid, int64_t created_at) {
    Ticket t = Filed(created_at);
    t.id = 0;
    t.node_id = grid.id;
    t.path = grid.path;
    Mutate(rng, t);
    return t;
  }

  void Mutate(std::mt19937_64& rng, Ticket& t) {
    auto pick = [&](int64_t n) { return static_cast<int64_t>(rng() % static_cast<uint64_t>(n)); };
    const TicketState states[] = {TicketState::kSubmitted, TicketState::kAccepted,
                                  TicketState::kAssigned,  TicketState::kInProgress,
                                  TicketState::kEscalated, TicketState::kResolved,
                                  TicketState::kClosed,    TicketState::kRejected};
    t.state = states[pick(8)];
    // Times spread over every bucket: up to ~60 days.
    auto later = [&]() -> std::optional<int64_t> {
      if (pick(4) == 0) return std::nullopt;
      static const int64_t kScales[] = {15, 240, 3000, 90000};
      return t.created_at + pick(kScales[pick(4)]) * kMsPerMinute + pick(60'000);
    };
    t.accepted_at = later();
    t.responded_at = later();
    t.resolved_at = later();
    t.closed_at = later();
    t.rating = pick(3) == 0 ? std::nullopt : std::optional<int64_t>(1 + pick(5));
    const char* outcomes[] = {"solved", "unsolved", "unreachable"};
    t.callback_outcome =
        pick(3) == 0 ? std::nullopt : std::optional<std::string>(outcomes[pick(3)]);
    t.overdue = pick(16);
    t.supervised = pick(5) == 0;
    t.duplicate_of = pick(12) == 0 && first_id_ != 0 ? std::optional(first_id_) : std::nullopt;
  }

  std::unique_ptr<TicketStats> stats_;
  int64_t category_id_ = 0;
  int64_t numbered_ = 0;
  int64_t first_id_ = 0;
};

struct Period {
  CivilDate from, to;
};

// The ticket's own cell, and every ticket of `tickets` whose node lies in
// `node`'s subtree and whose creation day lies in [from, to], summed.
TicketTally BruteForce(const std::vector<Ticket>& tickets, const OrgNode& node, CivilDate from,
                       CivilDate to) {
  TicketTally sum;
  int64_t lo = core::DaysFromCivil(from);
  int64_t hi = core::DaysFromCivil(to);
  for (const Ticket& t : tickets) {
    int64_t day = core::DaysFromCivil(core::ShanghaiDate(t.created_at));
    if (t.path.rfind(node.path, 0) == 0 && day >= lo && day <= hi) sum += Contribution(t);
  }
  return sum;
}

TEST_P(StatsTest, IncrementalRollupEqualsRebuildAfterRandomChanges) {
  std::mt19937_64 rng(20261123);
  const OrgNode* grids[] = {&tree_.grid_a1, &tree_.grid_a2, &tree_.grid_b1, &tree_.community_b};
  std::vector<Ticket> tickets;
  for (int i = 0; i < 120; ++i) {
    int64_t created = kSeptember - 40 * kMsPerDay +
                      static_cast<int64_t>(rng() % static_cast<uint64_t>(80 * kMsPerDay));
    Ticket t = RandomTicket(rng, *grids[rng() % 4], created);
    ASSERT_NO_FATAL_FAILURE(Write(t, std::nullopt));
    if (first_id_ == 0) first_id_ = t.id;
    tickets.push_back(t);
  }
  for (int step = 0; step < 600; ++step) {
    Ticket& t = tickets[rng() % tickets.size()];
    Ticket before = t;
    Mutate(rng, t);
    if (step % 25 == 0) t.created_at += kMsPerDay * 31;  // another day and month
    if (step % 40 == 0) {
      const OrgNode& g = *grids[rng() % 4];
      t.node_id = g.id;
      t.path = g.path;
    }
    if (step % 7 == 0) t = before;  // an event that changes nothing counted
    ASSERT_NO_FATAL_FAILURE(Write(t, before));
  }
  std::vector<std::string> incremental = Rollup();
  ASSERT_FALSE(incremental.empty());
  ASSERT_TRUE(stats_->Rebuild().ok());
  EXPECT_EQ(incremental, Rollup());

  // Every query agrees with a brute-force sum over the tickets.
  const Period periods[] = {{{2026, 9, 1}, {2026, 9, 30}},   {{2026, 8, 14}, {2026, 10, 3}},
                            {{2026, 9, 17}, {2026, 9, 17}},  {{2026, 1, 1}, {2026, 12, 31}},
                            {{2026, 7, 31}, {2026, 11, 30}}, {{2025, 1, 1}, {2025, 1, 31}},
                            {{2026, 8, 2}, {2026, 9, 28}},   {{2026, 9, 1}, {2026, 9, 23}},
                            {{2026, 8, 9}, {2026, 10, 20}}};
  const OrgNode* nodes[] = {&tree_.county, &tree_.community_a, &tree_.community_b, &tree_.grid_a2,
                            &tree_.building_a1};
  for (const Period& p : periods) {
    for (const OrgNode* node : nodes) {
      auto got = stats_->Rates(Admin(), node->id, p.from, p.to);
      ASSERT_TRUE(got.ok()) << got.error().message;
      EXPECT_EQ(got->tally, BruteForce(tickets, *node, p.from, p.to))
          << node->name << " " << core::FormatDate(p.from) << ".." << core::FormatDate(p.to);
    }
  }
}

TEST_P(StatsTest, RatesForTheCurrentMonthByDefault) {
  clock_.Set(kSeptember + 20 * kMsPerDay);
  Ticket late = Filed(kSeptember + 3 * kMsPerDay);
  late.node_id = tree_.grid_a1.id;
  late.path = tree_.grid_a1.path;
  ASSERT_NO_FATAL_FAILURE(Write(late, std::nullopt));
  Ticket before = late;
  late.state = TicketState::kResolved;
  late.responded_at = late.created_at + 30 * kMsPerMinute;
  late.resolved_at = late.created_at + 8 * kMsPerDay;  // a day past resolve_due
  ASSERT_NO_FATAL_FAILURE(Write(late, before));
  Ticket august = Filed(kSeptember - kMsPerMinute);
  august.node_id = tree_.grid_a1.id;
  august.path = tree_.grid_a1.path;
  ASSERT_NO_FATAL_FAILURE(Write(august, std::nullopt));

  auto r =
      stats_->Rates(As(Role::kGridWorker, tree_.grid_a1), std::nullopt, std::nullopt, std::nullopt);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->node.id, tree_.grid_a1.id);
  EXPECT_EQ(core::FormatDate(r->from), "2026-09-01");
  EXPECT_EQ(core::FormatDate(r->to), "2026-09-30");
  EXPECT_EQ(r->tally.demands, 1);  // the August ticket is not in September
  EXPECT_EQ(r->tally.resolved, 1);
  EXPECT_EQ(r->tally.resolved_on_time, 0);
  EXPECT_DOUBLE_EQ(*r->rates.resolution_rate, 1.0);
  EXPECT_DOUBLE_EQ(*r->rates.on_time_resolution_rate, 0.0);
  EXPECT_DOUBLE_EQ(*r->rates.response_rate, 1.0);
  EXPECT_DOUBLE_EQ(*r->resolve.average_minutes, 8.0 * 24 * 60);
  EXPECT_EQ(*r->resolve.median_low, 10080);
  EXPECT_EQ(*r->resolve.median_high, 14400);

  // One bound given: the other is the edge of its month.
  auto from_only = stats_->Rates(Admin(), tree_.grid_a1.id, CivilDate{2026, 8, 15}, std::nullopt);
  ASSERT_TRUE(from_only.ok());
  EXPECT_EQ(core::FormatDate(from_only->to), "2026-08-31");
  EXPECT_EQ(from_only->tally.demands, 1);
  auto to_only = stats_->Rates(Admin(), tree_.grid_a1.id, std::nullopt, CivilDate{2026, 9, 2});
  ASSERT_TRUE(to_only.ok());
  EXPECT_EQ(core::FormatDate(to_only->from), "2026-09-01");
  EXPECT_EQ(to_only->tally.demands, 0);
}

TEST_P(StatsTest, ScopeAndRoles) {
  const Caller grid1 = As(Role::kGridWorker, tree_.grid_a1);
  auto outside = stats_->Rates(grid1, tree_.grid_b1.id, std::nullopt, std::nullopt);
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.error().code, core::ErrorCode::kNotFound);
  auto above = stats_->Rankings(grid1, tree_.community_a.id, std::nullopt);
  ASSERT_FALSE(above.ok());
  EXPECT_EQ(above.error().code, core::ErrorCode::kNotFound);
  auto missing = stats_->Rates(Admin(), 999999, std::nullopt, std::nullopt);
  EXPECT_EQ(missing.error().code, core::ErrorCode::kNotFound);
  for (Role role : {Role::kResident, Role::kPartyMember, Role::kUnitAdmin}) {
    auto r = stats_->Rates(As(role, tree_.county), tree_.county.id, std::nullopt, std::nullopt);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, core::ErrorCode::kForbidden) << RoleName(role);
    auto k = stats_->Rankings(As(role, tree_.county), std::nullopt, std::nullopt);
    EXPECT_EQ(k.error().code, core::ErrorCode::kForbidden) << RoleName(role);
  }
  for (Role role : {Role::kCountyAdmin, Role::kStreetAdmin, Role::kCommunitySecretary,
                    Role::kCommunityWorker, Role::kGridWorker}) {
    EXPECT_TRUE(
        stats_->Rates(As(role, tree_.grid_a1), std::nullopt, std::nullopt, std::nullopt).ok())
        << RoleName(role);
  }
  auto backwards =
      stats_->Rates(Admin(), std::nullopt, CivilDate{2026, 9, 2}, CivilDate{2026, 9, 1});
  EXPECT_EQ(backwards.error().field, "to");
  auto too_long =
      stats_->Rates(Admin(), std::nullopt, CivilDate{2016, 1, 1}, CivilDate{2026, 9, 1});
  EXPECT_EQ(too_long.error().field, "to");
}

TEST_P(StatsTest, RankingOrdersChildrenByScoreAndSharesTies) {
  // Community A's grids and community B's one grid, all in September.
  auto add = [&](const OrgNode& node, bool resolved, std::optional<int64_t> rating) {
    Ticket t = Filed(kSeptember + 5 * kMsPerDay);
    t.node_id = node.id;
    t.path = node.path;
    t.responded_at = t.created_at + kMsPerMinute;
    if (resolved) {
      t.state = TicketState::kResolved;
      t.resolved_at = t.created_at + kMsPerDay;
    }
    t.rating = rating;
    Write(t, std::nullopt);
  };
  add(tree_.grid_a1, true, 5);
  add(tree_.grid_a1, false, std::nullopt);
  add(tree_.grid_a2, true, 5);
  add(tree_.grid_a2, false, std::nullopt);
  add(tree_.grid_b1, true, 5);
  add(tree_.grid_b1, true, 4);
  add(tree_.community_a, true, 1);  // on the community itself: in A, in no grid of A

  auto street = stats_->Rankings(Admin(), tree_.street.id, YearMonth{2026, 9});
  ASSERT_TRUE(street.ok()) << street.error().message;
  ASSERT_EQ(street->items.size(), 2u);
  EXPECT_EQ(street->items[0].figures.node.id, tree_.community_b.id);
  EXPECT_EQ(street->items[0].rank, 1);
  EXPECT_DOUBLE_EQ(*street->items[0].figures.score, 100.0);
  EXPECT_EQ(street->items[1].figures.node.id, tree_.community_a.id);
  EXPECT_EQ(street->items[1].rank, 2);
  EXPECT_EQ(street->items[1].figures.tally.demands, 5);

  auto community = stats_->Rankings(As(Role::kCommunitySecretary, tree_.community_a), std::nullopt,
                                    YearMonth{2026, 9});
  ASSERT_TRUE(community.ok());
  ASSERT_EQ(community->items.size(), 2u);  // grids only: buildings are not ranked
  EXPECT_EQ(community->items[0].rank, 1);
  EXPECT_EQ(community->items[1].rank, 1);                            // equal figures, equal rank
  EXPECT_EQ(community->items[0].figures.node.id, tree_.grid_a1.id);  // then by id

  auto october = stats_->Rankings(Admin(), tree_.street.id, YearMonth{2026, 10});
  ASSERT_TRUE(october.ok());
  for (const auto& item : october->items) {
    EXPECT_FALSE(item.rank.has_value());
    EXPECT_EQ(item.figures.tally.received, 0);
  }
}

// The real TicketService with the stats as its observer: a random sequence of
// events (many refused by the state machine, as in life), the overdue checker
// now and then, and the rollup still equals a rebuild.
// A grid moved to another community and a community moved to another street take their
// tickets along: the rows per parent follow (TicketStats::OnSubtreeMoved), every rate equals
// the brute-force sum, and the rollup still equals a rebuild.
TEST_P(StatsTest, MovedNodesTakeTheirTicketsToTheirNewParent) {
  // As the app wires it.
  tree_service_->AddPathCopy("ticket");
  tree_service_->AddPathCopy("ticket_rollup");
  tree_service_->AddMoveHook(&TicketStats::OnSubtreeMoved);
  auto street2 = tree_service_->Create(
      nullptr, NewOrgNode{tree_.county.id, OrgKind::kStreet, "131022002", "新区街道", {}});
  ASSERT_TRUE(street2.ok()) << street2.error().message;
  std::mt19937_64 rng(29);
  const OrgNode* nodes[] = {&tree_.grid_a1, &tree_.grid_a2, &tree_.grid_b1, &tree_.community_a,
                            &tree_.community_b};
  std::vector<Ticket> tickets;
  for (int i = 0; i < 60; ++i) {
    int64_t created = kSeptember - 20 * kMsPerDay +
                      static_cast<int64_t>(rng() % static_cast<uint64_t>(50 * kMsPerDay));
    Ticket t = RandomTicket(rng, *nodes[i % 5], created);
    ASSERT_NO_FATAL_FAILURE(Write(t, std::nullopt));
    tickets.push_back(t);
  }
  auto move = [&](const OrgNode& node, const OrgNode& parent) {
    OrgNodeChange change;
    change.parent_id = parent.id;
    ASSERT_TRUE(tree_service_->Update(Admin(), node.id, change).ok());
    const std::string new_path = parent.path + std::to_string(node.id) + "/";
    for (Ticket& t : tickets) {
      if (t.path.rfind(node.path, 0) == 0) t.path = new_path + t.path.substr(node.path.size());
    }
  };
  const Period period{{2026, 8, 1}, {2026, 10, 31}};
  auto expect_all = [&](const std::vector<OrgNode>& now, const char* when) {
    for (const OrgNode& node : now) {
      auto got = stats_->Rates(Admin(), node.id, period.from, period.to);
      ASSERT_TRUE(got.ok()) << got.error().message;
      EXPECT_EQ(got->tally, BruteForce(tickets, node, period.from, period.to))
          << node.name << " " << when;
    }
  };
  auto reload = [&](int64_t id) {
    auto n = tree_service_->Get(Admin(), id);
    EXPECT_TRUE(n.ok());
    return n.ok() ? *n : OrgNode{};
  };
  ASSERT_NO_FATAL_FAILURE(move(tree_.grid_a2, tree_.community_b));
  expect_all({reload(tree_.community_a.id), reload(tree_.community_b.id), reload(tree_.grid_a2.id),
              reload(tree_.street.id)},
             "after the grid moved");
  ASSERT_NO_FATAL_FAILURE(move(tree_.community_a, *street2));
  const OrgNode street2_now = reload(street2->id);
  expect_all(
      {reload(tree_.street.id), street2_now, reload(tree_.community_a.id), reload(tree_.county.id)},
      "after the community moved");
  // Its own tickets count under the new street, not the old one.
  auto old_street = stats_->Rates(Admin(), tree_.street.id, period.from, period.to);
  auto new_street = stats_->Rates(Admin(), street2->id, period.from, period.to);
  ASSERT_TRUE(old_street.ok() && new_street.ok());
  EXPECT_GT(new_street->tally.received, 0);
  EXPECT_EQ(old_street->tally.received + new_street->tally.received,
            static_cast<int64_t>(tickets.size()));
  std::vector<std::string> incremental = Rollup();
  ASSERT_TRUE(stats_->Rebuild().ok());
  EXPECT_EQ(incremental, Rollup());
}

TEST_P(StatsTest, ServiceEventsKeepTheRollupEqualToARebuild) {
  CategoryService categories(test_db_->db(), clock_, *audit_);
  ASSERT_TRUE(categories.SeedDefaults().ok());
  GridLocator locator(test_db_->db());
  TicketService tickets(test_db_->db(), clock_, *audit_, cipher_, locator, categories);
  tickets.AddObserver(stats_.get());
  const OrgNode* grids[] = {&tree_.grid_a1, &tree_.grid_a2, &tree_.grid_b1};
  {
    // Accounts: the submitting admin and one grid worker per grid (dispatch targets).
    auto conn = test_db_->db().Acquire();
    auto add = [&](int64_t id, Role role, const OrgNode& scope) {
      auto n = (*conn)->Execute(
          "INSERT INTO account (id, username, display_name, password_hash, role, scope_node_id, "
          "created_at, password_changed_at) VALUES ($1, $2, $2, 'x', $3, $4, 0, 0)",
          {id, "u" + std::to_string(id), std::string(RoleName(role)), scope.id});
      ASSERT_TRUE(n.ok()) << n.error().message;
    };
    add(Admin().account_id, Role::kCountyAdmin, tree_.county);
    for (int i = 0; i < 3; ++i) add(2001 + i, Role::kGridWorker, *grids[i]);
  }
  const Caller admin = Admin();
  const int64_t category_id = categories.List()->front().id;
  std::mt19937_64 rng(7);
  auto pick = [&](int64_t n) { return static_cast<int64_t>(rng() % static_cast<uint64_t>(n)); };
  std::vector<int64_t> ids;
  std::vector<int> grid_of;
  auto submit = [&] {
    NewTicket t;
    t.kind = TicketKind::kComplaint;  // taken by phone: the admin records the ratings
    t.channel = TicketChannel::kPhone;
    t.category_id = category_id;
    t.description = "井盖缺失";
    t.phone = "13800138000";
    int g = static_cast<int>(pick(3));
    t.node_id = grids[g]->id;
    auto created = tickets.Submit(admin, t);
    ASSERT_TRUE(created.ok()) << created.error().message;
    ids.push_back(created->id);
    grid_of.push_back(g);
  };
  for (int i = 0; i < 12; ++i) ASSERT_NO_FATAL_FAILURE(submit());
  // The steps forward four times as often as the ones that end or undo.
  using E = TicketEventType;
  const E types[] = {E::kAccept, E::kDispatch, E::kStart, E::kResolve, E::kRate,      E::kCallback,
                     E::kAccept, E::kDispatch, E::kStart, E::kResolve, E::kRate,      E::kCallback,
                     E::kAccept, E::kDispatch, E::kStart, E::kResolve, E::kRate,      E::kCallback,
                     E::kAccept, E::kDispatch, E::kStart, E::kResolve, E::kRate,      E::kCallback,
                     E::kReject, E::kReopen,   E::kClose, E::kComment, E::kSupervise, E::kReturn};
  const char* outcomes[] = {"solved", "unsolved", "unreachable"};
  int applied = 0;
  for (int step = 0; step < 500; ++step) {
    clock_.Advance(pick(36 * core::kMsPerHour));
    if (step % 40 == 0) {
      ASSERT_NO_FATAL_FAILURE(submit());
    }
    if (step % 60 == 0) {
      ASSERT_TRUE(tickets.CheckOverdue().ok());
    }
    size_t k = static_cast<size_t>(pick(static_cast<int64_t>(ids.size())));
    TicketAction a;
    a.type = types[pick(std::size(types))];
    a.note = "处理说明";
    a.rating = 1 + pick(5);
    a.outcome = outcomes[pick(3)];
    a.assignee = Assignee{AssigneeKind::kAccount, 2001 + grid_of[k], ""};
    if (a.type == TicketEventType::kClose && pick(3) == 0 && k > 0) a.duplicate_of = ids[k - 1];
    if (tickets.Act(admin, ids[k], a).ok()) ++applied;
  }
  EXPECT_GT(applied, 100);  // the sequence did go somewhere
  std::vector<std::string> incremental = Rollup();
  ASSERT_TRUE(stats_->Rebuild().ok());
  EXPECT_EQ(incremental, Rollup());
  auto county = stats_->Rates(admin, std::nullopt, CivilDate{2026, 1, 1}, CivilDate{2027, 12, 31});
  ASSERT_TRUE(county.ok());
  EXPECT_EQ(county->tally.received, static_cast<int64_t>(ids.size()));
  EXPECT_GT(county->tally.rated, 0);
  EXPECT_GT(county->tally.rejected, 0);
  EXPECT_GT(county->tally.solved + county->tally.unsolved, 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, StatsTest, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
