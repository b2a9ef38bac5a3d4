#include "domain/access/registration.h"

#include <algorithm>

#include "core/pii.h"

namespace civicgrid::domain {
namespace {

using core::Error;
using core::ErrorCode;

constexpr std::string_view kSelect =
    "SELECT a.id, a.username, a.display_name, a.phone_masked, c.id, c.name, "
    "a.registration_state, a.resident_id, a.registration_note, a.created_at, c.path FROM account "
    "a JOIN org_node c ON c.id = a.home_node_id ";
// The communities the caller serves: inside its scope, or containing it (a grid worker).
constexpr std::string_view kServed =
    "((c.path >= $1 AND c.path < $2) OR substr(CAST($3 AS TEXT), 1, length(c.path)) = c.path)";

Registration FromRow(const store::Row& row) {
  Registration r;
  r.account_id = row.Int(0);
  r.username = row.Text(1);
  r.display_name = row.Text(2);
  r.phone_masked = row.OptText(3);
  r.community_id = row.Int(4);
  r.community_name = row.Text(5);
  r.state = row.OptText(6).value_or("");
  r.resident_id = row.OptInt(7);
  r.note = row.Text(8);
  r.created_at_ms = row.Int(9);
  return r;
}

int64_t IdOf(const Registration& r) { return r.account_id; }

// Six decimal digits, uniform: base64url characters below 60 taken mod 10.
std::string SixDigits() {
  constexpr std::string_view kB64 =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string code;
  while (code.size() < 6) {
    for (char c : core::RandomToken(16)) {
      size_t v = kB64.find(c);
      if (v < 60 && code.size() < 6) code += static_cast<char>('0' + v % 10);
    }
  }
  return code;
}

core::Result<std::string> CleanPhone(std::string_view raw) {
  std::string phone = core::NormalizePhone(raw);
  CG_TRY(core::ValidatePhone(phone, "phone"));
  if (phone.size() != 11 || phone[0] != '1') return Error::Invalid("phone", "请填写手机号码");
  return phone;
}

core::Status CheckState(std::string_view state) {
  if (state == "pending" || state == "confirmed" || state == "declined") return core::Ok();
  return Error::Invalid("state", "应为 pending、confirmed 或 declined");
}

}  // namespace

core::Result<std::vector<CommunityChoice>> RegistrationService::Communities() {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query("SELECT c.id, c.name, s.id, s.name FROM org_node c LEFT JOIN "
                                  "org_node s ON s.id = c.parent_id WHERE c.kind = 'community' "
                                  "ORDER BY c.id LIMIT 10000"));
  std::vector<CommunityChoice> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    out.push_back({r.Int(0), r.Text(1), r.OptInt(2), r.OptText(3).value_or("")});
  }
  return out;
}

core::Status RegistrationService::RequestCode(std::string_view raw_phone, RetryAfter& retry_after) {
  CG_ASSIGN_OR_RETURN(std::string phone, CleanPhone(raw_phone));
  store::Blob phone_hash{cipher_.LookupHash("phone:" + phone)};
  const int64_t now = clock_.NowMs();
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(
      int64_t taken,
      conn->QueryInt("SELECT COUNT(*) FROM account WHERE phone_hash = $1", {phone_hash}));
  if (taken > 0) return Error::Conflict("该手机号已注册，请直接登录", "phone");
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(store::Rows sent,
                      conn->Query("SELECT created_at FROM sms_code WHERE phone_hash = $1 AND "
                                  "created_at > $2 ORDER BY created_at",
                                  {phone_hash, now - core::kMsPerHour}));
  int64_t wait_ms = 0;
  if (!sent.empty()) wait_ms = sent.back().Int(0) + options_.min_interval_ms - now;
  if (static_cast<int>(sent.size()) >= options_.max_per_hour) {
    int64_t oldest = sent[sent.size() - static_cast<size_t>(options_.max_per_hour)].Int(0);
    wait_ms = std::max(wait_ms, oldest + core::kMsPerHour - now);
  }
  if (wait_ms > 0) {
    retry_after.seconds = (wait_ms + 999) / 1000;
    return Error{ErrorCode::kRateLimited,
                 "获取验证码过于频繁，请 " + std::to_string(retry_after.seconds) + " 秒后再试",
                 "phone"};
  }
  std::string code = SixDigits();
  CG_ASSIGN_OR_RETURN(
      auto n,
      conn->Execute("INSERT INTO sms_code (phone_hash, code_hash, "
                    "created_at, expires_at) VALUES ($1, $2, $3, $4)",
                    {phone_hash, store::Blob{cipher_.LookupHash("sms:" + phone + ":" + code)}, now,
                     now + options_.code_ttl_ms}));
  (void)n;
  CG_TRY(tx.Commit());
  auto delivered = sms_.Send(phone, "【civicgrid】您的注册验证码为 " + code + "，" +
                                        std::to_string(options_.code_ttl_ms / core::kMsPerMinute) +
                                        " 分钟内有效。如非本人操作请忽略。");
  if (!delivered.ok()) return Error{ErrorCode::kUnavailable, "短信发送失败，请稍后再试", "phone"};
  return core::Ok();
}

