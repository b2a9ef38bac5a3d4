// TicketService: the closed loop 发现 → 上报 → 分派 → 处置 → 反馈 → 考核.
//
// Submission finds the grid from the location (WGS-84 or GCJ-02), numbers the
// ticket per county and year (131022-2026-000123), sets the SLA deadlines from
// the category and records the first event. Every later step is an event
// appended through Act(): the state machine of model.h decides whether it is
// allowed, a version check on the ticket row makes concurrent actions safe
// (of N simultaneous claims exactly one wins, the others get Conflict), and
// the event, the ticket row and every observer's rows (rate rollups, webhook
// outbox) commit in one transaction.
//
// Who sees what (in SQL, fail closed):
//   county / street admins, secretaries, community workers: tickets whose
//     grid lies in their subtree;
//   grid workers: tickets of their own grid(s) (their scope);
//   party members and unit admins: tickets they submitted or follow, tickets
//     assigned to them (or their unit, or called to their department), the
//     order board of communities they are registered with, public ones;
//   residents: their own tickets, tickets they follow, and public ones
//     (is_public: street-level issues, like FixMyStreet's public reports).
//
// Thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "core/geo.h"
#include "core/time.h"
#include "domain/access/audit_log.h"
#include "domain/access/caller.h"
#include "domain/registry/common.h"
#include "domain/registry/grid_locator.h"
#include "domain/tickets/categories.h"
#include "domain/tickets/model.h"
#include "store/pool.h"

namespace civicgrid::domain {

struct TicketOptions {
  // How many unsatisfied ratings send a ticket back to the dispatcher.
  int64_t max_reopens = 1;
  // 吹哨报到: departments report within this many minutes by default…
  int64_t escalation_report_minutes = 30;
  // …and resolve within this many.
  int64_t escalation_resolve_minutes = 3 * 24 * 60;
  // Largest description, in characters.
  size_t max_description_chars = 2000;
  // Attachments per event.
  size_t max_attachments = 9;
};

struct Assignee {
  AssigneeKind kind = AssigneeKind::kAccount;
  int64_t id = 0;  // member, unit or account id; 0 for the board
  std::string name;
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
  std::optional<int64_t> updated_from;  // inclusive (Open311 sync)
  Page page;
};

// Before/after of one change, for observers.
struct TicketChange {
  std::optional<Ticket> before;  // empty on submit
  Ticket after;
  TicketEvent event;
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
  virtual void Committed(const TicketChange& change) { (void)change; }
};

// A validated submission ready to insert (Prepare → Insert); lets a batching
// writer put many submissions in one transaction.
struct PreparedTicket {
  NewTicket input;
  Category category;
  int64_t node_id = 0;
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

class TicketService {
 public:
  TicketService(store::Db& db, const core::Clock& clock, AuditLog& audit,
                const core::PiiCipher& cipher, GridLocator& locator, CategoryService& categories,
                TicketOptions options = {});

  // Observers are added before the service is used (not thread-safe).
  void AddObserver(TicketObserver* observer) { observers_.push_back(observer); }

  core::Result<Ticket> Submit(const Caller& caller, const NewTicket& ticket);
  // Validation and lookups only (no write).
  core::Result<PreparedTicket> Prepare(const Caller& caller, const NewTicket& ticket);
  // Inserts inside an open write transaction and runs the observers'
  // InTransaction. A repeated idempotency key with the same request returns the
  // earlier ticket (created=false); with a different request, Conflict.
  struct Inserted {
    Ticket ticket;
    bool created = true;
    std::optional<TicketChange> change;  // set when created: pass to NotifyCommitted
  };
  core::Result<Inserted> Insert(store::Connection& conn, const Caller& caller,
                                const PreparedTicket& prepared);
  // After the transaction holding Insert/Act rows committed.
  void NotifyCommitted(const TicketChange& change);

