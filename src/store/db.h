// The storage interface every domain repository talks to. Two adapters
// implement it (store/sqlite, store/postgres); nothing above this layer knows
// which one runs.
//
// SQL is written once in PostgreSQL style with numbered parameters ($1, $2…);
// the SQLite adapter accepts the same text. The dialect tokens of
// store/migrate.h ({{blob}} …) work in queries too, e.g. to type a parameter
// that may be NULL: PostgreSQL cannot infer "$4 IS NULL" on its own, so write
// "CAST($4 AS BIGINT) IS NULL" or "CAST($5 AS {{blob}}) IS NULL". Values are always bound, never
// spliced into SQL. A Connection is used by one thread at a time; Db (the
// pool) is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.h"

namespace civicgrid::store {

using core::Result;
using core::Status;

enum class Backend { kSqlite, kPostgres };

// Raw bytes, bound as BLOB / BYTEA (ciphertexts, hashes).
struct Blob {
  std::string bytes;
};

// A bound parameter or a column value.
class Value {
 public:
  Value() = default;                                 // NULL
  Value(std::nullopt_t) {}                           // NOLINT(google-explicit-constructor)
  Value(int v) : v_(int64_t{v}) {}                   // NOLINT(google-explicit-constructor)
  Value(int64_t v) : v_(v) {}                        // NOLINT(google-explicit-constructor)
  Value(bool v) : v_(int64_t{v ? 1 : 0}) {}          // NOLINT(google-explicit-constructor)
  Value(double v) : v_(v) {}                         // NOLINT(google-explicit-constructor)
  Value(std::string v) : v_(std::move(v)) {}         // NOLINT(google-explicit-constructor)
  Value(std::string_view v) : v_(std::string(v)) {}  // NOLINT(google-explicit-constructor)
  Value(const char* v) : v_(std::string(v)) {}       // NOLINT(google-explicit-constructor)
  Value(Blob v) : v_(std::move(v)) {}                // NOLINT(google-explicit-constructor)
  template <typename T>
  Value(const std::optional<T>& v) {  // NOLINT(google-explicit-constructor)
    if (v) *this = Value(*v);
  }

  bool is_null() const { return v_.index() == 0; }
  bool is_int() const { return v_.index() == 1; }
  bool is_real() const { return v_.index() == 2; }
  bool is_text() const { return v_.index() == 3; }
  bool is_blob() const { return v_.index() == 4; }
  int64_t AsInt() const;              // ints, reals (truncated) and numeric text
  double AsReal() const;              // reals, ints and numeric text
  const std::string& AsText() const;  // text or blob bytes; "" for NULL
  std::string ToString() const;       // for diagnostics

 private:
  std::variant<std::monostate, int64_t, double, std::string, Blob> v_;
};

using Params = std::vector<Value>;

// The column names of one result set, shared by its rows.
using ColumnNames = std::shared_ptr<const std::vector<std::string>>;

// One result row; columns by position, or by name (the name the statement
// gives the column: "t.id" is "id", "c.name AS category_name" is
// "category_name"). An unknown name is a programmer error (std::out_of_range).
class Row {
 public:
  explicit Row(std::vector<Value> values, ColumnNames names = nullptr)
      : values_(std::move(values)), names_(std::move(names)) {}
  size_t size() const { return values_.size(); }
  bool IsNull(size_t i) const { return values_.at(i).is_null(); }
  int64_t Int(size_t i) const { return values_.at(i).AsInt(); }
  double Real(size_t i) const { return values_.at(i).AsReal(); }
  const std::string& Text(size_t i) const { return values_.at(i).AsText(); }
  std::optional<int64_t> OptInt(size_t i) const;
  std::optional<std::string> OptText(size_t i) const;
  const Value& at(size_t i) const { return values_.at(i); }

  // By column name.
  size_t Index(std::string_view name) const;
  bool IsNull(std::string_view name) const { return IsNull(Index(name)); }
  int64_t Int(std::string_view name) const { return Int(Index(name)); }
  double Real(std::string_view name) const { return Real(Index(name)); }
  const std::string& Text(std::string_view name) const { return Text(Index(name)); }
  std::optional<int64_t> OptInt(std::string_view name) const { return OptInt(Index(name)); }
  std::optional<std::string> OptText(std::string_view name) const { return OptText(Index(name)); }

 private:
  std::vector<Value> values_;
  ColumnNames names_;
};

using Rows = std::vector<Row>;

// One statement of Connection::QueryEach.
struct Statement {
  std::string sql;
  Params params;
  bool planned_each_run = false;  // as Connection::QueryPlannedEachRun
};

enum class TxMode {
  kRead,   // a consistent read
  kWrite,  // takes the write lock up front (SQLite: BEGIN IMMEDIATE)
};

// Makes durable what commits that returned before it was synced wrote (see
// Connection::DeferSync). Thread-safe; usable beside the connection's own work.
class SyncBarrier {
 public:
  virtual ~SyncBarrier() = default;
  virtual Status Sync() = 0;
};

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Backend backend() const = 0;

