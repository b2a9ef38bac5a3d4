// WebhookSender: delivers the webhook outbox (domain/tickets/webhooks.h).
//
// A delivery is one outbox row: POSTed to its endpoint with
//   X-Civicgrid-Event:     the event type ("resolve")
//   X-Civicgrid-Delivery:  the outbox row id (the same on every retry: receivers dedupe on it)
//   X-Civicgrid-Timestamp: Unix seconds when this attempt was sent
//   X-Civicgrid-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed by the secret>
// A 2xx answer delivers it. Anything else (another status, no answer, a
// timeout) counts as a failed attempt: the row is retried after
// first_retry · 2^(attempts-1), capped at max_retry, with ±jitter/2 spread,
// and given up (failed_at) after max_attempts attempts; last_error keeps the
// reason. Semantics are at-least-once: an attempt is counted and the row
// leased when it is claimed, so a crash between sending and recording sends
// it again after the lease; receivers dedupe on X-Civicgrid-Delivery and
// order by the payload's (ticket.id, seq).
//
// Scheduling: each endpoint is a lane. A lane sends its endpoint's due rows
// one at a time in id order; up to `concurrency` lanes run at once, so a slow
// or unreachable endpoint holds one lane (at most its request timeout per
// row) and never the others. Two senders on one PostgreSQL database claim a
// row once (see WebhookService::ClaimNext).
//
// Two ways to drive it: RunOnce(now) — one synchronous pass with an explicit
// time, for tests and tools (back-off is testable without sleeping) — or
// Start()/Stop(), a dispatcher thread plus `concurrency` workers that wake on
// Wake() (called after every ticket commit), at the next due time, or every
// poll interval. Do not mix the two on one instance. Thread-safe otherwise;
// the destructor stops the threads (waiting at most one request timeout).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/time.h"
#include "domain/tickets/webhooks.h"
#include "http/outbound_client.h"

namespace civicgrid::app {

struct WebhookSenderOptions {
  // Delay after the first failed attempt; doubles with each further failure…
  int64_t first_retry_ms = 30 * core::kMsPerSecond;
  // …up to this.
  int64_t max_retry_ms = core::kMsPerHour;
  // Attempts before a delivery is given up (12: about five hours of trying).
  int64_t max_attempts = 12;
  // Spread of each delay: ±jitter/2 of it, so retries of many rows do not
  // arrive at a recovering receiver all at once.
  double jitter = 0.2;
  // Endpoints served at the same time.
  unsigned concurrency = 4;
  // The dispatcher re-checks the outbox at least this often.
  int64_t poll_ms = 30 * core::kMsPerSecond;
  // A claimed row is leased for the request timeout plus this margin.
  int64_t lease_margin_ms = 60 * core::kMsPerSecond;
};

struct SendReport {
  int64_t attempted = 0;
  int64_t delivered = 0;
  int64_t retrying = 0;  // failed, will be retried
  int64_t failed = 0;    // failed and given up
};

// "sha256=<64 hex>": HMAC-SHA256 over "<timestamp>.<body>" keyed by `secret`
// (its bytes as given), the value of X-Civicgrid-Signature.
std::string WebhookSignature(std::string_view secret, std::string_view timestamp,
                             std::string_view body);

class WebhookSender {
 public:
  // `random01` returns numbers in [0, 1) for the jitter and must be
  // thread-safe; empty: a per-thread Mersenne Twister.
  WebhookSender(domain::WebhookService& service, http::OutboundClient& client,
                const core::Clock& clock, WebhookSenderOptions options = {},
                std::function<double()> random01 = {});
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Sends every delivery due at `now_ms` (lanes in parallel) and returns when
  // all are done; every timestamp written is `now_ms`.
  core::Result<SendReport> RunOnce(int64_t now_ms);

  void Start();
  void Stop();
  // Something was queued: look at the outbox now.
  void Wake();

  // The delay before the next attempt after `failed_attempts` (>= 1) failures,
  // with `u` in [0, 1) placing it within the jitter band.
  static int64_t RetryDelayMs(const WebhookSenderOptions& options, int64_t failed_attempts,
                              double u);

 private:
  void Lane(int64_t endpoint_id, const std::function<int64_t()>& now, SendReport& report);
  void Deliver(const domain::OutboxItem& item, const std::function<int64_t()>& now,
               SendReport& report);
  void Dispatch();
  void Work();

  domain::WebhookService& service_;
  http::OutboundClient& client_;
  const core::Clock& clock_;
  WebhookSenderOptions options_;
  std::function<double()> random01_;

  std::mutex mutex_;
  std::condition_variable dispatch_cv_;  // wakes the dispatcher
  std::condition_variable work_cv_;      // wakes the workers
  bool running_ = false;                 // GUARDED_BY(mutex_)
  bool stopping_ = false;                // GUARDED_BY(mutex_)
  bool woken_ = false;                   // GUARDED_BY(mutex_)
  std::deque<int64_t> queue_;            // GUARDED_BY(mutex_): endpoints waiting for a worker
  std::set<int64_t> busy_;               // GUARDED_BY(mutex_): endpoints queued or in a lane
  std::thread dispatcher_;
  std::vector<std::thread> workers_;
};

}  // namespace civicgrid::app
