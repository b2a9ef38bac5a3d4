// Pacer: keeps long work (exports, bulk reads) to a share of the time, so
// that the database work it causes cannot take the cores from interactive
// requests. On PostgreSQL a request's statements run in a server process of
// their own, which the long lane's lower thread priority (ServerOptions::
// long_nice) does not reach: an export reading page after page kept one
// backend busy for the whole export (0.6 of a core in the city mix,
// docs/benchmarks.md, session 17).
//
// The work calls Step() after each unit (a page): the pacer sleeps so that
// the work's own time is at most `duty` of the wall time since it began
// (duty 0.5: as long again as the page took; 1: never). It never sleeps past
// the calling thread's deadline less a margin (store/deadline.h), so paced
// work slows down but does not fail for it. Not thread-safe: one per task.
#pragma once

#include <chrono>

namespace civicgrid::store {

class Pacer {
 public:
  // `duty` in (0, 1]; anything else means 1 (no pausing).
  explicit Pacer(double duty);
  void Step();
  // Time slept so far.
  std::chrono::steady_clock::duration slept() const { return slept_; }

 private:
  double duty_;
  std::chrono::steady_clock::time_point since_;  // the end of the last pause
  std::chrono::steady_clock::duration slept_{};
};

}  // namespace civicgrid::store
