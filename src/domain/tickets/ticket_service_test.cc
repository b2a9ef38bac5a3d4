// The ticket state machine (pure), SLA deadlines in Asia/Shanghai, and the
// service parts that need a controllable clock: supervision of overdue
// tickets and departments, observers sharing the event's transaction, and
// concurrent claims on both backends.
#include "domain/tickets/ticket_service.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <iostream>
#include <latch>
#include <mutex>
#include <set>
#include <thread>

#include "domain/registry/grid_locator.h"
#include "domain/testing/domain_fixture.h"

namespace civicgrid::domain {
namespace {

using T = TicketEventType;
using S = TicketState;

TransitionInput E(T type, std::optional<AssigneeKind> assignee = std::nullopt,
                  std::optional<int64_t> rating = std::nullopt) {
  TransitionInput in;
  in.type = type;
  in.assignee = assignee;
  in.rating = rating;
  return in;
}

// --- the state machine ----------------------------------------------------------

TEST(TicketMachine, HappyPathAndBoard) {
  auto run = [](std::vector<TransitionInput> events) { return Replay(events, 1); };
  auto closed = run({E(T::kSubmit), E(T::kAccept), E(T::kDispatch, AssigneeKind::kAccount),
                     E(T::kStart), E(T::kResolve), E(T::kRate, std::nullopt, 5)});
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(closed->state, S::kClosed);
  auto board = run({E(T::kSubmit), E(T::kAccept), E(T::kDispatch, AssigneeKind::kBoard)});
  ASSERT_TRUE(board.ok());
  EXPECT_EQ(board->state, S::kPublished);
  auto claimed = run({E(T::kSubmit), E(T::kDispatch, AssigneeKind::kBoard), E(T::kClaim)});
  ASSERT_TRUE(claimed.ok());
  EXPECT_EQ(claimed->state, S::kAssigned);
}

TEST(TicketMachine, InvalidTransitionsAreConflictsNamingTheState) {
  auto r = Apply(MachineState{S::kSubmitted, 0}, E(T::kRate, std::nullopt, 5), 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, core::ErrorCode::kConflict);
  EXPECT_NE(r.error().message.find("submitted"), std::string::npos) << r.error().message;
  EXPECT_FALSE(Apply(MachineState{S::kAssigned, 0}, E(T::kClaim), 1).ok());
  EXPECT_FALSE(Apply(MachineState{S::kClosed, 0}, E(T::kResolve), 1).ok());
  EXPECT_FALSE(Apply(MachineState{S::kRejected, 0}, E(T::kSupervise), 1).ok());
  EXPECT_FALSE(Apply(std::nullopt, E(T::kAccept), 1).ok());
  EXPECT_FALSE(Apply(MachineState{S::kSubmitted, 0}, E(T::kSubmit), 1).ok());
}

TEST(TicketMachine, UnsatisfiedRatingReopensUpToTheLimit) {
  auto once = Apply(MachineState{S::kResolved, 0}, E(T::kRate, std::nullopt, 2), 1);
  ASSERT_TRUE(once.ok());
  EXPECT_EQ(once->state, S::kAccepted);
  EXPECT_EQ(once->reopen_count, 1);
  EXPECT_EQ(once->rating_reopens, 1);
  auto twice = Apply(MachineState{S::kResolved, 1, 1}, E(T::kRate, std::nullopt, 1), 1);
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(twice->state, S::kClosed);
  // A staff reopen earlier does not use up the resident's.
  auto after_staff = Apply(MachineState{S::kResolved, 1, 0}, E(T::kRate, std::nullopt, 1), 1);
  ASSERT_TRUE(after_staff.ok());
  EXPECT_EQ(after_staff->state, S::kAccepted);
  EXPECT_EQ(after_staff->reopen_count, 2);
  // Configurable: with two reopens allowed the second unsatisfied rating reopens too.
  auto configured = Apply(MachineState{S::kResolved, 1, 1}, E(T::kRate, std::nullopt, 1), 2);
  ASSERT_TRUE(configured.ok());
  EXPECT_EQ(configured->state, S::kAccepted);
  // 3 (基本满意) counts as satisfied.
  EXPECT_EQ(Apply(MachineState{S::kResolved, 0}, E(T::kRate, std::nullopt, 3), 1)->state,
            S::kClosed);
}

TEST(TicketMachine, NamesRoundTrip) {
  for (auto s : {S::kSubmitted, S::kAccepted, S::kPublished, S::kAssigned, S::kInProgress,
                 S::kEscalated, S::kResolved, S::kClosed, S::kRejected}) {
    EXPECT_EQ(ParseTicketState(TicketStateName(s), "state").value(), s);
  }
  EXPECT_FALSE(ParseTicketKind("letter", "kind").ok());
  EXPECT_EQ(ParseTicketKind("letter", "kind").error().field, "kind");
}

// --- SLA deadlines ----------------------------------------------------------------

TEST(SlaDeadline, WholeDaysRunToTheEndOfTheLastDayInBeijing) {
  // Monday 2026-11-23 10:00 Beijing = 02:00 UTC.
  const int64_t monday_10 = core::ParseTimestamp("2026-11-23T10:00:00+08:00", "").value();
  const int64_t next_monday_24 = core::ParseTimestamp("2026-12-01T00:00:00+08:00", "").value();
  EXPECT_EQ(SlaDeadline(monday_10, 7 * 24 * 60), next_monday_24);
  // Late evening Beijing is still the same local day, though UTC has the previous date.
  const int64_t late = core::ParseTimestamp("2026-11-23T23:30:00+08:00", "").value();
  EXPECT_EQ(SlaDeadline(late, 2 * 24 * 60),
            core::ParseTimestamp("2026-11-26T00:00:00+08:00", "").value());
  // Hours, including 24 h, are exact.
  EXPECT_EQ(SlaDeadline(monday_10, 120), monday_10 + 2 * core::kMsPerHour);
  EXPECT_EQ(SlaDeadline(late, 24 * 60), late + core::kMsPerDay);
}

// --- the service with a fake clock -------------------------------------------------

class FailingObserver : public TicketObserver {
 public:
  core::Status InTransaction(store::Connection&, const TicketChange& change) override {
    if (fail && change.event.type == T::kAccept) return core::Error::Internal("observer down");
    ++seen;
    return {};
  }
  void Committed(const TicketChange&) override { ++committed; }
  bool fail = false;
  int seen = 0;
  int committed = 0;
};

class TicketServiceTest : public testing::DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    if (skipped_) return;
    locator_ = std::make_unique<GridLocator>(test_db_->db());
    categories_ = std::make_unique<CategoryService>(test_db_->db(), clock_, *audit_);
    ASSERT_TRUE(categories_->SeedDefaults().ok());
    tickets_ = std::make_unique<TicketService>(test_db_->db(), clock_, *audit_, cipher_, *locator_,
                                               *categories_);
    tickets_->AddObserver(&observer_);
    // Accounts for the fixture's callers (tickets reference their submitter).
    auto conn = test_db_->db().Acquire();
    for (Role role : AllRoles()) {
      Caller c = As(role, tree_.county);
      ASSERT_TRUE(
          (*conn)
              ->Execute("INSERT INTO account (id, username, display_name, password_hash, "
                        "role, scope_node_id, created_at, password_changed_at) VALUES "
                        "($1, $2, $2, 'x', $3, $4, 0, 0)",
                        {c.account_id, c.username, std::string(RoleName(role)), tree_.county.id})
              .ok());
    }
    unit_ = (*conn)
                ->QueryInt(
                    "INSERT INTO unit (node_id, kind, name, created_at) VALUES ($1, "
                    "'government', '县城管局', 0) RETURNING id",
                    {tree_.county.id})
                .value();
  }

