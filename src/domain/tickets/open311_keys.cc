#include "domain/tickets/open311_keys.h"

#include <algorithm>

#include "core/crypto.h"
#include "domain/registry/common.h"
#include "domain/tickets/ticket_sql.h"

namespace civicgrid::domain {
namespace {

using core::Error;

// Event types that are not Open311 updates: the submission itself, the
// system's overdue flags and callback records (a phone call with the
// resident, which may name them).
constexpr const char* kNotUpdates = "('submit', 'supervise', 'callback')";
// Tickets per IN (...) list, well below SQLite's parameter limit.
constexpr size_t kIdsPerQuery = 500;

Open311Key KeyFromRow(const store::Row& r) {
  return Open311Key{r.Int(0), r.Text(1), r.Int(2), r.Text(3), r.Int(4), r.Int(5), r.OptInt(6)};
}

constexpr const char* kKeyColumns =
    "SELECT k.id, k.name, k.account_id, a.username, a.scope_node_id, k.created_at, k.revoked_at "
    "FROM open311_key k JOIN account a ON a.id = k.account_id ";

Jurisdiction JurisdictionFromRow(const store::Row& r) {
  return Jurisdiction{r.Int(0), r.Text(1), r.Text(2), r.Text(3)};
}

// What the event's data says about duplicates and reopening.
// The data is the domain's own JsonText (compact, keys quoted once), so a
// key is found by its quoted name followed by the colon.
void ReadEventData(std::string_view data, Open311Update& update) {
  update.duplicate = data.find("\"duplicate_of\":") != std::string_view::npos;
  update.reopened = data.find("\"reopened\":true") != std::string_view::npos;
}

}  // namespace

core::Status Open311Directory::RequireAdmin(const Caller* creator, std::string_view path) const {
  if (creator == nullptr) return core::Ok();
  CG_TRY(creator->Require(Permission::kAccountsAdmin));
  if (!creator->InScope(path)) return Error::Forbidden("该节点不在管辖范围内");
  return core::Ok();
}

core::Result<CreatedOpen311Key> Open311Directory::CreateKey(const Caller* creator,
                                                            const NewOpen311Key& in) {
  CG_ASSIGN_OR_RETURN(const std::string name, CleanName(in.name, "name"));
  if (in.key && (in.key->size() < 16 || in.key->size() > 200)) {
    return Error::Invalid("key", "指定的密钥应为 16–200 个字符");
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  auto node = conn->QueryOne("SELECT kind, path FROM org_node WHERE id = $1", {in.scope_node_id});
  if (!node.ok()) return Error::Invalid("scope_node_id", "节点不存在");
  const std::string& kind = node->Text(0);
  if (kind != "county" && kind != "city" && kind != "province") {
    return Error::Invalid("scope_node_id", "Open311 密钥应属于县（区）或以上节点");
  }
  CG_TRY(RequireAdmin(creator, node->Text(1)));
  const std::string plain = in.key.value_or("o311_" + core::RandomToken(24));
  const std::string hash = core::Sha256Hex(plain);
  CG_ASSIGN_OR_RETURN(store::Rows existing,
                      conn->Query(std::string(kKeyColumns) + "WHERE k.key_hash = $1", {hash}));
  if (!existing.empty()) {
    if (!in.key) return Error::Conflict("密钥冲突，请重试", "key");
    return CreatedOpen311Key{KeyFromRow(existing.front()), plain};
  }
  // The integration's own account: it files like a resident and reads what
  // a resident may read. Its password is random and never shown: the account
  // is used only through the key.
  NewAccount account;
  account.username = in.key ? "open311-demo" : "open311-" + core::RandomToken(6);
  account.display_name = "Open311 " + name;
  account.password = core::RandomToken(32);
  account.role = Role::kResident;
  account.scope_node_id = in.scope_node_id;
  CG_ASSIGN_OR_RETURN(int64_t account_id, accounts_.CreateAccount(creator, account));
  const int64_t now = clock_.NowMs();
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(int64_t id, conn->QueryInt("INSERT INTO open311_key (key_hash, name, "
                                                 "account_id, created_at) VALUES ($1, $2, $3, "
                                                 "$4) RETURNING id",
                                                 {hash, name, account_id, now}));
  if (creator != nullptr) {
    CG_TRY(audit_.Append(*conn, *creator, "open311_key.create", "open311_key", id, name));
  }
  CG_TRY(tx.Commit());
  return CreatedOpen311Key{
      Open311Key{id, name, account_id, account.username, in.scope_node_id, now, std::nullopt},
      plain};
}

core::Result<Caller> Open311Directory::Authenticate(std::string_view plain_key) {
  const Error refused = Error::Forbidden("api_key 无效或已停用");
  if (plain_key.empty() || plain_key.size() > 200) return refused;
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query("SELECT a.username FROM open311_key k JOIN account a ON a.id = "
                                  "k.account_id WHERE k.key_hash = $1 AND k.revoked_at IS NULL",
                                  {core::Sha256Hex(plain_key)}));
  if (rows.empty()) return refused;
  auto caller = accounts_.CallerForUsername(rows.front().Text(0));
  if (!caller.ok()) {
    if (caller.error().code == core::ErrorCode::kUnavailable) return caller.error();
    return refused;
  }
  caller->request_id = "open311";
  return caller;
}

core::Status Open311Directory::RevokeKey(const Caller* creator, int64_t id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  auto row = conn->QueryOne(
      "SELECT n.path FROM open311_key k JOIN account a ON a.id = k.account_id JOIN org_node n ON "
      "n.id = a.scope_node_id WHERE k.id = $1",
      {id});
  if (!row.ok()) return Error::NotFound("Open311 密钥不存在");
  CG_TRY(RequireAdmin(creator, row->Text(0)));
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(int64_t n, conn->Execute("UPDATE open311_key SET revoked_at = $1 WHERE id = "
                                               "$2 AND revoked_at IS NULL",
                                               {clock_.NowMs(), id}));
  if (n > 0 && creator != nullptr) {
    CG_TRY(audit_.Append(*conn, *creator, "open311_key.revoke", "open311_key", id, ""));
  }
  return tx.Commit();
}

core::Result<std::vector<Open311Key>> Open311Directory::ListKeys() {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn->Query(std::string(kKeyColumns) + "ORDER BY k.id"));
  std::vector<Open311Key> out;
  for (const auto& r : rows) out.push_back(KeyFromRow(r));
  return out;
}

