#include "domain/timebank/timebank_types.h"

#include <array>
#include <utility>

#include "domain/tickets/enum_names.h"

namespace civicgrid::domain {
namespace {

constexpr NameTable<Currency, 3> kCurrencies{{
    {Currency::kServiceMinutes, "service_minutes"},
    {Currency::kMemberPoints, "member_points"},
    {Currency::kCivilityPoints, "civility_points"},
}};
constexpr NameTable<HolderKind, 4> kHolders{{
    {HolderKind::kMember, "member"},
    {HolderKind::kResident, "resident"},
    {HolderKind::kTeam, "team"},
    {HolderKind::kCommunity, "community"},
}};
constexpr NameTable<PostingKind, 5> kPostingKinds{{
    {PostingKind::kHours, "hours"},
    {PostingKind::kTicket, "ticket"},
    {PostingKind::kAward, "award"},
    {PostingKind::kRedemption, "redemption"},
    {PostingKind::kReversal, "reversal"},
}};
constexpr NameTable<RedemptionState, 3> kRedemptionStates{{
    {RedemptionState::kPending, "pending"},
    {RedemptionState::kHandedOver, "handed_over"},
    {RedemptionState::kCancelled, "cancelled"},
}};

}  // namespace

std::string_view CurrencyName(Currency v) { return NameIn(kCurrencies, v); }
std::string_view HolderKindName(HolderKind v) { return NameIn(kHolders, v); }
std::string_view PostingKindName(PostingKind v) { return NameIn(kPostingKinds, v); }
std::string_view RedemptionStateName(RedemptionState v) { return NameIn(kRedemptionStates, v); }

core::Result<Currency> ParseCurrency(std::string_view name, std::string_view field) {
  return ParseIn(kCurrencies, name, field, "币种");
}
core::Result<HolderKind> ParseHolderKind(std::string_view name, std::string_view field) {
  return ParseIn(kHolders, name, field, "账户类型");
}
core::Result<PostingKind> ParsePostingKind(std::string_view name, std::string_view field) {
  return ParseIn(kPostingKinds, name, field, "记账类型");
}
core::Result<RedemptionState> ParseRedemptionState(std::string_view name, std::string_view field) {
  return ParseIn(kRedemptionStates, name, field, "兑换状态");
}

}  // namespace civicgrid::domain
