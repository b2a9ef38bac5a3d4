// Teams and activities: validation, capacity and the waitlist (also under
// concurrency), recurring series, check-in codes, radius, no-shows, hours.
#include <latch>
#include <mutex>
#include <thread>

#include "domain/duty/duty_fixture.h"

namespace civicgrid::domain {
namespace {

using core::ErrorCode;
using core::kMsPerHour;
using core::kMsPerMinute;
using testing::DutyFixture;

class ActivityTest : public DutyFixture {
 protected:
  NewActivity Sweep(int64_t capacity) const {
    NewActivity a;
    a.node_id = tree_.community_a.id;
    a.title = "周六清扫";
    a.category = "环境整治";
    a.place = {116.4200, 39.1700};
    a.place_name = "东关小区北门";
    a.starts_at = clock_.NowMs() + 2 * core::kMsPerDay;
    a.ends_at = a.starts_at + 90 * kMsPerMinute;
    a.capacity = capacity;
    return a;
  }
  // A member registered with community A, signed in.
  Caller Resident(const std::string& name) {
    int64_t m = Member(name, branch_a_);
    EXPECT_TRUE(duty_->RegisterByStaff(Admin(), m, tree_.community_a.id).ok());
    return AsMember(m, tree_.grid_a1);
  }
  std::vector<Signup> SignupsOf(int64_t activity_id) {
    SignupFilter f;
    f.activity_id = activity_id;
    f.limit = 500;
    return activities_->ListSignups(SecretaryA(), f)->items;
  }
};

TEST_P(ActivityTest, BadInputNamesTheFieldAndCreatesNothing) {
  NewActivity a = Sweep(10);
  a.ends_at = a.starts_at - 1;
  EXPECT_EQ(activities_->Create(SecretaryA(), a).error().field, "ends_at");
  a = Sweep(0);
  EXPECT_EQ(activities_->Create(SecretaryA(), a).error().field, "capacity");
  a = Sweep(10);
  a.place.lat = 91;
  EXPECT_EQ(activities_->Create(SecretaryA(), a).error().field, "place.lat");
  a = Sweep(10);
  a.radius_m = 1;
  EXPECT_EQ(activities_->Create(SecretaryA(), a).error().field, "radius_m");
  a = Sweep(10);
  a.signup_closes_at = a.ends_at + 1;
  EXPECT_EQ(activities_->Create(SecretaryA(), a).error().field, "signup_closes_at");
  a = Sweep(10);
  a.title = "";
  EXPECT_EQ(activities_->Create(SecretaryA(), a).error().field, "title");
  EXPECT_EQ(activities_->Create(SecretaryB(), Sweep(10)).error().field, "node_id");
  a = Sweep(10);
  a.node_id = tree_.grid_a1.id;  // inside the member's scope, still not theirs to organise
  EXPECT_EQ(activities_->Create(Resident("无权"), a).error().code, ErrorCode::kForbidden);
  EXPECT_TRUE(activities_->List(Admin(), {})->items.empty());
}

TEST_P(ActivityTest, WaitlistIsPromotedWhenSomeoneWithdraws) {
  NewActivity in = Sweep(2);
  in.cancel_cutoff_at = in.starts_at - kMsPerHour;
  auto a = activities_->Create(SecretaryA(), in);
  ASSERT_TRUE(a.ok()) << a.error().message;
  Caller m1 = Resident("甲"), m2 = Resident("乙"), m3 = Resident("丙");
  EXPECT_EQ(activities_->SignUp(m1, a->id)->state, SignupState::kConfirmed);
  EXPECT_EQ(activities_->SignUp(m2, a->id)->state, SignupState::kConfirmed);
  EXPECT_EQ(activities_->SignUp(m3, a->id)->state, SignupState::kWaitlisted);
  EXPECT_EQ(activities_->SignUp(m3, a->id).error().field, "activity_id");
  EXPECT_EQ(activities_->Get(m1, a->id)->waitlisted, 1);
  auto withdrawn = activities_->Withdraw(m1, a->id);
  ASSERT_TRUE(withdrawn.ok()) << withdrawn.error().message;
  EXPECT_EQ(withdrawn->state, SignupState::kCancelled);
  auto rows = SignupsOf(a->id);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[2].state, SignupState::kConfirmed);  // 丙 took the seat
  EXPECT_EQ(activities_->Get(Admin(), a->id)->seats_taken, 2);
  // Signing up again queues afresh.
  EXPECT_EQ(activities_->SignUp(m1, a->id)->state, SignupState::kWaitlisted);
  // After the cut-off nobody withdraws; after the window nobody signs up.
  clock_.Set(*in.cancel_cutoff_at);
  EXPECT_EQ(activities_->Withdraw(m2, a->id).error().field, "cancel_cutoff_at");
  clock_.Set(in.starts_at);
  EXPECT_EQ(activities_->SignUp(Resident("丁"), a->id).error().field, "signup_closes_at");
  // A member of community B does not see A's activity.
  Caller far = AsMember(Member("远", branch_b_), tree_.grid_b1);
  EXPECT_EQ(activities_->SignUp(far, a->id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(activities_->Get(SecretaryB(), a->id).error().code, ErrorCode::kNotFound);
}

TEST_P(ActivityTest, ConcurrentSignupsForTheLastSeatsNeverPassCapacity) {
  constexpr int kSeats = 3;
  constexpr int kRacers = 12;
  std::vector<Caller> members;
  for (int i = 0; i < kRacers; ++i) members.push_back(Resident("队员" + std::to_string(i)));
  for (int round = 0; round < 5; ++round) {
    auto a = activities_->Create(SecretaryA(), Sweep(kSeats));
    ASSERT_TRUE(a.ok());
    std::latch start(kRacers);
    std::mutex mu;
    int confirmed = 0, waitlisted = 0, failed = 0;
    std::vector<std::thread> threads;
    for (int i = 0; i < kRacers; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        auto s = activities_->SignUp(members[i], a->id);
        std::lock_guard lock(mu);
        if (!s.ok()) {
          ++failed;
          ADD_FAILURE() << s.error().message;
        } else {
          (s->state == SignupState::kConfirmed ? confirmed : waitlisted) += 1;
        }
      });
    }
    for (auto& t : threads) t.join();
    SCOPED_TRACE(::testing::Message() << "round " << round);
    EXPECT_EQ(confirmed, kSeats);
    EXPECT_EQ(waitlisted, kRacers - kSeats);
    EXPECT_EQ(failed, 0);
    EXPECT_EQ(activities_->Get(Admin(), a->id)->seats_taken, kSeats);
    int stored_confirmed = 0;
    for (const auto& s : SignupsOf(a->id)) stored_confirmed += s.state == SignupState::kConfirmed;
    EXPECT_EQ(stored_confirmed, kSeats);
  }
}

TEST_P(ActivityTest, CheckInByCodeAndApprovedHoursReachTheSink) {
  auto team =
      activities_->CreateTeam(SecretaryA(), NewTeam{tree_.community_a.id, "东关志愿服务队"});
  ASSERT_TRUE(team.ok()) << team.error().message;
  Caller leader = Resident("队长");
  int64_t leader_id = *leader.party_member_id;
  ASSERT_TRUE(activities_->AddTeamMember(SecretaryA(), team->id, leader_id, true).ok());
  EXPECT_EQ(activities_->AddTeamMember(SecretaryA(), team->id, Member("外", branch_b_), false)
                .error()
                .field,
            "member_id");
  NewActivity in = Sweep(5);
  in.team_id = team->id;
  auto a = activities_->Create(leader, in);  // a leader organises their team's activities
  ASSERT_TRUE(a.ok()) << a.error().message;
  Caller member = Resident("志愿者");
  ASSERT_TRUE(activities_->SignUp(member, a->id).ok());
  ASSERT_TRUE(activities_->SignUp(leader, a->id).ok());
  EXPECT_EQ(activities_->IssueCode(member, a->id, CodeKind::kCheckIn).error().code,
            ErrorCode::kForbidden);

  clock_.Set(in.starts_at - 10 * kMsPerMinute);
  auto code = activities_->IssueCode(leader, a->id, CodeKind::kCheckIn);
  ASSERT_TRUE(code.ok()) << code.error().message;
  EXPECT_EQ(code->code.size(), 8u);
  EXPECT_EQ(code->qr, "cgduty:" + std::to_string(a->id) + ":in:" + code->code);
  std::string forged = code->code;
  forged[0] = forged[0] == '9' ? '0' : static_cast<char>(forged[0] + 1);
  EXPECT_EQ(activities_->Check(member, a->id, CodeKind::kCheckIn, forged, {}).error().field,
            "code");
  EXPECT_EQ(activities_->Check(member, a->id, CodeKind::kCheckOut, code->code, {}).error().field,
            "code");  // an in-code is no out-code
  // Expired: two windows later the code is refused.
  clock_.Advance(2 * activities_->options().code_window_ms);
  EXPECT_EQ(activities_->Check(member, a->id, CodeKind::kCheckIn, code->code, {}).error().field,
            "code");
  clock_.Set(in.starts_at);
  code = activities_->IssueCode(leader, a->id, CodeKind::kCheckIn);
  ASSERT_TRUE(activities_->Check(member, a->id, CodeKind::kCheckIn, code->code, {}).ok());
  ASSERT_TRUE(activities_->Check(leader, a->id, CodeKind::kCheckIn, code->code, {}).ok());
  EXPECT_EQ(activities_->Check(member, a->id, CodeKind::kCheckIn, code->code, {}).error().field,
            "kind");
  clock_.Set(in.ends_at + 5 * kMsPerMinute);
  auto out = activities_->IssueCode(leader, a->id, CodeKind::kCheckOut);
  auto checked = activities_->Check(member, a->id, CodeKind::kCheckOut, out->code, {});
  ASSERT_TRUE(checked.ok()) << checked.error().message;
  EXPECT_EQ(checked->minutes, 90);

  std::vector<HoursApproved> seen;
  bool fail_sink = true;
  activities_->SetHoursApprovedSink([&](store::Connection&, const HoursApproved& h) {
    if (fail_sink) return core::Status(core::Error::Internal("ledger down"));
    seen.push_back(h);
    return core::Ok();
  });
  auto rows = SignupsOf(a->id);
  ASSERT_EQ(rows.size(), 2u);
  const Signup& mine = rows[0];
  const Signup& leaders = rows[1];
  // Nobody approves their own hours.
  EXPECT_EQ(activities_->ApproveHours(leader, leaders.id, 60).error().code, ErrorCode::kForbidden);
  // A failing sink rolls the approval back.
  EXPECT_FALSE(activities_->ApproveHours(leader, mine.id, std::nullopt).ok());
  EXPECT_FALSE(SignupsOf(a->id)[0].approved_minutes.has_value());
  fail_sink = false;
  EXPECT_EQ(activities_->ApproveHours(leader, mine.id, 1000).error().field, "minutes");
  auto approved = activities_->ApproveHours(leader, mine.id, std::nullopt);
  ASSERT_TRUE(approved.ok()) << approved.error().message;
  EXPECT_EQ(approved->approved_minutes, 90);
  EXPECT_EQ(activities_->ApproveHours(leader, mine.id, std::nullopt).error().field, "state");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].person_id, mine.member_id);
  EXPECT_EQ(seen[0].activity_id, a->id);
  EXPECT_EQ(seen[0].minutes, 90);
  EXPECT_EQ(seen[0].idempotency_key, "duty-signup:" + std::to_string(mine.id));
  // The secretary approves the leader's (no check-out: minutes given).
  auto by_secretary = activities_->ApproveHours(SecretaryA(), leaders.id, 60);
  ASSERT_TRUE(by_secretary.ok()) << by_secretary.error().message;
  EXPECT_EQ(seen.size(), 2u);
  // My hours.
  SignupFilter my;
  EXPECT_EQ(activities_->ListSignups(member, my)->items.size(), 1u);
}

