// 民情台账: a plan lists exactly the households due (weekly, twice a week for
// an elder living alone, campaign households); a visit updates the flags and
// raises exactly one ticket; a retry under the same client key records
// nothing new; bad input is refused naming the field and changes nothing;
// notes are sealed and revealed with an audit entry; scope; the "not seen
// longest" walk and coverage — on both backends.
#include "domain/visits/visit_service.h"

#include <gtest/gtest.h>

#include "domain/registry/grid_locator.h"
#include "domain/registry/residents.h"
#include "domain/testing/domain_fixture.h"
#include "domain/tickets/categories.h"
#include "store/testing/query_plan.h"

namespace civicgrid::domain {
namespace {

constexpr int64_t kDay = core::kMsPerDay;
// Monday 2026-12-07, 10:00 in Beijing.
const int64_t kMonday =
    core::DaysFromCivil({2026, 12, 7}) * kDay + 10 * core::kMsPerHour - core::kShanghaiOffsetMs;

TEST(VisitRulesTest, WeeksStartOnMondayInShanghai) {
  const int64_t monday0 = core::DaysFromCivil({2026, 12, 7}) * kDay - core::kShanghaiOffsetMs;
  EXPECT_EQ(WeekStartMs(kMonday), monday0);
  EXPECT_EQ(WeekStartMs(kMonday + 6 * kDay), monday0);  // Sunday
  EXPECT_EQ(WeekStartMs(kMonday + 7 * kDay), monday0 + 7 * kDay);
  EXPECT_EQ(MonthStartMs(kMonday),
            core::DaysFromCivil({2026, 12, 1}) * kDay - core::kShanghaiOffsetMs);
}

TEST(VisitRulesTest, ElderAloneTwiceAWeekAtLeastThreeDaysApart) {
  VisitRules rules;
  const int64_t elder = static_cast<int64_t>(HouseholdFlag::kElderAlone);
  EXPECT_TRUE(DueByRule(rules, elder, {}, kMonday));
  EXPECT_FALSE(DueByRule(rules, elder, {kMonday}, kMonday));
  EXPECT_FALSE(DueByRule(rules, elder, {kMonday}, kMonday + 2 * kDay));
  EXPECT_TRUE(DueByRule(rules, elder, {kMonday}, kMonday + 3 * kDay));
  EXPECT_FALSE(DueByRule(rules, elder, {kMonday, kMonday + 3 * kDay}, kMonday + 4 * kDay));
  EXPECT_FALSE(DueByRule(rules, 0, {kMonday}, kMonday + 4 * kDay));
  // Last week's visits do not count this week.
  EXPECT_TRUE(DueByRule(rules, 0, {kMonday - kDay}, kMonday));
}

class VisitTest : public testing::DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    if (skipped_) return;
    clock_.Set(kMonday);
    locator_ = std::make_unique<GridLocator>(test_db_->db());
    categories_ = std::make_unique<CategoryService>(test_db_->db(), clock_, *audit_);
    ASSERT_TRUE(categories_->SeedDefaults().ok());
    tickets_ = std::make_unique<TicketService>(test_db_->db(), clock_, *audit_, cipher_, *locator_,
                                               *categories_);
    visits_ = std::make_unique<VisitService>(test_db_->db(), clock_, *audit_, cipher_, *tickets_);
    residents_ = std::make_unique<ResidentService>(test_db_->db(), clock_, *audit_, cipher_);
    auto conn = test_db_->db().Acquire();
    for (Role role : AllRoles()) {
      Caller c = As(role, tree_.county);
      ASSERT_TRUE((*conn)
                      ->Execute("INSERT INTO account (id, username, display_name, password_hash, "
                                "role, scope_node_id, created_at, password_changed_at) VALUES "
                                "($1, $2, $2, 'x', $3, $4, 0, 0)",
                                {c.account_id, c.username, std::string(RoleName(role)),
                                 role == Role::kGridWorker ? tree_.grid_a1.id : tree_.county.id})
                      .ok());
    }
    category_ = categories_->GetByCode("E01.01").value().id;
  }

