// Silence alerts (云监护, issue 11 §2): care subjects, their meters, readings
// and the alerts the fixed rules raise.
//
// A care subject is a resident (an elder living alone, or another flagged
// resident) enrolled with the consent recorded (who gave it, how, when), the
// grid worker in charge, emergency contacts (phones sealed like residents'
// phones, masked in every read) and meters (water, power, gas; the utility's
// meter id is unique).
//
// Readings are cumulative register values (m³ or kWh as the meter shows
// them), stored once per (meter, time): a repeated reading changes nothing. A
// meter keeps its detection state (the last reading, the register value at the
// last counted use, the time of that use, the start of the current run of
// flow), so each reading costs O(1). Rules, per subject:
//   silence: no meter of the subject recorded use above its floor (water 0.01
//     m³ by default) for silence_hours (12 by default, as 深圳龙岗 and 上海);
//   flow: a water meter rose on every reading for flow_hours (2 by default,
//     KIZUKI's continuous-flow rule: a leak, or a fall in the bath).
// Rules run when readings arrive and in Sweep(now), so a meter that stops
// reporting also alerts. An absence (the elder away between two dates)
// suppresses the silence rule and restarts its clock at the return. An alert
// is one `alert` ticket (channel sensor) on the subject's grid, filed through
// TicketService's normal submission; at most one alert is open per subject
// and rule; use resuming (flow stopping) closes it and notes that on the
// ticket as the system.
//
// Every read is confined to the caller's subtree in SQL (the subject's
// building path); writes are audited in their transaction. Thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/crypto.h"
#include "core/time.h"
#include "domain/access/audit_log.h"
#include "domain/access/caller.h"
#include "domain/registry/common.h"
#include "domain/registry/org_tree.h"
#include "domain/tickets/ticket_service.h"
#include "store/pool.h"

