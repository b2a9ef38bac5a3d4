#include "domain/access/account_service.h"

#include <algorithm>

#include "core/pii.h"

namespace civicgrid::domain {
namespace {

using core::Error;
using core::ErrorCode;

Error Unauthenticated(std::string message = "未登录或会话已过期") {
  return Error{ErrorCode::kUnauthenticated, std::move(message), {}};
}

Error BadCredentials() { return Error{ErrorCode::kUnauthenticated, "用户名或密码错误", {}}; }

core::Status ValidateUsername(std::string_view username) {
  if (username.size() < 3 || username.size() > 64) {
    return Error::Invalid("username", "用户名长度应为 3–64 个字符");
  }
  for (char c : username) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    if (!ok) return Error::Invalid("username", "用户名只能包含字母、数字和 _ - .");
  }
  return core::Ok();
}

// The person or unit an account acts for must exist; a resident must live
// inside the account's own scope.
core::Status CheckLinks(store::Connection& conn, const NewAccount& a, const PathRange& scope) {
  if (a.resident_id) {
    CG_ASSIGN_OR_RETURN(int64_t n, conn.QueryInt("SELECT COUNT(*) FROM resident r JOIN org_node n "
                                                 "ON n.id = r.node_id WHERE r.id = $1 AND n.path "
                                                 ">= $2 AND n.path < $3",
                                                 {*a.resident_id, scope.lo, scope.hi}));
    if (n == 0) return Error::Invalid("resident_id", "居民不存在或不在账号的管辖范围内");
  }
  if (a.party_member_id) {
    CG_ASSIGN_OR_RETURN(int64_t n, conn.QueryInt("SELECT COUNT(*) FROM party_member WHERE id = $1",
                                                 {*a.party_member_id}));
    if (n == 0) return Error::Invalid("party_member_id", "党员不存在");
  }
  if (a.unit_id) {
    CG_ASSIGN_OR_RETURN(int64_t n,
                        conn.QueryInt("SELECT COUNT(*) FROM unit WHERE id = $1", {*a.unit_id}));
    if (n == 0) return Error::Invalid("unit_id", "单位不存在");
  }
  if (a.role == Role::kUnitAdmin && !a.unit_id) {
    return Error::Invalid("unit_id", "驻区单位管理员账号须指定单位");
  }
  return core::Ok();
}

}  // namespace

core::Result<Caller> AccountService::LoadCaller(store::Connection& conn, int64_t account_id) {
  auto row = conn.QueryOne(
      "SELECT a.id, a.username, a.role, a.scope_node_id, n.path, a.unit_id, a.party_member_id, "
      "a.resident_id, a.disabled, a.must_change_password FROM account a JOIN org_node n ON n.id "
      "= a.scope_node_id "
      "WHERE a.id = $1",
      {account_id});
  if (!row.ok()) return Unauthenticated();
  if (row->Int(8) != 0) return Unauthenticated("账号已停用");
  CG_ASSIGN_OR_RETURN(Role role, ParseRole(row->Text(2), "role"));
  Caller caller;
  caller.account_id = row->Int(0);
  caller.username = row->Text(1);
  caller.role = role;
  caller.scope_node_id = row->Int(3);
  caller.scope_path = row->Text(4);
  caller.unit_id = row->OptInt(5);
  caller.party_member_id = row->OptInt(6);
  caller.resident_id = row->OptInt(7);
  caller.must_change_password = row->Int(9) != 0;
  return caller;
}

core::Status AccountService::RecordFailure(store::Connection& conn, int64_t account_id,
                                           int failures) {
  int64_t locked_until = 0;
  if (failures >= options_.lock_after_failures) {
    int extra = std::min(failures - options_.lock_after_failures, 20);
    int64_t lock = std::min(options_.first_lock_ms << extra, options_.max_lock_ms);
    locked_until = clock_.NowMs() + lock;
  }
  CG_ASSIGN_OR_RETURN(auto n, conn.Execute("UPDATE account SET failed_logins = $1, locked_until = "
                                           "$2 WHERE id = $3",
                                           {failures, locked_until, account_id}));
  (void)n;
  return core::Ok();
}

core::Result<store::Rows> AccountService::FindForLogin(store::Connection& conn,
                                                       std::string_view username) {
  constexpr std::string_view kSelect =
      "SELECT id, password_hash, failed_logins, locked_until, disabled FROM account WHERE ";
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query(std::string(kSelect) + "username = $1", {username}));
  if (!rows.empty() || cipher_ == nullptr) return rows;
  // A self-registered resident signs in with the phone number.
  std::string phone = core::NormalizePhone(username);
  if (!core::ValidatePhone(phone, "username").ok()) return rows;
  return conn.Query(std::string(kSelect) + "phone_hash = $1",
                    {store::Blob{cipher_->LookupHash("phone:" + phone)}});
}

