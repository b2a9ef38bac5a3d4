#include "core/thread_name.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <thread>

namespace civicgrid::core {
namespace {

std::string NameOfThisThread() {
  std::array<char, 32> buf{};
  pthread_getname_np(pthread_self(), buf.data(), buf.size());
  return buf.data();
}

TEST(ThreadNameTest, NamesTheCallingThreadCutToFifteenBytes) {
  std::string seen;
  std::string long_seen;
  std::thread([&] {
    NameThisThread("cg-intake");
    seen = NameOfThisThread();
    NameThisThread("cg-a-name-longer-than-fifteen");
    long_seen = NameOfThisThread();
  }).join();
  EXPECT_EQ(seen, "cg-intake");
  EXPECT_EQ(long_seen, "cg-a-name-longe");
}

// Only this thread's value changes, and lowering the priority needs no privilege; raising it
// back needs root or CAP_SYS_NICE, so that step is checked only where the process has it.
TEST(ThreadNameTest, AdjustsTheCallingThreadsNiceOnly) {
  const std::optional<int> main_before = ThisThreadsNice();
  ASSERT_TRUE(main_before.has_value());
  std::optional<int> lowered;
  std::optional<int> clamped;
  bool raised = false;
  std::optional<int> after_raise;
  std::thread([&] {
    const int start = ThisThreadsNice().value_or(0);
    ASSERT_TRUE(AdjustThisThreadsNice(3));
    lowered = ThisThreadsNice();
    EXPECT_EQ(lowered, std::min(19, start + 3));
    ASSERT_TRUE(AdjustThisThreadsNice(100));
    clamped = ThisThreadsNice();
    raised = AdjustThisThreadsNice(-2);
    after_raise = ThisThreadsNice();
  }).join();
  EXPECT_EQ(clamped, 19);
  EXPECT_EQ(after_raise, raised ? std::optional<int>(17) : std::optional<int>(19));
  EXPECT_EQ(ThisThreadsNice(), main_before) << "another thread's change stays its own";
  EXPECT_TRUE(AdjustThisThreadsNice(0));
}

}  // namespace
}  // namespace civicgrid::core