  Caller Grid1() const { return As(Role::kGridWorker, tree_.grid_a1); }
  Caller SecretaryA() const { return As(Role::kCommunitySecretary, tree_.community_a); }

  // A household (one resident) in `building`; returns the household id.
  int64_t Household(const OrgNode& building, int serial, int64_t flags = 0) {
    NewResident r;
    r.building_id = building.id;
    r.room = "1-" + std::to_string(100 + serial);
    r.name = "住户" + std::to_string(serial);
    r.id_number = IdNumber(serial, 1950);
    r.flags = flags;
    auto out = residents_->Create(Admin(), r);
    EXPECT_TRUE(out.ok()) << out.error().message;
    return out.ok() ? out->household_id.value_or(0) : 0;
  }

  Visit Record(const Caller& who, const NewVisit& v) {
    auto out = visits_->Record(who, v);
    EXPECT_TRUE(out.ok()) << out.error().message << " " << out.error().field;
    return out.ok() ? *out : Visit{};
  }

  std::vector<int64_t> Due(const Caller& who, std::optional<std::string> date = std::nullopt) {
    auto plan = visits_->Plan(who, std::nullopt, date);
    EXPECT_TRUE(plan.ok()) << plan.error().message;
    std::vector<int64_t> ids;
    if (plan.ok()) {
      for (const auto& i : plan->items) ids.push_back(i.household_id);
      std::sort(ids.begin(), ids.end());
    }
    return ids;
  }

  int64_t Count(const std::string& sql) {
    auto conn = test_db_->db().Acquire();
    return (*conn)->QueryInt(sql).value();
  }

  std::unique_ptr<GridLocator> locator_;
  std::unique_ptr<CategoryService> categories_;
  std::unique_ptr<TicketService> tickets_;
  std::unique_ptr<VisitService> visits_;
  std::unique_ptr<ResidentService> residents_;
  int64_t category_ = 0;
};

TEST_P(VisitTest, APlanListsExactlyTheHouseholdsDue) {
  const int64_t plain = Household(tree_.building_a1, 1);
  const int64_t elder = Household(tree_.building_a1, 2, 1);  // elder living alone
  const int64_t seen = Household(tree_.building_a1, 3);
  Household(tree_.building_a2, 4);  // another grid: not in grid 1's plan
  NewVisit v;
  v.household_id = seen;
  Record(Grid1(), v);
  v.household_id = elder;
  Record(Grid1(), v);
  // Monday: the plain household; the elder was seen today, the other is done for the week.
  EXPECT_EQ(Due(Grid1()), (std::vector<int64_t>{plain}));
  // Thursday: the elder's second visit of the week falls due.
  EXPECT_EQ(Due(Grid1(), "2026-12-10"), (std::vector<int64_t>{plain, elder}));
  clock_.Set(kMonday + 3 * kDay);
  Record(Grid1(), v);
  EXPECT_EQ(Due(Grid1()), (std::vector<int64_t>{plain}));
  // Next Monday everyone is due again.
  EXPECT_EQ(Due(Grid1(), "2026-12-14"), (std::vector<int64_t>{plain, elder, seen}));
  auto plan = visits_->Plan(Grid1(), std::nullopt, std::string("2026-12-14"));
  ASSERT_TRUE(plan.ok());
  for (const auto& item : plan->items) {
    if (item.household_id != elder) continue;
    EXPECT_EQ(item.required, 2);
    EXPECT_EQ(item.reasons, (std::vector<std::string>{"weekly", "elder_alone"}));
  }
  // The secretary's plan covers the community's two grids.
  EXPECT_EQ(Due(SecretaryA()).size(), 2u);
}

