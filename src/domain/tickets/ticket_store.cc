#include "domain/tickets/ticket_store.h"

#include <algorithm>
#include <array>
#include <map>
#include <unordered_map>

#include "domain/tickets/ticket_list_query.h"

namespace civicgrid::domain {
namespace {

using core::Error;

// The one column list of a ticket: every column is named, so rows are read by
// name (TicketFromRow). `attachments` is a comma-separated list of ids.
constexpr const char* kColumns =
    "SELECT t.id, t.number, t.kind, t.channel, t.category_id, c.name AS category_name, "
    "c.grp AS category_group, t.node_id, n.name AS node_name, t.path, t.title, t.description, "
    "t.address, t.lon, t.lat, t.state, t.version, t.anonymous, t.is_public, "
    "t.submitter_account_id, t.submitter_name, t.submitter_phone_masked, t.assignee_kind, "
    "t.assignee_id, t.duplicate_of, t.reopen_count, t.rating, t.rating_comment, "
    "t.callback_outcome, t.overdue, t.supervised, t.created_at, t.accept_due, t.respond_due, "
    "t.resolve_due, t.accepted_at, t.responded_at, t.resolved_at, t.closed_at, t.rated_at, "
    "t.updated_at, t.first_route, CASE t.assignee_kind "
    "WHEN 'member' THEN (SELECT m.name FROM party_member m WHERE m.id = t.assignee_id) "
    "WHEN 'unit' THEN (SELECT u.name FROM unit u WHERE u.id = t.assignee_id) "
    "WHEN 'account' THEN (SELECT a.display_name FROM account a WHERE a.id = t.assignee_id) "
    "WHEN 'board' THEN '社区点单栏' END AS assignee_name ";

constexpr const char* kFrom =
    "FROM ticket t JOIN ticket_category c ON c.id = t.category_id "
    "JOIN org_node n ON n.id = t.node_id ";

std::vector<int64_t> IdList(std::string_view text) {
  std::vector<int64_t> out;
  int64_t cur = 0;
  bool any = false;
  for (char ch : text) {
    if (ch >= '0' && ch <= '9') {
      cur = cur * 10 + (ch - '0');
      any = true;
    } else {
      if (any) out.push_back(cur);
      cur = 0;
      any = false;
    }
  }
  if (any) out.push_back(cur);
  std::sort(out.begin(), out.end());
  return out;
}

Ticket TicketFromRow(const store::Row& r) {
  Ticket t;
  t.id = r.Int("id");
  t.number = r.Text("number");
  t.kind = ParseTicketKind(r.Text("kind"), "kind").value();
  t.channel = ParseTicketChannel(r.Text("channel"), "channel").value();
  t.category_id = r.Int("category_id");
  t.category_name = r.Text("category_name");
  t.category_group = ParseCategoryGroup(r.Text("category_group"), "grp").value();
  t.node_id = r.Int("node_id");
  t.node_name = r.Text("node_name");
  t.path = r.Text("path");
  t.title = r.Text("title");
  t.description = r.Text("description");
  t.address = r.Text("address");
  if (!r.IsNull("lon") && !r.IsNull("lat")) t.location = core::LonLat{r.Real("lon"), r.Real("lat")};
  t.state = ParseTicketState(r.Text("state"), "state").value();
  t.version = r.Int("version");
  t.anonymous = r.Int("anonymous") != 0;
  t.is_public = r.Int("is_public") != 0;
  t.submitter_account_id = r.OptInt("submitter_account_id");
  t.submitter_name = r.Text("submitter_name");
  t.submitter_phone_masked = r.OptText("submitter_phone_masked");
  if (!r.IsNull("assignee_kind")) {
    t.assignee = Assignee{ParseAssigneeKind(r.Text("assignee_kind"), "assignee_kind").value(),
                          r.OptInt("assignee_id").value_or(0), r.Text("assignee_name")};
  }
  t.duplicate_of = r.OptInt("duplicate_of");
  t.reopen_count = r.Int("reopen_count");
  t.rating = r.OptInt("rating");
  t.rating_comment = r.OptText("rating_comment");
  t.callback_outcome = r.OptText("callback_outcome");
  t.overdue = r.Int("overdue");
  t.supervised = r.Int("supervised") != 0;
  t.created_at = r.Int("created_at");
  t.accept_due = r.Int("accept_due");
  t.respond_due = r.Int("respond_due");
  t.resolve_due = r.Int("resolve_due");
  t.accepted_at = r.OptInt("accepted_at");
  t.responded_at = r.OptInt("responded_at");
  t.resolved_at = r.OptInt("resolved_at");
  t.closed_at = r.OptInt("closed_at");
  t.rated_at = r.OptInt("rated_at");
  t.updated_at = r.Int("updated_at");
  if (!r.IsNull("first_route")) {
    t.first_route = ParseFirstRoute(r.Text("first_route"), "first_route").value();
  }
  return t;
}

// The tickets `sql` (kColumns …) reads.
core::Result<std::vector<Ticket>> QueryTickets(store::Connection& conn, const std::string& sql,
                                               const store::Params& params) {
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn.Query(sql, params));
  std::vector<Ticket> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(TicketFromRow(r));
  return out;
}

// Calls `read(size, list)` for `ids` cut into IN lists of the fixed `sizes`
// (ascending; the largest repeats as often as needed), each padded by
// repeating its last id, so a connection sees one statement shape per size.
template <size_t N, typename Read>
core::Status ForIdLists(const std::vector<int64_t>& ids, const std::array<size_t, N>& sizes,
                        Read read) {
  for (size_t next = 0; next < ids.size();) {
    const size_t left = ids.size() - next;
    size_t size = sizes.back();
    for (size_t s : sizes) {
      if (s >= left) {
        size = s;
        break;
      }
    }
    const size_t take = std::min(size, left);
    store::Params list;
    list.reserve(size);
    for (size_t i = 0; i < size; ++i) list.emplace_back(ids[next + std::min(i, take - 1)]);
    CG_TRY(read(size, list));
    next += take;
  }
  return core::Ok();
}

constexpr const char* kEventColumns =
    "SELECT e.id, e.ticket_id, e.seq, e.type, e.actor_account_id, e.actor_label, e.at, e.note, "
    "e.data, e.state_after FROM ticket_event e ";

TicketEvent EventFromRow(const store::Row& r) {
  TicketEvent e;
  e.id = r.Int("id");
  e.ticket_id = r.Int("ticket_id");
  e.seq = r.Int("seq");
  e.type = ParseTicketEventType(r.Text("type"), "type").value();
  e.actor_account_id = r.OptInt("actor_account_id");
  e.actor_label = r.Text("actor_label");
  e.at = r.Int("at");
  e.note = r.Text("note");
  e.data = r.Text("data");
  e.state_after = ParseTicketState(r.Text("state_after"), "state").value();
  return e;
}

// Advisory lock serialising ticket event appends until their commit.
constexpr int64_t kTicketEventLock = 0x7469636b657431;  // "ticket1"

core::Error NotFoundTicket() { return Error::NotFound("工单不存在"); }

// A query's single row, none when absent.
core::Result<std::optional<store::Row>> OptionalRow(store::Connection& conn, std::string_view sql,
                                                    const store::Params& params) {
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn.Query(sql, params));
  if (rows.empty()) return std::optional<store::Row>();
  return std::optional<store::Row>(std::move(rows.front()));
}

}  // namespace

