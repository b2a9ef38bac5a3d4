// The plans of the duty lists: every page statement, under each scope and
// filter, is an index walk that neither reads a large table whole nor sorts
// the whole result (store/testing/query_plan.h).
#include "domain/duty/duty_fixture.h"
#include "store/testing/query_plan.h"

namespace civicgrid::domain {
namespace {

using store::testing::Explain;
using store::testing::ExplainOptions;
using store::testing::IsBoundedWalk;
using store::testing::StatementRecorder;
using testing::DutyFixture;

const std::vector<std::string> kLargeTables = {"duty_registration", "duty_activity", "duty_signup",
                                               "duty_team",         "party_member",  "org_node"};

class DutyListPlansTest : public DutyFixture {
 protected:
  void SetUp() override {
    DutyFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    recorder_ = std::make_unique<StatementRecorder>(test_db_->db());
    duty_ = std::make_unique<DualRegistrationService>(recorder_->db(), clock_, *audit_);
    activities_ = std::make_unique<ActivityService>(recorder_->db(), clock_, *audit_, cipher_);
    member_ = Member("张三", branch_a_, unit_id_);
    ASSERT_TRUE(
        duty_->Request(AsMember(member_, tree_.grid_a1), Request(member_, tree_.community_a.id, {}))
            .ok());
    (void)recorder_->Take();
  }

  // Checks the plan of every page statement recorded since the last check.
  void CheckPages(const std::string& what) {
    ExpectBoundedPages(test_db_->db(), recorder_->Take(" LIMIT "), kLargeTables, what);
  }

  std::unique_ptr<StatementRecorder> recorder_;
  int64_t member_ = 0;
};

TEST_P(DutyListPlansTest, RegistrationPages) {
  for (const Caller& caller :
       {Admin(), SecretaryA(), UnitAdmin(), AsMember(member_, tree_.grid_a1)}) {
    RegistrationFilter f;
    ASSERT_TRUE(duty_->List(caller, f).ok());
    CheckPages("registrations");
    f.state = RegistrationState::kRequested;
    ASSERT_TRUE(duty_->List(caller, f).ok());
    CheckPages("registrations by state");
    f.member_id = member_;
    f.after = 1;
    ASSERT_TRUE(duty_->List(caller, f).ok());
    CheckPages("registrations by member");
  }
}

TEST_P(DutyListPlansTest, ActivityTeamAndSignupPages) {
  ASSERT_TRUE(duty_->RegisterByStaff(Admin(), member_, tree_.community_a.id).ok());
  Caller member = AsMember(member_, tree_.grid_a1);
  for (const Caller& caller : {Admin(), SecretaryA(), member}) {
    ActivityFilter f;
    ASSERT_TRUE(activities_->List(caller, f).ok());
    CheckPages("activities");
    f.starts_after = 1;
    f.team_id = 1;
    ASSERT_TRUE(activities_->List(caller, f).ok());
    CheckPages("activities by team and start");
    ASSERT_TRUE(activities_->ListTeams(caller, std::nullopt, Page{}).ok());
    CheckPages("teams");
  }
  SignupFilter mine;
  ASSERT_TRUE(activities_->ListSignups(member, mine).ok());
  CheckPages("my sign-ups");
  mine.awaiting_approval = true;
  ASSERT_TRUE(activities_->ListSignups(member, mine).ok());
  CheckPages("my sign-ups awaiting approval");
}

INSTANTIATE_TEST_SUITE_P(Backends, DutyListPlansTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
