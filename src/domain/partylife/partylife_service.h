// Party life (issue 10 §2, docs/partylife.md): branch meetings and the
// cadence report; members' 黄橙红 warnings.
//
// Meetings. A party organisation records a meeting of a kind — 支部党员大会
// (members' assembly, quarterly), 支委会 (committee, monthly), 党小组会 (group
// meeting, monthly), 党课 (party lecture, quarterly), 主题党日 (theme day,
// monthly), 组织生活会 (organisational life meeting, yearly), 民主评议
// (appraisal, yearly) — with its date (Asia/Shanghai), attendees, absentees
// with their reasons, minutes and photos (attachments the recorder
// uploaded). The cadence report lists, per branch in scope and per kind its
// organisation owes (branches: every kind but 党小组会; groups: 党小组会), the
// slots of the period that have ended without a meeting; branches behind
// come first.
//
// Warnings. Each month every member gets a level — none, yellow, orange or
// red — the highest that a rule gives, with one reason line per rule that
// fired. Rules (per org node, the deepest ancestor's row of a branch's node;
// defaults in PartyLifeOptions): months without organisational life (no
// attended meeting), months of dues unpaid, and too little service (time-bank
// service minutes, approved activity minutes, claimed tickets) in a window.
// The 5+X+1 categories change which rules apply: frail members (年老体弱) are
// exempt from the attendance and service rules, mobile members (流动党员) from
// the service rule (their attendance counts at any branch), special cases
// (X, with a note) from every rule. A warning whose level rose against the
// month before is new until a secretary acknowledges it (the warnings list's
// `unacknowledged` filter and the console's badge tell the branch secretary).
// Sweep(now) evaluates every member for the month that ended, once; staff may
// evaluate their scope on demand; recording a meeting re-evaluates its
// attendees and absentees for the current month.
//
// Reads are confined to the caller's subtree (the organisation's node);
// writes are audited in their transaction. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "domain/access/audit_log.h"
#include "domain/access/caller.h"
#include "domain/registry/common.h"
#include "store/pool.h"

namespace civicgrid::domain {

enum class MeetingKind {
  kMembersAssembly,  // 支部党员大会
  kCommittee,        // 支委会
  kGroup,            // 党小组会
  kLecture,          // 党课
  kThemeDay,         // 主题党日
  kLifeMeeting,      // 组织生活会
  kAppraisal,        // 民主评议
};
std::string_view MeetingKindName(MeetingKind kind);
core::Result<MeetingKind> ParseMeetingKind(std::string_view name, std::string_view field);

enum class Cadence { kMonthly, kQuarterly, kYearly };
std::string_view CadenceName(Cadence cadence);
Cadence CadenceOf(MeetingKind kind);

enum class WarningLevel { kNone, kYellow, kOrange, kRed };
std::string_view WarningLevelName(WarningLevel level);
core::Result<WarningLevel> ParseWarningLevel(std::string_view name, std::string_view field);

// 5+X+1: five categories, X special cases, one warning list.
enum class MemberCategory { kResident, kInService, kRetired, kMobile, kFrail, kSpecial };
std::string_view MemberCategoryName(MemberCategory category);
core::Result<MemberCategory> ParseMemberCategory(std::string_view name, std::string_view field);

// A month as year * 12 + (month - 1); written "YYYY-MM".
std::string FormatMonth(int64_t month);
// The month as zh-CN text, "2026年10月" (warning reasons: a phone does not
// break it inside the year as it does "2026-10").
std::string MonthLabel(int64_t month);
core::Result<int64_t> ParseMonth(std::string_view text, std::string_view field);
int64_t MonthOf(core::CivilDate date);

struct WarningRules {
  // Months without organisational life (the last attended meeting's month to
  // the evaluated month) at which a member turns yellow, orange, red.
  int64_t absence_yellow = 3;
  int64_t absence_orange = 4;
  int64_t absence_red = 6;
  // Months of dues unpaid (the current month is not yet due).
  int64_t dues_yellow = 3;
  int64_t dues_orange = 4;
  int64_t dues_red = 6;
  // Less than service_min_minutes of service and no claimed ticket in the
  // last service_months months gives service_level (0 minutes: rule off).
  int64_t service_months = 3;
  int64_t service_min_minutes = 120;
  WarningLevel service_level = WarningLevel::kYellow;
};

struct PartyLifeOptions {
  WarningRules rules;            // when no node on the way up has its own
  int64_t max_attendance = 500;  // attendees + absentees of one meeting
  int64_t max_photos = 9;
  int64_t max_report_branches = 2000;
};

struct MeetingAbsence {
  int64_t member_id = 0;
  std::string member_name;
  std::string reason;
};

struct NamedMember {
  int64_t id = 0;
  std::string name;
};

struct PartyMeeting {
  int64_t id = 0;
  int64_t party_org_id = 0;
  std::string party_org_name;
  MeetingKind kind = MeetingKind::kThemeDay;
  core::CivilDate held_on;
  std::string title;
  std::string minutes;
  std::vector<NamedMember> attendees;
  std::vector<MeetingAbsence> absentees;
  std::vector<int64_t> photo_ids;
  int64_t recorded_by = 0;
  int64_t created_at_ms = 0;
};

struct NewPartyMeeting {
  int64_t party_org_id = 0;
  MeetingKind kind = MeetingKind::kThemeDay;
  std::string held_on;  // YYYY-MM-DD
  std::string title;
  std::string minutes;
  std::vector<int64_t> attendee_ids;
  std::vector<MeetingAbsence> absentees;  // member_id and reason
  std::vector<int64_t> photo_ids;
};

struct PartyMeetingFilter {
  std::optional<int64_t> within;
  std::optional<int64_t> party_org_id;
  Page page;
};

struct CadenceSlot {
  MeetingKind kind = MeetingKind::kThemeDay;
  Cadence cadence = Cadence::kMonthly;
  int64_t required = 0;
  int64_t held = 0;                  // required slots with a meeting
  std::vector<std::string> missing;  // "2026-03", "2026-Q2", "2026"
};

struct BranchCadence {
  int64_t party_org_id = 0;
  std::string name;
  int64_t node_id = 0;
  std::vector<CadenceSlot> kinds;
  int64_t missing = 0;
};

struct CadenceReport {
  std::string from;  // YYYY-MM
  std::string to;
  std::vector<BranchCadence> branches;  // behind first
};

struct WarningReason {
  std::string rule;  // absence | dues | service
  WarningLevel level = WarningLevel::kNone;
  std::string text;
};

struct MemberWarning {
  int64_t member_id = 0;
  std::string member_name;
  int64_t party_org_id = 0;
  std::string party_org_name;
  MemberCategory category = MemberCategory::kResident;
  int64_t month = 0;
  WarningLevel level = WarningLevel::kNone;
  WarningLevel previous_level = WarningLevel::kNone;
  std::vector<WarningReason> reasons;
  int64_t evaluated_at_ms = 0;
  std::optional<int64_t> acknowledged_at_ms;
  bool raised() const { return level > previous_level; }
};

struct WarningFilter {
  std::optional<int64_t> within;
  std::optional<int64_t> month;  // default: the latest evaluated month
  std::optional<WarningLevel> min_level;
  bool unacknowledged = false;  // raised and not yet acknowledged
  Page page;                    // keyset on member id
};

struct EvaluationReport {
  int64_t month = 0;
  int64_t members = 0;
  int64_t yellow = 0, orange = 0, red = 0;
  int64_t raised = 0;
};

struct RulesAt {
  int64_t node_id = 0;  // the node whose row applies; 0: the defaults
  WarningRules rules;
  int64_t version = 0;
};

struct DuesPayment {
  int64_t member_id = 0;
  std::string month;  // YYYY-MM
  int64_t amount_cents = 0;
};

class PartyLifeService {
 public:
  PartyLifeService(store::Db& db, const core::Clock& clock, AuditLog& audit,
                   PartyLifeOptions options = {})
      : db_(db), clock_(clock), audit_(audit), options_(std::move(options)) {}