core::Result<LoginResult> AccountService::Login(std::string_view username,
                                                std::string_view password) {
  if (username.empty()) return Error::Invalid("username", "请输入用户名");
  if (password.empty()) return Error::Invalid("password", "请输入密码");
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(store::Rows rows, FindForLogin(*conn, username));
  if (rows.empty()) {
    // Same work as a real check, so response time does not reveal which
    // usernames exist.
    (void)core::VerifyPassword("$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", password);
    return BadCredentials();
  }
  const store::Row& acct = rows[0];
  int64_t now = clock_.NowMs();
  if (acct.Int(3) > now) {
    int64_t minutes = (acct.Int(3) - now + core::kMsPerMinute - 1) / core::kMsPerMinute;
    return Error{ErrorCode::kLocked,
                 "连续登录失败次数过多，账号已锁定，请 " + std::to_string(minutes) + " 分钟后再试",
                 "username"};
  }
  if (!core::VerifyPassword(acct.Text(1), password) || acct.Int(4) != 0) {
    CG_TRY(RecordFailure(*conn, acct.Int(0), static_cast<int>(acct.Int(2)) + 1));
    return BadCredentials();
  }
  return StartSessionOn(*conn, acct.Int(0));
}

core::Result<LoginResult> AccountService::StartSession(int64_t account_id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  return StartSessionOn(*conn, account_id);
}

core::Result<LoginResult> AccountService::StartSessionOn(store::Connection& conn,
                                                         int64_t account_id) {
  int64_t now = clock_.NowMs();
  LoginResult result;
  result.session_token = core::RandomToken();
  result.expires_at_ms = now + options_.session_ttl_ms;
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(conn));
  CG_ASSIGN_OR_RETURN(auto u, conn.Execute("UPDATE account SET failed_logins = 0, locked_until = "
                                           "0 WHERE id = $1",
                                           {account_id}));
  CG_ASSIGN_OR_RETURN(auto s, conn.Execute("INSERT INTO session (token_hash, account_id, "
                                           "created_at, expires_at) VALUES ($1, $2, $3, $4)",
                                           {core::Sha256Hex(result.session_token), account_id, now,
                                            result.expires_at_ms}));
  (void)u;
  (void)s;
  CG_TRY(tx.Commit());
  CG_ASSIGN_OR_RETURN(result.caller, LoadCaller(conn, account_id));
  return result;
}

core::Status AccountService::Logout(std::string_view session_token) {
  const std::string hash = core::Sha256Hex(session_token);
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto n, conn->Execute("DELETE FROM session WHERE token_hash = $1", {hash}));
  (void)n;
  sessions_.ForgetToken(hash);
  return core::Ok();
}

core::Result<Caller> AccountService::AuthenticateSession(std::string_view session_token) {
  if (session_token.empty()) return Unauthenticated();
  const std::string hash = core::Sha256Hex(session_token);
  const int64_t now = clock_.NowMs();
  if (auto cached = sessions_.Get(hash, now)) return std::move(*cached);
  const uint64_t generation = sessions_.generation();
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn->Query("SELECT account_id, expires_at FROM session "
                                                    "WHERE token_hash = $1 AND expires_at > $2",
                                                    {hash, now}));
  if (rows.empty()) return Unauthenticated();
  CG_ASSIGN_OR_RETURN(Caller caller, LoadCaller(*conn, rows[0].Int(0)));
  sessions_.Put(hash, caller, rows[0].Int(1), now, generation);
  return caller;
}

core::Result<Caller> AccountService::AuthenticateBearer(std::string_view api_token) {
  if (api_token.empty()) return Unauthenticated();
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query("SELECT account_id FROM api_token WHERE token_hash = $1 AND revoked_at IS NULL "
                  "AND (expires_at IS NULL OR expires_at > $2)",
                  {core::Sha256Hex(api_token), clock_.NowMs()}));
  if (rows.empty()) return Unauthenticated("API 令牌无效或已过期");
  return LoadCaller(*conn, rows[0].Int(0));
}

