#include "domain/registry/residents.h"

#include <fstream>
#include <sstream>

#include "core/pii.h"
#include "domain/testing/domain_fixture.h"

namespace civicgrid::domain {
namespace {

using testing::DomainFixture;

class ResidentsTest : public DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    residents_ = std::make_unique<ResidentService>(test_db_->db(), clock_, *audit_, cipher_);
  }
  Resident Add(const OrgNode& building, int serial, std::string phone = "13812345678") {
    auto r = residents_->Create(
        Admin(), NewResident{building.id, "1-101", "张三", IdNumber(serial), phone, 0});
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : Resident{};
  }
  std::unique_ptr<ResidentService> residents_;
};

TEST_P(ResidentsTest, StoresMaskedFormsAndDerivesSexAndBirth) {
  Resident r = Add(tree_.building_a1, 7);
  EXPECT_EQ(r.id_number_masked, core::MaskIdNumber(IdNumber(7)));
  EXPECT_EQ(r.phone_masked, "138****5678");
  EXPECT_EQ(r.birth_date, "1980-01-01");
  EXPECT_EQ(r.sex, "M");
  ASSERT_TRUE(r.household_id.has_value());
}

TEST_P(ResidentsTest, BadInputNamesTheFieldAndWritesNothing) {
  std::string bad_id = IdNumber(8);
  bad_id.back() = bad_id.back() == '1' ? '2' : '1';
  auto r = residents_->Create(
      Admin(), NewResident{tree_.building_a1.id, "1-101", "李四", bad_id, std::nullopt, 0});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "id_number");
  auto unknown = residents_->Create(
      Admin(), NewResident{999999, "1-101", "李四", IdNumber(9), std::nullopt, 0});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().field, "building_id");
  auto page = residents_->List(Admin(), {});
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_TRUE(page->items.empty());
}

TEST_P(ResidentsTest, NameLimitCountsCharactersNotBytes) {
  std::string long_name;
  for (int i = 0; i < 30; ++i) long_name += "张";  // 30 characters, 90 bytes
  auto ok = residents_->Create(Admin(), NewResident{tree_.building_a1.id, "1-101", long_name,
                                                    IdNumber(30), std::nullopt, 0});
  EXPECT_TRUE(ok.ok()) << ok.error().message;
  std::string too_long;
  for (int i = 0; i < 61; ++i) too_long += "张";
  auto refused = residents_->Create(
      Admin(), NewResident{tree_.building_a1.id, "1-101", too_long, IdNumber(31), std::nullopt, 0});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "name");
}

TEST_P(ResidentsTest, DuplicateIdNumberIsAConflict) {
  Add(tree_.building_a1, 10);
  auto again = residents_->Create(
      Admin(), NewResident{tree_.building_a2.id, "2-202", "王五", IdNumber(10), std::nullopt, 0});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, core::ErrorCode::kConflict);
  EXPECT_EQ(again.error().field, "id_number");
}

TEST_P(ResidentsTest, GridWorkerSeesOnlyTheirGrid) {
  Resident mine = Add(tree_.building_a1, 11);
  Resident theirs = Add(tree_.building_b1, 12);
  Caller grid1 = As(Role::kGridWorker, tree_.grid_a1);
  EXPECT_TRUE(residents_->Get(grid1, mine.id).ok());
  auto hidden = residents_->Get(grid1, theirs.id);
  ASSERT_FALSE(hidden.ok());
  EXPECT_EQ(hidden.error().code, core::ErrorCode::kNotFound);
  auto page = residents_->List(grid1, {});
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].id, mine.id);
  ResidentFilter within_b;
  within_b.within = tree_.grid_b1.id;
  EXPECT_EQ(residents_->List(grid1, within_b).error().code, core::ErrorCode::kNotFound);
}

TEST_P(ResidentsTest, RevealIsAuditedAndNeedsPermission) {
  Resident r = Add(tree_.building_a1, 13);
  auto denied = residents_->Reveal(As(Role::kStreetAdmin, tree_.street), r.id);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.error().code, core::ErrorCode::kForbidden);
  auto conn = test_db_->db().Acquire();
  int64_t before = *(*conn)->QueryInt("SELECT COUNT(*) FROM audit_log WHERE action = 'pii.reveal'");
  auto shown = residents_->Reveal(As(Role::kCommunitySecretary, tree_.community_a), r.id);
  ASSERT_TRUE(shown.ok()) << shown.error().message;
  EXPECT_EQ(shown->id_number, IdNumber(13));
  EXPECT_EQ(shown->phone, "13812345678");
  EXPECT_EQ(*(*conn)->QueryInt("SELECT COUNT(*) FROM audit_log WHERE action = 'pii.reveal'"),
            before + 1);
}

TEST_P(ResidentsTest, FindsByIdNumberAndPhoneThroughLookupHash) {
  Add(tree_.building_a1, 14, "13900001111");
  Resident target = Add(tree_.building_a2, 15, "13900002222");
  ResidentFilter by_phone;
  by_phone.phone = "139-0000-2222";
  auto found = residents_->List(Admin(), by_phone);
  ASSERT_TRUE(found.ok()) << found.error().message;
  ASSERT_EQ(found->items.size(), 1u);
  EXPECT_EQ(found->items[0].id, target.id);
  ResidentFilter by_id;
  by_id.id_number = IdNumber(14);
  EXPECT_EQ(residents_->List(Admin(), by_id)->items.size(), 1u);
}

// Reads the SQLite file itself, so it runs on SQLite only.
class ResidentsSqliteFileTest : public ResidentsTest {};

TEST_P(ResidentsSqliteFileTest, DatabaseFileHoldsNoPlaintextPii) {
  Resident r = Add(tree_.building_a1, 16, "13712345678");
  std::string raw;
  for (const std::string& path : {test_db_->sqlite_path(), test_db_->sqlite_path() + "-wal"}) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    raw += buffer.str();
  }
  ASSERT_NE(raw.find("张三"), std::string::npos) << "the check must see the written rows";
  EXPECT_EQ(raw.find("13712345678"), std::string::npos);
  EXPECT_EQ(raw.find(IdNumber(16)), std::string::npos);
  EXPECT_NE(raw.find(r.id_number_masked), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, ResidentsSqliteFileTest,
                         ::testing::Values(store::Backend::kSqlite),
                         store::testing::BackendParamName());
INSTANTIATE_TEST_SUITE_P(Backends, ResidentsTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
