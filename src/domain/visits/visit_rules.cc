// The visit vocabularies and the due rule, without the database.
#include <algorithm>

#include "domain/visits/visit_service.h"

namespace civicgrid::domain {
namespace {

constexpr struct {
  HouseholdFlag flag;
  std::string_view name;
} kFlags[] = {{HouseholdFlag::kElderAlone, "elder_alone"},
              {HouseholdFlag::kDisabled, "disabled"},
              {HouseholdFlag::kLowIncome, "low_income"},
              {HouseholdFlag::kSeniorTalent, "senior_talent"}};

int64_t Bit(HouseholdFlag f) { return static_cast<int64_t>(f); }

// Days since 1970-01-01 of the Asia/Shanghai day holding `ms`.
int64_t ShanghaiDay(int64_t ms) {
  int64_t local = ms + core::kShanghaiOffsetMs;
  return (local >= 0 ? local : local - core::kMsPerDay + 1) / core::kMsPerDay;
}

int64_t DayStartMs(int64_t day) { return day * core::kMsPerDay - core::kShanghaiOffsetMs; }

}  // namespace

const std::vector<std::string_view> kVisitNeeds = {
    "care", "medical", "repair", "financial", "employment", "legal", "psychological", "other"};
const std::vector<std::string_view> kVisitRisks = {"fall",     "fire",  "health", "safety",
                                                   "conflict", "fraud", "other"};
const std::vector<std::string_view> kVisitOutcomes = {"met", "absent", "refused"};

core::Result<int64_t> ParseHouseholdFlags(const std::vector<std::string>& names,
                                          std::string_view field) {
  int64_t flags = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    auto it = std::find_if(std::begin(kFlags), std::end(kFlags),
                           [&](const auto& f) { return f.name == names[i]; });
    if (it == std::end(kFlags)) {
      return core::Error::Invalid(std::string(field) + "[" + std::to_string(i) + "]",
                                  "未知的户标记「" + names[i] +
                                      "」，可选：elder_alone, disabled, low_income, senior_talent");
    }
    flags |= Bit(it->flag);
  }
  return flags;
}

std::vector<std::string> HouseholdFlagNames(int64_t flags) {
  std::vector<std::string> out;
  for (const auto& f : kFlags) {
    if ((flags & Bit(f.flag)) != 0) out.emplace_back(f.name);
  }
  return out;
}

int64_t RequiredPerWeek(const VisitRules& rules, int64_t flags) {
  int64_t n = rules.weekly;
  if ((flags & Bit(HouseholdFlag::kElderAlone)) != 0) n = std::max(n, rules.weekly_elder_alone);
  if ((flags & Bit(HouseholdFlag::kDisabled)) != 0) n = std::max(n, rules.weekly_disabled);
  if ((flags & Bit(HouseholdFlag::kLowIncome)) != 0) n = std::max(n, rules.weekly_low_income);
  if ((flags & Bit(HouseholdFlag::kSeniorTalent)) != 0) {
    n = std::max(n, rules.weekly_senior_talent);
  }
  return n;
}

int64_t WeekStartMs(int64_t ms) {
  const int64_t day = ShanghaiDay(ms);
  return DayStartMs(day - (core::IsoWeekday(day) - 1));
}

int64_t MonthStartMs(int64_t ms) {
  core::CivilDate d = core::CivilFromDays(ShanghaiDay(ms));
  d.day = 1;
  return DayStartMs(core::DaysFromCivil(d));
}

bool DueByRule(const VisitRules& rules, int64_t flags, const std::vector<int64_t>& visits_this_week,
               int64_t now_ms) {
  const int64_t week = WeekStartMs(now_ms);
  const int64_t today = ShanghaiDay(now_ms);
  int64_t count = 0;
  int64_t last_day = 0;
  for (int64_t at : visits_this_week) {
    if (at < week || ShanghaiDay(at) > today) continue;
    ++count;
    last_day = count == 1 ? ShanghaiDay(at) : std::max(last_day, ShanghaiDay(at));
  }
  if (count >= RequiredPerWeek(rules, flags)) return false;
  return count == 0 || today - last_day >= rules.min_gap_days;
}

}  // namespace civicgrid::domain
