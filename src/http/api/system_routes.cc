// /healthz, /metrics, the OpenAPI document, the web pages' settings and the audit log.
#include <boost/json.hpp>

#include "http/api/api.h"
#include "store/migrate.h"

namespace civicgrid::http {
namespace {

namespace json = boost::json;
using domain::Caller;

// Answered on the I/O thread without touching the database, so that a health
// check answers while every worker is busy: the schema version is read once,
// at registration (the schema does not change while serving).
core::Result<Response> Health(ApiServices& s, const core::Result<int>& schema_version) {
  CG_ASSIGN_OR_RETURN(int version, schema_version);
  return Response::Json(
      200, json::object{
               {"status", "ok"},
               {"database", s.db.backend() == store::Backend::kSqlite ? "sqlite" : "postgresql"},
               {"schema_version", version},
               {"grids_indexed", s.locator.size()}});
}

// Public and fixed while serving: what the web pages need before anyone signs in.
Response WebConfig(const ApiOptions& o) {
  return Response::Json(200, json::object{{"version", o.version},
                                          {"tile_url", o.tile_url},
                                          {"tile_coord_sys", o.tile_coord_sys},
                                          {"web_pages", o.web_pages},
                                          {"csrf_cookie", kCsrfCookie},
                                          {"csrf_header", kCsrfHeader}});
}

core::Result<Response> AuditList(ApiServices& s, Request& r, const Caller& c) {
  CG_TRY(c.Require(domain::Permission::kAuditRead));
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(auto conn, s.db.Acquire());
  CG_ASSIGN_OR_RETURN(auto entries, s.audit.List(*conn, page.after, page.limit));
  json::array items;
  for (const auto& e : entries) {
    items.push_back(json::object{{"seq", e.seq},
                                 {"at", core::FormatUtc(e.at_ms)},
                                 {"account_id", e.account_id},
                                 {"action", e.action},
                                 {"subject_type", e.subject_type},
                                 {"subject_id", e.subject_id},
                                 {"detail", e.detail},
                                 {"request_id", e.request_id},
                                 {"hash", e.hash}});
  }
  json::value next = nullptr;
  if (static_cast<int64_t>(entries.size()) == page.limit) next = entries.back().seq;
  return Response::Json(200, json::object{{"items", std::move(items)}, {"next_after", next}});
}

core::Result<Response> AuditVerify(ApiServices& s, const Caller& c) {
  CG_TRY(c.Require(domain::Permission::kAuditRead));
  CG_ASSIGN_OR_RETURN(auto conn, s.db.Acquire());
  CG_ASSIGN_OR_RETURN(domain::AuditVerifyReport report, s.audit.Verify(*conn));
  return Response::Json(200, json::object{{"ok", report.ok},
                                          {"entries", report.entries},
                                          {"first_bad_seq", report.first_bad_seq},
                                          {"problem", report.problem}});
}

}  // namespace

void RegisterSystemRoutes(Router& router, ApiServices& s) {
  core::Result<int> version = [&s]() -> core::Result<int> {
    CG_ASSIGN_OR_RETURN(auto conn, s.db.Acquire());
    return store::SchemaVersion(*conn);
  }();
  router.Add("GET", "/healthz", Plain([&s, version](Request&) { return Health(s, version); }),
             IoThreadRoute());
  AddMetricsRoute(router, s.metrics);
  router.Add("GET", "/api/v1/openapi.json", [&s](Request&) {
    return Response::Text(200, s.options.openapi_json, std::string(kJsonContentType));
  });
  router.Add(
      "GET", "/api/v1/web-config", [&s](Request&) { return WebConfig(s.options); },
      IoThreadRoute());
  router.Add("GET", "/api/v1/audit",
             Authed(s, [&s](Request& r, const Caller& c) { return AuditList(s, r, c); }));
  router.Add("GET", "/api/v1/audit/verify",
             Authed(s, [&s](Request&, const Caller& c) { return AuditVerify(s, c); }));
}

}  // namespace civicgrid::http
