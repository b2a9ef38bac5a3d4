// Silence alerts: the 12-hour rule raises exactly one alert and one ticket
// (on a batch and on the sweep), resuming use closes it, absence suppresses,
// duplicate batches change nothing, a future reading and an unknown meter are
// refused by name, continuous flow, masked contacts and scope — on both backends.
#include "domain/care/care_service.h"

#include <gtest/gtest.h>

#include "domain/care/care_profile.h"
#include "domain/care/care_test_fixture.h"
#include "domain/registry/grid_locator.h"
#include "domain/registry/residents.h"
#include "domain/registry/staff.h"
#include "domain/testing/domain_fixture.h"
#include "domain/tickets/categories.h"
#include "domain/tickets/webhooks.h"

namespace civicgrid::domain {
namespace {

TEST_P(CareTest, TwelveHourSilenceRaisesOneAlertAndOneTicketAndUseClosesIt) {
  CareSubject s = Enrol(tree_.building_a1, 1, "W-1");
  // Use for two hours, then a flat register for fourteen.
  std::vector<ReadingRow> rows;
  for (int h = 0; h <= 16; ++h)
    rows.push_back(Row("W-1", t0_ + h * kHour, h <= 2 ? 0.05 * h : 0.1));
  clock_.Set(t0_ + 16 * kHour);
  IngestReport r = Ingest(rows);
  EXPECT_EQ(r.stored, 17);
  EXPECT_EQ(r.alerts_raised, 1);
  // Neither the sweep nor another silent reading raises a second one.
  EXPECT_EQ(care_->Sweep(clock_.NowMs())->alerts_raised, 0);
  clock_.Advance(kHour);
  EXPECT_EQ(Ingest({Row("W-1", clock_.NowMs(), 0.1)}).alerts_raised, 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM care_alert"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ticket WHERE kind = 'alert' AND channel = 'sensor'"), 1);
  auto alerts = Alerts(true);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].rule, AlertRule::kSilence);
  ASSERT_TRUE(alerts[0].ticket_id);
  auto ticket = tickets_->Get(Admin(), *alerts[0].ticket_id);
  ASSERT_TRUE(ticket.ok()) << ticket.error().message;
  EXPECT_EQ(ticket->node_id, tree_.grid_a1.id);
  EXPECT_EQ(ticket->kind, TicketKind::kAlert);
  EXPECT_EQ(ticket->channel, TicketChannel::kSensor);
  // The grid worker of the subject's grid sees the ticket.
  EXPECT_TRUE(tickets_->Get(As(Role::kGridWorker, tree_.grid_a1), ticket->id).ok());

  // Use resumes: the alert closes and the ticket notes it, as the system.
  clock_.Advance(kHour);
  r = Ingest({Row("W-1", clock_.NowMs(), 0.15)});
  EXPECT_EQ(r.alerts_closed, 1);
  EXPECT_TRUE(Alerts(true).empty());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ticket_event WHERE type = 'comment' AND actor_account_id "
                  "IS NULL AND actor_label = '系统（云监护）'"),
            1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ticket"), 1);
  (void)s;
}

TEST_P(CareTest, UseRecordedBeforeTheEnrolmentStartsTheSilenceClock) {
  Enrol(tree_.building_a1, 14, "W-14");
  // The utility's first batch: use until 13 hours before the enrolment, then flat.
  std::vector<ReadingRow> rows;
  for (int h = 16; h >= 0; --h)
    rows.push_back(Row("W-14", t0_ - h * kHour, h >= 13 ? 0.05 * (16 - h) : 0.15));
  EXPECT_EQ(Ingest(rows).alerts_raised, 1);
  // Later use older than the last recorded use changes nothing.
  EXPECT_EQ(Ingest({Row("W-14", t0_ - 20 * kHour, 0.0)}).alerts_closed, 0);
}

