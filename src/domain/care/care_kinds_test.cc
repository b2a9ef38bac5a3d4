// Silence per meter kind: a power meter counts only the energy above its
// standby load (a fridge alone is silence), gas counts only when enrolled so;
// alerts carry their grid and community, follow an org move and show on the
// screen's map within the caller's scope — on both backends.
#include <gtest/gtest.h>

#include "domain/care/care_service.h"
#include "domain/care/care_test_fixture.h"
#include "store/testing/query_plan.h"

namespace civicgrid::domain {
namespace {

NewMeter MeterOf(MeterKind kind, const std::string& id, std::optional<double> standby_w = {},
                 std::optional<bool> for_silence = {}) {
  NewMeter m;
  m.kind = kind;
  m.external_id = id;
  m.standby_w = standby_w;
  m.for_silence = for_silence;
  return m;
}

class CareKindsTest : public CareTest {
 protected:
  CareSubject EnrolWith(int serial, std::vector<NewMeter> meters,
                        const OrgNode* building = nullptr) {
    NewCareSubject s;
    s.resident_id = Resident(building ? *building : tree_.building_a1, serial);
    s.consent_by = "本人";
    s.consent_method = "written";
    s.meters = std::move(meters);
    auto out = care_->Enrol(Admin(), s);
    EXPECT_TRUE(out.ok()) << out.error().message << " " << out.error().field;
    return out.ok() ? *out : CareSubject{};
  }

  // Hourly registers for `hours` hours rising by `per_hour` (kWh or m³).
  static std::vector<ReadingRow> Rising(const std::string& meter, int64_t from, int hours,
                                        double start, double per_hour) {
    std::vector<ReadingRow> rows;
    for (int h = 0; h <= hours; ++h)
      rows.push_back(Row(meter, from + h * kHour, start + per_hour * h));
    return rows;
  }
};

TEST_P(CareKindsTest, AFridgeAloneIsSilenceOnAPowerMeterAndAKettleIsUse) {
  EnrolWith(1, {MeterOf(MeterKind::kPower, "P-1")});
  // 60 W all night and day: the register never stops, but below the 80 W standby load.
  clock_.Set(t0_ + 13 * kHour);
  IngestReport r = Ingest(Rising("P-1", t0_, 13, 100, 0.06));
  EXPECT_EQ(r.alerts_raised, 1) << "a fridge's steady draw is not a sign of life";
  ASSERT_EQ(Alerts(true).size(), 1u);
  EXPECT_EQ(Alerts(true)[0].rule, AlertRule::kSilence);
  // A kettle (0.2 kWh above the fridge in the hour) is use: the alert closes.
  clock_.Advance(kHour);
  r = Ingest({Row("P-1", clock_.NowMs(), 100 + 0.06 * 13 + 0.26)});
  EXPECT_EQ(r.alerts_closed, 1);
  EXPECT_TRUE(Alerts(true).empty());
}

TEST_P(CareKindsTest, PowerAboveTheStandbyLoadKeepsTheClockAndTheLoadIsPerMeter) {
  // 200 W every hour: above the default standby, so no silence.
  EnrolWith(2, {MeterOf(MeterKind::kPower, "P-2")});
  // The same draw on a meter whose standby load is 250 W (a flat with a freezer) is silence.
  CareSubject high = EnrolWith(3, {MeterOf(MeterKind::kPower, "P-3", 250.0)});
  ASSERT_EQ(high.meters.size(), 1u);
  EXPECT_EQ(high.meters[0].standby_w, 250.0);
  clock_.Set(t0_ + 13 * kHour);
  std::vector<ReadingRow> rows = Rising("P-2", t0_, 13, 5, 0.2);
  for (const auto& row : Rising("P-3", t0_, 13, 5, 0.2)) rows.push_back(row);
  EXPECT_EQ(Ingest(rows).alerts_raised, 1);
  auto open = Alerts(true);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].subject_id, high.id);
}

TEST_P(CareKindsTest, GasCountsForSilenceOnlyWhenEnrolledSo) {
  // A flat water meter and a gas meter in use: gas is ignored, the silence alerts.
  CareSubject ignored =
      EnrolWith(4, {MeterOf(MeterKind::kWater, "W-4"), MeterOf(MeterKind::kGas, "G-4")});
  ASSERT_EQ(ignored.meters.size(), 2u);
  EXPECT_FALSE(ignored.meters[1].for_silence);
  EXPECT_TRUE(ignored.meters[0].for_silence);
  // The same, with the gas meter enrolled to count: the cooker is a sign of life.
  EnrolWith(5, {MeterOf(MeterKind::kWater, "W-5"), MeterOf(MeterKind::kGas, "G-5", {}, true)});
  clock_.Set(t0_ + 13 * kHour);
  std::vector<ReadingRow> rows;
  for (const char* w : {"W-4", "W-5"}) {
    for (const auto& row : Rising(w, t0_, 13, 10, 0)) rows.push_back(row);
  }
  for (const char* g : {"G-4", "G-5"}) {
    for (const auto& row : Rising(g, t0_, 13, 3, 0.05)) rows.push_back(row);
  }
  EXPECT_EQ(Ingest(rows).alerts_raised, 1);
  auto open = Alerts(true);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].subject_id, ignored.id);
}

