// Silence alerts (云监护): care subjects, meters, reading batches (JSON and
// CSV) and alerts.
#include <charconv>
#include <map>

#include <boost/json.hpp>

#include "domain/care/care_service.h"
#include "http/api/api.h"
#include "http/api/care_json.h"
#include "http/api/views.h"
#include "http/json_body.h"

namespace civicgrid::http {
namespace {

namespace json = boost::json;
using domain::Caller;

json::object MeterJson(const domain::Meter& m) {
  return json::object{{"id", m.id},
                      {"subject_id", m.subject_id},
                      {"kind", domain::MeterKindName(m.kind)},
                      {"external_id", m.external_id},
                      {"floor", m.floor},
                      {"standby_w", OptJson(m.standby_w)},
                      {"for_silence", m.for_silence},
                      {"last_at", OptTimeJson(m.last_at_ms)},
                      {"last_value", OptJson(m.last_value)},
                      {"last_use_at", OptTimeJson(m.last_use_at_ms)},
                      {"readings", m.readings}};
}

json::object SubjectJson(const domain::CareSubject& s) {
  json::array contacts, meters;
  for (const auto& c : s.contacts) {
    contacts.push_back(
        json::object{{"name", c.name}, {"relation", c.relation}, {"phone_masked", c.phone}});
  }
  for (const auto& m : s.meters) meters.push_back(MeterJson(m));
  return json::object{{"id", s.id},
                      {"resident_id", s.resident_id},
                      {"resident_name", s.resident_name},
                      {"building_id", s.node_id},
                      {"grid_id", s.grid_id},
                      {"worker_staff_id", OptJson(s.worker_staff_id)},
                      {"worker_name", s.worker_name},
                      {"consent", json::object{{"by", s.consent_by},
                                               {"method", s.consent_method},
                                               {"at", core::FormatUtc(s.consent_at_ms)}}},
                      {"silence_hours", s.silence_hours},
                      {"flow_hours", s.flow_hours},
                      {"away_from", OptTimeJson(s.away_from_ms)},
                      {"away_until", OptTimeJson(s.away_until_ms)},
                      {"last_use_at", core::FormatUtc(s.last_use_at_ms)},
                      {"contacts", std::move(contacts)},
                      {"meters", std::move(meters)},
                      {"open_alerts", s.open_alerts},
                      {"version", s.version},
                      {"created_at", core::FormatUtc(s.created_at_ms)},
                      {"profile_on", s.profile_on},
                      {"profile_threshold", s.profile_threshold},
                      {"profile_weeks", s.profile_weeks},
                      {"profile_due", OptTimeJson(s.profile_due_ms)}};
}

json::object AlertJson(const domain::CareAlert& a) {
  return json::object{{"id", a.id},
                      {"subject_id", a.subject_id},
                      {"resident_name", a.resident_name},
                      {"rule", domain::AlertRuleName(a.rule)},
                      {"meter_id", OptJson(a.meter_id)},
                      {"raised_at", core::FormatUtc(a.raised_at_ms)},
                      {"ticket_id", OptJson(a.ticket_id)},
                      {"ticket_number", a.ticket_number},
                      {"acknowledged_at", OptTimeJson(a.acknowledged_at_ms)},
                      {"closed_at", OptTimeJson(a.closed_at_ms)},
                      {"close_reason", a.close_reason},
                      {"basis", a.basis},
                      {"assigned_account_id", OptJson(a.assigned_account_id)},
                      {"escalated_at", OptTimeJson(a.escalated_at_ms)},
                      {"contacted_at", OptTimeJson(a.contacted_at_ms)},
                      {"grid_id", a.grid_id},
                      {"community_id", OptJson(a.community_id)}};
}

core::Result<std::vector<domain::EmergencyContact>> Contacts(const json::value& v) {
  std::vector<domain::EmergencyContact> out;
  if (v.is_null()) return out;
  if (!v.is_array()) return core::Error::Invalid("contacts", "应为数组");
  for (size_t i = 0; i < v.as_array().size(); ++i) {
    const json::value& item = v.as_array()[i];
    std::string at = "contacts[" + std::to_string(i) + "]";
    if (!item.is_object()) return core::Error::Invalid(at, "应为对象");
    const json::object& o = item.as_object();
    domain::EmergencyContact c;
    CG_ASSIGN_OR_RETURN(c.name, RequireString(o, "name", 40));
    CG_ASSIGN_OR_RETURN(auto relation, OptionalString(o, "relation", 20));
    c.relation = relation.value_or("");
    CG_ASSIGN_OR_RETURN(c.phone, RequireString(o, "phone", 20));
    out.push_back(std::move(c));
  }
  return out;
}

core::Result<std::optional<double>> OptionalNumber(const json::object& o, std::string_view field) {
  const json::value* v = o.if_contains(field);
  if (v == nullptr || v->is_null()) return std::optional<double>();
  if (!v->is_number()) return core::Error::Invalid(std::string(field), "应为数字");
  return std::optional<double>(v->to_number<double>());
}

core::Result<domain::NewMeter> MeterOf(const json::object& o) {
  domain::NewMeter m;
  CG_ASSIGN_OR_RETURN(std::string kind, RequireString(o, "kind", 10));
  CG_ASSIGN_OR_RETURN(m.kind, domain::ParseMeterKind(kind, "kind"));
  CG_ASSIGN_OR_RETURN(m.external_id, RequireString(o, "external_id", 64));
  CG_ASSIGN_OR_RETURN(m.floor, OptionalNumber(o, "floor"));
  CG_ASSIGN_OR_RETURN(m.standby_w, OptionalNumber(o, "standby_w"));
  CG_ASSIGN_OR_RETURN(m.for_silence, OptionalBool(o, "for_silence"));
  return m;
}

core::Result<Response> ListSubjects(ApiServices& s, Request& r, const Caller& c) {
  domain::CareSubjectFilter filter;
  CG_ASSIGN_OR_RETURN(filter.page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(filter.within, QueryId(r, "within"));
  CG_ASSIGN_OR_RETURN(auto page, s.care.List(c, filter));
  return Response::Json(200, PageJson(page, SubjectJson));
}

core::Result<Response> EnrolSubject(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewCareSubject n;
  CG_ASSIGN_OR_RETURN(n.resident_id, RequireInt(body, "resident_id", 1));
  CG_ASSIGN_OR_RETURN(n.worker_staff_id, OptionalInt(body, "worker_staff_id", 1));
  CG_ASSIGN_OR_RETURN(n.consent_by, RequireString(body, "consent_by", 40));
  CG_ASSIGN_OR_RETURN(n.consent_method, RequireString(body, "consent_method", 20));
  CG_ASSIGN_OR_RETURN(n.consent_at, OptionalString(body, "consent_at", 40));
  CG_ASSIGN_OR_RETURN(n.silence_hours, OptionalInt(body, "silence_hours"));
  CG_ASSIGN_OR_RETURN(n.flow_hours, OptionalInt(body, "flow_hours"));
  CG_ASSIGN_OR_RETURN(n.profile_on, OptionalBool(body, "profile_on"));
  CG_ASSIGN_OR_RETURN(n.profile_threshold, OptionalNumber(body, "profile_threshold"));
  if (const json::value* v = body.if_contains("contacts")) {
    CG_ASSIGN_OR_RETURN(n.contacts, Contacts(*v));
  }
  if (const json::value* v = body.if_contains("meters"); v && !v->is_null()) {
    if (!v->is_array()) return core::Error::Invalid("meters", "应为数组");
    for (size_t i = 0; i < v->as_array().size(); ++i) {
      const json::value& item = v->as_array()[i];
      std::string at = "meters[" + std::to_string(i) + "]";
      if (!item.is_object()) return core::Error::Invalid(at, "应为对象");
      auto m = MeterOf(item.as_object());
      if (!m.ok()) return core::Error::Invalid(at + "." + m.error().field, m.error().message);
      n.meters.push_back(*m);
    }
  }
  CG_ASSIGN_OR_RETURN(domain::CareSubject created, s.care.Enrol(c, n));
  return Response::Json(201, SubjectJson(created));
}

core::Result<Response> GetSubject(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(domain::CareSubject subject, s.care.Get(c, id));
  return Response::Json(200, SubjectJson(subject));
}

core::Result<Response> UpdateSubject(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::CareSubjectUpdate u;
  CG_ASSIGN_OR_RETURN(u.worker_staff_id, OptionalInt(body, "worker_staff_id", 1));
  CG_ASSIGN_OR_RETURN(u.silence_hours, OptionalInt(body, "silence_hours"));
  CG_ASSIGN_OR_RETURN(u.flow_hours, OptionalInt(body, "flow_hours"));
  CG_ASSIGN_OR_RETURN(u.version, OptionalInt(body, "version", 0));
  CG_ASSIGN_OR_RETURN(u.profile_on, OptionalBool(body, "profile_on"));
  CG_ASSIGN_OR_RETURN(u.profile_threshold, OptionalNumber(body, "profile_threshold"));
  if (const json::value* v = body.if_contains("contacts"); v && !v->is_null()) {
    CG_ASSIGN_OR_RETURN(u.contacts, Contacts(*v));
  }
  CG_ASSIGN_OR_RETURN(domain::CareSubject updated, s.care.Update(c, id, u));
  return Response::Json(200, SubjectJson(updated));
}

core::Result<Response> SetAbsence(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(auto from, OptionalString(body, "from", 10));
  CG_ASSIGN_OR_RETURN(auto until, OptionalString(body, "until", 10));
  CG_ASSIGN_OR_RETURN(domain::CareSubject updated, s.care.SetAbsence(c, id, from, until));
  return Response::Json(200, SubjectJson(updated));
}

core::Result<Response> AddMeter(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(domain::NewMeter m, MeterOf(body));
  CG_ASSIGN_OR_RETURN(domain::Meter meter, s.care.AddMeter(c, id, m));
  return Response::Json(201, MeterJson(meter));
}

// A JSON reading's field as text: strings as they are, numbers written back
// exactly (shortest round trip); anything else becomes "" and is refused by
// the service with its row and field.
std::string FieldText(const json::object& o, std::string_view field) {
  const json::value* v = o.if_contains(field);
  if (v == nullptr) return "";
  if (v->is_string()) return std::string(v->as_string());
  char buf[64];
  std::to_chars_result res{};
  if (v->is_int64()) {
    res = std::to_chars(buf, buf + sizeof buf, v->as_int64());
  } else if (v->is_uint64()) {
    res = std::to_chars(buf, buf + sizeof buf, v->as_uint64());
  } else if (v->is_double()) {
    res = std::to_chars(buf, buf + sizeof buf, v->as_double());
  } else {
    return "";
  }
  return std::string(buf, res.ptr);
}

core::Result<Response> PostReadings(ApiServices& s, Request& r, const Caller& c) {
  std::string_view type = r.Header("Content-Type");
  std::vector<domain::ReadingRow> rows;
  if (type.starts_with("text/csv")) {
    CG_ASSIGN_OR_RETURN(rows, domain::CareService::ParseCsv(r.body));
  } else {
    CG_ASSIGN_OR_RETURN(rows, CareReadingsFromJson(r.body));
  }
  CG_ASSIGN_OR_RETURN(domain::IngestReport report, s.care.Ingest(c, rows));
  json::array rejected;
  for (const auto& p : report.rejected) {
    rejected.push_back(json::object{{"row", p.row}, {"field", p.field}, {"message", p.message}});
  }
  json::object out{
      {"received", report.received},           {"stored", report.stored},
      {"duplicates", report.duplicates},       {"rejected", std::move(rejected)},
      {"alerts_raised", report.alerts_raised}, {"alerts_closed", report.alerts_closed}};
  // Good rows are kept and bad ones reported (200); a batch of which no row
  // could be taken is refused as a whole (422 naming the first bad row).
  if (report.stored == 0 && report.duplicates == 0 && !report.rejected.empty()) {
    const domain::RowProblem& first = report.rejected.front();
    core::Error error = core::Error::Invalid(
        first.field, "第 " + std::to_string(first.row) + " 行：" + first.message);
    json::object body = ErrorJson(error).as_object();
    body["report"] = std::move(out);
    return Response::Json(StatusFor(error.code, error.field), body);
  }
  return Response::Json(200, out);
}

core::Result<Response> ListAlerts(ApiServices& s, Request& r, const Caller& c) {
  domain::AlertFilter filter;
  CG_ASSIGN_OR_RETURN(filter.page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(filter.within, QueryId(r, "within"));
  CG_ASSIGN_OR_RETURN(filter.subject_id, QueryId(r, "subject_id"));
  CG_ASSIGN_OR_RETURN(filter.open_only, QueryFlag(r, "open"));
  CG_ASSIGN_OR_RETURN(filter.mine, QueryFlag(r, "mine"));
  CG_ASSIGN_OR_RETURN(auto page, s.care.Alerts(c, filter));
  return Response::Json(200, PageJson(page, AlertJson));
}

core::Result<Response> AcknowledgeAlert(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(domain::CareAlert alert, s.care.Acknowledge(c, id));
  return Response::Json(200, AlertJson(alert));
}

core::Result<Response> CloseAlert(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  std::optional<std::string> note;
  if (!r.body.empty()) {
    CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
    CG_ASSIGN_OR_RETURN(note, OptionalString(body, "note", 500));
  }
  CG_ASSIGN_OR_RETURN(domain::CareAlert alert, s.care.Close(c, id, note.value_or("")));
  return Response::Json(200, AlertJson(alert));
}

// The screen's map: an open alert without the person (a wall is not a place
// for names), and the grids' visit coverage with their open alerts.
json::object MapAlertJson(const domain::CareAlert& a) {
  return json::object{{"id", a.id},
                      {"rule", domain::AlertRuleName(a.rule)},
                      {"basis", a.basis},
                      {"grid_id", a.grid_id},
                      {"community_id", OptJson(a.community_id)},
                      {"raised_at", core::FormatUtc(a.raised_at_ms)},
                      {"acknowledged", a.acknowledged_at_ms.has_value()},
                      {"escalated", a.escalated_at_ms.has_value()},
                      {"contacted", a.contacted_at_ms.has_value()}};
}

core::Result<Response> CareMap(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(std::optional<int64_t> within, QueryId(r, "within"));
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(domain::MapAlerts alerts, s.care.OpenAlerts(c, within, page.limit));
  CG_ASSIGN_OR_RETURN(domain::Coverage coverage, s.visits.CoverageOf(c, within));
  std::map<int64_t, int64_t> open;
  json::array alert_items, grids;
  for (const auto& a : alerts.items) {
    ++open[a.grid_id];
    alert_items.push_back(MapAlertJson(a));
  }
  for (const auto& g : coverage.grids) {
    grids.push_back(json::object{{"grid_id", g.id},
                                 {"name", g.name},
                                 {"community_id", OptJson(g.parent_id)},
                                 {"households", g.households},
                                 {"seen_week", g.seen_week},
                                 {"seen_month", g.seen_month},
                                 {"visits_week", g.visits_week},
                                 {"open_alerts", open[g.id]}});
  }
  return Response::Json(200, json::object{{"week_start", core::FormatUtc(coverage.week_start_ms)},
                                          {"grids", std::move(grids)},
                                          {"alerts", std::move(alert_items)},
                                          {"truncated", alerts.truncated}});
}

}  // namespace

core::Result<std::vector<domain::ReadingRow>> CareReadingsFromJson(std::string_view text) {
  CG_ASSIGN_OR_RETURN(json::value body, ParseJsonBody(text));
  CG_ASSIGN_OR_RETURN(const json::object* o, RequireObject(body));
  const json::value* list = o->if_contains("readings");
  if (list == nullptr || !list->is_array()) {
    return core::Error::Invalid("readings", "应为读数数组");
  }
  std::vector<domain::ReadingRow> rows;
  rows.reserve(list->as_array().size());
  for (const json::value& item : list->as_array()) {
    domain::ReadingRow row;
    if (item.is_object()) {
      row.meter = FieldText(item.as_object(), "meter");
      row.at = FieldText(item.as_object(), "at");
      row.value = FieldText(item.as_object(), "value");
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

void RegisterCareRoutes(Router& router, ApiServices& s) {
  auto add = [&](const char* method, const char* pattern,
                 core::Result<Response> (*fn)(ApiServices&, Request&, const Caller&),
                 RouteOptions options = {}) {
    router.Add(method, pattern,
               Authed(s, [&s, fn](Request& r, const Caller& c) { return fn(s, r, c); }), options);
  };
  add("GET", "/api/v1/care/subjects", ListSubjects);
  add("POST", "/api/v1/care/subjects", EnrolSubject);
  add("GET", "/api/v1/care/subjects/{id}", GetSubject);
  add("PATCH", "/api/v1/care/subjects/{id}", UpdateSubject);
  add("PUT", "/api/v1/care/subjects/{id}/absence", SetAbsence);
  add("POST", "/api/v1/care/subjects/{id}/meters", AddMeter);
  // A batch of up to 100,000 readings: ~6 MB of CSV, on the long lane.
  add("POST", "/api/v1/care/readings", PostReadings, LongRoute(size_t{16} << 20));
  add("GET", "/api/v1/care/alerts", ListAlerts);
  add("POST", "/api/v1/care/alerts/{id}/acknowledge", AcknowledgeAlert);
  add("POST", "/api/v1/care/alerts/{id}/close", CloseAlert);
  add("GET", "/api/v1/care/map", CareMap);
}

}  // namespace civicgrid::http
