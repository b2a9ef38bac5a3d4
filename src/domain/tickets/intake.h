// IntakeWriter: group commit for ticket submissions.
//
// A durable commit costs an fsync (SQLite with synchronous=FULL, PostgreSQL
// by default), and a commit per submission caps intake at the disk's fsync
// rate. The IntakeWriter has one writer thread. Submit() queues a prepared
// submission (TicketService::Prepare, done by the caller on its own thread)
// with a callback; the writer takes everything queued (up to max_batch),
// opens ONE write transaction, inserts them all through
// TicketService::InsertBatch (a few multi-row statements for the whole
// batch; one bad item, e.g. an Idempotency-Key reused with another body,
// fails alone and the others go on), commits once, and hands the batch to
// the answer thread, which then tells the observers
// (TicketService::NotifyCommitted) and calls each callback with its result
// (where the HTTP answer is rendered) while the writer already writes the
// next batch. While one batch commits the next one queues up, so batches
// grow with load without any waiting on purpose.
//
// On SQLite with synchronous=FULL the fsync is taken off the writer thread
// (store::Connection::DeferSync): the writer commits without syncing and
// goes on with the next batch; the sync thread syncs the WAL once for every
// batch committed since its last sync, hands them to the answer thread and
// starts the next sync. A sync costs
// about as much as the writing of a batch, so the two now overlap instead of
// adding up. A committed ticket is visible to readers up to one sync before
// it is durable (a power cut in between loses it, unacknowledged, like a
// commit cut short); it is acknowledged only once durable.
//
// Guarantees: a callback reporting success is called only after the commit
// that holds its ticket returned and is durable (synced); a failed commit fails every item of the
// batch (no ticket of it exists); every submitted item's callback is called
// exactly once, on the answer thread, batches in commit order (or on the
// submitting thread when refused at once: queue full, shut down).
// Submissions queue from construction; Start() begins writing them.
// Shutdown() writes out and answers what is queued (on the calling thread if
// Start() never ran), then stops.
//
// Thread-safe. Callbacks must be quick (they hold up the next batch's
// answers) and must not call Shutdown().
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "domain/access/caller.h"
#include "domain/tickets/ticket_service.h"
#include "store/pool.h"

namespace civicgrid::domain {

struct IntakeOptions {
  // Most submissions written in one transaction.
  size_t max_batch = 256;
  // Most submissions waiting; beyond it Submit() refuses with Unavailable
  // (the client retries; with an Idempotency-Key that is safe).
  size_t max_queue = 10'000;
  // Sync on the answer thread instead of in the commit, where the backend
  // supports it (see above). Off: every commit syncs on the writer thread.
  bool defer_sync = true;
  // Nice value added to the writer, sync and answer threads. Every
  // submission waits on each of them in turn, so when the CPU is short
  // (mixed load at city tier on two cores) they go first: −5 took the
  // submissions' p99 from 75–84 ms to 49–50 ms, the readers' p99 2–4 ms up
  // (docs/benchmarks.md, session 15). Raising a priority needs root,
  // CAP_SYS_NICE or an RLIMIT_NICE that allows it (systemd LimitNICE=-5);
  // without, the threads run at the process's priority
  // (IntakeStats::prioritized_threads).
  int nice = -5;
};

// Counters since Start(), for benchmarks and /metrics.
struct IntakeStats {
  int64_t batches = 0;  // transactions committed or failed
  int64_t items = 0;    // submissions written (created, replayed or failed)
  int64_t largest_batch = 0;
  int64_t failed_commits = 0;  // batches whose commit (or begin) failed
  // Where the time went (nanoseconds, summed over batches): inside the
  // transaction (TicketService::BatchPhases), BEGIN + COMMIT (the durable
  // write), and on the answer thread the observers' Committed and the
  // callbacks.
  TicketService::BatchPhases insert;
  int64_t commit_ns = 0;
  int64_t answer_ns = 0;
  // Round trips to the database server from BEGIN to COMMIT (PostgreSQL;
  // store::Connection::round_trips), summed over batches.
  int64_t round_trips = 0;
  // The answer thread's syncs of deferred commits (each covers every batch
  // committed since the one before) and their time; failed ones fail their
  // batches' items.
  int64_t syncs = 0;
  int64_t sync_ns = 0;
  int64_t failed_syncs = 0;
  // Of the writer, sync and answer threads, those that run at options.nice.
  int64_t prioritized_threads = 0;
};

class IntakeWriter {
 public:
  using Done = std::function<void(core::Result<TicketService::Inserted>)>;

