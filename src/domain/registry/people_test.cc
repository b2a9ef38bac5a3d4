// Party organisations and members, units and pairings, staff and staffing.
#include "domain/registry/party.h"
#include "domain/registry/residents.h"
#include "domain/registry/staff.h"
#include "domain/registry/units.h"
#include "domain/testing/domain_fixture.h"

namespace civicgrid::domain {
namespace {

using testing::DomainFixture;

class PeopleTest : public DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto& db = test_db_->db();
    party_ = std::make_unique<PartyService>(db, clock_, *audit_, cipher_);
    units_ = std::make_unique<UnitService>(db, clock_, *audit_);
    staff_ = std::make_unique<StaffService>(db, clock_, *audit_, cipher_);
    residents_ = std::make_unique<ResidentService>(db, clock_, *audit_, cipher_);
    auto a = party_->CreateOrg(Admin(), NewPartyOrg{tree_.grid_a1.id, std::nullopt,
                                                    PartyOrgKind::kGridBranch, "一网格党支部"});
    auto b = party_->CreateOrg(Admin(), NewPartyOrg{tree_.grid_b1.id, std::nullopt,
                                                    PartyOrgKind::kGridGroup, "西关一网格党小组"});
    ASSERT_TRUE(a.ok() && b.ok());
    branch_a_ = *a;
    branch_b_ = *b;
  }
  std::unique_ptr<PartyService> party_;
  std::unique_ptr<UnitService> units_;
  std::unique_ptr<StaffService> staff_;
  std::unique_ptr<ResidentService> residents_;
  PartyOrg branch_a_, branch_b_;
};

TEST_P(PeopleTest, DualRegistrationMakesMemberVisibleToResidenceCommunity) {
  auto unit = units_->Create(
      Admin(), NewUnit{tree_.county.id, UnitKind::kGovernment, "县住建局", std::nullopt, "", ""});
  ASSERT_TRUE(unit.ok()) << unit.error().message;
  auto member = party_->CreateMember(Admin(), NewPartyMember{"赵六",
                                                             IdNumber(21),
                                                             "13800001111",
                                                             branch_b_.id,
                                                             unit->id,
                                                             std::nullopt,
                                                             std::nullopt,
                                                             {"维修", "电工"},
                                                             false});
  ASSERT_TRUE(member.ok()) << member.error().message;
  Caller secretary_a = As(Role::kCommunitySecretary, tree_.community_a);
  EXPECT_EQ(party_->GetMember(secretary_a, member->id).error().code, core::ErrorCode::kNotFound);
  auto registered = party_->RegisterResidence(Admin(), member->id, tree_.community_a.id);
  ASSERT_TRUE(registered.ok()) << registered.error().message;
  EXPECT_EQ(registered->residence_node_id, tree_.community_a.id);
  EXPECT_TRUE(registered->registered_on.has_value());
  EXPECT_TRUE(party_->GetMember(secretary_a, member->id).ok());
  PartyMemberFilter by_skill;
  by_skill.skill = "电工";
  EXPECT_EQ(party_->ListMembers(secretary_a, by_skill)->items.size(), 1u);
  by_skill.skill = "电";
  EXPECT_EQ(party_->ListMembers(secretary_a, by_skill)->items.size(), 0u);
  EXPECT_EQ(member->phone_masked, "138****1111");
}

TEST_P(PeopleTest, LinksMustExistInsideScope) {
  Caller secretary_a = As(Role::kCommunitySecretary, tree_.community_a);
  auto member = party_->CreateMember(secretary_a, NewPartyMember{"吴十",
                                                                 IdNumber(23),
                                                                 std::nullopt,
                                                                 branch_a_.id,
                                                                 std::nullopt,
                                                                 tree_.community_b.id,
                                                                 std::nullopt,
                                                                 {},
                                                                 false});
  ASSERT_FALSE(member.ok());
  EXPECT_EQ(member.error().field, "residence_node_id");
  auto staff = staff_->Create(Admin(), NewStaff{StaffKind::kBuildingChief,
                                                Employment::kNone,
                                                tree_.building_a1.id,
                                                "楼长",
                                                std::nullopt,
                                                int64_t{987654},
                                                {}});
  ASSERT_FALSE(staff.ok());
  EXPECT_EQ(staff.error().field, "resident_id");
  PartyMemberFilter wildcard;
  wildcard.skill = "%";
  EXPECT_EQ(party_->ListMembers(Admin(), wildcard)->items.size(), 0u);
}

