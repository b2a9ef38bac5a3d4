#include "core/thread_name.h"

#include <gtest/gtest.h>
#include <pthread.h>

#include <array>
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

}  // namespace
}  // namespace civicgrid::core
