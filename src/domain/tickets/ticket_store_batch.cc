// TicketStore: the multi-row writes of a batch of submissions (the
// IntakeWriter's group commit, TicketService::InsertBatch). Each statement
// writes up to kMaxRows rows; a batch is split into statements of the sizes in
// kRowCounts, so a connection caches at most seven shapes per statement, and
// the statements go in one round trip (QueryEach; the keys deferred). Rows
// come back matched by a unique column (the ticket's number, the event's
// ticket), never by the order of RETURNING, which neither backend promises.
// Also the one ticket row's insert (Insert, the tuples) and what it wrote
// (AsInserted).
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <unordered_map>

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

constexpr size_t kEventParams = 9;
constexpr size_t kKeyParams = 6;

const auto kInsertEventsSql = [](size_t rows) {
  std::string sql =
      "INSERT INTO ticket_event (ticket_id, seq, type, actor_account_id, actor_label, at, note, "
      "data, state_after) VALUES ";
  for (size_t r = 0; r < rows; ++r) sql += (r ? ", " : "") + Tuple(r * kEventParams, kEventParams);
  return sql + " RETURNING id, ticket_id";
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

}  // namespace

core::Result<std::vector<int64_t>> TicketStore::InsertMany(const std::vector<NewRow>& rows) {
  std::unordered_map<std::string, size_t> index;  // number → position
  for (size_t i = 0; i < rows.size(); ++i) index.emplace(rows[i].number, i);
  std::vector<int64_t> ids(rows.size(), 0);
  auto make = [](size_t n) {
    std::string sql = InsertHead();
    for (size_t r = 0; r < n; ++r) sql += (r ? ", " : "") + InsertTuple(r * kInsertParams);
    return sql + " RETURNING id, number";
  };
  auto bind = [](const NewRow& row, store::Params& params) { AppendInsertParams(row, params); };
  auto each = [&](const store::Row& row) -> core::Status {
    auto it = index.find(row.Text("number"));
    if (it == index.end()) return core::Error::Internal("插入的工单编号对不上");
    ids[it->second] = row.Int("id");
    return core::Ok();
  };
  CG_TRY(ForChunks(conn_, rows, make, bind, each));
  for (int64_t id : ids) {
    if (id == 0) return core::Error::Internal("插入的工单少于提交的");
  }
  return ids;
}

core::Result<std::vector<int64_t>> TicketStore::AppendSubmitEvents(
    const std::vector<TicketEvent>& events) {
  std::unordered_map<int64_t, size_t> index;  // ticket id → position (one event each)
  for (size_t i = 0; i < events.size(); ++i) index.emplace(events[i].ticket_id, i);
  if (index.size() != events.size()) return core::Error::Internal("同一工单的提交事件重复");
  std::vector<int64_t> ids(events.size(), 0);
  auto bind = [](const TicketEvent& e, store::Params& params) {
    params.insert(params.end(), {e.ticket_id, e.seq, std::string(TicketEventTypeName(e.type)),
                                 e.actor_account_id, e.actor_label, e.at, e.note, e.data,
                                 std::string(TicketStateName(e.state_after))});
  };
  auto each = [&](const store::Row& row) -> core::Status {
    auto it = index.find(row.Int("ticket_id"));
    if (it == index.end()) return core::Error::Internal("插入的事件对不上");
    ids[it->second] = row.Int("id");
    return core::Ok();
  };
  CG_TRY(ForChunks(conn_, events, kInsertEventsSql, bind, each));
  for (int64_t id : ids) {
    if (id == 0) return core::Error::Internal("插入的事件少于提交的");
  }
  return ids;
}

// Deferred: nothing reads them back in the batch (sent with its next statement).
core::Status TicketStore::RememberKeys(const std::vector<KeyRow>& keys) {
  size_t next = 0;
  for (size_t rows : Chunks(keys.size())) {
    store::Params params;
    for (size_t i = next; i < next + rows; ++i) {
      const KeyRow& k = keys[i];
      params.insert(params.end(), {k.account, k.key, k.hash, k.ticket_id, k.event_id, k.now});
    }
    CG_TRY(conn_.Defer(Sql(rows, kInsertKeysSql), params));
    next += rows;
  }
  return core::Ok();
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

core::Result<std::map<std::string, int64_t>> TicketStore::NextSerials(
    const std::map<std::string, int64_t>& wanted) {
  std::vector<store::Statement> statements;
  for (const auto& [prefix, n] : wanted) {
    statements.push_back(
        {"INSERT INTO ticket_counter (prefix, seq) VALUES ($1, $2) ON CONFLICT "
         "(prefix) DO UPDATE SET seq = ticket_counter.seq + excluded.seq "
         "RETURNING seq",
         {prefix, n}});
  }
  CG_ASSIGN_OR_RETURN(std::vector<store::Rows> results, conn_.QueryEach(statements));
  std::map<std::string, int64_t> first;
  size_t i = 0;
  for (const auto& [prefix, n] : wanted) {
    if (results[i].size() != 1) return core::Error::Internal("编号计数器未返回序号");
    first[prefix] = results[i++][0].Int(0) - n + 1;
  }
  return first;
}

// --- the insert of one ticket row (Insert, and InsertMany's tuples) -----------------

std::string TicketStore::InsertHead() {
  return "INSERT INTO ticket (number, kind, channel, category_id, node_id, path, title, "
         "description, address, lon, lat, state, version, anonymous, is_public, "
         "submitter_account_id, submitter_name, submitter_phone_enc, submitter_phone_hash, "
         "submitter_phone_masked, created_at, accept_due, respond_due, resolve_due, updated_at, "
         "scope_2, scope_3, scope_4, scope_5, scope_6, first_route) VALUES ";
}

std::string TicketStore::InsertTuple(size_t base) {
  auto p = [base](size_t i) { return "$" + std::to_string(base + i); };
  std::string out = "(";
  for (size_t i = 1; i <= 11; ++i) out += p(i) + ", ";
  out += "'submitted', 1";
  for (size_t i = 12; i <= 22; ++i) out += ", " + p(i);
  out += ", " + p(19);  // updated_at = created_at
  for (size_t i = 23; i <= kInsertParams; ++i) out += ", " + p(i);
  return out + ")";
}

void TicketStore::AppendInsertParams(const NewRow& row, store::Params& params) {
  const PreparedTicket& p = *row.prepared;
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

Ticket TicketStore::AsInserted(const NewRow& row, int64_t id) {
  const PreparedTicket& p = *row.prepared;
  Ticket t;
  t.id = id;
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
  AppendInsertParams(NewRow{&p, number, now, accept_due, respond_due, resolve_due}, params);
  static const std::string kSql = InsertHead() + InsertTuple(0) + " RETURNING id";
  return conn_.QueryInt(kSql, params);
}

}  // namespace civicgrid::domain
