// The plans of the list pages (issue 12 §1): every statement a list issues for a page, under
// every scope and filter combination, must be an index walk that neither reads a large table
// whole nor sorts the whole result (store/testing/query_plan.h defines both). The services run
// on a StatementRecorder so the SQL checked is the SQL they really send.
#include <algorithm>
#include <string>
#include <vector>

#include "domain/access/audit_query.h"
#include "domain/registry/org_tree.h"
#include "domain/registry/party.h"
#include "domain/registry/residents.h"
#include "domain/registry/service_centers.h"
#include "domain/registry/staff.h"
#include "domain/registry/units.h"
#include "domain/testing/domain_fixture.h"
#include "store/testing/query_plan.h"

namespace civicgrid::domain {
namespace {

using store::testing::Explain;
using store::testing::ExplainOptions;
using store::testing::IsBoundedWalk;
using store::testing::StatementRecorder;
using testing::DomainFixture;

const std::vector<std::string> kLargeTables = {"resident",  "household",    "org_node",
                                               "audit_log", "party_member", "staff"};

class ListPlansTest : public DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    recorder_ = std::make_unique<StatementRecorder>(test_db_->db());
    residents_ = std::make_unique<ResidentService>(recorder_->db(), clock_, *audit_, cipher_);
    int serial = 1;
    for (const OrgNode* b : {&tree_.building_a1, &tree_.building_a2, &tree_.building_b1}) {
      for (int i = 0; i < 4; ++i, ++serial) {
        auto r = residents_->Create(
            Admin(), NewResident{b->id, std::to_string(100 + i), "居民" + std::to_string(serial),
                                 IdNumber(serial), "1380000" + std::to_string(1000 + serial),
                                 i % 2 == 0 ? int64_t{1} : int64_t{0}});
        ASSERT_TRUE(r.ok()) << r.error().message;
      }
    }
    (void)recorder_->Take();
  }

  // Checks the plan of every page statement recorded since the last check.
  void CheckPages(const std::string& what) {
    ExpectBoundedPages(test_db_->db(), recorder_->Take(" LIMIT "), kLargeTables, what);
  }

  std::unique_ptr<StatementRecorder> recorder_;
  std::unique_ptr<ResidentService> residents_;
};

TEST_P(ListPlansTest, ResidentPagesForEveryScopeAndFilter) {
  struct Scope {
    const char* name;
    Role role;
    const OrgNode* node;
  };
  const std::vector<Scope> scopes = {
      {"county admin", Role::kCountyAdmin, &tree_.county},
      {"street", Role::kStreetAdmin, &tree_.street},
      {"community secretary", Role::kCommunitySecretary, &tree_.community_a},
      {"grid worker", Role::kGridWorker, &tree_.grid_a1},
  };
  for (const Scope& s : scopes) {
    for (int f = 0; f < 8; ++f) {
      ResidentFilter filter;
      if (f & 1) filter.flag = 1;
      if (f & 2) filter.phone = "13800001001";
      if (f & 4) filter.id_number = IdNumber(1);
      filter.page.after = 1;
      auto page = residents_->List(As(s.role, *s.node), filter);
      ASSERT_TRUE(page.ok()) << s.name << ": " << page.error().message;
      CheckPages(std::string(s.name) + " filter " + std::to_string(f));
    }
  }
  // A building given as `within`.
  ResidentFilter within;
  within.within = tree_.building_b1.id;
  ASSERT_TRUE(residents_->List(Admin(), within).ok());
  CheckPages("within a building");
}

