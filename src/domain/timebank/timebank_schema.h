// Migration 15: the time bank (爱心存折 / 红色银行 / 文明积分). The SQL lives
// here so that schema.cc carries one line for it.
#pragma once

#include "store/migrate.h"

namespace civicgrid::domain {

store::Migration TimeBankMigration();

}  // namespace civicgrid::domain