  Ticket SubmitAt(const OrgNode& grid, const std::string& code = "E01.01") {
    NewTicket t;
    t.category_id = categories_->GetByCode(code).value().id;
    t.description = "路灯不亮";
    t.node_id = grid.id;
    auto r = tickets_->Submit(As(Role::kResident, tree_.building_a1), t);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.value();
  }

  core::Result<Ticket> Do(const Caller& c, int64_t id, TicketAction a) {
    return tickets_->Act(c, id, a);
  }

  std::unique_ptr<GridLocator> locator_;
  std::unique_ptr<CategoryService> categories_;
  std::unique_ptr<TicketService> tickets_;
  FailingObserver observer_;
  int64_t unit_ = 0;
};

TEST_P(TicketServiceTest, SupervisionFlagsEachMissedDeadlineOnce) {
  if (skipped_) GTEST_SKIP();
  Ticket t =
      SubmitAt(tree_.grid_a1);  // 暴露垃圾: accept 2.4 h → 144 min, respond 6 h, resolve 24 h
  EXPECT_EQ(tickets_->CheckOverdue().value(), 0);
  clock_.Advance(t.accept_due - clock_.NowMs() + 1);
  EXPECT_EQ(tickets_->CheckOverdue().value(), 1);
  EXPECT_EQ(tickets_->CheckOverdue().value(), 0);  // flagged once
  Ticket flagged = tickets_->Get(Admin(), t.id).value();
  EXPECT_EQ(flagged.overdue, kOverdueAccept);
  auto events = tickets_->Events(Admin(), t.id).value();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].type, T::kSupervise);
  EXPECT_EQ(events[1].actor_label, "系统督办");
  EXPECT_FALSE(events[1].actor_account_id.has_value());
  // Past the resolve deadline: respond and resolve are flagged together.
  clock_.Set(t.resolve_due + 1);
  EXPECT_EQ(tickets_->CheckOverdue().value(), 1);
  flagged = tickets_->Get(Admin(), t.id).value();
  EXPECT_EQ(flagged.overdue, kOverdueAccept | kOverdueRespond | kOverdueResolve);
  // The overdue filter finds it from the street, not from another community.
  TicketFilter f;
  f.overdue = true;
  EXPECT_EQ(tickets_->List(As(Role::kStreetAdmin, tree_.street), f).value().items.size(), 1u);
  EXPECT_EQ(
      tickets_->List(As(Role::kCommunitySecretary, tree_.community_b), f).value().items.size(), 0u);
}

