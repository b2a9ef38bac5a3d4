// Compound governance and the red, yellow and black lists: the scoring rule
// (weights, a missing rater group, thresholds), periods open → scoring →
// published with the lists frozen, who may score for which group, and scope —
// on both backends.
#include "domain/governance/governance_service.h"

#include <gtest/gtest.h>

#include "domain/registry/residents.h"
#include "domain/registry/staff.h"
#include "domain/registry/units.h"
#include "domain/testing/domain_fixture.h"
#include "store/testing/query_plan.h"

namespace civicgrid::domain {
namespace {

std::array<GroupScore, kRaterGroups> Groups(std::optional<double> c, std::optional<double> o,
                                            std::optional<double> p, std::optional<double> g,
                                            std::array<int64_t, 4> w = {40, 30, 20, 10}) {
  return {GroupScore{RaterGroup::kCommunity, w[0], c},
          GroupScore{RaterGroup::kOwnersCommittee, w[1], o},
          GroupScore{RaterGroup::kPropertyCompany, w[2], p},
          GroupScore{RaterGroup::kGridWorkers, w[3], g}};
}

NewPeriod Quarter(int64_t node, const std::string& quarter) {
  NewPeriod p;
  p.node_id = node;
  p.quarter = quarter;
  return p;
}

StandingFilter ListOf(Standing standing) {
  StandingFilter f;
  f.list = standing;
  return f;
}

NewStaff Staffer(StaffKind kind, int64_t node, const std::string& name) {
  NewStaff s;
  s.kind = kind;
  s.node_id = node;
  s.name = name;
  return s;
}

TEST(CombineScores, WeighsTheFourGroups) {
  auto out = CombineScores(Groups(100, 80, 60, 40), std::nullopt, 0, {}, 3);
  ASSERT_TRUE(out.score);
  EXPECT_DOUBLE_EQ(*out.score, 80.0);  // (4000 + 2400 + 1200 + 400) / 100
  EXPECT_EQ(out.standing, Standing::kYellow);
  EXPECT_EQ(out.groups_scored, 4);
}

TEST(CombineScores, AMissingGroupsWeightIsRenormalisedAway) {
  // Property company missing: (40·100 + 30·80 + 10·40) / 80 = 85 → red.
  auto out = CombineScores(Groups(100, 80, std::nullopt, 40), std::nullopt, 0, {}, 3);
  ASSERT_TRUE(out.score);
  EXPECT_DOUBLE_EQ(*out.score, 85.0);
  EXPECT_EQ(out.standing, Standing::kRed);
  EXPECT_EQ(out.groups_scored, 3);
}

TEST(CombineScores, FewerGroupsThanTheMinimumAreUnrated) {
  auto out = CombineScores(Groups(100, std::nullopt, std::nullopt, 40), 90.0, 10, {}, 3);
  EXPECT_FALSE(out.score);
  EXPECT_EQ(out.standing, Standing::kUnrated);
  EXPECT_EQ(out.groups_scored, 2);
  // With a minimum of 2 the same compound is ranked.
  EXPECT_TRUE(
      CombineScores(Groups(100, std::nullopt, std::nullopt, 40), std::nullopt, 0, {}, 2).score);
}

TEST(CombineScores, TicketScoreWeighsInWhenConfigured) {
  // Weights 40/30/10/10 + tickets 10: (4000 + 2400 + 600 + 400 + 10·50) / 100 = 79.
  auto out = CombineScores(Groups(100, 80, 60, 40, {40, 30, 10, 10}), 50.0, 10, {}, 3);
  ASSERT_TRUE(out.score);
  EXPECT_DOUBLE_EQ(*out.score, 79.0);
  // Without tickets the ticket weight drops out like a missing group.
  auto none = CombineScores(Groups(100, 80, 60, 40, {40, 30, 10, 10}), std::nullopt, 10, {}, 3);
  ASSERT_TRUE(none.score);
  EXPECT_DOUBLE_EQ(*none.score, 82.22);  // 7400 / 90, two decimals
}

TEST(StandingFor, ThresholdsAreRedAtLeastBlackBelow) {
  Thresholds t;
  EXPECT_EQ(StandingFor(85.0, t), Standing::kRed);
  EXPECT_EQ(StandingFor(84.99, t), Standing::kYellow);
  EXPECT_EQ(StandingFor(60.0, t), Standing::kYellow);
  EXPECT_EQ(StandingFor(59.99, t), Standing::kBlack);
  Thresholds strict{90, 70};
  EXPECT_EQ(StandingFor(85.0, strict), Standing::kYellow);
  EXPECT_EQ(StandingFor(65.0, strict), Standing::kBlack);
}

TEST(ValidateWeights, MustSumToOneHundred) {
  EXPECT_TRUE(ValidateWeights({40, 30, 20, 10}, 0).ok());
  EXPECT_TRUE(ValidateWeights({40, 30, 10, 10}, 10).ok());
  auto bad = ValidateWeights({40, 30, 20, 5}, 0);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "weights");
  auto negative = ValidateWeights({50, 30, 30, -10}, 0);
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error().field, "weights.grid_workers");
  EXPECT_EQ(ValidateThresholds({50, 60}).error().field, "thresholds");
}

