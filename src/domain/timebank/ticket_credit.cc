#include "domain/timebank/ticket_credit.h"

namespace civicgrid::domain {

core::Status TicketCredit::InTransaction(store::Connection& conn, const TicketChange& change) {
  if (change.event.type == TicketEventType::kRate) {
    // 文明积分: a resident rated their own resolved report.
    const auto& submitter = change.after.submitter_account_id;
    if (!submitter) return core::Ok();
    CG_ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT resident_id FROM account WHERE id = $1 AND "
                                              "role = 'resident' AND resident_id IS NOT NULL",
                                              {*submitter}));
    if (rows.empty()) return core::Ok();
    CG_ASSIGN_OR_RETURN(auto credited,
                        bank_.CreditRatedReport(conn, change.after.id, rows[0].Int("resident_id"),
                                                change.event.at));
    (void)credited;
    return core::Ok();
  }
  if (change.event.type != TicketEventType::kResolve) return core::Ok();
  const auto& assignee = change.after.assignee;
  if (!assignee || assignee->kind != AssigneeKind::kMember || assignee->id <= 0) return core::Ok();
  CG_ASSIGN_OR_RETURN(auto claims, conn.Query("SELECT 1 FROM ticket_event WHERE ticket_id = $1 "
                                              "AND type = 'claim' LIMIT 1",
                                              {change.after.id}));
  if (claims.empty()) return core::Ok();  // dispatched, not claimed from the board
  CG_ASSIGN_OR_RETURN(auto posted,
                      bank_.CreditResolvedTicket(conn, change.after.id, change.after.category_id,
                                                 assignee->id, change.event.at));
  (void)posted;
  return core::Ok();
}

}  // namespace civicgrid::domain
