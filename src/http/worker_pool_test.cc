// WorkerPool on its own: lanes, bounded queues, stopping. No timing: tasks
// block on a Gate the test opens, and the test waits on the gate's count.
#include "http/worker_pool.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

namespace civicgrid::http {
namespace {

using namespace std::chrono_literals;

// Tasks wait here until the test opens it; the test can wait until a number
// of tasks have arrived.
class Gate {
 public:
  void Enter() {
    std::unique_lock lock(mutex_);
    ++entered_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
  }
  bool WaitEntered(int count) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 20s, [&] { return entered_ >= count; });
  }
  void Open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int entered_ = 0;
  bool open_ = false;
};

constexpr size_t kFast = 0;
constexpr size_t kSlow = 1;

std::vector<WorkerPool::LaneOptions> TwoLanes(size_t slow_queue) {
  return {{"fast", 2, 8}, {"slow", 1, slow_queue}};
}

TEST(WorkerPoolTest, RunsEveryTaskItAccepts) {
  WorkerPool pool(TwoLanes(8));
  std::atomic<int> ran{0};
  Gate done;
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(pool.TrySubmit(i % 2 == 0 ? kFast : kSlow, [&] {
      ++ran;
      done.Enter();
    }));
  }
  done.Open();
  ASSERT_TRUE(done.WaitEntered(8));
  pool.Stop();
  EXPECT_EQ(ran.load(), 8);
}

// A lane's `nice` lowers the CPU priority of its own threads only: the long
// lane's exports yield to interactive requests when the cores are busy.
TEST(WorkerPoolTest, ALanesNiceLowersOnlyItsOwnThreads) {
  auto priority_here = [] {
    errno = 0;
    return ::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)));
  };
  const int base = priority_here();
  if (base > 9) GTEST_SKIP() << "the test runs at nice " << base << " already";
  WorkerPool pool({{"interactive", 1, 4}, {"long", 1, 4, 10}});
  std::atomic<int> seen_interactive{-100};
  std::atomic<int> seen_long{-100};
  Gate done;
  ASSERT_TRUE(pool.TrySubmit(0, [&] {
    seen_interactive = priority_here();
    done.Enter();
  }));
  ASSERT_TRUE(pool.TrySubmit(1, [&] {
    seen_long = priority_here();
    done.Enter();
  }));
  done.Open();
  ASSERT_TRUE(done.WaitEntered(2));
  pool.Stop();
  EXPECT_EQ(seen_interactive.load(), base);
  EXPECT_EQ(seen_long.load(), base + 10);
  EXPECT_EQ(priority_here(), base) << "the calling thread keeps its priority";
}

TEST(WorkerPoolTest, FullQueueRefusesAtOnceAndCountsIt) {
  WorkerPool pool(TwoLanes(1));
  Gate gate;
  ASSERT_TRUE(pool.TrySubmit(kSlow, [&] { gate.Enter(); }));  // runs
  ASSERT_TRUE(gate.WaitEntered(1));
  ASSERT_TRUE(pool.TrySubmit(kSlow, [&] { gate.Enter(); }));  // waits
  bool ran_refused = false;
  EXPECT_FALSE(pool.TrySubmit(kSlow, [&] { ran_refused = true; }));
  std::vector<LaneStats> stats = pool.Stats();
  EXPECT_EQ(stats[kSlow].lane, "slow");
  EXPECT_EQ(stats[kSlow].busy, 1u);
  EXPECT_EQ(stats[kSlow].queued, 1u);
  EXPECT_EQ(stats[kSlow].rejected, 1u);
  EXPECT_EQ(stats[kFast].rejected, 0u);
  gate.Open();
  pool.Stop();
  EXPECT_FALSE(ran_refused);
}

TEST(WorkerPoolTest, ABlockedLaneLeavesTheOtherLanesWorkers) {
  WorkerPool pool(TwoLanes(0));
  Gate slow;
  ASSERT_TRUE(pool.TrySubmit(kSlow, [&] { slow.Enter(); }));
  ASSERT_TRUE(slow.WaitEntered(1));
  EXPECT_FALSE(pool.TrySubmit(kSlow, [] {}));  // no queue: refused while its one worker is busy
  Gate fast;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(pool.TrySubmit(kFast, [&] { fast.Enter(); }));
  }
  fast.Open();
  EXPECT_TRUE(fast.WaitEntered(4));  // every fast task ran while the slow lane stayed blocked
  slow.Open();
}

