// Party life: a member absent six months turns red with that reason, a frail
// member (exempt from the attendance rule) does not, recording a meeting
// re-evaluates its attendees, rules out of order are refused by field, the
// cadence report lists the branch behind first, scope, and the list pages
// are bounded index walks — on both backends.
#include "domain/partylife/partylife_service.h"

#include <gtest/gtest.h>

#include "domain/access/notices.h"
#include "domain/duty/duty_fixture.h"
#include "store/testing/query_plan.h"

namespace civicgrid::domain {
namespace {

constexpr int64_t kDay = core::kMsPerDay;

class PartyLifeTest : public testing::DutyFixture {
 protected:
  void SetUp() override {
    DutyFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    life_ = std::make_unique<PartyLifeService>(test_db_->db(), clock_, *audit_);
    t0_ = clock_.NowMs();
  }

  std::string Today() const { return core::FormatDate(core::ShanghaiDate(clock_.NowMs())); }

  PartyMeeting Meeting(int64_t branch, MeetingKind kind, std::vector<int64_t> present,
                       std::vector<MeetingAbsence> absent = {}) {
    NewPartyMeeting m;
    m.party_org_id = branch;
    m.kind = kind;
    m.held_on = Today();
    m.title = "主题党日：学习贯彻";
    m.minutes = "会议记录";
    m.attendee_ids = std::move(present);
    m.absentees = std::move(absent);
    auto r = life_->RecordMeeting(SecretaryA(), m);
    EXPECT_TRUE(r.ok()) << r.error().field << " " << r.error().message;
    return r.ok() ? *r : PartyMeeting{};
  }

  void PayDues(int64_t member, int64_t from, int64_t to) {
    for (int64_t m = from; m <= to; ++m) {
      auto s = life_->RecordDues(Admin(), DuesPayment{member, FormatMonth(m), 200});
      ASSERT_TRUE(s.ok()) << s.error().message;
    }
  }

  MemberWarning WarningOf(int64_t member) {
    WarningFilter f;
    auto page = life_->Warnings(Admin(), f);
    EXPECT_TRUE(page.ok());
    for (const auto& w : page->items) {
      if (w.member_id == member) return w;
    }
    ADD_FAILURE() << "no warning for member " << member;
    return {};
  }

  std::unique_ptr<PartyLifeService> life_;
  int64_t t0_ = 0;
};

TEST_P(PartyLifeTest, AbsentSixMonthsTurnsRedWithThatReasonAndFrailDoesNot) {
  const int64_t absent = Member("张明", branch_a_);
  const int64_t frail = Member("王奶奶", branch_a_);
  const int64_t start = MonthOf(core::ShanghaiDate(t0_));
  Meeting(branch_a_, MeetingKind::kThemeDay, {absent, frail});
  ASSERT_TRUE(life_->SetCategory(SecretaryA(), frail, MemberCategory::kFrail, "").ok());
  PayDues(absent, start, start + 6);
  PayDues(frail, start, start + 6);
  clock_.Advance(183 * kDay);  // six months later
  const int64_t month = MonthOf(core::ShanghaiDate(clock_.NowMs()));
  ASSERT_EQ(month - start, 6);
  auto report = life_->Evaluate(SecretaryA(), std::nullopt, std::nullopt);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->red, 1);

  MemberWarning w = WarningOf(absent);
  EXPECT_EQ(w.level, WarningLevel::kRed);
  ASSERT_FALSE(w.reasons.empty());
  EXPECT_EQ(w.reasons[0].rule, "absence");
  EXPECT_EQ(w.reasons[0].level, WarningLevel::kRed);
  EXPECT_NE(w.reasons[0].text.find("已连续 6 个月未参加组织生活"), std::string::npos)
      << w.reasons[0].text;
  // The month of the last meeting in zh-CN words, never "YYYY-MM" (it wraps on the phone).
  EXPECT_NE(w.reasons[0].text.find("最近一次 " + MonthLabel(start) + "）"), std::string::npos)
      << w.reasons[0].text;
  EXPECT_EQ(w.reasons[0].text.find(FormatMonth(start)), std::string::npos) << w.reasons[0].text;
  EXPECT_TRUE(w.raised());

  MemberWarning f = WarningOf(frail);
  EXPECT_EQ(f.category, MemberCategory::kFrail);
  EXPECT_EQ(f.level, WarningLevel::kNone);
  EXPECT_TRUE(f.reasons.empty());

  // The member sees their own state and reason.
  auto mine = life_->MyWarning(AsMember(absent, tree_.grid_a1));
  ASSERT_TRUE(mine.ok());
  EXPECT_EQ(mine->level, WarningLevel::kRed);

