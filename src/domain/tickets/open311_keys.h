// Open311Directory: what the Open311 GeoReport v2 endpoint (http/open311)
// looks up besides the tickets themselves.
//
//   - API keys. An integration (a FixMyStreet-style client, a 12345 hotline
//     bridge) posts with an api_key. Each key belongs to its own account, the
//     integration's identity: a resident-role account scoped to a county, so
//     it files tickets like a resident and reads what a resident may read
//     (TicketService visibility: public tickets). Only the SHA-256 of a key is
//     stored (table open311_key); the key itself is shown once, at creation.
//   - Jurisdictions. jurisdiction_id is a county node's GB/T 2260 code
//     (131022 for the demo county); a deployment rooted at one county may
//     leave it out.
//   - Communities named in an address. civicgrid finds a ticket's grid from
//     coordinates; a request with only an address_string is filed to the
//     community whose name the address contains, or refused.
//   - The public reads the endpoint needs beyond TicketService: the latest
//     public note per ticket (status_notes) and ticket events in a time range
//     (the mySociety servicerequestupdates extension), both limited by
//     TicketService::VisibleTo of the reader.
//
// Anonymous GET requests read as PublicReader(): no account, resident role,
// so visibility is exactly the public tickets.
//
// Thread-safe (state lives in the database).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "domain/access/account_service.h"
#include "domain/access/audit_log.h"
#include "domain/access/caller.h"
#include "domain/tickets/ticket_service.h"
#include "store/pool.h"

namespace civicgrid::domain {

// The demo county's key (demo databases only; see app/demo).
inline constexpr std::string_view kDemoOpen311Key = "civicgrid-demo-open311";

struct Open311Key {
  int64_t id = 0;
  std::string name;
  int64_t account_id = 0;
  std::string account_username;
  int64_t scope_node_id = 0;
  int64_t created_at = 0;
  std::optional<int64_t> revoked_at;
};

struct NewOpen311Key {
  std::string name;                // who the key is for, 1–100 characters
  int64_t scope_node_id = 0;       // the county (or city) the integration files in
  std::optional<std::string> key;  // a fixed key (the demo's); empty: a random one
};

struct CreatedOpen311Key {
  Open311Key key;
  std::string plain_key;  // give to the integration once; only its hash is kept
};

struct Jurisdiction {
  int64_t node_id = 0;
  std::string code;  // jurisdiction_id
  std::string name;
  std::string path;
};

// One ticket event as an Open311 service request update.
struct Open311Update {
  int64_t event_id = 0;  // update_id
  std::string ticket_number;
  TicketEventType type = TicketEventType::kComment;
  TicketState state_after = TicketState::kSubmitted;
  bool duplicate = false;  // a close that marked the ticket a duplicate
  bool reopened = false;   // a rating that sent the ticket back
  int64_t at = 0;
  std::string note;
  std::optional<int64_t> attachment_id;  // the event's first attachment
};

class Open311Directory {
 public:
  Open311Directory(store::Db& db, const core::Clock& clock, AccountService& accounts,
                   AuditLog& audit, TicketService& tickets)
      : db_(db), clock_(clock), accounts_(accounts), audit_(audit), tickets_(tickets) {}

  // Creates the integration's account and its key. `creator` needs
  // kAccountsAdmin with the node in scope; bootstrap code (CLI, demo) passes
  // none. A fixed key that exists already returns that key (idempotent demo).
  core::Result<CreatedOpen311Key> CreateKey(const Caller* creator, const NewOpen311Key& key);
  // The caller behind an api_key; Forbidden when unknown, revoked or the
  // account is disabled (Open311 answers a bad key with 403).
  core::Result<Caller> Authenticate(std::string_view plain_key);
  core::Status RevokeKey(const Caller* creator, int64_t id);
  core::Result<std::vector<Open311Key>> ListKeys();

  // The county with code `jurisdiction_id`; without one, the only county
  // (Invalid when there are several, NotFound when the code is unknown).
  core::Result<Jurisdiction> FindJurisdiction(const std::optional<std::string>& jurisdiction_id);
  // The community (or grid) of `jurisdiction` whose name `address` contains,
  // the longest such name winning; empty when none does.
  core::Result<std::optional<int64_t>> NodeNamedIn(const Jurisdiction& jurisdiction,
                                                   std::string_view address);
  // When the service list last changed: the newest category update (ms).
  core::Result<int64_t> ServicesChangedAt();

  // The note of each ticket's latest event that carries one, leaving out
  // system supervision and callback records; only tickets `reader` may see.
  core::Result<std::map<int64_t, std::string>> StatusNotes(const Caller& reader,
                                                           const std::vector<int64_t>& ticket_ids);
  // Events at [from, to) on tickets of `jurisdiction` that `reader` may see,
  // oldest first, at most `limit`; submissions, supervision and callbacks are
  // not updates.
  core::Result<std::vector<Open311Update>> Updates(const Caller& reader,
                                                   const Jurisdiction& jurisdiction, int64_t from,
                                                   int64_t to, int64_t limit);

  // The anonymous reader of `jurisdiction`: no account, resident role.
  static Caller PublicReader(const Jurisdiction& jurisdiction);

 private:
  core::Status RequireAdmin(const Caller* creator, std::string_view path) const;

  store::Db& db_;
  const core::Clock& clock_;
  AccountService& accounts_;
  AuditLog& audit_;
  [[maybe_unused]] TicketService& tickets_;  // not read yet; clang warns of unused fields
};

}  // namespace civicgrid::domain