TEST(ParseQuarter, GivesTheQuartersDays) {
  auto q = ParseQuarter("2026-Q4", "quarter");
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(core::FormatDate(q->first), "2026-10-01");
  EXPECT_EQ(core::FormatDate(q->second), "2026-12-31");
  EXPECT_EQ(core::FormatDate(ParseQuarter("2026-Q1", "q")->second), "2026-03-31");
  EXPECT_FALSE(ParseQuarter("2026-Q5", "quarter").ok());
  EXPECT_FALSE(ParseQuarter("2026Q1", "quarter").ok());
}

class GovernanceTest : public testing::DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    if (skipped_ || HasFatalFailure()) return;
    store::Db& db = test_db_->db();
    service_ = std::make_unique<GovernanceService>(db, clock_, *audit_);
    units_ = std::make_unique<UnitService>(db, clock_, *audit_);
    staff_ = std::make_unique<StaffService>(db, clock_, *audit_, cipher_);
    residents_ = std::make_unique<ResidentService>(db, clock_, *audit_, cipher_);
    auto node = [&](int64_t parent, const std::string& code, const std::string& name) {
      auto n = tree_service_->Create(
          nullptr, NewOrgNode{parent, OrgKind::kCompound, code, name, std::nullopt});
      EXPECT_TRUE(n.ok()) << n.error().message;
      return *n;
    };
    c1_ = node(tree_.community_a.id, "131022001001C01", "幸福家园");
    c2_ = node(tree_.community_a.id, "131022001001C02", "锦绣花园");
    c3_ = node(tree_.community_b.id, "131022001002C01", "西关小区");
    auto unit = units_->Create(Admin(), NewUnit{tree_.county.id, UnitKind::kPropertyCompany,
                                                "安居物业", std::nullopt, "", ""});
    ASSERT_TRUE(unit.ok()) << unit.error().message;
    unit_ = unit->id;
    auto other = units_->Create(Admin(), NewUnit{tree_.county.id, UnitKind::kPropertyCompany,
                                                 "永盛物业", std::nullopt, "", ""});
    ASSERT_TRUE(other.ok());
    other_unit_ = other->id;
    auto resident = residents_->Create(
        Admin(), NewResident{tree_.building_a1.id, "1-101", "张业主", IdNumber(1), std::nullopt});
    ASSERT_TRUE(resident.ok()) << resident.error().message;
    resident_ = resident->id;
    auto steward = staff_->Create(
        Admin(), Staffer(StaffKind::kCommunityWorker, tree_.community_a.id, "李红管"));
    ASSERT_TRUE(steward.ok()) << steward.error().message;
    steward_ = steward->id;
    auto chief =
        staff_->Create(Admin(), Staffer(StaffKind::kBuildingChief, tree_.building_a1.id, "王楼长"));
    ASSERT_TRUE(chief.ok()) << chief.error().message;
    chief_ = chief->id;
    // c1: property company, committee with one member who is a resident,
    // a red steward, building A1 with its chief. c2: the same company.
    CompoundGovernanceUpdate u;
    u.property_unit_id = unit_;
    u.committee_name = "幸福家园业委会";
    u.term_start = "2025-01-01";
    u.term_end = "2029-12-31";
    u.members = {NewCommitteeMember{"张业主", CommitteeDuty::kDirector, resident_}};
    u.steward_ids = {steward_};
    auto updated = service_->Update(Secretary(), c1_.id, u);
    ASSERT_TRUE(updated.ok()) << updated.error().message;
    CompoundGovernanceUpdate u2;
    u2.property_unit_id = unit_;
    ASSERT_TRUE(service_->Update(Secretary(), c2_.id, u2).ok());
    auto link = service_->SetBuilding(Secretary(), tree_.building_a1.id, c1_.id, chief_);
    ASSERT_TRUE(link.ok()) << link.error().message;
  }

  Caller Secretary() const { return As(Role::kCommunitySecretary, tree_.community_a); }
  Caller Worker() const { return As(Role::kCommunityWorker, tree_.community_a); }
  Caller Street() const { return As(Role::kStreetAdmin, tree_.street); }
  Caller Property(int64_t unit) const {
    Caller c = As(Role::kUnitAdmin, tree_.county);
    c.unit_id = unit;
    return c;
  }
  Caller Owner() const {
    Caller c = As(Role::kResident, tree_.building_a1);
    c.resident_id = resident_;
    return c;
  }
  Caller GridA1() const { return As(Role::kGridWorker, tree_.grid_a1); }

  RankingPeriod Open(const NewPeriod& p) {
    auto period = service_->CreatePeriod(Street(), p);
    EXPECT_TRUE(period.ok()) << period.error().field << " " << period.error().message;
    return *period;
  }
  RankingPeriod Scoring() {
    RankingPeriod p = Open(Quarter(tree_.street.id, "2026-Q3"));
    auto moved = service_->Advance(Street(), p.id, PeriodState::kScoring, p.version);
    EXPECT_TRUE(moved.ok()) << moved.error().message;
    return *moved;
  }
  // Scores every criterion at `share` of its maximum (rounded down).
  core::Result<ScoreSheet> ScoreAt(const Caller& caller, const RankingPeriod& p, int64_t compound,
                                   RaterGroup group, double share) {
    NewScoreSheet s{compound, group, {}, ""};
    for (const Criterion& c : p.criteria[static_cast<size_t>(group)]) {
      s.scores.push_back({c.id, static_cast<int64_t>(static_cast<double>(c.max_points) * share)});
    }
    return service_->Score(caller, p.id, s);
  }
  int64_t Count(const std::string& table) {
    auto conn = test_db_->db().Acquire();
    return *(*conn)->QueryInt("SELECT COUNT(*) FROM " + table);
  }
  std::optional<CompoundStanding> StandingOf(const Caller& caller, int64_t period, int64_t id) {
    auto page = service_->Standings(caller, period, StandingFilter{});
    EXPECT_TRUE(page.ok()) << page.error().message;
    for (const auto& s : page->items) {
      if (s.compound_id == id) return s;
    }
    return std::nullopt;
  }

  std::unique_ptr<GovernanceService> service_;
  std::unique_ptr<UnitService> units_;
  std::unique_ptr<StaffService> staff_;
  std::unique_ptr<ResidentService> residents_;
  OrgNode c1_, c2_, c3_;
  int64_t unit_ = 0, other_unit_ = 0, resident_ = 0, steward_ = 0, chief_ = 0;
};

