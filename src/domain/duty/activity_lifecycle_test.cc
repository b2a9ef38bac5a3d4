// Cancelling an activity notifies its members; a disbanded team's upcoming
// activities are cancelled; series are extended past their first horizon.
#include "domain/duty/duty_fixture.h"

namespace civicgrid::domain {
namespace {

using core::ErrorCode;
using core::kMsPerDay;
using core::kMsPerMinute;
using testing::DutyFixture;

class ActivityLifecycleTest : public DutyFixture {
 protected:
  NewActivity Sweep(int64_t starts_at, std::optional<int64_t> team = {}) const {
    NewActivity a;
    a.node_id = tree_.community_a.id;
    a.team_id = team;
    a.title = "周六清扫";
    a.category = "环境整治";
    a.place = {116.4200, 39.1700};
    a.starts_at = starts_at;
    a.ends_at = starts_at + 90 * kMsPerMinute;
    a.capacity = 1;
    return a;
  }
  Caller Registered(const std::string& name) {
    int64_t m = Member(name, branch_a_);
    EXPECT_TRUE(duty_->RegisterByStaff(Admin(), m, tree_.community_a.id).ok());
    return AsMember(m, tree_.grid_a1);
  }
};

TEST_P(ActivityLifecycleTest, CancellingNotifiesEverySignedUpMemberOnce) {
  auto a = activities_->Create(SecretaryA(), Sweep(clock_.NowMs() + 2 * kMsPerDay));
  ASSERT_TRUE(a.ok()) << a.error().message;
  Caller seated = Registered("甲"), waiting = Registered("乙"), gone = Registered("丙");
  ASSERT_EQ(activities_->SignUp(seated, a->id)->state, SignupState::kConfirmed);
  ASSERT_EQ(activities_->SignUp(waiting, a->id)->state, SignupState::kWaitlisted);
  ASSERT_TRUE(activities_->SignUp(gone, a->id).ok());
  ASSERT_TRUE(activities_->Withdraw(gone, a->id).ok());
  // Only the organiser cancels.
  EXPECT_EQ(activities_->Cancel(seated, a->id).error().code, ErrorCode::kForbidden);
  EXPECT_TRUE(activities_->Notices(seated, {})->items.empty());
  auto cancelled = activities_->Cancel(SecretaryA(), a->id);
  ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;
  EXPECT_TRUE(cancelled->cancelled);
  EXPECT_EQ(cancelled->seats_taken, 0);
  EXPECT_EQ(activities_->Cancel(SecretaryA(), a->id).error().field, "state");
  for (const Caller* who : {&seated, &waiting}) {
    auto notices = activities_->Notices(*who, {});
    ASSERT_TRUE(notices.ok()) << notices.error().message;
    ASSERT_EQ(notices->items.size(), 1u);
    EXPECT_EQ(notices->items[0].activity_id, a->id);
    EXPECT_EQ(notices->items[0].kind, "activity_cancelled");
    EXPECT_NE(notices->items[0].text.find("周六清扫"), std::string::npos);
  }
  EXPECT_TRUE(activities_->Notices(gone, {})->items.empty());  // had withdrawn already
  EXPECT_EQ(activities_->Notices(SecretaryA(), {}).error().code, ErrorCode::kForbidden);
  // A started activity is not cancelled.
  auto started = activities_->Create(SecretaryA(), Sweep(clock_.NowMs() + kMsPerDay));
  ASSERT_TRUE(started.ok());
  clock_.Advance(kMsPerDay + kMsPerMinute);
  EXPECT_EQ(activities_->Cancel(SecretaryA(), started->id).error().field, "state");
}

TEST_P(ActivityLifecycleTest, DisbandingATeamCancelsItsUpcomingActivities) {
  auto team = activities_->CreateTeam(SecretaryA(), {tree_.community_a.id, "东关志愿服务队"});
  ASSERT_TRUE(team.ok()) << team.error().message;
  Caller leader = Registered("队长");
  ASSERT_TRUE(
      activities_->AddTeamMember(SecretaryA(), team->id, *leader.party_member_id, true).ok());
  auto upcoming = activities_->Create(SecretaryA(), Sweep(clock_.NowMs() + kMsPerDay, team->id));
  ASSERT_TRUE(upcoming.ok()) << upcoming.error().message;
  Caller member = Registered("队员");
  ASSERT_TRUE(activities_->SignUp(member, upcoming->id).ok());
  EXPECT_EQ(activities_->DisbandTeam(leader, team->id).error().code, ErrorCode::kForbidden);
  EXPECT_EQ(activities_->DisbandTeam(SecretaryB(), team->id).error().code, ErrorCode::kNotFound);
  ASSERT_TRUE(activities_->DisbandTeam(SecretaryA(), team->id).ok());
  EXPECT_TRUE(activities_->Get(SecretaryA(), upcoming->id)->cancelled);
  EXPECT_EQ(activities_->Notices(member, {})->items.size(), 1u);
  EXPECT_EQ(activities_->DisbandTeam(SecretaryA(), team->id).error().field, "state");
  EXPECT_EQ(
      activities_->Create(SecretaryA(), Sweep(clock_.NowMs() + kMsPerDay, team->id)).error().field,
      "team_id");
}

TEST_P(ActivityLifecycleTest, SeriesAreExtendedAsTimePasses) {
  NewActivity first = Sweep(0);
  first.capacity = 30;
  RecurrenceRule weekly;
  weekly.kind = Recurrence::kWeekly;
  weekly.weekday = 6;
  weekly.minute = 6 * 60 + 30;
  weekly.duration_minutes = 90;
  weekly.cancel_cutoff_minutes = 60;
  weekly.first_date = core::FormatDate(core::ShanghaiDate(clock_.NowMs()));
  auto made = activities_->CreateSeries(SecretaryA(), first, weekly);
  ASSERT_TRUE(made.ok()) << made.error().message;
  const size_t initial = made->size();
  EXPECT_EQ(*activities_->ExtendSeries(), 0);  // nothing to add yet
  ActivityFilter all;
  all.limit = 500;
  const int64_t last = activities_->List(SecretaryA(), all)->items.back().starts_at;
  // Four weeks on, the horizon has moved by four Saturdays.
  clock_.Advance(28 * kMsPerDay);
  auto added = activities_->ExtendSeries();
  ASSERT_TRUE(added.ok()) << added.error().message;
  EXPECT_EQ(*added, 4);
  auto items = activities_->List(SecretaryA(), all)->items;
  ASSERT_EQ(items.size(), initial + 4);
  const Activity& newest = items.back();
  EXPECT_EQ(newest.starts_at, last + 28 * kMsPerDay);
  EXPECT_EQ(newest.series_id, made->front().series_id);
  EXPECT_EQ(newest.ends_at - newest.starts_at, 90 * kMsPerMinute);
  EXPECT_EQ(newest.starts_at - newest.cancel_cutoff_at, 60 * kMsPerMinute);
  EXPECT_EQ(newest.capacity, 30);
  EXPECT_EQ(*activities_->ExtendSeries(), 0);  // idempotent
  // A series whose newest occurrence was cancelled has ended.
  ASSERT_TRUE(activities_->Cancel(SecretaryA(), newest.id).ok());
  clock_.Advance(14 * kMsPerDay);
  EXPECT_EQ(*activities_->ExtendSeries(), 0);
}

INSTANTIATE_TEST_SUITE_P(Backends, ActivityLifecycleTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
