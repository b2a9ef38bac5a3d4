// The JSON API under /api/v1: thin handlers that authenticate the caller,
// read and validate the request, call one domain service and map its result
// or error to JSON. No SQL and no business rule here.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include "core/geo.h"
#include "core/time.h"
#include "domain/access/account_service.h"
#include "domain/access/audit_log.h"
#include "domain/access/registration.h"
#include "domain/care/care_service.h"
#include "domain/partylife/partylife_service.h"
#include "domain/coverage/coverage_service.h"
#include "domain/deliberation/deliberation_service.h"
#include "domain/duty/activity_service.h"
#include "domain/duty/dual_registration.h"
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
#include "domain/timebank/timebank.h"
#include "domain/visits/visit_service.h"

#include "http/metrics.h"
#include "http/router.h"
#include "store/pool.h"

namespace civicgrid::http {

struct ApiOptions {
  // Mark the session cookie Secure (set when served behind HTTPS).
  bool secure_cookies = false;
  // Largest CSV or GeoJSON upload accepted by the import endpoints.
  size_t import_max_bytes = size_t{128} << 20;
  // The OpenAPI document served at /api/v1/openapi.json.
  std::string openapi_json;
  // The CSRF token of a session token (see CsrfTokenFor); set by
  // app::MakeApiServices to a keyed hash under the server's key. Required.
  std::function<std::string(std::string_view session_token)> csrf_token;
  // What GET /api/v1/web-config tells the web pages.
  std::string version;                   // the server's version
  std::string tile_url;                  // map tile URL template; empty: offline, GeoJSON only
  std::string tile_coord_sys = "wgs84";  // the tiles' coordinates: wgs84 or gcj02
  bool web_pages = false;                // whether this server also serves the web pages
};

// Everything the handlers call; owned by the app, borrowed here.
struct ApiServices {
  store::Db& db;
  const core::Clock& clock;
  domain::AuditLog& audit;
  domain::AccountService& accounts;
  domain::RegistrationService& registrations;
  domain::OrgTreeService& tree;
  domain::ResidentService& residents;
  domain::PartyService& party;
  domain::UnitService& units;
  domain::StaffService& staff;
  domain::ServiceCenterService& service_centers;
  domain::Importer& importer;
  domain::GridLocator& locator;
  domain::CategoryService& categories;
  domain::TicketService& tickets;
  domain::TicketStats& stats;
  domain::WebhookService& webhooks;
  domain::AttachmentService& attachments;
  domain::EventHub& events;               // wakes the ticket event stream
  domain::IntakeWriter& intake;           // group commit of submissions
  domain::TimeBank& timebank;             // 爱心存折: ledger, rewards, rankings
  domain::GovernanceService& governance;  // compounds, the red, yellow and black lists
  domain::DualRegistrationService& duty;  // 双报到
  domain::ActivityService& activities;    // teams and activities
  domain::CareService& care;              // silence alerts (云监护)
  domain::PartyLifeService& partylife;    // meetings, cadence, 黄橙红 warnings
  domain::VisitService& visits;           // 民情台账: visits, plans, coverage
  domain::CoverageService& coverage;      // the 15-minute service circle
  domain::FundLedger& funds;              // communities' work and service funds
  domain::DeliberationService& deliberation;  // 议事协商 meetings
  Metrics& metrics;
  ApiOptions options;
};

inline constexpr std::string_view kSessionCookie = "cg_session";
// CSRF protection of cookie sessions: the token is readable by the pages in
// this cookie (and in the bodies of login and /me) and must come back in this
// header on every state-changing request authenticated by the session cookie.
inline constexpr std::string_view kCsrfCookie = "cg_csrf";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

// Registers every route of the API (and /healthz, /metrics).
void RegisterApi(Router& router, ApiServices& services);

// Pieces shared by the route files.
// Handlers return Result<Response>; an error becomes the JSON error body.
using AuthedHandler = std::function<core::Result<Response>(Request&, const domain::Caller&)>;
using PlainHandler = std::function<core::Result<Response>(Request&)>;
// Resolves the caller from the session cookie or a Bearer token, then runs
// `handler`; 401 JSON when neither is valid.
Handler Authed(ApiServices& services, AuthedHandler handler);
// The same for an async route: the caller is resolved on the I/O thread, then
// `handler` starts the work and answers through `respond` (see AsyncHandler).
using AuthedAsyncHandler = std::function<void(Request&, const domain::Caller&, Responder)>;
AsyncHandler AuthedAsync(ApiServices& services, AuthedAsyncHandler handler);
// What Authed reads: a Bearer token (preferred) or the session cookie. Kept by
// long-lived responses (the event stream) to check the caller again later.
struct Credential {
  bool bearer = false;
  std::string token;  // empty: none sent
};
Credential CredentialOf(const Request& request);
// The caller behind `credential`; Unauthenticated when there is none or it is no longer valid.
core::Result<domain::Caller> Authenticate(ApiServices& services, const Credential& credential);
// The CSRF token that goes with a session token.
std::string CsrfTokenFor(const ApiServices& services, std::string_view session_token);
// The 403 csrf_failed answer when `request` changes state (any method but GET,
// HEAD, OPTIONS) on the strength of a session cookie without the matching
// X-CSRF-Token header; nullopt when it may proceed (bearer tokens always may).
std::optional<Response> CsrfRefusal(const ApiServices& services, const Request& request,
                                    const Credential& credential);
Handler Plain(PlainHandler handler);
// The request body as a JSON object (errors name "body").
core::Result<boost::json::object> BodyObject(const Request& request);
// A positive id from a route parameter or query value; else invalid (field).
core::Result<int64_t> ParseId(std::string_view text, std::string_view field);
core::Result<std::optional<int64_t>> QueryId(const Request& request, std::string_view name);
core::Result<domain::Page> QueryPage(const Request& request);
// ?name=true|1|false|0; absent is false.
core::Result<bool> QueryFlag(const Request& request, std::string_view name);
// A required decimal number from the query string.
core::Result<double> QueryNumber(const Request& request, std::string_view name);
// ?coord_sys=wgs84|gcj02; absent is WGS-84.
core::Result<core::CoordSys> QueryCoordSys(const Request& request);
// An optional JSON array of positive ids (absent or null: empty).
core::Result<std::vector<int64_t>> IdList(const boost::json::object& body, std::string_view field);
// An optional [lon, lat] pair (absent or null: nullopt); errors name `field`.
core::Result<std::optional<core::LonLat>> OptionalLonLat(const boost::json::object& body,
                                                         std::string_view field);

// The answer to a successful sign-in (login, self-registration): the caller
// as JSON and the session cookie.
core::Result<Response> SessionResponse(ApiServices& services, const domain::LoginResult& login);
// What GET /me adds to the caller: must_change_password, staff_id, grids, home.
core::Status AddProfileJson(ApiServices& services, const domain::Caller& caller,
                            boost::json::object& out);

void RegisterSessionRoutes(Router& router, ApiServices& services);
void RegisterAccountRoutes(Router& router, ApiServices& services);
void RegisterOrgRoutes(Router& router, ApiServices& services);
void RegisterPeopleRoutes(Router& router, ApiServices& services);
void RegisterImportRoutes(Router& router, ApiServices& services);
void RegisterSystemRoutes(Router& router, ApiServices& services);
void RegisterTicketRoutes(Router& router, ApiServices& services);
void RegisterStatsRoutes(Router& router, ApiServices& services);
void RegisterAttachmentRoutes(Router& router, ApiServices& services);
void RegisterWebhookRoutes(Router& router, ApiServices& services);
void RegisterStreamRoutes(Router& router, ApiServices& services);
void RegisterTimeBankRoutes(Router& router, ApiServices& services);
void RegisterGovernanceRoutes(Router& router, ApiServices& services);
void RegisterDutyRoutes(Router& router, ApiServices& services);
void RegisterCareRoutes(Router& router, ApiServices& services);
void RegisterPartyLifeRoutes(Router& router, ApiServices& services);
void RegisterVisitRoutes(Router& router, ApiServices& services);
void RegisterCoverageRoutes(Router& router, ApiServices& services);
void RegisterDeliberationRoutes(Router& router, ApiServices& services);

}  // namespace civicgrid::http
