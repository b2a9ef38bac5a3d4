// Deliberation meetings: the recurrence rules in Asia/Shanghai (逢四说事 on
// exactly the 4th, 14th and 24th across month and year ends), series,
// registration with capacity and signed check-in codes, a resident's
// proposal on the agenda, a decision's follow-up ticket completing it and the
// weighted progress, the minutes reminders, validation and scope — on both
// backends.
#include "domain/deliberation/deliberation_service.h"

#include "domain/access/notices.h"

#include <gtest/gtest.h>

#include <map>

#include "domain/registry/grid_locator.h"
#include "domain/registry/residents.h"
#include "domain/testing/domain_fixture.h"
#include "domain/tickets/categories.h"

namespace civicgrid::domain {
namespace {

using core::CivilDate;

MeetingRule FourteenTwentyFour() {
  MeetingRule r;
  r.kind = RuleKind::kDaysOfMonth;
  r.days = {4, 14, 24};
  r.minute = 9 * 60;
  return r;
}

TEST(DeliberationRules, FourthFourteenthTwentyFourthAcrossMonthAndYearEnds) {
  // November 2026 to March 2027: a 30-day month, December into January, February.
  auto starts = Occurrences(FourteenTwentyFour(), {2026, 11, 1}, {2027, 3, 31});
  ASSERT_EQ(starts.size(), 15u);
  std::map<std::pair<int64_t, int>, std::vector<int>> by_month;
  for (int64_t s : starts) {
    CivilDate d = core::ShanghaiDate(s);
    by_month[{d.year, d.month}].push_back(d.day);
    // 09:00 in Beijing is 01:00 UTC on the same date.
    EXPECT_EQ(core::FormatUtc(s), core::FormatDate(d) + "T01:00:00.000Z");
  }
  ASSERT_EQ(by_month.size(), 5u);
  for (const auto& [month, days] : by_month) EXPECT_EQ(days, (std::vector<int>{4, 14, 24}));
  EXPECT_EQ(core::FormatUtc(starts[5]), "2026-12-24T01:00:00.000Z");
  EXPECT_EQ(core::FormatUtc(starts[6]), "2027-01-04T01:00:00.000Z");
  EXPECT_EQ(core::FormatUtc(starts[11]), "2027-02-24T01:00:00.000Z");
  EXPECT_EQ(core::FormatUtc(starts[12]), "2027-03-04T01:00:00.000Z");
  // Late in the evening the UTC instant falls on the day before: 00:30 on the 4th.
  MeetingRule early = FourteenTwentyFour();
  early.minute = 30;
  auto e = Occurrences(early, {2027, 1, 1}, {2027, 1, 5});
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(core::FormatUtc(e[0]), "2027-01-03T16:30:00.000Z");
  // A day a month lacks is skipped that month.
  MeetingRule last;
  last.days = {31};
  EXPECT_EQ(Occurrences(last, {2027, 1, 1}, {2027, 4, 30}).size(), 2u);  // January, March
}

TEST(DeliberationRules, WeekdaysAtHalfPastSevenAndTheFirstMonday) {
  MeetingRule weekdays;
  weekdays.kind = RuleKind::kWeekly;
  weekdays.days = {1, 2, 3, 4, 5};
  weekdays.minute = 19 * 60 + 30;
  // 2026-12-28 (Monday) to 2027-01-03 (Sunday): five evenings across the year end.
  auto w = Occurrences(weekdays, {2026, 12, 28}, {2027, 1, 3});
  ASSERT_EQ(w.size(), 5u);
  EXPECT_EQ(core::FormatUtc(w[0]), "2026-12-28T11:30:00.000Z");
  EXPECT_EQ(core::FormatUtc(w[4]), "2027-01-01T11:30:00.000Z");
  MeetingRule first_monday;
  first_monday.kind = RuleKind::kNthWeekday;
  first_monday.nth = 1;
  first_monday.weekday = 1;
  auto m = Occurrences(first_monday, {2026, 12, 1}, {2027, 2, 28});
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(core::FormatDate(core::ShanghaiDate(m[0])), "2026-12-07");
  EXPECT_EQ(core::FormatDate(core::ShanghaiDate(m[1])), "2027-01-04");
  EXPECT_EQ(core::FormatDate(core::ShanghaiDate(m[2])), "2027-02-01");
  // The stored text reads back as the same rule.
  auto parsed = ParseRuleText(RuleText(first_monday));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(RuleText(*parsed), RuleText(first_monday));
  EXPECT_EQ(RuleText(*ParseRuleText(RuleText(FourteenTwentyFour()))),
            "days_of_month 4,14,24 09:00 90");
  MeetingRule bad = FourteenTwentyFour();
  bad.days = {32};
  EXPECT_EQ(ValidateRule(bad).error().field, "rule.days");
}

class DeliberationTest : public testing::DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    if (skipped_) return;
    locator_ = std::make_unique<GridLocator>(test_db_->db());
    categories_ = std::make_unique<CategoryService>(test_db_->db(), clock_, *audit_);
    ASSERT_TRUE(categories_->SeedDefaults().ok());
    tickets_ = std::make_unique<TicketService>(test_db_->db(), clock_, *audit_, cipher_, *locator_,
                                               *categories_);
    service_ =
        std::make_unique<DeliberationService>(test_db_->db(), clock_, *audit_, cipher_, *tickets_);
    followup_ = std::make_unique<DecisionFollowUp>(*service_);
    tickets_->AddObserver(followup_.get());
    residents_ = std::make_unique<ResidentService>(test_db_->db(), clock_, *audit_, cipher_);
    // Accounts for the fixture's callers (tickets reference their submitter).
    auto conn = test_db_->db().Acquire();
    for (Role role : AllRoles()) {
      Caller c = As(role, tree_.county);
      ASSERT_TRUE(
          (*conn)
              ->Execute("INSERT INTO account (id, username, display_name, password_hash, "
                        "role, scope_node_id, created_at, password_changed_at) VALUES "
                        "($1, $2, $2, 'x', $3, $4, 0, 0)",
                        {c.account_id, c.username, std::string(RoleName(role)), tree_.county.id})
              .ok());
    }
    resident_a_ = ResidentOf(tree_.building_a1, 1, 5001);
    resident_b_ = ResidentOf(tree_.building_b1, 2, 5002);
  }

