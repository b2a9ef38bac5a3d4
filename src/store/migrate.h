// Versioned schema migrations. Each migration runs in its own transaction and
// is recorded in schema_migrations; a database that already has a version
// newer than the binary knows is refused, so an old server never writes to a
// schema it does not understand.
//
// Migration SQL is shared by both backends; these tokens are replaced per
// backend before it runs:
//   {{pk}}    integer primary key with automatic ids
//   {{blob}}  binary column (BLOB / BYTEA)
//   {{text}}  text compared byte-wise (TEXT / TEXT COLLATE "C"), for paths
//   {{real}}  double precision
//   {{unindexed:t.col}}  a text column in a condition that must not choose an
//             index (a filter beside the index a query walks): "+t.col" on
//             SQLite, "COALESCE(t.col, '')" on PostgreSQL (a NULL reads as
//             '': compare with non-empty values only). Concatenation with ''
//             allocated a string per row walked on both; these cost nothing.
#pragma once

#include <string>
#include <vector>

#include "store/db.h"

namespace civicgrid::store {

struct Migration {
  int version = 0;
  std::string name;
  std::string sql;
  // When set, PostgreSQL runs this instead of `sql` (for triggers and other
  // syntax the two engines do not share).
  std::string postgres_sql;
};

std::string TranslateDialect(std::string_view sql, Backend backend);

struct MigrationReport {
  int from_version = 0;
  int to_version = 0;
  std::vector<std::string> applied;  // "3 registry" …
};

// Applies every migration the database has not recorded, in version order (a gap below its
// newest version is filled too).
Result<MigrationReport> Migrate(Connection& conn, const std::vector<Migration>& migrations);
// The highest applied version (0 for an empty database).
Result<int> SchemaVersion(Connection& conn);

}  // namespace civicgrid::store