TEST(WorkerPoolTest, StopDropsQueuedTasksUnrunAndRefusesNewOnes) {
  WorkerPool pool(TwoLanes(4));
  Gate gate;
  ASSERT_TRUE(pool.TrySubmit(kSlow, [&] { gate.Enter(); }));
  ASSERT_TRUE(gate.WaitEntered(1));
  std::atomic<int> queued_ran{0};
  ASSERT_TRUE(pool.TrySubmit(kSlow, [&] { ++queued_ran; }));
  std::thread stopper([&] { pool.Stop(); });
  // Stop() drops the queue, then waits for the running task: open the gate
  // once it can no longer be reached by anything queued.
  while (pool.Stats()[kSlow].queued != 0) {
    std::this_thread::yield();
  }
  gate.Open();
  stopper.join();
  EXPECT_EQ(queued_ran.load(), 0);
  EXPECT_FALSE(pool.TrySubmit(kFast, [] {}));
}

// The order in which the queued tasks of a one-worker lane ran, while the
// worker was held by a first task until everything was queued.
std::vector<int> RunOrder(const std::vector<WorkerPool::Order>& orders) {
  WorkerPool pool({{"one", 1, 64}});
  Gate gate;
  EXPECT_TRUE(pool.TrySubmit(0, [&] { gate.Enter(); }));
  EXPECT_TRUE(gate.WaitEntered(1));
  std::mutex mutex;
  std::vector<int> ran;
  Gate all;
  for (size_t i = 0; i < orders.size(); ++i) {
    EXPECT_TRUE(pool.TrySubmit(
        0,
        [&, i] {
          {
            std::lock_guard lock(mutex);
            ran.push_back(static_cast<int>(i));
          }
          all.Enter();
        },
        orders[i]));
  }
  all.Open();
  gate.Open();
  EXPECT_TRUE(all.WaitEntered(static_cast<int>(orders.size())));
  pool.Stop();
  return ran;
}

TEST(WorkerPoolTest, AheadTasksRunBeforeThePlainOnesQueuedEarlier) {
  using O = WorkerPool::Order;
  EXPECT_EQ(RunOrder({O::kPlain, O::kPlain, O::kAhead, O::kPlain, O::kAhead}),
            (std::vector<int>{2, 4, 0, 1, 3}));
}

TEST(WorkerPoolTest, AFloodOfAheadTasksLetsAPlainOneThroughAfterEachBurst) {
  using O = WorkerPool::Order;
  std::vector<O> orders{O::kPlain, O::kPlain};
  const int ahead = 2 * static_cast<int>(WorkerPool::kAheadBurst) + 1;
  for (int i = 0; i < ahead; ++i) orders.push_back(O::kAhead);
  std::vector<int> expected;
  for (int i = 0; i < ahead; ++i) {
    expected.push_back(2 + i);
    if (i + 1 == static_cast<int>(WorkerPool::kAheadBurst)) expected.push_back(0);
    if (i + 1 == 2 * static_cast<int>(WorkerPool::kAheadBurst)) expected.push_back(1);
  }
  EXPECT_EQ(RunOrder(orders), expected);
}

TEST(WorkerPoolTest, AheadTasksShareTheLanesQueueLimit) {
  WorkerPool pool({{"one", 1, 1}});
  Gate gate;
  ASSERT_TRUE(pool.TrySubmit(0, [&] { gate.Enter(); }));
  ASSERT_TRUE(gate.WaitEntered(1));
  ASSERT_TRUE(pool.TrySubmit(
      0, [] {}, WorkerPool::Order::kAhead));  // the one queued place
  EXPECT_FALSE(pool.TrySubmit(
      0, [] {}, WorkerPool::Order::kAhead));
  EXPECT_FALSE(pool.TrySubmit(0, [] {}));
  EXPECT_EQ(pool.Stats()[0].queued, 1u);
  EXPECT_EQ(pool.Stats()[0].rejected, 2u);
  gate.Open();
}

TEST(WorkerPoolTest, CountsTimeOutsPerLane) {
  WorkerPool pool(TwoLanes(1));
  pool.CountTimedOut(kSlow);
  pool.CountTimedOut(kSlow);
  EXPECT_EQ(pool.Stats()[kSlow].timed_out, 2u);
  EXPECT_EQ(pool.Stats()[kFast].timed_out, 0u);
}

}  // namespace
}  // namespace civicgrid::http