  core::Result<Ticket> Get(const Caller& caller, int64_t id);
  core::Result<Ticket> GetByNumber(const Caller& caller, std::string_view number);
  core::Result<PageOf<Ticket>> List(const Caller& caller, const TicketFilter& filter);
  // The community order board (群众点单): published tickets the caller may
  // claim; with `my_skills`, only categories matching the member's skills.
  core::Result<PageOf<Ticket>> Board(const Caller& caller, bool my_skills, const Page& page);
  // Open tickets of `category_id` within its duplicate radius of `location`
  // that the caller may see or follow ("is it this one?").
  core::Result<std::vector<Ticket>> Nearby(const Caller& caller, int64_t category_id,
                                           core::LonLat location, bool gcj02);
  // Follow a ticket one may see (instead of filing a duplicate): it then
  // shows under "mine" and its events reach the follower. Idempotent.
  core::Status Follow(const Caller& caller, int64_t id);
  core::Result<std::vector<TicketEvent>> Events(const Caller& caller, int64_t id);
  core::Result<std::vector<Escalation>> Escalations(const Caller& caller, int64_t id);
  // Whom a manager in scope may dispatch ticket `id` to, as CheckAssignee
  // would accept them: the board (if its category allows), then staff
  // accounts whose scope holds the ticket (nearest first), units paired with
  // its community or departments above it, and members registered with its
  // community; at most `per_kind` of each kind.
  core::Result<std::vector<AssigneeOption>> Assignees(const Caller& caller, int64_t id,
                                                      int64_t per_kind = 200);
  // The submitter's name and unmasked phone, for calling back (回访): staff
  // with kPiiReveal who see the ticket; written to the audit log before it is
  // returned. NotFound for an anonymous ticket, as for one out of sight.
  core::Result<TicketContact> RevealContact(const Caller& caller, int64_t id);

  // Appends one event. `event_id` is the event this action appended, or
  // for a retry under the same idempotency key (`replayed`) the one the first
  // attempt appended (0 for keys stored before migration 9).
  struct Acted {
    Ticket ticket;  // after the event, masked for the caller
    int64_t event_id = 0;
    bool replayed = false;
  };
  core::Result<Acted> Perform(const Caller& caller, int64_t id, const TicketAction& action);
  // Perform, for callers that need only the ticket after it.
  core::Result<Ticket> Act(const Caller& caller, int64_t id, const TicketAction& action);

  // 督办: flags every open ticket past a deadline it has not been flagged
  // for, and every called department past its report deadline; appends a
  // system supervise event per ticket. Returns how many tickets were flagged.
  core::Result<int64_t> CheckOverdue();

  // Events with id > after in id order, limited to what `caller` may see
  // (the SSE stream and Open311 updates page through this).
  core::Result<std::vector<TicketEvent>> EventsAfter(const Caller& caller, int64_t after,
                                                     int64_t limit);

  const TicketOptions& options() const { return options_; }
  CategoryService& categories() { return categories_; }

  // The SQL condition (on alias t) and parameters for tickets `caller` may
  // see; parameters are numbered from `first_param`.
  struct Visibility {
    std::string sql;
    store::Params params;
  };
  Visibility VisibleTo(const Caller& caller, int first_param) const;

 private:
  core::Result<Ticket> Load(store::Connection& conn, int64_t id);
  // NotFound unless `caller` may see ticket `id` (absent or not).
  core::Status CheckVisible(store::Connection& conn, const Caller& caller, int64_t id);
  // The ticket masked for `caller`, or NotFound.
  core::Result<Ticket> LoadVisible(store::Connection& conn, const Caller& caller, int64_t id);
  core::Status Authorize(store::Connection& conn, const Caller& caller, const Ticket& ticket,
                         const TicketAction& action);
  // Whether `caller` may claim a published ticket at `path`: a party member
  // registered with its community, or the admin of a unit paired with it.
  core::Result<bool> MayClaim(store::Connection& conn, const Caller& caller,
                              const std::string& path);
  core::Result<Assignee> CheckAssignee(store::Connection& conn, const Ticket& ticket,
                                       const Assignee& assignee);
  core::Result<TicketChange> Append(store::Connection& conn, const Caller* caller,
                                    const Ticket& before, const TicketAction& action);
  core::Status LinkAttachments(store::Connection& conn, const Caller* caller, int64_t ticket_id,
                               std::optional<int64_t> event_id, const std::vector<int64_t>& ids);
  std::string ActorLabel(store::Connection& conn, const Caller& caller);

  store::Db& db_;
  const core::Clock& clock_;
  AuditLog& audit_;
  const core::PiiCipher& cipher_;
  GridLocator& locator_;
  CategoryService& categories_;
  TicketOptions options_;
  std::vector<TicketObserver*> observers_;
};

}  // namespace civicgrid::domain
