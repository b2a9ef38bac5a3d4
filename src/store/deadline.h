// Deadline: when the database work of the calling thread must be over.
//
// The HTTP worker that runs a request opens a DeadlineScope with the route's
// deadline before calling the handler; everything the handler does through
// the store then obeys it without the domain knowing about requests:
//   - Connection::Query/Execute refuse to start once it has passed;
//   - a statement still running at the deadline is interrupted (SQLite: a
//     progress handler; PostgreSQL: statement_timeout set from the time left);
//   - Transaction::Begin and Transaction::Commit refuse past it, so a late
//     request rolls back and writes nothing;
//   - Db::Acquire waits for a free connection only until it.
// Each refusal is DeadlineError(): kUnavailable, which the HTTP layer answers
// with 503.
//
// Why a thread-local and not a parameter: the deadline belongs to the request,
// and threading it through every service and repository signature would put a
// request concept into the domain. Work without a scope (tools, background
// threads, tests) has no deadline and behaves as before.
//
// Thread-safety: each thread sees only its own scopes. Scopes nest; the inner
// one never extends the outer (the earlier deadline wins).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "core/error.h"

namespace civicgrid::store {

using DeadlineClock = std::chrono::steady_clock;

class DeadlineScope {
 public:
  explicit DeadlineScope(DeadlineClock::time_point deadline);
  ~DeadlineScope();
  DeadlineScope(const DeadlineScope&) = delete;
  DeadlineScope& operator=(const DeadlineScope&) = delete;

 private:
  std::optional<DeadlineClock::time_point> previous_;
};

// The calling thread's deadline; nullopt outside every scope.
std::optional<DeadlineClock::time_point> CurrentDeadline();

// True when the calling thread has a deadline and it has passed.
bool DeadlinePassed();

// Milliseconds left before the calling thread's deadline (0 once passed);
// nullopt outside every scope.
std::optional<int64_t> DeadlineMillisLeft();

// The error of work refused or interrupted at the deadline (kUnavailable).
core::Error DeadlineError();

// DeadlineError() when the calling thread's deadline has passed, else Ok.
core::Status CheckDeadline();

}  // namespace civicgrid::store
