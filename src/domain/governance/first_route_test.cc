// First routing of tickets (小事业主治、大事物业办、难事社区议, issue 10 §1): a
// category routes a new ticket first to the compound's property company or
// owners' committee, else to the community; the ticket carries the route. On
// both backends, through Submit and through the intake's batch insert.
#include <gtest/gtest.h>

#include "domain/governance/governance_service.h"
#include "domain/registry/grid_locator.h"
#include "domain/registry/residents.h"
#include "domain/registry/units.h"
#include "domain/testing/domain_fixture.h"
#include "domain/tickets/ticket_service.h"

namespace civicgrid::domain {
namespace {

class FirstRouteTest : public testing::DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    if (skipped_ || HasFatalFailure()) return;
    store::Db& db = test_db_->db();
    governance_ = std::make_unique<GovernanceService>(db, clock_, *audit_);
    locator_ = std::make_unique<GridLocator>(db);
    categories_ = std::make_unique<CategoryService>(db, clock_, *audit_);
    ASSERT_TRUE(categories_->SeedDefaults().ok());
    tickets_ =
        std::make_unique<TicketService>(db, clock_, *audit_, cipher_, *locator_, *categories_);
    UnitService units(db, clock_, *audit_);
    ResidentService residents(db, clock_, *audit_, cipher_);
    auto unit = units.Create(Admin(), NewUnit{tree_.county.id, UnitKind::kPropertyCompany,
                                              "安居物业", std::nullopt, "", ""});
    ASSERT_TRUE(unit.ok()) << unit.error().message;
    unit_ = unit->id;
    auto owner = residents.Create(
        Admin(), NewResident{tree_.building_a1.id, "1-101", "张业主", IdNumber(1), std::nullopt});
    ASSERT_TRUE(owner.ok()) << owner.error().message;
    MakeAccounts(owner->id);
    // 幸福家园 (building A1, grid A1): a property company and a committee whose
    // director is the resident above. 自管小区 (building A2, grid A2): neither.
    const OrgNode happy = Compound("131022001001C01", "幸福家园");
    const OrgNode self = Compound("131022001001C02", "自管小区");
    CompoundGovernanceUpdate u;
    u.property_unit_id = unit_;
    u.committee_name = "幸福家园业委会";
    u.members = {NewCommitteeMember{"张业主", CommitteeDuty::kDirector, owner->id}};
    ASSERT_TRUE(governance_->Update(Secretary(), happy.id, u).ok());
    ASSERT_TRUE(governance_->Update(Secretary(), self.id, CompoundGovernanceUpdate{}).ok());
    ASSERT_TRUE(
        governance_->SetBuilding(Secretary(), tree_.building_a1.id, happy.id, std::nullopt).ok());
    ASSERT_TRUE(
        governance_->SetBuilding(Secretary(), tree_.building_a2.id, self.id, std::nullopt).ok());
  }

  OrgNode Compound(const std::string& code, const std::string& name) {
    auto n = tree_service_->Create(
        nullptr, NewOrgNode{tree_.community_a.id, OrgKind::kCompound, code, name, std::nullopt});
    EXPECT_TRUE(n.ok()) << n.error().message;
    return *n;
  }

  // Accounts for the callers (tickets reference them); the resident's is the owner's.
  void MakeAccounts(int64_t owner) {
    auto conn = test_db_->db().Acquire();
    for (Role role : AllRoles()) {
      Caller c = As(role, tree_.county);
      std::optional<int64_t> resident;
      if (role == Role::kResident) resident = owner;
      ASSERT_TRUE((*conn)
                      ->Execute("INSERT INTO account (id, username, display_name, password_hash, "
                                "role, scope_node_id, resident_id, created_at, "
                                "password_changed_at) VALUES ($1, $2, $2, 'x', $3, $4, $5, 0, 0)",
                                {c.account_id, c.username, std::string(RoleName(role)),
                                 tree_.county.id, resident})
                      .ok());
    }
    owner_ = As(Role::kResident, tree_.building_a1);
    owner_.resident_id = owner;
  }

