// The registry services behind routes no test reached: StaffService::Get,
// Assign and Unassign, ResidentService::Delete, UnitService::Unpair and
// Importer::ImportPartyMembers. Each: what success writes (rows and the audit
// entry), and that every refusal (permission, scope, state) writes nothing.
#include "domain/registry/importer.h"
#include "domain/registry/party.h"
#include "domain/registry/residents.h"
#include "domain/registry/staff.h"
#include "domain/registry/units.h"
#include "domain/testing/domain_fixture.h"

namespace civicgrid::domain {
namespace {

using testing::DomainFixture;

class RegistryChangesTest : public DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto& db = test_db_->db();
    residents_ = std::make_unique<ResidentService>(db, clock_, *audit_, cipher_);
    party_ = std::make_unique<PartyService>(db, clock_, *audit_, cipher_);
    units_ = std::make_unique<UnitService>(db, clock_, *audit_);
    staff_ = std::make_unique<StaffService>(db, clock_, *audit_, cipher_);
    importer_ = std::make_unique<Importer>(db, clock_, *audit_, *residents_, *party_, *units_,
                                           *tree_service_);
  }

  int64_t CountRows(const std::string& table) {
    auto conn = test_db_->db().Acquire();
    return *(*conn)->QueryInt("SELECT COUNT(*) FROM " + table);
  }
  // Rows of the tables these services write, and the audit log.
  std::vector<int64_t> Counts() {
    std::vector<int64_t> out;
    for (const char* t : {"audit_log", "staff", "grid_assignment", "resident", "unit_pairing",
                          "party_member", "party_org"}) {
      out.push_back(CountRows(t));
    }
    return out;
  }
  struct LastEntry {
    std::string action, subject_type, detail;
    int64_t subject_id = 0, account_id = 0;
  };
  LastEntry LastAudit() {
    auto conn = test_db_->db().Acquire();
    auto row = (*conn)->QueryOne(
        "SELECT action, subject_type, detail, subject_id, account_id FROM audit_log ORDER BY seq "
        "DESC LIMIT 1");
    EXPECT_TRUE(row.ok());
    if (!row.ok()) return {};
    return {row->Text(0), row->Text(1), row->Text(2), row->Int(3), row->Int(4)};
  }
  Staff GridWorker(std::vector<int64_t> grids, const OrgNode& community) {
    NewStaff s;
    s.kind = StaffKind::kGridWorker;
    s.employment = Employment::kPartTime;
    s.node_id = community.id;
    s.name = "网格员";
    s.phone = "13600001234";
    s.grid_ids = std::move(grids);
    auto created = staff_->Create(Admin(), s);
    EXPECT_TRUE(created.ok()) << created.error().message;
    return created.ok() ? *created : Staff{};
  }

  std::unique_ptr<ResidentService> residents_;
  std::unique_ptr<PartyService> party_;
  std::unique_ptr<UnitService> units_;
  std::unique_ptr<StaffService> staff_;
  std::unique_ptr<Importer> importer_;
};

TEST_P(RegistryChangesTest, StaffGetIsScopedByNodeOrAssignedGrid) {
  Staff s = GridWorker({tree_.grid_a1.id}, tree_.community_a);
  auto got = staff_->Get(As(Role::kCommunitySecretary, tree_.community_a), s.id);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->name, "网格员");
  EXPECT_EQ(got->phone_masked, "136****1234");
  EXPECT_EQ(got->grid_ids, std::vector<int64_t>{tree_.grid_a1.id});
  EXPECT_EQ(got->employment, Employment::kPartTime);
  // Seen through the assigned grid (the staff's node is the community).
  EXPECT_TRUE(staff_->Get(As(Role::kGridWorker, tree_.grid_a1), s.id).ok());
  EXPECT_EQ(staff_->Get(As(Role::kGridWorker, tree_.grid_a2), s.id).error().code,
            core::ErrorCode::kNotFound);
  EXPECT_EQ(staff_->Get(As(Role::kCommunitySecretary, tree_.community_b), s.id).error().code,
            core::ErrorCode::kNotFound);
  EXPECT_EQ(staff_->Get(As(Role::kUnitAdmin, tree_.county), s.id).error().code,
            core::ErrorCode::kForbidden);
  EXPECT_EQ(staff_->Get(Admin(), s.id + 100).error().code, core::ErrorCode::kNotFound);
}

