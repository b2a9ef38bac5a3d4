#include "store/pacer.h"

#include <gtest/gtest.h>

#include <thread>

#include "store/deadline.h"

namespace civicgrid::store {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Stands for a page of work: at least `d` of wall time.
Clock::duration Work(milliseconds d) {
  const auto start = Clock::now();
  std::this_thread::sleep_for(d);
  return Clock::now() - start;
}

TEST(PacerTest, AtDutyOneNeverPauses) {
  Pacer pacer(1.0);
  Work(milliseconds(5));
  pacer.Step();
  EXPECT_EQ(pacer.slept(), Clock::duration::zero());
}

TEST(PacerTest, OutOfRangeDutiesMeanNoPausing) {
  for (double duty : {0.0, -1.0, 1.5}) {
    Pacer pacer(duty);
    Work(milliseconds(2));
    pacer.Step();
    EXPECT_EQ(pacer.slept(), Clock::duration::zero()) << duty;
  }
}

// The pause follows the work it measured: at duty 0.5 at least as long as
// each step's work, at 0.25 three times as long (a lower bound: the pacer
// counts from its own start, before the work began).
TEST(PacerTest, PausesInProportionToTheWorkOfEachStep) {
  Pacer half(0.5);
  Clock::duration worked = Work(milliseconds(10));
  half.Step();
  EXPECT_GE(half.slept(), worked);
  const Clock::duration after_first = half.slept();
  worked = Work(milliseconds(4));
  half.Step();
  EXPECT_GE(half.slept() - after_first, worked) << "the second step counts only its own work";

  Pacer quarter(0.25);
  worked = Work(milliseconds(5));
  quarter.Step();
  EXPECT_GE(quarter.slept(), 3 * worked);
}

TEST(PacerTest, NeverPausesIntoTheDeadline) {
  DeadlineScope scope(Clock::now() + milliseconds(1'500));  // inside the 2 s margin
  Pacer pacer(0.1);
  Work(milliseconds(20));
  pacer.Step();
  EXPECT_EQ(pacer.slept(), Clock::duration::zero());
  EXPECT_FALSE(DeadlinePassed());
}

}  // namespace
}  // namespace civicgrid::store
