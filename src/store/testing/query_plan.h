// Test support: read the plan a backend chooses for a query, and check that a
// list page is an index-backed walk whose cost does not grow with the table.
//
//   auto plan = Explain(conn, "SELECT ... WHERE ... AND id > $3 ORDER BY id LIMIT $4", params);
//   EXPECT_TRUE(IsBoundedWalk(*plan, {"resident", "ticket"}));
//
// What the plan is
//   SQLite: the rows of EXPLAIN QUERY PLAN, one line per row, indented two spaces per level of
//   the plan tree. SQLite names a table by its alias when it has one ("SCAN r"); the checks map
//   aliases back to tables by reading the FROM/JOIN clauses of the SQL text.
//   PostgreSQL: the lines of EXPLAIN (COSTS OFF), i.e. the plan tree in text form. By default the
//   plan is the custom plan for the given parameter values (what a prepared statement gets on
//   its first executions). With `generic = true` it is the generic plan (what the server's
//   cached prepared statements settle on after five executions when it looks no worse: values
//   unknown, so "($4 IS NULL OR x = $4)" cannot be simplified away).
//
// Why the PostgreSQL planner is steered (ExplainOptions::steer, default on)
//   Test tables hold tens or hundreds of rows. For those PostgreSQL correctly prefers reading the
//   whole table and sorting it, which says nothing about the table at city scale. Instead of
//   seeding hundreds of thousands of rows per test (slow on a shared 2-core machine, and still at
//   the mercy of ANALYZE's sample), the EXPLAIN runs in a rolled-back transaction with
//     SET LOCAL enable_seqscan = off, enable_sort = off, enable_incremental_sort = off,
//               enable_bitmapscan = off
//   which prices those strategies out without forbidding them. The planner then reports a
//   sequential scan or a sort only when no index can serve the query: exactly the question the
//   checks ask ("could this page be answered by an index walk?"). Bitmap scans are priced out
//   because they return rows out of index order; a plan that needs one would need a sort too.
//   The steering is honest only together with the full-index-walk rule below: a planner denied
//   its seq scan may walk a whole index instead, and that is flagged as well.
//
// The checks (each returns the offending plan lines; empty means none)
//   Full scan of a table T (FullScans):
//     SQLite: a row "SCAN T" or "SCAN <alias of T>", with or without "USING [COVERING] INDEX …":
//       SQLite says SCAN when it reads the table or an index from end to end, and SEARCH when an
//       index bounds the read (by equality or a range, e.g. "rowid>?" from `id > $after`).
//     PostgreSQL: a "Seq Scan on T"; or an "Index Scan"/"Index Only Scan" on T with no
//       "Index Cond:" (an index walked from one end with no bound); or a "Bitmap Heap Scan on T"
//       whose "Bitmap Index Scan" children have no "Index Cond:".
//     A walk bounded only by `id > $after` and stopped by LIMIT passes: that is the keyset walk.
//   Sort of the whole result (WholeResultSorts):
//     SQLite: any "USE TEMP B-TREE FOR … ORDER BY" row (ORDER BY, RIGHT PART OF / LAST TERM OF
//       ORDER BY). SQLite's plan does not show whether a sorted input is bounded, so even a sort of
//       an already-limited subquery is flagged: write the page so its order is an index's order.
//     PostgreSQL: a "Sort" or "Incremental Sort" node with no "Limit" node below it. A Sort over a
//       Limit orders at most that many rows (a page joined after it was cut) and passes; any other
//       Sort orders every row the filters leave, which grows with the table. A Sort under a Limit
//       ("Limit -> Sort -> Index Scan", the top-N sort) is flagged: it reads every matching row.
//
// Explain() must be called outside a transaction on `conn` (it opens and rolls back its own).
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "store/db.h"
#include "store/pool.h"

namespace civicgrid::store::testing {

struct ExplainOptions {
  // PostgreSQL: the generic plan instead of the custom plan for these values. SQLite: no effect
  // (SQLite plans without looking at bound values).
  bool generic = false;
  // PostgreSQL: price out seq scans, sorts and bitmap scans for this EXPLAIN (see above).
  bool steer = true;
};

struct QueryPlan {
  Backend backend = Backend::kSqlite;
  std::string sql;
  std::vector<std::string> lines;
  // The plan as one text block, for failure messages.
  std::string Text() const;
};

core::Result<QueryPlan> Explain(Connection& conn, std::string_view sql, const Params& params = {},
                                const ExplainOptions& options = {});
core::Result<QueryPlan> Explain(Db& db, std::string_view sql, const Params& params = {},
                                const ExplainOptions& options = {});

// The plan lines that read all of `table` (see "Full scan" above).
std::vector<std::string> FullScans(const QueryPlan& plan, std::string_view table);
// The plan lines that sort the whole result (see "Sort of the whole result" above).
std::vector<std::string> WholeResultSorts(const QueryPlan& plan);

// gtest assertions over the checks; on failure they print the SQL and the plan.
::testing::AssertionResult HasNoFullScan(const QueryPlan& plan,
                                         std::initializer_list<std::string_view> tables);
::testing::AssertionResult HasNoWholeSort(const QueryPlan& plan);
// Both: no full scan of any of `tables` and no sort of the whole result.
::testing::AssertionResult IsBoundedWalk(const QueryPlan& plan,
                                         std::initializer_list<std::string_view> tables);
::testing::AssertionResult IsBoundedWalk(const QueryPlan& plan,
                                         const std::vector<std::string>& tables);

// A pool over `inner` whose connections record every Query they run, so a test can read the plan
// of the statements a service really issues: build the service on recorder.db(), call it, then
// Explain each of recorder.Take() on the inner Db.
struct RecordedStatement {
  std::string sql;
  Params params;
};

class StatementRecorder {
 public:
  explicit StatementRecorder(Db& inner);
  Db& db() { return *db_; }
  // The statements recorded since the last Take, in order; with `containing`, only those whose
  // SQL contains it (e.g. " LIMIT " for list pages).
  std::vector<RecordedStatement> Take(std::string_view containing = "");

 private:
  friend class RecordingConnection;
  void Record(std::string_view sql, const Params& params);
  std::unique_ptr<Db> db_;
  std::mutex mutex_;
  std::vector<RecordedStatement> recorded_;  // GUARDED_BY(mutex_)
};

// Explains each recorded page statement on `db` (the custom plan; on PostgreSQL the generic plan
// too) and expects IsBoundedWalk over `large_tables`. Fails when `pages` is empty; `what` names
// the case in failure messages, which carry the SQL and the plan.
void ExpectBoundedPages(Db& db, const std::vector<RecordedStatement>& pages,
                        const std::vector<std::string>& large_tables, std::string_view what = "");

}  // namespace civicgrid::store::testing