TEST_P(VisitTest, ACampaignHouseholdIsDueForItsVisitorUntilVisitedInTheWindow) {
  const int64_t a = Household(tree_.building_a1, 1);
  NewVisit v;
  v.household_id = a;
  Record(Grid1(), v);  // seen this week already
  NewCampaign c;
  c.name = "千户访·十二月";
  c.node_id = tree_.community_a.id;
  c.starts_on = "2026-12-08";
  c.ends_on = "2026-12-20";
  c.assignments.push_back({Grid1().account_id, "", {a}, 0});
  auto created = visits_->CreateCampaign(SecretaryA(), c);
  ASSERT_TRUE(created.ok()) << created.error().message << " " << created.error().field;
  EXPECT_EQ(created->households, 1);
  EXPECT_TRUE(Due(Grid1()).empty());  // the window has not begun
  clock_.Set(kMonday + kDay);
  EXPECT_EQ(Due(Grid1()), (std::vector<int64_t>{a}));
  v.campaign_id = created->id;
  Record(Grid1(), v);
  EXPECT_TRUE(Due(Grid1()).empty());
  auto list = visits_->Campaigns(SecretaryA(), Page{});
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->items.size(), 1u);
  EXPECT_EQ(list->items[0].visited, 1);
  // A household outside the visitor's reach is refused by name.
  c.assignments[0].household_ids = {Household(tree_.building_a2, 2)};
  auto refused = visits_->CreateCampaign(SecretaryA(), c);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "assignments[0].household_ids[0]");
}

TEST_P(VisitTest, AVisitUpdatesTheFlagsAndRaisesExactlyOneTicketOncePerClientKey) {
  const int64_t h = Household(tree_.building_a1, 1);
  NewVisit v;
  v.household_id = h;
  v.needs = {"care", "repair"};
  v.risks = {"fall"};
  v.flags = std::vector<std::string>{"elder_alone", "senior_talent"};
  v.note = "张大爷独居，腿脚不便，家中水管漏水";
  v.ticket = NewVisitTicket{category_, "水管漏水，请物业上门维修"};
  v.client_key = "phone-1-visit-1";
  Visit first = Record(Grid1(), v);
  EXPECT_EQ(first.flags_before, 0);
  EXPECT_EQ(first.flags_after, 1 | 64);
  ASSERT_TRUE(first.ticket_id.has_value());
  EXPECT_FALSE(first.replayed);
  auto ticket = tickets_->Get(SecretaryA(), *first.ticket_id);
  ASSERT_TRUE(ticket.ok());
  EXPECT_EQ(ticket->node_id, tree_.grid_a1.id);
  EXPECT_EQ(ticket->channel, TicketChannel::kPatrol);
  // The retry of an offline phone: the same visit, no second ticket.
  Visit again = Record(Grid1(), v);
  EXPECT_EQ(again.id, first.id);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.ticket_id, first.ticket_id);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM visit"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ticket"), 1);
  // The same key with other content is a conflict.
  v.note = "另一次";
  auto clash = visits_->Record(Grid1(), v);
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().code, core::ErrorCode::kConflict);
  EXPECT_EQ(clash.error().field, "Idempotency-Key");
  // The plan sees the new flags: an elder living alone, twice a week.
  auto plan = visits_->Plan(Grid1(), std::nullopt, std::string("2026-12-10"));
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->items.size(), 1u);
  EXPECT_EQ(plan->items[0].flags, 1 | 64);
  // A later visit that records no flags keeps them.
  NewVisit plain;
  plain.household_id = h;
  EXPECT_EQ(Record(Grid1(), plain).flags_after, 1 | 64);
}

