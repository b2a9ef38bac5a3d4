// TicketStore: all SQL of the ticket tables (ticket, ticket_event,
// ticket_escalation, ticket_follower, ticket_attachment, ticket_counter,
// idempotency_key). One column list, one row mapper by column name, and
// queries built with SqlWhere (ticket_sql.h), which numbers placeholders and
// renders visibility as a predicate. The service above it holds no SQL.
//
// Lists are keyset walks in id order (after the cursor, LIMIT n) along one
// index: ListPage chooses the most selective filter that has an index ending
// in id (see docs/tickets.md, "Lists at city scale") and writes every other
// condition so that it cannot choose an index (`t.col + 0`, Unindexed("t.col")),
// so that no plan sorts the whole result for the page order.
//
// A TicketStore wraps one connection for one unit of work; not thread-safe.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "domain/access/caller.h"
#include "domain/registry/common.h"
#include "domain/tickets/ticket_sql.h"
#include "domain/tickets/ticket_types.h"
#include "store/db.h"

namespace civicgrid::domain {

// The column updates one event makes (what a catalogue entry sets), applied
// to the row with the version guard and to the in-memory ticket alike.
struct TicketPatch {
  std::optional<TicketState> state;
  std::optional<int64_t> reopen_count;
  // Outer: whether it changes; inner: the new assignee or none (cleared).
  std::optional<std::optional<Assignee>> assignee;
  bool accepted_if_unset = false;   // accepted_at = COALESCE(accepted_at, now)
  bool responded_if_unset = false;  // responded_at = COALESCE(responded_at, now)
  bool accepted_now = false;        // accepted_at = now
  std::optional<bool> resolved;     // true: resolved_at = now; false: NULL
  std::optional<bool> closed;       // true: closed_at = now; false: NULL
  bool rated_now = false;
  std::optional<int64_t> rating;
  std::optional<std::string> rating_comment;
  std::optional<std::string> callback_outcome;
  std::optional<int64_t> duplicate_of;
  std::optional<int64_t> resolve_due;
  int64_t overdue_bits = 0;  // OR-ed into overdue
  bool supervised = false;

  // The ticket after this patch at `now` (version and updated_at included).
  void ApplyTo(Ticket& t, int64_t now) const;
};

// A ticket row as an action reads it: the stored ticket and whether the
// caller may see it (one query).
struct SeenTicket {
  Ticket ticket;
  bool visible = false;
};

// An escalation row of one department on one ticket.
struct EscalationCall {
  int64_t id = 0;
  int64_t report_due = 0;
  bool responded = false;
};

// What the overdue scan found for one ticket: the deadlines it has missed.
struct DueTicket {
  int64_t id = 0;
  int64_t missed = 0;  // TicketOverdue bits
};

class TicketStore {
 public:
  explicit TicketStore(store::Connection& conn) : conn_(conn) {}
  store::Connection& conn() { return conn_; }

  // --- tickets -----------------------------------------------------------------
  // The stored ticket (unmasked) with its attachment ids; NotFound.
  core::Result<Ticket> Load(int64_t id);
  // The stored ticket and whether `caller` may see it; NotFound when absent.
  core::Result<SeenTicket> LoadSeen(const Caller& caller, int64_t id);
  core::Result<int64_t> IdByNumber(std::string_view number);
  core::Result<bool> Visible(const Caller& caller, int64_t id);
  // The SQL of Select (the plan tests read its plan).
  static std::string SelectSql(const SqlWhere& where, const std::string& tail);
  // The SQL of a list page (ListPage, BoardPage, the wish wall): `where` may
  // name t's columns only. SQLite: SelectSql (its walk tests each entry from
  // the wide indexes, ticket_list_query.h). PostgreSQL: the page's ids alone,
  // from the driving index; SelectPage then reads their rows by primary key
  // (RowsByIdSql). PostgreSQL estimates each unindexed filter
  // (`t.category_id + 0 = $5`) at 0.5%, so with the rows in the same
  // statement it expects a handful of matches and reads all of a scope's
  // tickets to sort them (260–390 ms at city tier); selecting ids only, the
  // walk in id order is an index-only scan that stops after the page
  // (0.2 ms). And in two statements each plans cheaply: PostgreSQL makes a
  // custom plan on every call for most list shapes, and planning the
  // combined statement (two `ticket` relations, the joins, the assignee's
  // name) took 0.5–0.6 ms, more than running it; the ids alone plan in
  // 0.07 ms and the rows statement, of a fixed shape, goes generic after five
  // runs (0.02 ms). docs/tickets.md, "Lists at city scale".
  static std::string PageSql(store::Backend backend, const SqlWhere& where,
                             const std::string& tail);
  // The rows of `n` tickets by id ($1…$n), in id order, n one of
  // kRowsByIdSizes (a list is padded by repeating its last id).
  static constexpr std::array<size_t, 5> kRowsByIdSizes = {4, 16, 32, 128, 512};
  static const std::string& RowsByIdSql(size_t n);
  core::Result<std::vector<Ticket>> SelectPage(const SqlWhere& where, const std::string& tail);
  // The SQL and parameters of EventsAfter.
  static std::pair<std::string, store::Params> EventsAfterSql(const Caller& caller, int64_t after,
                                                              int64_t limit);
  // The tickets matching `where` (alias t), then `tail`.
  core::Result<std::vector<Ticket>> Select(const SqlWhere& where, const std::string& tail);
  // One page of the list in id order after the cursor (see the file comment).
  core::Result<std::vector<Ticket>> ListPage(const Caller& caller, const TicketFilter& filter,
                                             const std::optional<PathRange>& within);
  // One page of the board: `board` is the claimer's predicate or empty.
  core::Result<std::vector<Ticket>> BoardPage(const Caller& caller,
                                              const std::vector<std::string>& skills,
                                              bool by_skills, const Page& page);
  core::Result<std::vector<Ticket>> Nearby(const Caller& caller, int64_t category_id, double lat_lo,
                                           double lat_hi, double lon_lo, double lon_hi);
  // Inserts a submitted ticket; returns its id.
  core::Result<int64_t> Insert(const PreparedTicket& p, const std::string& number, int64_t now,
                               int64_t accept_due, int64_t respond_due, int64_t resolve_due);
  // Updates the row with `patch` unless its version moved on: false then.
  core::Result<bool> Update(const Ticket& before, const TicketPatch& patch, int64_t now);
  core::Status OrOverdue(int64_t id, int64_t bits);
  // The next serial under `prefix` ("131022-2026").
  core::Result<int64_t> NextSerial(const std::string& prefix);

