#include "store/pacer.h"

#include <algorithm>
#include <thread>

#include "store/deadline.h"

namespace civicgrid::store {
namespace {

// Left before the deadline for the work itself after the last pause.
constexpr std::chrono::milliseconds kDeadlineMargin{2'000};

}  // namespace

Pacer::Pacer(double duty)
    : duty_(duty > 0 && duty < 1 ? duty : 1.0), since_(std::chrono::steady_clock::now()) {}

void Pacer::Step() {
  const auto now = std::chrono::steady_clock::now();
  if (duty_ >= 1.0) {
    since_ = now;
    return;
  }
  auto pause = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      (now - since_) * ((1.0 - duty_) / duty_));
  if (auto deadline = CurrentDeadline()) {
    pause = std::min(pause, std::max(std::chrono::steady_clock::duration::zero(),
                                     *deadline - kDeadlineMargin - now));
  }
  if (pause > std::chrono::steady_clock::duration::zero()) {
    std::this_thread::sleep_for(pause);
    slept_ += pause;
  }
  since_ = std::chrono::steady_clock::now();
}

}  // namespace civicgrid::store
