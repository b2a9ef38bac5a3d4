// The ticket state machine (pure), SLA deadlines in Asia/Shanghai, and the
// service parts that need a controllable clock: supervision of overdue
// tickets and departments, observers sharing the event's transaction, and
// concurrent claims on both backends.
#include "domain/tickets/ticket_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <mutex>
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

// Counts of one race: eight secretaries accept the same ticket, released
// together by a latch.
struct RaceCounts {
  int ok = 0;
  int version_conflict = 0;    // a lost race (Error::field "version")
  int invalid_transition = 0;  // refused by the state machine (field "state")
  int other = 0;
};

RaceCounts RaceToAccept(TicketService& tickets, const Caller& secretary, int64_t id,
                        std::optional<int64_t> expected_version) {
  constexpr int kThreads = 8;
  std::latch start(kThreads);
  std::mutex mu;
  RaceCounts counts;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      TicketAction accept;
      accept.type = T::kAccept;
      accept.expected_version = expected_version;
      start.arrive_and_wait();
      auto r = tickets.Act(secretary, id, accept);
      std::lock_guard lock(mu);
      if (r.ok()) {
        ++counts.ok;
      } else if (r.error().code == core::ErrorCode::kConflict && r.error().field == "version") {
        ++counts.version_conflict;
      } else if (r.error().code == core::ErrorCode::kConflict && r.error().field == "state") {
        ++counts.invalid_transition;
      } else {
        ++counts.other;
      }
    });
  }
  for (auto& th : threads) th.join();
  return counts;
}

// Both paths of a lost action, repeated so that both orders (the guard
// reached before or after a winner's commit) get their chance:
//  - with the version the client read (expected_version), every loser is a
//    version conflict, on both backends;
//  - without it, SQLite's BEGIN IMMEDIATE runs the actions one after another,
//    so every loser sees the accepted state (invalid transition); PostgreSQL
//    runs them together and a loser that read the old version hits the
//    version guard of the UPDATE (version conflict) — either way one wins.
TEST_P(TicketServiceTest, OfManyConcurrentActionsOnOneVersionExactlyOneWins) {
  if (skipped_) GTEST_SKIP();
  const Caller secretary = As(Role::kCommunitySecretary, tree_.community_a);
  constexpr int kRounds = 6;
  RaceCounts with_version, without_version;
  for (int round = 0; round < kRounds; ++round) {
    for (bool expected : {true, false}) {
      Ticket t = SubmitAt(tree_.grid_a1);
      RaceCounts c = RaceToAccept(*tickets_, secretary, t.id,
                                  expected ? std::optional<int64_t>(t.version) : std::nullopt);
      EXPECT_EQ(c.ok, 1) << "round " << round << (expected ? " with" : " without") << " version";
      EXPECT_EQ(c.other, 0);
      RaceCounts& total = expected ? with_version : without_version;
      total.ok += c.ok;
      total.version_conflict += c.version_conflict;
      total.invalid_transition += c.invalid_transition;
      auto events = tickets_->Events(Admin(), t.id).value();
      ASSERT_EQ(events.size(), 2u);
      // The event log and the row agree: replaying gives the stored state.
      std::vector<TransitionInput> inputs;
      for (const auto& e : events) inputs.push_back(E(e.type));
      EXPECT_EQ(Replay(inputs, 1)->state, tickets_->Get(Admin(), t.id)->state);
    }
  }
  EXPECT_EQ(with_version.version_conflict, 7 * kRounds);
  EXPECT_EQ(with_version.invalid_transition, 0);
  EXPECT_EQ(without_version.version_conflict + without_version.invalid_transition, 7 * kRounds);
  if (GetParam() == store::Backend::kSqlite) {
    EXPECT_EQ(without_version.invalid_transition, 7 * kRounds);
  }
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