TEST_P(TicketServiceTest, DepartmentThatMissesItsReportDeadlineIsFlagged) {
  if (skipped_) GTEST_SKIP();
  Ticket t = SubmitAt(tree_.grid_a1);
  TicketAction whistle;
  whistle.type = T::kEscalate;
  whistle.unit_ids = {unit_};
  ASSERT_TRUE(Do(As(Role::kStreetAdmin, tree_.street), t.id, whistle).ok());
  clock_.Advance(31 * core::kMsPerMinute);
  EXPECT_EQ(tickets_->CheckOverdue().value(), 1);
  Ticket flagged = tickets_->Get(Admin(), t.id).value();
  EXPECT_NE(flagged.overdue & kOverdueEscalation, 0);
  auto escalations = tickets_->Escalations(Admin(), t.id).value();
  ASSERT_EQ(escalations.size(), 1u);
  EXPECT_TRUE(escalations[0].overdue);
  // A late report is recorded as late.
  Caller dept = As(Role::kUnitAdmin, tree_.county);
  dept.unit_id = unit_;
  TicketAction report;
  report.type = T::kRespond;
  report.note = "已到场";
  ASSERT_TRUE(Do(dept, t.id, report).ok());
  auto events = tickets_->Events(Admin(), t.id).value();
  EXPECT_NE(events.back().data.find("\"late\":true"), std::string::npos) << events.back().data;
}