TEST_P(ActivityTest, RadiusAndNoShows) {
  NewActivity in = Sweep(5);
  in.radius_m = 200;
  auto a = activities_->Create(SecretaryA(), in);
  ASSERT_TRUE(a.ok());
  Caller near = Resident("近"), absent = Resident("缺席");
  ASSERT_TRUE(activities_->SignUp(near, a->id).ok());
  ASSERT_TRUE(activities_->SignUp(absent, a->id).ok());
  clock_.Set(in.starts_at);
  auto code = activities_->IssueCode(SecretaryA(), a->id, CodeKind::kCheckIn);
  EXPECT_EQ(activities_->Check(near, a->id, CodeKind::kCheckIn, code->code, {}).error().field,
            "position");
  EXPECT_EQ(
      activities_
          ->Check(near, a->id, CodeKind::kCheckIn, code->code, core::LonLat{116.4300, 39.1700})
          .error()
          .field,
      "position");  // ~860 m away
  ASSERT_TRUE(
      activities_
          ->Check(near, a->id, CodeKind::kCheckIn, code->code, core::LonLat{116.4205, 39.1701})
          .ok());
  EXPECT_EQ(activities_->RecordNoShows(SecretaryA(), a->id).error().field, "ends_at");
  clock_.Set(in.ends_at);
  EXPECT_EQ(*activities_->RecordNoShows(SecretaryA(), a->id), 1);
  auto rows = SignupsOf(a->id);
  EXPECT_EQ(rows[1].state, SignupState::kNoShow);
  EXPECT_EQ(rows[0].state, SignupState::kConfirmed);
}