TEST_P(CareTest, AMeterThatStopsReportingAlertsOnTheSweep) {
  Enrol(tree_.building_a1, 2, "W-2");
  clock_.Set(t0_ + kHour);
  Ingest({Row("W-2", t0_, 1.0), Row("W-2", t0_ + kHour, 1.2)});  // use at t0 + 1 h
  EXPECT_EQ(care_->Sweep(t0_ + 13 * kHour - 1)->alerts_raised, 0);
  EXPECT_EQ(care_->Sweep(t0_ + 13 * kHour)->alerts_raised, 1);
  EXPECT_EQ(care_->Sweep(t0_ + 14 * kHour)->alerts_raised, 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ticket WHERE kind = 'alert'"), 1);
}

TEST_P(CareTest, AbsenceSuppressesAndTheClockRestartsAtTheReturn) {
  CareSubject s = Enrol(tree_.building_a1, 3, "W-3");
  core::CivilDate today = core::ShanghaiDate(t0_);
  core::CivilDate back = core::CivilFromDays(core::DaysFromCivil(today) + 2);
  auto away = care_->SetAbsence(Admin(), s.id, core::FormatDate(today), core::FormatDate(back));
  ASSERT_TRUE(away.ok()) << away.error().message;
  ASSERT_TRUE(away->away_until_ms);
  const int64_t until = *away->away_until_ms;
  EXPECT_EQ(care_->Sweep(t0_ + 13 * kHour)->alerts_raised, 0);
  EXPECT_EQ(care_->Sweep(until - 1)->alerts_raised, 0);
  EXPECT_EQ(care_->Sweep(until + 12 * kHour - 1)->alerts_raised, 0);
  EXPECT_EQ(care_->Sweep(until + 12 * kHour)->alerts_raised, 1);
  // Bad dates name their field.
  EXPECT_EQ(care_->SetAbsence(Admin(), s.id, "2026-13-01", "2026-12-01").error().field, "from");
  EXPECT_EQ(care_->SetAbsence(Admin(), s.id, "2026-12-05", "2026-12-01").error().field, "until");
}

TEST_P(CareTest, ADuplicateBatchChangesNothingAndOutOfOrderIsAccepted) {
  CareSubject s = Enrol(tree_.building_a1, 4, "W-4");
  std::vector<ReadingRow> rows;
  for (int h = 5; h >= 0; --h) rows.push_back(Row("W-4", t0_ + h * kHour, 0.02 * h));
  clock_.Set(t0_ + 5 * kHour);
  IngestReport first = Ingest(rows);
  EXPECT_EQ(first.stored, 6);
  EXPECT_TRUE(first.rejected.empty());
  CareSubject before = care_->Get(Admin(), s.id).value();
  ASSERT_EQ(before.meters.size(), 1u);
  EXPECT_EQ(before.meters[0].last_at_ms, t0_ + 5 * kHour);
  EXPECT_EQ(before.last_use_at_ms, t0_ + 5 * kHour);
  IngestReport again = Ingest(rows);
  EXPECT_EQ(again.stored, 0);
  EXPECT_EQ(again.duplicates, 6);
  CareSubject after = care_->Get(Admin(), s.id).value();
  EXPECT_EQ(after.last_use_at_ms, before.last_use_at_ms);
  EXPECT_EQ(after.meters[0].readings, 6);
  EXPECT_EQ(after.meters[0].last_value, before.meters[0].last_value);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM care_reading"), 6);
  // A late reading older than the last one is stored and moves no state.
  EXPECT_EQ(Ingest({Row("W-4", t0_ + 30 * 60'000, 0.01)}).stored, 1);
  EXPECT_EQ(care_->Get(Admin(), s.id)->meters[0].last_at_ms, t0_ + 5 * kHour);
}

TEST_P(CareTest, AFutureReadingAndAnUnknownMeterAreRefusedByName) {
  Enrol(tree_.building_a1, 5, "W-5");
  IngestReport r = Ingest({Row("W-5", t0_, 1.0), Row("W-5", t0_ + kHour, 1.1),
                           Row("NOPE", t0_, 1.0), ReadingRow{"W-5", "yesterday", "1"},
                           ReadingRow{"W-5", core::FormatUtc(t0_ - kHour), "-3"}});
  EXPECT_EQ(r.stored, 1);
  ASSERT_EQ(r.rejected.size(), 4u);
  EXPECT_EQ(r.rejected[0].row, 2);
  EXPECT_EQ(r.rejected[0].field, "at");
  EXPECT_EQ(r.rejected[1].row, 3);
  EXPECT_EQ(r.rejected[1].field, "meter");
  EXPECT_NE(r.rejected[1].message.find("NOPE"), std::string::npos);
  EXPECT_EQ(r.rejected[2].field, "at");
  EXPECT_EQ(r.rejected[3].field, "value");
}

TEST_P(CareTest, ContinuousFlowRaisesAFlowAlertThatStopsWhenTheFlowStops) {
  Enrol(tree_.building_a1, 6, "W-6");
  std::vector<ReadingRow> rows;
  for (int q = 0; q <= 8; ++q) rows.push_back(Row("W-6", t0_ + q * 15 * 60'000, 0.01 * q));
  clock_.Set(t0_ + 2 * kHour);
  EXPECT_EQ(Ingest(rows).alerts_raised, 1);
  auto open = Alerts(true);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].rule, AlertRule::kFlow);
  clock_.Advance(15 * 60'000);
  EXPECT_EQ(Ingest({Row("W-6", clock_.NowMs(), 0.08)}).alerts_closed, 1);
  EXPECT_TRUE(Alerts(true).empty());
}

TEST_P(CareTest, EnrolmentChecksConsentAndMasksContacts) {
  NewCareSubject s;
  s.resident_id = Resident(tree_.building_a1, 7);
  s.consent_by = "本人";
  s.consent_method = "nodded";
  EXPECT_EQ(care_->Enrol(Admin(), s).error().field, "consent_method");
  s.consent_method = "verbal";
  s.contacts.push_back({"李明", "儿子", "123"});
  EXPECT_EQ(care_->Enrol(Admin(), s).error().field, "contacts[0].phone");
  s.contacts[0].phone = "13912345678";
  s.meters.push_back(
      NewMeter{MeterKind::kWater, "bad id!", std::nullopt, std::nullopt, std::nullopt});
  EXPECT_EQ(care_->Enrol(Admin(), s).error().field, "meters[0].external_id");
  s.meters[0].external_id = "W-7";
  auto ok = care_->Enrol(Admin(), s);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  ASSERT_EQ(ok->contacts.size(), 1u);
  EXPECT_NE(ok->contacts[0].phone, "13912345678");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM care_contact WHERE phone_masked = '13912345678'"), 0);
  EXPECT_EQ(ok->meters[0].floor, 0.01);
  EXPECT_EQ(care_->Enrol(Admin(), s).error().field, "resident_id");  // enrolled already
  // A resident without a care flag is not a care subject.
  NewCareSubject plain = s;
  plain.resident_id = Resident(tree_.building_a1, 8, 0);
  plain.meters.clear();
  EXPECT_EQ(care_->Enrol(Admin(), plain).error().field, "resident_id");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'care.enrol'"), 1);
}

TEST_P(CareTest, EverythingIsScopedToTheCallersSubtree) {
  CareSubject s = Enrol(tree_.building_a1, 9, "W-9");
  Caller a1 = As(Role::kGridWorker, tree_.grid_a1);
  Caller a2 = As(Role::kGridWorker, tree_.grid_a2);
  Caller b = As(Role::kCommunitySecretary, tree_.community_b);
  EXPECT_TRUE(care_->Get(a1, s.id).ok());
  EXPECT_EQ(care_->Get(a2, s.id).error().code, core::ErrorCode::kNotFound);
  ASSERT_EQ(care_->List(a1, {})->items.size(), 1u);
  EXPECT_EQ(care_->List(a1, {})->items[0].meters.size(), 1u);  // the list carries the meters
  EXPECT_EQ(care_->List(a1, {})->items[0].contacts.size(), 1u);
  EXPECT_TRUE(care_->List(a2, {})->items.empty());
  // Another grid's worker cannot feed the subject's meter.
  auto r = care_->Ingest(a2, {Row("W-9", t0_, 1.0)});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->rejected.size(), 1u);
  EXPECT_EQ(r->rejected[0].field, "meter");
  // Nor enrol a resident outside their community.
  NewCareSubject other;
  other.resident_id = Resident(tree_.building_a1, 10);
  other.consent_by = "本人";
  other.consent_method = "written";
  EXPECT_EQ(care_->Enrol(b, other).error().field, "resident_id");
  EXPECT_EQ(care_->SetAbsence(a2, s.id, std::nullopt, std::nullopt).error().code,
            core::ErrorCode::kNotFound);
  // A street admin reads but does not write.
  Caller street = As(Role::kStreetAdmin, tree_.street);
  EXPECT_TRUE(care_->Get(street, s.id).ok());
  EXPECT_EQ(care_->Ingest(street, {}).error().code, core::ErrorCode::kForbidden);
  // Alerts too.
  ASSERT_EQ(care_->Sweep(t0_ + 13 * kHour)->alerts_raised, 1);
  EXPECT_EQ(care_->Alerts(a1, {})->items.size(), 1u);
  EXPECT_TRUE(care_->Alerts(a2, {})->items.empty());
  int64_t alert = care_->Alerts(a1, {})->items[0].id;
  EXPECT_EQ(care_->Acknowledge(a2, alert).error().code, core::ErrorCode::kNotFound);
  auto acked = care_->Acknowledge(a1, alert);
  ASSERT_TRUE(acked.ok()) << acked.error().message;
  EXPECT_TRUE(acked->acknowledged_at_ms);
}

TEST_P(CareTest, TheAlertGoesToTheGridWorkerAndEscalatesOnceToTheCommunityThenTheContacts) {
  WebhookService webhooks(test_db_->db(), clock_, *audit_, cipher_);
  tickets_->AddObserver(&webhooks);
  ASSERT_TRUE(
      webhooks.Create(Admin(), NewWebhookEndpoint{"http://127.0.0.1:9/sms", tree_.county.id, {}})
          .ok());
  Caller worker = GridWorkerAccount();
  Enrol(tree_.building_a1, 11, "W-11");
  const int64_t raised = t0_ + 12 * kHour;
  clock_.Set(raised);
  ASSERT_EQ(care_->Sweep(raised)->alerts_raised, 1);
  // The ticket is dispatched to the grid worker, in its history.
  AlertFilter mine;
  mine.mine = true;
  auto assigned = care_->Alerts(worker, mine);
  ASSERT_TRUE(assigned.ok());
  ASSERT_EQ(assigned->items.size(), 1u);
  const CareAlert alert = assigned->items[0];
  EXPECT_EQ(alert.assigned_account_id, 9001);
  EXPECT_EQ(alert.basis, "fixed");
  auto ticket = tickets_->Get(Admin(), *alert.ticket_id);
  ASSERT_TRUE(ticket.ok());
  ASSERT_TRUE(ticket->assignee);
  EXPECT_EQ(ticket->assignee->id, 9001);
  EXPECT_EQ(ticket->state, TicketState::kAssigned);
  EXPECT_TRUE(care_->Alerts(As(Role::kGridWorker, tree_.grid_a1), mine)->items.empty());
  // Unacknowledged for 30 minutes: to the community, once.
  EXPECT_EQ(care_->Sweep(raised + 29 * 60'000)->escalated, 0);
  SweepReport r = care_->Sweep(raised + 30 * 60'000).value();
  EXPECT_EQ(r.escalated, 1);
  EXPECT_EQ(r.contacted, 0);
  EXPECT_EQ(care_->Sweep(raised + 31 * 60'000)->escalated, 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ticket_event WHERE type = 'supervise' AND actor_label = "
                  "'系统（云监护）'"),
            1);
  // For an hour: the emergency contacts, once, through the webhook (with the
  // phone, for the gateway that calls them) and in the ticket's history.
  r = care_->Sweep(raised + 60 * 60'000).value();
  EXPECT_EQ(r.contacted, 1);
  EXPECT_EQ(care_->Sweep(raised + 90 * 60'000)->contacted, 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM webhook_outbox WHERE payload LIKE "
                  "'%\"step\":\"emergency_contact\"%13912345678%'"),
            1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM webhook_outbox WHERE payload LIKE "
                  "'%\"step\":\"community\"%'"),
            1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ticket_event WHERE type = 'comment' AND note LIKE "
                  "'%已通知紧急联系人%'"),
            1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ticket_event WHERE note LIKE '%13912345678%'"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'care.contact.notify'"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM care_alert"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ticket"), 1);
}

TEST_P(CareTest, AnAcknowledgedAlertDoesNotEscalateAndTheWorkerClosesIt) {
  Caller worker = GridWorkerAccount();
  Enrol(tree_.building_a1, 12, "W-12");
  const int64_t raised = t0_ + 12 * kHour;
  clock_.Set(raised);
  ASSERT_EQ(care_->Sweep(raised)->alerts_raised, 1);
  const int64_t id = care_->Alerts(worker, {})->items[0].id;
  clock_.Set(raised + 10 * 60'000);
  auto acked = care_->Acknowledge(worker, id);
  ASSERT_TRUE(acked.ok()) << acked.error().message;
  SweepReport r = care_->Sweep(raised + 2 * kHour).value();
  EXPECT_EQ(r.escalated + r.contacted, 0);
  auto closed = care_->Close(worker, id, "");
  ASSERT_TRUE(closed.ok()) << closed.error().message;
  EXPECT_TRUE(closed->closed_at_ms);
  EXPECT_EQ(care_->Close(worker, id, "").error().field, "state");
  EXPECT_EQ(care_->Close(As(Role::kGridWorker, tree_.grid_a2), id, "").error().code,
            core::ErrorCode::kNotFound);
  // Acknowledging and closing are both in the ticket's history, by the worker.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ticket_event WHERE type = 'comment' AND "
                  "actor_account_id = 9001"),
            2);
  // Seen well: the silence clock restarts at the close, not the next minute.
  EXPECT_EQ(care_->Sweep(raised + 3 * kHour)->alerts_raised, 0);
  EXPECT_EQ(care_->Sweep(raised + 10 * 60'000 + 12 * kHour)->alerts_raised, 1);
}

// Three weeks of a day like clockwork (use every hour from 07:00 to 21:00
// Shanghai), then silence from 09:00: the learned profile alerts hours before
// the 12-hour rule, with one alert and one ticket in all.
TEST_P(CareTest, TheLearnedProfileAlertsEarlierThanTheTwelveHourRule) {
  CareSubject s = Enrol(tree_.building_a1, 13, "W-13");
  CareSubjectUpdate on;
  on.profile_on = true;
  on.flow_hours = 24;  // fifteen rising hours a day are use, not a leak, here
  ASSERT_TRUE(care_->Update(Admin(), s.id, on).ok());
  on.profile_threshold = 0.9;
  EXPECT_EQ(care_->Update(Admin(), s.id, on).error().field, "profile_threshold");
  // Start at a Shanghai midnight three weeks back from "now".
  const int64_t day0 = (t0_ + 8 * kHour) / core::kMsPerDay * core::kMsPerDay - 8 * kHour;
  std::vector<ReadingRow> rows;
  double reg = 0;
  for (int64_t h = 0; h < 21 * 24 + 9; ++h) {
    const int64_t local_hour = h % 24;
    if (local_hour >= 7 && local_hour <= 21) reg += 0.02;
    rows.push_back(Row("W-13", day0 + (h + 1) * kHour, reg));
  }
  const int64_t silent_from = day0 + (21 * 24 + 9) * kHour;  // 09:00, use recorded then
  clock_.Set(silent_from);
  IngestReport in = Ingest(rows);
  EXPECT_EQ(in.rejected.size(), 0u);
  EXPECT_EQ(in.alerts_raised, 0);
  SweepReport learned = care_->Sweep(silent_from).value();
  EXPECT_EQ(learned.profiles_learned, 1);
  CareSubject after = care_->Get(Admin(), s.id).value();
  EXPECT_EQ(after.profile_weeks, 4);  // the first day's early hours, four times
  ASSERT_TRUE(after.profile_due_ms);
  EXPECT_GE(*after.profile_due_ms, silent_from + 3 * kHour);
  EXPECT_LT(*after.profile_due_ms, silent_from + 12 * kHour);
  EXPECT_EQ(care_->Sweep(*after.profile_due_ms - 60'000)->alerts_raised, 0);
  EXPECT_EQ(care_->Sweep(*after.profile_due_ms)->alerts_raised, 1);
  EXPECT_EQ(care_->Sweep(silent_from + 13 * kHour)->alerts_raised, 0);
  auto alerts = Alerts(false);
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].basis, "profile");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ticket"), 1);
  // Use resumes: closed.
  clock_.Set(silent_from + 14 * kHour);
  EXPECT_EQ(Ingest({Row("W-13", clock_.NowMs(), reg + 0.05)}).alerts_closed, 1);
}

TEST(CareProfile, SlotsEncodingAndDue) {
  // 2026-12-07 is a Monday; 08:30 Shanghai is 00:30 UTC.
  const int64_t monday = core::DaysFromCivil({2026, 12, 7}) * core::kMsPerDay;
  EXPECT_EQ(WeekHourSlot(monday + 30 * 60'000), 8);
  EXPECT_EQ(WeekHourSlot(monday - 8 * core::kMsPerHour), 0);
  EXPECT_EQ(WeekHourSlot(monday + 6 * core::kMsPerDay + 15 * core::kMsPerHour), 167);
  UseProfile p;
  p.used[3] = 2;
  p.seen[3] = 4;
  p.seen[167] = 9;
  auto back = UseProfile::Decode(p.Encode());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->used[3], 2);
  EXPECT_EQ(back->Weeks(), 9);
  EXPECT_FALSE(UseProfile::Decode("1/2,3"));
  // Never used at all: no hour makes silence improbable.
  UseProfile quiet;
  for (auto& v : quiet.seen) v = 4;
  EXPECT_FALSE(ProfileDue(quiet, monday, 0.01, 0, 24 * core::kMsPerHour));
  // Always used: the cap (0.8 an hour) → 0.2^h; below 0.01 after 3 hours.
  UseProfile busy = quiet;
  busy.used = busy.seen;
  EXPECT_EQ(ProfileDue(busy, monday, 0.01, 0, 24 * core::kMsPerHour),
            monday + 3 * core::kMsPerHour);
  EXPECT_EQ(ProfileDue(busy, monday, 0.01, 5 * core::kMsPerHour, 24 * core::kMsPerHour),
            monday + 5 * core::kMsPerHour);
  EXPECT_NEAR(SilenceProbability(busy, monday, 2), 0.04, 1e-12);
}

TEST(CareCsv, ParsesRowsAndSkipsTheHeader) {
  auto rows = CareService::ParseCsv("meter,at,value\r\nW-1,2026-12-06T08:00:00Z,1.5\n\nW-2,x\n");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].meter, "W-1");
  EXPECT_EQ((*rows)[0].value, "1.5");
  EXPECT_EQ((*rows)[1].at, "x");
  EXPECT_EQ((*rows)[1].value, "");
}

INSTANTIATE_TEST_SUITE_P(Backends, CareTest, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
