#include "app/progress.h"

#include <unistd.h>

#include <cstdio>

namespace civicgrid::app {

Progress::Progress(std::string label) : label_(std::move(label)), enabled_(isatty(2) == 1) {}

Progress::~Progress() { Finish(); }

void Progress::Update(int64_t done, int64_t total) {
  if (!enabled_ || total <= 0) return;
  int percent = static_cast<int>(done * 100 / total);
  if (percent == last_percent_ && done != total) return;
  last_percent_ = percent;
  std::fprintf(stderr, "\r%s %lld/%lld (%d%%)", label_.c_str(), static_cast<long long>(done),
               static_cast<long long>(total), percent);
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::Finish() {
  if (drawn_) std::fputc('\n', stderr);
  drawn_ = false;
}

}  // namespace civicgrid::app
