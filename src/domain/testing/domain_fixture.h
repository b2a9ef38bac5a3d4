// Test fixture for domain services: a fresh migrated database per test on
// the backend under test, a fake clock, a fixed PII key, and a small tree:
//
//   county 131022 ─ street 131022001 ─┬ community A 131022001001 ─┬ grid A1 (building A1-1)
//                                     │                           └ grid A2 (building A2-1)
//                                     └ community B 131022001002 ─── grid B1 (building B1-1)
//
// with one Caller per role scoped like the demo accounts.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "core/crypto.h"
#include "core/time.h"
#include "domain/access/account_service.h"
#include "domain/access/audit_log.h"
#include "domain/registry/org_tree.h"
#include "store/testing/test_db.h"

namespace civicgrid::domain::testing {

struct SmallTree {
  OrgNode county, street, community_a, community_b, grid_a1, grid_a2, grid_b1;
  OrgNode building_a1, building_a2, building_b1;
};

class DomainFixture : public ::testing::TestWithParam<store::Backend> {
 protected:
  void SetUp() override;

  // A caller of `role` scoped to `node`.
  Caller As(Role role, const OrgNode& node) const;
  Caller Admin() const { return As(Role::kCountyAdmin, tree_.county); }
  // A valid ID number with the given serial (distinct serial → distinct number).
  static std::string IdNumber(int serial, int birth_year = 1980);

  std::unique_ptr<store::testing::TestDatabase> test_db_;
  core::FakeClock clock_{1'790'000'000'000};
  core::PiiCipher cipher_ = core::PiiCipher::FromKeys({1, 2, 3}, {4, 5, 6});
  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<OrgTreeService> tree_service_;
  SmallTree tree_;
  bool skipped_ = false;
};

}  // namespace civicgrid::domain::testing
