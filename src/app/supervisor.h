// Supervisor: the periodic 督办 checker. A background thread that calls
// TicketService::CheckOverdue() every `interval` so overdue tickets and late
// departments are flagged (and their supervise events reach the SSE stream
// and webhooks) without anyone asking. Start/Stop from one controlling
// thread; Stop() wakes the thread and joins it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "core/error.h"

namespace civicgrid::app {

class Supervisor {
 public:
  // `check` flags what is overdue and says how many tickets it flagged;
  // serve passes TicketService::CheckOverdue.
  using Check = std::function<core::Result<int64_t>()>;
  explicit Supervisor(Check check, std::chrono::milliseconds interval = std::chrono::minutes(1))
      : check_(std::move(check)), interval_(interval) {}
  ~Supervisor() { Stop(); }
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  void Start();
  void Stop();
  // Tickets flagged since construction.
  int64_t flagged() const;

 private:
  void Run();

  Check check_;
  std::chrono::milliseconds interval_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // GUARDED_BY(mutex_)
  int64_t flagged_ = 0;    // GUARDED_BY(mutex_)
  std::thread thread_;
};

}  // namespace civicgrid::app
