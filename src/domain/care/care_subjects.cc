// Care subjects: enrolment with consent, contacts, meters, absence, reads.
#include <algorithm>
#include <cctype>
#include <cmath>

#include "core/pii.h"
#include "domain/care/care_internal.h"
#include "domain/care/care_profile.h"

namespace civicgrid::domain {
namespace care {

std::string Field(std::string_view at, std::string_view field) {
  if (at.empty()) return std::string(field);
  return std::string(at) + "." + std::string(field);
}

const char* const kSubjectSelect =
    "SELECT s.id, s.resident_id, r.name AS resident_name, s.node_id, s.grid_id, "
    "s.worker_staff_id, st.name AS worker_name, s.consent_by, s.consent_method, s.consent_at, "
    "s.silence_hours, s.flow_hours, s.away_from, s.away_until, s.last_use_at, s.version, "
    "s.created_at, s.profile_on, s.profile_threshold, s.profile, s.profile_due, (SELECT COUNT(*) "
    "FROM care_alert a WHERE a.subject_id = s.id AND a.closed_at "
    "IS NULL) AS open_alerts FROM care_subject s JOIN resident r ON r.id = s.resident_id LEFT "
    "JOIN staff st ON st.id = s.worker_staff_id ";

CareSubject SubjectFromRow(const store::Row& r) {
  CareSubject s;
  s.id = r.Int("id");
  s.resident_id = r.Int("resident_id");
  s.resident_name = r.Text("resident_name");
  s.node_id = r.Int("node_id");
  s.grid_id = r.Int("grid_id");
  s.worker_staff_id = r.OptInt("worker_staff_id");
  if (auto n = r.OptText("worker_name")) s.worker_name = *n;
  s.consent_by = r.Text("consent_by");
  s.consent_method = r.Text("consent_method");
  s.consent_at_ms = r.Int("consent_at");
  s.silence_hours = r.Int("silence_hours");
  s.flow_hours = r.Int("flow_hours");
  s.away_from_ms = r.OptInt("away_from");
  s.away_until_ms = r.OptInt("away_until");
  s.last_use_at_ms = r.Int("last_use_at");
  s.version = r.Int("version");
  s.created_at_ms = r.Int("created_at");
  s.open_alerts = r.Int("open_alerts");
  s.profile_on = r.Int("profile_on") != 0;
  s.profile_threshold = r.Real("profile_threshold");
  if (auto p = UseProfile::Decode(r.Text("profile"))) s.profile_weeks = p->Weeks();
  s.profile_due_ms = r.OptInt("profile_due");
  return s;
}

}  // namespace care

namespace {

using care::Field;
using core::Error;

constexpr struct {
  MeterKind kind;
  std::string_view name;
} kMeterKinds[] = {
    {MeterKind::kWater, "water"}, {MeterKind::kPower, "power"}, {MeterKind::kGas, "gas"}};

bool ValidExternalId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ||
           c == ':';
  });
}

core::Status CheckHours(std::optional<int64_t> hours, std::string_view field, int64_t max) {
  if (hours && (*hours < 1 || *hours > max)) {
    return Error::Invalid(std::string(field), "时长应为 1–" + std::to_string(max) + " 小时");
  }
  return core::Ok();
}

// The learned profile's threshold: a probability, from one in a million to 0.5.
core::Status CheckThreshold(std::optional<double> threshold) {
  if (threshold && !(*threshold >= 1e-6 && *threshold <= 0.5)) {
    return Error::Invalid("profile_threshold", "静默概率阈值应在 0.000001–0.5 之间");
  }
  return core::Ok();
}

int64_t IdOf(const CareSubject& s) { return s.id; }

}  // namespace

std::string_view MeterKindName(MeterKind kind) {
  for (const auto& k : kMeterKinds) {
    if (k.kind == kind) return k.name;
  }
  return "water";
}

core::Result<MeterKind> ParseMeterKind(std::string_view name, std::string_view field) {
  for (const auto& k : kMeterKinds) {
    if (k.name == name) return k.kind;
  }
  return Error::Invalid(std::string(field), "表计类型应为 water、power 或 gas");
}

std::string_view AlertRuleName(AlertRule rule) {
  return rule == AlertRule::kSilence ? "silence" : "flow";
}

