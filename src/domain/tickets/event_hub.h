// EventHub: tells live listeners (the SSE stream of ticket events) that
// ticket events were committed.
//
// A TicketObserver whose Committed() bumps a sequence number and calls every
// subscriber's wake function. It carries no event data and keeps no queue per
// subscriber: a woken listener reads what is new itself through
// TicketService::EventsAfter, which applies that listener's visibility. So a
// slow listener, or one that may see none of the events, costs one function
// call per commit here and nothing grows.
//
// Wakes are called on the committing thread with the hub's lock held: they
// must be cheap (set a flag, post to an executor) and must not call back into
// the hub. A Subscription unsubscribes when destroyed; once its destructor has
// returned its wake is never called again. Only commits made through this
// process's TicketService are seen (one server process; a second process
// would need a database notification such as PostgreSQL's LISTEN/NOTIFY).
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

#include "domain/tickets/ticket_service.h"

namespace civicgrid::domain {

class EventHub : public TicketObserver {
 public:
  using Wake = std::function<void()>;

  class Subscription {
   public:
    Subscription() = default;
    Subscription(Subscription&& other) noexcept;
    Subscription& operator=(Subscription&& other) noexcept;
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    ~Subscription();

   private:
    friend class EventHub;
    Subscription(EventHub* hub, int64_t id) : hub_(hub), id_(id) {}
    void Reset();
    EventHub* hub_ = nullptr;
    int64_t id_ = 0;
  };

  EventHub() = default;
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // `wake` is called after every later commit until the Subscription goes.
  // The hub must outlive the Subscription.
  [[nodiscard]] Subscription Subscribe(Wake wake);

  void Committed(const TicketChange& change) override;

  // Commits seen so far (monotonic).
  int64_t sequence() const;
  size_t subscribers() const;

 private:
  void Unsubscribe(int64_t id);

  mutable std::mutex mutex_;
  int64_t sequence_ = 0;           // GUARDED_BY(mutex_)
  int64_t next_id_ = 1;            // GUARDED_BY(mutex_)
  std::map<int64_t, Wake> wakes_;  // GUARDED_BY(mutex_)
};

// The newest ticket event's id (0 when there is none): where a listener that
// wants only what happens from now on starts reading.
core::Result<int64_t> LatestTicketEventId(store::Db& db);

}  // namespace civicgrid::domain