core::Status RegistrationService::CheckCode(store::Connection& conn, const std::string& phone,
                                            const std::string& code) {
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn.Query("SELECT id, code_hash, attempts FROM sms_code WHERE phone_hash = $1 AND used = 0 "
                 "AND expires_at > $2 ORDER BY created_at DESC, id DESC LIMIT 1",
                 {store::Blob{cipher_.LookupHash("phone:" + phone)}, clock_.NowMs()}));
  if (rows.empty()) return Error::Invalid("code", "验证码无效或已过期，请重新获取");
  const int64_t id = rows[0].Int(0);
  if (rows[0].Int(2) >= options_.max_attempts) {
    return Error::Invalid("code", "验证码错误次数过多，请重新获取");
  }
  const std::string expected = cipher_.LookupHash("sms:" + phone + ":" + code);
  const std::string& stored = rows[0].Text(1);
  if (stored.size() != expected.size() || !core::ConstantTimeEquals(stored, expected)) {
    CG_ASSIGN_OR_RETURN(auto n, conn.Execute("UPDATE sms_code SET attempts = attempts + 1 WHERE "
                                             "id = $1",
                                             {id}));
    (void)n;
    return Error::Invalid("code", "验证码不正确");
  }
  CG_ASSIGN_OR_RETURN(auto n, conn.Execute("UPDATE sms_code SET used = 1 WHERE id = $1", {id}));
  (void)n;
  return core::Ok();
}

core::Result<int64_t> RegistrationService::Insert(store::Connection& conn, const NewRegistration& r,
                                                  const std::string& phone,
                                                  const std::string& name) {
  auto hash = core::HashPassword(r.password, options_.password);
  if (!hash.ok()) return Error::Invalid("password", hash.error().message);
  SealedPii sealed = SealPhone(cipher_, phone);
  const int64_t now = clock_.NowMs();
  const std::string username = "r" + core::Sha256Hex(core::RandomToken()).substr(0, 11);
  auto id = conn.QueryInt(
      "INSERT INTO account (username, display_name, password_hash, role, scope_node_id, "
      "created_at, password_changed_at, phone_enc, phone_hash, phone_masked, home_node_id, "
      "registration_state) VALUES ($1, $2, $3, 'resident', $4, $5, $5, $6, $7, $8, $4, "
      "'pending') RETURNING id",
      {username, name, *hash, r.community_id, now, sealed.enc, sealed.hash, sealed.masked});
  if (!id.ok() && id.error().code == ErrorCode::kConflict) {
    return Error::Conflict("该手机号已注册，请直接登录", "phone");
  }
  return id;
}

core::Result<int64_t> RegistrationService::CreatePending(const NewRegistration& r,
                                                         const std::string& phone,
                                                         const std::string& name) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(int64_t community,
                      conn->QueryInt("SELECT COUNT(*) FROM org_node WHERE id = $1 AND kind = "
                                     "'community'",
                                     {r.community_id}));
  if (community == 0) return Error::Invalid("community_id", "社区不存在");
  CG_ASSIGN_OR_RETURN(int64_t taken,
                      conn->QueryInt("SELECT COUNT(*) FROM account WHERE phone_hash = $1",
                                     {store::Blob{cipher_.LookupHash("phone:" + phone)}}));
  if (taken > 0) return Error::Conflict("该手机号已注册，请直接登录", "phone");
  CG_TRY(CheckCode(*conn, phone, r.code));
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(int64_t id, Insert(*conn, r, phone, name));
  Caller self;
  self.account_id = id;
  self.role = Role::kResident;
  self.request_id = "registration";
  CG_TRY(audit_.Append(*conn, self, "registration.create", "account", id,
                       "community_id=" + std::to_string(r.community_id)));
  CG_TRY(tx.Commit());
  return id;
}