CareService::CareService(store::Db& db, const core::Clock& clock, AuditLog& audit,
                         const core::PiiCipher& cipher, TicketService& tickets, CareOptions options)
    : db_(db),
      clock_(clock),
      audit_(audit),
      cipher_(cipher),
      tickets_(tickets),
      options_(std::move(options)) {}

core::Result<std::vector<EmergencyContact>> CareService::CleanContacts(
    const std::vector<EmergencyContact>& contacts) const {
  if (static_cast<int64_t>(contacts.size()) > options_.max_contacts) {
    return Error::Invalid("contacts", "紧急联系人过多");
  }
  std::vector<EmergencyContact> out;
  for (size_t i = 0; i < contacts.size(); ++i) {
    std::string at = "contacts[" + std::to_string(i) + "]";
    EmergencyContact c;
    CG_ASSIGN_OR_RETURN(c.name, CleanName(contacts[i].name, Field(at, "name"), 40));
    CG_ASSIGN_OR_RETURN(c.relation,
                        CleanText(contacts[i].relation, Field(at, "relation"), 20, false));
    c.phone = core::NormalizePhone(contacts[i].phone);
    CG_TRY(core::ValidatePhone(c.phone, Field(at, "phone")));
    out.push_back(std::move(c));
  }
  return out;
}

core::Status CareService::InsertContacts(store::Connection& conn, int64_t subject_id,
                                         const std::vector<EmergencyContact>& contacts) {
  CG_TRY(conn.Execute("DELETE FROM care_contact WHERE subject_id = $1", {subject_id}));
  for (const auto& c : contacts) {
    SealedPii phone = SealPhone(cipher_, c.phone);
    CG_TRY(
        conn.Execute("INSERT INTO care_contact (subject_id, name, relation, phone_enc, "
                     "phone_hash, phone_masked) VALUES ($1, $2, $3, $4, $5, $6)",
                     {subject_id, c.name, c.relation, phone.enc, phone.hash, phone.masked}));
  }
  return core::Ok();
}

core::Status CareService::InsertMeter(store::Connection& conn, int64_t subject_id,
                                      const NewMeter& m, const std::string& at) {
  if (!ValidExternalId(m.external_id)) {
    return Error::Invalid(Field(at, "external_id"), "表号应为 1–64 个字母、数字或 - _ . :");
  }
  double floor = m.floor.value_or(m.kind == MeterKind::kWater   ? options_.water_floor
                                  : m.kind == MeterKind::kPower ? options_.power_floor
                                                                : options_.gas_floor);
  if (!std::isfinite(floor) || floor < 0 || floor > 100) {
    return Error::Invalid(Field(at, "floor"), "用量下限应为 0–100");
  }
  // Power is not water: its standby load (W) is what a fridge and the
  // devices on standby draw; only energy above it counts as use.
  std::optional<double> standby;
  if (m.kind == MeterKind::kPower) {
    standby = m.standby_w.value_or(options_.power_standby_w);
    if (!std::isfinite(*standby) || *standby < 0 || *standby > 5000) {
      return Error::Invalid(Field(at, "standby_w"), "待机功率应为 0–5000 瓦");
    }
  } else if (m.standby_w) {
    return Error::Invalid(Field(at, "standby_w"), "待机功率只用于电表");
  }
  const bool for_silence =
      m.for_silence.value_or(m.kind != MeterKind::kGas || options_.gas_for_silence);
  CG_ASSIGN_OR_RETURN(
      int64_t taken,
      conn.QueryInt("SELECT COUNT(*) FROM care_meter WHERE external_id = $1", {m.external_id}));
  if (taken > 0) return Error::Conflict("该表号已登记", Field(at, "external_id"));
  CG_TRY(conn.Execute(
      "INSERT INTO care_meter (subject_id, kind, external_id, floor, standby_w, for_silence, "
      "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
      {subject_id, std::string(MeterKindName(m.kind)), m.external_id, floor,
       standby ? store::Value(*standby) : store::Value(), int64_t{for_silence ? 1 : 0},
       clock_.NowMs()}));
  return core::Ok();
}