TEST_P(ActivityTest, WeeklyAndMonthlySeriesAreMaterialisedForTheHorizon) {
  NewActivity first = Sweep(30);
  RecurrenceRule weekly;
  weekly.kind = Recurrence::kWeekly;
  weekly.weekday = 6;  // Saturday
  weekly.minute = 6 * 60 + 30;
  weekly.duration_minutes = 90;
  weekly.first_date = core::FormatDate(core::ShanghaiDate(clock_.NowMs()));
  RecurrenceRule bad = weekly;
  bad.weekday = 0;
  EXPECT_EQ(activities_->CreateSeries(SecretaryA(), first, bad).error().field, "rule.weekday");
  auto sweeps = activities_->CreateSeries(SecretaryA(), first, weekly);
  ASSERT_TRUE(sweeps.ok()) << sweeps.error().message;
  EXPECT_EQ(static_cast<int64_t>(sweeps->size()), activities_->options().series_horizon_days / 7);
  for (const auto& s : *sweeps) {
    int64_t local = s.starts_at + core::kShanghaiOffsetMs;
    EXPECT_EQ((local % core::kMsPerDay) / kMsPerMinute, 390);
    int64_t days = local / core::kMsPerDay;
    EXPECT_EQ((days + 3) % 7 + 1, 6);  // a Saturday
    EXPECT_EQ(s.ends_at - s.starts_at, 90 * kMsPerMinute);
    EXPECT_TRUE(s.series_id.has_value());
  }
  RecurrenceRule monthly = weekly;
  monthly.kind = Recurrence::kMonthly;
  monthly.day_of_month = 15;
  monthly.minute = 9 * 60;
  auto days = activities_->CreateSeries(SecretaryA(), first, monthly);
  ASSERT_TRUE(days.ok());
  EXPECT_GE(days->size(), 1u);
  EXPECT_LE(days->size(), 2u);
  for (const auto& d : *days) {
    EXPECT_EQ(core::ShanghaiDate(d.starts_at).day, 15);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ActivityTest, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
