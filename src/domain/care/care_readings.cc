// Readings, the fixed rules, raising and closing alerts, and the sweep.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "domain/care/care_internal.h"
#include "domain/care/care_profile.h"
#include "domain/care/care_rules.h"
#include "domain/tickets/categories.h"

namespace civicgrid::domain {
namespace {

using core::Error;

constexpr std::string_view kSystemLabel = "系统（云监护）";

struct GoodRow {
  int64_t meter_id = 0;
  CheckedReading reading;
};

store::Value Opt(const std::optional<int64_t>& v) { return v ? store::Value(*v) : store::Value(); }

// A meter's rule settings from its row (kind, floor, standby_w, for_silence).
void SetKind(MeterState& s, const store::Row& r, const CareOptions& options) {
  SetMeterKind(s, r.Text("kind"), r.Real("floor"),
               r.IsNull("standby_w") ? std::nullopt : std::optional(r.Real("standby_w")),
               r.Int("for_silence") != 0, options);
}

// The meter `external_id` inside `scope` with its detection state and its
// subject's silence hours; nullopt when unknown there.
core::Result<std::optional<std::pair<MeterState, int64_t>>> FindMeter(store::Connection& conn,
                                                                      const PathRange& scope,
                                                                      const std::string& id,
                                                                      const CareOptions& options) {
  CG_ASSIGN_OR_RETURN(
      store::Rows m,
      conn.Query("SELECT m.id, m.subject_id, m.kind, m.floor, m.standby_w, m.for_silence, "
                 "m.last_at, m.last_value, m.mark_value, m.last_use_at, m.flow_since, "
                 "s.silence_hours FROM care_meter m JOIN care_subject s ON s.id = m.subject_id "
                 "WHERE m.external_id = $1 AND s.path >= $2 AND s.path < $3",
                 {id, scope.lo, scope.hi}));
  if (m.empty()) return std::optional<std::pair<MeterState, int64_t>>();
  const store::Row& r = m[0];
  MeterState s;
  s.id = r.Int("id");
  s.subject_id = r.Int("subject_id");
  SetKind(s, r, options);
  s.last_at = r.OptInt("last_at");
  if (!r.IsNull("last_value")) s.last_value = r.Real("last_value");
  if (!r.IsNull("mark_value")) s.mark_value = r.Real("mark_value");
  s.last_use_at = r.OptInt("last_use_at");
  s.flow_since = r.OptInt("flow_since");
  return std::optional(std::pair(s, r.Int("silence_hours")));
}

// Writes back the state of every meter that took readings and moves each
// subject's last use (and the time its silence falls due). Returns the
// subjects whose meters took readings.
core::Result<std::vector<int64_t>> SaveStates(store::Connection& conn,
                                              const std::map<int64_t, MeterState>& states,
                                              std::map<int64_t, int64_t>& silence_hours) {
  std::map<int64_t, std::optional<int64_t>> subject_use;
  for (const auto& [id, s] : states) {
    if (s.added == 0) continue;
    CG_TRY(conn.Execute(
        "UPDATE care_meter SET last_at = $1, last_value = $2, mark_value = $3, last_use_at = $4, "
        "flow_since = $5, readings = readings + $6 WHERE id = $7",
        {Opt(s.last_at), s.last_at ? store::Value(s.last_value) : store::Value(),
         s.last_at ? store::Value(s.mark_value) : store::Value(), Opt(s.last_use_at),
         Opt(s.flow_since), s.added, id}));
    auto& use = subject_use[s.subject_id];
    // A meter that does not count for silence (gas, by default) moves nothing.
    if (s.for_silence && s.last_use_at && (!use || *s.last_use_at > *use)) use = s.last_use_at;
  }
  std::vector<int64_t> touched;
  for (const auto& [subject, use] : subject_use) {
    touched.push_back(subject);
    if (!use) continue;
    // The enrolment time stands in for the last use until a use is recorded
    // (last_use_at = created_at): a first batch showing use before the
    // enrolment starts the silence clock there.
    CG_TRY(
        conn.Execute("UPDATE care_subject SET last_use_at = $1, silence_due = $2 WHERE id = $3 "
                     "AND (last_use_at < $1 OR last_use_at = created_at)",
                     {*use, *use + silence_hours[subject] * core::kMsPerHour, subject}));
  }
  return touched;
}

}  // namespace

std::optional<double> ParseReadingValue(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

std::optional<RowProblem> CheckReading(const ReadingRow& row, int64_t now_ms,
                                       const CareOptions& options, CheckedReading& out) {
  if (row.meter.empty()) return RowProblem{0, "meter", "缺少表号"};
  auto at = core::ParseTimestamp(row.at, "at");
  if (!at.ok()) return RowProblem{0, "at", "时间应为带时区的 ISO 8601 时间"};
  if (*at > now_ms + options.future_skew_ms) return RowProblem{0, "at", "读数时间晚于现在"};
  std::optional<double> value = ParseReadingValue(row.value);
  if (!value || *value < 0) return RowProblem{0, "value", "读数应为非负数"};
  out.at = *at;
  out.value = *value;
  return std::nullopt;
}

void SetMeterKind(MeterState& s, std::string_view kind, double floor,
                  std::optional<double> standby_w, bool for_silence, const CareOptions& options) {
  s.water = kind == "water";
  s.power = kind == "power";
  s.floor = floor;
  s.standby_kw = standby_w.value_or(options.power_standby_w) / 1000.0;
  s.for_silence = for_silence;
}

void ApplyReading(MeterState& s, const CheckedReading& r, const CareOptions& options) {
  if (s.last_at && r.at <= *s.last_at) return;
  if (!s.last_at) {
    s.last_at = r.at;
    s.last_value = s.mark_value = r.value;
    return;
  }
  const double delta = r.value - s.last_value;
  const int64_t gap = r.at - *s.last_at;
  if (r.value < s.mark_value) {
    s.mark_value = r.value;  // the register went back: a new or reset meter
  } else if (s.power) {
    // Only the energy above the standby load in this interval counts: a
    // fridge's steady draw never adds up to use.
    const double standby =
        s.standby_kw * static_cast<double>(gap) / static_cast<double>(core::kMsPerHour);
    if (delta > 0 && delta - standby >= s.floor) s.last_use_at = r.at;
    s.mark_value = r.value;
  } else if (r.value > s.mark_value && r.value - s.mark_value >= s.floor) {
    s.last_use_at = r.at;
    s.mark_value = r.value;
  }
  if (s.water && delta > 0) {
    if (!s.flow_since || gap > options.flow_max_gap_ms) s.flow_since = *s.last_at;
  } else {
    s.flow_since.reset();
  }
  s.last_at = r.at;
  s.last_value = r.value;
}

core::Result<std::vector<ReadingRow>> CareService::ParseCsv(std::string_view text) {
  std::vector<ReadingRow> rows;
  bool first = true;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    ReadingRow row;
    size_t c1 = line.find(',');
    size_t c2 = c1 == std::string_view::npos ? c1 : line.find(',', c1 + 1);
    if (c2 != std::string_view::npos && line.find(',', c2 + 1) != std::string_view::npos) {
      c2 = std::string_view::npos;  // too many fields: the value is missing below
      row.meter = std::string(line.substr(0, c1));
      row.at = std::string(line.substr(c1 + 1));
    } else if (c1 == std::string_view::npos) {
      row.meter = std::string(line);
    } else if (c2 == std::string_view::npos) {
      row.meter = std::string(line.substr(0, c1));
      row.at = std::string(line.substr(c1 + 1));
    } else {
      row.meter = std::string(line.substr(0, c1));
      row.at = std::string(line.substr(c1 + 1, c2 - c1 - 1));
      row.value = std::string(line.substr(c2 + 1));
    }
    if (first && row.meter == "meter") {
      first = false;
      continue;
    }
    first = false;
    rows.push_back(std::move(row));
  }
  return rows;
}

core::Result<IngestReport> CareService::Ingest(const Caller& caller,
                                               const std::vector<ReadingRow>& rows) {
  return IngestRows(caller, rows, nullptr, nullptr, nullptr);
}

core::Result<std::optional<IngestReport>> CareService::IngestOnce(
    const Caller& caller, const std::vector<ReadingRow>& rows, const std::string& source_key,
    const std::string& source_name) {
  bool seen = false;
  CG_ASSIGN_OR_RETURN(IngestReport report,
                      IngestRows(caller, rows, &source_key, &source_name, &seen));
  if (seen) return std::optional<IngestReport>();
  return std::optional(std::move(report));
}

core::Result<IngestReport> CareService::IngestRows(const Caller& caller,
                                                   const std::vector<ReadingRow>& rows,
                                                   const std::string* source_key,
                                                   const std::string* source_name,
                                                   bool* seen_before) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  if (static_cast<int64_t>(rows.size()) > options_.max_batch_rows) {
    return Error::Invalid(
        "body", "一批读数过多（上限 " + std::to_string(options_.max_batch_rows) + " 行）");
  }
  IngestReport report;
  report.received = static_cast<int64_t>(rows.size());
  const int64_t now = clock_.NowMs();
  const PathRange scope = caller.Scope();
  std::map<int64_t, MeterState> states;
  std::map<int64_t, int64_t> subject_hours;
  std::vector<int64_t> touched;
  {
    CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
    if (source_key) {
      // The file's digest commits with its readings: a file is taken once,
      // also when the process died after the commit and before the move.
      CG_ASSIGN_OR_RETURN(int64_t n, conn->Execute("INSERT INTO care_drop_file (digest, name, "
                                                   "ingested_at, stored, rejected) VALUES ($1, "
                                                   "$2, $3, 0, 0) ON CONFLICT (digest) DO NOTHING",
                                                   {*source_key, *source_name, now}));
      if (n == 0) {
        *seen_before = true;
        return report;
      }
    }
    std::map<std::string, std::optional<int64_t>, std::less<>> meters;
    std::vector<GoodRow> good;
    good.reserve(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      const ReadingRow& in = rows[i];
      const int64_t row = static_cast<int64_t>(i) + 1;
      auto refuse = [&](std::string field, std::string message) {
        report.rejected.push_back(RowProblem{row, std::move(field), std::move(message)});
      };
      CheckedReading checked;
      if (auto problem = CheckReading(in, now, options_, checked)) {
        refuse(problem->field, problem->message);
        continue;
      }
      auto found = meters.find(in.meter);
      if (found == meters.end()) {
        CG_ASSIGN_OR_RETURN(auto meter, FindMeter(*conn, scope, in.meter, options_));
        std::optional<int64_t> id;
        if (meter) {
          id = meter->first.id;
          subject_hours[meter->first.subject_id] = meter->second;
          states.emplace(meter->first.id, meter->first);
        }
        found = meters.emplace(in.meter, id).first;
      }
      if (!found->second) {
        refuse("meter", "表号未登记或不在管辖范围内：" + in.meter);
        continue;
      }
      good.push_back(GoodRow{*found->second, checked});
    }
    std::stable_sort(good.begin(), good.end(), [](const GoodRow& a, const GoodRow& b) {
      return a.meter_id != b.meter_id ? a.meter_id < b.meter_id : a.reading.at < b.reading.at;
    });
    for (const GoodRow& g : good) {
      CG_ASSIGN_OR_RETURN(int64_t n,
                          conn->Execute("INSERT INTO care_reading (meter_id, at, "
                                        "value, received_at) VALUES ($1, $2, $3, $4) "
                                        "ON CONFLICT (meter_id, at) DO NOTHING",
                                        {g.meter_id, g.reading.at, g.reading.value, now}));
      if (n == 0) {
        ++report.duplicates;
        continue;
      }
      ++report.stored;
      MeterState& s = states.at(g.meter_id);
      ++s.added;
      ApplyReading(s, g.reading, options_);
    }
    CG_ASSIGN_OR_RETURN(touched, SaveStates(*conn, states, subject_hours));
    if (source_key) {
      CG_TRY(conn->Execute(
          "UPDATE care_drop_file SET stored = $1, rejected = $2 WHERE digest = $3",
          {report.stored, static_cast<int64_t>(report.rejected.size()), *source_key}));
    }
    if (report.stored > 0) {
      CG_TRY(audit_.Append(*conn, caller, "care.readings", "care_meter", 0,
                           std::to_string(report.stored) + " stored, " +
                               std::to_string(report.duplicates) + " duplicate, " +
                               std::to_string(report.rejected.size()) + " refused"));
    }
    CG_TRY(tx.Commit());
  }
  // The readings are in: a rule that fails to run now (say, a ticket that
  // cannot be filed) does not undo them; the sweep tries silence again.
  for (int64_t subject : touched) {
    auto counts = Evaluate(subject, now);
    if (!counts.ok()) continue;
    report.alerts_raised += counts->first;
    report.alerts_closed += counts->second;
  }
  return report;
}