// --- tickets ---------------------------------------------------------------------

core::Result<Ticket> TicketStore::Load(int64_t id) {
  Caller nobody;
  CG_ASSIGN_OR_RETURN(SeenTicket seen, LoadSeen(nobody, id));
  return std::move(seen.ticket);
}

core::Result<SeenTicket> TicketStore::LoadSeen(const Caller& caller, int64_t id) {
  SqlWhere w;
  const std::string id_p = w.Param(id);
  const std::string visible = VisiblePredicate(caller, w);
  const std::string agg = conn_.backend() == store::Backend::kPostgres
                              ? "string_agg(CAST(ta.attachment_id AS TEXT), ',')"
                              : "group_concat(ta.attachment_id)";
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn_.Query(std::string(kColumns) + ", CASE WHEN " + visible +
                      " THEN 1 ELSE 0 END AS visible, (SELECT " + agg +
                      " FROM ticket_attachment ta WHERE ta.ticket_id = t.id) AS attachments " +
                      kFrom + "WHERE t.id = " + id_p,
                  w.params()));
  if (rows.empty()) return NotFoundTicket();
  SeenTicket out{TicketFromRow(rows.front()), rows.front().Int("visible") != 0};
  out.ticket.attachment_ids = IdList(rows.front().Text("attachments"));
  return out;
}

