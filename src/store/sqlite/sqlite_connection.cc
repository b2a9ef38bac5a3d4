#include "store/sqlite/sqlite_connection.h"

#include "store/deadline.h"
#include "store/migrate.h"

#include <sqlite3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <list>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace civicgrid::store {
namespace {

using core::Error;
using core::ErrorCode;

// VM instructions between two looks at the deadline: a look costs a clock
// read, a thousand instructions take a few microseconds.
constexpr int kProgressInterval = 1000;

// WAL pages after which a commit checkpoints (SQLite's default), and the same
// for a connection committing with its sync deferred (DeferSync).
constexpr int kCheckpointPages = 1000;
constexpr int kDeferredCheckpointPages = 4000;

Error SqliteError(sqlite3* db, int rc, std::string_view what) {
  if ((rc & 0xff) == SQLITE_INTERRUPT) return DeadlineError();  // only the deadline interrupts
  std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  int primary = rc & 0xff;
  if (primary == SQLITE_CONSTRAINT) return Error{ErrorCode::kConflict, msg, {}};
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    return Error{ErrorCode::kUnavailable, "数据库繁忙，请稍后重试（" + msg + "）", {}};
  }
  if (primary == SQLITE_FULL || primary == SQLITE_IOERR) {
    return Error{ErrorCode::kUnavailable, msg, {}};
  }
  return Error::Internal(msg);
}

struct StmtDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

const char* SyncPragma(SqliteSync sync) {
  switch (sync) {
    case SqliteSync::kOff:
      return "PRAGMA synchronous=OFF";
    case SqliteSync::kNormal:
      return "PRAGMA synchronous=NORMAL";
    case SqliteSync::kFull:
      return "PRAGMA synchronous=FULL";
  }
  return "PRAGMA synchronous=FULL";
}

// fdatasync of the database's WAL file through a descriptor of its own. In
// WAL mode a commit appends its frames to the WAL; with synchronous=NORMAL it
// returns without syncing them, and syncing the file afterwards makes every
// frame appended so far durable, as synchronous=FULL would have at each
// commit. The WAL is truncated and rewritten in place while connections are
// open; if it was removed or replaced (every connection closed), the next
// Sync opens the new one.
class WalSyncBarrier final : public SyncBarrier {
 public:
  explicit WalSyncBarrier(std::string path) : path_(std::move(path)) {}
  ~WalSyncBarrier() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status Open() {
    std::lock_guard lock(mutex_);
    CG_TRY(Reopen());
    // The WAL's directory entry too, once (SQLite syncs it when it creates
    // the file with synchronous=FULL; this makes no assumption about who did).
    std::string dir = std::filesystem::path(path_).parent_path().string();
    int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);
      ::close(dfd);
    }
    return core::Ok();
  }

  Status Sync() override {
    std::lock_guard lock(mutex_);
    struct stat by_fd {};
    struct stat by_path {};
    if (::fstat(fd_, &by_fd) != 0 || ::stat(path_.c_str(), &by_path) != 0 ||
        by_fd.st_ino != by_path.st_ino || by_fd.st_dev != by_path.st_dev) {
      CG_TRY(Reopen());
    }
    if (::fdatasync(fd_) != 0) {
      return Error{ErrorCode::kUnavailable,
                   "写前日志落盘失败（" + path_ + "）: " + std::strerror(errno),
                   {}};
    }
    return core::Ok();
  }

 private:
  Status Reopen() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
    if (fd_ < 0) {
      return Error{
          ErrorCode::kUnavailable, "无法打开写前日志 " + path_ + ": " + std::strerror(errno), {}};
    }
    return core::Ok();
  }

  const std::string path_;
  std::mutex mutex_;
  int fd_ = -1;  // GUARDED_BY(mutex_)
};

class SqliteConnection final : public Connection {
 public:
  SqliteConnection(sqlite3* db, size_t cache_size, int busy_timeout_ms, SqliteSync sync)
      : db_(db), cache_size_(cache_size), busy_timeout_ms_(busy_timeout_ms), sync_(sync) {
    sqlite3_progress_handler(db_, kProgressInterval, &SqliteConnection::Progress, this);
    sqlite3_busy_handler(db_, &SqliteConnection::Busy, this);
  }
  ~SqliteConnection() override {
    cache_.clear();
    lru_.clear();
    sqlite3_close_v2(db_);
  }