// Runs both rules for one subject at `now`: raises what holds, closes what
// stopped holding. Returns (raised, closed).
core::Result<std::pair<int64_t, int64_t>> CareService::Evaluate(int64_t subject_id, int64_t now) {
  std::pair<int64_t, int64_t> counts{0, 0};
  store::Rows meters;
  int64_t due = 0, hours = 0, flow_hours = 0, last_use = 0;
  std::optional<int64_t> away_from, away_until, stored_profile_due;
  std::optional<UseProfile> profile;
  double threshold = 0;
  {
    CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
    CG_ASSIGN_OR_RETURN(
        store::Row s,
        conn->QueryOne("SELECT silence_due, silence_hours, flow_hours, away_from, away_until, "
                       "last_use_at, profile_on, profile_threshold, profile, profile_due FROM "
                       "care_subject WHERE id = $1",
                       {subject_id}));
    due = s.Int("silence_due");
    hours = s.Int("silence_hours");
    flow_hours = s.Int("flow_hours");
    last_use = s.Int("last_use_at");
    away_from = s.OptInt("away_from");
    away_until = s.OptInt("away_until");
    stored_profile_due = s.OptInt("profile_due");
    threshold = s.Real("profile_threshold");
    if (s.Int("profile_on") != 0) {
      profile = UseProfile::Decode(s.Text("profile"));
      if (profile && profile->Weeks() < options_.profile_min_weeks) profile.reset();
    }
    CG_ASSIGN_OR_RETURN(meters, conn->Query("SELECT id, last_at, flow_since FROM care_meter WHERE "
                                            "subject_id = $1 AND kind = 'water' ORDER BY id",
                                            {subject_id}));
  }
  // Silence. While away the rule sleeps; after the return its clock starts
  // again from the return (or from later use).
  const bool away = away_from && away_until && *away_from <= now && now < *away_until;
  int64_t since = last_use;
  if (away_until && *away_until <= now) {
    due = std::max(due, *away_until + hours * core::kMsPerHour);
    since = std::max(since, *away_until);
  }
  // The learned profile: when a silence since `since` becomes improbable.
  std::optional<int64_t> profile_due;
  if (profile) {
    profile_due =
        ProfileDue(*profile, since, threshold, options_.profile_min_hours * core::kMsPerHour,
                   hours * core::kMsPerHour);
  }
  if (profile_due != stored_profile_due) {
    CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
    CG_TRY(conn->Execute("UPDATE care_subject SET profile_due = $1 WHERE id = $2",
                         {Opt(profile_due), subject_id}));
  }
  const bool fixed_due = now >= due;
  const bool learned_due = profile_due && now >= *profile_due;
  if (!away && (fixed_due || learned_due)) {
    CG_ASSIGN_OR_RETURN(bool raised, Raise(subject_id, AlertRule::kSilence, std::nullopt, now,
                                           fixed_due ? "fixed" : "profile"));
    counts.first += raised ? 1 : 0;
  } else if (!fixed_due && !learned_due) {
    CG_ASSIGN_OR_RETURN(
        bool closed, CloseOpen(subject_id, AlertRule::kSilence, "已恢复用水用电，预警解除", now));
    counts.second += closed ? 1 : 0;
  }
  // Flow: a water meter rising on every reading for flow_hours.
  std::optional<int64_t> flowing;
  bool any_flow = false;
  for (const auto& m : meters) {
    if (m.IsNull("flow_since") || m.IsNull("last_at")) continue;
    any_flow = true;
    if (m.Int("last_at") - m.Int("flow_since") >= flow_hours * core::kMsPerHour) {
      flowing = m.Int("id");
    }
  }
  if (flowing) {
    CG_ASSIGN_OR_RETURN(bool raised, Raise(subject_id, AlertRule::kFlow, flowing, now));
    counts.first += raised ? 1 : 0;
  } else if (!any_flow) {
    CG_ASSIGN_OR_RETURN(bool closed,
                        CloseOpen(subject_id, AlertRule::kFlow, "持续用水已停止，预警解除", now));
    counts.second += closed ? 1 : 0;
  }
  return counts;
}

