// The plans of the deliberation lists: every page statement (meetings under
// each scope and filter, proposals of staff and of a resident) is an index
// walk that neither reads a large table whole nor sorts the whole result
// (store/testing/query_plan.h).
#include <gtest/gtest.h>

#include "domain/deliberation/deliberation_service.h"
#include "domain/registry/grid_locator.h"
#include "domain/registry/residents.h"
#include "domain/testing/domain_fixture.h"
#include "domain/tickets/categories.h"
#include "store/testing/query_plan.h"

namespace civicgrid::domain {
namespace {

using store::testing::Explain;
using store::testing::ExplainOptions;
using store::testing::IsBoundedWalk;
using store::testing::StatementRecorder;

const std::vector<std::string> kLargeTables = {"delib_meeting", "delib_item", "delib_decision",
                                               "delib_registration", "org_node"};

class DeliberationListPlansTest : public testing::DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    if (skipped_) return;
    recorder_ = std::make_unique<StatementRecorder>(test_db_->db());
    locator_ = std::make_unique<GridLocator>(test_db_->db());
    categories_ = std::make_unique<CategoryService>(test_db_->db(), clock_, *audit_);
    tickets_ = std::make_unique<TicketService>(test_db_->db(), clock_, *audit_, cipher_, *locator_,
                                               *categories_);
    service_ =
        std::make_unique<DeliberationService>(recorder_->db(), clock_, *audit_, cipher_, *tickets_);
    ResidentService residents(test_db_->db(), clock_, *audit_, cipher_);
    NewResident r;
    r.building_id = tree_.building_a1.id;
    r.room = "1-101";
    r.name = "居民";
    r.id_number = IdNumber(1);
    auto created = residents.Create(Admin(), r);
    ASSERT_TRUE(created.ok());
    resident_ = As(Role::kResident, tree_.building_a1);
    resident_.account_id = 5001;
    resident_.resident_id = created->id;
    NewSeries s;
    s.community_id = tree_.community_a.id;
    s.title = "逢四说事";
    s.rule.days = {4, 14, 24};
    s.first_date = "2027-01-01";
    ASSERT_TRUE(service_->CreateSeries(Admin(), s).ok());
    ASSERT_TRUE(service_->Propose(resident_, {"路灯", "", 10}).ok());
    (void)recorder_->Take();
  }

  // Checks the plan of every page statement recorded since the last check.
  void CheckPages(const std::string& what) {
    ExpectBoundedPages(test_db_->db(), recorder_->Take(" LIMIT "), kLargeTables, what);
  }

  std::unique_ptr<StatementRecorder> recorder_;
  std::unique_ptr<GridLocator> locator_;
  std::unique_ptr<CategoryService> categories_;
  std::unique_ptr<TicketService> tickets_;
  std::unique_ptr<DeliberationService> service_;
  Caller resident_;
};

TEST_P(DeliberationListPlansTest, MeetingPages) {
  for (const Caller& caller :
       {Admin(), As(Role::kCommunitySecretary, tree_.community_a), resident_}) {
    MeetingFilter f;
    ASSERT_TRUE(service_->List(caller, f).ok());
    CheckPages("meetings");
    f.from = 1;
    f.to = 4'000'000'000'000;
    f.page.after = 1;
    ASSERT_TRUE(service_->List(caller, f).ok());
    CheckPages("meetings in a month");
    f.community_id = tree_.community_a.id;
    ASSERT_TRUE(service_->List(caller, f).ok());
    CheckPages("meetings of a community");
    f.community_id.reset();
    f.series_id = 1;
    ASSERT_TRUE(service_->List(caller, f).ok());
    CheckPages("meetings of a series");
  }
}

TEST_P(DeliberationListPlansTest, ProposalPages) {
  for (const Caller& caller : {Admin(), As(Role::kCommunitySecretary, tree_.community_a)}) {
    ProposalFilter f;
    ASSERT_TRUE(service_->Proposals(caller, f).ok());
    CheckPages("proposals");
    f.state = ItemState::kProposed;
    f.community_id = tree_.community_a.id;
    ASSERT_TRUE(service_->Proposals(caller, f).ok());
    CheckPages("proposals of a community");
  }
  ASSERT_TRUE(service_->Proposals(resident_, {}).ok());
  CheckPages("my proposals");
}

INSTANTIATE_TEST_SUITE_P(Backends, DeliberationListPlansTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
