#include "app/app.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "core/crypto.h"

#include "core/pii.h"
#include "domain/schema.h"
#include "store/migrate.h"

namespace civicgrid::app {

std::string DefaultKeyFile(const std::string& db_url) {
  if (db_url.rfind("sqlite:", 0) == 0) {
    std::filesystem::path db(db_url.substr(7));
    return (db.parent_path() / "civicgrid.key").string();
  }
  return "var/civicgrid.key";
}

std::string DefaultAttachmentsDir(const std::string& db_url) {
  if (db_url.rfind("sqlite:", 0) == 0) {
    std::filesystem::path db(db_url.substr(7));
    return (db.parent_path() / "attachments").string();
  }
  return "var/attachments";
}

namespace {

domain::AttachmentOptions AttachmentOptionsFor(const AppOptions& options) {
  domain::AttachmentOptions attachments;
  attachments.dir = options.attachments_dir.empty() ? DefaultAttachmentsDir(options.db_url)
                                                    : options.attachments_dir;
  return attachments;
}

domain::AccountOptions AccountOptionsOf(const AppOptions& options) {
  domain::AccountOptions accounts{options.password};
  accounts.session_cache = options.session_cache;
  return accounts;
}

}  // namespace

core::Result<std::unique_ptr<App>> App::Open(const AppOptions& options) {
  store::DbOptions db_options;
  db_options.pool_size = options.pool_size;
  if (options.sqlite_sync == "normal") {
    db_options.sqlite_sync = store::SqliteSync::kNormal;
  } else if (options.sqlite_sync != "full") {
    return core::Error::Invalid("sqlite_sync", "应为 full 或 normal");
  }
  CG_ASSIGN_OR_RETURN(auto db, store::OpenDb(options.db_url, db_options));
  {
    CG_ASSIGN_OR_RETURN(auto conn, db->Acquire());
    CG_ASSIGN_OR_RETURN(auto report, store::Migrate(*conn, domain::Migrations()));
    (void)report;
  }
  std::string key_file =
      options.key_file.empty() ? DefaultKeyFile(options.db_url) : options.key_file;
  CG_ASSIGN_OR_RETURN(core::PiiCipher cipher, core::PiiCipher::LoadOrCreate(key_file));
  CG_TRY(media::Initialize());  // fail at start-up, not on the first upload
  std::unique_ptr<App> app(new App(std::move(db), std::move(cipher), options));
  CG_TRY(app->locator_.Reload());
  CG_TRY(app->categories_.SeedDefaults());
  CG_ASSIGN_OR_RETURN(app->outbound_, http::OutboundClient::Create(options.webhook_client));
  app->webhook_sender_ = std::make_unique<WebhookSender>(app->webhooks_, *app->outbound_,
                                                         app->clock_, options.webhook_sender);
  app->intake_.Start();
  return app;
}

App::App(std::unique_ptr<store::Db> db, core::PiiCipher cipher, const AppOptions& options)
    : db_(std::move(db)),
      clock_(options.clock != nullptr ? *options.clock : system_clock_),
      cipher_(std::move(cipher)),
      audit_(clock_),
      accounts_(*db_, clock_, audit_, AccountOptionsOf(options)),
      log_sms_(std::make_unique<LogSmsSender>()),
      registrations_(*db_, clock_, audit_, cipher_, accounts_,
                     options.sms_sender != nullptr ? *options.sms_sender : *log_sms_,
                     domain::RegistrationOptions{options.password}),
      locator_(*db_),
      tree_(*db_, clock_, audit_, [this] { (void)locator_.Reload(); }),
      residents_(*db_, clock_, audit_, cipher_),
      party_(*db_, clock_, audit_, cipher_),
      units_(*db_, clock_, audit_),
      staff_(*db_, clock_, audit_, cipher_),
      service_centers_(*db_, clock_, audit_),
      importer_(*db_, clock_, audit_, residents_, party_, units_, tree_),
      categories_(*db_, clock_, audit_),
      tickets_(*db_, clock_, audit_, cipher_, locator_, categories_),
      stats_(*db_, clock_),
      webhooks_(*db_, clock_, audit_, cipher_),
      attachments_(*db_, clock_, tickets_, AttachmentOptionsFor(options)),
      governance_(*db_, clock_, audit_),
      duty_(*db_, clock_, audit_),
      activities_(*db_, clock_, audit_, cipher_),
      care_(*db_, clock_, audit_, cipher_, tickets_),
      visits_(*db_, clock_, audit_, cipher_, tickets_),
      coverage_(*db_),
      funds_(*db_, clock_, audit_),
      timebank_(*db_, clock_, audit_),
      ticket_credit_(timebank_),
      partylife_(*db_, clock_, audit_),
      deliberation_(*db_, clock_, audit_, cipher_, tickets_),
      decision_follow_up_(deliberation_),
      intake_(*db_, tickets_, options.intake) {
  // Tickets, their rollup rows and their state counters copy the path of their
  // node: moving a node rewrites them in its transaction (tickets first, as
  // TicketStats expects).
  accounts_.SetPiiCipher(&cipher_);
  tree_.SetOnMove([this] {
    accounts_.ForgetAllSessions();
    tickets_.ForgetPlaces();
  });
  tree_.AddPathCopy("ticket");
  tree_.AddPathCopy("ticket_rollup");
  tree_.AddPathCopy("ticket_state_count");
  tickets_.AddObserver(&stats_);
  tickets_.AddObserver(&webhooks_);
  tickets_.AddObserver(&events_);
  tickets_.AddObserver(&ticket_credit_);
  tickets_.AddObserver(&decision_follow_up_);
  // Approved volunteer hours are credited to the member's passbook in the approval's own
  // transaction: a failed credit rolls the approval back, a retried one pays once (its key).
  activities_.SetHoursApprovedSink([this](store::Connection& tx, const domain::HoursApproved& h) {
    domain::ApprovedHours credit;
    credit.holder_member_id = h.person_id;
    credit.activity_id = h.activity_id;
    credit.minutes = h.minutes;
    credit.approved_by = h.approver_account_id;
    credit.served_at = h.served_at;
    credit.idempotency_key = h.idempotency_key;
    core::Result<domain::CreditedHours> credited = timebank_.CreditApprovedHours(tx, credit);
    if (!credited.ok()) return core::Status(credited.error());
    return core::Ok();
  });
  tree_.AddPathCopy("tb_account");
  tree_.AddPathCopy("tb_reward");
  tree_.AddPathCopy("tb_redemption");
  // Visits and each household's visit state are scoped by their building's path.
  tree_.AddPathCopy("household_visit");
  tree_.AddPathCopy("visit");
  tree_.AddPathCopy("visit_campaign");
  tree_.AddPathCopy("fund_account");
  // Care subjects and alerts, deliberation meetings and items, branch meetings and warnings are
  // scoped by their node's path too.
  for (const char* table : {"care_subject", "care_alert", "delib_meeting", "delib_item",
                            "party_meeting", "party_warning"}) {
    tree_.AddPathCopy(table);
  }
  // Visits, care subjects and alerts also keep their household's grid and community: a move
  // recomputes them, so lists, plans, coverage and the screen's map follow the household.
  tree_.AddMoveHook(&domain::TicketStats::OnSubtreeMoved);
  tree_.AddMoveHook(&domain::VisitService::OnSubtreeMoved);
  tree_.AddMoveHook(&domain::CareService::OnSubtreeMoved);
  // Open() creates the sender before anyone can change a ticket.
  webhooks_.SetWakeHook([this] {
    if (webhook_sender_) webhook_sender_->Wake();
  });
}

core::Status LogSmsSender::Send(const std::string& phone, const std::string& text) {
  // The phone masked: the log is not a place for personal data; the code is the point.
  spdlog::info("sms to {}: {}", core::MaskPhone(phone), text);
  return core::Ok();
}

core::Result<domain::Caller> App::CallerFor(const std::string& username) {
  CG_ASSIGN_OR_RETURN(domain::Caller caller, accounts_.CallerForUsername(username));
  caller.request_id = "cli";
  return caller;
}

http::ApiServices MakeApiServices(App& a, http::Metrics& metrics, http::ApiOptions options) {
  if (!options.csrf_token) {
    // A keyed BLAKE2b under the server's key (the PII lookup key; the prefix
    // keeps it apart from every PII lookup hash): stable across restarts,
    // nothing to store, and worthless without the session token it comes from.
    const core::PiiCipher& cipher = a.cipher();
    options.csrf_token = [&cipher](std::string_view session_token) {
      return core::HexEncode(cipher.LookupHash("civicgrid-csrf-v1:" + std::string(session_token)));
    };
  }
  if (options.version.empty()) options.version = CIVICGRID_VERSION;
  // One service a line (clang-format would pack the list into columns).
  // clang-format off
  return http::ApiServices{a.db(),
                           a.clock(),
                           a.audit(),
                           a.accounts(),
                           a.registrations(),
                           a.tree(),
                           a.residents(),
                           a.party(),
                           a.units(),
                           a.staff(),
                           a.service_centers(),
                           a.importer(),
                           a.locator(),
                           a.categories(),
                           a.tickets(),
                           a.stats(),
                           a.webhooks(),
                           a.attachments(),
                           a.events(),
                           a.intake(),
                           a.timebank(),
                           a.governance(),
                           a.duty(),
                           a.activities(),
                           a.care(),
                           a.partylife(),
                           a.visits(),
                           a.coverage(),
                           a.funds(),
                           a.deliberation(),
                           metrics,
                           std::move(options)};
  // clang-format on
}

}  // namespace civicgrid::app