  Caller ResidentOf(const OrgNode& building, int serial, int64_t account) {
    NewResident r;
    r.building_id = building.id;
    r.room = "1-10" + std::to_string(serial);
    r.name = "居民" + std::to_string(serial);
    r.id_number = IdNumber(serial);
    auto out = residents_->Create(Admin(), r);
    EXPECT_TRUE(out.ok()) << out.error().message;
    Caller c = As(Role::kResident, building);
    c.account_id = account;
    c.resident_id = out.ok() ? out->id : 0;
    return c;
  }

  Caller SecretaryA() const { return As(Role::kCommunitySecretary, tree_.community_a); }

  Meeting OneOff(int64_t starts_at, int64_t capacity = 0) {
    NewMeeting m;
    m.community_id = tree_.community_a.id;
    m.title = "物业联席会议";
    m.starts_at = core::FormatUtc(starts_at);
    m.duration_minutes = 60;
    m.capacity = capacity;
    m.parties = {{PartyKind::kOwnersCommittee, std::nullopt, "幸福家园业委会"}};
    auto out = service_->Create(SecretaryA(), m);
    EXPECT_TRUE(out.ok()) << out.error().message << " " << out.error().field;
    return out.ok() ? *out : Meeting{};
  }

  int64_t Count(const std::string& table) {
    auto conn = test_db_->db().Acquire();
    return (*conn)->QueryInt("SELECT COUNT(*) FROM " + table).value();
  }

  std::unique_ptr<GridLocator> locator_;
  std::unique_ptr<CategoryService> categories_;
  std::unique_ptr<TicketService> tickets_;
  std::unique_ptr<DeliberationService> service_;
  std::unique_ptr<DecisionFollowUp> followup_;
  std::unique_ptr<ResidentService> residents_;
  Caller resident_a_, resident_b_;
};