  // Runs a prepared (and cached) statement and returns all rows. Query and
  // Execute refuse to start past the calling thread's deadline, and a
  // statement still running at it is interrupted: both give DeadlineError()
  // (store/deadline.h).
  virtual Result<Rows> Query(std::string_view sql, const Params& params = {}) = 0;
  // As Query, but planned for these parameter values on every run instead of
  // once per connection. For lookups by a list of keys in a table that grows
  // while connections live: PostgreSQL keeps the generic plan it made while
  // the table was small (a full scan) until the next ANALYZE, so a batch's
  // read of its own new rows would scan the whole table. SQLite plans without
  // looking at values: the same as Query.
  virtual Result<Rows> QueryPlannedEachRun(std::string_view sql, const Params& params = {}) {
    return Query(sql, params);
  }
  // Runs a prepared statement; returns the number of rows changed.
  virtual Result<int64_t> Execute(std::string_view sql, const Params& params = {}) = 0;
  // Runs several statements without parameters (migrations only).
  virtual Status ExecScript(std::string_view sql) = 0;

  // Fewer round trips for a writer that sends many statements (the intake
  // writer's batch: docs/architecture.md, "Round trips"). SQLite runs each
  // statement at once (it has no round trips); PostgreSQL sends them together
  // (libpq pipeline mode).
  //
  // QueryEach runs `statements` in order and returns each one's rows; on
  // PostgreSQL in one round trip, together with any deferred ones. It stops
  // at the first failure and returns its error (the statements before it
  // ran). Keep every result but the last small: the rows come back only
  // after everything was sent.
  virtual Result<std::vector<Rows>> QueryEach(const std::vector<Statement>& statements);
  // Inside a transaction, a statement whose result is not needed: on
  // PostgreSQL it is sent with the connection's next statement (Query,
  // Execute, QueryEach, Flush, Commit…), and its error is returned by that
  // call; Rollback() drops it unsent. Outside a transaction, and on SQLite,
  // it runs at once. Either way a failure fails the transaction as a failed
  // statement does, so the caller treats an error from any later call as
  // possibly this statement's.
  virtual Status Defer(std::string_view sql, const Params& params = {});
  // Sends the deferred statements now (nothing when none wait); their first error.
  virtual Status Flush() { return core::Ok(); }
  // The round trips to the server this connection has made (PostgreSQL), for
  // benchmarks; always 0 where there are none (SQLite).
  virtual int64_t round_trips() const { return 0; }

  virtual Status Begin(TxMode mode) = 0;
  virtual Status Commit() = 0;
  virtual Status Rollback() = 0;
  // Serialises writers that contend on `key` until the transaction ends
  // (PostgreSQL advisory lock; SQLite writers are already serialised).
  virtual Status LockKey(int64_t key) = 0;
  // False once the connection is unusable (e.g. the server went away); the
  // pool then drops it instead of handing it out again.
  virtual bool healthy() const { return true; }

  // Group commit for a dedicated writer (domain/tickets/intake.h). While
  // deferred, this connection's commits return once they are visible, before
  // they are on disk; a SyncBarrier from NewSyncBarrier() synced after such a
  // commit returned makes it durable, so nothing may be acknowledged before
  // that. A connection still deferred when it goes back to the pool is
  // dropped. Backends whose commits are durable when they return (PostgreSQL,
  // SQLite opened with synchronous below FULL) ignore it: NewSyncBarrier()
  // gives no barrier (null), and DeferSync() does nothing.
  virtual Status DeferSync(bool /*deferred*/) { return core::Ok(); }
  virtual Result<std::unique_ptr<SyncBarrier>> NewSyncBarrier() {
    return std::unique_ptr<SyncBarrier>();
  }

  // The first row, or NotFound.
  Result<Row> QueryOne(std::string_view sql, const Params& params = {});
  // The first column of the first row as an integer (COUNT, RETURNING id).
  Result<int64_t> QueryInt(std::string_view sql, const Params& params = {});
};

// Rolls back unless Commit() succeeded. Movable, not copyable. Begin() and
// Commit() refuse (DeadlineError, after rolling back) once the calling
// thread's deadline has passed (store/deadline.h).
class Transaction {
 public:
  static Result<Transaction> Begin(Connection& conn, TxMode mode = TxMode::kWrite);
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  ~Transaction();

  Status Commit();
  Connection& conn() { return *conn_; }

 private:
  explicit Transaction(Connection& conn) : conn_(&conn) {}
  Connection* conn_;
  bool open_ = true;
};

}  // namespace civicgrid::store