TEST_P(PeopleTest, UnitAdminSeesOnlyTheirUnitsInServiceMembers) {
  auto unit = units_->Create(
      Admin(), NewUnit{tree_.county.id, UnitKind::kGovernment, "县城管局", std::nullopt, "", ""});
  ASSERT_TRUE(unit.ok());
  auto in_service = party_->CreateMember(Admin(), NewPartyMember{"在职",
                                                                 IdNumber(24),
                                                                 std::nullopt,
                                                                 branch_a_.id,
                                                                 unit->id,
                                                                 std::nullopt,
                                                                 std::nullopt,
                                                                 {},
                                                                 false});
  auto other = party_->CreateMember(Admin(), NewPartyMember{"居民党员",
                                                            IdNumber(25),
                                                            std::nullopt,
                                                            branch_a_.id,
                                                            std::nullopt,
                                                            std::nullopt,
                                                            std::nullopt,
                                                            {},
                                                            false});
  ASSERT_TRUE(in_service.ok() && other.ok());
  Caller unit_admin = As(Role::kUnitAdmin, tree_.county);
  unit_admin.unit_id = unit->id;
  auto page = party_->ListMembers(unit_admin, {});
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].id, in_service->id);
  EXPECT_TRUE(party_->GetMember(unit_admin, in_service->id).ok());
  EXPECT_EQ(party_->GetMember(unit_admin, other->id).error().code, core::ErrorCode::kNotFound);
  unit_admin.unit_id = unit->id + 1000;
  EXPECT_TRUE(party_->ListMembers(unit_admin, {})->items.empty());
}

TEST_P(PeopleTest, MemberValidationNamesFields) {
  auto bad_org = party_->CreateMember(Admin(), NewPartyMember{"钱七",
                                                              IdNumber(22),
                                                              std::nullopt,
                                                              987654,
                                                              std::nullopt,
                                                              std::nullopt,
                                                              std::nullopt,
                                                              {},
                                                              false});
  EXPECT_EQ(bad_org.error().field, "party_org_id");
  auto bad_skill = party_->CreateMember(Admin(), NewPartyMember{"钱七",
                                                                IdNumber(22),
                                                                std::nullopt,
                                                                branch_a_.id,
                                                                std::nullopt,
                                                                std::nullopt,
                                                                std::nullopt,
                                                                {"a,b"},
                                                                false});
  EXPECT_EQ(bad_skill.error().field, "skills");
}

TEST_P(PeopleTest, UnitsArePairedAndScopedThroughPairings) {
  auto unit =
      units_->Create(Admin(), NewUnit{tree_.county.id, UnitKind::kPropertyCompany, "安居物业",
                                      std::string("91131022MA0CXXXX0X"), "", ""});
  ASSERT_FALSE(unit.ok());
  EXPECT_EQ(unit.error().field, "credit_code");
  unit = units_->Create(Admin(), NewUnit{tree_.county.id, UnitKind::kPropertyCompany, "安居物业",
                                         std::nullopt, "", "李经理"});
  ASSERT_TRUE(unit.ok());
  Caller secretary_a = As(Role::kCommunitySecretary, tree_.community_a);
  EXPECT_EQ(units_->Get(secretary_a, unit->id).error().code, core::ErrorCode::kNotFound);
  auto paired = units_->Pair(Admin(), unit->id, tree_.community_a.id, std::nullopt);
  ASSERT_TRUE(paired.ok()) << paired.error().message;
  ASSERT_EQ(paired->pairings.size(), 1u);
  EXPECT_TRUE(units_->Get(secretary_a, unit->id).ok());
  ASSERT_TRUE(units_->Pair(Admin(), unit->id, tree_.community_b.id, std::nullopt).ok());
  // Each community sees the unit, but only its own pairing.
  auto seen_by_a = units_->Get(secretary_a, unit->id);
  ASSERT_TRUE(seen_by_a.ok());
  ASSERT_EQ(seen_by_a->pairings.size(), 1u);
  EXPECT_EQ(seen_by_a->pairings[0].node_id, tree_.community_a.id);
  EXPECT_EQ(units_->Get(Admin(), unit->id)->pairings.size(), 2u);
  EXPECT_EQ(units_->Pair(Admin(), unit->id, tree_.community_a.id, std::nullopt).error().code,
            core::ErrorCode::kConflict);
  EXPECT_EQ(units_->Pair(Admin(), unit->id, tree_.grid_a1.id, std::nullopt).error().field,
            "node_id");
  // A unit admin sees only their own unit.
  Caller unit_admin = As(Role::kUnitAdmin, tree_.county);
  unit_admin.unit_id = unit->id + 1000;
  EXPECT_EQ(units_->Get(unit_admin, unit->id).error().code, core::ErrorCode::kNotFound);
  unit_admin.unit_id = unit->id;
  EXPECT_TRUE(units_->Get(unit_admin, unit->id).ok());
}