TEST_P(CareKindsTest, AStandbyLoadIsRefusedByNameOffAPowerMeterOrOutOfRange) {
  NewCareSubject s;
  s.resident_id = Resident(tree_.building_a1, 6);
  s.consent_by = "本人";
  s.consent_method = "written";
  s.meters.push_back(MeterOf(MeterKind::kWater, "W-6", 80.0));
  EXPECT_EQ(care_->Enrol(Admin(), s).error().field, "meters[0].standby_w");
  s.meters[0] = MeterOf(MeterKind::kPower, "P-6", -1.0);
  EXPECT_EQ(care_->Enrol(Admin(), s).error().field, "meters[0].standby_w");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM care_subject"), 0);
  s.meters[0] = MeterOf(MeterKind::kPower, "P-6");
  auto ok = care_->Enrol(Admin(), s);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->meters[0].standby_w, care_->options().power_standby_w);
}

TEST_P(CareKindsTest, AlertsCarryTheirGridFollowAMoveAndShowOnTheMapInScope) {
  tree_service_->AddPathCopy("care_subject");
  tree_service_->AddPathCopy("care_alert");
  tree_service_->AddMoveHook(&CareService::OnSubtreeMoved);
  EnrolWith(7, {MeterOf(MeterKind::kWater, "W-7")});
  EnrolWith(8, {MeterOf(MeterKind::kWater, "W-8")}, &tree_.building_b1);
  ASSERT_EQ(care_->Sweep(t0_ + 13 * kHour)->alerts_raised, 2);
  auto map = care_->OpenAlerts(Admin(), std::nullopt, 100);
  ASSERT_TRUE(map.ok()) << map.error().message;
  ASSERT_EQ(map->items.size(), 2u);
  EXPECT_FALSE(map->truncated);
  // By path: community A's grid first.
  EXPECT_EQ(map->items[0].grid_id, tree_.grid_a1.id);
  EXPECT_EQ(map->items[0].community_id, tree_.community_a.id);
  EXPECT_EQ(map->items[1].grid_id, tree_.grid_b1.id);
  EXPECT_TRUE(map->items[0].resident_name.empty()) << "no names on the wall";
  // A grid worker's map holds their grid's alert only; a limit truncates.
  auto a1 = care_->OpenAlerts(As(Role::kGridWorker, tree_.grid_a1), std::nullopt, 100);
  ASSERT_TRUE(a1.ok());
  ASSERT_EQ(a1->items.size(), 1u);
  EXPECT_TRUE(care_->OpenAlerts(Admin(), std::nullopt, 1)->truncated);
  EXPECT_EQ(
      care_->OpenAlerts(As(Role::kGridWorker, tree_.grid_a1), tree_.grid_b1.id, 100).error().code,
      core::ErrorCode::kNotFound);
  EXPECT_EQ(care_->OpenAlerts(As(Role::kResident, tree_.grid_a1), std::nullopt, 100).error().code,
            core::ErrorCode::kForbidden);

  // Building A1-1 moves to grid B1: its alert is grid B1's and community B's now.
  OrgNodeChange change;
  change.parent_id = tree_.grid_b1.id;
  ASSERT_TRUE(tree_service_->Update(Admin(), tree_.building_a1.id, change).ok());
  map = care_->OpenAlerts(Admin(), std::nullopt, 100);
  ASSERT_TRUE(map.ok());
  ASSERT_EQ(map->items.size(), 2u);
  for (const auto& a : map->items) {
    EXPECT_EQ(a.grid_id, tree_.grid_b1.id);
    EXPECT_EQ(a.community_id, tree_.community_b.id);
  }
  EXPECT_TRUE(
      care_->OpenAlerts(As(Role::kGridWorker, tree_.grid_a1), std::nullopt, 100)->items.empty());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM care_subject WHERE grid_id = " +
                  std::to_string(tree_.grid_b1.id)),
            2);
}

TEST_P(CareKindsTest, TheMapsAlertQueryWalksAnIndex) {
  auto plan = store::testing::Explain(
      test_db_->db(),
      "SELECT a.id FROM care_alert a WHERE a.closed_at IS NULL AND a.path >= $1 AND a.path < $2 "
      "ORDER BY a.path, a.id LIMIT $3",
      {tree_.community_a.path, tree_.community_a.path + "~", int64_t{501}}, {});
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_TRUE(store::testing::IsBoundedWalk(*plan, {"care_alert"}));
}

INSTANTIATE_TEST_SUITE_P(Backends, CareKindsTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
