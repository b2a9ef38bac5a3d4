// The database schema of every domain capability, as ordered migrations.
#pragma once

#include <vector>

#include "store/migrate.h"

namespace civicgrid::domain {

const std::vector<store::Migration>& Migrations();

}  // namespace civicgrid::domain