namespace {

// The subject's contacts (masked) and meters.
core::Status LoadParts(store::Connection& conn, CareSubject& s) {
  const int64_t id = s.id;
  store::Rows rows;
  CG_ASSIGN_OR_RETURN(rows, conn.Query("SELECT name, relation, phone_masked FROM care_contact "
                                       "WHERE subject_id = $1 ORDER BY id",
                                       {id}));
  for (const auto& r : rows) s.contacts.push_back({r.Text(0), r.Text(1), r.Text(2)});
  CG_ASSIGN_OR_RETURN(rows, conn.Query("SELECT id, kind, external_id, floor, standby_w, "
                                       "for_silence, last_at, last_value, last_use_at, readings "
                                       "FROM care_meter WHERE subject_id = $1 ORDER BY id",
                                       {id}));
  for (const auto& r : rows) {
    Meter m;
    m.id = r.Int("id");
    m.subject_id = id;
    m.kind = ParseMeterKind(r.Text("kind"), "kind").value();
    m.external_id = r.Text("external_id");
    m.floor = r.Real("floor");
    if (!r.IsNull("standby_w")) m.standby_w = r.Real("standby_w");
    m.for_silence = r.Int("for_silence") != 0;
    m.last_at_ms = r.OptInt("last_at");
    if (!r.IsNull("last_value")) m.last_value = r.Real("last_value");
    m.last_use_at_ms = r.OptInt("last_use_at");
    m.readings = r.Int("readings");
    s.meters.push_back(std::move(m));
  }
  return core::Ok();
}

}  // namespace

core::Result<CareSubject> CareService::Load(store::Connection& conn, const Caller& caller,
                                            int64_t id) {
  PathRange scope = caller.Scope();
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query(std::string(care::kSubjectSelect) +
                                     "WHERE s.id = $1 AND s.path >= $2 AND s.path < $3",
                                 {id, scope.lo, scope.hi}));
  if (rows.empty()) return Error::NotFound("监护对象不存在");
  CareSubject s = care::SubjectFromRow(rows[0]);
  CG_TRY(LoadParts(conn, s));
  return s;
}

core::Result<CareSubject> CareService::Enrol(const Caller& caller, const NewCareSubject& in) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  CG_ASSIGN_OR_RETURN(std::string consent_by, CleanName(in.consent_by, "consent_by", 40));
  if (in.consent_method != "written" && in.consent_method != "verbal" &&
      in.consent_method != "guardian") {
    return Error::Invalid("consent_method", "同意方式应为 written、verbal 或 guardian");
  }
  const int64_t now = clock_.NowMs();
  int64_t consent_at = now;
  if (in.consent_at) {
    CG_ASSIGN_OR_RETURN(consent_at, core::ParseTimestamp(*in.consent_at, "consent_at"));
    if (consent_at > now + options_.future_skew_ms) {
      return Error::Invalid("consent_at", "同意时间不能晚于现在");
    }
  }
  CG_TRY(CheckHours(in.silence_hours, "silence_hours", 168));
  CG_TRY(CheckHours(in.flow_hours, "flow_hours", 24));
  CG_TRY(CheckThreshold(in.profile_threshold));
  CG_ASSIGN_OR_RETURN(auto contacts, CleanContacts(in.contacts));
  if (static_cast<int64_t>(in.meters.size()) > options_.max_meters) {
    return Error::Invalid("meters", "表计过多");
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  PathRange scope = caller.Scope();
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query("SELECT r.flags, r.node_id, n.path, n.parent_id FROM resident r JOIN org_node n "
                  "ON n.id = r.node_id WHERE r.id = $1 AND n.path >= $2 AND n.path < $3",
                  {in.resident_id, scope.lo, scope.hi}));
  if (rows.empty()) return Error::Invalid("resident_id", "居民不存在或不在管辖范围内");
  const store::Row& res = rows[0];
  if (res.Int("flags") == 0) {
    return Error::Invalid("resident_id", "只有独居老人等重点关爱对象可以纳入云监护");
  }
  const int64_t grid_id = res.Int("parent_id");
  if (in.worker_staff_id) {
    CG_ASSIGN_OR_RETURN(
        int64_t ok,
        conn->QueryInt("SELECT COUNT(*) FROM staff s WHERE s.id = $1 AND s.kind = 'grid_worker' "
                       "AND (EXISTS (SELECT 1 FROM grid_assignment a WHERE a.staff_id = s.id AND "
                       "a.grid_id = $2) OR s.node_id = (SELECT parent_id FROM org_node WHERE id "
                       "= $2))",
                       {*in.worker_staff_id, grid_id}));
    if (ok == 0) return Error::Invalid("worker_staff_id", "该网格员不负责此网格");
  }
  CG_ASSIGN_OR_RETURN(
      int64_t enrolled,
      conn->QueryInt("SELECT COUNT(*) FROM care_subject WHERE resident_id = $1", {in.resident_id}));
  if (enrolled > 0) return Error::Conflict("该居民已纳入云监护", "resident_id");
  const int64_t hours = in.silence_hours.value_or(options_.silence_hours);
  CG_ASSIGN_OR_RETURN(
      int64_t id,
      conn->QueryInt(
          "INSERT INTO care_subject (resident_id, node_id, grid_id, path, worker_staff_id, "
          "consent_by, consent_method, consent_at, silence_hours, flow_hours, last_use_at, "
          "silence_due, created_at, updated_at, profile_on, profile_threshold) VALUES ($1, $2, $3, "
          "$4, $5, $6, $7, $8, $9, $10, $11, $12, $11, $11, $13, $14) RETURNING id",
          {in.resident_id, res.Int("node_id"), grid_id, res.Text("path"),
           in.worker_staff_id ? store::Value(*in.worker_staff_id) : store::Value(), consent_by,
           in.consent_method, consent_at, hours, in.flow_hours.value_or(options_.flow_hours), now,
           now + hours * core::kMsPerHour, static_cast<int64_t>(in.profile_on.value_or(false)),
           in.profile_threshold.value_or(options_.profile_threshold)}));
  CG_TRY(InsertContacts(*conn, id, contacts));
  for (size_t i = 0; i < in.meters.size(); ++i) {
    CG_TRY(InsertMeter(*conn, id, in.meters[i], "meters[" + std::to_string(i) + "]"));
  }
  CG_TRY(audit_.Append(*conn, caller, "care.enrol", "care_subject", id,
                       "consent: " + in.consent_method + " by " + consent_by));
  CG_TRY(tx.Commit());
  return Load(*conn, caller, id);
}

