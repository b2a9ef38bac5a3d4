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

// `admin` is a county admin of the demo county; `communities` its communities.
core::Result<DutyDemoReport> LoadDutyDemo(App& app, const domain::Caller& admin,
                                          const std::vector<int64_t>& communities);

}  // namespace civicgrid::app::demo
