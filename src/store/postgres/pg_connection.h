// PostgreSQL adapter of store::Connection over libpq. Statements are
// prepared once per connection (keyed by SQL text and parameter types) and
// run with PQexecPrepared; integers, reals and text travel in text format,
// blobs in binary. One thread at a time per connection.
#pragma once

#include <memory>
#include <string>

#include "store/pool.h"

namespace civicgrid::store {

Result<std::unique_ptr<Connection>> OpenPostgres(const std::string& url, const DbOptions& options);

}  // namespace civicgrid::store