TEST_P(TicketServiceTest, ObserverFailureRollsTheWholeEventBack) {
  if (skipped_) GTEST_SKIP();
  Ticket t = SubmitAt(tree_.grid_a1);
  EXPECT_EQ(observer_.seen, 1);
  EXPECT_EQ(observer_.committed, 1);
  observer_.fail = true;
  TicketAction accept;
  accept.type = T::kAccept;
  auto r = Do(As(Role::kCommunitySecretary, tree_.community_a), t.id, accept);
  EXPECT_FALSE(r.ok());
  Ticket after = tickets_->Get(Admin(), t.id).value();
  EXPECT_EQ(after.state, S::kSubmitted);
  EXPECT_EQ(after.version, 1);
  EXPECT_EQ(tickets_->Events(Admin(), t.id).value().size(), 1u);
  EXPECT_EQ(observer_.committed, 1);
  observer_.fail = false;
  ASSERT_TRUE(Do(As(Role::kCommunitySecretary, tree_.community_a), t.id, accept).ok());
  EXPECT_EQ(observer_.committed, 2);
}

// --- races ---------------------------------------------------------------------------
//
// Every race releases its threads together with a latch and counts each
// outcome: one winner, and every loser either a lost race (a conflict on
// field "version") or a refused transition (a conflict on field "state").

// How a racer learns the version it sends as TicketAction::expected_version
// (what a client sends as "version" in the event body).
enum class Racer {
  kStale,  // read before the release: the version every racer starts from
  kRead,   // reads the ticket after the release, outside the write transaction
  kBlind,  // sends none: only the guarded UPDATE in the store can catch it
};
constexpr int kRacerKinds = 3;

struct RaceCounts {
  int ok = 0;
  int version_conflict = 0;    // a lost race (Error::field "version")
  int invalid_transition = 0;  // refused by the state machine (field "state")
  int other = 0;
  int losers() const { return version_conflict + invalid_transition + other; }
  RaceCounts& operator+=(const RaceCounts& o) {
    ok += o.ok;
    version_conflict += o.version_conflict;
    invalid_transition += o.invalid_transition;
    other += o.other;
    return *this;
  }
};

std::ostream& operator<<(std::ostream& os, const RaceCounts& c) {
  return os << "{ok " << c.ok << ", version " << c.version_conflict << ", state "
            << c.invalid_transition << ", other " << c.other << "}";
}

// The counts per kind of racer (indexed by Racer) of one race in which each
// racer in `racers` accepts ticket `t` as `secretary`.
using KindCounts = std::array<RaceCounts, kRacerKinds>;

KindCounts RaceToAccept(TicketService& tickets, const Caller& secretary, const Ticket& t,
                        const std::vector<Racer>& racers) {
  std::latch start(static_cast<std::ptrdiff_t>(racers.size()));
  std::mutex mu;
  KindCounts counts{};
  std::vector<std::thread> threads;
  for (Racer racer : racers) {
    threads.emplace_back([&, racer] {
      TicketAction accept;
      accept.type = T::kAccept;
      if (racer == Racer::kStale) accept.expected_version = t.version;
      start.arrive_and_wait();
      std::optional<core::Error> failed;
      if (racer == Racer::kRead) {
        auto seen = tickets.Get(secretary, t.id);
        if (seen.ok()) {
          accept.expected_version = seen->version;
        } else {
          failed = seen.error();
        }
      }
      if (!failed) {
        auto r = tickets.Act(secretary, t.id, accept);
        if (!r.ok()) failed = r.error();
      }
      std::lock_guard lock(mu);
      RaceCounts& c = counts[static_cast<int>(racer)];
      if (!failed) {
        ++c.ok;
      } else if (failed->code == core::ErrorCode::kConflict && failed->field == "version") {
        ++c.version_conflict;
      } else if (failed->code == core::ErrorCode::kConflict && failed->field == "state") {
        ++c.invalid_transition;
      } else {
        ADD_FAILURE() << "unexpected error: " << failed->message;
        ++c.other;
      }
    });
  }
  for (auto& th : threads) th.join();
  return counts;
}

