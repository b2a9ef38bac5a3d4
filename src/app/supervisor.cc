#include "app/supervisor.h"

#include <spdlog/spdlog.h>

namespace civicgrid::app {

void Supervisor::Start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { Run(); });
}

void Supervisor::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t Supervisor::flagged() const {
  std::lock_guard lock(mutex_);
  return flagged_;
}

void Supervisor::Run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    auto flagged = check_();
    lock.lock();
    if (!flagged.ok()) {
      spdlog::warn("{}失败: {}", name_, flagged.error().message);
    } else {
      flagged_ += *flagged;
      if (*flagged > 0) spdlog::info("{}: {} 条", name_, *flagged);
    }
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

}  // namespace civicgrid::app
