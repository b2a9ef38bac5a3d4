// The ticket domain's value types: options, a ticket, its events and
// escalations, actions, filters and what observers are told. Shared by the
// store (ticket_store.h), the catalogue (event_catalogue.h) and the service.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/geo.h"
#include "domain/registry/common.h"
#include "domain/tickets/categories.h"
#include "domain/tickets/expiring_cache.h"
#include "domain/tickets/model.h"
#include "store/db.h"

namespace civicgrid::domain {

// Every limit of the ticket domain, in one place: the service enforces them
// and the http layer passes request values through unchanged (it reads these
// for its own messages only).
struct TicketOptions {
  // How many unsatisfied ratings send a ticket back to the dispatcher.
  int64_t max_reopens = 1;
  // 吹哨报到: departments report within this many minutes by default…
  int64_t escalation_report_minutes = 30;
  // …and resolve within this many.
  int64_t escalation_resolve_minutes = 3 * 24 * 60;
  // Bounds of the minutes an escalation may give.
  int64_t min_report_minutes = 5;
  int64_t max_report_minutes = 7 * 24 * 60;
  int64_t max_resolve_minutes = 90 * 24 * 60;
  // Departments called at once.
  size_t max_escalation_units = 20;
  // Text fields, in characters.
  size_t max_description_chars = 2000;
  size_t max_title_chars = 60;
  size_t max_address_chars = 200;
  size_t max_contact_chars = 30;
  size_t max_note_chars = 1000;
  // Attachments per event.
  size_t max_attachments = 9;
  // What Prepare reads for every submission (nodes, county codes, names), kept in memory.
  ExpiringCacheOptions prepare_cache;
};

struct Assignee {
  AssigneeKind kind = AssigneeKind::kAccount;
  int64_t id = 0;  // member, unit or account id; 0 for the board
  std::string name;
  bool operator==(const Assignee&) const = default;
};

struct NewTicket {
  TicketKind kind = TicketKind::kReport;
  TicketChannel channel = TicketChannel::kH5;
  int64_t category_id = 0;
  std::string title;  // empty: the first 30 characters of the description
  std::string description;
  std::string address;
  std::optional<core::LonLat> location;  // as given
  bool gcj02 = false;                    // location is GCJ-02 (converted to WGS-84)
  std::optional<int64_t> node_id;        // a grid or community, when there is no location
  bool anonymous = false;
  std::string contact_name;
  std::optional<std::string> phone;  // identifies a submitter without an account
  std::optional<bool> is_public;     // default: the category's public_board
  std::vector<int64_t> attachment_ids;
  std::optional<std::string> idempotency_key;
};

// Bit set of missed deadlines.
enum TicketOverdue : int64_t {
  kOverdueAccept = 1,
  kOverdueRespond = 2,
  kOverdueResolve = 4,
  kOverdueEscalation = 8,  // a called department reported late
};

struct Ticket {
  int64_t id = 0;
  std::string number;
  TicketKind kind = TicketKind::kReport;
  TicketChannel channel = TicketChannel::kH5;
  int64_t category_id = 0;
  std::string category_name;
  CategoryGroup category_group = CategoryGroup::kEvent;
  int64_t node_id = 0;  // the grid (or community) the ticket belongs to
  std::string node_name;
  std::string path;
  std::string title;
  std::string description;
  std::string address;
  std::optional<core::LonLat> location;  // WGS-84
  TicketState state = TicketState::kSubmitted;
  int64_t version = 0;
  bool anonymous = false;
  bool is_public = false;
  std::optional<int64_t> submitter_account_id;
  std::string submitter_name;  // masked for everyone but the submitter
  std::optional<std::string> submitter_phone_masked;
  std::optional<Assignee> assignee;
  std::optional<int64_t> duplicate_of;
  int64_t reopen_count = 0;
  std::optional<int64_t> rating;
  std::optional<std::string> rating_comment;
  std::optional<std::string> callback_outcome;
  int64_t overdue = 0;
  bool supervised = false;
  int64_t created_at = 0;
  int64_t accept_due = 0;
  int64_t respond_due = 0;
  int64_t resolve_due = 0;
  std::optional<int64_t> accepted_at;
  std::optional<int64_t> responded_at;
  std::optional<int64_t> resolved_at;
  std::optional<int64_t> closed_at;
  std::optional<int64_t> rated_at;
  int64_t updated_at = 0;
  std::vector<int64_t> attachment_ids;
  std::optional<FirstRoute> first_route;  // the first routing taken at submission
  bool operator==(const Ticket&) const = default;
};

struct TicketEvent {
  int64_t id = 0;
  int64_t ticket_id = 0;
  int64_t seq = 0;  // the ticket's version after this event
  TicketEventType type = TicketEventType::kComment;
  std::optional<int64_t> actor_account_id;
  std::string actor_label;  // "社区书记 张三", "匿名居民", "系统"
  int64_t at = 0;
  std::string note;
  std::string data;  // JSON object text: target, rating, deadlines …
  TicketState state_after = TicketState::kSubmitted;
  std::vector<int64_t> attachment_ids;
};

struct Escalation {
  int64_t id = 0;
  int64_t ticket_id = 0;
  int64_t unit_id = 0;
  std::string unit_name;
  int64_t called_at = 0;
  int64_t report_due = 0;
  int64_t resolve_due = 0;
  std::optional<int64_t> responded_at;
  std::optional<std::string> response;
  bool overdue = false;
};

// One action on a ticket: the event type and what that type needs.
struct TicketAction {
  TicketEventType type = TicketEventType::kComment;
  std::optional<int64_t> expected_version;  // when set, Conflict unless it matches
  std::string note;
  std::optional<Assignee> assignee;        // dispatch (kind + id; kBoard publishes)
  std::vector<int64_t> unit_ids;           // escalate: the departments called
  std::optional<int64_t> report_minutes;   // escalate
  std::optional<int64_t> resolve_minutes;  // escalate
  std::optional<int64_t> unit_id;          // respond: for which department
  std::optional<int64_t> rating;           // rate
  std::optional<std::string> outcome;      // callback: solved | unsolved | unreachable
  std::optional<int64_t> duplicate_of;     // close as a duplicate of this ticket
  std::vector<int64_t> attachment_ids;
  // System actions only: a JSON object sent as "notice" with the event's
  // webhooks (care alerts: the emergency contacts to reach). Not stored.
  std::string notice;
  // A retry with the same key (per account) and the same action answers the
  // ticket as it is, without a second event; another action under the key is
  // a Conflict. Shares the keys of submissions (idempotency_key table).
  std::optional<std::string> idempotency_key;
};

struct TicketFilter {
  std::optional<int64_t> within;
  std::optional<TicketState> state;
  std::optional<bool> open;  // only open (or only finished) tickets
  std::optional<int64_t> category_id;
  std::optional<TicketKind> kind;
  bool mine = false;                    // submitted or followed by the caller
  bool assigned = false;                // assigned to the caller (member, unit or account)
  bool overdue = false;                 // with any missed deadline
  std::optional<int64_t> created_from;  // inclusive, epoch ms
  std::optional<int64_t> created_to;    // exclusive
  std::optional<FirstRoute> first_route;
  Page page;
};

// Before/after of one change, for observers.
struct TicketChange {
  std::optional<Ticket> before;  // empty on submit
  Ticket after;
  TicketEvent event;
  std::string notice;  // TicketAction::notice (webhook payloads only)
};

// Told about every event: inside its transaction (write derived rows: rate
// rollups, webhook outbox; an error aborts the change) and after the commit
// (wake the SSE stream, the webhook sender). Observers must be thread-safe.
class TicketObserver {
 public:
  virtual ~TicketObserver() = default;
  virtual core::Status InTransaction(store::Connection& conn, const TicketChange& change) {
    (void)conn;
    (void)change;
    return {};
  }
  // The changes of one transaction together (a batch of submissions, in
  // order); by default InTransaction for each. Observers that write derived
  // rows override it to write them with fewer statements.
  virtual core::Status InTransactionBatch(store::Connection& conn,
                                          const std::vector<TicketChange>& changes) {
    for (const TicketChange& change : changes) {
      if (core::Status s = InTransaction(conn, change); !s.ok()) return s;
    }
    return {};
  }
  virtual void Committed(const TicketChange& change) { (void)change; }
};

// A validated submission ready to insert (Prepare → Insert); lets a batching
// writer put many submissions in one transaction.
struct PreparedTicket {
  NewTicket input;
  Category category;
  int64_t node_id = 0;
  std::string node_name;
  std::string path;
  std::string county_code;
  std::optional<core::LonLat> wgs84;
  std::string title;
  std::string description;
  std::string address;
  std::string submitter_name;
  std::optional<SealedPii> phone;
  bool is_public = false;
  std::optional<int64_t> submitter_account_id;
  std::string actor_label;
  std::string request_hash;  // for idempotency: the same key with another body is refused
  // First routing (小事业主治、大事物业办、难事社区议), when the category has one:
  // the route taken (the community when the compound lacks the wanted party),
  // the party dispatched to right after the submit event, and its note.
  std::optional<FirstRoute> first_route;
  std::optional<FirstRoute> first_route_wanted;
  std::optional<Assignee> first_assignee;
  std::string first_route_note;
};

// One target a manager may dispatch a ticket to (the dispatch dialog).
struct AssigneeOption {
  Assignee assignee;
  std::string detail;  // account: its role; unit: its kind; member: their skills
};

struct TicketContact {
  std::string name;
  std::optional<std::string> phone;  // none: submitted from an account without one
};

}  // namespace civicgrid::domain