TEST_P(GovernanceTest, CompoundCarriesItsLinks) {
  auto g = service_->Get(Worker(), c1_.id);
  ASSERT_TRUE(g.ok()) << g.error().message;
  ASSERT_TRUE(g->property_company);
  EXPECT_EQ(g->property_company->name, "安居物业");
  EXPECT_EQ(g->committee_name, "幸福家园业委会");
  ASSERT_EQ(g->members.size(), 1u);
  EXPECT_EQ(g->members[0].duty, CommitteeDuty::kDirector);
  ASSERT_EQ(g->stewards.size(), 1u);
  EXPECT_EQ(g->stewards[0].name, "李红管");
  ASSERT_EQ(g->buildings.size(), 1u);
  ASSERT_TRUE(g->buildings[0].chief);
  EXPECT_EQ(g->buildings[0].chief->name, "王楼长");
  EXPECT_FALSE(g->editable);  // a community worker reads, the secretary edits
  EXPECT_TRUE(service_->Get(Secretary(), c1_.id)->editable);
  // The property company lists its compounds.
  auto mine = service_->List(Property(unit_), CompoundFilter{});
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->items.size(), 2u);
  EXPECT_TRUE(service_->List(Property(other_unit_), CompoundFilter{})->items.empty());
}

TEST_P(GovernanceTest, EditsAreScopedValidatedAndAudited) {
  int64_t audits = Count("audit_log");
  CompoundGovernanceUpdate u;
  u.committee_name = "x";
  // Another community's secretary: the compound does not exist for them.
  auto outside = service_->Update(As(Role::kCommunitySecretary, tree_.community_b), c1_.id, u);
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.error().code, core::ErrorCode::kNotFound);
  // A community worker sees it but may not edit.
  auto worker = service_->Update(Worker(), c1_.id, u);
  ASSERT_FALSE(worker.ok());
  EXPECT_EQ(worker.error().code, core::ErrorCode::kForbidden);
  u.property_unit_id = 99999;
  auto bad = service_->Update(Secretary(), c1_.id, u);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().field, "property_unit_id");
  u.property_unit_id.reset();
  u.term_start = "2026-01-01";
  u.term_end = "2025-01-01";
  EXPECT_EQ(service_->Update(Secretary(), c1_.id, u).error().field, "term_end");
  EXPECT_EQ(Count("audit_log"), audits);
  EXPECT_EQ(service_->Get(Secretary(), c1_.id)->committee_name, "幸福家园业委会");
  // A stale version is refused.
  CompoundGovernanceUpdate stale;
  stale.version = 0;
  EXPECT_EQ(service_->Update(Secretary(), c1_.id, stale).error().field, "version");
  stale.version = service_->Get(Secretary(), c1_.id)->version;
  ASSERT_TRUE(service_->Update(Secretary(), c1_.id, stale).ok());
  EXPECT_EQ(Count("audit_log"), audits + 1);
  // A building chief must be the building's.
  auto chief = service_->SetBuilding(Secretary(), tree_.building_a2.id, c1_.id, chief_);
  ASSERT_FALSE(chief.ok());
  EXPECT_EQ(chief.error().field, "chief_staff_id");
  // A building joins only a compound of its own community.
  auto cross = service_->SetBuilding(Street(), tree_.building_b1.id, c1_.id, std::nullopt);
  ASSERT_FALSE(cross.ok());
  EXPECT_EQ(cross.error().field, "compound_id");
}

