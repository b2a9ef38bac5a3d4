// Opens a database by URL:
//   sqlite:PATH            embedded SQLite file (WAL, foreign keys on)
//   postgresql://…         PostgreSQL through libpq (also postgres://)
#pragma once

#include <memory>
#include <string>

#include "store/pool.h"

namespace civicgrid::store {

// Opens the database named by `url` and checks one connection works.
Result<std::unique_ptr<Db>> OpenDb(const std::string& url, const DbOptions& options = {});

}  // namespace civicgrid::store
