#include "app/demo/care_demo.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "domain/care/care_household.h"

namespace civicgrid::app::demo {
namespace {

using core::kMsPerDay;
using core::kMsPerHour;

std::string Value(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

}  // namespace

core::Result<CareDemoReport> LoadCareDemo(App& app, const domain::Caller& admin, uint64_t seed,
                                          int64_t end_ms, int64_t days, int64_t subjects) {
  CareDemoReport report;
  // Elders living alone: grid1's grid first (the phone demo), then others by id.
  store::Rows elders;
  {
    CG_ASSIGN_OR_RETURN(auto conn, app.db().Acquire());
    CG_ASSIGN_OR_RETURN(
        elders,
        conn->Query("SELECT r.id, n.parent_id AS grid_id, CASE WHEN n.parent_id = (SELECT "
                    "scope_node_id FROM account WHERE username = 'grid1') THEN 0 ELSE 1 END AS "
                    "later FROM resident r JOIN org_node n ON n.id = r.node_id WHERE (r.flags & "
                    "1) = 1 ORDER BY later, r.id LIMIT $1",
                    {subjects}));
  }
  const int64_t now = end_ms / kMsPerHour * kMsPerHour;
  const int64_t start = now - days * kMsPerDay;
  std::vector<domain::ReadingRow> batch;
  auto flush = [&]() -> core::Status {
    if (batch.empty()) return core::Ok();
    CG_ASSIGN_OR_RETURN(domain::IngestReport in, app.care().Ingest(admin, batch));
    report.readings += in.stored;
    report.alerts += in.alerts_raised;
    batch.clear();
    return core::Ok();
  };
  static const char* const kContacts[][2] = {
      {"李明", "儿子"}, {"王芳", "女儿"}, {"张伟", "侄子"}, {"刘洋", "女儿"}, {"陈静", "儿媳"}};
  for (size_t i = 0; i < elders.size(); ++i) {
    const int64_t resident = elders[i].Int("id");
    const std::string meter = "DEMO-W-" + std::to_string(resident);
    domain::NewCareSubject n;
    n.resident_id = resident;
    n.consent_by = i % 3 == 2 ? "女儿（监护人）" : "本人";
    n.consent_method = i % 3 == 2 ? "guardian" : "written";
    n.consent_at = core::FormatUtc(start);
    n.profile_on = i % 2 == 1;
    const auto* c = kContacts[i % 5];
    n.contacts.push_back(
        {c[0], c[1], "139" + std::to_string(10000000 + (seed * 7919 + i * 104729) % 90000000)});
    n.meters.push_back(
        {domain::MeterKind::kWater, meter, std::nullopt, std::nullopt, std::nullopt});
    auto enrolled = app.care().Enrol(admin, n);
    if (!enrolled.ok()) continue;  // e.g. a resident outside every grid: skip
    ++report.subjects;
    domain::HouseholdOptions ho;
    ho.start_ms = start;
    ho.days = days;
    ho.incidents_per_day = 1.0 / 150;  // a few past falls in the year, found and over
    ho.initial_register = 100 + static_cast<double>(i) * 37.5;
    domain::Household h = domain::GenerateHousehold(seed * 1000 + i, ho);
    std::vector<domain::CheckedReading>& rs = h.readings;
    // Now: the first elder of grid1's grid silent for the last 14 hours; the
    // second subject's tap running for 2½ hours (quarter-hour readings).
    if (i == 0) {
      const int64_t silent_from = now - 14 * kMsPerHour;
      double reg = 0;
      for (auto& r : rs) {
        if (r.at <= silent_from)
          reg = r.value;
        else
          r.value = reg;
      }
    }
    if (i == 1) {
      const int64_t flow_from = now - 150 * 60'000;
      while (!rs.empty() && rs.back().at > flow_from) rs.pop_back();
      double reg = rs.empty() ? 0 : rs.back().value;
      for (int64_t t = flow_from + 15 * 60'000; t <= now; t += 15 * 60'000) {
        reg += 0.012;
        rs.push_back({t, reg});
      }
    }
    for (const auto& r : rs) {
      if (r.at > end_ms) break;
      batch.push_back({meter, core::FormatUtc(r.at), Value(r.value)});
      if (batch.size() >= 50'000) CG_TRY(flush());
    }
    CG_TRY(flush());
    // The third is away on a declared trip (silence sleeps until the return).
    if (i == 2) {
      const core::CivilDate today = core::ShanghaiDate(now);
      (void)app.care().SetAbsence(
          admin, enrolled->id,
          core::FormatDate(core::CivilFromDays(core::DaysFromCivil(today) - 1)),
          core::FormatDate(core::CivilFromDays(core::DaysFromCivil(today) + 3)));
    }
  }
  CG_TRY(flush());
  // The learned profiles, from the last four weeks.
  CG_ASSIGN_OR_RETURN(domain::SweepReport sweep, app.care().Sweep(end_ms));
  report.alerts += sweep.alerts_raised;
  return report;
}

}  // namespace civicgrid::app::demo
