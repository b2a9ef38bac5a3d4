// TicketCredit: the time bank's ticket rule as a ticket observer. When a
// ticket that a party member claimed from the community order board (群众点单)
// is resolved, the member is credited member points (TimeBankOptions'
// ticket rule), in the ticket's transaction and once per ticket. When a
// resident rates their own resolved report, they are credited civility points
// (文明积分, TimeBankOptions' civility rule), once per ticket.
#pragma once

#include "domain/tickets/ticket_types.h"
#include "domain/timebank/timebank.h"

namespace civicgrid::domain {

class TicketCredit : public TicketObserver {
 public:
  explicit TicketCredit(TimeBank& bank) : bank_(bank) {}
  core::Status InTransaction(store::Connection& conn, const TicketChange& change) override;

 private:
  TimeBank& bank_;
};

}  // namespace civicgrid::domain