TEST_P(RegistryChangesTest, AssignAddsAGridOfTheStaffsCommunityAndAuditsIt) {
  Staff s = GridWorker({tree_.grid_a1.id}, tree_.community_a);
  const Caller secretary = As(Role::kCommunitySecretary, tree_.community_a);
  auto assigned = staff_->Assign(secretary, s.id, tree_.grid_a2.id);
  ASSERT_TRUE(assigned.ok()) << assigned.error().message;
  EXPECT_EQ(assigned->grid_ids, (std::vector<int64_t>{tree_.grid_a1.id, tree_.grid_a2.id}));
  LastEntry audit = LastAudit();
  EXPECT_EQ(audit.action, "staff.assign");
  EXPECT_EQ(audit.subject_type, "staff");
  EXPECT_EQ(audit.subject_id, s.id);
  EXPECT_EQ(audit.detail, std::to_string(tree_.grid_a2.id));
  EXPECT_EQ(audit.account_id, secretary.account_id);

  const std::vector<int64_t> before = Counts();
  auto again = staff_->Assign(secretary, s.id, tree_.grid_a2.id);
  EXPECT_EQ(again.error().code, core::ErrorCode::kConflict);
  auto other_community = staff_->Assign(Admin(), s.id, tree_.grid_b1.id);
  EXPECT_EQ(other_community.error().code, core::ErrorCode::kInvalid);
  EXPECT_EQ(other_community.error().field, "grid_id");
  auto not_a_grid = staff_->Assign(Admin(), s.id, tree_.building_a1.id);
  EXPECT_EQ(not_a_grid.error().field, "grid_id");
  EXPECT_EQ(
      staff_->Assign(As(Role::kStreetAdmin, tree_.street), s.id, tree_.grid_a1.id).error().code,
      core::ErrorCode::kForbidden);  // reads people, does not write them
  EXPECT_EQ(
      staff_->Assign(As(Role::kGridWorker, tree_.grid_b1), s.id, tree_.grid_b1.id).error().code,
      core::ErrorCode::kNotFound);
  EXPECT_EQ(Counts(), before);
  NewStaff worker{StaffKind::kCommunityWorker,
                  Employment::kNone,
                  tree_.community_a.id,
                  "社工",
                  std::nullopt,
                  std::nullopt,
                  {}};
  auto community_worker = staff_->Create(Admin(), worker);
  ASSERT_TRUE(community_worker.ok());
  const std::vector<int64_t> with_worker = Counts();
  auto no_grids = staff_->Assign(Admin(), community_worker->id, tree_.grid_a1.id);
  EXPECT_EQ(no_grids.error().field, "staff_id");
  EXPECT_EQ(Counts(), with_worker);
}

TEST_P(RegistryChangesTest, UnassignRemovesOneGridAndAuditsIt) {
  Staff s = GridWorker({tree_.grid_a1.id, tree_.grid_a2.id}, tree_.community_a);
  const std::vector<int64_t> before = Counts();
  EXPECT_EQ(
      staff_->Unassign(As(Role::kStreetAdmin, tree_.street), s.id, tree_.grid_a1.id).error().code,
      core::ErrorCode::kForbidden);
  EXPECT_EQ(
      staff_->Unassign(As(Role::kGridWorker, tree_.grid_b1), s.id, tree_.grid_a1.id).error().code,
      core::ErrorCode::kNotFound);
  EXPECT_EQ(staff_->Unassign(Admin(), s.id, tree_.grid_b1.id).error().code,
            core::ErrorCode::kInvalid);
  EXPECT_EQ(Counts(), before);
  const Caller worker = As(Role::kCommunityWorker, tree_.community_a);
  ASSERT_TRUE(staff_->Unassign(worker, s.id, tree_.grid_a1.id).ok());
  EXPECT_EQ(staff_->Get(Admin(), s.id)->grid_ids, std::vector<int64_t>{tree_.grid_a2.id});
  LastEntry audit = LastAudit();
  EXPECT_EQ(audit.action, "staff.unassign");
  EXPECT_EQ(audit.subject_id, s.id);
  EXPECT_EQ(audit.detail, std::to_string(tree_.grid_a1.id));
  EXPECT_EQ(audit.account_id, worker.account_id);
  const std::vector<int64_t> after = Counts();
  EXPECT_EQ(staff_->Unassign(worker, s.id, tree_.grid_a1.id).error().code,
            core::ErrorCode::kNotFound);
  EXPECT_EQ(Counts(), after);
}

