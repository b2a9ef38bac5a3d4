// Names the calling thread for `top -H`, perf and gdb ("cg-intake",
// "cg-io-0" …). Linux keeps the first 15 bytes.
#pragma once

#include <string_view>

namespace civicgrid::core {

void NameThisThread(std::string_view name);

}  // namespace civicgrid::core