// Twelve secretaries accept one ticket, more than the pool's 8 connections;
// repeated so that both orders get their chance:
//  - a stale racer (the version read before the release) loses only as a
//    lost race, on both backends;
//  - a blind racer (no version) that runs after the winner committed is
//    refused by the state machine. SQLite's BEGIN IMMEDIATE runs the actions
//    one after another, so there every blind loser is refused; PostgreSQL
//    runs them together, and a blind loser that read the row before the
//    winner committed hits the version guard of the UPDATE;
//  - a racer that reads the ticket after the release, outside the write
//    transaction (as a client does), loses either way, by timing.
// So on SQLite every round shows both kinds; PostgreSQL's guard is shown
// deterministically by the next test.
TEST_P(TicketServiceTest, OfManyConcurrentActionsOnOneVersionExactlyOneWins) {
  if (skipped_) GTEST_SKIP();
  const Caller secretary = As(Role::kCommunitySecretary, tree_.community_a);
  constexpr int kRounds = 25;
  constexpr int kPerKind = 4;
  std::vector<Racer> racers;
  for (Racer r : {Racer::kStale, Racer::kRead, Racer::kBlind})
    racers.insert(racers.end(), kPerKind, r);
  KindCounts total{};
  for (int round = 0; round < kRounds; ++round) {
    Ticket t = SubmitAt(tree_.grid_a1);
    KindCounts c = RaceToAccept(*tickets_, secretary, t, racers);
    RaceCounts all;
    for (const RaceCounts& k : c) all += k;
    const auto& stale = c[static_cast<int>(Racer::kStale)];
    const auto& blind = c[static_cast<int>(Racer::kBlind)];
    SCOPED_TRACE(::testing::Message() << "round " << round << ": stale " << stale << ", read "
                                      << c[static_cast<int>(Racer::kRead)] << ", blind " << blind);
    EXPECT_EQ(all.ok, 1);
    EXPECT_EQ(all.losers(), 3 * kPerKind - 1);
    EXPECT_EQ(all.other, 0);
    EXPECT_EQ(stale.invalid_transition, 0);
    if (GetParam() == store::Backend::kSqlite) {
      EXPECT_EQ(blind.version_conflict, 0);
    }
    for (int k = 0; k < kRacerKinds; ++k) total[k] += c[k];
    // One accept event; the event log and the row agree.
    auto events = tickets_->Events(Admin(), t.id).value();
    ASSERT_EQ(events.size(), 2u);
    std::vector<TransitionInput> inputs;
    for (const auto& e : events) inputs.push_back(E(e.type));
    Ticket after = tickets_->Get(Admin(), t.id).value();
    EXPECT_EQ(Replay(inputs, 1)->state, after.state);
    EXPECT_EQ(after.state, S::kAccepted);
    EXPECT_EQ(after.version, t.version + 1);
  }
  const auto& stale = total[static_cast<int>(Racer::kStale)];
  const auto& read = total[static_cast<int>(Racer::kRead)];
  const auto& blind = total[static_cast<int>(Racer::kBlind)];
  std::cout << "[ race    ] " << kRounds << " rounds: stale " << stale << ", read " << read
            << ", blind " << blind << "\n";
  EXPECT_EQ(stale.version_conflict, kPerKind * kRounds - stale.ok);
  if (GetParam() == store::Backend::kSqlite) {
    EXPECT_EQ(blind.invalid_transition, kPerKind * kRounds - blind.ok);
  }
}

