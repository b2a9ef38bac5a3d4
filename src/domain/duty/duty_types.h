// Value types and options of 双报到 and volunteer activities (docs/duty.md).
// Every limit lives once in DutyOptions; routes pass request values through.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/geo.h"
#include "core/time.h"

namespace civicgrid::domain {

struct DutyOptions {
  int64_t max_skills = 20;             // skills per member or request
  int64_t max_slots = 21;              // availability slots per member
  size_t commitment_max_chars = 2000;  // 承诺书 text
  size_t reason_max_chars = 200;       // decline reason
  int64_t max_capacity = 10000;        // seats of one activity
  int64_t max_headcount = 1000;        // people one post asks for
  int64_t max_radius_m = 5000;         // check-in radius
  int64_t series_horizon_days = 56;    // recurring activities are materialised this far ahead
  int64_t max_occurrences = 60;        // and never more than this many per series
  int64_t code_window_ms = 2 * core::kMsPerMinute;     // a check-in code lives 1–2 windows
  int64_t checkin_early_ms = 30 * core::kMsPerMinute;  // check-in opens before the start
  int64_t checkout_grace_ms = 2 * core::kMsPerHour;    // check-out closes after the end
};

// ---------------------------------------------------------------------------
// 双报到

struct Skill {
  int64_t id = 0;
  std::string name;
  bool retired = false;
};

// A change to a skill of the taxonomy: what is absent stays as it is.
struct SkillChange {
  std::optional<std::string> name;
  std::optional<bool> retired;
};

// One weekly window a member is available: weekday 1 (Monday) … 7 (Sunday),
// minutes after local midnight [start, end).
struct AvailabilitySlot {
  int weekday = 1;
  int start_minute = 0;
  int end_minute = 0;
};

enum class RegistrationState { kRequested, kConfirmed, kDeclined };
std::string_view RegistrationStateName(RegistrationState state);

struct NewDualRegistration {
  int64_t member_id = 0;
  int64_t community_id = 0;
  std::vector<int64_t> skill_ids;
  std::vector<AvailabilitySlot> availability;
  std::string commitment_text;  // 承诺书
  std::string commitment_date;  // YYYY-MM-DD
};

struct DualRegistration {
  int64_t id = 0;
  int64_t member_id = 0;
  std::string member_name;
  std::optional<int64_t> unit_id;
  int64_t community_id = 0;
  std::string community_name;
  RegistrationState state = RegistrationState::kRequested;
  std::vector<int64_t> skill_ids;
  std::vector<AvailabilitySlot> availability;
  std::string commitment_text;
  std::string commitment_date;
  int64_t requested_by = 0;
  std::optional<int64_t> decided_by;
  std::optional<int64_t> decided_at;
  std::string decline_reason;
  int64_t created_at = 0;
  int64_t version = 1;
};

struct RegistrationFilter {
  std::optional<int64_t> within;  // communities in this subtree
  std::optional<RegistrationState> state;
  std::optional<int64_t> member_id;
  int64_t after = 0;
  int64_t limit = 50;
};

struct MemberProfile {
  int64_t member_id = 0;
  std::string name;
  std::optional<int64_t> unit_id;
  std::optional<int64_t> community_id;  // where they are registered (confirmed)
  std::vector<int64_t> skill_ids;
  std::vector<AvailabilitySlot> availability;
  std::vector<int64_t> functional_branch_ids;
};

struct UnitRegistration {
  int64_t id = 0;
  int64_t unit_id = 0;
  std::string unit_name;
  int64_t community_id = 0;
  std::string community_name;
  int64_t created_at = 0;
};

struct NewPost {
  int64_t unit_registration_id = 0;
  std::string title;
  int64_t skill_id = 0;
  int64_t headcount = 1;
};

struct Post {
  int64_t id = 0;
  int64_t unit_registration_id = 0;
  int64_t unit_id = 0;
  int64_t community_id = 0;
  std::string title;
  int64_t skill_id = 0;
  int64_t headcount = 0;
  std::vector<int64_t> member_ids;  // who fills it
};

// A registered member a functional branch (功能型党支部) holds; they keep
// their own branch (home_party_org_id).
struct BranchMember {
  int64_t member_id = 0;
  std::string name;
  int64_t home_party_org_id = 0;
  int64_t added_at = 0;
};

struct CommunityCoverage {
  int64_t community_id = 0;
  std::string name;
  int64_t registered = 0;  // confirmed registrations
  int64_t pending = 0;     // requests awaiting the secretary
  int64_t units = 0;       // units registered with the community
  int64_t headcount = 0;   // seats the posts ask for
  int64_t filled = 0;      // seats filled
};

struct UnitCoverage {
  int64_t unit_id = 0;
  std::string name;
  int64_t expected = 0;    // in-service members
  int64_t registered = 0;  // of them with a confirmed registration
  int64_t pending = 0;
  int64_t headcount = 0;
  int64_t filled = 0;
};

// ---------------------------------------------------------------------------
// Teams and activities

struct NewTeam {
  int64_t community_id = 0;  // a community (or any node in scope) the team serves
  std::string name;
};

struct TeamMember {
  int64_t member_id = 0;
  std::string name;
  bool leader = false;
};

struct Team {
  int64_t id = 0;
  int64_t node_id = 0;
  std::string name;
  std::vector<TeamMember> members;
};

enum class Recurrence { kNone, kWeekly, kMonthly };

// weekly: every `weekday` (1–7) at `minute` (after local midnight);
// monthly: every month on `day_of_month` (1–28) at `minute`.
struct RecurrenceRule {
  Recurrence kind = Recurrence::kNone;
  int weekday = 6;
  int day_of_month = 1;
  int minute = 390;  // 06:30
  int duration_minutes = 60;
  int cancel_cutoff_minutes = 0;  // before each start
  std::string first_date;         // YYYY-MM-DD: the first day the rule may fall on
};

struct NewActivity {
  int64_t node_id = 0;  // the community (or node) it belongs to
  std::optional<int64_t> team_id;
  std::string title;
  std::string category;
  core::LonLat place;
  std::string place_name;
  int64_t starts_at = 0;  // epoch ms
  int64_t ends_at = 0;
  int64_t capacity = 0;
  std::optional<int64_t> signup_opens_at;   // default: now
  std::optional<int64_t> signup_closes_at;  // default: start
  std::optional<int64_t> cancel_cutoff_at;  // default: start
  std::optional<int64_t> radius_m;          // check-in must be within this of the place
};

struct Activity {
  int64_t id = 0;
  int64_t node_id = 0;
  std::optional<int64_t> team_id;
  std::optional<int64_t> series_id;
  std::string title;
  std::string category;
  core::LonLat place;
  std::string place_name;
  int64_t starts_at = 0;
  int64_t ends_at = 0;
  int64_t capacity = 0;
  int64_t seats_taken = 0;
  int64_t waitlisted = 0;
  int64_t signup_opens_at = 0;
  int64_t signup_closes_at = 0;
  int64_t cancel_cutoff_at = 0;
  std::optional<int64_t> radius_m;
  int64_t organiser_account_id = 0;
  bool cancelled = false;
};

struct ActivityFilter {
  std::optional<int64_t> within;
  std::optional<int64_t> team_id;
  std::optional<int64_t> starts_after;  // epoch ms
  int64_t after = 0;
  int64_t limit = 50;
};

enum class SignupState { kConfirmed, kWaitlisted, kCancelled, kNoShow };
std::string_view SignupStateName(SignupState state);

struct Signup {
  int64_t id = 0;
  int64_t activity_id = 0;
  int64_t member_id = 0;
  std::string member_name;
  SignupState state = SignupState::kConfirmed;
  std::optional<int64_t> checked_in_at;
  std::optional<int64_t> checked_out_at;
  int64_t minutes = 0;  // attended minutes (from the check-in and -out)
  std::optional<int64_t> approved_minutes;
  std::optional<int64_t> approved_by;
  int64_t created_at = 0;
};

struct SignupFilter {
  std::optional<int64_t> activity_id;
  std::optional<int64_t> member_id;
  bool awaiting_approval = false;  // checked out, attended, not yet approved
  int64_t after = 0;
  int64_t limit = 50;
};

enum class CodeKind { kCheckIn, kCheckOut };

// What the organiser's phone shows: `code` (8 digits, typed or scanned) and
// the QR payload "cgduty:<activity>:<in|out>:<code>".
struct CheckCode {
  int64_t activity_id = 0;
  CodeKind kind = CodeKind::kCheckIn;
  std::string code;
  std::string qr;
  int64_t expires_at = 0;  // the last instant the code is accepted
};

struct HoursApproved {
  int64_t person_id = 0;  // the party member
  int64_t activity_id = 0;
  int64_t minutes = 0;
  int64_t approver_account_id = 0;
  std::string idempotency_key;  // "duty-signup:<signup id>"
  int64_t served_at = 0;        // epoch ms: when the activity started
};

// ---------------------------------------------------------------------------
// The quarterly service card (一单一表一卡): one row per member and quarter.

struct ServiceCardQuery {
  int year = 2026;
  int quarter = 1;                   // 1–4, Asia/Shanghai calendar quarters
  std::optional<int64_t> member_id;  // one member (default for a party member: themselves)
  std::optional<int64_t> unit_id;    // every in-service member of the unit
  int64_t after = 0;                 // a page: members with id > after …
  int64_t limit = 5000;              // … at most this many (1–5000), in id order
};

struct ServiceCard {
  int64_t member_id = 0;
  std::string name;
  std::optional<int64_t> unit_id;
  std::string unit_name;
  std::optional<int64_t> community_id;  // the community they are registered with
  std::string community_name;
  std::string registered_on;       // YYYY-MM-DD, "" when not registered
  std::vector<std::string> posts;  // titles of the posts (岗位) they fill
  int64_t activities = 0;          // activities of the quarter they checked in to
  int64_t no_shows = 0;
  int64_t minutes = 0;  // approved service minutes of the quarter's activities
  int64_t points = 0;   // member points earned in the quarter (credits less reversed credits)
  int64_t tickets = 0;  // board tickets (群众点单) they claimed in the quarter
};

// ---------------------------------------------------------------------------
// Notices to members (an activity they signed up for was cancelled).

struct DutyNotice {
  int64_t id = 0;
  int64_t member_id = 0;
  std::optional<int64_t> activity_id;
  std::string kind;  // "activity_cancelled"
  std::string text;
  int64_t created_at = 0;
};

}  // namespace civicgrid::domain
