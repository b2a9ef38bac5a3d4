// TicketService: the closed loop 发现 → 上报 → 分派 → 处置 → 反馈 → 考核.
//
// Submission finds the grid from the location (WGS-84 or GCJ-02), numbers the
// ticket per county and year (131022-2026-000123), sets the SLA deadlines from
// the category and records the first event. Every later step is an event
// appended through Act(): its entry in the event catalogue
// (event_catalogue.h) says in which states it is allowed, who may act, what
// it validates and what it sets; a version check on the ticket row makes
// concurrent actions safe, and the event, the ticket row and every
// observer's rows (rate rollups, webhook outbox) commit in one transaction.
// All SQL is in the store (ticket_store.h); the service keeps the
// transaction, idempotency and observers, and reads the ticket once per
// action.
//
// Two conflicts (both ErrorCode::kConflict), told apart by Error::field:
//   field "version": a lost race — the ticket changed since the version the
//     client sent (expected_version), or between this action's read and its
//     guarded UPDATE; retry after re-reading;
//   field "state": the state machine refuses the event in the current state
//     (retrying cannot help).
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
#include "domain/tickets/ticket_store.h"
#include "domain/tickets/ticket_types.h"
#include "store/pool.h"

namespace civicgrid::domain {

class TicketService {
 public:
  TicketService(store::Db& db, const core::Clock& clock, AuditLog& audit,
                const core::PiiCipher& cipher, GridLocator& locator, CategoryService& categories,
                TicketOptions options = {});

  // Observers are added before the service is used (not thread-safe).
  void AddObserver(TicketObserver* observer) { observers_.push_back(observer); }
  // After a commit that moved org nodes (their paths changed): Prepare's cached
  // nodes and county codes are forgotten. The app calls it from the org tree's
  // on-move.
  void ForgetPlaces();

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
    std::optional<TicketChange> routed;  // the first routing's dispatch, if any
  };
  core::Result<Inserted> Insert(store::Connection& conn, const Caller& caller,
                                const PreparedTicket& prepared);
  // A batch of submissions inside an open write transaction (the
  // IntakeWriter's group commit), in a few multi-row statements for all of
  // them: one read of their idempotency keys, one counter update per county
  // and year, one INSERT per table, one read back, the observers once
  // (ticket_submit_batch.cc). One item's failure is only its result: an item
  // refused by the checks (a key reused for another request, an attachment
  // not the caller's) is left out; if a statement fails anyway, the batch is
  // rolled back to its savepoint and written again one item at a time, each
  // in its own savepoint. An error return means a savepoint statement failed:
  // the transaction is in an unknown state and must be given up.
  struct Submission {
    const Caller* caller = nullptr;
    const PreparedTicket* prepared = nullptr;
  };
  // Where a batch's time went (nanoseconds, added to), and how often it had
  // to fall back to one item at a time.
  struct BatchPhases {
    int64_t check_ns = 0;    // idempotency keys, attachments
    int64_t write_ns = 0;    // counters, tickets, events, keys
    int64_t read_ns = 0;     // the read of replayed tickets (new ones are answered as written)
    int64_t observe_ns = 0;  // observers (rollups, counters, webhook outbox)
    int64_t fallbacks = 0;   // batches written again one by one
  };
  core::Result<std::vector<core::Result<Inserted>>> InsertBatch(
      store::Connection& conn, const std::vector<Submission>& items, BatchPhases* phases = nullptr);
  // After the transaction holding Insert/Act rows committed.
  void NotifyCommitted(const TicketChange& change);
  // NotifyCommitted for an insert's changes (its submit and first routing).
  void NotifyInserted(const Inserted& inserted);

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