core::Result<bool> CareService::Raise(int64_t subject_id, AlertRule rule,
                                      std::optional<int64_t> meter_id, int64_t now,
                                      std::string_view basis) {
  const std::string rule_name(AlertRuleName(rule));
  store::Rows found;
  {
    CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
    CG_ASSIGN_OR_RETURN(int64_t open,
                        conn->QueryInt("SELECT COUNT(*) FROM care_alert WHERE subject_id = $1 AND "
                                       "rule = $2 AND closed_at IS NULL",
                                       {subject_id, rule_name}));
    if (open > 0) return false;
    CG_ASSIGN_OR_RETURN(
        found,
        conn->Query("SELECT s.grid_id, s.path, s.silence_hours, s.flow_hours, r.name, "
                    "h.room, b.name AS building, g.path AS grid_path, g.parent_id AS community_id, "
                    "st.name AS worker FROM "
                    "care_subject s LEFT JOIN staff st ON st.id = s.worker_staff_id "
                    "JOIN resident r ON r.id = s.resident_id LEFT JOIN household h ON h.id "
                    "= r.household_id JOIN org_node b ON b.id = s.node_id JOIN org_node g ON "
                    "g.id = s.grid_id WHERE s.id = $1",
                    {subject_id}));
  }
  if (found.empty()) return Error::NotFound("监护对象不存在");
  const store::Row& s = found[0];
  CG_ASSIGN_OR_RETURN(Category category, tickets_.categories().GetByCode(options_.alert_category));
  // The system files through the ticket service's normal submission, as a
  // staff caller scoped to the subject's grid that no account holds.
  Caller system;
  system.account_id = 0;
  system.username = "system";
  system.role = Role::kCountyAdmin;
  system.scope_path = s.Text("grid_path");
  system.scope_node_id = s.Int("grid_id");
  system.request_id = "care";
  NewTicket t;
  t.kind = TicketKind::kAlert;
  t.channel = TicketChannel::kSensor;
  t.category_id = category.id;
  t.node_id = s.Int("grid_id");
  const std::string who = s.Text("name");
  const std::string where = s.Text("building") + (s.IsNull("room") ? "" : " " + s.Text("room"));
  if (rule == AlertRule::kSilence && basis == "profile") {
    t.title = "云监护：" + who + " 的静默时长异常";
    t.description = "独居老人 " + who + "（" + where +
                    "）在平日此时段通常会用水用电，当前的静默按其近几周的用水习惯极不寻常，"
                    "请立即上门或电话确认。";
  } else if (rule == AlertRule::kSilence) {
    t.title =
        "云监护：" + who + " 已 " + std::to_string(s.Int("silence_hours")) + " 小时无用水用电";
    t.description = "独居老人 " + who + "（" + where + "）的表计已 " +
                    std::to_string(s.Int("silence_hours")) +
                    " 小时无超过下限的用量，请立即上门或电话确认。";
  } else {
    t.title = "云监护：" + who + " 持续用水超过 " + std::to_string(s.Int("flow_hours")) + " 小时";
    t.description = "独居老人 " + who + "（" + where + "）的水表已连续 " +
                    std::to_string(s.Int("flow_hours")) +
                    " 小时有流量，可能漏水或在浴室跌倒，请立即上门确认。";
  }
  t.address = where;
  t.contact_name = std::string(kSystemLabel);
  t.is_public = false;
  CG_ASSIGN_OR_RETURN(PreparedTicket prepared, tickets_.Prepare(system, t));
  prepared.submitter_account_id.reset();
  prepared.actor_label = std::string(kSystemLabel);
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  // The partial unique index keeps one open alert per subject and rule, also
  // when the sweep and a batch race.
  auto alert = conn->QueryInt(
      "INSERT INTO care_alert (subject_id, rule, meter_id, path, raised_at, basis, grid_id, "
      "community_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
      {subject_id, rule_name, Opt(meter_id), s.Text("path"), now, std::string(basis),
       s.Int("grid_id"), Opt(s.OptInt("community_id"))});
  if (!alert.ok() && alert.error().code == core::ErrorCode::kConflict) return false;
  if (!alert.ok()) return alert.error();
  CG_ASSIGN_OR_RETURN(TicketService::Inserted inserted, tickets_.Insert(*conn, system, prepared));
  // To the grid worker: the subject's worker's account on the grid (by name),
  // else the first grid worker account of the grid; none, the grid's inbox.
  CG_ASSIGN_OR_RETURN(
      store::Rows worker,
      conn->Query("SELECT id FROM account WHERE role = 'grid_worker' AND scope_node_id = $1 AND "
                  "disabled = 0 ORDER BY CASE WHEN display_name = $2 THEN 0 ELSE 1 END, id "
                  "LIMIT 1",
                  {s.Int("grid_id"), s.IsNull("worker") ? std::string() : s.Text("worker")}));
  std::optional<TicketChange> dispatched;
  std::optional<int64_t> assigned;
  if (!worker.empty()) {
    TicketAction dispatch;
    dispatch.type = TicketEventType::kDispatch;
    dispatch.assignee = Assignee{AssigneeKind::kAccount, worker[0].Int("id"), ""};
    dispatch.note = "云监护预警派给网格员，请在 " + std::to_string(options_.escalate_minutes) +
                    " 分钟内确认，否则升级至社区";
    CG_ASSIGN_OR_RETURN(dispatched,
                        tickets_.SystemAct(*conn, inserted.ticket.id, dispatch, kSystemLabel));
    assigned = worker[0].Int("id");
  }
  CG_TRY(
      conn->Execute("UPDATE care_alert SET ticket_id = $1, assigned_account_id = $2 WHERE id = $3",
                    {inserted.ticket.id, Opt(assigned), *alert}));
  CG_TRY(tx.Commit());
  if (inserted.change) tickets_.NotifyCommitted(*inserted.change);
  if (dispatched) tickets_.NotifyCommitted(*dispatched);
  return true;
}

