// Progress on a terminal for long command-line work (import, demo): a line
// redrawn in place on stderr when stderr is a terminal, nothing at all when it
// is piped or redirected, so logs and CI output stay clean. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace civicgrid::app {

class Progress {
 public:
  explicit Progress(std::string label);
  ~Progress();
  void Update(int64_t done, int64_t total);
  void Finish();
  bool enabled() const { return enabled_; }

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  int last_percent_ = -1;
};

}  // namespace civicgrid::app
