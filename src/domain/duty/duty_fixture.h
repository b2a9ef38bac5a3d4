// The duty tests' fixture: the small tree, branches in both communities, a
// unit paired with community A, and helpers for members and their callers.
#pragma once

#include <memory>
#include <string>

#include "domain/duty/activity_service.h"
#include "domain/duty/dual_registration.h"
#include "domain/registry/party.h"
#include "domain/registry/units.h"
#include "domain/testing/domain_fixture.h"

namespace civicgrid::domain::testing {

class DutyFixture : public DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto& db = test_db_->db();
    party_ = std::make_unique<PartyService>(db, clock_, *audit_, cipher_);
    units_ = std::make_unique<UnitService>(db, clock_, *audit_);
    duty_ = std::make_unique<DualRegistrationService>(db, clock_, *audit_);
    activities_ = std::make_unique<ActivityService>(db, clock_, *audit_, cipher_);
    auto a = party_->CreateOrg(Admin(), NewPartyOrg{tree_.grid_a1.id, std::nullopt,
                                                    PartyOrgKind::kGridBranch, "一网格党支部"});
    auto b = party_->CreateOrg(Admin(), NewPartyOrg{tree_.grid_b1.id, std::nullopt,
                                                    PartyOrgKind::kGridBranch, "西关网格党支部"});
    ASSERT_TRUE(a.ok() && b.ok());
    branch_a_ = a->id;
    branch_b_ = b->id;
    auto unit = units_->Create(
        Admin(), NewUnit{tree_.county.id, UnitKind::kGovernment, "县住建局", std::nullopt, "", ""});
    ASSERT_TRUE(unit.ok());
    unit_id_ = unit->id;
    ASSERT_TRUE(units_->Pair(Admin(), unit_id_, tree_.community_a.id, std::nullopt).ok());
  }

  // A party member of `branch` (in service at `unit` when given).
  int64_t Member(const std::string& name, int64_t branch, std::optional<int64_t> unit = {}) {
    auto m = party_->CreateMember(Admin(), NewPartyMember{name,
                                                          IdNumber(++serial_),
                                                          std::nullopt,
                                                          branch,
                                                          unit,
                                                          std::nullopt,
                                                          std::nullopt,
                                                          {},
                                                          false});
    EXPECT_TRUE(m.ok()) << m.error().message;
    return m.ok() ? m->id : 0;
  }
  Caller AsMember(int64_t member_id, const OrgNode& node) const {
    Caller c = As(Role::kPartyMember, node);
    c.party_member_id = member_id;
    c.account_id = 1000 + member_id;
    return c;
  }
  Caller UnitAdmin() const {
    Caller c = As(Role::kUnitAdmin, tree_.county);
    c.unit_id = unit_id_;
    return c;
  }
  Caller SecretaryA() const { return As(Role::kCommunitySecretary, tree_.community_a); }
  Caller SecretaryB() const { return As(Role::kCommunitySecretary, tree_.community_b); }
  int64_t Skill(const std::string& name) {
    auto s = duty_->CreateSkill(Admin(), name);
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? s->id : 0;
  }
  NewDualRegistration Request(int64_t member, int64_t community, std::vector<int64_t> skills) {
    return NewDualRegistration{member,
                               community,
                               std::move(skills),
                               {{6, 390, 480}, {3, 1140, 1260}},
                               "本人自愿到居住地社区报到，积极参加志愿服务。",
                               "2026-09-20"};
  }

  std::unique_ptr<PartyService> party_;
  std::unique_ptr<UnitService> units_;
  std::unique_ptr<DualRegistrationService> duty_;
  std::unique_ptr<ActivityService> activities_;
  int64_t branch_a_ = 0, branch_b_ = 0, unit_id_ = 0;
  int serial_ = 0;
};

}  // namespace civicgrid::domain::testing
