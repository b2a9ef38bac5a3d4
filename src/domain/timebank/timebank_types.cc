#include "domain/timebank/timebank_types.h"

#include <array>
#include <utility>

namespace civicgrid::domain {
namespace {

template <typename E, size_t N>
std::string_view NameOf(const std::array<std::pair<E, std::string_view>, N>& names, E v) {
  for (const auto& [value, name] : names) {
    if (value == v) return name;
  }
  return "unknown";
}

template <typename E, size_t N>
core::Result<E> Parse(const std::array<std::pair<E, std::string_view>, N>& names,
                      std::string_view text, std::string_view field, std::string_view what) {
  for (const auto& [value, name] : names) {
    if (name == text) return value;
  }
  return core::Error::Invalid(std::string(field),
                              "未知" + std::string(what) + ": " + std::string(text));
}

constexpr std::array<std::pair<Currency, std::string_view>, 3> kCurrencies{{
    {Currency::kServiceMinutes, "service_minutes"},
    {Currency::kMemberPoints, "member_points"},
    {Currency::kCivilityPoints, "civility_points"},
}};
constexpr std::array<std::pair<HolderKind, std::string_view>, 4> kHolders{{
    {HolderKind::kMember, "member"},
    {HolderKind::kResident, "resident"},
    {HolderKind::kTeam, "team"},
    {HolderKind::kCommunity, "community"},
}};
constexpr std::array<std::pair<PostingKind, std::string_view>, 5> kPostingKinds{{
    {PostingKind::kHours, "hours"},
    {PostingKind::kTicket, "ticket"},
    {PostingKind::kAward, "award"},
    {PostingKind::kRedemption, "redemption"},
    {PostingKind::kReversal, "reversal"},
}};
constexpr std::array<std::pair<RedemptionState, std::string_view>, 3> kRedemptionStates{{
    {RedemptionState::kPending, "pending"},
    {RedemptionState::kHandedOver, "handed_over"},
    {RedemptionState::kCancelled, "cancelled"},
}};

}  // namespace

std::string_view CurrencyName(Currency v) { return NameOf(kCurrencies, v); }
std::string_view HolderKindName(HolderKind v) { return NameOf(kHolders, v); }
std::string_view PostingKindName(PostingKind v) { return NameOf(kPostingKinds, v); }
std::string_view RedemptionStateName(RedemptionState v) { return NameOf(kRedemptionStates, v); }

core::Result<Currency> ParseCurrency(std::string_view name, std::string_view field) {
  return Parse(kCurrencies, name, field, "币种");
}
core::Result<HolderKind> ParseHolderKind(std::string_view name, std::string_view field) {
  return Parse(kHolders, name, field, "账户类型");
}
core::Result<PostingKind> ParsePostingKind(std::string_view name, std::string_view field) {
  return Parse(kPostingKinds, name, field, "记账类型");
}
core::Result<RedemptionState> ParseRedemptionState(std::string_view name, std::string_view field) {
  return Parse(kRedemptionStates, name, field, "兑换状态");
}

}  // namespace civicgrid::domain
