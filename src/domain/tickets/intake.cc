#include "domain/tickets/intake.h"

#include <algorithm>
#include <exception>
#include <optional>
#include <utility>
#include <vector>

namespace civicgrid::domain {

namespace {

using Inserted = TicketService::Inserted;

// One savepoint name reused per item: each item's savepoint is released (or
// rolled back to and released) before the next item starts.
constexpr const char* kSavepoint = "SAVEPOINT intake_item";
constexpr const char* kRelease = "RELEASE SAVEPOINT intake_item";
constexpr const char* kRollbackTo = "ROLLBACK TO SAVEPOINT intake_item";

core::Error NotRunning() {
  return core::Error{core::ErrorCode::kUnavailable, "诉求受理暂停，请稍后重试", {}};
}

core::Error QueueFull() {
  return core::Error{core::ErrorCode::kUnavailable, "提交的诉求过多，请稍后重试", {}};
}

}  // namespace

IntakeWriter::IntakeWriter(store::Db& db, TicketService& tickets, IntakeOptions options)
    : db_(db), tickets_(tickets), options_(options) {}

IntakeWriter::~IntakeWriter() { Shutdown(); }

void IntakeWriter::Start() {
  std::lock_guard lock(mutex_);
  if (started_ || stopping_) {
    return;
  }
  started_ = true;
  thread_ = std::thread([this] { Run(); });
}

void IntakeWriter::Submit(Caller caller, PreparedTicket prepared, Done done) {
  std::optional<core::Error> refused;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      refused = NotRunning();
    } else if (queue_.size() >= options_.max_queue) {
      refused = QueueFull();
    } else {
      queue_.push_back(Item{std::move(caller), std::move(prepared), std::move(done)});
      queued_.notify_one();
      return;
    }
  }
  done(*refused);
}

void IntakeWriter::Shutdown() {
  bool was_started = false;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    was_started = started_;
    started_ = true;  // a later Start() does nothing
    queued_.notify_one();
  }
  if (thread_.joinable()) {
    thread_.join();
  } else if (!was_started) {
    Run();  // never started: write out what was queued here
  }
}

IntakeStats IntakeWriter::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void IntakeWriter::Run() {
  while (true) {
    std::deque<Item> batch = TakeBatch();
    if (batch.empty()) {
      return;
    }
    WriteBatch(batch);
  }
}

std::deque<IntakeWriter::Item> IntakeWriter::TakeBatch() {
  std::unique_lock lock(mutex_);
  queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
  std::deque<Item> batch;
  while (!queue_.empty() && batch.size() < options_.max_batch) {
    batch.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  return batch;
}

// Inserts every item in one transaction, commits, then reports. Results are
// held back until the commit returned: nothing is acknowledged that a failed
// commit could still take away.
void IntakeWriter::WriteBatch(std::deque<Item>& batch) {
  std::vector<core::Result<Inserted>> results;
  results.reserve(batch.size());
  core::Status committed = [&]() -> core::Status {
    CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn, store::TxMode::kWrite));
    for (const Item& item : batch) {
      CG_TRY(InsertOne(*conn, item, results));  // on error `tx` rolls back
    }
    return tx.Commit();
  }();
  {
    std::lock_guard lock(mutex_);
    ++stats_.batches;
    stats_.items += static_cast<int64_t>(batch.size());
    stats_.largest_batch = std::max(stats_.largest_batch, static_cast<int64_t>(batch.size()));
    stats_.failed_commits += committed.ok() ? 0 : 1;
  }
  if (!committed.ok()) {
    for (Item& item : batch) {
      item.done(committed.error());
    }
    return;
  }
  for (const auto& result : results) {
    if (result.ok() && result->change) {
      tickets_.NotifyCommitted(*result->change);
    }
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    batch[i].done(std::move(results[i]));
  }
}

// Inserts one item inside its own savepoint and appends its result (its own
// failure rolls back to the savepoint and is only its result). An error
// return means a savepoint statement failed: the transaction is in an
// unknown state and the batch is given up.
core::Status IntakeWriter::InsertOne(store::Connection& conn, const Item& item,
                                     std::vector<core::Result<Inserted>>& results) {
  CG_TRY(conn.Execute(kSavepoint));
  core::Result<Inserted> inserted = core::Error::Internal("诉求写入失败");
  try {
    inserted = tickets_.Insert(conn, item.caller, item.prepared);
  } catch (const std::exception& e) {  // a bug: the item fails, the batch goes on
    inserted = core::Error::Internal(std::string("诉求写入失败：") + e.what());
  }
  if (!inserted.ok()) {
    CG_TRY(conn.Execute(kRollbackTo));
  }
  CG_TRY(conn.Execute(kRelease));
  results.push_back(std::move(inserted));
  return core::Ok();
}

}  // namespace civicgrid::domain