TEST_P(GovernanceTest, WeightsNotSummingToOneHundredAreRefused) {
  NewPeriod p = Quarter(tree_.street.id, "2026-Q3");
  p.settings.weights = std::array<int64_t, 4>{40, 30, 20, 5};
  auto bad = service_->CreatePeriod(Street(), p);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, core::ErrorCode::kInvalid);
  EXPECT_EQ(bad.error().field, "weights");
  EXPECT_EQ(Count("ranking_period"), 0);
  // Configurable per period, and an update must still sum to 100.
  p.settings.weights = std::array<int64_t, 4>{50, 20, 20, 10};
  RankingPeriod period = Open(p);
  EXPECT_EQ(period.weights[0], 50);
  EXPECT_EQ(period.state, PeriodState::kOpen);
  PeriodSettings s;
  s.weights = std::array<int64_t, 4>{50, 20, 20, 20};
  auto update = service_->UpdatePeriod(Street(), period.id, s);
  ASSERT_FALSE(update.ok());
  EXPECT_EQ(update.error().field, "weights");
  EXPECT_EQ(service_->GetPeriod(Street(), period.id)->weights[3], 10);
  // Thresholds and criteria are checked too.
  PeriodSettings t;
  t.thresholds = Thresholds{50, 70};
  EXPECT_EQ(service_->UpdatePeriod(Street(), period.id, t).error().field, "thresholds");
  PeriodSettings c;
  c.criteria[1] = std::vector<NewCriterion>{{"维修", 0}};
  EXPECT_EQ(service_->UpdatePeriod(Street(), period.id, c).error().field,
            "criteria.owners_committee[0].max_points");
  // Default forms: every group's sums to 100.
  for (const auto& form : period.criteria) {
    int64_t sum = 0;
    for (const auto& cr : form) sum += cr.max_points;
    EXPECT_EQ(sum, 100);
  }
}