  Backend backend() const override { return Backend::kSqlite; }

  Result<Rows> Query(std::string_view sql, const Params& params) override {
    CG_TRY(CheckDeadline());
    CG_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql, params));
    Rows rows;
    int rc;
    ColumnNames names;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      if (!names) names = ReadNames(stmt);
      rows.push_back(ReadRow(stmt, names));
    }
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "查询失败");
    return rows;
  }

  Result<int64_t> Execute(std::string_view sql, const Params& params) override {
    CG_TRY(CheckDeadline());
    return Run(sql, params);
  }

  Status ExecScript(std::string_view sql) override {
    std::string text(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      return Error::Internal("执行 SQL 脚本失败: " + msg);
    }
    return core::Ok();
  }

  Status Begin(TxMode mode) override {
    return Simple(mode == TxMode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
  }
  Status Commit() override { return Simple("COMMIT"); }
  Status Rollback() override {
    if (sqlite3_get_autocommit(db_)) return core::Ok();  // nothing open
    // A rollback past the deadline must still run to the end.
    interruptible_ = false;
    Status status = Simple("ROLLBACK");
    interruptible_ = true;
    return status;
  }
  Status LockKey(int64_t /*key*/) override { return core::Ok(); }
  bool healthy() const override { return !deferred_; }

  Status DeferSync(bool deferred) override {
    if (sync_ != SqliteSync::kFull || deferred == deferred_) return core::Ok();
    CG_TRY(Simple(deferred ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL"));
    // The group-commit writer checkpoints every 4,000 WAL pages instead of
    // SQLite's 1,000: the pages a batch rewrites (index leaves, rollup rows,
    // counters) are copied once per checkpoint, so a quarter as many
    // checkpoints copy far fewer pages in all (measured: the writer's commit
    // time per ticket 73 -> 41 us; turning checkpoints off altogether, 33 us).
    sqlite3_wal_autocheckpoint(db_, deferred ? kDeferredCheckpointPages : kCheckpointPages);
    deferred_ = deferred;
    return core::Ok();
  }

  Result<std::unique_ptr<SyncBarrier>> NewSyncBarrier() override {
    if (sync_ != SqliteSync::kFull) return std::unique_ptr<SyncBarrier>();
    const char* main = sqlite3_db_filename(db_, "main");
    if (main == nullptr || *main == '\0') return std::unique_ptr<SyncBarrier>();  // in memory
    auto barrier = std::make_unique<WalSyncBarrier>(std::string(main) + "-wal");
    CG_TRY(barrier->Open());
    return std::unique_ptr<SyncBarrier>(std::move(barrier));
  }

 private:
  // Returning non-zero interrupts the running statement (SQLITE_INTERRUPT).
  static int Progress(void* self) {
    return static_cast<SqliteConnection*>(self)->interruptible_ && DeadlinePassed() ? 1 : 0;
  }

  // Waits for a lock held by another connection like sqlite3_busy_timeout
  // does, but gives up at the calling thread's deadline too.
  static int Busy(void* self, int attempt) {
    static constexpr std::array<int, 12> kDelaysMs = {1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100};
    auto* connection = static_cast<SqliteConnection*>(self);
    if (attempt < 0 || DeadlinePassed()) return 0;
    auto index = std::min(static_cast<size_t>(attempt), kDelaysMs.size() - 1);
    int waited = 0;
    for (size_t i = 0; i < index; ++i) waited += kDelaysMs[i];
    waited += static_cast<int>(static_cast<size_t>(attempt) - index) * kDelaysMs.back();
    if (waited >= connection->busy_timeout_ms_) return 0;
    int delay = std::min(kDelaysMs[index], connection->busy_timeout_ms_ - waited);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
    return 1;
  }

  Result<int64_t> Run(std::string_view sql, const Params& params) {
    CG_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Prepare(sql, params));
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, "执行失败");
    return int64_t{sqlite3_changes(db_)};
  }

  Status Simple(const char* sql) {
    auto r = Run(sql, {});
    if (!r.ok()) return std::move(r).error();
    return core::Ok();
  }

  Result<sqlite3_stmt*> Prepare(std::string_view sql, const Params& params) {
    CG_ASSIGN_OR_RETURN(sqlite3_stmt * stmt, Cached(sql));
    sqlite3_clear_bindings(stmt);
    int expected = sqlite3_bind_parameter_count(stmt);
    if (static_cast<size_t>(expected) != params.size()) {
      return Error::Internal("参数个数不符: SQL 需要 " + std::to_string(expected) + " 个，给了 " +
                             std::to_string(params.size()));
    }
    for (size_t i = 0; i < params.size(); ++i) {
      int rc = Bind(stmt, static_cast<int>(i + 1), params[i]);
      if (rc != SQLITE_OK) return SqliteError(db_, rc, "绑定参数失败");
    }
    return stmt;
  }

  static int Bind(sqlite3_stmt* stmt, int index, const Value& v) {
    if (v.is_null()) return sqlite3_bind_null(stmt, index);
    if (v.is_int()) return sqlite3_bind_int64(stmt, index, v.AsInt());
    if (v.is_real()) return sqlite3_bind_double(stmt, index, v.AsReal());
    const std::string& s = v.AsText();
    if (v.is_blob()) {
      return sqlite3_bind_blob64(stmt, index, s.data(), s.size(), SQLITE_TRANSIENT);
    }
    return sqlite3_bind_text64(stmt, index, s.data(), s.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }

  static ColumnNames ReadNames(sqlite3_stmt* stmt) {
    auto names = std::make_shared<std::vector<std::string>>();
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      const char* name = sqlite3_column_name(stmt, i);
      names->emplace_back(name ? name : "");
    }
    return names;
  }

  static Row ReadRow(sqlite3_stmt* stmt, const ColumnNames& names) {
    int n = sqlite3_column_count(stmt);
    std::vector<Value> values;
    values.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      switch (sqlite3_column_type(stmt, i)) {
        case SQLITE_INTEGER:
          values.emplace_back(static_cast<int64_t>(sqlite3_column_int64(stmt, i)));
          break;
        case SQLITE_FLOAT:
          values.emplace_back(sqlite3_column_double(stmt, i));
          break;
        case SQLITE_TEXT:
          values.emplace_back(
              std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, i)),
                          static_cast<size_t>(sqlite3_column_bytes(stmt, i))));
          break;
        case SQLITE_BLOB: {
          const char* data = static_cast<const char*>(sqlite3_column_blob(stmt, i));
          values.emplace_back(Blob{
              std::string(data ? data : "", static_cast<size_t>(sqlite3_column_bytes(stmt, i)))});
          break;
        }
        default:
          values.emplace_back();
      }
    }
    return Row(std::move(values), names);
  }

  Result<sqlite3_stmt*> Cached(std::string_view sql) {
    std::string key(sql);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.second);
      return it->second.first.get();
    }
    std::string rewritten = RewritePlaceholders(TranslateDialect(sql, Backend::kSqlite));
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v3(db_, rewritten.c_str(), static_cast<int>(rewritten.size()),
                                SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, "SQL 预编译失败 [" + key + "]");
    if (cache_.size() >= cache_size_) Evict();
    lru_.push_front(key);
    auto& entry = cache_[key];
    entry.first.reset(raw);
    entry.second = lru_.begin();
    return raw;
  }

  void Evict() {
    cache_.erase(lru_.back());
    lru_.pop_back();
  }

  sqlite3* db_;
  size_t cache_size_;
  int busy_timeout_ms_;
  const SqliteSync sync_;
  bool deferred_ = false;  // DeferSync(true) in force
  bool interruptible_ = true;
  std::list<std::string> lru_;
  std::unordered_map<std::string, std::pair<StmtPtr, std::list<std::string>::iterator>> cache_;
};

}  // namespace

std::string RewritePlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '$' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      c = '?';
    }
    out.push_back(c);
  }
  return out;
}

Result<std::unique_ptr<Connection>> OpenSqlite(const std::string& path, const DbOptions& options) {
  std::filesystem::path p(path);
  std::error_code ec;
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error err = SqliteError(db, rc, "无法打开数据库 " + path);
    sqlite3_close_v2(db);
    return err;
  }
  auto conn = std::make_unique<SqliteConnection>(db, options.statement_cache_size,
                                                 options.busy_timeout_ms, options.sqlite_sync);
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", SyncPragma(options.sqlite_sync)}) {
    CG_TRY(conn->ExecScript(pragma));
  }
  return std::unique_ptr<Connection>(std::move(conn));
}

}  // namespace civicgrid::store