  // A comment by the system (no account) on ticket `id`, inside the caller's
  // open write transaction (care alerts note that use resumed). Pass the
  // change to NotifyCommitted after the commit.
  core::Result<TicketChange> SystemComment(store::Connection& conn, int64_t id,
                                           std::string_view note, std::string_view label);
  // Any event by the system (no account), as SystemComment: the catalogue's
  // state rules and effects apply, its actor rule does not (care alerts
  // dispatch to the grid worker and escalate with it).
  core::Result<TicketChange> SystemAct(store::Connection& conn, int64_t id,
                                       const TicketAction& action, std::string_view label);

  // Events with id > after in id order, limited to what `caller` may see
  // (the SSE stream and Open311 updates page through this).
  core::Result<std::vector<TicketEvent>> EventsAfter(const Caller& caller, int64_t after,
                                                     int64_t limit);

  const TicketOptions& options() const { return options_; }
  CategoryService& categories() { return categories_; }

 private:
  // The ticket masked for `caller`, or NotFound.
  core::Result<Ticket> LoadVisible(TicketStore& store, const Caller& caller, int64_t id);
  // Who may act, from the event's catalogue entry.
  core::Status Authorize(TicketStore& store, const Caller& caller, const Ticket& ticket,
                         const TicketAction& action);
  // Applies the event's catalogue entry to `before` and appends it (the
  // version guard, the event row, attachments, observers). `overdue_bits`
  // are OR-ed into the row (supervision).
  core::Result<TicketChange> Append(TicketStore& store, const Caller* caller, const Ticket& before,
                                    const TicketAction& action, int64_t overdue_bits = 0,
                                    std::string_view system_label = "系统督办");
  // Attachments `ids` may go on a ticket of `caller` (they exist, and are
  // theirs unless staff); no write.
  core::Status CheckAttachments(TicketStore& store, const Caller* caller,
                                const std::vector<int64_t>& ids);
  // InsertBatch's two ways: together, or one by one each in a savepoint.
  core::Status InsertTogether(store::Connection& conn, const std::vector<Submission>& items,
                              std::vector<core::Result<Inserted>>& results, BatchPhases& phases);
  core::Status InsertAlone(store::Connection& conn, const Submission& item,
                           std::vector<core::Result<Inserted>>& results);
  core::Status LinkAttachments(TicketStore& store, const Caller* caller, int64_t ticket_id,
                               std::optional<int64_t> event_id, const std::vector<int64_t>& ids);
  core::Status PrepareWhere(TicketStore& store, const Caller& caller, PreparedTicket& p);
  // The first routing's dispatch of a ticket just inserted (none without a
  // first assignee): appended by the system, set on `inserted`.
  core::Status RouteFirst(TicketStore& store, const PreparedTicket& p, Inserted& inserted);
  core::Status PrepareWho(TicketStore& store, const Caller& caller, PreparedTicket& p);
  std::string ActorLabel(TicketStore& store, const Caller& caller);
  // Prepare's reads, from the caches below when fresh.
  core::Result<std::optional<TicketStore::NodeRow>> CachedNode(TicketStore& store, int64_t id);
  core::Result<std::optional<std::string>> CachedCountyCode(TicketStore& store,
                                                            const std::string& path);
  std::string CachedDisplayName(TicketStore& store, const Caller& caller);
  // "网格员 王芳": the caller's role and `name`.
  static std::string RoleLabel(const Caller& caller, const std::string& name);

  store::Db& db_;
  const core::Clock& clock_;
  AuditLog& audit_;
  const core::PiiCipher& cipher_;
  GridLocator& locator_;
  CategoryService& categories_;
  TicketOptions options_;
  std::vector<TicketObserver*> observers_;
  // What every submission reads (see ExpiringCache): nodes by id and county
  // codes by path (forgotten on a move), display names by account (nothing
  // changes a name once the account exists: they only age out).
  ExpiringCache<int64_t, TicketStore::NodeRow> nodes_;
  ExpiringCache<std::string, std::string> county_codes_;
  ExpiringCache<int64_t, std::string> display_names_;
};

}  // namespace civicgrid::domain
