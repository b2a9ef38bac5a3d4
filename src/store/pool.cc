#include "store/pool.h"

#include "store/deadline.h"

namespace civicgrid::store {

PooledConnection::~PooledConnection() {
  if (conn_ && db_ != nullptr) db_->Release(std::move(conn_));
}

Result<PooledConnection> Db::Acquire() {
  std::unique_lock lock(mutex_);
  auto ready = [&] { return !idle_.empty() || open_ < options_.pool_size; };
  if (!ready()) {
    // Counted while blocked, so tests can wait for a waiter instead of sleeping.
    ++waiting_;
    bool got = true;
    if (auto deadline = CurrentDeadline()) {
      got = available_.wait_until(lock, *deadline, ready);
    } else {
      available_.wait(lock, ready);
    }
    --waiting_;
    if (!got) return DeadlineError();
  }
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