core::Result<std::vector<Ticket>> TicketStore::LoadMany(const std::vector<int64_t>& ids) {
  // IN lists of these lengths (padded by repeating the last id), so a
  // connection caches at most four shapes.
  static constexpr std::array<size_t, 4> kSizes = {1, 4, 16, 64};
  const std::string agg = conn_.backend() == store::Backend::kPostgres
                              ? "string_agg(CAST(ta.attachment_id AS TEXT), ',')"
                              : "group_concat(ta.attachment_id)";
  std::unordered_map<int64_t, Ticket> found;
  CG_TRY(ForIdLists(ids, kSizes, [&](size_t size, const store::Params& list) -> core::Status {
    // Planned per run: a plan cached while `ticket` was small scans it whole,
    // and the intake reads each batch's new tickets with this.
    CG_ASSIGN_OR_RETURN(
        store::Rows rows,
        conn_.QueryPlannedEachRun(std::string(kColumns) + ", (SELECT " + agg +
                                      " FROM ticket_attachment ta WHERE ta.ticket_id = t.id) "
                                      "AS attachments " +
                                      kFrom + "WHERE t.id IN (" + Placeholders(1, size) + ")",
                                  list));
    for (const store::Row& row : rows) {
      Ticket t = TicketFromRow(row);
      t.attachment_ids = IdList(row.Text("attachments"));
      found.emplace(t.id, std::move(t));
    }
    return core::Ok();
  }));
  std::vector<Ticket> out;
  out.reserve(ids.size());
  for (int64_t id : ids) {
    auto it = found.find(id);
    if (it == found.end()) return NotFoundTicket();
    out.push_back(it->second);
  }
  return out;
}

core::Result<int64_t> TicketStore::IdByNumber(std::string_view number) {
  CG_ASSIGN_OR_RETURN(auto row, OptionalRow(conn_, "SELECT id FROM ticket WHERE number = $1",
                                            {std::string(number)}));
  if (!row) return NotFoundTicket();
  return row->Int("id");
}

core::Result<bool> TicketStore::Visible(const Caller& caller, int64_t id) {
  SqlWhere w;
  w.And("t.id = " + w.Param(id));
  w.And(VisiblePredicate(caller, w));
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn_.Query("SELECT t.id FROM ticket t WHERE " + w.sql(), w.params()));
  return !rows.empty();
}

std::string TicketStore::SelectSql(const SqlWhere& where, const std::string& tail) {
  return std::string(kColumns) + kFrom + "WHERE " + where.sql() + " " + tail;
}

core::Result<std::vector<Ticket>> TicketStore::Select(const SqlWhere& where,
                                                      const std::string& tail) {
  return QueryTickets(conn_, SelectSql(where, tail), where.params());
}

std::string TicketStore::PageSql(store::Backend backend, const SqlWhere& where,
                                 const std::string& tail) {
  if (backend == store::Backend::kSqlite) return SelectSql(where, tail);
  return "SELECT t.id FROM ticket t WHERE " + where.sql() + " " + tail;
}

const std::string& TicketStore::RowsByIdSql(size_t n) {
  static const std::map<size_t, std::string> kSql = [] {
    std::map<size_t, std::string> out;
    for (size_t size : kRowsByIdSizes) {
      out.emplace(size, std::string(kColumns) + kFrom + "WHERE t.id IN (" + Placeholders(1, size) +
                            ") ORDER BY t.id");
    }
    return out;
  }();
  return kSql.at(n);
}

core::Result<std::vector<Ticket>> TicketStore::SelectPage(const SqlWhere& where,
                                                          const std::string& tail) {
  const std::string sql = PageSql(conn_.backend(), where, tail);
  if (conn_.backend() == store::Backend::kSqlite) return QueryTickets(conn_, sql, where.params());
  CG_ASSIGN_OR_RETURN(store::Rows id_rows, conn_.Query(sql, where.params()));
  std::vector<int64_t> ids;
  ids.reserve(id_rows.size());
  for (const store::Row& row : id_rows) ids.push_back(row.Int(0));
  std::vector<Ticket> out;
  out.reserve(ids.size());
  CG_TRY(
      ForIdLists(ids, kRowsByIdSizes, [&](size_t size, const store::Params& list) -> core::Status {
        CG_ASSIGN_OR_RETURN(std::vector<Ticket> rows, QueryTickets(conn_, RowsByIdSql(size), list));
        for (Ticket& t : rows) out.push_back(std::move(t));
        return core::Ok();
      }));
  return out;
}