namespace civicgrid::domain {

struct CareOptions {
  int64_t silence_hours = 12;  // 深圳龙岗, 上海: under 0.01 m³ of water in 12 h
  int64_t flow_hours = 2;      // KIZUKI: 2 h of continuous flow
  double water_floor = 0.01;   // m³
  double power_floor = 0.05;   // kWh
  double gas_floor = 0.01;     // m³
  // Power is not water: a fridge, a router and standby devices keep the
  // register turning in an empty flat. A power meter counts use only for the
  // energy above this standby load (W) over the interval between readings.
  double power_standby_w = 80;
  // Gas counts toward silence only on meters enrolled so (a pilot light or a
  // boiler's own schedule says nothing of the person).
  bool gas_for_silence = false;
  int64_t future_skew_ms = 5 * 60'000;    // readings up to 5 min ahead of our clock
  int64_t flow_max_gap_ms = 60 * 60'000;  // a longer gap breaks a run of flow
  int64_t max_batch_rows = 100'000;
  int64_t max_contacts = 5;
  int64_t max_meters = 6;
  std::string alert_category = "S-URG-01";  // 独居老人紧急求助 (urgent SLA)
  int64_t sweep_limit = 1000;               // subjects examined per sweep
  // Unacknowledged alerts escalate: after escalate_minutes to the community
  // (a 督办 event on the ticket), after contact_minutes to the emergency
  // contacts (a system event whose webhook carries them).
  int64_t escalate_minutes = 30;
  int64_t contact_minutes = 60;
  // The learned profile (care_profile.h): weeks of history it learns from,
  // weeks it needs before it alerts, the shortest silence it alerts on, and
  // the default improbability threshold.
  int64_t profile_weeks = 4;
  int64_t profile_min_weeks = 2;
  int64_t profile_min_hours = 3;
  double profile_threshold = 0.002;
  int64_t profile_relearn_ms = core::kMsPerDay;  // a profile older than this is learned again
};

enum class MeterKind { kWater, kPower, kGas };
std::string_view MeterKindName(MeterKind kind);
core::Result<MeterKind> ParseMeterKind(std::string_view name, std::string_view field);

enum class AlertRule { kSilence, kFlow };
std::string_view AlertRuleName(AlertRule rule);

struct EmergencyContact {
  std::string name;
  std::string relation;
  std::string phone;  // as given (write) or masked (read)
};

struct Meter {
  int64_t id = 0;
  int64_t subject_id = 0;
  MeterKind kind = MeterKind::kWater;
  std::string external_id;
  double floor = 0;
  std::optional<double> standby_w;  // power: the standby load below which use counts as silence
  bool for_silence = true;          // its use keeps the subject's silence clock
  std::optional<int64_t> last_at_ms;
  std::optional<double> last_value;
  std::optional<int64_t> last_use_at_ms;
  int64_t readings = 0;
};

struct NewMeter {
  MeterKind kind = MeterKind::kWater;
  std::string external_id;
  std::optional<double> floor;      // default: the options' floor for the kind
  std::optional<double> standby_w;  // power only; default options.power_standby_w
  std::optional<bool> for_silence;  // default: water and power yes, gas options.gas_for_silence
};

struct CareSubject {
  int64_t id = 0;
  int64_t resident_id = 0;
  std::string resident_name;
  int64_t node_id = 0;  // the building
  int64_t grid_id = 0;
  std::optional<int64_t> worker_staff_id;
  std::string worker_name;
  std::string consent_by;
  std::string consent_method;  // written | verbal | guardian
  int64_t consent_at_ms = 0;
  int64_t silence_hours = 0;
  int64_t flow_hours = 0;
  std::optional<int64_t> away_from_ms;
  std::optional<int64_t> away_until_ms;
  int64_t last_use_at_ms = 0;
  std::vector<EmergencyContact> contacts;  // phones masked
  std::vector<Meter> meters;
  int64_t open_alerts = 0;
  int64_t version = 0;
  int64_t created_at_ms = 0;
  bool profile_on = false;                // the learned profile alerts too
  double profile_threshold = 0;           // alert when a silence this long is less likely than this
  int64_t profile_weeks = 0;              // weeks of history in the profile (0: not learned yet)
  std::optional<int64_t> profile_due_ms;  // when the current silence becomes improbable
};

struct NewCareSubject {
  int64_t resident_id = 0;
  std::optional<int64_t> worker_staff_id;
  std::string consent_by;
  std::string consent_method;
  std::optional<std::string> consent_at;  // timestamp; default now
  std::optional<int64_t> silence_hours;
  std::optional<int64_t> flow_hours;
  std::vector<EmergencyContact> contacts;
  std::vector<NewMeter> meters;
  std::optional<bool> profile_on;
  std::optional<double> profile_threshold;
};

// Every field optional; contacts replace the list when given.
struct CareSubjectUpdate {
  std::optional<int64_t> worker_staff_id;
  std::optional<int64_t> silence_hours;
  std::optional<int64_t> flow_hours;
  std::optional<std::vector<EmergencyContact>> contacts;
  std::optional<int64_t> version;  // expected; mismatch → Conflict (field version)
  std::optional<bool> profile_on;
  std::optional<double> profile_threshold;
};

struct CareSubjectFilter {
  std::optional<int64_t> within;
  Page page;
};

// One row of a batch: text as received (JSON or CSV), checked by the service.
struct ReadingRow {
  std::string meter;  // the meter's external id
  std::string at;     // RFC 3339 timestamp with zone
  std::string value;  // the register value
};

struct RowProblem {
  int64_t row = 0;  // 1-based within the batch
  std::string field;
  std::string message;
};

struct IngestReport {
  int64_t received = 0;
  int64_t stored = 0;
  int64_t duplicates = 0;
  std::vector<RowProblem> rejected;
  int64_t alerts_raised = 0;
  int64_t alerts_closed = 0;
};

struct CareAlert {
  int64_t id = 0;
  int64_t subject_id = 0;
  std::string resident_name;
  AlertRule rule = AlertRule::kSilence;
  std::optional<int64_t> meter_id;
  int64_t raised_at_ms = 0;
  std::optional<int64_t> ticket_id;
  std::string ticket_number;
  std::optional<int64_t> acknowledged_at_ms;
  std::optional<int64_t> closed_at_ms;
  std::string close_reason;
  std::string basis = "fixed";  // fixed (the N-hour rule) | profile (the learned profile)
  std::optional<int64_t> assigned_account_id;  // the grid worker the ticket went to
  std::optional<int64_t> escalated_at_ms;      // to the community
  std::optional<int64_t> contacted_at_ms;      // to the emergency contacts
  int64_t grid_id = 0;                         // the subject's grid (follows org moves)
  std::optional<int64_t> community_id;         // the grid's parent
};

struct AlertFilter {
  std::optional<int64_t> within;
  std::optional<int64_t> subject_id;
  bool open_only = false;
  bool mine = false;  // assigned to the caller
  Page page;
};

struct MapAlerts {
  std::vector<CareAlert> items;  // resident_name and ticket_number left empty
  bool truncated = false;
};

struct SweepReport {
  int64_t examined = 0;
  int64_t alerts_raised = 0;
  int64_t escalated = 0;  // to the community
  int64_t contacted = 0;  // emergency contacts reached through the webhook
  int64_t profiles_learned = 0;
};

class CareService {
 public:
  CareService(store::Db& db, const core::Clock& clock, AuditLog& audit,
              const core::PiiCipher& cipher, TicketService& tickets, CareOptions options = {});

