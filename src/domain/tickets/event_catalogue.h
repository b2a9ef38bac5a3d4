// The event catalogue: one entry per ticket event type, saying in which
// states it is allowed and the state after it (read by Apply in model.cc),
// who may act (read by the service's authorization) and what it validates
// and sets (read by the service's append). A new event type is one entry
// here plus its enumerator and name in model.h / model.cc.
//
// The catalogue is constant data; thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "core/error.h"
#include "domain/tickets/model.h"

namespace civicgrid::domain {

struct ActContext;   // event_catalogue_effects.h
struct AuthContext;  // event_catalogue_effects.h

// Who may append an event (any matching bit suffices; kSpecial defers to the
// entry's own rule).
enum Actor : unsigned {
  kNobody = 0,
  kManager = 1,   // a manager (county, street, secretary, community worker) whose scope holds it
  kAssignee = 2,  // whoever holds the ticket (member, unit admin, staff account)
  kLeader = 4,    // a street or county admin whose scope holds it
  kAnyone = 8,    // anyone who sees the ticket
};

struct EventEntry {
  TicketEventType type = TicketEventType::kComment;
  // States the event is allowed in; `any_state`: every state, `open_states`:
  // every open one.
  std::vector<TicketState> from;
  bool any_state = false;
  bool open_states = false;
  bool needs_rating = false;  // the transition needs TransitionInput::rating
  // The state after, when fixed; else `next` computes it; neither: unchanged.
  std::optional<TicketState> to;
  MachineState (*next)(const MachineState& current, const TransitionInput& input,
                       int64_t max_reopens) = nullptr;
  // Who may act, then the entry's own rule for everyone else (none: refused
  // with `refusal`).
  unsigned who = kNobody;
  core::Status (*authorize)(const AuthContext& ctx) = nullptr;
  std::string_view refusal = "无权对该工单执行此操作";
  // Validates the action's fields and sets the columns and event data.
  core::Status (*effect)(ActContext& ctx) = nullptr;
};

const EventEntry& EventEntryFor(TicketEventType type);

}  // namespace civicgrid::domain
