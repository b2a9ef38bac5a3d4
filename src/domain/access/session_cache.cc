#include "domain/access/session_cache.h"

#include <algorithm>

namespace civicgrid::domain {

uint64_t SessionCache::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

std::optional<Caller> SessionCache::Get(const std::string& token_hash, int64_t now_ms) {
  if (options_.capacity == 0) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto it = entries_.find(token_hash);
  if (it == entries_.end()) return std::nullopt;
  if (now_ms >= it->second.valid_until_ms) {
    EraseLocked(it);
    return std::nullopt;
  }
  return it->second.caller;
}

void SessionCache::Put(const std::string& token_hash, const Caller& caller,
                       int64_t session_expires_ms, int64_t now_ms, uint64_t generation) {
  if (options_.capacity == 0) return;
  const int64_t valid_until = std::min(session_expires_ms, now_ms + options_.ttl_ms);
  if (valid_until <= now_ms) return;
  std::lock_guard lock(mutex_);
  if (generation != generation_) return;  // a forget raced with the database read
  if (auto it = entries_.find(token_hash); it != entries_.end()) EraseLocked(it);
  while (entries_.size() >= options_.capacity) EraseLocked(entries_.find(order_.front()));
  order_.push_back(token_hash);
  Entry entry{caller, valid_until, std::prev(order_.end())};
  entry.caller.request_id.clear();
  entries_.emplace(token_hash, std::move(entry));
}

void SessionCache::ForgetToken(const std::string& token_hash) {
  std::lock_guard lock(mutex_);
  ++generation_;
  if (auto it = entries_.find(token_hash); it != entries_.end()) EraseLocked(it);
}

void SessionCache::ForgetAccount(int64_t account_id) {
  std::lock_guard lock(mutex_);
  ++generation_;
  for (auto it = entries_.begin(); it != entries_.end();) {
    auto next = std::next(it);
    if (it->second.caller.account_id == account_id) EraseLocked(it);
    it = next;
  }
}

void SessionCache::ForgetAll() {
  std::lock_guard lock(mutex_);
  ++generation_;
  entries_.clear();
  order_.clear();
}

size_t SessionCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void SessionCache::EraseLocked(std::unordered_map<std::string, Entry>::iterator it) {
  order_.erase(it->second.order);
  entries_.erase(it);
}

}  // namespace civicgrid::domain
