// Migration 16: 双报到 as a workflow, teams and activities (docs/duty.md).
#pragma once

#include "store/migrate.h"

namespace civicgrid::domain {

store::Migration DutyMigration();
// Migration 24: notices to members (a cancelled activity), disbanded teams.
store::Migration DutyNoticesMigration();

}  // namespace civicgrid::domain
