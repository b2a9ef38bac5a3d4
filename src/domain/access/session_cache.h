// SessionCache: a bounded in-memory map from a session token's hash to the
// Caller it resolved to, so that an authenticated request need not read the
// session and account rows (and take a pooled connection) each time.
//
// An entry lives at most `ttl_ms` (which bounds what a change made by another
// process can leave stale) and never past its session's expiry. The account
// service forgets a token on logout and an account's entries when it changes
// anything a Caller holds (disabled, role, scope, password, links); the app
// forgets everything when the org tree moves a node (scope paths change). A
// lookup that missed and raced with a forget is not stored: Put takes the
// generation read before the database was asked and drops the entry if any
// forget happened since. When full, the oldest entry goes first.
// Capacity 0 turns the cache off (every request reads the database).
// Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "domain/access/caller.h"

namespace civicgrid::domain {

struct SessionCacheOptions {
  size_t capacity = 8192;   // entries; 0: no cache
  int64_t ttl_ms = 10'000;  // longest an entry is trusted without reading the database
};

class SessionCache {
 public:
  explicit SessionCache(SessionCacheOptions options) : options_(options) {}

  // Read before the database lookup whose result goes to Put.
  uint64_t generation() const;
  // The cached caller of `token_hash`, if fresh at `now_ms`.
  std::optional<Caller> Get(const std::string& token_hash, int64_t now_ms);
  // Stores what the database said, unless a forget happened since `generation`.
  void Put(const std::string& token_hash, const Caller& caller, int64_t session_expires_ms,
           int64_t now_ms, uint64_t generation);
  void ForgetToken(const std::string& token_hash);
  void ForgetAccount(int64_t account_id);
  void ForgetAll();
  size_t size() const;

 private:
  struct Entry {
    Caller caller;
    int64_t valid_until_ms = 0;  // min(session expiry, stored + ttl)
    std::list<std::string>::iterator order;
  };
  void EraseLocked(std::unordered_map<std::string, Entry>::iterator it);

  const SessionCacheOptions options_;
  mutable std::mutex mutex_;
  uint64_t generation_ = 0;                         // GUARDED_BY(mutex_)
  std::unordered_map<std::string, Entry> entries_;  // GUARDED_BY(mutex_)
  std::list<std::string> order_;                    // GUARDED_BY(mutex_), oldest first
};

}  // namespace civicgrid::domain