core::Result<Jurisdiction> Open311Directory::FindJurisdiction(
    const std::optional<std::string>& jurisdiction_id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  constexpr const char* kCounty =
      "SELECT id, code, name, path FROM org_node WHERE kind = 'county' ";
  if (jurisdiction_id) {
    CG_ASSIGN_OR_RETURN(store::Rows rows,
                        conn->Query(std::string(kCounty) + "AND code = $1", {*jurisdiction_id}));
    if (rows.empty()) return Error::NotFound("jurisdiction_id 未找到：" + *jurisdiction_id);
    return JurisdictionFromRow(rows.front());
  }
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn->Query(std::string(kCounty) + "ORDER BY id LIMIT 2"));
  if (rows.empty()) return Error::NotFound("尚未建立县级节点");
  if (rows.size() > 1) {
    return Error::Invalid("jurisdiction_id", "本服务覆盖多个县（区），请指明 jurisdiction_id");
  }
  return JurisdictionFromRow(rows.front());
}

core::Result<std::optional<int64_t>> Open311Directory::NodeNamedIn(const Jurisdiction& jurisdiction,
                                                                   std::string_view address) {
  PathRange range = SubtreeRange(jurisdiction.path);
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query("SELECT id, name FROM org_node WHERE kind IN ('community', "
                                  "'grid') AND path >= $1 AND path < $2 ORDER BY id",
                                  {range.lo, range.hi}));
  std::optional<int64_t> best;
  size_t best_length = 0;
  for (const auto& r : rows) {
    const std::string& name = r.Text(1);
    if (name.size() > best_length && address.find(name) != std::string_view::npos) {
      best = r.Int(0);
      best_length = name.size();
    }
  }
  return best;
}