core::Result<std::vector<Ticket>> TicketStore::ListPage(const Caller& caller,
                                                        const TicketFilter& filter,
                                                        const std::optional<PathRange>& within) {
  TicketListQuery q = BuildListQuery(caller, filter, within);
  return SelectPage(q.where, q.tail);
}

core::Result<std::vector<Ticket>> TicketStore::BoardPage(const Caller& caller,
                                                         const std::vector<std::string>& skills,
                                                         bool by_skills, const Page& page) {
  TicketListQuery q = BuildBoardQuery(caller, skills, by_skills, page);
  return SelectPage(q.where, q.tail);
}

core::Result<std::vector<Ticket>> TicketStore::Nearby(const Caller& caller, int64_t category_id,
                                                      double lat_lo, double lat_hi, double lon_lo,
                                                      double lon_hi) {
  SqlWhere w;
  w.And(VisiblePredicate(caller, w, true));
  w.And("t.category_id = " + w.Param(category_id));
  w.And(std::string("t.state NOT IN ") + kFinishedStates);
  w.And("t.lat >= " + w.Param(lat_lo) + " AND t.lat <= " + w.Param(lat_hi));
  w.And("t.lon >= " + w.Param(lon_lo) + " AND t.lon <= " + w.Param(lon_hi));
  return Select(w, "ORDER BY t.id LIMIT 200");
}

namespace {

// The SET list of `patch` (after "version = version + 1").
std::string SetList(const TicketPatch& patch, SqlWhere& w, const std::string& now) {
  std::string set;
  auto assign = [&](std::string_view column, store::Value value) {
    set += ", " + std::string(column) + " = " + w.Param(std::move(value));
  };
  auto now_or_null = [&](std::string_view column, bool set_now) {
    set += ", " + std::string(column) + " = " + (set_now ? now : "NULL");
  };
  if (patch.state) assign("state", std::string(TicketStateName(*patch.state)));
  if (patch.reopen_count) assign("reopen_count", *patch.reopen_count);
  if (patch.assignee) {
    const auto& a = *patch.assignee;
    assign("assignee_kind",
           a ? store::Value(std::string(AssigneeKindName(a->kind))) : store::Value());
    assign("assignee_id",
           a && a->kind != AssigneeKind::kBoard ? store::Value(a->id) : store::Value());
  }
  if (patch.accepted_now) now_or_null("accepted_at", true);
  if (patch.accepted_if_unset) set += ", accepted_at = COALESCE(accepted_at, " + now + ")";
  if (patch.responded_if_unset) set += ", responded_at = COALESCE(responded_at, " + now + ")";
  if (patch.resolved) now_or_null("resolved_at", *patch.resolved);
  if (patch.closed) now_or_null("closed_at", *patch.closed);
  if (patch.rated_now) now_or_null("rated_at", true);
  if (patch.rating) assign("rating", *patch.rating);
  if (patch.rating_comment) assign("rating_comment", *patch.rating_comment);
  if (patch.callback_outcome) assign("callback_outcome", *patch.callback_outcome);
  if (patch.duplicate_of) assign("duplicate_of", *patch.duplicate_of);
  if (patch.resolve_due) assign("resolve_due", *patch.resolve_due);
  if (patch.overdue_bits != 0) set += ", overdue = overdue | " + w.Param(patch.overdue_bits);
  if (patch.supervised) set += ", supervised = 1";
  return set;
}

}  // namespace

core::Result<bool> TicketStore::Update(const Ticket& before, const TicketPatch& patch,
                                       int64_t now) {
  SqlWhere w;
  const std::string now_p = w.Param(now);
  const std::string set = SetList(patch, w, now_p);
  const std::string id_p = w.Param(before.id);
  const std::string version_p = w.Param(before.version);
  CG_ASSIGN_OR_RETURN(
      int64_t changed,
      conn_.Execute("UPDATE ticket SET version = version + 1, updated_at = " + now_p + set +
                        " WHERE id = " + id_p + " AND version = " + version_p,
                    w.params()));
  return changed > 0;
}