// Holds the first accept in its transaction, after its UPDATE, until
// `expected` other backends of the test's database wait on a lock: the first
// loser waits for the winner's transaction, the others for the first loser's
// tuple lock (PostgreSQL), so all of them read the row before the winner
// commits.
class HoldFirstAccept : public TicketObserver {
 public:
  HoldFirstAccept(store::Connection& monitor, int64_t expected)
      : monitor_(monitor), expected_(expected) {}
  core::Status InTransaction(store::Connection& conn, const TicketChange& change) override {
    if (change.event.type != T::kAccept || held_.exchange(true)) return {};
    CG_ASSIGN_OR_RETURN(int64_t pid, conn.QueryInt("SELECT pg_backend_pid()"));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      CG_ASSIGN_OR_RETURN(
          waiting,
          monitor_.QueryInt("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = "
                            "current_database() AND wait_event_type = 'Lock' AND pid <> $1",
                            {pid}));
      if (waiting >= expected_) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return {};
  }
  void Committed(const TicketChange&) override {}
  void Reset() { held_ = false; }
  int64_t waiting = 0;  // the blocked backends seen when the winner went on

 private:
  store::Connection& monitor_;
  const int64_t expected_;
  std::atomic<bool> held_{false};
};

// The version guard of the UPDATE, reached for certain: on PostgreSQL the
// winner waits in its transaction until every other racer is blocked on its
// row lock, having read the old version and passed the state machine; each
// must then lose as a lost race. Without the guard they would all "win".
// (SQLite's BEGIN IMMEDIATE never lets two actions read the same version;
// TheGuardedUpdateRefusesAStaleVersion covers the guard there.)
TEST_P(TicketServiceTest, LosersBlockedOnTheWinnersRowHitTheVersionGuard) {
  if (skipped_) GTEST_SKIP();
  if (GetParam() != store::Backend::kPostgres) {
    GTEST_SKIP() << "SQLite serialises writers (BEGIN IMMEDIATE): no two actions read one version";
  }
  const Caller secretary = As(Role::kCommunitySecretary, tree_.community_a);
  constexpr int kRacers = 6;  // + the monitor: within the pool's 8 connections
  constexpr int kRounds = 5;
  auto monitor = test_db_->db().Acquire();
  ASSERT_TRUE(monitor.ok());
  HoldFirstAccept hold(**monitor, kRacers - 1);
  tickets_->AddObserver(&hold);
  for (int round = 0; round < kRounds; ++round) {
    hold.Reset();
    Ticket t = SubmitAt(tree_.grid_a1);
    KindCounts c =
        RaceToAccept(*tickets_, secretary, t, std::vector<Racer>(kRacers, Racer::kBlind));
    const RaceCounts& blind = c[static_cast<int>(Racer::kBlind)];
    SCOPED_TRACE(::testing::Message() << "round " << round << ": " << blind);
    EXPECT_EQ(hold.waiting, kRacers - 1);
    EXPECT_EQ(blind.ok, 1);
    EXPECT_EQ(blind.version_conflict, kRacers - 1);
    EXPECT_EQ(blind.invalid_transition, 0);
    EXPECT_EQ(tickets_->Events(Admin(), t.id).value().size(), 2u);
    EXPECT_EQ(tickets_->Get(Admin(), t.id)->version, t.version + 1);
  }
}

// The guard itself, on both backends: an UPDATE from a stale read changes
// nothing and says so.
TEST_P(TicketServiceTest, TheGuardedUpdateRefusesAStaleVersion) {
  if (skipped_) GTEST_SKIP();
  Ticket t = SubmitAt(tree_.grid_a1);
  TicketAction accept;
  accept.type = T::kAccept;
  ASSERT_TRUE(Do(As(Role::kCommunitySecretary, tree_.community_a), t.id, accept).ok());
  auto conn = test_db_->db().Acquire();
  ASSERT_TRUE(conn.ok());
  TicketStore store(**conn);
  TicketPatch patch;
  patch.state = S::kRejected;
  auto updated = store.Update(t, patch, clock_.NowMs());  // `t` is version 1; the row is at 2
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  EXPECT_FALSE(*updated);
  Ticket after = store.Load(t.id).value();
  EXPECT_EQ(after.state, S::kAccepted);
  EXPECT_EQ(after.version, t.version + 1);
}