  // The secretary is told: the raised warning is unacknowledged until seen.
  WarningFilter unseen;
  unseen.unacknowledged = true;
  auto page = life_->Warnings(SecretaryA(), unseen);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  ASSERT_TRUE(life_->Acknowledge(SecretaryA(), absent, std::nullopt).ok());
  EXPECT_TRUE(life_->Warnings(SecretaryA(), unseen)->items.empty());

  // Recording a meeting he attends clears the absence at once.
  Meeting(branch_a_, MeetingKind::kCommittee, {absent});
  w = WarningOf(absent);
  EXPECT_LT(w.level, WarningLevel::kRed);
  for (const auto& r : w.reasons) EXPECT_NE(r.rule, "absence");
}

TEST_P(PartyLifeTest, SweepEvaluatesTheMonthThatEndedOnce) {
  const int64_t m = Member("李华", branch_a_);
  clock_.Advance(40 * kDay);
  auto first = life_->Sweep(clock_.NowMs());
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->members, 1);
  auto again = life_->Sweep(clock_.NowMs());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->members, 0);
  EXPECT_EQ(WarningOf(m).month, MonthOf(core::ShanghaiDate(clock_.NowMs())) - 1);
}

TEST_P(PartyLifeTest, RulesOutOfOrderAreRefusedByField) {
  WarningRules r;
  r.absence_orange = 2;  // below yellow (3)
  auto set = life_->SetRules(SecretaryA(), std::nullopt, r);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.error().code, core::ErrorCode::kInvalid);
  EXPECT_EQ(set.error().field, "absence_orange");
  r = WarningRules{};
  r.service_level = WarningLevel::kRed;
  EXPECT_EQ(life_->SetRules(SecretaryA(), std::nullopt, r).error().field, "service_level");
  // A community's own rules apply below it, the defaults elsewhere.
  r = WarningRules{};
  r.absence_yellow = 1;
  r.absence_orange = 2;
  r.absence_red = 3;
  auto ok = life_->SetRules(SecretaryA(), std::nullopt, r);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->node_id, tree_.community_a.id);
  EXPECT_EQ(life_->Rules(Admin(), tree_.grid_a1.id)->rules.absence_red, 3);
  EXPECT_EQ(life_->Rules(Admin(), tree_.grid_b1.id)->rules.absence_red, 6);
}

TEST_P(PartyLifeTest, MeetingsAreCheckedAndScoped) {
  const int64_t a = Member("甲", branch_a_);
  NewPartyMeeting m;
  m.party_org_id = branch_a_;
  m.kind = MeetingKind::kThemeDay;
  m.held_on = Today();
  m.title = "主题党日";
  m.attendee_ids = {a};
  m.absentees = {{a, "", "出差"}};
  EXPECT_EQ(life_->RecordMeeting(SecretaryA(), m).error().field, "absentees[0].member_id");
  m.absentees = {{Member("乙", branch_a_), "", ""}};
  EXPECT_EQ(life_->RecordMeeting(SecretaryA(), m).error().field, "absentees[0].reason");
  m.absentees[0].reason = "出差";
  m.party_org_id = branch_b_;
  EXPECT_EQ(life_->RecordMeeting(SecretaryA(), m).error().field, "party_org_id");
  m.party_org_id = branch_a_;
  m.kind = MeetingKind::kGroup;  // a branch holds no group meetings
  EXPECT_EQ(life_->RecordMeeting(SecretaryA(), m).error().field, "kind");
  m.kind = MeetingKind::kThemeDay;
  auto ok = life_->RecordMeeting(SecretaryA(), m);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->attendees.size(), 1u);
  ASSERT_EQ(ok->absentees.size(), 1u);
  EXPECT_EQ(ok->absentees[0].reason, "出差");
  EXPECT_EQ(life_->GetMeeting(SecretaryB(), ok->id).error().code, core::ErrorCode::kNotFound);
  EXPECT_TRUE(life_->ListMeetings(SecretaryB(), PartyMeetingFilter{})->items.empty());
  EXPECT_EQ(life_->ListMeetings(SecretaryA(), PartyMeetingFilter{})->items.size(), 1u);
  Caller member = AsMember(a, tree_.grid_a1);
  EXPECT_EQ(life_->RecordMeeting(member, m).error().code, core::ErrorCode::kForbidden);
}

TEST_P(PartyLifeTest, CadenceListsTheBranchBehindFirst) {
  // Branch A holds every monthly meeting for three months; branch B holds none.
  const int64_t start = MonthOf(core::ShanghaiDate(t0_));
  for (int i = 0; i < 3; ++i) {
    Meeting(branch_a_, MeetingKind::kThemeDay, {});
    Meeting(branch_a_, MeetingKind::kCommittee, {});
    clock_.Advance(31 * kDay);
  }
  auto report = life_->Cadence(Admin(), std::nullopt, FormatMonth(start), FormatMonth(start + 2));
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_EQ(report->branches.size(), 2u);
  EXPECT_EQ(report->branches[0].party_org_id, branch_b_);
  EXPECT_GT(report->branches[0].missing, report->branches[1].missing);
  for (const auto& k : report->branches[1].kinds) {
    if (k.kind == MeetingKind::kThemeDay) {
      EXPECT_EQ(k.required, 3);
      EXPECT_TRUE(k.missing.empty());
    }
  }
  EXPECT_EQ(life_->Cadence(Admin(), std::nullopt, "2026-13", std::nullopt).error().field, "from");
}

