#include "store/deadline.h"

#include <algorithm>

namespace civicgrid::store {

namespace {

// The only mutable per-thread state of the store; see the header for why.
thread_local std::optional<DeadlineClock::time_point> t_deadline;

}  // namespace

DeadlineScope::DeadlineScope(DeadlineClock::time_point deadline) : previous_(t_deadline) {
  t_deadline = previous_ ? std::min(*previous_, deadline) : deadline;
}

DeadlineScope::~DeadlineScope() { t_deadline = previous_; }

std::optional<DeadlineClock::time_point> CurrentDeadline() { return t_deadline; }

bool DeadlinePassed() { return t_deadline && DeadlineClock::now() >= *t_deadline; }

std::optional<int64_t> DeadlineMillisLeft() {
  if (!t_deadline) {
    return std::nullopt;
  }
  auto left = std::chrono::ceil<std::chrono::milliseconds>(*t_deadline - DeadlineClock::now());
  return std::max<int64_t>(0, left.count());
}

core::Error DeadlineError() {
  return core::Error{core::ErrorCode::kUnavailable, "处理超时，请稍后重试", {}};
}

core::Status CheckDeadline() {
  if (DeadlinePassed()) {
    return DeadlineError();
  }
  return core::Ok();
}

}  // namespace civicgrid::store
