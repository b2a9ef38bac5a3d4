// Bulk import (CSV, GeoJSON) and export.
#include <boost/json.hpp>

#include "http/api/api.h"
#include "http/api/views.h"

namespace civicgrid::http {
namespace {

namespace json = boost::json;
using domain::Caller;

// 200 with the report when every row went in; 422 naming the first bad row's
// field, with the whole report, when nothing was written.
Response ReportResponse(const domain::ImportReport& report) {
  if (report.ok()) return Response::Json(200, ToJson(report));
  const domain::ImportIssue& first = report.issues.front();
  core::Error error =
      core::Error::Invalid(first.field, "导入未执行：" + std::to_string(report.issues.size()) +
                                            " 处错误，第一处：" + first.message);
  json::object body = ErrorJson(error).as_object();
  body["report"] = ToJson(report);
  return Response::Json(StatusFor(error.code, error.field), body);
}

using ImportFn = core::Result<domain::ImportReport> (domain::Importer::*)(
    const Caller&, std::string_view, const domain::ImportOptions&);

Handler CsvImport(ApiServices& s, ImportFn fn) {
  return Authed(s, [&s, fn](Request& r, const Caller& c) -> core::Result<Response> {
    if (r.body.empty()) return core::Error::Invalid("body", "请求体为空，请上传 CSV 文件");
    CG_ASSIGN_OR_RETURN(domain::ImportReport report, (s.importer.*fn)(c, r.body, {}));
    return ReportResponse(report);
  });
}

core::Result<Response> ImportBoundaries(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(domain::ImportReport report, s.importer.ImportGridBoundaries(c, r.body));
  if (report.ok()) CG_TRY(s.locator.Reload());
  return ReportResponse(report);
}

core::Result<Response> ExportResidents(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(std::optional<int64_t> within, QueryId(r, "within"));
  CG_ASSIGN_OR_RETURN(std::string csv, s.importer.ExportResidents(c, within));
  Response response = Response::Text(200, std::move(csv), "text/csv; charset=utf-8");
  response.AddHeader("Content-Disposition", "attachment; filename=\"residents.csv\"");
  response.AddHeader("Cache-Control", "no-store");
  return response;
}

core::Result<Response> Csv(std::string csv, const std::string& filename) {
  Response response = Response::Text(200, std::move(csv), "text/csv; charset=utf-8");
  response.AddHeader("Content-Disposition", "attachment; filename=\"" + filename + "\"");
  response.AddHeader("Cache-Control", "no-store");
  return response;
}

core::Result<Response> ExportMembers(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(std::optional<int64_t> within, QueryId(r, "within"));
  CG_ASSIGN_OR_RETURN(std::string csv, s.importer.ExportPartyMembers(c, within));
  return Csv(std::move(csv), "party-members.csv");
}

core::Result<Response> ExportUnits(ApiServices& s, Request&, const Caller& c) {
  CG_ASSIGN_OR_RETURN(std::string csv, s.importer.ExportUnits(c));
  return Csv(std::move(csv), "units.csv");
}

}  // namespace

void RegisterImportRoutes(Router& router, ApiServices& s) {
  // Imports and exports run on the long lane: they may take seconds.
  RouteOptions big = LongRoute(s.options.import_max_bytes);
  router.Add("POST", "/api/v1/imports/residents", CsvImport(s, &domain::Importer::ImportResidents),
             big);
  router.Add("POST", "/api/v1/imports/party-members",
             CsvImport(s, &domain::Importer::ImportPartyMembers), big);
  router.Add("POST", "/api/v1/imports/units", CsvImport(s, &domain::Importer::ImportUnits), big);
  router.Add("POST", "/api/v1/imports/grid-boundaries",
             Authed(s, [&s](Request& r, const Caller& c) { return ImportBoundaries(s, r, c); }),
             big);
  router.Add("GET", "/api/v1/exports/residents.csv",
             Authed(s, [&s](Request& r, const Caller& c) { return ExportResidents(s, r, c); }),
             LongRoute());
  router.Add("GET", "/api/v1/exports/party-members.csv",
             Authed(s, [&s](Request& r, const Caller& c) { return ExportMembers(s, r, c); }),
             LongRoute());
  router.Add("GET", "/api/v1/exports/units.csv",
             Authed(s, [&s](Request& r, const Caller& c) { return ExportUnits(s, r, c); }),
             LongRoute());
}

}  // namespace civicgrid::http
