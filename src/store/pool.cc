#include "store/pool.h"

#include "store/postgres/pg_connection.h"
#include "store/sqlite/sqlite_connection.h"

namespace civicgrid::store {

PooledConnection::~PooledConnection() {
  if (conn_ && db_ != nullptr) db_->Release(std::move(conn_));
}

Result<std::unique_ptr<Db>> Db::Open(const std::string& url, const DbOptions& options) {
  std::unique_ptr<Db> db;
  if (url.rfind("sqlite:", 0) == 0) {
    std::string path = url.substr(7);
    if (path.empty()) return core::Error::Invalid("db", "sqlite: 后需给出数据库文件路径");
    db = std::make_unique<Db>(Backend::kSqlite, url, options,
                              [path, options] { return OpenSqlite(path, options); });
  } else if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    db = std::make_unique<Db>(Backend::kPostgres, url, options,
                              [url, options] { return OpenPostgres(url, options); });
  } else {
    return core::Error::Invalid("db", "数据库地址应以 sqlite: 或 postgresql:// 开头");
  }
  CG_ASSIGN_OR_RETURN(auto probe, db->Acquire());
  (void)probe;
  return db;
}

Result<PooledConnection> Db::Acquire() {
  std::unique_lock lock(mutex_);
  available_.wait(lock, [&] { return !idle_.empty() || open_ < options_.pool_size; });
  if (!idle_.empty()) {
    auto conn = std::move(idle_.back());
    idle_.pop_back();
    return PooledConnection(this, std::move(conn));
  }
  ++open_;
  lock.unlock();
  auto conn = factory_();
  if (!conn.ok()) {
    std::lock_guard relock(mutex_);
    --open_;
    available_.notify_one();
    return std::move(conn).error();
  }
  return PooledConnection(this, std::move(conn).value());
}

void Db::Release(std::unique_ptr<Connection> conn) {
  std::lock_guard lock(mutex_);
  if (conn->healthy()) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
  available_.notify_one();
}

}  // namespace civicgrid::store