core::Result<LoginResult> RegistrationService::Register(const NewRegistration& r) {
  CG_ASSIGN_OR_RETURN(std::string phone, CleanPhone(r.phone));
  if (r.code.size() != 6 ||
      !std::all_of(r.code.begin(), r.code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return Error::Invalid("code", "验证码应为 6 位数字");
  }
  CG_ASSIGN_OR_RETURN(std::string name, CleanName(r.name, "name", 60));
  if (r.password.size() < options_.password.min_length) {
    return Error::Invalid("password",
                          "密码至少 " + std::to_string(options_.password.min_length) + " 个字符");
  }
  CG_ASSIGN_OR_RETURN(int64_t id, CreatePending(r, phone, name));
  return accounts_.StartSession(id);
}

core::Result<Registration> RegistrationService::Load(store::Connection& conn, const Caller& caller,
                                                     int64_t account_id) {
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn.Query(std::string(kSelect) + "WHERE " + std::string(kServed) +
                     " AND a.id = $4 AND a.registration_state IS NOT NULL",
                 {caller.Scope().lo, caller.Scope().hi, caller.scope_path, account_id}));
  if (rows.empty()) return Error::NotFound("注册申请不存在");
  return FromRow(rows[0]);
}

core::Result<PageOf<Registration>> RegistrationService::List(const Caller& caller,
                                                             std::string_view state,
                                                             const Page& page) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  CG_TRY(CheckState(state));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query(std::string(kSelect) + "WHERE " + std::string(kServed) +
                                      " AND a.registration_state = $4 AND a.id > $5 ORDER BY "
                                      "a.id LIMIT $6",
                                  {caller.Scope().lo, caller.Scope().hi, caller.scope_path,
                                   std::string(state), page.after, page.limit}));
  std::vector<Registration> items;
  for (const auto& row : rows) items.push_back(FromRow(row));
  return FinishPage(std::move(items), page, IdOf);
}

core::Result<Registration> RegistrationService::Confirm(const Caller& caller, int64_t account_id,
                                                        int64_t resident_id) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Registration reg, Load(*conn, caller, account_id));
  if (reg.state != "pending") return Error::Conflict("该注册申请已处理", "state");
  CG_ASSIGN_OR_RETURN(
      store::Rows res,
      conn->Query("SELECT r.phone_hash, a.phone_hash FROM resident r JOIN org_node n ON n.id = "
                  "r.node_id JOIN org_node c ON c.id = $2 JOIN account a ON a.id = $3 WHERE r.id "
                  "= $1 AND substr(n.path, 1, length(c.path)) = c.path",
                  {resident_id, reg.community_id, account_id}));
  if (res.empty()) return Error::Invalid("resident_id", "居民不存在或不在该社区");
  if (!res[0].IsNull(0) && res[0].Text(0) != res[0].Text(1)) {
    return Error::Invalid("resident_id", "居民登记的手机号与注册手机号不一致");
  }
  CG_ASSIGN_OR_RETURN(
      int64_t linked,
      conn->QueryInt("SELECT COUNT(*) FROM account WHERE resident_id = $1", {resident_id}));
  if (linked > 0) return Error::Conflict("该居民已关联其他账号", "resident_id");
  CG_ASSIGN_OR_RETURN(auto n, conn->Execute("UPDATE account SET resident_id = $1, "
                                            "registration_state = 'confirmed', version = version "
                                            "+ 1 WHERE id = $2",
                                            {resident_id, account_id}));
  (void)n;
  CG_TRY(audit_.Append(*conn, caller, "registration.confirm", "account", account_id,
                       "resident_id=" + std::to_string(resident_id)));
  CG_ASSIGN_OR_RETURN(Registration out, Load(*conn, caller, account_id));
  CG_TRY(tx.Commit());
  accounts_.ForgetAccountSessions(account_id);  // its Caller now has a resident_id
  return out;
}

core::Result<Registration> RegistrationService::Decline(const Caller& caller, int64_t account_id,
                                                        std::string_view reason) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  CG_ASSIGN_OR_RETURN(std::string note, CleanText(reason, "reason", 200, true));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Registration reg, Load(*conn, caller, account_id));
  if (reg.state != "pending") return Error::Conflict("该注册申请已处理", "state");
  CG_ASSIGN_OR_RETURN(auto n, conn->Execute("UPDATE account SET registration_state = 'declined', "
                                            "registration_note = $1, version = version + 1 "
                                            "WHERE id = $2",
                                            {note, account_id}));
  (void)n;
  CG_TRY(audit_.Append(*conn, caller, "registration.decline", "account", account_id, note));
  CG_ASSIGN_OR_RETURN(Registration out, Load(*conn, caller, account_id));
  CG_TRY(tx.Commit());
  return out;
}

}  // namespace civicgrid::domain
