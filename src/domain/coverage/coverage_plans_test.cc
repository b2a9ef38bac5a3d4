// The plans of the coverage and fund lists: the page of buildings outside the
// circles and a fund's statement are index walks that neither read a large
// table whole nor sort the result (store/testing/query_plan.h).
#include "domain/coverage/coverage_service.h"
#include "domain/testing/domain_fixture.h"
#include "store/testing/query_plan.h"

namespace civicgrid::domain {
namespace {

using store::testing::Explain;
using store::testing::ExplainOptions;
using store::testing::IsBoundedWalk;
using store::testing::StatementRecorder;

const std::vector<std::string> kLargeTables = {"org_node", "resident", "fund_entry",
                                               "fund_account"};

class CoveragePlansTest : public testing::DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    if (skipped_) return;
    recorder_ = std::make_unique<StatementRecorder>(test_db_->db());
    coverage_ = std::make_unique<CoverageService>(recorder_->db());
    funds_ = std::make_unique<FundLedger>(recorder_->db(), clock_, *audit_);
    auto conn = test_db_->db().Acquire();
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)
                    ->Execute("UPDATE org_node SET center_lon = 116.3, center_lat = 39.43 "
                              "WHERE kind = 'building'")
                    .ok());
    ASSERT_TRUE(funds_->AllocateDefaults(Admin(), std::nullopt, 2026).ok());
    (void)recorder_->Take();
  }

  // Checks the plan of every page statement recorded since the last check.
  void CheckPages(const std::string& what) {
    ExpectBoundedPages(test_db_->db(), recorder_->Take(" LIMIT "), kLargeTables, what);
  }

  std::unique_ptr<StatementRecorder> recorder_;
  std::unique_ptr<CoverageService> coverage_;
  std::unique_ptr<FundLedger> funds_;
};

TEST_P(CoveragePlansTest, OutsideBuildingsPage) {
  CircleParams p;
  for (const Caller& caller : {Admin(), As(Role::kCommunitySecretary, tree_.community_a)}) {
    ASSERT_TRUE(coverage_->Outside(caller, std::nullopt, p, Page{0, 2}).ok());
    CheckPages("outside");
    ASSERT_TRUE(coverage_->Outside(caller, std::nullopt, p, Page{tree_.building_a1.id, 2}).ok());
    CheckPages("outside after");
  }
}

TEST_P(CoveragePlansTest, StatementPage) {
  for (const Caller& caller : {Admin(), As(Role::kCommunitySecretary, tree_.community_a)}) {
    ASSERT_TRUE(funds_->Statement(caller, tree_.community_a.id, "work", 2026, Page{0, 5}).ok());
    CheckPages("statement");
    ASSERT_TRUE(funds_->Statement(caller, tree_.community_a.id, "work", 2026, Page{3, 5}).ok());
    CheckPages("statement after");
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, CoveragePlansTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
