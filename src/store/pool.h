// Db: a pool of connections to one database (opened by store/open.h).
// Thread-safe. Connections are handed out exclusively and come back when the
// PooledConnection is destroyed.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/db.h"

namespace civicgrid::store {

enum class SqliteSync { kOff, kNormal, kFull };

struct DbOptions {
  // Connections kept open; Acquire() waits when all are in use.
  size_t pool_size = 8;
  // How long a SQLite connection waits for the write lock before failing.
  int busy_timeout_ms = 10000;
  // SQLite fsync policy. kFull makes every acknowledged commit durable.
  SqliteSync sqlite_sync = SqliteSync::kFull;
  // Prepared statements cached per connection.
  size_t statement_cache_size = 256;
};

class Db;

class PooledConnection {
 public:
  PooledConnection(Db* db, std::unique_ptr<Connection> conn) : db_(db), conn_(std::move(conn)) {}
  PooledConnection(PooledConnection&&) noexcept = default;
  PooledConnection& operator=(PooledConnection&&) = delete;
  ~PooledConnection();
  Connection& operator*() { return *conn_; }
  Connection* operator->() { return conn_.get(); }

 private:
  Db* db_;
  std::unique_ptr<Connection> conn_;
};

class Db {
 public:
  using Factory = std::function<Result<std::unique_ptr<Connection>>()>;

  Db(Backend backend, std::string url, DbOptions options, Factory factory)
      : backend_(backend), url_(std::move(url)), options_(options), factory_(std::move(factory)) {}
  Backend backend() const { return backend_; }
  const std::string& url() const { return url_; }

  // A connection for the caller's exclusive use; waits when the pool is
  // empty, up to the calling thread's deadline (then DeadlineError()).
  Result<PooledConnection> Acquire();
  // How many threads are blocked in Acquire() waiting for a connection (tests
  // wait on it instead of sleeping).
  size_t waiting() const {
    std::lock_guard lock(mutex_);
    return waiting_;
  }

 private:
  friend class PooledConnection;
  void Release(std::unique_ptr<Connection> conn);

  Backend backend_;
  std::string url_;
  DbOptions options_;
  Factory factory_;
  mutable std::mutex mutex_;
  std::condition_variable available_;
  size_t waiting_ = 0;                             // GUARDED_BY(mutex_)
  std::vector<std::unique_ptr<Connection>> idle_;  // GUARDED_BY(mutex_)
  size_t open_ = 0;                                // GUARDED_BY(mutex_)
};

}  // namespace civicgrid::store
