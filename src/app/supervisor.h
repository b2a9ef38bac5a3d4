// Supervisor: a periodic task on a background thread. `serve` runs two: the
// 督办 checker (TicketService::CheckOverdue() every minute, so overdue tickets
// and late departments are flagged, and their supervise events reach the SSE
// stream and webhooks, without anyone asking) and the hourly purge of ended
// webhook deliveries. Start/Stop from one controlling thread; Stop() wakes the
// thread and joins it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "core/error.h"

namespace civicgrid::app {

class Supervisor {
 public:
  // `check` does the work and says how many things it changed (tickets
  // flagged, rows purged); `name` labels its log lines.
  using Check = std::function<core::Result<int64_t>()>;
  explicit Supervisor(Check check, std::chrono::milliseconds interval = std::chrono::minutes(1),
                      std::string name = "督办")
      : check_(std::move(check)), interval_(interval), name_(std::move(name)) {}
  ~Supervisor() { Stop(); }
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  void Start();
  void Stop();
  // The sum of what the check reported since construction.
  int64_t flagged() const;

 private:
  void Run();

  Check check_;
  std::chrono::milliseconds interval_;
  std::string name_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // GUARDED_BY(mutex_)
  int64_t flagged_ = 0;    // GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace civicgrid::app
