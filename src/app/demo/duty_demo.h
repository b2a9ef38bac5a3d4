// The demo county's volunteer life (docs/duty.md): the skill taxonomy, a volunteer team per
// community with leaders from the members registered there, 文安's Saturday 06:30 sweep and a
// monthly 主题党日 service day materialised for the next weeks, and a few registration requests
// waiting for the secretaries.
#pragma once

#include <cstdint>
#include <vector>

#include "app/app.h"
#include "domain/access/caller.h"

namespace civicgrid::app::demo {

struct DutyDemoReport {
  int64_t teams = 0;
  int64_t activities = 0;
  int64_t requests = 0;
};

struct DutyHistoryReport {
  int64_t activities = 0;
  int64_t signups = 0;
  int64_t approved = 0;  // sign-ups with approved hours (each one posting in the ledger)
  int64_t redemptions = 0;
};

// `admin` is a county admin of the demo county; `communities` its communities.
core::Result<DutyDemoReport> LoadDutyDemo(App& app, const domain::Caller& admin,
                                          const std::vector<int64_t>& communities);

// The year before `end_ms`: every community's Saturday 06:30 sweeps and monthly 主题党日 with
// its registered members signed up, checked in and out (a few no-shows) and their hours
// approved and credited (service minutes and member points, one ledger posting per sign-up,
// written in bulk), then a catalogue of rewards per community and a few redemptions, most of
// them handed over. Runs after LoadDutyDemo (it uses the teams).
core::Result<DutyHistoryReport> LoadDutyHistory(App& app, const domain::Caller& admin,
                                                const std::vector<int64_t>& communities,
                                                uint64_t seed, int64_t end_ms);

}  // namespace civicgrid::app::demo
