// WorkerPool: the threads that run request handlers, off the I/O threads.
//
// The pool has lanes (interactive, long); each lane has its own worker
// threads and its own bounded FIFO queue. A task goes to one lane and runs on
// one of that lane's workers; when every worker of the lane is busy it waits
// in the lane's queue, and when the queue is full TrySubmit() refuses at once
// (the server then answers 503 with Retry-After): latency stays bounded
// instead of running away, and a lane full of slow work leaves the other
// lanes' workers free.
//
// A task may be submitted ahead (Order::kAhead): it waits in its lane's ahead
// queue, which the workers take from before the plain one, so a brief,
// urgent task (a resident's submission, which only validates and hands over
// to the intake writer) does not wait behind dozens of queued reads when the
// cores are short. Both queues share the lane's limit; after kAheadBurst
// ahead tasks in a row a worker takes one plain task if any waits, so a flood
// of ahead tasks slows the plain ones but cannot starve them.
//
// The pool knows nothing of HTTP or deadlines: a task is a function; the
// server's tasks check their deadline themselves (see server.cc).
//
// Thread-safety: every member is thread-safe. Stop() (and the destructor)
// must not be called from a worker; it drops queued tasks (destroying them
// unrun) and waits for running ones to return.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace civicgrid::http {

// What /metrics shows of one lane.
struct LaneStats {
  std::string lane;        // "interactive", "long"
  unsigned workers = 0;    // threads of the lane
  size_t busy = 0;         // running a task now
  size_t queued = 0;       // waiting for a worker now
  uint64_t rejected = 0;   // refused because the queue was full
  uint64_t timed_out = 0;  // counted by CountTimedOut()
};

class WorkerPool {
 public:
  struct LaneOptions {
    std::string name;
    unsigned workers = 1;    // at least 1
    size_t queue_limit = 0;  // tasks waiting beyond the busy workers; 0: none wait
    // CPU priority of the lane's threads above the process's (Linux nice, per
    // thread; 0..19): a lane of long work at +10 runs on what the others leave
    // when the cores are busy, and at full speed when they are not.
    int nice = 0;
  };
  using Task = std::function<void()>;
  enum class Order { kPlain, kAhead };
  // Ahead tasks a lane's workers take in a row while plain ones wait.
  static constexpr unsigned kAheadBurst = 8;

  // Starts every lane's workers.
  explicit WorkerPool(const std::vector<LaneOptions>& lanes);
  ~WorkerPool();  // Stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Runs `task` on a worker of lane `lane` (an index into the constructor's
  // list) as soon as one is free. False, with the task destroyed unrun and a
  // rejection counted, when the lane's queue is full or the pool stopped.
  // A task must not throw.
  bool TrySubmit(size_t lane, Task task, Order order = Order::kPlain);

  // Counts a request of `lane` answered 503 for its deadline.
  void CountTimedOut(size_t lane);

  std::vector<LaneStats> Stats() const;

  // Drops queued tasks, waits for running ones, joins the workers. Idempotent.
  void Stop();

 private:
  struct Lane {
    LaneOptions options;
    std::condition_variable ready;
    std::deque<Task> queue;  // GUARDED_BY(mutex_)
    std::deque<Task> ahead;  // GUARDED_BY(mutex_): taken before `queue`
    unsigned ahead_run = 0;  // GUARDED_BY(mutex_): ahead tasks taken in a row
    size_t running = 0;      // GUARDED_BY(mutex_): tasks taken by a worker, not yet done
    uint64_t rejected = 0;   // GUARDED_BY(mutex_)
    uint64_t timed_out = 0;  // GUARDED_BY(mutex_)
    std::vector<std::thread> threads;
  };

  void Work(Lane& lane);
  // The next task of a lane with one waiting (see kAheadBurst).
  static Task TakeNext(Lane& lane);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  bool stopping_ = false;  // GUARDED_BY(mutex_)
};

}  // namespace civicgrid::http