TEST_P(VisitTest, BadInputIsRefusedNamingTheFieldAndChangesNothing) {
  const int64_t h = Household(tree_.building_a1, 1);
  const int64_t other = Household(tree_.building_b1, 2);
  struct Case {
    std::function<void(NewVisit&)> change;
    std::string field;
  };
  const std::vector<Case> cases = {
      {[](NewVisit& v) { v.outcome = "maybe"; }, "outcome"},
      {[](NewVisit& v) {
         v.needs = {"care", "cake"};
       },
       "needs[1]"},
      {[](NewVisit& v) { v.risks = {"volcano"}; }, "risks[0]"},
      {[](NewVisit& v) { v.flags = std::vector<std::string>{"rich"}; }, "flags[0]"},
      {[](NewVisit& v) { v.visited_at = "yesterday"; }, "visited_at"},
      {[](NewVisit& v) { v.visited_at = core::FormatUtc(kMonday + kDay); }, "visited_at"},
      {[other](NewVisit& v) { v.household_id = other; }, "household_id"},
      {[](NewVisit& v) { v.household_id = 0; }, "household_id"},
      {[](NewVisit& v) {
         v.ticket = NewVisitTicket{0, "x"};
       },
       "ticket.category_id"},
      {[this](NewVisit& v) {
         v.ticket = NewVisitTicket{category_, "  "};
       },
       "ticket.description"},
      {[](NewVisit& v) { v.note = std::string(2001, 'a'); }, "note"},
      {[](NewVisit& v) { v.campaign_id = 99; }, "campaign_id"},
  };
  for (const auto& c : cases) {
    NewVisit v;
    v.household_id = h;
    c.change(v);
    auto out = visits_->Record(Grid1(), v);
    ASSERT_FALSE(out.ok()) << c.field;
    EXPECT_EQ(out.error().code, core::ErrorCode::kInvalid) << c.field;
    EXPECT_EQ(out.error().field, c.field);
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM visit"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ticket"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM household_visit WHERE last_visited_at > 0"), 0);
}

TEST_P(VisitTest, NotesAreSealedShownByLengthAndRevealedWithAnAuditEntry) {
  NewVisit v;
  v.household_id = Household(tree_.building_a1, 1);
  v.note = "李奶奶说儿子在外地";
  Visit visit = Record(Grid1(), v);
  EXPECT_EQ(visit.note_chars, 9);
  auto conn = test_db_->db().Acquire();
  auto raw = (*conn)->QueryOne("SELECT note_enc FROM visit WHERE id = $1", {visit.id});
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->Text(0).find("儿子"), std::string::npos);
  const int64_t before = Count("SELECT COUNT(*) FROM audit_log WHERE action = 'pii.reveal'");
  auto note = visits_->RevealNote(SecretaryA(), visit.id, "回访核实");
  ASSERT_TRUE(note.ok()) << note.error().message;
  EXPECT_EQ(*note, v.note);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'pii.reveal'"), before + 1);
  // Without the permission: refused; outside scope: not found.
  EXPECT_EQ(visits_->RevealNote(As(Role::kStreetAdmin, tree_.street), visit.id, "").error().code,
            core::ErrorCode::kForbidden);
  EXPECT_EQ(visits_->RevealNote(As(Role::kGridWorker, tree_.grid_b1), visit.id, "").error().code,
            core::ErrorCode::kNotFound);
}

TEST_P(VisitTest, AGridWorkerSeesTheirGridAndASecretaryTheirCommunity) {
  NewVisit v;
  v.household_id = Household(tree_.building_a1, 1);
  Visit a1 = Record(Grid1(), v);
  v.household_id = Household(tree_.building_b1, 2);
  Visit b1 = Record(As(Role::kGridWorker, tree_.grid_b1), v);
  EXPECT_TRUE(visits_->Get(Grid1(), a1.id).ok());
  EXPECT_EQ(visits_->Get(Grid1(), b1.id).error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(visits_->Get(SecretaryA(), b1.id).error().code, core::ErrorCode::kNotFound);
  auto list = visits_->List(SecretaryA(), VisitFilter{});
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->items.size(), 1u);
  EXPECT_EQ(list->items[0].id, a1.id);
  EXPECT_EQ(visits_->Plan(Grid1(), tree_.grid_b1.id, std::nullopt).error().code,
            core::ErrorCode::kNotFound);
}

