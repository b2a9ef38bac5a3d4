#include "domain/tickets/expiring_cache.h"

#include <gtest/gtest.h>

#include <string>

namespace civicgrid::domain {
namespace {

TEST(ExpiringCacheTest, HitsUntilTheTimeToLive) {
  ExpiringCache<int64_t, std::string> cache({.capacity = 8, .ttl_ms = 1000});
  cache.Put(1, "/1/2/", 0, cache.generation());
  ASSERT_TRUE(cache.Get(1, 999).has_value());
  EXPECT_EQ(*cache.Get(1, 999), "/1/2/");
  EXPECT_FALSE(cache.Get(1, 1000).has_value());
  EXPECT_FALSE(cache.Get(2, 0).has_value());
}

TEST(ExpiringCacheTest, ForgetAllDropsEntriesAndReadsThatRacedWithIt) {
  ExpiringCache<int64_t, std::string> cache({.capacity = 8, .ttl_ms = 1000});
  cache.Put(1, "old", 0, cache.generation());
  const uint64_t before = cache.generation();  // a lookup starts reading the database…
  cache.ForgetAll();                           // …a move commits meanwhile…
  cache.Put(2, "read before the move", 0, before);
  EXPECT_FALSE(cache.Get(1, 0).has_value());
  EXPECT_FALSE(cache.Get(2, 0).has_value()) << "a value read before the forget is not kept";
  cache.Put(2, "read after", 0, cache.generation());
  EXPECT_EQ(cache.Get(2, 0).value_or(""), "read after");
}

TEST(ExpiringCacheTest, StaysWithinItsCapacityAndZeroTurnsItOff) {
  ExpiringCache<int64_t, int64_t> cache({.capacity = 3, .ttl_ms = 1000});
  for (int64_t k = 0; k < 10; ++k) cache.Put(k, k * 10, 0, cache.generation());
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.Get(9, 0).value_or(-1), 90) << "the newest entry is kept";
  ExpiringCache<int64_t, int64_t> off({.capacity = 0, .ttl_ms = 1000});
  off.Put(1, 10, 0, off.generation());
  EXPECT_FALSE(off.Get(1, 0).has_value());
}

}  // namespace
}  // namespace civicgrid::domain