core::Status TicketStore::OrOverdue(int64_t id, int64_t bits) {
  CG_TRY(conn_.Execute("UPDATE ticket SET overdue = overdue | $1 WHERE id = $2", {bits, id}));
  return core::Ok();
}

core::Result<int64_t> TicketStore::NextSerial(const std::string& prefix) {
  return conn_.QueryInt(
      "INSERT INTO ticket_counter (prefix, seq) VALUES ($1, 1) ON CONFLICT (prefix) DO UPDATE SET "
      "seq = ticket_counter.seq + 1 RETURNING seq",
      {prefix});
}

// --- events ------------------------------------------------------------------------

core::Status TicketStore::LockEvents() { return conn_.LockKey(kTicketEventLock); }

core::Result<int64_t> TicketStore::AppendEvent(const TicketEvent& e) {
  return conn_.QueryInt(
      "INSERT INTO ticket_event (ticket_id, seq, type, actor_account_id, actor_label, at, note, "
      "data, state_after) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
      {e.ticket_id, e.seq, std::string(TicketEventTypeName(e.type)), e.actor_account_id,
       e.actor_label, e.at, e.note, e.data, std::string(TicketStateName(e.state_after))});
}

core::Result<std::vector<TicketEvent>> TicketStore::Events(int64_t ticket_id) {
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn_.Query(std::string(kEventColumns) +
                                                        "WHERE e.ticket_id = $1 ORDER BY e.seq",
                                                    {ticket_id}));
  CG_ASSIGN_OR_RETURN(store::Rows links,
                      conn_.Query("SELECT event_id, attachment_id FROM ticket_attachment WHERE "
                                  "ticket_id = $1 ORDER BY attachment_id",
                                  {ticket_id}));
  std::vector<TicketEvent> out;
  for (const auto& r : rows) {
    TicketEvent e = EventFromRow(r);
    for (const auto& l : links) {
      if (l.OptInt("event_id") == e.id) e.attachment_ids.push_back(l.Int("attachment_id"));
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::pair<std::string, store::Params> TicketStore::EventsAfterSql(const Caller& caller,
                                                                  int64_t after, int64_t limit) {
  SqlWhere w;
  w.And("e.id > " + w.Param(after));
  w.And(VisiblePredicate(caller, w, true));
  const std::string limit_p = w.Param(std::clamp<int64_t>(limit, 1, kMaxPageSize));
  return {std::string(kEventColumns) + "JOIN ticket t ON t.id = e.ticket_id WHERE " + w.sql() +
              " ORDER BY e.id LIMIT " + limit_p,
          w.params()};
}

core::Result<std::vector<TicketEvent>> TicketStore::EventsAfter(const Caller& caller, int64_t after,
                                                                int64_t limit) {
  auto [sql, params] = EventsAfterSql(caller, after, limit);
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn_.Query(sql, params));
  std::vector<TicketEvent> out;
  for (const auto& r : rows) out.push_back(EventFromRow(r));
  return out;
}

core::Result<int64_t> TicketStore::RatingReopens(int64_t ticket_id) {
  return conn_.QueryInt(
      "SELECT COUNT(*) FROM ticket_event WHERE ticket_id = $1 AND type = 'rate' AND state_after "
      "= 'accepted'",
      {ticket_id});
}

// --- the patch in memory -------------------------------------------------------------------

void TicketPatch::ApplyTo(Ticket& t, int64_t now) const {
  ++t.version;
  t.updated_at = now;
  if (state) t.state = *state;
  if (reopen_count) t.reopen_count = *reopen_count;
  if (assignee) t.assignee = *assignee;
  if (accepted_now) t.accepted_at = now;
  if (accepted_if_unset && !t.accepted_at) t.accepted_at = now;
  if (responded_if_unset && !t.responded_at) t.responded_at = now;
  if (resolved) t.resolved_at = *resolved ? std::optional<int64_t>(now) : std::nullopt;
  if (closed) t.closed_at = *closed ? std::optional<int64_t>(now) : std::nullopt;
  if (rated_now) t.rated_at = now;
  if (rating) t.rating = rating;
  if (rating_comment) t.rating_comment = rating_comment;
  if (callback_outcome) t.callback_outcome = callback_outcome;
  if (duplicate_of) t.duplicate_of = duplicate_of;
  if (resolve_due) t.resolve_due = *resolve_due;
  t.overdue |= overdue_bits;
  if (supervised) t.supervised = true;
}

}  // namespace civicgrid::domain