core::Result<int64_t> Open311Directory::ServicesChangedAt() {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  return conn->QueryInt("SELECT COALESCE(MAX(updated_at), 0) FROM ticket_category");
}

core::Result<std::map<int64_t, std::string>> Open311Directory::StatusNotes(
    const Caller& reader, const std::vector<int64_t>& ticket_ids) {
  std::map<int64_t, std::string> out;
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  for (size_t start = 0; start < ticket_ids.size(); start += kIdsPerQuery) {
    const size_t end = std::min(ticket_ids.size(), start + kIdsPerQuery);
    SqlWhere w;
    std::string list;
    for (size_t i = start; i < end; ++i)
      list += (list.empty() ? "" : ", ") + w.Param(ticket_ids[i]);
    w.And("e.ticket_id IN (" + list + ") AND e.note <> '' AND e.type NOT IN " + kNotUpdates);
    w.And(VisiblePredicate(reader, w));
    CG_ASSIGN_OR_RETURN(
        store::Rows rows,
        conn->Query("SELECT e.ticket_id, e.note FROM ticket_event e JOIN ticket t ON t.id = "
                    "e.ticket_id WHERE " +
                        w.sql() + " ORDER BY e.ticket_id, e.seq",
                    w.params()));
    for (const auto& r : rows) out[r.Int(0)] = r.Text(1);  // the last one wins
  }
  return out;
}

core::Result<std::vector<Open311Update>> Open311Directory::Updates(const Caller& reader,
                                                                   const Jurisdiction& j,
                                                                   int64_t from, int64_t to,
                                                                   int64_t limit) {
  PathRange range = SubtreeRange(j.path);
  SqlWhere w;
  w.And("e.at >= " + w.Param(from) + " AND e.at < " + w.Param(to));
  w.And(Unindexed("t.path") + " >= " + w.Param(range.lo) + " AND " + Unindexed("t.path") + " < " +
        w.Param(range.hi));
  w.And(std::string("e.type NOT IN ") + kNotUpdates);
  w.And(VisiblePredicate(reader, w, true));
  const std::string limit_p = w.Param(limit);
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query("SELECT e.id, t.number, e.type, e.state_after, e.at, e.note, e.data, (SELECT "
                  "MIN(ta.attachment_id) FROM ticket_attachment ta WHERE ta.event_id = e.id) "
                  "FROM ticket_event e JOIN ticket t ON t.id = e.ticket_id WHERE " +
                      w.sql() + " ORDER BY e.at, e.id LIMIT " + limit_p,
                  w.params()));
  std::vector<Open311Update> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    Open311Update u;
    u.event_id = r.Int(0);
    u.ticket_number = r.Text(1);
    u.type = ParseTicketEventType(r.Text(2), "type").value();
    u.state_after = ParseTicketState(r.Text(3), "state_after").value();
    u.at = r.Int(4);
    u.note = r.Text(5);
    ReadEventData(r.Text(6), u);
    u.attachment_id = r.OptInt(7);
    out.push_back(std::move(u));
  }
  return out;
}

Caller Open311Directory::PublicReader(const Jurisdiction& jurisdiction) {
  Caller reader;
  reader.account_id = 0;  // no account: visibility is the public tickets only
  reader.username = "open311-public";
  reader.role = Role::kResident;
  reader.scope_node_id = jurisdiction.node_id;
  reader.scope_path = jurisdiction.path;
  reader.request_id = "open311";
  return reader;
}

}  // namespace civicgrid::domain
