// Accounts, sessions and API tokens: login with argon2id-hashed passwords,
// lockout with back-off after repeated failures, session and bearer tokens
// stored only as SHA-256 hashes, password change. Resolves a token to the
// Caller every other service takes. Thread-safe (state lives in the database;
// resolved sessions are also kept in memory for a few seconds, see SessionCache).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/crypto.h"
#include "core/time.h"
#include "domain/access/audit_log.h"
#include "domain/access/caller.h"
#include "domain/access/session_cache.h"
#include "domain/registry/common.h"
#include "store/pool.h"

namespace civicgrid::domain {

struct AccountOptions {
  core::PasswordOptions password;                  // argon2id cost and length rules
  int64_t session_ttl_ms = 12 * core::kMsPerHour;  // a session lives this long
  int lock_after_failures = 5;                     // consecutive failures before a lock
  int64_t first_lock_ms = core::kMsPerMinute;      // doubled on each further failure
  int64_t max_lock_ms = core::kMsPerHour;          // the longest lock
  SessionCacheOptions session_cache{};             // sessions resolved without the database
};

struct NewAccount {
  std::string username;
  std::string display_name;
  std::string password;
  Role role = Role::kResident;
  int64_t scope_node_id = 0;
  std::optional<int64_t> unit_id;
  std::optional<int64_t> party_member_id;
  std::optional<int64_t> resident_id;
};

struct AccountView {
  int64_t id = 0;
  std::string username;
  std::string display_name;
  Role role = Role::kResident;
  int64_t scope_node_id = 0;
  std::string scope_name;
  std::string scope_kind;
};

// An account as its administrators see it: never the password hash, the
// phone only masked.
struct AccountRecord {
  int64_t id = 0;
  std::string username;
  std::string display_name;
  Role role = Role::kResident;
  int64_t scope_node_id = 0;
  std::string scope_name;
  std::string scope_kind;
  bool disabled = false;
  bool must_change_password = false;
  std::optional<std::string> phone_masked;
  std::optional<int64_t> unit_id;
  std::optional<int64_t> party_member_id;
  std::optional<int64_t> resident_id;
  std::optional<int64_t> home_node_id;            // the community a resident registered in
  std::optional<std::string> registration_state;  // pending, confirmed, declined (self-registered)
  int64_t version = 1;
  int64_t created_at_ms = 0;
};

// ?role=&within=&disabled=&q= (q: part of the username).
struct AccountFilter {
  Page page;
  std::optional<Role> role;
  std::optional<int64_t> within;
  std::optional<bool> disabled;
  std::optional<std::string> q;
};

// A PATCH of an account: only the fields given change.
struct AccountChange {
  std::optional<bool> disabled;
  std::optional<Role> role;
  std::optional<int64_t> scope_node_id;
  std::optional<int64_t> version;  // when given, must equal the stored version (else Conflict)
};

// What /me adds about the caller's place: the staff record, the grids it
// covers, the community a resident lives in.
struct AccountProfile {
  bool must_change_password = false;
  std::optional<int64_t> staff_id;
  std::vector<int64_t> grids;
  std::optional<int64_t> home_id;
  std::string home_name;
  std::optional<std::string> registration_state;
};

struct LoginResult {
  std::string session_token;  // give to the client once; only its hash is kept
  int64_t expires_at_ms = 0;
  Caller caller;
};

class AccountService {
 public:
  AccountService(store::Db& db, const core::Clock& clock, AuditLog& audit, AccountOptions options)
      : db_(db),
        clock_(clock),
        audit_(audit),
        options_(std::move(options)),
        sessions_(options_.session_cache) {}

  core::Result<LoginResult> Login(std::string_view username, std::string_view password);
  // A new session for an account that has just proved who it is (a
  // self-registration); Login calls it after the password check.
  core::Result<LoginResult> StartSession(int64_t account_id);
  core::Status Logout(std::string_view session_token);
  // The caller behind a session cookie or a bearer token; Unauthenticated if
  // unknown, expired, revoked or the account is disabled.
  core::Result<Caller> AuthenticateSession(std::string_view session_token);
  core::Result<Caller> AuthenticateBearer(std::string_view api_token);

  // Creates an account. `creator` needs kAccountsAdmin and the scope node must
  // lie inside the creator's scope. Bootstrap code passes no creator.
  core::Result<int64_t> CreateAccount(const Caller* creator, const NewAccount& account);
  core::Status ChangePassword(const Caller& caller, std::string_view old_password,
                              std::string_view new_password);
  // A new API token for the caller's own account (integrations, Open311).
  core::Result<std::string> CreateApiToken(const Caller& caller, std::string_view name,
                                           std::optional<int64_t> expires_at_ms);
  core::Result<AccountView> Describe(const Caller& caller);
  // The caller for an account by name, for operators at the command line
  // (import, export) who act as that account.
  core::Result<Caller> CallerForUsername(std::string_view username);

  // Administration (account_admin.cc): kAccountsAdmin, accounts whose scope
  // node lies inside the caller's scope; others do not exist (NotFound).
  core::Result<PageOf<AccountRecord>> ListAccounts(const Caller& caller,
                                                   const AccountFilter& filter);
  core::Result<AccountRecord> GetAccount(const Caller& caller, int64_t id);
  // Disable/enable (ends its sessions), change role or scope node (inside the
  // caller's scope, never a role above the caller's). Audited.
  core::Result<AccountRecord> UpdateAccount(const Caller& caller, int64_t id,
                                            const AccountChange& change);
  // Sets a random temporary password, returned once; the account must change
  // it before anything else. Ends its sessions. Audited.
  core::Result<std::string> ResetPassword(const Caller& caller, int64_t id);
  core::Result<AccountProfile> Profile(const Caller& caller);
  // Lets residents sign in with their phone number as the username (accounts
  // created by self-registration); null: usernames only.
  void SetPiiCipher(const core::PiiCipher* cipher) { cipher_ = cipher; }
  // Drops every cached session (see SessionCache): the org tree moved a node,
  // so scope paths changed. ForgetAccount: something a Caller holds changed
  // for this account outside this service (a registration confirmed).
  void ForgetAllSessions() { sessions_.ForgetAll(); }
  void ForgetAccountSessions(int64_t account_id) { sessions_.ForgetAccount(account_id); }

 private:
  core::Result<Caller> LoadCaller(store::Connection& conn, int64_t account_id);
  core::Status RecordFailure(store::Connection& conn, int64_t account_id, int failures);
  core::Result<LoginResult> StartSessionOn(store::Connection& conn, int64_t account_id);
  core::Result<store::Rows> FindForLogin(store::Connection& conn, std::string_view username);
  core::Result<AccountRecord> LoadRecord(store::Connection& conn, const Caller& caller, int64_t id);

  store::Db& db_;
  const core::Clock& clock_;
  AuditLog& audit_;
  AccountOptions options_;
  const core::PiiCipher* cipher_ = nullptr;
  SessionCache sessions_;
};

// Whether `caller` may hand out `role`: never one above its own.
bool MayGrantRole(const Caller& caller, Role role);

}  // namespace civicgrid::domain