  // --- events ------------------------------------------------------------------
  core::Result<int64_t> AppendEvent(const TicketEvent& e);
  core::Result<std::vector<TicketEvent>> Events(int64_t ticket_id);
  core::Result<std::vector<TicketEvent>> EventsAfter(const Caller& caller, int64_t after,
                                                     int64_t limit);
  // Unsatisfied ratings that reopened the ticket so far.
  core::Result<int64_t> RatingReopens(int64_t ticket_id);
  // Serialises event appends until the commit (ids visible in id order).
  core::Status LockEvents();

  // --- escalations -------------------------------------------------------------
  core::Result<std::vector<Escalation>> Escalations(int64_t ticket_id);
  core::Result<std::optional<EscalationCall>> EscalationOf(int64_t ticket_id, int64_t unit_id);
  core::Status InsertEscalation(int64_t ticket_id, int64_t unit_id, int64_t called_by, int64_t at,
                                int64_t report_due, int64_t resolve_due);
  core::Status MarkResponded(int64_t escalation_id, int64_t at, const std::string& response,
                             bool late);
  // Marks departments past their report deadline; then the open tickets with
  // a deadline missed and not yet flagged (at most `limit`).
  core::Status MarkLateEscalations(int64_t now);
  core::Result<std::vector<DueTicket>> DueTickets(int64_t now, int64_t limit);

  // --- followers, attachments, contact -------------------------------------------
  core::Status Follow(int64_t ticket_id, int64_t account_id, int64_t now);
  // Whether attachment `id` exists (none: NotFound) and `account` uploaded it.
  core::Result<bool> AttachmentUploadedBy(int64_t id, int64_t account);
  // Links an attachment (deferred; linking one twice is no error).
  core::Status LinkAttachment(int64_t ticket_id, int64_t attachment_id,
                              std::optional<int64_t> event_id);
  struct ContactRow {
    bool anonymous = false;
    std::string name;
    std::optional<std::string> phone_enc;
  };
  core::Result<ContactRow> Contact(int64_t id);

  // --- idempotency keys ----------------------------------------------------------
  struct KeyUse {
    std::string request_hash;
    int64_t ticket_id = 0;
    int64_t event_id = 0;  // 0: stored before migration 9
  };
  core::Result<std::optional<KeyUse>> FindKey(int64_t account, const std::string& key);
  core::Status RememberKey(int64_t account, const std::string& key, const std::string& hash,
                           int64_t ticket_id, int64_t event_id, int64_t now);