TEST_P(GovernanceTest, AQuarterScoredByAllFourGroupsIsPublishedAndFrozen) {
  RankingPeriod p = Scoring();
  ASSERT_TRUE(ScoreAt(Worker(), p, c1_.id, RaterGroup::kCommunity, 1.0).ok());
  ASSERT_TRUE(ScoreAt(Owner(), p, c1_.id, RaterGroup::kOwnersCommittee, 0.8).ok());
  ASSERT_TRUE(ScoreAt(Property(unit_), p, c1_.id, RaterGroup::kPropertyCompany, 0.6).ok());
  auto grid = ScoreAt(GridA1(), p, c1_.id, RaterGroup::kGridWorkers, 0.4);
  ASSERT_TRUE(grid.ok()) << grid.error().message;
  auto live = StandingOf(Street(), p.id, c1_.id);
  ASSERT_TRUE(live && live->outcome.score);
  EXPECT_DOUBLE_EQ(*live->outcome.score, 80.0);
  EXPECT_EQ(live->outcome.standing, Standing::kYellow);
  // c2 scored only by the community: unrated; c3 not at all.
  ASSERT_TRUE(ScoreAt(Secretary(), p, c2_.id, RaterGroup::kCommunity, 1.0).ok());
  // A second sheet of the same group replaces the first.
  ASSERT_TRUE(ScoreAt(Worker(), p, c1_.id, RaterGroup::kCommunity, 1.0).ok());
  EXPECT_EQ(Count("score_sheet"), 5);

  auto published = service_->Advance(Street(), p.id, PeriodState::kPublished, std::nullopt);
  ASSERT_TRUE(published.ok()) << published.error().message;
  EXPECT_EQ(published->state, PeriodState::kPublished);
  EXPECT_EQ(Count("ranking_result"), 3);
  auto yellow = service_->Standings(Street(), p.id, ListOf(Standing::kYellow));
  ASSERT_TRUE(yellow.ok());
  ASSERT_EQ(yellow->items.size(), 1u);
  EXPECT_EQ(yellow->items[0].compound_id, c1_.id);
  EXPECT_EQ(service_->Standings(Street(), p.id, ListOf(Standing::kUnrated))->items.size(), 2u);

  // Frozen: no more sheets, no settings, no second publish; later link
  // changes do not move the list.
  auto late = ScoreAt(Worker(), p, c2_.id, RaterGroup::kCommunity, 0.1);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().field, "state");
  PeriodSettings s;
  s.name = "改名";
  EXPECT_EQ(service_->UpdatePeriod(Street(), p.id, s).error().field, "state");
  EXPECT_EQ(service_->Advance(Street(), p.id, PeriodState::kPublished, std::nullopt).error().field,
            "state");
  CompoundGovernanceUpdate unlink;
  ASSERT_TRUE(service_->Update(Secretary(), c1_.id, unlink).ok());
  auto frozen = StandingOf(Street(), p.id, c1_.id);
  ASSERT_TRUE(frozen && frozen->outcome.score);
  EXPECT_DOUBLE_EQ(*frozen->outcome.score, 80.0);
  ASSERT_TRUE(frozen->property_company);  // the company at publishing
  EXPECT_EQ(frozen->property_company->name, "安居物业");

  // History: a second quarter, the trend reads oldest first.
  NewPeriod q4 = Quarter(tree_.street.id, "2026-Q4");
  RankingPeriod p2 = Open(q4);
  ASSERT_TRUE(service_->Advance(Street(), p2.id, PeriodState::kScoring, std::nullopt).ok());
  ASSERT_TRUE(service_->Advance(Street(), p2.id, PeriodState::kPublished, std::nullopt).ok());
  auto history = service_->History(Worker(), c1_.id);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].period_id, p.id);
  EXPECT_EQ((*history)[0].standing, Standing::kYellow);
  EXPECT_EQ((*history)[1].standing, Standing::kUnrated);
  EXPECT_EQ(service_->Get(Worker(), c1_.id)->latest->period_id, p2.id);
}

