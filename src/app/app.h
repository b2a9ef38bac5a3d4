// App: opens the database, migrates it, loads the PII key and wires every
// service. One instance per process; the CLI commands and the server use it.
// Not copyable; services are thread-safe once constructed.
#pragma once

#include <memory>
#include <string>

#include "app/webhook_sender.h"
#include "core/crypto.h"
#include "core/time.h"
#include "domain/access/account_service.h"
#include "domain/access/audit_log.h"
#include "domain/access/registration.h"
#include "domain/care/care_service.h"
#include "domain/coverage/coverage_service.h"
#include "domain/deliberation/deliberation_service.h"
#include "domain/governance/governance_service.h"
#include "domain/registry/grid_locator.h"
#include "domain/registry/importer.h"
#include "domain/registry/org_tree.h"
#include "domain/registry/party.h"
#include "domain/registry/residents.h"
#include "domain/registry/service_centers.h"
#include "domain/registry/staff.h"
#include "domain/registry/units.h"
#include "domain/tickets/attachments.h"
#include "domain/tickets/categories.h"
#include "domain/tickets/event_hub.h"
#include "domain/tickets/intake.h"
#include "domain/tickets/stats.h"
#include "domain/tickets/ticket_service.h"
#include "domain/tickets/webhooks.h"
#include "domain/timebank/ticket_credit.h"
#include "domain/timebank/timebank.h"
#include "domain/visits/visit_service.h"
#include "http/api/api.h"
#include "http/metrics.h"
#include "http/outbound_client.h"
#include "store/open.h"

namespace civicgrid::app {

struct AppOptions {
  // sqlite:PATH or postgresql://…
  std::string db_url = "sqlite:var/civicgrid.db";
  // The PII key file; empty: "civicgrid.key" beside a SQLite file, else var/civicgrid.key.
  std::string key_file;
  // Connections in the pool.
  size_t pool_size = 8;
  // SQLite fsync policy: "full" (every acknowledged commit durable) or "normal".
  std::string sqlite_sync = "full";
  // argon2id cost; the demo and tests may lower it.
  core::PasswordOptions password;
  // Uploaded photos and videos; empty: "attachments" beside a SQLite file, else var/attachments.
  std::string attachments_dir;
  // Webhook deliveries: the HTTP client (timeout, extra CA file) and the retry policy.
  http::OutboundClientOptions webhook_client;
  WebhookSenderOptions webhook_sender;
  // Group commit of ticket submissions (batch size, queue bound).
  domain::IntakeOptions intake;
  // Where registration SMS codes go; null: the server log (the demo sink,
  // `serve --sms-sink log`). Must outlive the App.
  domain::SmsSender* sms_sender = nullptr;
  // The clock every service reads; null: the system clock. Tests pass a
  // core::FakeClock that outlives the App.
  const core::Clock* clock = nullptr;
  // Sessions resolved from memory (capacity, time to live); capacity 0: every
  // request reads the session and account rows (the benches compare both).
  domain::SessionCacheOptions session_cache{};
};

class App {
 public:
  static core::Result<std::unique_ptr<App>> Open(const AppOptions& options);
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // An operator's caller, resolved from an existing account (CLI --as).
  core::Result<domain::Caller> CallerFor(const std::string& username);