core::Result<CareSubject> CareService::Get(const Caller& caller, int64_t id) {
  CG_TRY(caller.Require(Permission::kPeopleRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  return Load(*conn, caller, id);
}

core::Result<PageOf<CareSubject>> CareService::List(const Caller& caller,
                                                    const CareSubjectFilter& filter) {
  CG_TRY(caller.Require(Permission::kPeopleRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(PathRange range, WithinScope(*conn, caller, filter.within));
  // One walk of care_subject_path in (path, id) order would not be id order;
  // the subjects are few per scope, so the path range is read and the keyset
  // is on id.
  Conditions w;
  w.And("s.path >= " + w.Bind(range.lo) + " AND s.path < " + w.Bind(range.hi));
  w.And("s.id > " + w.Bind(filter.page.after));
  std::string limit = w.Bind(filter.page.limit);
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn->Query(std::string(care::kSubjectSelect) + "WHERE " +
                                                        w.Sql() + " ORDER BY s.id LIMIT " + limit,
                                                    w.params()));
  std::vector<CareSubject> items;
  for (const auto& r : rows) {
    items.push_back(care::SubjectFromRow(r));
    CG_TRY(LoadParts(*conn, items.back()));
  }
  return FinishPage(std::move(items), filter.page, &IdOf);
}

core::Result<CareSubject> CareService::Update(const Caller& caller, int64_t id,
                                              const CareSubjectUpdate& u) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  CG_TRY(CheckHours(u.silence_hours, "silence_hours", 168));
  CG_TRY(CheckHours(u.flow_hours, "flow_hours", 24));
  CG_TRY(CheckThreshold(u.profile_threshold));
  std::optional<std::vector<EmergencyContact>> contacts;
  if (u.contacts) {
    CG_ASSIGN_OR_RETURN(contacts, CleanContacts(*u.contacts));
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(CareSubject s, Load(*conn, caller, id));
  if (u.version && *u.version != s.version) {
    return Error::Conflict("监护对象已被他人修改，请刷新后重试", "version");
  }
  if (u.worker_staff_id) {
    CG_ASSIGN_OR_RETURN(
        int64_t ok,
        conn->QueryInt("SELECT COUNT(*) FROM staff s WHERE s.id = $1 AND s.kind = 'grid_worker' "
                       "AND (EXISTS (SELECT 1 FROM grid_assignment a WHERE a.staff_id = s.id AND "
                       "a.grid_id = $2) OR s.node_id = (SELECT parent_id FROM org_node WHERE id "
                       "= $2))",
                       {*u.worker_staff_id, s.grid_id}));
    if (ok == 0) return Error::Invalid("worker_staff_id", "该网格员不负责此网格");
    s.worker_staff_id = u.worker_staff_id;
  }
  const int64_t hours = u.silence_hours.value_or(s.silence_hours);
  CG_ASSIGN_OR_RETURN(
      int64_t n,
      conn->Execute("UPDATE care_subject SET worker_staff_id = $1, silence_hours = $2, flow_hours "
                    "= $3, silence_due = last_use_at + $4, version = version + 1, updated_at = $5, "
                    "profile_on = $8, profile_threshold = $9, profile_at = CASE WHEN $8 = 1 AND "
                    "profile_on = 0 THEN 0 ELSE profile_at END WHERE id = $6 AND version = $7",
                    {s.worker_staff_id ? store::Value(*s.worker_staff_id) : store::Value(), hours,
                     u.flow_hours.value_or(s.flow_hours), hours * core::kMsPerHour, clock_.NowMs(),
                     id, s.version, static_cast<int64_t>(u.profile_on.value_or(s.profile_on)),
                     u.profile_threshold.value_or(s.profile_threshold)}));
  if (n == 0) return Error::Conflict("监护对象已被他人修改，请刷新后重试", "version");
  if (contacts) CG_TRY(InsertContacts(*conn, id, *contacts));
  CG_TRY(audit_.Append(*conn, caller, "care.update", "care_subject", id, ""));
  CG_TRY(tx.Commit());
  return Load(*conn, caller, id);
}

core::Result<CareSubject> CareService::SetAbsence(const Caller& caller, int64_t id,
                                                  std::optional<std::string> from,
                                                  std::optional<std::string> until) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  if (from.has_value() != until.has_value()) {
    return Error::Invalid(from ? "until" : "from", "请同时填写离家和返回日期");
  }
  std::optional<int64_t> from_ms, until_ms;
  if (from) {
    CG_ASSIGN_OR_RETURN(core::CivilDate f, core::ParseDate(*from, "from"));
    CG_ASSIGN_OR_RETURN(core::CivilDate t, core::ParseDate(*until, "until"));
    if (core::DaysFromCivil(t) < core::DaysFromCivil(f)) {
      return Error::Invalid("until", "返回日期不能早于离家日期");
    }
    if (core::DaysFromCivil(t) - core::DaysFromCivil(f) > 366) {
      return Error::Invalid("until", "离家时间不能超过一年");
    }
    from_ms = core::DaysFromCivil(f) * core::kMsPerDay - core::kShanghaiOffsetMs;
    until_ms = (core::DaysFromCivil(t) + 1) * core::kMsPerDay - core::kShanghaiOffsetMs;
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(CareSubject s, Load(*conn, caller, id));
  CG_TRY(
      conn->Execute("UPDATE care_subject SET away_from = $1, away_until = $2, version = "
                    "version + 1, updated_at = $3 WHERE id = $4",
                    {from_ms ? store::Value(*from_ms) : store::Value(),
                     until_ms ? store::Value(*until_ms) : store::Value(), clock_.NowMs(), id}));
  CG_TRY(audit_.Append(*conn, caller, "care.absence", "care_subject", id,
                       from ? *from + ".." + *until : "cleared"));
  CG_TRY(tx.Commit());
  (void)s;
  return Load(*conn, caller, id);
}

core::Result<Meter> CareService::AddMeter(const Caller& caller, int64_t subject_id,
                                          const NewMeter& meter) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(CareSubject s, Load(*conn, caller, subject_id));
  if (static_cast<int64_t>(s.meters.size()) >= options_.max_meters) {
    return Error::Invalid("external_id", "表计过多");
  }
  CG_TRY(InsertMeter(*conn, subject_id, meter, ""));
  CG_TRY(audit_.Append(*conn, caller, "care.meter.add", "care_subject", subject_id,
                       meter.external_id));
  CG_TRY(tx.Commit());
  CG_ASSIGN_OR_RETURN(s, Load(*conn, caller, subject_id));
  return s.meters.back();
}

}  // namespace civicgrid::domain
