// The time bank's value types (爱心存折 / 红色银行 / 文明积分) and its options.
// Shared by the store (timebank_store.h), the service (timebank.h) and the
// verifier (timebank_verify.h).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "domain/registry/common.h"

namespace civicgrid::domain {

// service_minutes: hours served (红色银行 / 爱心存款), member_points: what
// members spend (积分), civility_points: residents' 文明积分.
enum class Currency { kServiceMinutes, kMemberPoints, kCivilityPoints };
// Whose account: a party member, a resident, a volunteer team, or a community's
// pool (the issuer: credits come from it and redemptions go back to it; it
// alone may go below zero).
enum class HolderKind { kMember, kResident, kTeam, kCommunity };
// What a posting records.
enum class PostingKind { kHours, kTicket, kAward, kRedemption, kReversal };
enum class RedemptionState { kPending, kHandedOver, kCancelled };

std::string_view CurrencyName(Currency v);
std::string_view HolderKindName(HolderKind v);
std::string_view PostingKindName(PostingKind v);
std::string_view RedemptionStateName(RedemptionState v);
core::Result<Currency> ParseCurrency(std::string_view name, std::string_view field);
core::Result<HolderKind> ParseHolderKind(std::string_view name, std::string_view field);
core::Result<PostingKind> ParsePostingKind(std::string_view name, std::string_view field);
core::Result<RedemptionState> ParseRedemptionState(std::string_view name, std::string_view field);

// Every limit and rate of the time bank, in one place.
struct TimeBankOptions {
  // Approved hours: minutes per approval, and member points per 60 minutes.
  int64_t max_minutes_per_approval = 1440;
  int64_t points_per_hour = 10;
  // Per holder and Asia/Shanghai day: minutes credited from approved hours…
  int64_t daily_minutes_cap = 8 * 60;
  // …and member points credited by the rules (hours and tickets together).
  int64_t daily_points_cap = 200;
  // A board ticket claimed by a member, once resolved: points to the member
  // (per category id when listed, else the default; 0 turns the rule off).
  int64_t ticket_points = 20;
  std::map<int64_t, int64_t> ticket_points_by_category;
  // 文明积分: a resident's own report, resolved and rated by them, credits them
  // civility points once per ticket (0 turns the rule off), at most
  // civility_daily_cap a day.
  int64_t civility_report_points = 5;
  int64_t civility_daily_cap = 20;
  // Rewards.
  size_t max_name_chars = 40;
  size_t max_description_chars = 500;
  int64_t max_cost = 1'000'000;
  int64_t max_stock = 1'000'000;
  int64_t max_quantity = 10;
  size_t max_memo_chars = 200;
};

struct TbAccount {
  int64_t id = 0;
  HolderKind holder_kind = HolderKind::kMember;
  int64_t holder_id = 0;
  Currency currency = Currency::kMemberPoints;
  int64_t node_id = 0;
  std::string path;
  std::optional<int64_t> community_id;
  std::string name;  // the holder's name (a person, team or community)
  bool allow_negative = false;
  int64_t balance = 0;
  int64_t created_at = 0;
};

// One line of a statement.
struct TbEntry {
  int64_t id = 0;
  int64_t posting_id = 0;
  int64_t account_id = 0;
  Currency currency = Currency::kMemberPoints;
  int64_t amount = 0;
  int64_t balance_after = 0;
  PostingKind kind = PostingKind::kAward;
  std::string day;  // YYYY-MM-DD, Asia/Shanghai
  int64_t at = 0;
  std::string memo;
  std::optional<int64_t> reverses_id;
};

// One leg of a transfer: `amount` added to the account (negative: taken).
struct Leg {
  int64_t account_id = 0;
  int64_t amount = 0;
};

struct NewPosting {
  PostingKind kind = PostingKind::kAward;
  std::string idempotency_key;  // unique across the ledger
  std::string memo;
  std::vector<Leg> legs;
  std::optional<int64_t> reverses_id;
  std::optional<int64_t> actor_account_id;
  std::string ref_type;  // "activity", "ticket", "redemption" …
  std::optional<int64_t> ref_id;
  int64_t at = 0;  // when it happened (served_at for hours); 0: now
};

struct Posted {
  int64_t posting_id = 0;
  bool replayed = false;  // the key was used before with the same legs: nothing posted
};

// What the activities module passes when an organiser approves hours.
struct ApprovedHours {
  int64_t holder_member_id = 0;  // party_member.id
  int64_t activity_id = 0;
  int64_t minutes = 0;      // 1..1440
  int64_t approved_by = 0;  // account.id of the organiser
  int64_t served_at = 0;    // epoch ms
  std::string idempotency_key;
};

struct CreditedHours {
  int64_t posting_id = 0;
  int64_t minutes = 0;  // after the daily cap
  int64_t points = 0;   // after the daily cap
  bool capped = false;
  bool replayed = false;
};

struct Statement {
  TbAccount account;
  std::vector<TbEntry> entries;  // newest first
  std::optional<int64_t> next_after;
};

struct Reward {
  int64_t id = 0;
  int64_t node_id = 0;  // the community
  std::string path;
  std::string name;
  std::string description;
  Currency currency = Currency::kMemberPoints;
  int64_t cost = 0;
  int64_t stock = 0;
  bool active = true;
  int64_t version = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct NewReward {
  int64_t node_id = 0;
  std::string name;
  std::string description;
  Currency currency = Currency::kMemberPoints;
  int64_t cost = 0;
  int64_t stock = 0;
};

struct RewardPatch {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<int64_t> cost;
  std::optional<int64_t> stock;
  std::optional<bool> active;
  std::optional<int64_t> expected_version;
};

struct Redemption {
  int64_t id = 0;
  int64_t reward_id = 0;
  std::string reward_name;
  int64_t account_id = 0;
  std::string holder_name;
  int64_t quantity = 0;
  int64_t amount = 0;
  RedemptionState state = RedemptionState::kPending;
  int64_t posting_id = 0;
  std::optional<int64_t> reversal_posting_id;
  int64_t created_at = 0;
  std::optional<int64_t> handed_over_at;
  std::optional<int64_t> cancelled_at;
};

struct RedeemRequest {
  int64_t reward_id = 0;
  int64_t quantity = 1;
  // The member (or resident) redeeming; empty: the caller's own account.
  std::optional<HolderKind> holder_kind;
  std::optional<int64_t> holder_id;
  std::string idempotency_key;  // empty: none (each call redeems)
};

struct RankingQuery {
  int64_t node_id = 0;  // a community (or any node in scope)
  int year = 2026;
  Currency currency = Currency::kServiceMinutes;
  // "person" (members and residents), "team", "community" or "unit" (members by their unit).
  std::string group = "person";
  int64_t limit = 100;
};

struct RankingRow {
  int64_t rank = 0;
  std::string holder_kind;
  int64_t holder_id = 0;
  std::string name;
  int64_t earned = 0;  // credited in the year, reversals deducted
};

}  // namespace civicgrid::domain