  core::Result<CareSubject> Enrol(const Caller& caller, const NewCareSubject& subject);
  core::Result<CareSubject> Get(const Caller& caller, int64_t id);
  core::Result<PageOf<CareSubject>> List(const Caller& caller, const CareSubjectFilter& filter);
  core::Result<CareSubject> Update(const Caller& caller, int64_t id, const CareSubjectUpdate& u);
  // The elder is away from `from` to `until` (YYYY-MM-DD, Asia/Shanghai, both
  // inclusive); both empty clears the absence.
  core::Result<CareSubject> SetAbsence(const Caller& caller, int64_t id,
                                       std::optional<std::string> from,
                                       std::optional<std::string> until);
  core::Result<Meter> AddMeter(const Caller& caller, int64_t subject_id, const NewMeter& meter);

  // Stores the good rows, reports the bad ones by row and field, then runs
  // the rules for the subjects whose meters moved. Rows naming a meter
  // outside the caller's scope are refused as unknown.
  core::Result<IngestReport> Ingest(const Caller& caller, const std::vector<ReadingRow>& rows);
  // "meter,at,value" lines (a header line is optional).
  static core::Result<std::vector<ReadingRow>> ParseCsv(std::string_view text);

  // The silence rule for every subject whose silence is due at `now` (the
  // supervisor calls this periodically). System work, not scoped.
  core::Result<SweepReport> Sweep(int64_t now_ms);

  core::Result<PageOf<CareAlert>> Alerts(const Caller& caller, const AlertFilter& filter);
  // Someone took the alert up (it stops escalating); noted on the ticket.
  core::Result<CareAlert> Acknowledge(const Caller& caller, int64_t alert_id);
  // Closed by a person (the elder was found well): noted on the ticket.
  core::Result<CareAlert> Close(const Caller& caller, int64_t alert_id, const std::string& note);

  // Readings with a source key (the drop folder: a file's digest) are taken
  // once: a second batch with the key stores nothing and answers nullopt.
  core::Result<std::optional<IngestReport>> IngestOnce(const Caller& caller,
                                                       const std::vector<ReadingRow>& rows,
                                                       const std::string& source_key,
                                                       const std::string& source_name);

  // The open alerts in the caller's subtree (or `within` inside it) for the
  // screen's map: grid, community, rule, when and how far it went; no names.
  // At most `limit`, by path (grid by grid); `truncated` when more are open.
  core::Result<MapAlerts> OpenAlerts(const Caller& caller, std::optional<int64_t> within,
                                     int64_t limit);

  // A subtree moved in the org tree (OrgTreeService::AddMoveHook): its care
  // subjects take their building's grid as it is now, and their alerts that
  // grid and its community.
  static core::Status OnSubtreeMoved(store::Connection& conn,
                                     const OrgTreeService::SubtreeMove& move);

  const CareOptions& options() const { return options_; }

 private:
  core::Result<CareSubject> Load(store::Connection& conn, const Caller& caller, int64_t id);
  core::Status InsertMeter(store::Connection& conn, int64_t subject_id, const NewMeter& m,
                           const std::string& field);
  core::Status InsertContacts(store::Connection& conn, int64_t subject_id,
                              const std::vector<EmergencyContact>& contacts);
  core::Result<std::vector<EmergencyContact>> CleanContacts(
      const std::vector<EmergencyContact>& contacts) const;
  // Raises (at most once per subject and rule) or closes alerts for a subject.
  core::Result<bool> Raise(int64_t subject_id, AlertRule rule, std::optional<int64_t> meter_id,
                           int64_t now_ms, std::string_view basis = "fixed");
  core::Result<bool> CloseOpen(int64_t subject_id, AlertRule rule, const std::string& reason,
                               int64_t now_ms);
  core::Result<std::pair<int64_t, int64_t>> Evaluate(int64_t subject_id, int64_t now_ms);
  core::Result<IngestReport> IngestRows(const Caller& caller, const std::vector<ReadingRow>& rows,
                                        const std::string* source_key,
                                        const std::string* source_name, bool* seen_before);
  // One escalation step of an unacknowledged alert; true when taken.
  core::Result<bool> EscalateStep(int64_t alert_id, bool contact, int64_t now_ms);
  core::Result<int64_t> Escalate(int64_t now_ms, SweepReport& report);
  core::Result<int64_t> LearnProfiles(int64_t now_ms);
  core::Result<CareAlert> LoadAlert(const Caller& caller, int64_t alert_id);
  core::Result<bool> RelearnProfile(int64_t subject_id, int64_t now_ms);

  store::Db& db_;
  const core::Clock& clock_;
  AuditLog& audit_;
  const core::PiiCipher& cipher_;
  TicketService& tickets_;
  CareOptions options_;
};

}  // namespace civicgrid::domain