  store::Db& db() { return *db_; }
  const core::Clock& clock() const { return clock_; }
  const core::PiiCipher& cipher() const { return cipher_; }
  domain::AuditLog& audit() { return audit_; }
  domain::AccountService& accounts() { return accounts_; }
  domain::RegistrationService& registrations() { return registrations_; }
  domain::OrgTreeService& tree() { return tree_; }
  domain::ResidentService& residents() { return residents_; }
  domain::PartyService& party() { return party_; }
  domain::UnitService& units() { return units_; }
  domain::StaffService& staff() { return staff_; }
  domain::ServiceCenterService& service_centers() { return service_centers_; }
  domain::Importer& importer() { return importer_; }
  domain::GridLocator& locator() { return locator_; }
  domain::CategoryService& categories() { return categories_; }
  domain::TicketService& tickets() { return tickets_; }
  domain::TicketStats& stats() { return stats_; }
  domain::WebhookService& webhooks() { return webhooks_; }
  domain::AttachmentService& attachments() { return attachments_; }
  domain::DualRegistrationService& duty() { return duty_; }
  domain::ActivityService& activities() { return activities_; }
  // Not started by Open(): `serve` starts it; tests may drive it with RunOnce().
  WebhookSender& webhook_sender() { return *webhook_sender_; }
  // Wakes the SSE streams on every committed ticket event.
  domain::EventHub& events() { return events_; }
  // The group-commit writer of submissions; started by Open().
  domain::IntakeWriter& intake() { return intake_; }
  // The time bank (爱心存折): ledger, rules, rewards.
  domain::TimeBank& timebank() { return timebank_; }
  domain::GovernanceService& governance() { return governance_; }
  // Silence alerts (云监护); `serve` runs its Sweep every minute.
  domain::CareService& care() { return care_; }
  // Party life; `serve` runs its monthly Sweep.
  domain::PartyLifeService& partylife() { return partylife_; }
  // 民情台账: household visits, plans, coverage.
  domain::VisitService& visits() { return visits_; }
  // The 15-minute service circle and the communities' funds.
  domain::CoverageService& coverage() { return coverage_; }
  domain::FundLedger& funds() { return funds_; }
  // Deliberation meetings (议事协商); `serve` runs its minutes reminders Sweep hourly.
  domain::DeliberationService& deliberation() { return deliberation_; }

 private:
  App(std::unique_ptr<store::Db> db, core::PiiCipher cipher, const AppOptions& options);

  std::unique_ptr<store::Db> db_;
  core::SystemClock system_clock_;
  const core::Clock& clock_;  // options.clock or system_clock_
  core::PiiCipher cipher_;
  domain::AuditLog audit_;
  domain::AccountService accounts_;
  std::unique_ptr<domain::SmsSender> log_sms_;  // used when options.sms_sender is null
  domain::RegistrationService registrations_;
  domain::GridLocator locator_;
  domain::OrgTreeService tree_;
  domain::ResidentService residents_;
  domain::PartyService party_;
  domain::UnitService units_;
  domain::StaffService staff_;
  domain::ServiceCenterService service_centers_;
  domain::Importer importer_;
  domain::CategoryService categories_;
  domain::TicketService tickets_;
  domain::TicketStats stats_;  // a ticket observer: the rate rollups
  domain::WebhookService webhooks_;
  domain::AttachmentService attachments_;
  domain::GovernanceService governance_;
  domain::DualRegistrationService duty_;  // 双报到
  domain::ActivityService activities_;    // teams and activities
  domain::CareService care_;
  domain::VisitService visits_;
  domain::CoverageService coverage_;
  domain::FundLedger funds_;
  std::unique_ptr<http::OutboundClient> outbound_;
  std::unique_ptr<WebhookSender> webhook_sender_;  // stopped before outbound_, webhooks_ go
  domain::EventHub events_;                        // a ticket observer: wakes the SSE streams
  domain::TimeBank timebank_;
  domain::TicketCredit ticket_credit_;  // a ticket observer: member points for claimed tickets
  domain::PartyLifeService partylife_;
  domain::DeliberationService deliberation_;
  domain::DecisionFollowUp decision_follow_up_;  // a ticket observer: follow-ups complete decisions
  // Last: destroyed first, writing out queued submissions while every service it
  // reaches (observers, the webhook sender's wake) and the Db are still there.
  domain::IntakeWriter intake_;
};

// The demo's SMS sink: writes each message to the server log.
class LogSmsSender : public domain::SmsSender {
 public:
  core::Status Send(const std::string& phone, const std::string& text) override;
};

std::string DefaultKeyFile(const std::string& db_url);
std::string DefaultAttachmentsDir(const std::string& db_url);

// The services the HTTP API borrows from `app` (serve, tests, benchmarks).
http::ApiServices MakeApiServices(App& app, http::Metrics& metrics, http::ApiOptions options);

}  // namespace civicgrid::app