  // --- a batch of submissions: multi-row statements (ticket_store_batch.cc) -------
  // A batch takes its serials and ids in one round trip (Reserve), then sends
  // every write deferred (store::Connection::Defer): they go with the batch's
  // next read or its COMMIT, so a batch costs a few round trips whatever its
  // size (docs/architecture.md, "Round trips").
  struct NewRow {
    const PreparedTicket* prepared = nullptr;
    int64_t id = 0;  // reserved (Reserve)
    std::string number;
    int64_t now = 0, accept_due = 0, respond_due = 0, resolve_due = 0;
  };
  struct Reserved {
    std::map<std::string, int64_t> first_serial;  // per prefix asked for
    std::vector<int64_t> ticket_ids;              // ascending
    std::vector<int64_t> event_ids;               // ascending
  };
  // Takes `serials` serials under each prefix (in the map's order, so two
  // writers lock the counters in the same order) and ids for `tickets` new
  // tickets and as many submit events, in one round trip. PostgreSQL draws
  // the ids from the columns' sequences; SQLite, whose writer holds the
  // database's write lock, counts on from the largest id, as its INTEGER
  // PRIMARY KEY would. The caller holds the event lock (LockEvents) so that
  // event ids become visible in id order.
  core::Result<Reserved> Reserve(const std::map<std::string, int64_t>& serials, size_t tickets);
  // Inserts the tickets with their reserved ids (deferred).
  core::Status InsertMany(const std::vector<NewRow>& rows);
  // The ticket `row` wrote, as a read of it would return it (the answer to
  // its submission, without reading it back; the intake test compares the
  // two): every column from the row and the insert's constants.
  static Ticket AsInserted(const NewRow& row);
  // Appends the submit events (one per ticket) with their reserved ids (deferred).
  core::Status AppendSubmitEvents(const std::vector<TicketEvent>& events);
  struct KeyRow {
    int64_t account = 0;
    std::string key;
    std::string hash;
    int64_t ticket_id = 0;
    int64_t event_id = 0;
    int64_t now = 0;
  };
  // Remembers the idempotency keys (deferred).
  core::Status RememberKeys(const std::vector<KeyRow>& keys);
  // The stored uses of these (account, key) pairs; unused pairs are absent.
  core::Result<std::map<std::pair<int64_t, std::string>, KeyUse>> FindKeys(
      const std::vector<std::pair<int64_t, std::string>>& keys);
  // The stored tickets (unmasked, with attachment ids) in `ids` order;
  // NotFound when one is absent.
  core::Result<std::vector<Ticket>> LoadMany(const std::vector<int64_t>& ids);

  // --- people and places the ticket refers to ------------------------------------
  std::string DisplayName(int64_t account_id, const std::string& fallback);
  core::Result<std::optional<std::string>> MemberSkills(int64_t member_id);
  struct NodeRow {
    std::string kind;
    std::string path;
    std::string name;
  };
  core::Result<std::optional<NodeRow>> Node(int64_t id);
  // The county code among the ancestors of `path`, or none.
  core::Result<std::optional<std::string>> CountyCode(const std::string& path);
  core::Result<std::optional<std::string>> TicketPath(int64_t id);
  // Whether `unit` is paired (包联) with a node whose subtree holds `path`.
  core::Result<bool> UnitPairedWith(int64_t unit, const std::string& path);
  struct UnitRow {
    std::string name;
    std::string kind;
  };
  core::Result<std::optional<UnitRow>> Unit(int64_t id);
  struct MemberRow {
    std::string name;
    std::optional<std::string> residence_path;
  };
  core::Result<std::optional<MemberRow>> Member(int64_t id);
  struct AccountRow {
    std::string name;
    std::string role;
    std::string scope_path;
    bool disabled = false;
  };
  core::Result<std::optional<AccountRow>> Account(int64_t id);
  // First routing: the compound with a building in grid `node_id` (the lowest
  // id when several share the grid), its property company, and the account of
  // its owners' committee (the director first, then members by id; a member
  // whose resident is linked to an enabled account). Empty: no compound.
  struct CompoundRoute {
    int64_t compound_id = 0;
    std::optional<int64_t> property_unit_id;
    std::optional<int64_t> committee_account_id;
  };
  core::Result<std::optional<CompoundRoute>> CompoundOf(int64_t node_id);
  // Whether `unit` is the property company of a compound with a building in
  // grid `node_id` (a dispatch target there as a paired unit is).
  core::Result<bool> ManagesCompoundIn(int64_t unit, int64_t node_id);
  // Whether `account` belongs to an owners' committee member of such a compound.
  core::Result<bool> OnCommitteeIn(int64_t account, int64_t node_id);
  // Dispatch candidates of a ticket at `path` (at most `limit` per kind).
  core::Result<std::vector<AssigneeOption>> Candidates(AssigneeKind kind, const std::string& path,
                                                       int64_t limit);

 private:
  // The INSERT of a submitted ticket: head, one row's VALUES tuple with its
  // placeholders after `base`, and that row's kInsertParams parameters.
  // With `with_id`, the id comes first (NewRow::id; kInsertParams + 1 parameters).
  static constexpr size_t kInsertParams = 28;
  static std::string InsertHead(bool with_id);
  static std::string InsertTuple(size_t base, bool with_id);
  static void AppendInsertParams(const NewRow& row, store::Params& params, bool with_id);

  store::Connection& conn_;
};

}  // namespace civicgrid::domain
