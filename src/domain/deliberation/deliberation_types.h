// Deliberation meetings (议事协商, docs/deliberation.md): value types, the
// recurrence rule and the options. Every limit lives once in
// DeliberationOptions; routes pass request values through.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/time.h"

namespace civicgrid::domain {

// How a series repeats, in Asia/Shanghai:
//   kDaysOfMonth  on these days of every month (逢四说事: 4, 14, 24);
//                 a day a month lacks (31 in April) is skipped that month
//   kWeekly       on these ISO weekdays (1 Monday … 7 Sunday; 七点半议事厅: 1–5)
//   kNthWeekday   the nth (1–4) `weekday` of every month (the first Monday)
enum class RuleKind { kDaysOfMonth, kWeekly, kNthWeekday };
std::string_view RuleKindName(RuleKind kind);  // "days_of_month", "weekly", "nth_weekday"
core::Result<RuleKind> ParseRuleKind(std::string_view name, std::string_view field);

struct MeetingRule {
  RuleKind kind = RuleKind::kDaysOfMonth;
  std::vector<int> days;      // kDaysOfMonth: 1–31; kWeekly: weekdays 1–7
  int nth = 1;                // kNthWeekday: 1–4
  int weekday = 1;            // kNthWeekday: 1–7
  int minute = 9 * 60;        // the start, minutes after local midnight
  int duration_minutes = 90;  // each meeting's length
};

// Checks the rule; errors name "rule.<field>".
core::Status ValidateRule(const MeetingRule& rule);
// The UTC start instants (epoch ms) of the rule's meetings on the local days
// from `first` to `last` inclusive, in order.
std::vector<int64_t> Occurrences(const MeetingRule& rule, core::CivilDate first,
                                 core::CivilDate last);
// "days_of_month 4,14,24 09:00" — the rule as stored and shown.
std::string RuleText(const MeetingRule& rule);
core::Result<MeetingRule> ParseRuleText(std::string_view text);

enum class MeetingState { kScheduled, kClosed, kCancelled };
std::string_view MeetingStateName(MeetingState state);
core::Result<MeetingState> ParseMeetingState(std::string_view name, std::string_view field);

// Invited parties of a joint meeting (联席会议).
enum class PartyKind { kPropertyCompany, kOwnersCommittee, kDepartment };
std::string_view PartyKindName(PartyKind kind);
core::Result<PartyKind> ParsePartyKind(std::string_view name, std::string_view field);

enum class ItemSource { kTicket, kProposal, kStaff };
std::string_view ItemSourceName(ItemSource source);
core::Result<ItemSource> ParseItemSource(std::string_view name, std::string_view field);

// proposed (a resident's, not yet on an agenda) → scheduled (on a meeting's
// agenda) → discussed (the meeting's minutes are in) → done (every decision
// on it done); declined by staff.
enum class ItemState { kProposed, kScheduled, kDiscussed, kDone, kDeclined };
std::string_view ItemStateName(ItemState state);
core::Result<ItemState> ParseItemState(std::string_view name, std::string_view field);

enum class DecisionState { kOpen, kDone };
std::string_view DecisionStateName(DecisionState state);

struct DeliberationOptions {
  int64_t max_title_chars = 60;
  int64_t max_text_chars = 2000;
  int64_t max_minutes_chars = 20000;
  int64_t max_parties = 20;
  int64_t max_capacity = 10000;
  int64_t max_duration_minutes = 8 * 60;  // a meeting, an agenda item
  int64_t max_series_days = 400;          // a series materialises at most this span
  int64_t default_series_days = 92;       // when no until date is given
  int64_t max_weight = 100;               // a decision's weight: 1–100
  int64_t checkin_early_ms = 30 * core::kMsPerMinute;
  int64_t code_window_ms = 2 * core::kMsPerMinute;
  std::vector<int64_t> reminder_days = {3, 7};  // after the meeting's end, without minutes
  int64_t sweep_limit = 500;
  int64_t max_registrations_listed = 10000;  // the organiser's registration list
  // The category of decisions' follow-up tickets when the request names none.
  std::string followup_category = "E99.01";  // 其他事件
};

}  // namespace civicgrid::domain
