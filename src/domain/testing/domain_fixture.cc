#include "domain/testing/domain_fixture.h"

#include <fmt/format.h>

#include "core/pii.h"
#include "domain/schema.h"

namespace civicgrid::domain::testing {
namespace {

OrgNode MustCreate(OrgTreeService& service, std::optional<int64_t> parent, OrgKind kind,
                   const std::string& code, const std::string& name) {
  auto node = service.Create(nullptr, NewOrgNode{parent, kind, code, name, std::nullopt});
  EXPECT_TRUE(node.ok()) << code << ": " << node.error().message;
  return node.ok() ? *node : OrgNode{};
}

}  // namespace

void DomainFixture::SetUp() {
  test_db_ = store::testing::TestDatabase::Create(GetParam(), {}, &skipped_);
  if (skipped_) GTEST_SKIP() << "PostgreSQL skipped";
  ASSERT_NE(test_db_, nullptr);
  {
    auto conn = test_db_->db().Acquire();
    ASSERT_TRUE(conn.ok());
    auto migrated = store::Migrate(**conn, Migrations());
    ASSERT_TRUE(migrated.ok()) << migrated.error().message;
  }
  audit_ = std::make_unique<AuditLog>(clock_);
  tree_service_ = std::make_unique<OrgTreeService>(test_db_->db(), clock_, *audit_);
  auto& s = *tree_service_;
  SmallTree& t = tree_;
  t.county = MustCreate(s, std::nullopt, OrgKind::kCounty, "131022", "固安县");
  t.street = MustCreate(s, t.county.id, OrgKind::kStreet, "131022001", "城区街道");
  t.community_a = MustCreate(s, t.street.id, OrgKind::kCommunity, "131022001001", "东方街北社区");
  t.community_b = MustCreate(s, t.street.id, OrgKind::kCommunity, "131022001002", "西关社区");
  t.grid_a1 = MustCreate(s, t.community_a.id, OrgKind::kGrid, "131022001001001", "东方街北一网格");
  t.grid_a2 = MustCreate(s, t.community_a.id, OrgKind::kGrid, "131022001001002", "东方街北二网格");
  t.grid_b1 = MustCreate(s, t.community_b.id, OrgKind::kGrid, "131022001002001", "西关一网格");
  t.building_a1 = MustCreate(s, t.grid_a1.id, OrgKind::kBuilding, "131022001001001-01", "1号楼");
  t.building_a2 = MustCreate(s, t.grid_a2.id, OrgKind::kBuilding, "131022001001002-01", "2号楼");
  t.building_b1 = MustCreate(s, t.grid_b1.id, OrgKind::kBuilding, "131022001002001-01", "3号楼");
}

Caller DomainFixture::As(Role role, const OrgNode& node) const {
  Caller c;
  c.account_id = 1000 + static_cast<int64_t>(role);
  c.username = std::string(RoleName(role));
  c.role = role;
  c.scope_node_id = node.id;
  c.scope_path = node.path;
  c.request_id = "test";
  return c;
}

std::string DomainFixture::IdNumber(int serial, int birth_year) {
  std::string first17 = fmt::format("131022{:04}0101{:03}", birth_year, serial % 1000);
  return first17 + core::IdNumberCheckChar(first17);
}

}  // namespace civicgrid::domain::testing