TEST_P(RegistryChangesTest, DeleteResidentAuditsTheMaskedNumberAndRefusesWhenReferenced) {
  auto r = residents_->Create(
      Admin(), NewResident{tree_.building_a1.id, "1-101", "张三", IdNumber(41), "13811112222", 0});
  ASSERT_TRUE(r.ok()) << r.error().message;
  const std::vector<int64_t> before = Counts();
  EXPECT_EQ(residents_->Delete(As(Role::kStreetAdmin, tree_.street), r->id).error().code,
            core::ErrorCode::kForbidden);
  EXPECT_EQ(residents_->Delete(As(Role::kGridWorker, tree_.grid_b1), r->id).error().code,
            core::ErrorCode::kNotFound);
  EXPECT_EQ(residents_->Delete(As(Role::kResident, tree_.building_a1), r->id).error().code,
            core::ErrorCode::kForbidden);
  EXPECT_EQ(Counts(), before);
  const Caller grid = As(Role::kGridWorker, tree_.grid_a1);
  ASSERT_TRUE(residents_->Delete(grid, r->id).ok());
  EXPECT_EQ(CountRows("resident"), before[3] - 1);
  LastEntry audit = LastAudit();
  EXPECT_EQ(audit.action, "resident.delete");
  EXPECT_EQ(audit.subject_id, r->id);
  EXPECT_EQ(audit.detail, r->id_number_masked);
  EXPECT_EQ(audit.detail.find(IdNumber(41)), std::string::npos);
  EXPECT_EQ(residents_->Get(Admin(), r->id).error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(residents_->Delete(grid, r->id).error().code, core::ErrorCode::kNotFound);
  // A building chief's resident record stays.
  auto chief = residents_->Create(
      Admin(), NewResident{tree_.building_a1.id, "1-102", "李四", IdNumber(42), std::nullopt, 0});
  ASSERT_TRUE(chief.ok());
  NewStaff s{StaffKind::kBuildingChief,
             Employment::kNone,
             tree_.building_a1.id,
             "李四",
             std::nullopt,
             chief->id,
             {}};
  ASSERT_TRUE(staff_->Create(Admin(), s).ok());
  const std::vector<int64_t> referenced = Counts();
  EXPECT_EQ(residents_->Delete(Admin(), chief->id).error().code, core::ErrorCode::kConflict);
  EXPECT_EQ(Counts(), referenced);
}

TEST_P(RegistryChangesTest, UnpairRemovesThePairingInsideScopeAndAuditsIt) {
  auto unit = units_->Create(
      Admin(), NewUnit{tree_.county.id, UnitKind::kGovernment, "县民政局", std::nullopt, "", ""});
  ASSERT_TRUE(unit.ok());
  ASSERT_TRUE(units_->Pair(Admin(), unit->id, tree_.community_a.id, std::nullopt).ok());
  ASSERT_TRUE(units_->Pair(Admin(), unit->id, tree_.community_b.id, std::nullopt).ok());
  const std::vector<int64_t> before = Counts();
  EXPECT_EQ(
      units_
          ->Unpair(As(Role::kCommunitySecretary, tree_.community_a), unit->id, tree_.community_a.id)
          .error()
          .code,
      core::ErrorCode::kForbidden);
  EXPECT_EQ(units_->Unpair(Admin(), unit->id, tree_.grid_a1.id).error().code,
            core::ErrorCode::kNotFound);  // not paired with that node
  EXPECT_EQ(Counts(), before);
  const Caller street = As(Role::kStreetAdmin, tree_.street);
  ASSERT_TRUE(units_->Unpair(street, unit->id, tree_.community_a.id).ok());
  auto after = units_->Get(Admin(), unit->id);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->pairings.size(), 1u);
  EXPECT_EQ(after->pairings[0].node_id, tree_.community_b.id);
  LastEntry audit = LastAudit();
  EXPECT_EQ(audit.action, "unit.unpair");
  EXPECT_EQ(audit.subject_type, "unit");
  EXPECT_EQ(audit.subject_id, unit->id);
  EXPECT_EQ(audit.detail, std::to_string(tree_.community_a.id));
  EXPECT_EQ(audit.account_id, street.account_id);
  const std::vector<int64_t> unpaired = Counts();
  EXPECT_EQ(units_->Unpair(street, unit->id, tree_.community_a.id).error().code,
            core::ErrorCode::kNotFound);
  EXPECT_EQ(Counts(), unpaired);
}

