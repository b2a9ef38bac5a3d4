// Open311 keys, jurisdictions and address lookup (tickets/open311_keys.h) on
// both backends. The endpoint itself is tested over HTTP in
// tests/open311_conformance_test.cc.
#include "domain/tickets/open311_keys.h"

#include <gtest/gtest.h>

#include "core/crypto.h"
#include "domain/registry/grid_locator.h"
#include "domain/testing/domain_fixture.h"

namespace civicgrid::domain {
namespace {

class Open311DirectoryTest : public testing::DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    if (skipped_ || HasFatalFailure()) return;
    AccountOptions options;
    options.password.ops_limit = 1;
    options.password.mem_limit = 8192;
    accounts_ = std::make_unique<AccountService>(test_db_->db(), clock_, *audit_, options);
    locator_ = std::make_unique<GridLocator>(test_db_->db());
    categories_ = std::make_unique<CategoryService>(test_db_->db(), clock_, *audit_);
    tickets_ = std::make_unique<TicketService>(test_db_->db(), clock_, *audit_, cipher_, *locator_,
                                               *categories_);
    directory_ =
        std::make_unique<Open311Directory>(test_db_->db(), clock_, *accounts_, *audit_, *tickets_);
  }

  std::unique_ptr<AccountService> accounts_;
  std::unique_ptr<GridLocator> locator_;
  std::unique_ptr<CategoryService> categories_;
  std::unique_ptr<TicketService> tickets_;
  std::unique_ptr<Open311Directory> directory_;
};

TEST_P(Open311DirectoryTest, AKeyActsAsAResidentOfTheCountyAndOnlyItsHashIsKept) {
  auto created = directory_->CreateKey(nullptr, {"12345 热线对接", tree_.county.id, std::nullopt});
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(created->plain_key.rfind("o311_", 0), 0u);
  auto caller = directory_->Authenticate(created->plain_key);
  ASSERT_TRUE(caller.ok()) << caller.error().message;
  EXPECT_EQ(caller->role, Role::kResident);
  EXPECT_EQ(caller->scope_node_id, tree_.county.id);
  EXPECT_EQ(caller->account_id, created->key.account_id);
  auto conn = test_db_->db().Acquire();
  EXPECT_EQ((*conn)
                ->QueryInt("SELECT COUNT(*) FROM open311_key WHERE key_hash = $1",
                           {core::Sha256Hex(created->plain_key)})
                .value(),
            1);
  EXPECT_EQ(
      (*conn)
          ->QueryInt("SELECT COUNT(*) FROM open311_key WHERE key_hash = $1", {created->plain_key})
          .value(),
      0);
  // Unknown and revoked keys are refused as Forbidden (Open311's 403).
  EXPECT_EQ(directory_->Authenticate("o311_guess").error().code, core::ErrorCode::kForbidden);
  Caller admin = Admin();
  ASSERT_TRUE(directory_->RevokeKey(&admin, created->key.id).ok());
  EXPECT_EQ(directory_->Authenticate(created->plain_key).error().code, core::ErrorCode::kForbidden);
  auto keys = directory_->ListKeys();
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_TRUE(keys->front().revoked_at.has_value());
}

TEST_P(Open311DirectoryTest, TheDemoKeyIsFixedAndCreatingItTwiceGivesTheSameKey) {
  NewOpen311Key demo{"演示", tree_.county.id, std::string(kDemoOpen311Key)};
  auto first = directory_->CreateKey(nullptr, demo);
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = directory_->CreateKey(nullptr, demo);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->key.id, second->key.id);
  EXPECT_EQ(first->key.account_username, "open311-demo");
  EXPECT_TRUE(directory_->Authenticate(kDemoOpen311Key).ok());
}

TEST_P(Open311DirectoryTest, OnlyAnAccountsAdminOverTheCountyCreatesKeys) {
  const NewOpen311Key key{"x", tree_.county.id, std::nullopt};
  Caller street = As(Role::kStreetAdmin, tree_.street);
  EXPECT_EQ(directory_->CreateKey(&street, key).error().code, core::ErrorCode::kForbidden);
  Caller grid_worker = As(Role::kGridWorker, tree_.grid_a1);
  EXPECT_EQ(directory_->CreateKey(&grid_worker, key).error().code, core::ErrorCode::kForbidden);
  // A key belongs to a county (or a city or province above it), not a grid.
  EXPECT_EQ(directory_->CreateKey(nullptr, {"x", tree_.grid_a1.id, std::nullopt}).error().field,
            "scope_node_id");
  EXPECT_EQ(directory_->CreateKey(nullptr, {"", tree_.county.id, std::nullopt}).error().field,
            "name");
  EXPECT_EQ(directory_->CreateKey(nullptr, {std::string(101, 'x'), tree_.county.id, std::nullopt})
                .error()
                .field,
            "name");
  Caller admin = Admin();
  EXPECT_TRUE(directory_->CreateKey(&admin, key).ok());
}

TEST_P(Open311DirectoryTest, JurisdictionIsTheCountyCodeAndOptionalWithOneCounty) {
  auto by_code = directory_->FindJurisdiction(std::string("131022"));
  ASSERT_TRUE(by_code.ok());
  EXPECT_EQ(by_code->node_id, tree_.county.id);
  EXPECT_EQ(by_code->name, "固安县");
  auto implied = directory_->FindJurisdiction(std::nullopt);
  ASSERT_TRUE(implied.ok());
  EXPECT_EQ(implied->node_id, tree_.county.id);
  EXPECT_EQ(directory_->FindJurisdiction(std::string("131023")).error().code,
            core::ErrorCode::kNotFound);
  EXPECT_EQ(directory_->FindJurisdiction(std::string("131022001")).error().code,
            core::ErrorCode::kNotFound);  // a street is not a jurisdiction
}

TEST_P(Open311DirectoryTest, AnAddressIsPlacedByTheLongestCommunityOrGridNameInIt) {
  Jurisdiction j = directory_->FindJurisdiction(std::nullopt).value();
  EXPECT_EQ(directory_->NodeNamedIn(j, "西关社区菜市场").value(), tree_.community_b.id);
  EXPECT_EQ(directory_->NodeNamedIn(j, "东方街北二网格 5 号楼").value(), tree_.grid_a2.id);
  EXPECT_EQ(directory_->NodeNamedIn(j, "东方街北社区").value(), tree_.community_a.id);
  EXPECT_FALSE(directory_->NodeNamedIn(j, "人民路 12 号").value().has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, Open311DirectoryTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