TEST_P(ListPlansTest, ResidentPagesWalkEveryScopeInIdOrder) {
  // The scope columns give the same residents as the building paths, page by page.
  ResidentFilter filter;
  filter.page.limit = 2;
  std::vector<int64_t> seen;
  for (;;) {
    auto page = residents_->List(As(Role::kCommunitySecretary, tree_.community_a), filter);
    ASSERT_TRUE(page.ok()) << page.error().message;
    for (const auto& r : page->items) seen.push_back(r.id);
    if (!page->next_after) break;
    filter.page.after = *page->next_after;
  }
  EXPECT_EQ(seen.size(), 8u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  ResidentFilter grid;
  EXPECT_EQ(residents_->List(As(Role::kGridWorker, tree_.grid_b1), grid)->items.size(), 4u);
}

TEST_P(ListPlansTest, MovedGridTakesItsResidentsAlong) {
  // Grid A2 (building A2-1, 4 residents) moves from community A to community B.
  auto moved = tree_service_->Update(
      Admin(), tree_.grid_a2.id, OrgNodeChange{std::nullopt, tree_.community_b.id, std::nullopt});
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  ResidentFilter all;
  EXPECT_EQ(residents_->List(As(Role::kCommunitySecretary, tree_.community_a), all)->items.size(),
            4u);
  EXPECT_EQ(residents_->List(As(Role::kCommunitySecretary, tree_.community_b), all)->items.size(),
            8u);
}

TEST_P(ListPlansTest, AuditLogPage) {
  auto conn = recorder_->db().Acquire();
  ASSERT_TRUE(conn.ok());
  auto entries = audit_->List(**conn, 3, 5);
  ASSERT_TRUE(entries.ok()) << entries.error().message;
  CheckPages("audit log");
}

TEST_P(ListPlansTest, AuditLogFilteredPages) {
  auto conn = recorder_->db().Acquire();
  ASSERT_TRUE(conn.ok());
  std::vector<AuditFilter> filters(8);
  filters[1].action = "pii.reveal";
  filters[2].account_id = 1;
  filters[3].subject_type = "resident";
  filters[3].subject_id = 2;
  filters[4].action = "resident.create";
  filters[4].account_id = 1;
  filters[5].subject_type = "resident";
  filters[5].subject_id = 2;
  filters[5].account_id = 1;
  filters[5].action = "pii.reveal";
  filters[6].descending = true;
  filters[7].descending = true;
  filters[7].cursor = 9;
  filters[7].action = "pii.reveal";
  for (AuditFilter& f : filters) {
    f.limit = 5;
    auto entries = ListAudit(**conn, f);
    ASSERT_TRUE(entries.ok()) << entries.error().message;
    // The columns written so that no index is chosen for them still filter.
    for (const AuditEntry& e : *entries) {
      if (f.action) {
        EXPECT_EQ(e.action, *f.action);
      }
      if (f.subject_type) {
        EXPECT_EQ(e.subject_type, *f.subject_type);
      }
      if (f.subject_id) {
        EXPECT_EQ(e.subject_id, *f.subject_id);
      }
      if (f.account_id) {
        EXPECT_EQ(e.account_id, *f.account_id);
      }
    }
  }
  CheckPages("filtered audit log");
  AuditFilter any_create;
  any_create.action = "resident.create";
  any_create.subject_type =
      "resident";  // subject_type without subject_id: a filter, not the driver
  auto created = ListAudit(**conn, any_create);
  ASSERT_TRUE(created.ok()) << created.error().message;
  ASSERT_FALSE(created->empty()) << "the fixture's residents were audited";
  for (const AuditEntry& e : *created) {
    EXPECT_EQ(e.action, "resident.create");
    EXPECT_EQ(e.subject_type, "resident");
  }
}

TEST_P(ListPlansTest, OtherRegistryPages) {
  auto& db = recorder_->db();
  PartyService party(db, clock_, *audit_, cipher_);
  StaffService staff(db, clock_, *audit_, cipher_);
  UnitService units(db, clock_, *audit_);
  ServiceCenterService centers(db, clock_, *audit_);
  OrgTreeService tree(db, clock_, *audit_);
  for (const OrgNode* node : {&tree_.county, &tree_.community_a}) {
    Caller c = As(node == &tree_.county ? Role::kCountyAdmin : Role::kCommunitySecretary, *node);
    std::string at = node == &tree_.county ? "county: " : "community: ";
    ASSERT_TRUE(party.ListOrgs(c, std::nullopt, Page{}).ok());
    CheckPages(at + "party orgs");
    ASSERT_TRUE(party.ListMembers(c, PartyMemberFilter{}).ok());
    CheckPages(at + "party members");
    ASSERT_TRUE(staff.List(c, StaffFilter{}).ok());
    CheckPages(at + "staff");
    ASSERT_TRUE(units.List(c, UnitFilter{}).ok());
    CheckPages(at + "units");
    ASSERT_TRUE(centers.List(c, std::nullopt, Page{}).ok());
    CheckPages(at + "service centres");
    ASSERT_TRUE(tree.List(c, OrgNodeFilter{}).ok());
    CheckPages(at + "org nodes");
    PartyMemberFilter members;
    members.unit_id = 1;
    members.skill = "电工";
    ASSERT_TRUE(party.ListMembers(c, members).ok());
    CheckPages(at + "party members by unit and skill");
    StaffFilter workers;
    workers.kind = StaffKind::kGridWorker;
    ASSERT_TRUE(staff.List(c, workers).ok());
    CheckPages(at + "staff by kind");
    UnitFilter paired;
    paired.paired_with = tree_.community_a.id;
    ASSERT_TRUE(units.List(c, paired).ok());
    CheckPages(at + "units paired with a community");
    OrgNodeFilter children;
    children.parent_id = tree_.community_a.id;
    ASSERT_TRUE(tree.List(c, children).ok());
    CheckPages(at + "org nodes by parent");
    OrgNodeFilter grids;
    grids.kind = OrgKind::kGrid;
    ASSERT_TRUE(tree.List(c, grids).ok());
    CheckPages(at + "org nodes by kind");
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, ListPlansTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
