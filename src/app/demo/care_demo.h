// The demo county's 云监护 (issue 11 §2): elders living alone enrolled with
// consent, an emergency contact and a water meter, each with `days` (half a
// year in the demo, the ticket history's days when shorter, at least 35) of
// hourly registers from the household generator (domain/care/
// care_household.h, falls and trips in the past included) ending now, the
// learned profile on for half of them; and, now, a few incidents: one elder
// of grid1's grid silent for 14 hours (an open silence alert, dispatched to
// grid1), one with water running for 2½ hours elsewhere (a flow alert), one
// away on a declared trip. Ingested through CareService::Ingest, as a
// utility's batches would be. Deterministic for a seed.
#pragma once

#include <cstdint>

#include "app/app.h"

namespace civicgrid::app::demo {

struct CareDemoReport {
  int64_t subjects = 0;
  int64_t readings = 0;
  int64_t alerts = 0;
};

core::Result<CareDemoReport> LoadCareDemo(App& app, const domain::Caller& admin, uint64_t seed,
                                          int64_t end_ms, int64_t days = 365, int64_t subjects = 8);

}  // namespace civicgrid::app::demo
