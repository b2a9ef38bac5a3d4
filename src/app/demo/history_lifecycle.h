// LifecycleWriter: the timed steps of one scripted ticket, from acceptance
// to the last callback — who accepts it, where it goes (a grid worker, the
// community's order board and the member who claims it, a department
// dispatched to or called by the street's whistle), how long each step takes
// against the category's SLA, and how the resident rates it. Used by
// MakeHistoryScript; internal to app/demo. Draws from the builder's Rng, so
// not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "app/demo/demo_plan.h"
#include "app/demo/history_script.h"
#include "app/demo/rng.h"
#include "domain/tickets/categories.h"

namespace civicgrid::app::demo {

// Days since 1970-01-01 in Asia/Shanghai, and the instant such a day starts.
int64_t LocalDay(int64_t ms);
int64_t DayStart(int64_t local_day);

// How a ticket ends before anyone handles it.
enum class Special {
  kNone,
  kReject,     // 不予受理
  kWithdraw,   // 撤单 by the resident
  kDuplicate,  // closed as a duplicate of an earlier ticket
};

// What the writer needs to know about where the ticket is.
struct Whereabouts {
  int community = 0;
  int street = 0;
  double slowness = 1;  // the community's: 1 average, higher later and less satisfying
  const std::vector<int>* members = nullptr;      // in-service members registered there
  const std::vector<int>* units = nullptr;        // units paired with the community
  const std::vector<int>* departments = nullptr;  // departments the street calls for it
};

class LifecycleWriter {
 public:
  LifecycleWriter(const DemoPlan& plan, Rng& rng, const HistoryScriptOptions& options)
      : plan_(plan), rng_(rng), options_(options) {}

  // Appends the steps of `t` (submitted at t.created_at). `original` is the
  // script index of the ticket a kDuplicate repeats.
  void Write(TicketScript& t, const domain::Category& category, const Whereabouts& where,
             Special special, int original);

  // The secretary or (about a third of the time) a community worker.
  ActorRef Manager(int community);

 private:
  const DemoPlan& plan_;
  Rng& rng_;
  const HistoryScriptOptions& options_;
};

}  // namespace civicgrid::app::demo