TEST_P(DeliberationTest, ASeriesMaterialisesItsDaysAndListsByCommunity) {
  NewSeries s;
  s.community_id = tree_.community_a.id;
  s.title = "逢四说事";
  s.rule = FourteenTwentyFour();
  s.first_date = "2026-12-01";
  s.last_date = "2027-02-28";
  auto series = service_->CreateSeries(SecretaryA(), s);
  ASSERT_TRUE(series.ok()) << series.error().message;
  EXPECT_EQ(series->meetings, 9);
  MeetingFilter f;
  f.series_id = series->id;
  auto page = service_->List(resident_a_, f);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 9u);
  EXPECT_EQ(core::FormatUtc(page->items[0].starts_at), "2026-12-04T01:00:00.000Z");
  EXPECT_EQ(page->items[0].rule, "days_of_month 4,14,24 09:00 90");
  EXPECT_TRUE(service_->List(resident_b_, f)->items.empty());
  // A series without a single day in its span is refused, nothing written.
  s.rule.days = {31};
  s.first_date = "2027-04-01";
  s.last_date = "2027-04-30";
  int64_t before = Count("delib_meeting");
  EXPECT_EQ(service_->CreateSeries(SecretaryA(), s).error().field, "rule");
  EXPECT_EQ(Count("delib_meeting"), before);
  EXPECT_EQ(Count("delib_series"), 1);
}

TEST_P(DeliberationTest, ProposalToAgendaToDecisionToTicketClosedCompletesIt) {
  auto proposal = service_->Propose(resident_a_, {"小区东门路灯不亮", "晚上回家很黑", 10});
  ASSERT_TRUE(proposal.ok()) << proposal.error().message;
  EXPECT_EQ(proposal->state, ItemState::kProposed);
  Meeting m = OneOff(clock_.NowMs() + core::kMsPerHour);
  NewItem item;
  item.proposal_id = proposal->id;
  item.duration_minutes = 20;
  auto scheduled = service_->AddItem(SecretaryA(), m.id, item);
  ASSERT_TRUE(scheduled.ok()) << scheduled.error().message;
  EXPECT_EQ(scheduled->state, ItemState::kScheduled);
  EXPECT_EQ(scheduled->source, ItemSource::kProposal);
  // The same proposal cannot go on a second agenda.
  EXPECT_EQ(service_->AddItem(SecretaryA(), m.id, item).error().field, "proposal_id");
  // Two decisions on it, weights 3 and 1.
  NewDecision d{proposal->id, "更换东门路灯", "物业公司 王经理", "2027-01-15", 3, std::nullopt};
  auto first = service_->Decide(SecretaryA(), m.id, d);
  ASSERT_TRUE(first.ok()) << first.error().message << " " << first.error().field;
  ASSERT_TRUE(first->ticket_id.has_value());
  auto ticket = tickets_->Get(Admin(), *first->ticket_id);
  ASSERT_TRUE(ticket.ok());
  EXPECT_EQ(ticket->kind, TicketKind::kFollowUp);
  EXPECT_EQ(ticket->channel, TicketChannel::kMeeting);
  d.title = "东门加装监控";
  d.weight = 1;
  auto second = service_->Decide(SecretaryA(), m.id, d);
  ASSERT_TRUE(second.ok());
  // The first follow-up ticket closed: 3 of 4 weight done.
  TicketAction close;
  close.type = TicketEventType::kClose;
  ASSERT_TRUE(tickets_->Act(Admin(), *first->ticket_id, close).ok());
  auto after = service_->Get(resident_a_, m.id);
  ASSERT_TRUE(after.ok());
  EXPECT_DOUBLE_EQ(after->progress, 0.75);
  EXPECT_EQ(after->decisions[0].state, DecisionState::kDone);
  EXPECT_EQ(after->decisions[1].state, DecisionState::kOpen);
  EXPECT_EQ(after->agenda.at(0).state, ItemState::kScheduled);
  ASSERT_TRUE(tickets_->Act(Admin(), *second->ticket_id, close).ok());
  after = service_->Get(resident_a_, m.id);
  EXPECT_DOUBLE_EQ(after->progress, 1.0);
  EXPECT_EQ(after->agenda.at(0).state, ItemState::kDone);
  // The resident follows it from their own proposals; the timeline says how it went.
  auto mine = service_->Proposals(resident_a_, {});
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->items.size(), 1u);
  EXPECT_DOUBLE_EQ(mine->items[0].progress, 1.0);
  EXPECT_TRUE(mine->items[0].mine);
  auto timeline = service_->GetDecision(resident_a_, first->id);
  ASSERT_TRUE(timeline.ok());
  ASSERT_EQ(timeline->timeline.size(), 2u);
  EXPECT_EQ(timeline->timeline[1].kind, "ticket_closed");
  // Reopening the ticket reopens the decision and the item.
  TicketAction reopen;
  reopen.type = TicketEventType::kReopen;
  reopen.note = "灯又坏了";
  ASSERT_TRUE(tickets_->Act(Admin(), *first->ticket_id, reopen).ok());
  after = service_->Get(SecretaryA(), m.id);
  EXPECT_DOUBLE_EQ(after->progress, 0.25);
  EXPECT_EQ(after->agenda.at(0).state, ItemState::kDiscussed);
}

