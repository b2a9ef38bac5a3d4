// Account administration: list, read, disable, re-scope, reset password; and
// the caller's own profile for /me. Part of AccountService.
#include <string>

#include "domain/access/account_service.h"

namespace civicgrid::domain {
namespace {

using core::Error;

constexpr std::string_view kSelect =
    "SELECT a.id, a.username, a.display_name, a.role, a.scope_node_id, n.name, n.kind, "
    "a.disabled, a.must_change_password, a.phone_masked, a.unit_id, a.party_member_id, "
    "a.resident_id, a.home_node_id, a.registration_state, a.version, a.created_at FROM account a "
    "JOIN org_node n ON n.id = a.scope_node_id ";

AccountRecord FromRow(const store::Row& row) {
  AccountRecord a;
  a.id = row.Int(0);
  a.username = row.Text(1);
  a.display_name = row.Text(2);
  auto role = ParseRole(row.Text(3), "role");
  a.role = role.ok() ? *role : Role::kResident;
  a.scope_node_id = row.Int(4);
  a.scope_name = row.Text(5);
  a.scope_kind = row.Text(6);
  a.disabled = row.Int(7) != 0;
  a.must_change_password = row.Int(8) != 0;
  a.phone_masked = row.OptText(9);
  a.unit_id = row.OptInt(10);
  a.party_member_id = row.OptInt(11);
  a.resident_id = row.OptInt(12);
  a.home_node_id = row.OptInt(13);
  a.registration_state = row.OptText(14);
  a.version = row.Int(15);
  a.created_at_ms = row.Int(16);
  return a;
}

int64_t IdOf(const AccountRecord& a) { return a.id; }

// 12 characters from an alphabet without look-alikes (no 0/O, 1/l/I).
std::string TemporaryPassword() {
  constexpr std::string_view kAlphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::string random = core::RandomToken(12);
  std::string out;
  for (unsigned char c : random.substr(0, 24)) {
    if (out.size() == 12) break;
    out += kAlphabet[c % kAlphabet.size()];
  }
  while (out.size() < 12) out += kAlphabet[out.size()];
  return out;
}

std::string EscapeLike(std::string_view q) {
  std::string out;
  for (char c : q) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

core::Status CheckNotSelf(const Caller& caller, int64_t id) {
  if (caller.account_id == id) return Error::Forbidden("不能修改自己的账号，请由上级管理员操作");
  return core::Ok();
}

}  // namespace

bool MayGrantRole(const Caller& caller, Role role) {
  return static_cast<int>(role) >= static_cast<int>(caller.role);
}

core::Result<PageOf<AccountRecord>> AccountService::ListAccounts(const Caller& caller,
                                                                 const AccountFilter& filter) {
  CG_TRY(caller.Require(Permission::kAccountsAdmin));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(PathRange range, WithinScope(*conn, caller, filter.within));
  Conditions where;
  where.And("n.path >= " + where.Bind(range.lo) + " AND n.path < " + where.Bind(range.hi));
  where.And("a.id > " + where.Bind(filter.page.after));
  if (filter.role) where.And("a.role = " + where.Bind(std::string(RoleName(*filter.role))));
  if (filter.disabled) where.And("a.disabled = " + where.Bind(int64_t{*filter.disabled ? 1 : 0}));
  if (filter.q && !filter.q->empty()) {
    where.And("lower(a.username) LIKE lower(" + where.Bind("%" + EscapeLike(*filter.q) + "%") +
              ") ESCAPE '\\'");
  }
  std::string sql = std::string(kSelect) + "WHERE " + where.Sql() + " ORDER BY a.id LIMIT " +
                    where.Bind(filter.page.limit);
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn->Query(sql, where.params()));
  std::vector<AccountRecord> items;
  for (const auto& row : rows) items.push_back(FromRow(row));
  return FinishPage(std::move(items), filter.page, IdOf);
}

core::Result<AccountRecord> AccountService::LoadRecord(store::Connection& conn,
                                                       const Caller& caller, int64_t id) {
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn.Query(std::string(kSelect) + "WHERE a.id = $1 AND "
                                                                          "n.path >= $2 AND "
                                                                          "n.path < $3",
                                                   {id, caller.Scope().lo, caller.Scope().hi}));
  if (rows.empty()) return Error::NotFound("账号不存在");
  return FromRow(rows[0]);
}

core::Result<AccountRecord> AccountService::GetAccount(const Caller& caller, int64_t id) {
  CG_TRY(caller.Require(Permission::kAccountsAdmin));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  return LoadRecord(*conn, caller, id);
}