  Caller Secretary() const { return As(Role::kCommunitySecretary, tree_.community_a); }
  Caller Property() const {
    Caller c = As(Role::kUnitAdmin, tree_.county);
    c.unit_id = unit_;
    return c;
  }

  // S-DLY-07 物业服务问题 routed first as `route`.
  int64_t RouteCategory(std::optional<FirstRoute> route) {
    Category c = categories_->GetByCode("S-DLY-07").value();
    c.first_route = route;
    auto updated = categories_->Update(Admin(), c.id, c);
    EXPECT_TRUE(updated.ok()) << updated.error().message;
    return c.id;
  }

  NewTicket At(int64_t category, const OrgNode& grid) {
    NewTicket t;
    t.category_id = category;
    t.kind = TicketKind::kReport;
    t.description = "楼道灯坏了";
    t.node_id = grid.id;
    return t;
  }
  Ticket Submit(int64_t category, const OrgNode& grid) {
    auto r = tickets_->Submit(owner_, At(category, grid));
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.value();
  }

  std::unique_ptr<GovernanceService> governance_;
  std::unique_ptr<GridLocator> locator_;
  std::unique_ptr<CategoryService> categories_;
  std::unique_ptr<TicketService> tickets_;
  Caller owner_;
  int64_t unit_ = 0;
};

TEST_P(FirstRouteTest, PropertyRouteDispatchesToTheCompoundsPropertyCompany) {
  if (skipped_) GTEST_SKIP();
  const int64_t category = RouteCategory(FirstRoute::kProperty);
  EXPECT_EQ(categories_->Get(category)->first_route, FirstRoute::kProperty);
  Ticket t = Submit(category, tree_.grid_a1);
  EXPECT_EQ(t.first_route, FirstRoute::kProperty);
  EXPECT_EQ(t.state, TicketState::kAssigned);
  ASSERT_TRUE(t.assignee);
  EXPECT_EQ(t.assignee->kind, AssigneeKind::kUnit);
  EXPECT_EQ(t.assignee->id, unit_);
  auto events = tickets_->Events(Admin(), t.id).value();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_NE(events[0].data.find("\"first_route\":\"property\""), std::string::npos)
      << events[0].data;
  EXPECT_EQ(events[1].type, TicketEventType::kDispatch);
  EXPECT_EQ(events[1].actor_label, "首办分流");
  // The property company (paired with nothing) sees it among its tasks and works it.
  TicketFilter mine;
  mine.assigned = true;
  auto tasks = tickets_->List(Property(), mine);
  ASSERT_TRUE(tasks.ok()) << tasks.error().message;
  ASSERT_EQ(tasks->items.size(), 1u);
  EXPECT_EQ(tasks->items[0].id, t.id);
  TicketAction start;
  start.type = TicketEventType::kStart;
  auto started = tickets_->Act(Property(), t.id, start);
  ASSERT_TRUE(started.ok()) << started.error().message;
  EXPECT_EQ(started->state, TicketState::kInProgress);
}

TEST_P(FirstRouteTest, ACompoundWithoutThePartyFallsBackToTheCommunity) {
  if (skipped_) GTEST_SKIP();
  const int64_t category = RouteCategory(FirstRoute::kProperty);
  // Grid A2's compound manages itself: no property company.
  Ticket t = Submit(category, tree_.grid_a2);
  EXPECT_EQ(t.first_route, FirstRoute::kCommunity);
  EXPECT_EQ(t.state, TicketState::kSubmitted);
  EXPECT_FALSE(t.assignee);
  auto events = tickets_->Events(Admin(), t.id).value();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].data.find("\"first_route_wanted\":\"property\""), std::string::npos)
      << events[0].data;
  // Grid B1 has no compound at all; the committee route falls back the same way.
  RouteCategory(FirstRoute::kCommittee);
  Ticket none = Submit(category, tree_.grid_b1);
  EXPECT_EQ(none.first_route, FirstRoute::kCommunity);
  EXPECT_FALSE(none.assignee);
  Ticket self = Submit(category, tree_.grid_a2);  // a compound without a committee
  EXPECT_EQ(self.first_route, FirstRoute::kCommunity);
  EXPECT_FALSE(self.assignee);
}

