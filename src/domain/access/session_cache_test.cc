#include "domain/access/session_cache.h"

#include <gtest/gtest.h>

namespace civicgrid::domain {
namespace {

Caller Someone(int64_t account_id, std::string path = "/1/2/") {
  Caller caller;
  caller.account_id = account_id;
  caller.username = "user" + std::to_string(account_id);
  caller.role = Role::kGridWorker;
  caller.scope_path = std::move(path);
  caller.request_id = "req-1";
  return caller;
}

constexpr int64_t kFarFuture = int64_t{1} << 50;

TEST(SessionCacheTest, HitsUntilTheTimeToLiveOrTheSessionEnds) {
  SessionCache cache({.capacity = 8, .ttl_ms = 1000});
  cache.Put("a", Someone(1), kFarFuture, 0, cache.generation());
  cache.Put("b", Someone(2), 300, 0, cache.generation());  // the session ends at 300
  auto hit = cache.Get("a", 999);
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->account_id, 1);
  EXPECT_EQ(hit->scope_path, "/1/2/");
  EXPECT_TRUE(hit->request_id.empty()) << "a request's id is not cached";
  EXPECT_FALSE(cache.Get("a", 1000).has_value());
  EXPECT_TRUE(cache.Get("b", 299).has_value());
  EXPECT_FALSE(cache.Get("b", 300).has_value());
  EXPECT_FALSE(cache.Get("unknown", 0).has_value());
  EXPECT_EQ(cache.size(), 0u) << "expired entries are dropped when met";
}

TEST(SessionCacheTest, ForgetsATokenAnAccountOrEverything) {
  SessionCache cache({.capacity = 8, .ttl_ms = 1000});
  cache.Put("a1", Someone(1), kFarFuture, 0, cache.generation());
  cache.Put("a2", Someone(1), kFarFuture, 0, cache.generation());
  cache.Put("b", Someone(2), kFarFuture, 0, cache.generation());
  cache.Put("c", Someone(3), kFarFuture, 0, cache.generation());
  cache.ForgetToken("c");
  EXPECT_FALSE(cache.Get("c", 1).has_value());
  cache.ForgetAccount(1);
  EXPECT_FALSE(cache.Get("a1", 1).has_value());
  EXPECT_FALSE(cache.Get("a2", 1).has_value());
  EXPECT_TRUE(cache.Get("b", 1).has_value()) << "another account's session stays";
  cache.ForgetAll();
  EXPECT_FALSE(cache.Get("b", 1).has_value());
  EXPECT_EQ(cache.size(), 0u);
}

// A request that missed, read the database, and meanwhile an admin disabled
// the account: what it read may be the old row, so it must not be stored.
TEST(SessionCacheTest, ALookupThatRacedWithAForgetIsNotStored) {
  SessionCache cache({.capacity = 8, .ttl_ms = 1000});
  const uint64_t before = cache.generation();
  cache.ForgetAccount(1);
  cache.Put("a", Someone(1), kFarFuture, 0, before);
  EXPECT_FALSE(cache.Get("a", 1).has_value());
  cache.Put("a", Someone(1), kFarFuture, 0, cache.generation());
  EXPECT_TRUE(cache.Get("a", 1).has_value());
}

TEST(SessionCacheTest, IsBoundedAndDropsTheOldestFirst) {
  SessionCache cache({.capacity = 3, .ttl_ms = 1000});
  for (int64_t i = 1; i <= 5; ++i) {
    cache.Put("t" + std::to_string(i), Someone(i), kFarFuture, 0, cache.generation());
  }
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_FALSE(cache.Get("t1", 1).has_value());
  EXPECT_FALSE(cache.Get("t2", 1).has_value());
  for (const char* kept : {"t3", "t4", "t5"}) EXPECT_TRUE(cache.Get(kept, 1).has_value()) << kept;
  // Storing a token again replaces its entry, it does not add one.
  cache.Put("t4", Someone(4, "/9/"), kFarFuture, 0, cache.generation());
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.Get("t4", 1)->scope_path, "/9/");
}

TEST(SessionCacheTest, CapacityZeroCachesNothing) {
  SessionCache cache({.capacity = 0, .ttl_ms = 1000});
  cache.Put("a", Someone(1), kFarFuture, 0, cache.generation());
  EXPECT_FALSE(cache.Get("a", 1).has_value());
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace civicgrid::domain
