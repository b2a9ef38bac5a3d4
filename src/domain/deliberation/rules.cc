// The recurrence rule and the enum names of deliberation meetings.
#include <algorithm>
#include <cstdio>

#include "domain/deliberation/deliberation_types.h"
#include "domain/tickets/enum_names.h"

namespace civicgrid::domain {
namespace {

using core::Error;

constexpr NameTable<RuleKind, 3> kRuleKinds = {{{RuleKind::kDaysOfMonth, "days_of_month"},
                                                {RuleKind::kWeekly, "weekly"},
                                                {RuleKind::kNthWeekday, "nth_weekday"}}};
constexpr NameTable<MeetingState, 3> kMeetingStates = {{{MeetingState::kScheduled, "scheduled"},
                                                        {MeetingState::kClosed, "closed"},
                                                        {MeetingState::kCancelled, "cancelled"}}};
constexpr NameTable<PartyKind, 3> kPartyKinds = {{{PartyKind::kPropertyCompany, "property_company"},
                                                  {PartyKind::kOwnersCommittee, "owners_committee"},
                                                  {PartyKind::kDepartment, "department"}}};
constexpr NameTable<ItemSource, 3> kItemSources = {{{ItemSource::kTicket, "ticket"},
                                                    {ItemSource::kProposal, "proposal"},
                                                    {ItemSource::kStaff, "staff"}}};
constexpr NameTable<ItemState, 5> kItemStates = {{{ItemState::kProposed, "proposed"},
                                                  {ItemState::kScheduled, "scheduled"},
                                                  {ItemState::kDiscussed, "discussed"},
                                                  {ItemState::kDone, "done"},
                                                  {ItemState::kDeclined, "declined"}}};
constexpr NameTable<DecisionState, 2> kDecisionStates = {
    {{DecisionState::kOpen, "open"}, {DecisionState::kDone, "done"}}};

bool Falls(const MeetingRule& rule, core::CivilDate d) {
  switch (rule.kind) {
    case RuleKind::kDaysOfMonth:
      return std::find(rule.days.begin(), rule.days.end(), d.day) != rule.days.end();
    case RuleKind::kWeekly:
      return std::find(rule.days.begin(), rule.days.end(), core::IsoWeekday(d)) != rule.days.end();
    case RuleKind::kNthWeekday:
      return core::IsoWeekday(d) == rule.weekday && (d.day - 1) / 7 + 1 == rule.nth;
  }
  return false;
}

}  // namespace

std::string_view RuleKindName(RuleKind kind) { return NameIn(kRuleKinds, kind); }
core::Result<RuleKind> ParseRuleKind(std::string_view name, std::string_view field) {
  return ParseIn(kRuleKinds, name, field, "重复规则");
}
std::string_view MeetingStateName(MeetingState state) { return NameIn(kMeetingStates, state); }
core::Result<MeetingState> ParseMeetingState(std::string_view name, std::string_view field) {
  return ParseIn(kMeetingStates, name, field, "会议状态");
}
std::string_view PartyKindName(PartyKind kind) { return NameIn(kPartyKinds, kind); }
core::Result<PartyKind> ParsePartyKind(std::string_view name, std::string_view field) {
  return ParseIn(kPartyKinds, name, field, "参会方");
}
std::string_view ItemSourceName(ItemSource source) { return NameIn(kItemSources, source); }
core::Result<ItemSource> ParseItemSource(std::string_view name, std::string_view field) {
  return ParseIn(kItemSources, name, field, "议题来源");
}
std::string_view ItemStateName(ItemState state) { return NameIn(kItemStates, state); }
core::Result<ItemState> ParseItemState(std::string_view name, std::string_view field) {
  return ParseIn(kItemStates, name, field, "议题状态");
}
std::string_view DecisionStateName(DecisionState state) { return NameIn(kDecisionStates, state); }

core::Status ValidateRule(const MeetingRule& rule) {
  if (rule.minute < 0 || rule.minute >= 24 * 60) {
    return Error::Invalid("rule.time", "时间应为 00:00–23:59");
  }
  if (rule.duration_minutes < 1 || rule.duration_minutes > 8 * 60) {
    return Error::Invalid("rule.duration_minutes", "时长应为 1–480 分钟");
  }
  switch (rule.kind) {
    case RuleKind::kDaysOfMonth:
    case RuleKind::kWeekly: {
      int max = rule.kind == RuleKind::kDaysOfMonth ? 31 : 7;
      if (rule.days.empty() || rule.days.size() > static_cast<size_t>(max)) {
        return Error::Invalid("rule.days", "请列出 1–" + std::to_string(max) + " 个日子");
      }
      for (int d : rule.days) {
        if (d < 1 || d > max) {
          return Error::Invalid("rule.days", "应为 1–" + std::to_string(max) + " 之间的数");
        }
      }
      break;
    }
    case RuleKind::kNthWeekday:
      if (rule.nth < 1 || rule.nth > 4) return Error::Invalid("rule.nth", "应为 1–4");
      if (rule.weekday < 1 || rule.weekday > 7) return Error::Invalid("rule.weekday", "应为 1–7");
      break;
  }
  return core::Ok();
}

std::vector<int64_t> Occurrences(const MeetingRule& rule, core::CivilDate first,
                                 core::CivilDate last) {
  std::vector<int64_t> out;
  int64_t from = core::DaysFromCivil(first);
  int64_t to = core::DaysFromCivil(last);
  for (int64_t day = from; day <= to; ++day) {
    core::CivilDate d = core::CivilFromDays(day);
    if (!Falls(rule, d)) continue;
    out.push_back(day * core::kMsPerDay + rule.minute * core::kMsPerMinute -
                  core::kShanghaiOffsetMs);
  }
  return out;
}

std::string RuleText(const MeetingRule& rule) {
  std::string out(RuleKindName(rule.kind));
  out += " ";
  if (rule.kind == RuleKind::kNthWeekday) {
    out += std::to_string(rule.nth) + "/" + std::to_string(rule.weekday);
  } else {
    for (size_t i = 0; i < rule.days.size(); ++i) {
      out += (i ? "," : "") + std::to_string(rule.days[i]);
    }
  }
  char hm[16];
  std::snprintf(hm, sizeof hm, " %02d:%02d", rule.minute / 60, rule.minute % 60);
  out += hm;
  out += " " + std::to_string(rule.duration_minutes);
  return out;
}

core::Result<MeetingRule> ParseRuleText(std::string_view text) {
  MeetingRule rule;
  size_t sp = text.find(' ');
  if (sp == std::string_view::npos) return Error::Invalid("rule", "规则格式有误");
  CG_ASSIGN_OR_RETURN(rule.kind, ParseRuleKind(text.substr(0, sp), "rule.kind"));
  std::string_view rest = text.substr(sp + 1);
  std::vector<int> numbers;
  int value = 0;
  bool in_number = false;
  for (char c : rest) {
    if (c >= '0' && c <= '9') {
      value = value * 10 + (c - '0');
      in_number = true;
    } else if (in_number) {
      numbers.push_back(value);
      value = 0;
      in_number = false;
    }
  }
  if (in_number) numbers.push_back(value);
  // days… hh mm duration
  if (numbers.size() < 4) return Error::Invalid("rule", "规则格式有误");
  rule.duration_minutes = numbers.back();
  rule.minute = numbers[numbers.size() - 3] * 60 + numbers[numbers.size() - 2];
  std::vector<int> days(numbers.begin(), numbers.end() - 3);
  if (rule.kind == RuleKind::kNthWeekday) {
    if (days.size() != 2) return Error::Invalid("rule", "规则格式有误");
    rule.nth = days[0];
    rule.weekday = days[1];
  } else {
    rule.days = std::move(days);
  }
  return rule;
}

}  // namespace civicgrid::domain