core::Result<int64_t> AccountService::CreateAccount(const Caller* creator,
                                                    const NewAccount& account) {
  if (creator != nullptr) {
    CG_TRY(creator->Require(Permission::kAccountsAdmin));
    if (!MayGrantRole(*creator, account.role)) {
      return Error::Invalid("role", "不能创建高于本人角色的账号");
    }
  }
  CG_TRY(ValidateUsername(account.username));
  if (account.display_name.empty()) return Error::Invalid("display_name", "请填写姓名");
  CG_ASSIGN_OR_RETURN(std::string hash, core::HashPassword(account.password, options_.password));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(store::Rows scope, conn->Query("SELECT path FROM org_node WHERE id = $1",
                                                     {account.scope_node_id}));
  if (scope.empty() || (creator != nullptr && !creator->InScope(scope[0].Text(0)))) {
    return Error::Invalid("scope_node_id", "管辖范围节点不存在");
  }
  CG_TRY(CheckLinks(*conn, account, SubtreeRange(scope[0].Text(0))));
  int64_t now = clock_.NowMs();
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  auto id = conn->QueryInt(
      "INSERT INTO account (username, display_name, password_hash, role, scope_node_id, unit_id, "
      "party_member_id, resident_id, created_at, password_changed_at) VALUES ($1, $2, $3, $4, $5, "
      "$6, $7, $8, $9, $9) RETURNING id",
      {account.username, account.display_name, hash, RoleName(account.role), account.scope_node_id,
       account.unit_id, account.party_member_id, account.resident_id, now});
  if (!id.ok() && id.error().code == ErrorCode::kConflict) {
    return Error::Conflict("用户名已存在", "username");
  }
  CG_TRY(id);
  if (creator != nullptr) {
    CG_TRY(audit_.Append(*conn, *creator, "account.create", "account", *id, account.username));
  }
  CG_TRY(tx.Commit());
  return *id;
}

core::Status AccountService::ChangePassword(const Caller& caller, std::string_view old_password,
                                            std::string_view new_password) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(store::Row row, conn->QueryOne("SELECT password_hash FROM account WHERE "
                                                     "id = $1",
                                                     {caller.account_id}));
  if (!core::VerifyPassword(row.Text(0), old_password)) {
    return Error::Invalid("old_password", "原密码不正确");
  }
  if (old_password == new_password) return Error::Invalid("new_password", "新密码不能与原密码相同");
  auto hash = core::HashPassword(new_password, options_.password);
  if (!hash.ok()) return Error::Invalid("new_password", hash.error().message);
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(auto n, conn->Execute("UPDATE account SET password_hash = $1, "
                                            "password_changed_at = $2, must_change_password = 0, "
                                            "version = version + 1 WHERE id = $3",
                                            {*hash, clock_.NowMs(), caller.account_id}));
  // Other sessions end with the old password.
  CG_ASSIGN_OR_RETURN(
      auto m, conn->Execute("DELETE FROM session WHERE account_id = $1", {caller.account_id}));
  (void)n;
  (void)m;
  CG_TRY(audit_.Append(*conn, caller, "account.password", "account", caller.account_id, ""));
  CG_TRY(tx.Commit());
  sessions_.ForgetAccount(caller.account_id);
  return core::Ok();
}

core::Result<std::string> AccountService::CreateApiToken(const Caller& caller,
                                                         std::string_view name,
                                                         std::optional<int64_t> expires_at_ms) {
  if (name.empty() || name.size() > 100) return Error::Invalid("name", "令牌名称应为 1–100 个字符");
  int64_t now = clock_.NowMs();
  if (expires_at_ms && *expires_at_ms <= now)
    return Error::Invalid("expires_at", "过期时间应晚于现在");
  std::string token = "cg_" + core::RandomToken();
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(
      int64_t id,
      conn->QueryInt("INSERT INTO api_token (account_id, name, token_hash, "
                     "created_at, expires_at) VALUES ($1, $2, $3, $4, $5) "
                     "RETURNING id",
                     {caller.account_id, name, core::Sha256Hex(token), now, expires_at_ms}));
  CG_TRY(audit_.Append(*conn, caller, "token.create", "api_token", id, std::string(name)));
  CG_TRY(tx.Commit());
  return token;
}

core::Result<AccountView> AccountService::Describe(const Caller& caller) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(store::Row row,
                      conn->QueryOne("SELECT a.display_name, n.name, n.kind FROM account a JOIN "
                                     "org_node n ON n.id = a.scope_node_id WHERE a.id = $1",
                                     {caller.account_id}));
  return AccountView{caller.account_id,    caller.username, row.Text(0), caller.role,
                     caller.scope_node_id, row.Text(1),     row.Text(2)};
}

core::Result<Caller> AccountService::CallerForUsername(std::string_view username) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query("SELECT id FROM account WHERE username = $1", {username}));
  if (rows.empty()) return Error::Invalid("as", "账号不存在: " + std::string(username));
  return LoadCaller(*conn, rows[0].Int(0));
}

}  // namespace civicgrid::domain
