// TicketStore: the multi-row writes of a batch of submissions (the
// IntakeWriter's group commit, TicketService::InsertBatch). Each statement
// writes up to kMaxRows rows; a batch is split into statements of the sizes in
// kRowCounts, so a connection caches at most seven shapes per statement. The
// batch's serials and ids come in one round trip (Reserve), so its writes
// need no answer and are deferred: they go with the batch's next read or its
// COMMIT. Also the one ticket row's insert (Insert, the tuples) and what it
// wrote (AsInserted).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <mutex>

#include "domain/tickets/ticket_sql.h"
#include "domain/tickets/ticket_store.h"

namespace civicgrid::domain {
namespace {

constexpr std::array<size_t, 7> kRowCounts = {64, 32, 16, 8, 4, 2, 1};

// The statement sizes for `n` rows: as few statements as the fixed sizes allow.
std::vector<size_t> Chunks(size_t n) {
  std::vector<size_t> out;
  for (size_t size : kRowCounts) {
    while (n >= size) {
      out.push_back(size);
      n -= size;
    }
  }
  return out;
}

// "($base+1, …, $base+count)" with `count` placeholders.
std::string Tuple(size_t base, size_t count) { return "(" + Placeholders(base + 1, count) + ")"; }

// Cached statement texts, one per (kind, row count).
template <typename Make>
const std::string& Cached(std::map<size_t, std::string>& cache, std::mutex& mutex, size_t rows,
                          Make make) {
  std::lock_guard lock(mutex);
  auto it = cache.find(rows);
  if (it == cache.end()) it = cache.emplace(rows, make(rows)).first;
  return it->second;
}

template <typename Make>
const std::string& Sql(size_t rows, Make make) {
  static std::map<size_t, std::string> cache;
  static std::mutex mutex;
  return Cached(cache, mutex, rows, make);
}

constexpr size_t kEventParams = 10;
constexpr size_t kKeyParams = 6;

const auto kInsertEventsSql = [](size_t rows) {
  std::string sql =
      "INSERT INTO ticket_event (id, ticket_id, seq, type, actor_account_id, actor_label, at, "
      "note, data, state_after) VALUES ";
  for (size_t r = 0; r < rows; ++r) sql += (r ? ", " : "") + Tuple(r * kEventParams, kEventParams);
  return sql;
};

const auto kInsertKeysSql = [](size_t rows) {
  std::string sql =
      "INSERT INTO idempotency_key (account_id, idem_key, request_hash, ticket_id, event_id, "
      "created_at) VALUES ";
  for (size_t r = 0; r < rows; ++r) sql += (r ? ", " : "") + Tuple(r * kKeyParams, kKeyParams);
  return sql;
};

const auto kFindKeysSql = [](size_t rows) {
  std::string sql =
      "SELECT account_id, idem_key, request_hash, ticket_id, event_id FROM idempotency_key WHERE ";
  for (size_t r = 0; r < rows; ++r) {
    sql += fmt::format("{}(account_id = ${} AND idem_key = ${})", r ? " OR " : "", 2 * r + 1,
                       2 * r + 2);
  }
  return sql;
};

// Runs `sql(rows)` once per chunk of `items`, binding each item's parameters
// with `bind`, all in one round trip (store::Connection::QueryEach); `each`
// sees every returned row.
template <typename T, typename MakeSql, typename Bind, typename Each>
core::Status ForChunks(store::Connection& conn, const std::vector<T>& items, MakeSql make_sql,
                       Bind bind, Each each, bool planned_each_run = false) {
  std::vector<store::Statement> statements;
  size_t next = 0;
  for (size_t rows : Chunks(items.size())) {
    store::Statement& st = statements.emplace_back();
    st.sql = Sql(rows, make_sql);
    st.planned_each_run = planned_each_run;
    for (size_t i = next; i < next + rows; ++i) bind(items[i], st.params);
    next += rows;
  }
  if (statements.empty()) return core::Ok();
  CG_ASSIGN_OR_RETURN(std::vector<store::Rows> results, conn.QueryEach(statements));
  for (const store::Rows& result : results) {
    for (const store::Row& row : result) CG_TRY(each(row));
  }
  return core::Ok();
}

// Defers `sql(rows)` once per chunk of `items` (store::Connection::Defer):
// writes whose answer nobody reads, sent with the transaction's next statement.
template <typename T, typename MakeSql, typename Bind>
core::Status DeferChunks(store::Connection& conn, const std::vector<T>& items, MakeSql make_sql,
                         Bind bind) {
  size_t next = 0;
  for (size_t rows : Chunks(items.size())) {
    store::Params params;
    for (size_t i = next; i < next + rows; ++i) bind(items[i], params);
    CG_TRY(conn.Defer(Sql(rows, make_sql), params));
    next += rows;
  }
  return core::Ok();
}

// `n` new ids of `table`, ascending (TicketStore::Reserve).
store::Statement ReserveIds(store::Backend backend, const std::string& table, size_t n) {
  if (backend == store::Backend::kPostgres) {
    return {"SELECT nextval(pg_get_serial_sequence('" + table +
                "', 'id')) AS id FROM generate_series(1, $1)",
            {static_cast<int64_t>(n)}};
  }
  return {
      "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) "
      "SELECT (SELECT COALESCE(MAX(id), 0) FROM " +
          table + ") + i AS id FROM n",
      {static_cast<int64_t>(n)}};
}

core::Result<std::vector<int64_t>> IdsOf(const store::Rows& rows, size_t n) {
  std::vector<int64_t> ids;
  for (const store::Row& row : rows) ids.push_back(row.Int("id"));
  if (ids.size() != n) return core::Error::Internal("预留的编号数目不对");
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

core::Status TicketStore::InsertMany(const std::vector<NewRow>& rows) {
  auto make = [](size_t n) {
    std::string sql = InsertHead(true);
    for (size_t r = 0; r < n; ++r)
      sql += (r ? ", " : "") + InsertTuple(r * (kInsertParams + 1), true);
    return sql;
  };
  auto bind = [](const NewRow& row, store::Params& params) {
    AppendInsertParams(row, params, true);
  };
  for (const NewRow& row : rows) {
    if (row.id == 0) return core::Error::Internal("工单没有预留编号");
  }
  return DeferChunks(conn_, rows, make, bind);
}

core::Status TicketStore::AppendSubmitEvents(const std::vector<TicketEvent>& events) {
  auto bind = [](const TicketEvent& e, store::Params& params) {
    params.insert(params.end(), {e.id, e.ticket_id, e.seq, std::string(TicketEventTypeName(e.type)),
                                 e.actor_account_id, e.actor_label, e.at, e.note, e.data,
                                 std::string(TicketStateName(e.state_after))});
  };
  for (const TicketEvent& e : events) {
    if (e.id == 0) return core::Error::Internal("事件没有预留编号");
  }
  return DeferChunks(conn_, events, kInsertEventsSql, bind);
}

core::Status TicketStore::RememberKeys(const std::vector<KeyRow>& keys) {
  auto bind = [](const KeyRow& k, store::Params& params) {
    params.insert(params.end(), {k.account, k.key, k.hash, k.ticket_id, k.event_id, k.now});
  };
  return DeferChunks(conn_, keys, kInsertKeysSql, bind);
}

core::Result<std::map<std::pair<int64_t, std::string>, TicketStore::KeyUse>> TicketStore::FindKeys(
    const std::vector<std::pair<int64_t, std::string>>& keys) {
  std::map<std::pair<int64_t, std::string>, KeyUse> out;
  auto bind = [](const std::pair<int64_t, std::string>& k, store::Params& params) {
    params.insert(params.end(), {k.first, k.second});
  };
  auto each = [&](const store::Row& row) -> core::Status {
    out[{row.Int("account_id"), row.Text("idem_key")}] =
        KeyUse{row.Text("request_hash"), row.Int("ticket_id"), row.OptInt("event_id").value_or(0)};
    return core::Ok();
  };
  // Planned per run: a plan cached while idempotency_key was small scans it whole.
  CG_TRY(ForChunks(conn_, keys, kFindKeysSql, bind, each, /*planned_each_run=*/true));
  return out;
}

core::Result<TicketStore::Reserved> TicketStore::Reserve(
    const std::map<std::string, int64_t>& serials, size_t tickets) {
  std::vector<store::Statement> statements;
  for (const auto& [prefix, n] : serials) {
    statements.push_back(
        {"INSERT INTO ticket_counter (prefix, seq) VALUES ($1, $2) ON CONFLICT "
         "(prefix) DO UPDATE SET seq = ticket_counter.seq + excluded.seq "
         "RETURNING seq",
         {prefix, n}});
  }
  if (tickets > 0) {
    statements.push_back(ReserveIds(conn_.backend(), "ticket", tickets));
    statements.push_back(ReserveIds(conn_.backend(), "ticket_event", tickets));
  }
  Reserved out;
  if (statements.empty()) return out;
  CG_ASSIGN_OR_RETURN(std::vector<store::Rows> results, conn_.QueryEach(statements));
  size_t i = 0;
  for (const auto& [prefix, n] : serials) {
    if (results[i].size() != 1) return core::Error::Internal("编号计数器未返回序号");
    out.first_serial[prefix] = results[i++][0].Int(0) - n + 1;
  }
  if (tickets > 0) {
    CG_ASSIGN_OR_RETURN(out.ticket_ids, IdsOf(results[i], tickets));
    CG_ASSIGN_OR_RETURN(out.event_ids, IdsOf(results[i + 1], tickets));
  }
  return out;
}

// --- the insert of one ticket row (Insert, and InsertMany's tuples) -----------------

std::string TicketStore::InsertHead(bool with_id) {
  return std::string("INSERT INTO ticket (") + (with_id ? "id, " : "") +
         "number, kind, channel, category_id, node_id, path, title, "
         "description, address, lon, lat, state, version, anonymous, is_public, "
         "submitter_account_id, submitter_name, submitter_phone_enc, submitter_phone_hash, "
         "submitter_phone_masked, created_at, accept_due, respond_due, resolve_due, updated_at, "
         "scope_2, scope_3, scope_4, scope_5, scope_6, first_route) VALUES ";
}

std::string TicketStore::InsertTuple(size_t base, bool with_id) {
  std::string out = "(";
  if (with_id) out += "$" + std::to_string(++base) + ", ";
  auto p = [base](size_t i) { return "$" + std::to_string(base + i); };
  for (size_t i = 1; i <= 11; ++i) out += p(i) + ", ";
  out += "'submitted', 1";
  for (size_t i = 12; i <= 22; ++i) out += ", " + p(i);
  out += ", " + p(19);  // updated_at = created_at
  for (size_t i = 23; i <= kInsertParams; ++i) out += ", " + p(i);
  return out + ")";
}

void TicketStore::AppendInsertParams(const NewRow& row, store::Params& params, bool with_id) {
  const PreparedTicket& p = *row.prepared;
  if (with_id) params.push_back(row.id);
  params.insert(params.end(), {row.number,
                               std::string(TicketKindName(p.input.kind)),
                               std::string(TicketChannelName(p.input.channel)),
                               p.category.id,
                               p.node_id,
                               p.path,
                               p.title,
                               p.description,
                               p.address,
                               p.wgs84 ? store::Value(p.wgs84->lon) : store::Value(),
                               p.wgs84 ? store::Value(p.wgs84->lat) : store::Value(),
                               p.input.anonymous,
                               p.is_public,
                               p.submitter_account_id,
                               p.submitter_name,
                               p.phone ? store::Value(p.phone->enc) : store::Value(),
                               p.phone ? store::Value(p.phone->hash) : store::Value(),
                               p.phone ? store::Value(p.phone->masked) : store::Value(),
                               row.now,
                               row.accept_due,
                               row.respond_due,
                               row.resolve_due});
  for (int depth = kMinScopeDepth; depth <= kMaxScopeDepth; ++depth) {
    auto id = PathIdAt(p.path, depth);
    params.push_back(id ? store::Value(*id) : store::Value());
  }
  params.push_back(p.first_route ? store::Value(std::string(FirstRouteName(*p.first_route)))
                                 : store::Value());
}

Ticket TicketStore::AsInserted(const NewRow& row) {
  const PreparedTicket& p = *row.prepared;
  Ticket t;
  t.id = row.id;
  t.number = row.number;
  t.kind = p.input.kind;
  t.channel = p.input.channel;
  t.category_id = p.category.id;
  t.category_name = p.category.name;
  t.category_group = p.category.group;
  t.node_id = p.node_id;
  t.node_name = p.node_name;
  t.path = p.path;
  t.title = p.title;
  t.description = p.description;
  t.address = p.address;
  t.location = p.wgs84;
  t.state = TicketState::kSubmitted;  // InsertTuple's constants
  t.version = 1;
  t.anonymous = p.input.anonymous;
  t.is_public = p.is_public;
  t.submitter_account_id = p.submitter_account_id;
  t.submitter_name = p.submitter_name;
  if (p.phone) t.submitter_phone_masked = p.phone->masked;
  t.created_at = row.now;
  t.accept_due = row.accept_due;
  t.respond_due = row.respond_due;
  t.resolve_due = row.resolve_due;
  t.updated_at = row.now;
  t.attachment_ids = p.input.attachment_ids;  // linked in the same transaction
  std::sort(t.attachment_ids.begin(), t.attachment_ids.end());
  t.first_route = p.first_route;
  return t;
}

core::Result<int64_t> TicketStore::Insert(const PreparedTicket& p, const std::string& number,
                                          int64_t now, int64_t accept_due, int64_t respond_due,
                                          int64_t resolve_due) {
  store::Params params;
  AppendInsertParams(NewRow{&p, 0, number, now, accept_due, respond_due, resolve_due}, params,
                     false);
  static const std::string kSql = InsertHead(false) + InsertTuple(0, false) + " RETURNING id";
  return conn_.QueryInt(kSql, params);
}

}  // namespace civicgrid::domain
