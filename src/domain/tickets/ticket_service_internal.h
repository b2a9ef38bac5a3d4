// Helpers shared by the service's files (ticket_service.cc, ticket_reads.cc,
// ticket_actions.cc). Internal to the ticket domain.
#pragma once

#include <optional>
#include <string>

#include "domain/access/caller.h"
#include "domain/tickets/ticket_store.h"

namespace civicgrid::domain {

// What a caller may not see of someone else's ticket: staff see the
// submitter's name and masked phone; others only a masked name.
void MaskFor(const Caller& caller, Ticket& t);

// A digest of everything that makes an action on ticket `id` (for its
// idempotency key).
std::string ActionDigest(int64_t id, const TicketAction& a);

// The earlier use of `key` by `account` when it was for this very request
// (digest `hash`); none when unused; Conflict when it was for another request.
core::Result<std::optional<TicketStore::KeyUse>> SeenKey(TicketStore& store, int64_t account,
                                                         const std::string& key,
                                                         const std::string& hash);

// "131022-2026": the counter of tickets of `county_code` filed in the year of `now`.
std::string SerialPrefix(const std::string& county_code, int64_t now);
// "131022-2026-000123".
std::string TicketNumber(const std::string& prefix, int64_t seq);
// The first event of a submitted ticket `ticket_id` (id not yet known).
TicketEvent SubmitEvent(const Caller& caller, const PreparedTicket& p, int64_t ticket_id,
                        int64_t now);

}  // namespace civicgrid::domain