TEST_P(GovernanceTest, AMissingRaterGroupIsScoredAsDocumented) {
  RankingPeriod p = Scoring();
  ASSERT_TRUE(ScoreAt(Worker(), p, c1_.id, RaterGroup::kCommunity, 1.0).ok());
  ASSERT_TRUE(ScoreAt(Owner(), p, c1_.id, RaterGroup::kOwnersCommittee, 0.8).ok());
  ASSERT_TRUE(ScoreAt(GridA1(), p, c1_.id, RaterGroup::kGridWorkers, 0.4).ok());
  auto three = StandingOf(Street(), p.id, c1_.id);
  ASSERT_TRUE(three && three->outcome.score);
  EXPECT_EQ(three->outcome.groups_scored, 3);
  EXPECT_FALSE(three->percents[2]);
  EXPECT_DOUBLE_EQ(*three->outcome.score, 85.0);  // (4000 + 2400 + 400) / 80
  EXPECT_EQ(three->outcome.standing, Standing::kRed);
  ASSERT_TRUE(ScoreAt(Worker(), p, c2_.id, RaterGroup::kCommunity, 0.5).ok());
  ASSERT_TRUE(ScoreAt(Property(unit_), p, c2_.id, RaterGroup::kPropertyCompany, 0.5).ok());
  auto two = StandingOf(Street(), p.id, c2_.id);
  ASSERT_TRUE(two);
  EXPECT_FALSE(two->outcome.score);
  EXPECT_EQ(two->outcome.standing, Standing::kUnrated);
}

TEST_P(GovernanceTest, OnlyEachGroupsRatersScoreAndSheetsAreChecked) {
  RankingPeriod p = Scoring();
  int64_t sheets = Count("score_sheet");
  // The street admin is no rater; the committee member is not the community.
  EXPECT_EQ(ScoreAt(Street(), p, c1_.id, RaterGroup::kCommunity, 1).error().code,
            core::ErrorCode::kForbidden);
  EXPECT_EQ(ScoreAt(Owner(), p, c1_.id, RaterGroup::kCommunity, 1).error().code,
            core::ErrorCode::kForbidden);
  // c2 has no committee member who is this resident: not visible to them.
  EXPECT_EQ(ScoreAt(Owner(), p, c2_.id, RaterGroup::kOwnersCommittee, 1).error().field,
            "compound_id");
  // Another property company sees none of the period's compounds, so not
  // the period either; the grid worker of A2 sees the period but not c1.
  EXPECT_EQ(ScoreAt(Property(other_unit_), p, c1_.id, RaterGroup::kPropertyCompany, 1).error().code,
            core::ErrorCode::kNotFound);
  EXPECT_EQ(ScoreAt(As(Role::kGridWorker, tree_.grid_a2), p, c1_.id, RaterGroup::kGridWorkers, 1)
                .error()
                .field,
            "compound_id");
  // Community B's worker: c1 does not exist for them.
  EXPECT_EQ(
      ScoreAt(As(Role::kCommunityWorker, tree_.community_b), p, c1_.id, RaterGroup::kCommunity, 1)
          .error()
          .field,
      "compound_id");
  // Points beyond the maximum, a missing criterion, a foreign criterion.
  const auto& form = p.criteria[0];
  NewScoreSheet s{c1_.id, RaterGroup::kCommunity, {}, ""};
  for (const auto& c : form) s.scores.push_back({c.id, c.max_points});
  s.scores[0].points = form[0].max_points + 1;
  EXPECT_EQ(service_->Score(Worker(), p.id, s).error().field, "scores[0].points");
  s.scores[0].points = -1;
  EXPECT_EQ(service_->Score(Worker(), p.id, s).error().field, "scores[0].points");
  s.scores[0].points = 0;
  s.scores.pop_back();
  EXPECT_EQ(service_->Score(Worker(), p.id, s).error().field, "scores");
  s.scores.push_back({p.criteria[1][0].id, 1});
  EXPECT_EQ(service_->Score(Worker(), p.id, s).error().field,
            "scores[" + std::to_string(s.scores.size() - 1) + "].criterion_id");
  EXPECT_EQ(Count("score_sheet"), sheets);
}