TEST_P(VisitTest, TheHouseholdsNotSeenLongestComeFirstPageByPage) {
  std::vector<int64_t> h;
  for (int i = 0; i < 5; ++i) h.push_back(Household(tree_.building_a1, i + 1));
  // Visited in the order h[3], h[1], h[4]; h[0] and h[2] never.
  for (int i : {3, 1, 4}) {
    clock_.Advance(core::kMsPerHour);
    NewVisit v;
    v.household_id = h[static_cast<size_t>(i)];
    Record(Grid1(), v);
  }
  std::vector<int64_t> order;
  StaleFilter f;
  f.limit = 2;
  for (int pages = 0; pages < 5; ++pages) {
    auto page = visits_->Stale(Grid1(), f);
    ASSERT_TRUE(page.ok()) << page.error().message;
    for (const auto& s : page->items) order.push_back(s.household_id);
    if (!page->next) break;
    auto dot = page->next->find('.');
    f.after_seen_ms = std::stoll(page->next->substr(0, dot));
    f.after_id = std::stoll(page->next->substr(dot + 1));
  }
  EXPECT_EQ(order, (std::vector<int64_t>{h[0], h[2], h[3], h[1], h[4]}));
  // A county admin names a grid or a community.
  StaleFilter county;
  EXPECT_EQ(visits_->Stale(Admin(), county).error().field, "within");
}

TEST_P(VisitTest, CoverageCountsHouseholdsSeenPerGridCommunityAndVisitor) {
  for (int i = 0; i < 4; ++i) Household(tree_.building_a1, i + 1);
  const int64_t a2 = Household(tree_.building_a2, 10);
  Household(tree_.building_a2, 11);
  NewVisit v;
  v.household_id = a2;
  Record(SecretaryA(), v);
  Record(SecretaryA(), v);
  auto cov = visits_->CoverageOf(SecretaryA(), std::nullopt);
  ASSERT_TRUE(cov.ok()) << cov.error().message;
  ASSERT_EQ(cov->grids.size(), 2u);
  // Grid A1 (0 of 4) is least covered, then A2 (1 of 2).
  EXPECT_EQ(cov->grids[0].id, tree_.grid_a1.id);
  EXPECT_EQ(cov->grids[0].households, 4);
  EXPECT_EQ(cov->grids[0].seen_week, 0);
  EXPECT_EQ(cov->grids[1].seen_week, 1);
  EXPECT_EQ(cov->grids[1].visits_week, 2);
  ASSERT_EQ(cov->communities.size(), 1u);
  EXPECT_EQ(cov->communities[0].households, 6);
  EXPECT_EQ(cov->communities[0].seen_month, 1);
  ASSERT_EQ(cov->workers.size(), 1u);
  EXPECT_EQ(cov->workers[0].seen_week, 1);
  EXPECT_EQ(cov->workers[0].visits_week, 2);
  // Next week the week's count starts over; the month's stays.
  clock_.Advance(7 * kDay);
  cov = visits_->CoverageOf(SecretaryA(), std::nullopt);
  ASSERT_TRUE(cov.ok());
  EXPECT_EQ(cov->communities[0].seen_week, 0);
  EXPECT_EQ(cov->communities[0].seen_month, 1);
}