TEST_P(DeliberationTest, RegistrationCapacityAndSignedCheckIn) {
  Meeting m = OneOff(clock_.NowMs() + 10 * core::kMsPerMinute, 1);
  ASSERT_TRUE(service_->Register(resident_a_, m.id).ok());
  ASSERT_TRUE(service_->Register(resident_a_, m.id).ok());  // again: the same seat
  Caller other = ResidentOf(tree_.building_a2, 3, 5003);
  EXPECT_EQ(service_->Register(other, m.id).error().field, "capacity");
  EXPECT_EQ(service_->Register(resident_b_, m.id).error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(service_->IssueCode(resident_a_, m.id).error().code, core::ErrorCode::kForbidden);
  auto code = service_->IssueCode(SecretaryA(), m.id);
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(code->qr, "cgmeet:" + std::to_string(m.id) + ":" + code->code);
  EXPECT_EQ(service_->CheckIn(resident_a_, m.id, "00000000").error().field, "code");
  ASSERT_TRUE(service_->CheckIn(resident_a_, m.id, code->code).ok());
  EXPECT_EQ(service_->CheckIn(resident_a_, m.id, code->code).error().field, "code");
  // Another meeting's code does not open this one.
  Meeting n = OneOff(clock_.NowMs() + 10 * core::kMsPerMinute);
  auto other_code = service_->IssueCode(SecretaryA(), n.id);
  EXPECT_EQ(service_->CheckIn(other, m.id, other_code->code).error().field, "code");
  // Codes expire: two windows later the code is refused.
  clock_.Advance(2 * service_->options().code_window_ms);
  EXPECT_EQ(service_->CheckIn(other, n.id, other_code->code).error().field, "code");
  // The minutes count the attendees.
  clock_.Advance(core::kMsPerHour);
  auto closed = service_->SetMinutes(SecretaryA(), m.id, {"议定两件事", std::nullopt, m.version});
  ASSERT_TRUE(closed.ok()) << closed.error().message;
  EXPECT_EQ(closed->attendee_count, 1);
  EXPECT_EQ(closed->state, MeetingState::kClosed);
}

TEST_P(DeliberationTest, MinutesMissingRemindTheOrganiserAfterThreeAndSevenDays) {
  Meeting m = OneOff(clock_.NowMs() + core::kMsPerHour);
  const int64_t end = m.ends_at;
  const int64_t day = core::kMsPerDay;
  EXPECT_EQ(service_->Sweep(end + 3 * day - 1)->reminders, 0);
  EXPECT_EQ(service_->Sweep(end + 3 * day)->reminders, 1);
  EXPECT_EQ(service_->Sweep(end + 3 * day + 60000)->reminders, 0);
  EXPECT_EQ(service_->Sweep(end + 7 * day)->reminders, 1);
  EXPECT_EQ(service_->Sweep(end + 30 * day)->reminders, 0);
  auto reminders = service_->Reminders(SecretaryA(), 10);
  ASSERT_TRUE(reminders.ok());
  ASSERT_EQ(reminders->size(), 2u);
  EXPECT_EQ((*reminders)[0].after_days, 7);
  EXPECT_EQ((*reminders)[1].after_days, 3);
  EXPECT_TRUE(service_->Reminders(As(Role::kCommunityWorker, tree_.community_a), 10)->empty());
  // Minutes in: the reminders go.
  clock_.Set(end + 8 * day);
  ASSERT_TRUE(service_->SetMinutes(SecretaryA(), m.id, {"纪要", std::nullopt, std::nullopt}).ok());
  EXPECT_TRUE(service_->Reminders(SecretaryA(), 10)->empty());
  // A meeting with its minutes in time is never reminded.
  Meeting n = OneOff(clock_.NowMs() + core::kMsPerHour);
  clock_.Set(n.ends_at + day);
  ASSERT_TRUE(service_->SetMinutes(SecretaryA(), n.id, {"纪要", std::nullopt, std::nullopt}).ok());
  EXPECT_EQ(service_->Sweep(n.ends_at + 10 * day)->reminders, 0);
}

TEST_P(DeliberationTest, BadInputNamesTheFieldAndChangesNothing) {
  NewMeeting m;
  m.community_id = tree_.community_a.id;
  m.title = "议事";
  m.starts_at = "2027-01-04T09:00:00+08:00";
  auto expect = [&](NewMeeting in, const std::string& field) {
    auto out = service_->Create(SecretaryA(), in);
    ASSERT_FALSE(out.ok()) << field;
    EXPECT_EQ(out.error().code, core::ErrorCode::kInvalid) << field;
    EXPECT_EQ(out.error().field, field);
  };
  NewMeeting x = m;
  x.title = "";
  expect(x, "title");
  x = m;
  x.starts_at = "2027-01-04 09:00";
  expect(x, "starts_at");
  x = m;
  x.duration_minutes = 0;
  expect(x, "duration_minutes");
  x = m;
  x.capacity = -1;
  expect(x, "capacity");
  x = m;
  x.community_id = tree_.street.id;
  expect(x, "community_id");
  x = m;
  x.parties = {{PartyKind::kDepartment, 999999, ""}};
  expect(x, "parties[0].unit_id");
  EXPECT_EQ(Count("delib_meeting"), 0);
  EXPECT_EQ(Count("delib_party"), 0);
  Meeting ok = OneOff(clock_.NowMs() + core::kMsPerHour);
  NewDecision d{std::nullopt, "修路", "王经理", "2027-13-01", 1, std::nullopt};
  EXPECT_EQ(service_->Decide(SecretaryA(), ok.id, d).error().field, "due_date");
  d.due_date = "2027-01-01";
  d.weight = 0;
  EXPECT_EQ(service_->Decide(SecretaryA(), ok.id, d).error().field, "weight");
  d.weight = 1;
  d.item_id = 424242;
  EXPECT_EQ(service_->Decide(SecretaryA(), ok.id, d).error().field, "item_id");
  EXPECT_EQ(Count("delib_decision"), 0);
  EXPECT_EQ(Count("ticket"), 0);
  EXPECT_EQ(service_->Propose(resident_a_, {"", "", 10}).error().field, "title");
  EXPECT_EQ(service_->Propose(resident_a_, {"x", "", 0}).error().field, "duration_minutes");
  EXPECT_EQ(Count("delib_item"), 0);
}

TEST_P(DeliberationTest, ScopeHidesOtherCommunities) {
  Meeting m = OneOff(clock_.NowMs() + core::kMsPerHour);
  Caller secretary_b = As(Role::kCommunitySecretary, tree_.community_b);
  EXPECT_EQ(service_->Get(secretary_b, m.id).error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(service_->Get(resident_b_, m.id).error().code, core::ErrorCode::kNotFound);
  EXPECT_TRUE(service_->Get(resident_a_, m.id).ok());
  EXPECT_FALSE(service_->Get(resident_a_, m.id)->manageable);
  EXPECT_TRUE(service_->Get(Admin(), m.id)->manageable);
  NewMeeting other;
  other.community_id = tree_.community_a.id;
  other.title = "越权";
  other.starts_at = "2027-01-04T09:00:00+08:00";
  EXPECT_EQ(service_->Create(secretary_b, other).error().field, "community_id");
  EXPECT_EQ(service_->Create(resident_a_, other).error().code, core::ErrorCode::kForbidden);
  EXPECT_EQ(service_->AddItem(resident_a_, m.id, NewItem{std::nullopt, std::nullopt, "x", "", 5})
                .error()
                .code,
            core::ErrorCode::kForbidden);
  EXPECT_EQ(service_->List(secretary_b, {})->items.size(), 0u);
  EXPECT_EQ(service_->List(SecretaryA(), {})->items.size(), 1u);
  // A resident's proposals are their own.
  ASSERT_TRUE(service_->Propose(resident_a_, {"加装电梯", "", 15}).ok());
  EXPECT_EQ(service_->Proposals(resident_b_, {})->items.size(), 0u);
  EXPECT_EQ(service_->Proposals(SecretaryA(), {})->items.size(), 1u);
  EXPECT_EQ(service_->Proposals(secretary_b, {})->items.size(), 0u);
}

// Issue 10 §3: the organiser declines a registration (the seat is free again,
// the person told and unable to re-register) and cancels a meeting (everyone
// registered told); others may not, and a cancelled meeting takes no code.
TEST_P(DeliberationTest, DeclineARegistrationAndCancelAMeetingTellThePeople) {
  Meeting m = OneOff(clock_.NowMs() + 10 * core::kMsPerMinute, 1);
  ASSERT_TRUE(service_->Register(resident_a_, m.id).ok());
  auto listed = service_->Registrations(SecretaryA(), m.id);
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].account_id, resident_a_.account_id);
  EXPECT_EQ(service_->Registrations(resident_a_, m.id).error().code, core::ErrorCode::kForbidden);
  const int64_t reg = (*listed)[0].id;
  EXPECT_EQ(service_->Decline(SecretaryA(), m.id, reg, " ").error().field, "reason");
  EXPECT_EQ(service_->Decline(SecretaryA(), m.id, reg + 100, "x").error().code,
            core::ErrorCode::kNotFound);
  auto declined = service_->Decline(SecretaryA(), m.id, reg, "名额留给本楼业主");
  ASSERT_TRUE(declined.ok()) << declined.error().message;
  EXPECT_TRUE(declined->declined_at);
  EXPECT_EQ(service_->Register(resident_a_, m.id).error().field, "state");
  EXPECT_TRUE(service_->Get(resident_a_, m.id)->declined_me);
  auto conn = test_db_->db().Acquire();
  auto told = NoticesFor(**conn, resident_a_.account_id, std::nullopt, 10);
  ASSERT_EQ(told->size(), 1u);
  EXPECT_EQ((*told)[0].kind, "registration_declined");
  EXPECT_NE((*told)[0].text.find("名额留给本楼业主"), std::string::npos);
  // The seat is free again: another resident registers in the capacity of one.
  Caller other = ResidentOf(tree_.building_a2, 3, 5003);
  ASSERT_TRUE(service_->Register(other, m.id).ok());
  EXPECT_EQ(service_->Get(SecretaryA(), m.id)->registered, 1);
  // Cancel: only the organiser, with a reason; the registered resident is told.
  EXPECT_EQ(service_->Cancel(other, m.id, "x").error().code, core::ErrorCode::kForbidden);
  EXPECT_EQ(service_->Cancel(SecretaryA(), m.id, "").error().field, "reason");
  auto cancelled = service_->Cancel(SecretaryA(), m.id, "暴雨预警，改期");
  ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;
  EXPECT_EQ(cancelled->state, MeetingState::kCancelled);
  EXPECT_EQ(cancelled->cancel_reason, "暴雨预警，改期");
  auto other_told = NoticesFor(**conn, other.account_id, std::nullopt, 10);
  ASSERT_EQ(other_told->size(), 1u);
  EXPECT_EQ((*other_told)[0].kind, "meeting_cancelled");
  EXPECT_EQ((*other_told)[0].subject_id, m.id);
  EXPECT_EQ(NoticesFor(**conn, resident_a_.account_id, std::nullopt, 10)->size(), 1u);
  EXPECT_EQ(service_->Cancel(SecretaryA(), m.id, "again").error().field, "state");
  EXPECT_EQ(service_->IssueCode(SecretaryA(), m.id).error().field, "state");
}

INSTANTIATE_TEST_SUITE_P(Backends, DeliberationTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