core::Result<AccountRecord> AccountService::UpdateAccount(const Caller& caller, int64_t id,
                                                          const AccountChange& change) {
  CG_TRY(caller.Require(Permission::kAccountsAdmin));
  CG_TRY(CheckNotSelf(caller, id));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(AccountRecord current, LoadRecord(*conn, caller, id));
  if (change.version && *change.version != current.version) {
    return Error::Conflict("账号已被他人修改，请刷新后重试", "version");
  }
  if (!MayGrantRole(caller, current.role)) return Error::Forbidden("不能修改高于本人角色的账号");
  Role role = change.role.value_or(current.role);
  if (!MayGrantRole(caller, role)) return Error::Invalid("role", "不能授予高于本人角色的角色");
  int64_t scope = change.scope_node_id.value_or(current.scope_node_id);
  if (change.scope_node_id) {
    CG_ASSIGN_OR_RETURN(std::string kind, NodeKindInScope(*conn, caller, scope));
    if (kind.empty()) return Error::Invalid("scope_node_id", "管辖范围节点不存在");
  }
  if (role == Role::kUnitAdmin && !current.unit_id) {
    return Error::Invalid("role", "驻区单位管理员账号须指定单位");
  }
  bool disabled = change.disabled.value_or(current.disabled);
  CG_ASSIGN_OR_RETURN(auto n, conn->Execute("UPDATE account SET disabled = $1, role = $2, "
                                            "scope_node_id = $3, version = version + 1 WHERE id "
                                            "= $4",
                                            {disabled, std::string(RoleName(role)), scope, id}));
  (void)n;
  if (disabled || role != current.role || scope != current.scope_node_id) {
    CG_ASSIGN_OR_RETURN(auto m, conn->Execute("DELETE FROM session WHERE account_id = $1", {id}));
    (void)m;
  }
  std::string detail = "disabled=" + std::to_string(disabled) +
                       " role=" + std::string(RoleName(role)) +
                       " scope_node_id=" + std::to_string(scope);
  CG_TRY(audit_.Append(*conn, caller, "account.update", "account", id, detail));
  CG_ASSIGN_OR_RETURN(AccountRecord updated, LoadRecord(*conn, caller, id));
  CG_TRY(tx.Commit());
  sessions_.ForgetAccount(id);
  return updated;
}

core::Result<std::string> AccountService::ResetPassword(const Caller& caller, int64_t id) {
  CG_TRY(caller.Require(Permission::kAccountsAdmin));
  CG_TRY(CheckNotSelf(caller, id));
  std::string password = TemporaryPassword();
  CG_ASSIGN_OR_RETURN(std::string hash, core::HashPassword(password, options_.password));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(AccountRecord current, LoadRecord(*conn, caller, id));
  if (!MayGrantRole(caller, current.role)) return Error::Forbidden("不能重置高于本人角色的账号");
  CG_ASSIGN_OR_RETURN(auto n, conn->Execute("UPDATE account SET password_hash = $1, "
                                            "must_change_password = 1, failed_logins = 0, "
                                            "locked_until = 0, password_changed_at = $2, version "
                                            "= version + 1 WHERE id = $3",
                                            {hash, clock_.NowMs(), id}));
  CG_ASSIGN_OR_RETURN(auto m, conn->Execute("DELETE FROM session WHERE account_id = $1", {id}));
  (void)n;
  (void)m;
  CG_TRY(audit_.Append(*conn, caller, "account.password_reset", "account", id, current.username));
  CG_TRY(tx.Commit());
  sessions_.ForgetAccount(id);
  return password;
}

core::Result<AccountProfile> AccountService::Profile(const Caller& caller) {
  AccountProfile p;
  p.must_change_password = caller.must_change_password;
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  if (caller.resident_id) {
    CG_ASSIGN_OR_RETURN(store::Rows staff,
                        conn->Query("SELECT id FROM staff WHERE resident_id = $1 ORDER BY id "
                                    "LIMIT 1",
                                    {*caller.resident_id}));
    if (!staff.empty()) p.staff_id = staff[0].Int(0);
  }
  CG_ASSIGN_OR_RETURN(store::Rows grids,
                      conn->Query("SELECT g.id FROM org_node g WHERE g.kind = 'grid' AND (g.id = "
                                  "$1 OR g.id IN (SELECT grid_id FROM grid_assignment WHERE "
                                  "staff_id = $2)) ORDER BY g.id",
                                  {caller.scope_node_id, p.staff_id.value_or(0)}));
  for (const auto& g : grids) p.grids.push_back(g.Int(0));
  // Home: the community of the linked resident, else the one registered in.
  CG_ASSIGN_OR_RETURN(
      store::Rows home,
      conn->Query("SELECT c.id, c.name, a.registration_state FROM account a LEFT JOIN resident r "
                  "ON r.id = a.resident_id LEFT JOIN org_node rn ON rn.id = r.node_id JOIN "
                  "org_node c ON c.kind = 'community' AND (c.id = a.home_node_id OR (rn.path IS "
                  "NOT NULL AND substr(rn.path, 1, length(c.path)) = c.path)) WHERE a.id = $1 "
                  "ORDER BY (c.id = a.home_node_id) LIMIT 1",
                  {caller.account_id}));
  if (!home.empty()) {
    p.home_id = home[0].Int(0);
    p.home_name = home[0].Text(1);
    p.registration_state = home[0].OptText(2);
  }
  return p;
}

}  // namespace civicgrid::domain