TEST_P(VisitTest, AHouseholdMovedInTheTreeLeavesItsOldGridsListsAndCoverage) {
  // As the app wires it: paths copied, grid and community recomputed on a move.
  tree_service_->AddPathCopy("household_visit");
  tree_service_->AddPathCopy("visit");
  tree_service_->AddMoveHook(&VisitService::OnSubtreeMoved);
  const int64_t moved = Household(tree_.building_a1, 1);
  const int64_t stays = Household(tree_.building_a2, 2);
  NewVisit v;
  v.household_id = moved;
  Record(SecretaryA(), v);
  OrgNodeChange change;
  change.parent_id = tree_.grid_b1.id;
  ASSERT_TRUE(tree_service_->Update(Admin(), tree_.building_a1.id, change).ok());

  auto stale = [&](const OrgNode& node) {
    StaleFilter f;
    f.within = node.id;
    auto page = visits_->Stale(Admin(), f);
    EXPECT_TRUE(page.ok()) << page.error().message;
    std::vector<int64_t> ids;
    if (!page.ok()) return ids;
    for (const auto& h : page->items) ids.push_back(h.household_id);
    return ids;
  };
  EXPECT_TRUE(stale(tree_.grid_a1).empty());
  EXPECT_EQ(stale(tree_.community_a), std::vector<int64_t>{stays});
  EXPECT_EQ(stale(tree_.grid_b1), std::vector<int64_t>{moved});
  // Coverage counts it, and its visit, in grid B1 and community B.
  auto cov = visits_->CoverageOf(Admin(), std::nullopt);
  ASSERT_TRUE(cov.ok()) << cov.error().message;
  for (const auto& g : cov->grids) {
    const bool b1 = g.id == tree_.grid_b1.id;
    EXPECT_EQ(g.households, b1 || g.id == tree_.grid_a2.id ? 1 : 0) << g.name;
    EXPECT_EQ(g.visits_week, b1 ? 1 : 0) << g.name;
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM visit WHERE grid_id = " + std::to_string(tree_.grid_b1.id) +
                  " AND community_id = " + std::to_string(tree_.community_b.id)),
            1);
  // Next week it is due again: on grid B1's worker's plan, not on grid A1's.
  clock_.Advance(7 * kDay);
  EXPECT_TRUE(Due(Grid1()).empty());
  EXPECT_EQ(Due(As(Role::kGridWorker, tree_.grid_b1)), std::vector<int64_t>{moved});
}

TEST_P(VisitTest, ListPagesWalkAnIndex) {
  for (int i = 0; i < 3; ++i) Household(tree_.building_a1, i + 1);
  const std::vector<std::string> large = {"visit", "household_visit", "household", "resident"};
  auto check = [&](const std::string& sql, const store::Params& params) {
    auto plan = store::testing::Explain(test_db_->db(), sql, params, {});
    ASSERT_TRUE(plan.ok()) << plan.error().message;
    EXPECT_TRUE(store::testing::IsBoundedWalk(*plan, large)) << sql << "\n" << plan->Text();
  };
  check(
      "SELECT hv.household_id FROM household_visit hv WHERE hv.grid_id = $1 AND "
      "(hv.last_visited_at, hv.household_id) > ($2, $3) ORDER BY hv.last_visited_at, "
      "hv.household_id LIMIT $4",
      {tree_.grid_a1.id, int64_t{0}, int64_t{0}, int64_t{50}});
  check(
      "SELECT hv.household_id FROM household_visit hv WHERE hv.community_id = $1 AND "
      "(hv.last_visited_at, hv.household_id) > ($2, $3) ORDER BY hv.last_visited_at, "
      "hv.household_id LIMIT $4",
      {tree_.community_a.id, int64_t{0}, int64_t{0}, int64_t{50}});
  check(
      "SELECT v.id FROM visit v WHERE v.household_id = $1 AND v.path >= $2 AND v.path < $3 "
      "ORDER BY v.id DESC LIMIT $4",
      {int64_t{1}, tree_.community_a.path, tree_.community_a.path + "~", int64_t{50}});
  check(
      "SELECT v.id FROM visit v WHERE v.grid_id = $1 AND v.path >= $2 AND v.path < $3 ORDER BY "
      "v.id DESC LIMIT $4",
      {tree_.grid_a1.id, tree_.grid_a1.path, tree_.grid_a1.path + "~", int64_t{50}});
  check(
      "SELECT v.id FROM visit v WHERE v.community_id = $1 AND v.path >= $2 AND v.path < $3 "
      "ORDER BY v.id DESC LIMIT $4",
      {tree_.community_a.id, tree_.community_a.path, tree_.community_a.path + "~", int64_t{50}});
}

INSTANTIATE_TEST_SUITE_P(Backends, VisitTest, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
