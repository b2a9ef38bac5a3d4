// Resident self-registration: a phone proves itself with an SMS code, the
// person picks the community they live in and gets a resident account that
// can file at once; a secretary or grid worker of that community later links
// it to a resident record (confirm) or declines it. The SMS gateway is an
// adapter (SmsSender) a county plugs in. Thread-safe (state lives in the
// database; the sender must be thread-safe too).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "core/time.h"
#include "domain/access/account_service.h"
#include "domain/access/audit_log.h"
#include "domain/registry/common.h"
#include "store/pool.h"

namespace civicgrid::domain {

// Delivers a text message to a phone. Implementations: the county's gateway;
// the demo's log sink (app layer); a recording sender in tests.
class SmsSender {
 public:
  virtual ~SmsSender() = default;
  // `phone` is normalised ("13800138000"); an error is reported to the
  // person as Unavailable.
  virtual core::Status Send(const std::string& phone, const std::string& text) = 0;
};

struct RegistrationOptions {
  core::PasswordOptions password;                 // the same rules as every account
  int64_t code_ttl_ms = 10 * core::kMsPerMinute;  // a code expires
  int max_attempts = 5;                           // wrong guesses before a code is dead
  int64_t min_interval_ms = core::kMsPerMinute;   // between two codes to one phone
  int max_per_hour = 5;                           // codes to one phone in any hour
};

// A community for the registration picker.
struct CommunityChoice {
  int64_t id = 0;
  std::string name;
  std::optional<int64_t> street_id;
  std::string street_name;
};

struct NewRegistration {
  std::string phone;
  std::string code;
  std::string password;
  std::string name;
  int64_t community_id = 0;
};

struct Registration {
  int64_t account_id = 0;
  std::string username;
  std::string display_name;
  std::optional<std::string> phone_masked;
  int64_t community_id = 0;
  std::string community_name;
  std::string state;  // pending, confirmed, declined
  std::optional<int64_t> resident_id;
  std::string note;
  int64_t created_at_ms = 0;
};

// The SMS code request was refused for now; try again after this long.
struct RetryAfter {
  int64_t seconds = 0;
};

class RegistrationService {
 public:
  RegistrationService(store::Db& db, const core::Clock& clock, AuditLog& audit,
                      const core::PiiCipher& cipher, AccountService& accounts, SmsSender& sms,
                      RegistrationOptions options)
      : db_(db),
        clock_(clock),
        audit_(audit),
        cipher_(cipher),
        accounts_(accounts),
        sms_(sms),
        options_(std::move(options)) {}

  // Every community with its street (public: names only).
  core::Result<std::vector<CommunityChoice>> Communities();
  // Sends a 6-digit code to `phone`. RateLimited (field phone) with
  // `retry_after` set when the phone asked too often; Conflict when the phone
  // already has an account.
  core::Status RequestCode(std::string_view phone, RetryAfter& retry_after);
  // Checks the code, creates the resident account in the community (pending)
  // and signs it in.
  core::Result<LoginResult> Register(const NewRegistration& registration);
  // Registrations in `state` of the communities the caller serves (kPeopleWrite;
  // a grid worker serves the community its grid lies in).
  core::Result<PageOf<Registration>> List(const Caller& caller, std::string_view state,
                                          const Page& page);
  // Links a pending registration to a resident record of its community whose
  // phone (if recorded) is the registered phone. Audited.
  core::Result<Registration> Confirm(const Caller& caller, int64_t account_id, int64_t resident_id);
  core::Result<Registration> Decline(const Caller& caller, int64_t account_id,
                                     std::string_view reason);

 private:
  core::Result<Registration> Load(store::Connection& conn, const Caller& caller,
                                  int64_t account_id);
  core::Status CheckCode(store::Connection& conn, const std::string& phone,
                         const std::string& code);
  core::Result<int64_t> CreatePending(const NewRegistration& r, const std::string& phone,
                                      const std::string& name);
  core::Result<int64_t> Insert(store::Connection& conn, const NewRegistration& r,
                               const std::string& phone, const std::string& name);

  store::Db& db_;
  const core::Clock& clock_;
  AuditLog& audit_;
  const core::PiiCipher& cipher_;
  AccountService& accounts_;
  SmsSender& sms_;
  RegistrationOptions options_;
};

}  // namespace civicgrid::domain
