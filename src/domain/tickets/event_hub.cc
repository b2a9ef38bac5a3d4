#include "domain/tickets/event_hub.h"

#include <utility>

namespace civicgrid::domain {

EventHub::Subscription::Subscription(Subscription&& other) noexcept
    : hub_(std::exchange(other.hub_, nullptr)), id_(other.id_) {}

EventHub::Subscription& EventHub::Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    Reset();
    hub_ = std::exchange(other.hub_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

EventHub::Subscription::~Subscription() { Reset(); }

void EventHub::Subscription::Reset() {
  if (hub_ != nullptr) {
    hub_->Unsubscribe(id_);
    hub_ = nullptr;
  }
}

EventHub::Subscription EventHub::Subscribe(Wake wake) {
  std::lock_guard lock(mutex_);
  int64_t id = next_id_++;
  wakes_.emplace(id, std::move(wake));
  return Subscription(this, id);
}

void EventHub::Unsubscribe(int64_t id) {
  std::lock_guard lock(mutex_);
  wakes_.erase(id);
}

void EventHub::Committed(const TicketChange& change) {
  (void)change;  // listeners read what they may see themselves
  std::lock_guard lock(mutex_);
  ++sequence_;
  for (const auto& [id, wake] : wakes_) {
    wake();
  }
}

int64_t EventHub::sequence() const {
  std::lock_guard lock(mutex_);
  return sequence_;
}

size_t EventHub::subscribers() const {
  std::lock_guard lock(mutex_);
  return wakes_.size();
}

core::Result<int64_t> LatestTicketEventId(store::Db& db) {
  CG_ASSIGN_OR_RETURN(auto conn, db.Acquire());
  return conn->QueryInt("SELECT COALESCE(MAX(id), 0) FROM ticket_event");
}

}  // namespace civicgrid::domain
