#include "domain/tickets/intake.h"

#include "core/thread_name.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <optional>
#include <utility>
#include <vector>

namespace civicgrid::domain {

namespace {

using Inserted = TicketService::Inserted;

int64_t NanosSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                              start)
      .count();
}

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
  answer_stage_.Start("cg-intake-ack", options_.nice, prioritized_threads_,
                      [this](std::deque<Written>& group) {
                        for (Written& w : group) Answer(w);
                      });
  sync_stage_.Start("cg-intake-sync", options_.nice, prioritized_threads_,
                    [this](std::deque<Written>& group) {
                      SyncWritten(group);
                      for (Written& w : group) {
                        if (!answer_stage_.Push(w)) Answer(w);
                      }
                    });
  thread_ = std::thread([this] {
    core::NameThisThread("cg-intake");
    if (core::AdjustThisThreadsNice(options_.nice)) ++prioritized_threads_;
    Run();
  });
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
  sync_stage_.Stop();    // syncs what was written,
  answer_stage_.Stop();  // then answers it
}

IntakeStats IntakeWriter::stats() const {
  std::lock_guard lock(mutex_);
  IntakeStats out = stats_;
  out.prioritized_threads = prioritized_threads_.load();
  return out;
}

void IntakeWriter::Run() {
  while (true) {
    std::deque<Item> batch = TakeBatch();
    if (batch.empty()) {
      return;
    }
    Deliver(WriteBatch(std::move(batch)));
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

// Inserts every item in one transaction and commits. Results are held back
// until the commit returned: nothing is acknowledged that a failed commit
// could still take away.
IntakeWriter::Written IntakeWriter::WriteBatch(std::deque<Item> batch) {
  Written out;
  TicketService::BatchPhases phases;
  int64_t commit_ns = 0;
  int64_t round_trips = 0;
  out.committed = [&]() -> core::Status {
    std::vector<TicketService::Submission> items;
    items.reserve(batch.size());
    for (const Item& item : batch) items.push_back({&item.caller, &item.prepared});
    CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
    out.needs_sync = DeferThisBatch(*conn);
    auto begin = std::chrono::steady_clock::now();
    const int64_t trips_before = conn->round_trips();
    core::Status committed = [&]() -> core::Status {
      CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn, store::TxMode::kWrite));
      commit_ns += NanosSince(begin);
      // On error `tx` rolls back.
      CG_ASSIGN_OR_RETURN(out.results, tickets_.InsertBatch(*conn, items, &phases));
      auto commit = std::chrono::steady_clock::now();
      core::Status status = tx.Commit();
      commit_ns += NanosSince(commit);
      return status;
    }();
    // A connection left deferred is dropped by the pool, never reused.
    round_trips = conn->round_trips() - trips_before;
    if (out.needs_sync) (void)conn->DeferSync(false);
    return committed;
  }();
  out.needs_sync = out.needs_sync && out.committed.ok();
  {
    std::lock_guard lock(mutex_);
    ++stats_.batches;
    stats_.items += static_cast<int64_t>(batch.size());
    stats_.largest_batch = std::max(stats_.largest_batch, static_cast<int64_t>(batch.size()));
    stats_.failed_commits += out.committed.ok() ? 0 : 1;
    stats_.insert.check_ns += phases.check_ns;
    stats_.insert.write_ns += phases.write_ns;
    stats_.insert.read_ns += phases.read_ns;
    stats_.insert.observe_ns += phases.observe_ns;
    stats_.insert.fallbacks += phases.fallbacks;
    stats_.commit_ns += commit_ns;
    stats_.round_trips += round_trips;
  }
  out.batch = std::move(batch);
  return out;
}

// Deferring needs the answer thread (Shutdown() without Start() answers on
// the writer's thread right after the commit, so there is nothing to
// overlap) and a barrier. The barrier is made once, lazily: the WAL file it
// opens exists once the database has been written in WAL mode.
bool IntakeWriter::DeferThisBatch(store::Connection& conn) {
  if (!options_.defer_sync) return false;
  if (!sync_stage_.running()) return false;
  if (!barrier_ && !barrier_tried_) {
    auto made = conn.NewSyncBarrier();
    if (made.ok() && *made) {
      barrier_ = std::shared_ptr<store::SyncBarrier>(std::move(*made));
    } else if (made.ok()) {
      barrier_tried_ = true;  // this backend's commits are durable anyway
    }  // else: no WAL file yet; this batch syncs itself, the next one tries again
  }
  return barrier_ && conn.DeferSync(true).ok();
}

void IntakeWriter::Deliver(Written written) {
  if (sync_stage_.Push(written)) return;
  std::deque<Written> one;
  one.push_back(std::move(written));
  SyncWritten(one);
  Answer(one.front());
}

void IntakeWriter::Stage::Start(const char* name, int nice, std::atomic<int64_t>& prioritized,
                                Work work) {
  {
    std::lock_guard lock(mutex_);
    running_ = true;
  }
  thread_ = std::thread([this, name, nice, &prioritized, work = std::move(work)] {
    core::NameThisThread(name);
    if (core::AdjustThisThreadsNice(nice)) ++prioritized;
    Loop(work);
  });
}

bool IntakeWriter::Stage::running() const {
  std::lock_guard lock(mutex_);
  return running_;
}

bool IntakeWriter::Stage::Push(Written& written) {
  std::lock_guard lock(mutex_);
  if (!running_) return false;
  queue_.push_back(std::move(written));
  ready_.notify_one();
  return true;
}

void IntakeWriter::Stage::Stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
    ready_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

void IntakeWriter::Stage::Loop(const Work& work) {
  while (true) {
    std::deque<Written> group;
    {
      std::unique_lock lock(mutex_);
      ready_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) {
        running_ = false;
        return;
      }
      group.swap(queue_);
    }
    work(group);
  }
}

void IntakeWriter::SyncWritten(std::deque<Written>& written) {
  bool any = false;
  for (const Written& w : written) any = any || w.needs_sync;
  if (!any) return;
  auto start = std::chrono::steady_clock::now();
  core::Status synced = barrier_->Sync();
  const int64_t ns = NanosSince(start);
  if (!synced.ok()) {
    // Committed but maybe not on disk: not acknowledged. A retry with the
    // same Idempotency-Key gets the ticket if it survived, a new one if not.
    for (Written& w : written) {
      if (w.needs_sync) w.committed = synced.error();
    }
  }
  std::lock_guard lock(mutex_);
  ++stats_.syncs;
  stats_.sync_ns += ns;
  stats_.failed_syncs += synced.ok() ? 0 : 1;
}

void IntakeWriter::Answer(Written& written) {
  auto start = std::chrono::steady_clock::now();
  if (!written.committed.ok()) {
    for (Item& item : written.batch) item.done(written.committed.error());
  } else {
    for (const auto& result : written.results) {
      if (result.ok()) tickets_.NotifyInserted(*result);
    }
    for (size_t i = 0; i < written.batch.size(); ++i) {
      written.batch[i].done(std::move(written.results[i]));
    }
  }
  const int64_t ns = NanosSince(start);
  std::lock_guard lock(mutex_);
  stats_.answer_ns += ns;
}

}  // namespace civicgrid::domain
