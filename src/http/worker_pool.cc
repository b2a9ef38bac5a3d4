#include "http/worker_pool.h"

#include <algorithm>
#include <iterator>

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
      lane->threads.emplace_back([this, l = lane.get()] { Work(*l); });
    }
  }
}

WorkerPool::~WorkerPool() { Stop(); }

bool WorkerPool::TrySubmit(size_t lane_index, Task task) {
  Lane& lane = *lanes_.at(lane_index);
  std::unique_lock lock(mutex_);
  // A task may wait only while every worker is busy and the queue has room;
  // an idle worker takes it at once.
  size_t waiting_after = lane.queue.size() + 1;
  if (stopping_ || (waiting_after > lane.idle + lane.options.queue_limit)) {
    ++lane.rejected;
    lock.unlock();
    return false;  // `task` is destroyed here, unrun
  }
  lane.queue.push_back(std::move(task));
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
    size_t free_workers = std::min<size_t>(lane->idle, lane->queue.size());
    stats.push_back(LaneStats{lane->options.name, lane->options.workers,
                              lane->options.workers - lane->idle + free_workers,
                              lane->queue.size() - free_workers, lane->rejected, lane->timed_out});
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
      std::move(lane->queue.begin(), lane->queue.end(), std::back_inserter(dropped));
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
    ++lane.idle;
    lane.ready.wait(lock, [&] { return stopping_ || !lane.queue.empty(); });
    --lane.idle;
    if (stopping_) {
      return;
    }
    Task task = std::move(lane.queue.front());
    lane.queue.pop_front();
    lock.unlock();
    task();
    task = nullptr;  // the task's state goes before the next wait
    lock.lock();
  }
}

}  // namespace civicgrid::http