TEST_P(FirstRouteTest, CommitteeRouteGoesToTheCommitteeMembersAccount) {
  if (skipped_) GTEST_SKIP();
  const int64_t category = RouteCategory(FirstRoute::kCommittee);
  // Filed by the community secretary, so the owner sees it only as the assignee.
  NewTicket in = At(category, tree_.grid_a1);
  in.channel = TicketChannel::kPatrol;
  in.kind = TicketKind::kPatrol;
  auto filed = tickets_->Submit(Secretary(), in);
  ASSERT_TRUE(filed.ok()) << filed.error().message;
  EXPECT_EQ(filed->first_route, FirstRoute::kCommittee);
  ASSERT_TRUE(filed->assignee);
  EXPECT_EQ(filed->assignee->kind, AssigneeKind::kAccount);
  EXPECT_EQ(filed->assignee->id, owner_.account_id);
  auto seen = tickets_->Get(owner_, filed->id);
  ASSERT_TRUE(seen.ok()) << seen.error().message;
  TicketAction start;
  start.type = TicketEventType::kStart;
  EXPECT_TRUE(tickets_->Act(owner_, filed->id, start).ok());
  // A resident who is on no committee is no dispatch target.
  TicketAction dispatch;
  dispatch.type = TicketEventType::kDispatch;
  dispatch.assignee =
      Assignee{AssigneeKind::kAccount, As(Role::kPartyMember, tree_.county).account_id, ""};
  Ticket other = Submit(RouteCategory(std::nullopt), tree_.grid_a1);
  EXPECT_FALSE(other.first_route);
  auto refused = tickets_->Act(Secretary(), other.id, dispatch);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "assignee.id");
}

TEST_P(FirstRouteTest, TheBatchInsertRoutesAndTheListFilters) {
  if (skipped_) GTEST_SKIP();
  const int64_t category = RouteCategory(FirstRoute::kProperty);
  auto a1 = tickets_->Prepare(owner_, At(category, tree_.grid_a1));
  auto a2 = tickets_->Prepare(owner_, At(category, tree_.grid_a2));
  ASSERT_TRUE(a1.ok() && a2.ok());
  auto conn = test_db_->db().Acquire();
  ASSERT_TRUE(conn.ok());
  auto tx = store::Transaction::Begin(**conn);
  ASSERT_TRUE(tx.ok());
  auto results = tickets_->InsertBatch(**conn, {{&owner_, &*a1}, {&owner_, &*a2}});
  ASSERT_TRUE(results.ok()) << results.error().message;
  ASSERT_TRUE(tx->Commit().ok());
  ASSERT_EQ(results->size(), 2u);
  ASSERT_TRUE((*results)[0].ok() && (*results)[1].ok());
  EXPECT_EQ((*results)[0]->ticket.state, TicketState::kAssigned);
  EXPECT_TRUE((*results)[0]->routed);
  EXPECT_EQ((*results)[1]->ticket.state, TicketState::kSubmitted);
  EXPECT_FALSE((*results)[1]->routed);
  TicketFilter f;
  f.first_route = FirstRoute::kProperty;
  auto page = tickets_->List(Secretary(), f);
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].id, (*results)[0]->ticket.id);
  f.first_route = FirstRoute::kCommunity;
  ASSERT_EQ(tickets_->List(Secretary(), f)->items.size(), 1u);
  EXPECT_EQ(ParseFirstRoute("owners", "first_route").error().field, "first_route");
}

INSTANTIATE_TEST_SUITE_P(Backends, FirstRouteTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
