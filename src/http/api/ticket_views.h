// Tickets, their events, escalations and categories as the API's JSON.
// Times are ISO 8601 UTC like the rest of the API; phones only masked; the
// submitter's account is never exposed (only "mine": whether it is the caller's).
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "domain/tickets/categories.h"
#include "domain/tickets/ticket_service.h"
#include "http/request.h"
#include "http/response.h"

namespace civicgrid::http {

boost::json::value ToJson(const domain::Category& category);
boost::json::value ToJson(const domain::Ticket& ticket, const domain::Caller& caller);
boost::json::value ToJson(const domain::TicketEvent& event);
boost::json::value ToJson(const domain::Escalation& escalation);
boost::json::value TicketPageJson(const domain::PageOf<domain::Ticket>& page,
                                  const domain::Caller& caller);
// A ticket's JSON is written once, straight into a body (JsonWriter); ToJson(Ticket)
// parses that for the routes that add to it. The page below is
// WriteJson(TicketPageJson(page, caller)), byte for byte, without a tree per ticket
// (the hot list and board pages).
std::string TicketPageBody(const domain::PageOf<domain::Ticket>& page,
                           const domain::Caller& caller);
// `status` with the ticket's JSON, written without a tree.
Response TicketResponse(unsigned status, const domain::Ticket& ticket,
                        const domain::Caller& caller);
// 200 with TicketPageBody.
Response TicketPageResponse(const domain::PageOf<domain::Ticket>& page,
                            const domain::Caller& caller);

// POST /api/v1/tickets: the request body (and Idempotency-Key header) as a NewTicket.
core::Result<domain::NewTicket> NewTicketFromBody(const Request& request,
                                                  const boost::json::object& body);
// 201 with the ticket for a new submission; 200 with Idempotent-Replayed: true
// when an earlier submission with the same Idempotency-Key is returned.
Response SubmittedResponse(const domain::Ticket& ticket, bool created,
                           const domain::Caller& caller);

}  // namespace civicgrid::http