TEST(CreditCodeTest, ChecksTheMod31Character) {
  EXPECT_TRUE(ValidateCreditCode("91350100M000100Y43", "c").ok());
  EXPECT_FALSE(ValidateCreditCode("91350100M000100Y44", "c").ok());
  EXPECT_FALSE(ValidateCreditCode("91350100M000100Y4", "c").ok());
}

TEST_P(PeopleTest, GridWorkersAreAssignedWithinTheirCommunity) {
  auto worker = staff_->Create(Admin(), NewStaff{StaffKind::kGridWorker,
                                                 Employment::kFullTime,
                                                 tree_.community_a.id,
                                                 "孙八",
                                                 "13911112222",
                                                 std::nullopt,
                                                 {tree_.grid_a1.id}});
  ASSERT_TRUE(worker.ok()) << worker.error().message;
  EXPECT_EQ(worker->grid_ids, std::vector<int64_t>{tree_.grid_a1.id});
  auto wrong = staff_->Assign(Admin(), worker->id, tree_.grid_b1.id);
  EXPECT_EQ(wrong.error().field, "grid_id");
  auto no_employment = staff_->Create(Admin(), NewStaff{StaffKind::kGridWorker,
                                                        Employment::kNone,
                                                        tree_.community_a.id,
                                                        "周九",
                                                        std::nullopt,
                                                        std::nullopt,
                                                        {}});
  EXPECT_EQ(no_employment.error().field, "employment");
  Caller grid2 = As(Role::kGridWorker, tree_.grid_a2);
  EXPECT_EQ(staff_->Get(grid2, worker->id).error().code, core::ErrorCode::kNotFound);
  ASSERT_TRUE(staff_->Assign(Admin(), worker->id, tree_.grid_a2.id).ok());
  EXPECT_TRUE(staff_->Get(grid2, worker->id).ok());
}

TEST_P(PeopleTest, StaffingReportsRatioAndShortfallAgainstNorm) {
  // 1,200 residents would need ceil(1200 × 18 / 10000) = 3 community workers;
  // keep it small: 60 residents need 1.
  for (int i = 0; i < 60; ++i) {
    auto r = residents_->Create(Admin(), NewResident{tree_.building_a1.id, "1-" + std::to_string(i),
                                                     "居民", IdNumber(100 + i), std::nullopt, 0});
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  auto rows = staff_->Staffing(Admin(), tree_.community_a.id);
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].residents, 60);
  EXPECT_EQ((*rows)[0].grids, 2);
  EXPECT_EQ((*rows)[0].required, 1);
  EXPECT_EQ((*rows)[0].shortfall, 1);
  ASSERT_TRUE(staff_
                  ->Create(Admin(), NewStaff{StaffKind::kCommunityWorker,
                                             Employment::kNone,
                                             tree_.community_a.id,
                                             "社工",
                                             std::nullopt,
                                             std::nullopt,
                                             {}})
                  .ok());
  rows = staff_->Staffing(Admin(), std::nullopt);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].shortfall, 0);
  EXPECT_NEAR((*rows)[0].workers_per_10k, 10000.0 / 60.0, 1e-9);
  EXPECT_EQ(
      staff_->Staffing(As(Role::kCommunitySecretary, tree_.community_b), std::nullopt)->size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, PeopleTest, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
