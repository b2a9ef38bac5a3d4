// The 督办 checker runs its check again and again, keeps going when a check
// fails, adds up what was flagged, and Stop() ends it without waiting out the
// interval.
#include "app/supervisor.h"

#include <gtest/gtest.h>

#include <atomic>

namespace civicgrid::app {
namespace {

using namespace std::chrono_literals;

// Set when the thread that set it ends: a check stores its flag here, so the
// test learns that Stop() really joined the checker's thread.
struct ThreadEnd {
  std::atomic<bool>* ended = nullptr;
  ~ThreadEnd() {
    if (ended != nullptr) ended->store(true);
  }
};
thread_local ThreadEnd thread_end;

TEST(Supervisor, RunsTheCheckRepeatedlyAndCountsWhatWasFlagged) {
  std::atomic<int> calls{0};
  std::atomic<bool> thread_ended{false};
  Supervisor supervisor(
      [&]() -> core::Result<int64_t> {
        thread_end.ended = &thread_ended;
        ++calls;
        // Every other check fails; the checker must carry on.
        if (calls % 2 == 0) return core::Error::Internal("database busy");
        return int64_t{3};
      },
      5ms);
  supervisor.Start();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (calls.load() < 6 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  supervisor.Stop();
  const int made = calls.load();
  ASSERT_GE(made, 6);
  // Successful checks are the odd-numbered ones.
  EXPECT_EQ(supervisor.flagged(), 3 * ((made + 1) / 2));
  // Stopped: the checker's thread has ended (its thread-local flag says so),
  // so no check can run any more.
  EXPECT_TRUE(thread_ended.load());
  EXPECT_EQ(calls.load(), made);
}

TEST(Supervisor, StopDoesNotWaitOutALongInterval) {
  std::atomic<int> calls{0};
  Supervisor supervisor(
      [&]() -> core::Result<int64_t> {
        ++calls;
        return int64_t{0};
      },
      std::chrono::hours(1));
  supervisor.Start();
  while (calls.load() == 0) std::this_thread::sleep_for(1ms);
  supervisor.Stop();  // would hang for an hour (and time the test out) if Stop() were ignored
  EXPECT_EQ(calls.load(), 1);
}

}  // namespace
}  // namespace civicgrid::app
