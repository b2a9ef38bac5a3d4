#include "http/worker_pool.h"

#include <algorithm>
#include <iterator>

#include "core/thread_name.h"

namespace civicgrid::http {

WorkerPool::WorkerPool(const std::vector<LaneOptions>& lanes) {
  for (const LaneOptions& options : lanes) {
    auto lane = std::make_unique<Lane>();
    lane->options = options;
    lane->options.workers = std::max(1U, options.workers);
    lanes_.push_back(std::move(lane));
  }
  for (auto& lane : lanes_) {
    for (unsigned i = 0; i < lane->options.workers; ++i) {
      lane->threads.emplace_back([this, l = lane.get()] {
        core::NameThisThread("cg-" + l->options.name);
        // A lower priority needs no privilege; failing to set one is harmless.
        if (l->options.nice > 0) core::AdjustThisThreadsNice(l->options.nice);
        Work(*l);
      });
    }
  }
}

WorkerPool::~WorkerPool() { Stop(); }

bool WorkerPool::TrySubmit(size_t lane_index, Task task, Order order) {
  Lane& lane = *lanes_.at(lane_index);
  std::unique_lock lock(mutex_);
  // Room for one task per worker not running one, plus the queue's limit
  // (counted by running tasks, not by idle threads, so a worker that has not
  // yet reached its first wait still counts as free).
  size_t capacity = lane.options.workers + lane.options.queue_limit;
  if (stopping_ || lane.running + lane.queue.size() + lane.ahead.size() >= capacity) {
    ++lane.rejected;
    lock.unlock();
    return false;  // `task` is destroyed here, unrun
  }
  (order == Order::kAhead ? lane.ahead : lane.queue).push_back(std::move(task));
  lane.ready.notify_one();
  return true;
}

void WorkerPool::CountTimedOut(size_t lane_index) {
  std::lock_guard lock(mutex_);
  ++lanes_.at(lane_index)->timed_out;
}

std::vector<LaneStats> WorkerPool::Stats() const {
  std::lock_guard lock(mutex_);
  std::vector<LaneStats> stats;
  for (const auto& lane : lanes_) {
    // A task a free worker is about to take counts as running, not waiting.
    const size_t waiting = lane->queue.size() + lane->ahead.size();
    size_t starting = std::min(size_t{lane->options.workers} - lane->running, waiting);
    stats.push_back(LaneStats{lane->options.name, lane->options.workers, lane->running + starting,
                              waiting - starting, lane->rejected, lane->timed_out});
  }
  return stats;
}

void WorkerPool::Stop() {
  std::vector<Task> dropped;  // destroyed outside the lock: a task's state may answer a client
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return;
    }
    stopping_ = true;
    for (auto& lane : lanes_) {
      std::move(lane->ahead.begin(), lane->ahead.end(), std::back_inserter(dropped));
      std::move(lane->queue.begin(), lane->queue.end(), std::back_inserter(dropped));
      lane->ahead.clear();
      lane->queue.clear();
      lane->ready.notify_all();
    }
  }
  dropped.clear();
  for (auto& lane : lanes_) {
    for (std::thread& thread : lane->threads) {
      thread.join();
    }
  }
}

void WorkerPool::Work(Lane& lane) {
  std::unique_lock lock(mutex_);
  while (true) {
    lane.ready.wait(lock, [&] { return stopping_ || !lane.queue.empty() || !lane.ahead.empty(); });
    if (stopping_) {
      return;
    }
    Task task = TakeNext(lane);
    ++lane.running;
    lock.unlock();
    task();
    task = nullptr;  // the task's state goes before the next wait
    lock.lock();
    --lane.running;
  }
}

WorkerPool::Task WorkerPool::TakeNext(Lane& lane) {
  const bool plain_turn =
      lane.ahead.empty() || (!lane.queue.empty() && lane.ahead_run >= kAheadBurst);
  std::deque<Task>& from = plain_turn ? lane.queue : lane.ahead;
  lane.ahead_run = plain_turn ? 0 : lane.ahead_run + 1;
  Task task = std::move(from.front());
  from.pop_front();
  return task;
}

}  // namespace civicgrid::http