core::Result<bool> CareService::CloseOpen(int64_t subject_id, AlertRule rule,
                                          const std::string& reason, int64_t now) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query("SELECT id, ticket_id FROM care_alert WHERE subject_id = $1 AND "
                                  "rule = $2 AND closed_at IS NULL",
                                  {subject_id, std::string(AlertRuleName(rule))}));
  if (rows.empty()) return false;
  CG_ASSIGN_OR_RETURN(int64_t n, conn->Execute("UPDATE care_alert SET closed_at = $1, "
                                               "close_reason = $2 WHERE id = $3 AND closed_at IS "
                                               "NULL",
                                               {now, reason, rows[0].Int("id")}));
  if (n == 0) return false;
  std::optional<TicketChange> change;
  if (auto ticket = rows[0].OptInt("ticket_id")) {
    CG_ASSIGN_OR_RETURN(change, tickets_.SystemComment(*conn, *ticket, reason, kSystemLabel));
  }
  CG_TRY(tx.Commit());
  if (change) tickets_.NotifyCommitted(*change);
  return true;
}

core::Result<SweepReport> CareService::Sweep(int64_t now) {
  SweepReport report;
  // Profiles first, so a subject whose profile was just learned is judged by it.
  auto learned = LearnProfiles(now);
  if (learned.ok()) report.profiles_learned = *learned;
  store::Rows due, profile_due;
  {
    CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
    constexpr const char* kOpen =
        " AND NOT EXISTS (SELECT 1 FROM care_alert a WHERE a.subject_id = s.id AND a.rule = "
        "'silence' AND a.closed_at IS NULL)";
    CG_ASSIGN_OR_RETURN(due, conn->Query(std::string("SELECT s.id FROM care_subject s WHERE "
                                                     "s.silence_due <= $1") +
                                             kOpen + " ORDER BY s.silence_due LIMIT $2",
                                         {now, options_.sweep_limit}));
    CG_ASSIGN_OR_RETURN(profile_due,
                        conn->Query(std::string("SELECT s.id FROM care_subject s WHERE "
                                                "s.profile_due <= $1") +
                                        kOpen + " ORDER BY s.profile_due LIMIT $2",
                                    {now, options_.sweep_limit}));
  }
  std::vector<int64_t> subjects;
  for (const auto& r : due) subjects.push_back(r.Int(0));
  for (const auto& r : profile_due) subjects.push_back(r.Int(0));
  std::sort(subjects.begin(), subjects.end());
  subjects.erase(std::unique(subjects.begin(), subjects.end()), subjects.end());
  // One subject whose alert cannot be filed must not hold up the others.
  std::optional<core::Error> first_error;
  for (int64_t subject : subjects) {
    ++report.examined;
    auto counts = Evaluate(subject, now);
    if (!counts.ok()) {
      if (!first_error) first_error = counts.error();
      continue;
    }
    report.alerts_raised += counts->first;
  }
  auto escalated = Escalate(now, report);
  if (!escalated.ok() && !first_error) first_error = escalated.error();
  if (first_error && report.alerts_raised == 0 && report.escalated == 0 && report.contacted == 0) {
    return *first_error;
  }
  return report;
}

}  // namespace civicgrid::domain
