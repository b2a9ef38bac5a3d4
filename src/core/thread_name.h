// Names the calling thread for `top -H`, perf and gdb ("cg-intake",
// "cg-io-0" …). Linux keeps the first 15 bytes. And sets its CPU priority:
// Linux gives each thread its own nice value.
#pragma once

#include <optional>
#include <string_view>

namespace civicgrid::core {

void NameThisThread(std::string_view name);

// The calling thread's nice value (−20 … 19), or none when it cannot be read.
std::optional<int> ThisThreadsNice();

// Adds `delta` to the calling thread's nice value, clamped to −20 … 19. A
// positive delta (lower priority) needs no privilege; a negative one needs
// root or CAP_SYS_NICE (or an RLIMIT_NICE that allows it): without, nothing
// changes and it returns false. True when the thread runs at the new value.
bool AdjustThisThreadsNice(int delta);

}  // namespace civicgrid::core