TEST_P(GovernanceTest, PeriodsAndStandingsFollowScope) {
  RankingPeriod p = Scoring();
  // Community B's secretary sees the street's period but only c3.
  Caller b = As(Role::kCommunitySecretary, tree_.community_b);
  ASSERT_TRUE(service_->GetPeriod(b, p.id).ok());
  EXPECT_FALSE(service_->GetPeriod(b, p.id)->manageable);
  auto bs = service_->Standings(b, p.id, StandingFilter{});
  ASSERT_TRUE(bs.ok());
  ASSERT_EQ(bs->items.size(), 1u);
  EXPECT_EQ(bs->items[0].compound_id, c3_.id);
  EXPECT_EQ(service_->Get(b, c1_.id).error().code, core::ErrorCode::kNotFound);
  // A community secretary cannot move the street's period.
  EXPECT_EQ(service_->Advance(b, p.id, PeriodState::kPublished, std::nullopt).error().code,
            core::ErrorCode::kForbidden);
  // A community's own period is invisible to the other community.
  RankingPeriod own =
      *service_->CreatePeriod(Secretary(), Quarter(tree_.community_a.id, "2026-Q3"));
  EXPECT_EQ(service_->GetPeriod(b, own.id).error().code, core::ErrorCode::kNotFound);
  auto list = service_->ListPeriods(b, PeriodFilter{});
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->items.size(), 1u);
  // A period for a node outside scope is refused by name.
  EXPECT_EQ(service_->CreatePeriod(b, Quarter(tree_.community_a.id, "2026-Q3")).error().field,
            "node_id");
  // The property company sees its two compounds' standing, the other none
  // (and not the period).
  auto mine = service_->Standings(Property(unit_), p.id, StandingFilter{});
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->items.size(), 2u);
  EXPECT_EQ(service_->GetPeriod(Property(other_unit_), p.id).error().code,
            core::ErrorCode::kNotFound);
  // The grid worker of A1 sees c1 (its building), the owner their compound.
  EXPECT_EQ(service_->Standings(GridA1(), p.id, StandingFilter{})->items.size(), 1u);
  EXPECT_EQ(service_->Standings(Owner(), p.id, StandingFilter{})->items.size(), 1u);
  // A list filter needs a published period.
  EXPECT_EQ(service_->Standings(Street(), p.id, ListOf(Standing::kRed)).error().field, "list");
}

// Every page a list issues (compounds, periods, live and published standings) walks an index
// in keyset order: no large table read whole, no sort of the whole result.
TEST_P(GovernanceTest, ListPagesAreIndexWalks) {
  store::testing::StatementRecorder recorder(test_db_->db());
  GovernanceService recorded(recorder.db(), clock_, *audit_);
  RankingPeriod p = Scoring();
  ASSERT_TRUE(ScoreAt(Worker(), p, c1_.id, RaterGroup::kCommunity, 1.0).ok());
  const std::vector<Caller> callers = {Admin(),  Street(),        Secretary(),
                                       GridA1(), Property(unit_), Owner()};
  for (const Caller& c : callers) {
    ASSERT_TRUE(recorded.List(c, CompoundFilter{}).ok());
    ASSERT_TRUE(recorded.ListPeriods(c, PeriodFilter{}).ok());
    ASSERT_TRUE(recorded.Standings(c, p.id, StandingFilter{}).ok());
  }
  CompoundFilter within;
  within.within = tree_.community_a.id;
  within.property_unit_id = unit_;
  ASSERT_TRUE(recorded.List(Admin(), within).ok());
  ASSERT_TRUE(service_->Advance(Street(), p.id, PeriodState::kPublished, std::nullopt).ok());
  for (const Caller& c : callers) {
    ASSERT_TRUE(recorded.Standings(c, p.id, StandingFilter{}).ok());
    ASSERT_TRUE(recorded.Standings(c, p.id, ListOf(Standing::kUnrated)).ok());
  }
  const std::vector<std::string> large = {
      "org_node",         "ranking_result",      "ranking_period",     "score_sheet",
      "committee_member", "building_governance", "compound_governance"};
  auto pages = recorder.Take(" LIMIT ");
  store::testing::ExpectBoundedPages(test_db_->db(), pages, large);
}

INSTANTIATE_TEST_SUITE_P(Backends, GovernanceTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
