// Signed, time-limited check-in codes (duty's activities, deliberation
// meetings): 8 digits from a keyed hash under the server's key of
// (purpose, subject id, kind, time window). Nothing is stored; a code is
// accepted in its own window and the next, so it lives one to two windows.
// The purpose keeps one module's codes from opening another's subjects.
// Thread-safe (the key is read only).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/crypto.h"

namespace civicgrid::domain {

class CheckCodeSigner {
 public:
  // `purpose`: "civicgrid-duty-code-v1", "civicgrid-deliberation-code-v1" …
  CheckCodeSigner(const core::PiiCipher& key, std::string purpose, int64_t window_ms)
      : key_(key), purpose_(std::move(purpose)), window_ms_(window_ms) {}

  // The code of `subject` and `kind` ("in", "out") in time window `window`.
  std::string CodeFor(int64_t subject, std::string_view kind, int64_t window) const;
  int64_t WindowAt(int64_t now_ms) const { return now_ms / window_ms_; }
  // The last instant a code issued at `now_ms` is accepted.
  int64_t ExpiresAt(int64_t now_ms) const { return (WindowAt(now_ms) + 2) * window_ms_ - 1; }
  // Whether `code` is the code of this window or the previous one (constant time).
  bool Verify(int64_t subject, std::string_view kind, std::string_view code, int64_t now_ms) const;

 private:
  const core::PiiCipher& key_;
  std::string purpose_;
  int64_t window_ms_;
};

}  // namespace civicgrid::domain
