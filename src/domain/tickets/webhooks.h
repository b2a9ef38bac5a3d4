// Outbound webhooks: county and street admins register HTTP endpoints that
// are told about ticket events under an org node of their scope.
//
// Durability comes from a transactional outbox. WebhookService is a
// TicketObserver: inside the transaction that appends a ticket event it writes
// one webhook_outbox row (with the finished JSON payload) per active endpoint
// whose node holds the ticket and whose event filter matches. The row commits
// or rolls back with the event, so an event is never lost and never announced
// for a change that did not happen. After the commit the sender (app/
// webhook_sender.h) is woken; it claims due rows, POSTs them and records the
// outcome through the outbox methods at the bottom of this class.
//
// Endpoint secrets are random tokens, shown once at creation and stored
// encrypted with the PII cipher (the key lives outside the database).
//
// Thread-safe (state lives in the database; the wake hook is set once before
// use).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto.h"
#include "core/time.h"
#include "domain/access/audit_log.h"
#include "domain/access/caller.h"
#include "domain/registry/common.h"
#include "domain/tickets/model.h"
#include "domain/tickets/ticket_service.h"
#include "store/pool.h"

namespace civicgrid::domain {

// The parts of a webhook URL the sender needs. Only http and https, with a
// host, without user:password and without a fragment.
struct WebhookUrl {
  bool https = false;
  std::string host;    // without brackets for IPv6
  uint16_t port = 80;  // the scheme's default when the URL names none
  std::string target;  // path and query, at least "/"
};
// Parses and checks `url`; errors name `field` and say what is wrong.
core::Result<WebhookUrl> ParseWebhookUrl(std::string_view url, std::string_view field);

struct WebhookEndpoint {
  int64_t id = 0;
  std::string url;
  int64_t node_id = 0;
  std::string node_name;
  std::vector<TicketEventType> event_types;  // empty: every event
  bool active = true;
  int64_t created_by = 0;
  int64_t created_at = 0;
  // Only in the answer to Create: the signing secret, never shown again.
  std::optional<std::string> secret;
};

struct NewWebhookEndpoint {
  std::string url;
  std::optional<int64_t> node_id;        // default: the caller's scope node
  std::vector<std::string> event_types;  // names (model.h); empty: every event
};

enum class DeliveryStatus { kPending, kDelivered, kFailed };
std::string_view DeliveryStatusName(DeliveryStatus status);

// One outbox row as the endpoint's owner sees it.
struct WebhookDelivery {
  int64_t id = 0;  // also sent as X-Civicgrid-Delivery
  int64_t endpoint_id = 0;
  int64_t event_id = 0;
  std::string event_type;
  DeliveryStatus status = DeliveryStatus::kPending;
  int64_t attempts = 0;
  int64_t next_attempt_at = 0;
  std::optional<int64_t> delivered_at;
  std::optional<int64_t> failed_at;
  std::string last_error;
  int64_t created_at = 0;
};

// A delivery claimed by the sender, with what it needs to send it.
struct OutboxItem {
  int64_t id = 0;
  int64_t endpoint_id = 0;
  WebhookUrl url;
  std::string secret;
  std::string event_type;
  std::string payload;
  int64_t attempts = 0;  // including the one now claimed
};

class WebhookService : public TicketObserver {
 public:
  WebhookService(store::Db& db, const core::Clock& clock, AuditLog& audit,
                 const core::PiiCipher& cipher)
      : db_(db), clock_(clock), audit_(audit), cipher_(cipher) {}

  // Called after every ticket commit, whether or not it queued deliveries
  // (wakes the sender, which coalesces wakes). Set once, before the service
  // is used.
  void SetWakeHook(std::function<void()> wake) { wake_ = std::move(wake); }

  // County and street admins only; the node must lie in the caller's scope.
  core::Result<WebhookEndpoint> Create(const Caller& caller, const NewWebhookEndpoint& endpoint);
  // Active endpoints whose node lies in the caller's scope.
  core::Result<PageOf<WebhookEndpoint>> List(const Caller& caller, const Page& page);
  // Deactivates the endpoint; its undelivered rows are given up.
  core::Status Delete(const Caller& caller, int64_t id);
  // The endpoint's deliveries in id order.
  core::Result<PageOf<WebhookDelivery>> Deliveries(const Caller& caller, int64_t endpoint_id,
                                                   const Page& page);

  // TicketObserver.
  core::Status InTransaction(store::Connection& conn, const TicketChange& change) override;
  // A batch: the active endpoints read once for all its changes.
  core::Status InTransactionBatch(store::Connection& conn,
                                  const std::vector<TicketChange>& changes) override;
  void Committed(const TicketChange& change) override;

  // The JSON text sent for `change` (public for tests and docs).
  static std::string Payload(const TicketChange& change);

  // --- The sender's side of the outbox (system work, not scoped). ---

  // Endpoints with a delivery due at `now_ms` (pending and next_attempt_at <= now).
  core::Result<std::vector<int64_t>> DueEndpoints(int64_t now_ms);
  // Deletes deliveries that ended (delivered, or given up) before
  // `before_ms`; returns how many. Pending ones are never touched. `serve`
  // keeps kKeepEndedMs of them, for the deliveries page.
  static constexpr int64_t kKeepEndedMs = 30 * core::kMsPerDay;
  core::Result<int64_t> PurgeEnded(int64_t before_ms);
  // The earliest next_attempt_at of any pending delivery, if any.
  core::Result<std::optional<int64_t>> NextDue();
  // Claims the oldest due delivery of `endpoint_id`: counts the attempt and
  // leases the row until `lease_until_ms` (if the process dies mid-send the
  // row becomes due again then: at-least-once). Empty when nothing is due.
  core::Result<std::optional<OutboxItem>> ClaimNext(int64_t endpoint_id, int64_t now_ms,
                                                    int64_t lease_until_ms);
  core::Status MarkDelivered(int64_t id, int64_t now_ms);
  // Records a failed attempt: retried at `retry_at_ms`, or given up (failed_at
  // = now) when there is none.
  core::Status MarkAttemptFailed(int64_t id, int64_t now_ms, std::optional<int64_t> retry_at_ms,
                                 std::string_view error);

 private:
  core::Status RequireAdmin(const Caller& caller) const;
  core::Result<WebhookEndpoint> Load(store::Connection& conn, const Caller& caller, int64_t id);

  store::Db& db_;
  const core::Clock& clock_;
  AuditLog& audit_;
  const core::PiiCipher& cipher_;
  std::function<void()> wake_;
};

}  // namespace civicgrid::domain