  core::Result<PartyMeeting> RecordMeeting(const Caller& caller, const NewPartyMeeting& meeting);
  core::Result<PartyMeeting> GetMeeting(const Caller& caller, int64_t id);
  core::Result<PageOf<PartyMeeting>> ListMeetings(const Caller& caller,
                                                  const PartyMeetingFilter& f);
  // from/to: YYYY-MM; default from January of this year to this month.
  core::Result<CadenceReport> Cadence(const Caller& caller, std::optional<int64_t> within,
                                      std::optional<std::string> from,
                                      std::optional<std::string> to);

  // The rules that apply at `node_id` (default: the caller's scope node).
  core::Result<RulesAt> Rules(const Caller& caller, std::optional<int64_t> node_id);
  core::Result<RulesAt> SetRules(const Caller& caller, std::optional<int64_t> node_id,
                                 const WarningRules& rules);
  static core::Status ValidateRules(const WarningRules& rules);

  core::Result<EvaluationReport> Evaluate(const Caller& caller, std::optional<std::string> month,
                                          std::optional<int64_t> within);
  core::Result<PageOf<MemberWarning>> Warnings(const Caller& caller, const WarningFilter& f);
  core::Result<MemberWarning> Acknowledge(const Caller& caller, int64_t member_id,
                                          std::optional<std::string> month);
  // The caller's own latest warning (party members); NotFound without one.
  core::Result<MemberWarning> MyWarning(const Caller& caller);
  // The month that ended, for every member, once (the supervisor calls this).
  core::Result<EvaluationReport> Sweep(int64_t now_ms);

  core::Status RecordDues(const Caller& caller, const DuesPayment& payment);
  core::Status SetCategory(const Caller& caller, int64_t member_id, MemberCategory category,
                           std::string note);

  const PartyLifeOptions& options() const { return options_; }

 private:
  struct MemberRow {
    int64_t id = 0;
    int64_t party_org_id = 0;
    std::string path;
    int64_t start_month = 0;  // the earlier of joining the registry and the branch's first meeting
    MemberCategory category = MemberCategory::kResident;
  };
  core::Result<PartyMeeting> LoadMeeting(store::Connection& conn, const Caller& caller, int64_t id);
  core::Result<std::vector<MemberRow>> MembersIn(store::Connection& conn, const PathRange& range,
                                                 const std::vector<int64_t>& only);
  core::Result<EvaluationReport> EvaluateMembers(store::Connection& conn,
                                                 const std::vector<MemberRow>& members,
                                                 int64_t month);
  core::Result<WarningRules> RulesFor(store::Connection& conn, const std::string& path);

  store::Db& db_;
  const core::Clock& clock_;
  AuditLog& audit_;
  PartyLifeOptions options_;
};

}  // namespace civicgrid::domain
