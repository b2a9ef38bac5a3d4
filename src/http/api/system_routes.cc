// /healthz, /metrics, the OpenAPI document, the web pages' settings and the audit log.
#include <boost/json.hpp>

#include "domain/access/audit_query.h"
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

// ?action=&account_id=&subject_type=&subject_id=&order=asc|desc&after=|before=&limit=
core::Result<domain::AuditFilter> AuditFilterOf(const Request& r) {
  domain::AuditFilter f;
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  f.limit = page.limit;
  f.cursor = page.after;
  if (auto order = r.Query("order")) {
    if (*order != "asc" && *order != "desc")
      return core::Error::Invalid("order", "应为 asc 或 desc");
    f.descending = *order == "desc";
  }
  if (f.descending) {
    if (r.Query("after")) return core::Error::Invalid("after", "order=desc 时请用 before 翻页");
    CG_ASSIGN_OR_RETURN(std::optional<int64_t> before, QueryId(r, "before"));
    f.cursor = before.value_or(0);
  } else if (r.Query("before")) {
    return core::Error::Invalid("before", "before 只用于 order=desc");
  }
  auto text = [&r](std::string_view name) -> core::Result<std::optional<std::string>> {
    auto v = r.Query(name);
    if (!v) return std::optional<std::string>();
    if (v->empty() || v->size() > 64) {
      return core::Error::Invalid(std::string(name), "应为 1 到 64 个字符");
    }
    return std::optional<std::string>(std::string(*v));
  };
  CG_ASSIGN_OR_RETURN(f.action, text("action"));
  CG_ASSIGN_OR_RETURN(f.subject_type, text("subject_type"));
  CG_ASSIGN_OR_RETURN(f.account_id, QueryId(r, "account_id"));
  CG_ASSIGN_OR_RETURN(f.subject_id, QueryId(r, "subject_id"));
  if (f.subject_id && !f.subject_type) {
    return core::Error::Invalid("subject_type", "按 subject_id 筛选时须同时给 subject_type");
  }
  return f;
}

core::Result<Response> AuditList(ApiServices& s, Request& r, const Caller& c) {
  CG_TRY(c.Require(domain::Permission::kAuditRead));
  CG_ASSIGN_OR_RETURN(domain::AuditFilter filter, AuditFilterOf(r));
  CG_ASSIGN_OR_RETURN(auto conn, s.db.Acquire());
  CG_ASSIGN_OR_RETURN(auto entries, domain::ListAudit(*conn, filter));
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
  if (static_cast<int64_t>(entries.size()) == filter.limit) next = entries.back().seq;
  json::value next_after = filter.descending ? nullptr : next;
  json::value next_before = filter.descending ? next : nullptr;
  return Response::Json(200, json::object{{"items", std::move(items)},
                                          {"next_after", std::move(next_after)},
                                          {"next_before", std::move(next_before)}});
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