// Retries of one action under one idempotency key, sent at once: one event.
// A retry that runs after the first committed is answered as a replay; on
// PostgreSQL one that read the ticket before may lose the race instead (a
// version conflict: retrying again replays). Never a second event, never a
// refused transition (the key is checked before the state machine).
TEST_P(TicketServiceTest, ConcurrentRetriesOfOneActionUnderOneKeyAppendOneEvent) {
  if (skipped_) GTEST_SKIP();
  const Caller secretary = As(Role::kCommunitySecretary, tree_.community_a);
  constexpr int kThreads = 8;
  constexpr int kRounds = 20;
  int replayed_total = 0, lost_total = 0;
  for (int round = 0; round < kRounds; ++round) {
    Ticket t = SubmitAt(tree_.grid_a1);
    TicketAction accept;
    accept.type = T::kAccept;
    accept.idempotency_key = "retry-" + std::to_string(round);
    std::latch start(kThreads);
    std::mutex mu;
    int created = 0, replayed = 0, lost = 0, other = 0;
    std::set<int64_t> event_ids;
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&] {
        start.arrive_and_wait();
        auto r = tickets_->Perform(secretary, t.id, accept);
        std::lock_guard lock(mu);
        if (r.ok()) {
          (r->replayed ? replayed : created) += 1;
          event_ids.insert(r->event_id);
        } else if (r.error().code == core::ErrorCode::kConflict && r.error().field == "version") {
          ++lost;
        } else {
          ADD_FAILURE() << r.error().message;
          ++other;
        }
      });
    }
    for (auto& th : threads) th.join();
    SCOPED_TRACE(::testing::Message() << "round " << round << ": created " << created
                                      << ", replayed " << replayed << ", lost " << lost);
    EXPECT_EQ(created, 1);
    EXPECT_EQ(created + replayed + lost, kThreads);
    EXPECT_EQ(other, 0);
    EXPECT_EQ(event_ids.size(), 1u);  // every replay names the event the first appended
    if (GetParam() == store::Backend::kSqlite) {
      EXPECT_EQ(lost, 0);
    }
    EXPECT_EQ(tickets_->Events(Admin(), t.id).value().size(), 2u);
    replayed_total += replayed;
    lost_total += lost;
  }
  std::cout << "[ race    ] " << kRounds << " rounds: replayed " << replayed_total << ", lost "
            << lost_total << "\n";
}

TEST_P(TicketServiceTest, ARefusedTransitionAndALostRaceAreDistinctConflicts) {
  if (skipped_) GTEST_SKIP();
  const Caller secretary = As(Role::kCommunitySecretary, tree_.community_a);
  Ticket t = SubmitAt(tree_.grid_a1);
  TicketAction accept;
  accept.type = T::kAccept;
  accept.expected_version = t.version;
  ASSERT_TRUE(tickets_->Act(secretary, t.id, accept).ok());
  auto stale = tickets_->Act(secretary, t.id, accept);  // the version moved on
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.error().code, core::ErrorCode::kConflict);
  EXPECT_EQ(stale.error().field, "version");
  accept.expected_version.reset();
  auto refused = tickets_->Act(secretary, t.id, accept);  // accepted cannot be accepted
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, core::ErrorCode::kConflict);
  EXPECT_EQ(refused.error().field, "state");
}

TEST_P(TicketServiceTest, TicketEventsAreAppendOnly) {
  if (skipped_) GTEST_SKIP();
  SubmitAt(tree_.grid_a1);
  auto conn = test_db_->db().Acquire();
  EXPECT_FALSE((*conn)->Execute("UPDATE ticket_event SET note = 'edited'").ok());
  EXPECT_FALSE((*conn)->Execute("DELETE FROM ticket_event").ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, TicketServiceTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
