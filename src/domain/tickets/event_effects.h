// What the catalogue's rules see (event_catalogue.h): the contexts of
// authorization and of an event's effect, and the effect and rule functions
// the entries point to (event_effects.cc, event_rules.cc). Internal to the
// ticket domain.
#pragma once

#include <string>

#include "domain/access/caller.h"
#include "domain/tickets/categories.h"
#include "domain/tickets/json_text.h"
#include "domain/tickets/ticket_store.h"

namespace civicgrid::domain {

struct AuthContext {
  TicketStore& store;
  const Caller& caller;
  const Ticket& ticket;
  const TicketAction& action;
  bool manager = false;  // a manager whose scope holds the ticket
};

struct ActContext {
  TicketStore& store;
  CategoryService& categories;
  const TicketOptions& options;
  const Caller* caller = nullptr;  // null: the system (supervision)
  const Ticket& before;
  const TicketAction& action;
  const MachineState& next;
  int64_t now = 0;
  std::string note;  // cleaned
  TicketPatch patch;
  JsonText data;
};

// Whether `caller` may claim a published ticket at `path`: a party member
// registered with its community, or the admin of a unit paired with it.
core::Result<bool> MayClaim(TicketStore& store, const Caller& caller, const std::string& path);

namespace effects {
core::Status Accept(ActContext& c);
core::Status Reject(ActContext& c);
core::Status Dispatch(ActContext& c);
core::Status Claim(ActContext& c);
core::Status Start(ActContext& c);
core::Status Escalate(ActContext& c);
core::Status Respond(ActContext& c);
core::Status Resolve(ActContext& c);
core::Status Return(ActContext& c);
core::Status Rate(ActContext& c);
core::Status Callback(ActContext& c);
core::Status Reopen(ActContext& c);
core::Status Supervise(ActContext& c);
core::Status Close(ActContext& c);
core::Status Nothing(ActContext& c);
}  // namespace effects

}  // namespace civicgrid::domain
