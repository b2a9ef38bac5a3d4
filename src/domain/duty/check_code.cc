#include "domain/duty/check_code.h"

#include <cstdio>
#include <cstring>

namespace civicgrid::domain {

std::string CheckCodeSigner::CodeFor(int64_t subject, std::string_view kind, int64_t window) const {
  std::string mac = key_.LookupHash(purpose_ + ":" + std::to_string(subject) + ":" +
                                    std::string(kind) + ":" + std::to_string(window));
  uint64_t v = 0;
  std::memcpy(&v, mac.data(), sizeof v);
  char digits[16];
  std::snprintf(digits, sizeof digits, "%08llu", static_cast<unsigned long long>(v % 100000000ULL));
  return digits;
}

bool CheckCodeSigner::Verify(int64_t subject, std::string_view kind, std::string_view code,
                             int64_t now_ms) const {
  int64_t window = WindowAt(now_ms);
  return code.size() == 8 && (core::ConstantTimeEquals(code, CodeFor(subject, kind, window)) ||
                              core::ConstantTimeEquals(code, CodeFor(subject, kind, window - 1)));
}

}  // namespace civicgrid::domain