TEST_P(PartyLifeTest, ListPagesAreBoundedWalks) {
  store::testing::StatementRecorder recorder(test_db_->db());
  PartyLifeService life(recorder.db(), clock_, *audit_);
  const int64_t m = Member("丙", branch_a_);
  Meeting(branch_a_, MeetingKind::kThemeDay, {m});
  ASSERT_TRUE(life.Evaluate(Admin(), std::nullopt, std::nullopt).ok());
  (void)recorder.Take();
  PartyMeetingFilter mf;
  ASSERT_TRUE(life.ListMeetings(SecretaryA(), mf).ok());
  mf.party_org_id = branch_a_;
  mf.page.after = 100;
  ASSERT_TRUE(life.ListMeetings(SecretaryA(), mf).ok());
  WarningFilter wf;
  ASSERT_TRUE(life.Warnings(SecretaryA(), wf).ok());
  wf.min_level = WarningLevel::kYellow;
  wf.unacknowledged = true;
  ASSERT_TRUE(life.Warnings(SecretaryA(), wf).ok());
  auto pages = recorder.Take(" LIMIT ");
  ASSERT_EQ(pages.size(), 4u);
  store::testing::ExpectBoundedPages(
      test_db_->db(), pages, {"party_meeting", "party_warning", "party_member", "org_node"});
}

// The branch secretary is told (issue 10 §2): a rise writes a notice to the
// community secretary above the branch, not to another community's, once.
TEST_P(PartyLifeTest, ARaisedWarningNotifiesTheBranchSecretaryOnce) {
  auto conn = test_db_->db().Acquire();
  ASSERT_TRUE(conn.ok());
  auto account = [&](int64_t id, const std::string& name, Role role, const OrgNode& node) {
    ASSERT_TRUE((*conn)
                    ->Execute("INSERT INTO account (id, username, display_name, password_hash, "
                              "role, scope_node_id, created_at, password_changed_at) VALUES ($1, "
                              "$2, $2, 'x', $3, $4, 0, 0)",
                              {id, name, std::string(RoleName(role)), node.id})
                    .ok());
  };
  account(9001, "sec_a", Role::kCommunitySecretary, tree_.community_a);
  account(9002, "sec_b", Role::kCommunitySecretary, tree_.community_b);
  account(9003, "street", Role::kStreetAdmin, tree_.street);
  const int64_t absent = Member("张明", branch_a_);
  const int64_t start = MonthOf(core::ShanghaiDate(t0_));
  Meeting(branch_a_, MeetingKind::kThemeDay, {absent});
  PayDues(absent, start, start + 6);
  clock_.Advance(183 * kDay);
  ASSERT_TRUE(life_->Evaluate(SecretaryA(), std::nullopt, std::nullopt).ok());
  auto told = NoticesFor(**conn, 9001, std::nullopt, 10);
  ASSERT_TRUE(told.ok()) << told.error().message;
  ASSERT_EQ(told->size(), 1u);
  EXPECT_EQ((*told)[0].kind, "warning_raised");
  EXPECT_EQ((*told)[0].subject_id, absent);
  EXPECT_NE((*told)[0].text.find("张明"), std::string::npos) << (*told)[0].text;
  EXPECT_NE((*told)[0].text.find("红色"), std::string::npos) << (*told)[0].text;
  EXPECT_NE((*told)[0].text.find("已连续 6 个月未参加组织生活"), std::string::npos);
  EXPECT_TRUE(NoticesFor(**conn, 9002, std::nullopt, 10)->empty());
  EXPECT_TRUE(NoticesFor(**conn, 9003, std::nullopt, 10)->empty());
  // Evaluating the same month again is no new rise.
  ASSERT_TRUE(life_->Evaluate(SecretaryA(), std::nullopt, std::nullopt).ok());
  EXPECT_EQ(NoticesFor(**conn, 9001, std::nullopt, 10)->size(), 1u);
}

TEST(MonthLabel, WritesTheMonthInZhCnWords) {
  EXPECT_EQ(MonthLabel(2026 * 12 + 9), "2026年10月");
  EXPECT_EQ(MonthLabel(2027 * 12 + 0), "2027年1月");
  EXPECT_EQ(FormatMonth(2026 * 12 + 9), "2026-10");  // the API's month stays ISO
}

INSTANTIATE_TEST_SUITE_P(Backends, PartyLifeTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
