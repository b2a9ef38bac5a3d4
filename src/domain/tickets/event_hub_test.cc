#include "domain/tickets/event_hub.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace civicgrid::domain {
namespace {

TEST(EventHubTest, EveryCommitWakesEverySubscriber) {
  EventHub hub;
  int a = 0;
  int b = 0;
  EventHub::Subscription first = hub.Subscribe([&] { ++a; });
  EventHub::Subscription second = hub.Subscribe([&] { ++b; });
  EXPECT_EQ(hub.subscribers(), 2U);
  hub.Committed(TicketChange{});
  hub.Committed(TicketChange{});
  EXPECT_EQ(a, 2);
  EXPECT_EQ(b, 2);
  EXPECT_EQ(hub.sequence(), 2);
}

TEST(EventHubTest, DestroyedSubscriptionIsNeverWokenAgain) {
  EventHub hub;
  int a = 0;
  int b = 0;
  EventHub::Subscription kept = hub.Subscribe([&] { ++b; });
  {
    EventHub::Subscription gone = hub.Subscribe([&] { ++a; });
    hub.Committed(TicketChange{});
  }
  hub.Committed(TicketChange{});
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 2);
  EXPECT_EQ(hub.subscribers(), 1U);
}

TEST(EventHubTest, MovedSubscriptionUnsubscribesOnce) {
  EventHub hub;
  int a = 0;
  EventHub::Subscription moved;
  {
    EventHub::Subscription original = hub.Subscribe([&] { ++a; });
    moved = std::move(original);
  }  // the moved-from one must not unsubscribe
  hub.Committed(TicketChange{});
  EXPECT_EQ(a, 1);
  moved = EventHub::Subscription();
  hub.Committed(TicketChange{});
  EXPECT_EQ(a, 1);
  EXPECT_EQ(hub.subscribers(), 0U);
}

TEST(EventHubTest, CommitsAndSubscriptionsFromManyThreads) {
  EventHub hub;
  std::atomic<int64_t> wakes{0};
  constexpr int kThreads = 4;
  constexpr int kCommits = 500;
  EventHub::Subscription steady = hub.Subscribe([&] { ++wakes; });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kCommits; ++i) {
        hub.Committed(TicketChange{});
        EventHub::Subscription brief = hub.Subscribe([] {});
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(hub.sequence(), kThreads * kCommits);
  EXPECT_EQ(wakes.load(), kThreads * kCommits);
  EXPECT_EQ(hub.subscribers(), 1U);
}

}  // namespace
}  // namespace civicgrid::domain
