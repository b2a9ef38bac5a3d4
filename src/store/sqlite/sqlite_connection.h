// SQLite adapter of store::Connection. Opened in WAL mode with foreign keys
// on; statements are prepared once per connection and cached by SQL text.
// One thread at a time per connection (the pool guarantees it).
#pragma once

#include <memory>
#include <string>

#include "store/pool.h"

namespace civicgrid::store {

Result<std::unique_ptr<Connection>> OpenSqlite(const std::string& path, const DbOptions& options);

// Rewrites PostgreSQL-style "$1" placeholders to SQLite's "?1", leaving string
// literals and quoted identifiers alone.
std::string RewritePlaceholders(std::string_view sql);

}  // namespace civicgrid::store
