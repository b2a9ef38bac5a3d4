// ExpiringCache: a bounded in-memory map for values read from the database
// that rarely change and that every submission reads (its category, its
// node's kind and path, the county code above it, the submitter's name), so
// that TicketService::Prepare need not run a statement for each — on
// PostgreSQL a round trip each, on the request's thread.
//
// An entry is trusted for at most `ttl_ms` (which bounds what a change made by
// another process can leave stale); the owner forgets everything when this
// process changes what it holds. A lookup that missed and raced with a forget
// is not stored: Put takes the generation read before the database was asked
// and drops the value if any forget happened since. When full, an arbitrary
// entry goes (these maps hold tens to thousands of entries). Capacity 0 turns
// the cache off. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <utility>

namespace civicgrid::domain {

struct ExpiringCacheOptions {
  size_t capacity = 4096;   // entries; 0: no cache
  int64_t ttl_ms = 10'000;  // longest an entry is trusted without reading the database
};

template <typename Key, typename Value>
class ExpiringCache {
 public:
  explicit ExpiringCache(ExpiringCacheOptions options) : options_(options) {}

  // Read before the database lookup whose result goes to Put.
  uint64_t generation() const {
    std::lock_guard lock(mutex_);
    return generation_;
  }

  // The cached value of `key`, if stored less than ttl_ms before `now_ms`.
  std::optional<Value> Get(const Key& key, int64_t now_ms) const {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end() || now_ms >= it->second.valid_until_ms) return std::nullopt;
    return it->second.value;
  }

  // Stores what the database said, unless a forget happened since `generation`.
  void Put(const Key& key, Value value, int64_t now_ms, uint64_t generation) {
    if (options_.capacity == 0) return;
    std::lock_guard lock(mutex_);
    if (generation != generation_) return;
    if (entries_.size() >= options_.capacity && !entries_.contains(key)) {
      entries_.erase(entries_.begin());
    }
    entries_.insert_or_assign(key, Entry{std::move(value), now_ms + options_.ttl_ms});
  }

  void ForgetAll() {
    std::lock_guard lock(mutex_);
    ++generation_;
    entries_.clear();
  }

  size_t size() const {
    std::lock_guard lock(mutex_);
    return entries_.size();
  }

 private:
  struct Entry {
    Value value;
    int64_t valid_until_ms = 0;
  };

  const ExpiringCacheOptions options_;
  mutable std::mutex mutex_;
  uint64_t generation_ = 0;                 // GUARDED_BY(mutex_)
  std::unordered_map<Key, Entry> entries_;  // GUARDED_BY(mutex_)
};

}  // namespace civicgrid::domain