  IntakeWriter(store::Db& db, TicketService& tickets, IntakeOptions options = {});
  ~IntakeWriter();  // Shutdown()
  IntakeWriter(const IntakeWriter&) = delete;
  IntakeWriter& operator=(const IntakeWriter&) = delete;

  // Starts the writer thread. Later calls (and calls after Shutdown()) do nothing.
  void Start();
  // Queues one submission; `done` gets the ticket (Inserted::created false for
  // an idempotent replay) or the error.
  void Submit(Caller caller, PreparedTicket prepared, Done done);
  // Writes out everything queued, then stops the thread. Later Submit()s are
  // refused. Idempotent.
  void Shutdown();

  IntakeStats stats() const;

 private:
  struct Item {
    Caller caller;
    PreparedTicket prepared;
    Done done;
  };

  // A written batch waiting for its answers.
  struct Written {
    std::deque<Item> batch;
    core::Status committed;
    std::vector<core::Result<TicketService::Inserted>> results;
    bool needs_sync = false;  // committed with the sync deferred
  };

  // One thread that takes everything queued to it at once and hands it to
  // its work function, in order. Stop() lets it finish what is queued.
  class Stage {
   public:
    using Work = std::function<void(std::deque<Written>&)>;
    ~Stage() { Stop(); }
    // Runs `work` on a thread of its own named `name`, at `nice` when it may;
    // `prioritized` counts it when so.
    void Start(const char* name, int nice, std::atomic<int64_t>& prioritized, Work work);
    bool running() const;
    // False (and `written` untouched) when the stage does not run.
    bool Push(Written& written);
    void Stop();

   private:
    void Loop(const Work& work);
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<Written> queue_;  // GUARDED_BY(mutex_)
    bool running_ = false;       // GUARDED_BY(mutex_)
    bool stop_ = false;          // GUARDED_BY(mutex_)
    std::thread thread_;
  };

  void Run();
  std::deque<Item> TakeBatch();  // empty only when stopping with nothing queued
  Written WriteBatch(std::deque<Item> batch);
  // Whether this batch's commit may skip its sync; makes the barrier first.
  bool DeferThisBatch(store::Connection& conn);
  // To the sync stage, or synced and answered here when it does not run.
  void Deliver(Written written);
  // Syncs once for the batches that need it; a failed sync fails them.
  void SyncWritten(std::deque<Written>& written);
  void Answer(Written& written);

  store::Db& db_;
  TicketService& tickets_;
  const IntakeOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable queued_;
  std::deque<Item> queue_;  // GUARDED_BY(mutex_)
  bool started_ = false;    // GUARDED_BY(mutex_): Start() or Shutdown() ran
  bool stopping_ = false;   // GUARDED_BY(mutex_)
  IntakeStats stats_;       // GUARDED_BY(mutex_)
  std::atomic<int64_t> prioritized_threads_{0};
  std::thread thread_;
  // Made by the writer thread before the first deferred commit, used by the
  // sync stage (handed over through its queue with that batch).
  std::shared_ptr<store::SyncBarrier> barrier_;
  bool barrier_tried_ = false;  // writer thread only
  // Written batches: synced (cg-intake-sync), then answered (cg-intake-ack)
  // on another thread, so the next sync starts while the last is answered.
  Stage answer_stage_;
  Stage sync_stage_;
};

}  // namespace civicgrid::domain