TEST_P(RegistryChangesTest, ImportPartyMembersWritesAllRowsOrNone) {
  auto branch = party_->CreateOrg(Admin(), NewPartyOrg{tree_.grid_a1.id, std::nullopt,
                                                       PartyOrgKind::kGridBranch, "一网格党支部"});
  ASSERT_TRUE(branch.ok());
  const std::string org = std::to_string(branch->id);
  const std::string good =
      "姓名,身份证号,手机号,党组织编号,报到社区编码,技能,流动党员\n"
      "党员甲," +
      IdNumber(51) + ",13900000051," + org + "," + tree_.community_a.code + ",维修;电工,是\n" +
      "党员乙," + IdNumber(52) + ",," + org + ",,,\n";
  const Caller secretary = As(Role::kCommunitySecretary, tree_.community_a);
  const std::vector<int64_t> before = Counts();
  // No permission; an organisation outside the caller's scope; one bad row.
  EXPECT_EQ(
      importer_->ImportPartyMembers(As(Role::kStreetAdmin, tree_.street), good, {}).error().code,
      core::ErrorCode::kForbidden);
  auto outside = importer_->ImportPartyMembers(As(Role::kGridWorker, tree_.grid_b1), good, {});
  ASSERT_TRUE(outside.ok());
  EXPECT_FALSE(outside->ok());
  EXPECT_EQ(outside->inserted, 0);
  auto bad = importer_->ImportPartyMembers(
      secretary, good + "党员丙," + IdNumber(53) + ",," + org + ",999999999999,,\n", {});
  ASSERT_TRUE(bad.ok());
  ASSERT_EQ(bad->issues.size(), 1u);
  EXPECT_EQ(bad->issues[0].field, "line 4.residence_code");
  EXPECT_EQ(bad->inserted, 0);
  EXPECT_EQ(Counts(), before);

  auto report = importer_->ImportPartyMembers(secretary, good, {});
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_TRUE(report->ok()) << report->issues[0].message;
  EXPECT_EQ(report->rows, 2);
  EXPECT_EQ(report->inserted, 2);
  EXPECT_EQ(CountRows("party_member"), before[5] + 2);
  LastEntry audit = LastAudit();
  EXPECT_EQ(audit.action, "import.party_members");
  EXPECT_EQ(audit.detail, "2 rows");
  EXPECT_EQ(audit.account_id, secretary.account_id);
  PartyMemberFilter filter;
  filter.skill = "电工";
  auto found = party_->ListMembers(secretary, filter);
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found->items.size(), 1u);
  EXPECT_EQ(found->items[0].name, "党员甲");
  EXPECT_EQ(found->items[0].residence_node_id, tree_.community_a.id);
  EXPECT_TRUE(found->items[0].mobile);
  EXPECT_EQ(found->items[0].phone_masked, "139****0051");
  // The same file again: every row a duplicate, nothing written.
  const std::vector<int64_t> imported = Counts();
  auto again = importer_->ImportPartyMembers(secretary, good, {});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->ok());
  EXPECT_EQ(again->inserted, 0);
  EXPECT_EQ(Counts(), imported);
}

INSTANTIATE_TEST_SUITE_P(Backends, RegistryChangesTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
