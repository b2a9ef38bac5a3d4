// Migration 21: 民情台账 (issue 11 §1) — visits, each household's visit state
// (kept by a trigger on household insert, filled here for the households
// already stored) and 千户访 campaigns with their assignments.
#pragma once

#include "store/migrate.h"

namespace civicgrid::domain {

store::Migration VisitMigration();

}  // namespace civicgrid::domain
