// The time bank (爱心存折 / 积分兑换; domain/timebank/timebank.h):
//   GET   /api/v1/timebank/me                          the caller's accounts and balances
//   GET   /api/v1/timebank/me/statement?currency=&after=&limit=   the caller's passbook
//   GET   /api/v1/timebank/statements?holder_kind=&holder_id=&currency=&after=&limit=  (staff)
//   POST  /api/v1/timebank/postings/{id}/reversal      {memo}  (staff)
//   GET   /api/v1/timebank/rewards?node_id=&after=&limit=
//   POST  /api/v1/timebank/rewards                     (staff)
//   PATCH /api/v1/timebank/rewards/{id}                (staff)
//   GET   /api/v1/timebank/redemptions?state=&after=&limit=
//   POST  /api/v1/timebank/redemptions                 {reward_id, quantity, holder_kind?,
//   holder_id?} POST  /api/v1/timebank/redemptions/{id}/hand-over  (counter staff) POST
//   /api/v1/timebank/redemptions/{id}/cancel GET
//   /api/v1/timebank/rankings?node_id=&year=&currency=&group=&limit= GET
//   /api/v1/exports/timebank-rankings.csv?…      the same as CSV
// Statements are keyset pages, newest first: `after` is the last entry id seen.
#include <fmt/format.h>
#include <boost/json.hpp>

#include <charconv>

#include "core/csv.h"
#include "core/text_encoding.h"
#include "core/time.h"
#include "core/xlsx.h"
#include "domain/timebank/timebank.h"
#include "http/api/api.h"
#include "http/api/views.h"
#include "http/json_body.h"

namespace civicgrid::http {
namespace {

namespace json = boost::json;
using domain::Caller;

// Strings are read with a transport bound; the domain checks the lengths.
constexpr size_t kAnyLength = 64 * 1024;

json::object AccountJson(const domain::TbAccount& a) {
  return json::object{{"id", a.id},
                      {"holder_kind", domain::HolderKindName(a.holder_kind)},
                      {"holder_id", a.holder_id},
                      {"currency", domain::CurrencyName(a.currency)},
                      {"name", a.name},
                      {"node_id", a.node_id},
                      {"community_id", OptJson(a.community_id)},
                      {"balance", a.balance}};
}

json::object EntryJson(const domain::TbEntry& e) {
  return json::object{{"id", e.id},
                      {"posting_id", e.posting_id},
                      {"kind", domain::PostingKindName(e.kind)},
                      {"amount", e.amount},
                      {"balance_after", e.balance_after},
                      {"day", e.day},
                      {"at", OptTimeJson(e.at)},
                      {"memo", e.memo},
                      {"reverses_id", OptJson(e.reverses_id)}};
}

json::object RewardJson(const domain::Reward& r) {
  return json::object{{"id", r.id},
                      {"node_id", r.node_id},
                      {"name", r.name},
                      {"description", r.description},
                      {"currency", domain::CurrencyName(r.currency)},
                      {"cost", r.cost},
                      {"stock", r.stock},
                      {"active", r.active},
                      {"version", r.version},
                      {"updated_at", OptTimeJson(r.updated_at)}};
}

json::object RedemptionJson(const domain::Redemption& d) {
  return json::object{{"id", d.id},
                      {"reward_id", d.reward_id},
                      {"reward_name", d.reward_name},
                      {"account_id", d.account_id},
                      {"holder_name", d.holder_name},
                      {"quantity", d.quantity},
                      {"amount", d.amount},
                      {"state", domain::RedemptionStateName(d.state)},
                      {"posting_id", d.posting_id},
                      {"reversal_posting_id", OptJson(d.reversal_posting_id)},
                      {"created_at", OptTimeJson(d.created_at)},
                      {"handed_over_at", OptTimeJson(d.handed_over_at)},
                      {"cancelled_at", OptTimeJson(d.cancelled_at)}};
}

json::object StatementJson(const domain::Statement& s) {
  json::array entries;
  for (const auto& e : s.entries) entries.push_back(EntryJson(e));
  return json::object{{"account", AccountJson(s.account)},
                      {"balance", s.account.balance},
                      {"items", std::move(entries)},
                      {"next_after", OptJson(s.next_after)}};
}

core::Result<domain::Currency> QueryCurrency(const Request& r, domain::Currency fallback) {
  auto text = r.Query("currency");
  if (!text) return fallback;
  return domain::ParseCurrency(*text, "currency");
}

core::Result<int64_t> QueryInt(const Request& r, std::string_view name, int64_t fallback) {
  auto text = r.Query(name);
  if (!text) return fallback;
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (text->empty() || ec != std::errc() || ptr != text->data() + text->size()) {
    return core::Error::Invalid(std::string(name), "应为整数");
  }
  return n;
}

core::Result<Response> Me(ApiServices& s, Request&, const Caller& c) {
  CG_ASSIGN_OR_RETURN(auto accounts, s.timebank.MyAccounts(c));
  json::array items;
  for (const auto& a : accounts) items.push_back(AccountJson(a));
  return Response::Json(200, json::object{{"items", std::move(items)}});
}

core::Result<Response> MyStatement(ApiServices& s, Request& r, const Caller& c) {
  domain::Currency fallback = c.resident_id && !c.party_member_id
                                  ? domain::Currency::kCivilityPoints
                                  : domain::Currency::kMemberPoints;
  CG_ASSIGN_OR_RETURN(domain::Currency currency, QueryCurrency(r, fallback));
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(domain::Statement st, s.timebank.MyStatement(c, currency, page));
  return Response::Json(200, StatementJson(st));
}

core::Result<Response> StatementOf(ApiServices& s, Request& r, const Caller& c) {
  auto kind_text = r.Query("holder_kind");
  if (!kind_text) return core::Error::Invalid("holder_kind", "缺少 holder_kind");
  CG_ASSIGN_OR_RETURN(domain::HolderKind kind, domain::ParseHolderKind(*kind_text, "holder_kind"));
  CG_ASSIGN_OR_RETURN(std::optional<int64_t> holder_id, QueryId(r, "holder_id"));
  if (!holder_id) return core::Error::Invalid("holder_id", "缺少 holder_id");
  CG_ASSIGN_OR_RETURN(domain::Currency currency, QueryCurrency(r, domain::Currency::kMemberPoints));
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(domain::Statement st,
                      s.timebank.StatementOf(c, kind, *holder_id, currency, page));
  return Response::Json(200, StatementJson(st));
}

core::Result<Response> Reverse(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(std::string memo, RequireString(body, "memo", kAnyLength));
  CG_ASSIGN_OR_RETURN(domain::Posted posted, s.timebank.Reverse(c, id, memo));
  return Response::Json(posted.replayed ? 200 : 201, json::object{{"posting_id", posted.posting_id},
                                                                  {"reverses_id", id},
                                                                  {"replayed", posted.replayed}});
}

core::Result<Response> ListRewards(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(std::optional<int64_t> node_id, QueryId(r, "node_id"));
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(auto rewards, s.timebank.Rewards(c, node_id, page));
  return Response::Json(200, PageJson(rewards, RewardJson));
}

core::Result<Response> CreateReward(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewReward in;
  CG_ASSIGN_OR_RETURN(in.node_id, RequireInt(body, "node_id", 1));
  CG_ASSIGN_OR_RETURN(in.name, RequireString(body, "name", kAnyLength));
  CG_ASSIGN_OR_RETURN(auto description,
                      OptionalString(body, "description", kAnyLength, TextKind::kMultiLine));
  in.description = description.value_or("");
  CG_ASSIGN_OR_RETURN(auto currency, OptionalString(body, "currency", 40));
  if (currency) {
    CG_ASSIGN_OR_RETURN(in.currency, domain::ParseCurrency(*currency, "currency"));
  }
  CG_ASSIGN_OR_RETURN(in.cost, RequireInt(body, "cost"));
  CG_ASSIGN_OR_RETURN(in.stock, RequireInt(body, "stock"));
  CG_ASSIGN_OR_RETURN(domain::Reward made, s.timebank.CreateReward(c, in));
  return Response::Json(201, RewardJson(made));
}

core::Result<Response> UpdateReward(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::RewardPatch patch;
  CG_ASSIGN_OR_RETURN(patch.name, OptionalString(body, "name", kAnyLength));
  CG_ASSIGN_OR_RETURN(patch.description,
                      OptionalString(body, "description", kAnyLength, TextKind::kMultiLine));
  CG_ASSIGN_OR_RETURN(patch.cost, OptionalInt(body, "cost"));
  CG_ASSIGN_OR_RETURN(patch.stock, OptionalInt(body, "stock"));
  CG_ASSIGN_OR_RETURN(patch.active, OptionalBool(body, "active"));
  CG_ASSIGN_OR_RETURN(patch.expected_version, OptionalInt(body, "version", 1));
  CG_ASSIGN_OR_RETURN(domain::Reward updated, s.timebank.UpdateReward(c, id, patch));
  return Response::Json(200, RewardJson(updated));
}

core::Result<Response> ListRedemptions(ApiServices& s, Request& r, const Caller& c) {
  std::optional<domain::RedemptionState> state;
  if (auto text = r.Query("state")) {
    CG_ASSIGN_OR_RETURN(state, domain::ParseRedemptionState(*text, "state"));
  }
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(auto list, s.timebank.Redemptions(c, state, page));
  return Response::Json(200, PageJson(list, RedemptionJson));
}

core::Result<Response> Redeem(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::RedeemRequest req;
  CG_ASSIGN_OR_RETURN(req.reward_id, RequireInt(body, "reward_id", 1));
  CG_ASSIGN_OR_RETURN(auto quantity, OptionalInt(body, "quantity"));
  req.quantity = quantity.value_or(1);
  CG_ASSIGN_OR_RETURN(auto holder_kind, OptionalString(body, "holder_kind", 40));
  if (holder_kind) {
    CG_ASSIGN_OR_RETURN(req.holder_kind, domain::ParseHolderKind(*holder_kind, "holder_kind"));
  }
  CG_ASSIGN_OR_RETURN(req.holder_id, OptionalInt(body, "holder_id", 1));
  req.idempotency_key = std::string(r.Header("Idempotency-Key"));
  CG_ASSIGN_OR_RETURN(domain::Redemption d, s.timebank.Redeem(c, req));
  return Response::Json(201, RedemptionJson(d));
}

core::Result<Response> HandOver(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(domain::Redemption d, s.timebank.HandOver(c, id));
  return Response::Json(200, RedemptionJson(d));
}

core::Result<Response> Cancel(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(domain::Redemption d, s.timebank.Cancel(c, id));
  return Response::Json(200, RedemptionJson(d));
}

core::Result<domain::RankingQuery> RankingQueryOf(ApiServices& s, const Request& r,
                                                  const Caller& c) {
  domain::RankingQuery q;
  CG_ASSIGN_OR_RETURN(std::optional<int64_t> node_id, QueryId(r, "node_id"));
  q.node_id = node_id.value_or(c.scope_node_id);
  CG_ASSIGN_OR_RETURN(int64_t year, QueryInt(r, "year", core::ShanghaiDate(s.clock.NowMs()).year));
  if (year < 2000 || year > 2100) return core::Error::Invalid("year", "年份应为 2000–2100");
  q.year = static_cast<int>(year);
  CG_ASSIGN_OR_RETURN(q.currency, QueryCurrency(r, domain::Currency::kServiceMinutes));
  if (auto group = r.Query("group")) q.group = std::string(*group);
  CG_ASSIGN_OR_RETURN(q.limit, QueryInt(r, "limit", 100));
  return q;
}

core::Result<Response> Rankings(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(domain::RankingQuery q, RankingQueryOf(s, r, c));
  CG_ASSIGN_OR_RETURN(auto rows, s.timebank.Rankings(c, q));
  json::array items;
  for (const auto& row : rows) {
    items.push_back(json::object{{"rank", row.rank},
                                 {"holder_kind", row.holder_kind},
                                 {"holder_id", row.holder_id},
                                 {"name", row.name},
                                 {"earned", row.earned}});
  }
  return Response::Json(200, json::object{{"node_id", q.node_id},
                                          {"year", q.year},
                                          {"currency", domain::CurrencyName(q.currency)},
                                          {"group", q.group},
                                          {"items", std::move(items)}});
}

core::Result<Response> RankingsCsv(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(domain::RankingQuery q, RankingQueryOf(s, r, c));
  CG_ASSIGN_OR_RETURN(auto rows, s.timebank.Rankings(c, q));
  std::string csv(core::kUtf8Bom);
  core::AppendCsvRow(csv, {"排名", "类型", "编号", "名称", "年度累计"});
  for (const auto& row : rows) {
    core::AppendCsvRow(csv, {std::to_string(row.rank), row.holder_kind,
                             std::to_string(row.holder_id), row.name, std::to_string(row.earned)});
  }
  Response response = Response::Text(200, std::move(csv), "text/csv; charset=utf-8");
  response.AddHeader("Content-Disposition",
                     fmt::format("attachment; filename=\"timebank-rankings-{}-{}-{}.csv\"",
                                 q.node_id, q.year, q.group));
  response.AddHeader("Cache-Control", "no-store");
  return response;
}

// The same ranking as an XLSX workbook (libxlsxwriter), for year-end evaluation.
core::Result<Response> RankingsXlsx(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(domain::RankingQuery q, RankingQueryOf(s, r, c));
  CG_ASSIGN_OR_RETURN(auto rows, s.timebank.Rankings(c, q));
  core::XlsxSheet sheet;
  sheet.name = fmt::format("{} 年度排名", q.year);
  sheet.header = {"排名", "类型", "编号", "名称", "年度累计"};
  sheet.numeric = {true, false, true, false, true};
  for (const auto& row : rows) {
    sheet.rows.push_back({std::to_string(row.rank), row.holder_kind, std::to_string(row.holder_id),
                          row.name, std::to_string(row.earned)});
  }
  CG_ASSIGN_OR_RETURN(std::string bytes, core::XlsxWorkbook(sheet));
  Response response = Response::Text(
      200, std::move(bytes), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  response.AddHeader("Content-Disposition",
                     fmt::format("attachment; filename=\"timebank-rankings-{}-{}-{}.xlsx\"",
                                 q.node_id, q.year, q.group));
  response.AddHeader("Cache-Control", "no-store");
  return response;
}

}  // namespace

void RegisterTimeBankRoutes(Router& router, ApiServices& s) {
  auto add = [&](const char* method, const char* pattern,
                 core::Result<Response> (*fn)(ApiServices&, Request&, const Caller&)) {
    router.Add(method, pattern,
               Authed(s, [&s, fn](Request& r, const Caller& c) { return fn(s, r, c); }));
  };
  add("GET", "/api/v1/timebank/me", Me);
  add("GET", "/api/v1/timebank/me/statement", MyStatement);
  add("GET", "/api/v1/timebank/statements", StatementOf);
  add("POST", "/api/v1/timebank/postings/{id}/reversal", Reverse);
  add("GET", "/api/v1/timebank/rewards", ListRewards);
  add("POST", "/api/v1/timebank/rewards", CreateReward);
  add("PATCH", "/api/v1/timebank/rewards/{id}", UpdateReward);
  add("GET", "/api/v1/timebank/redemptions", ListRedemptions);
  add("POST", "/api/v1/timebank/redemptions", Redeem);
  add("POST", "/api/v1/timebank/redemptions/{id}/hand-over", HandOver);
  add("POST", "/api/v1/timebank/redemptions/{id}/cancel", Cancel);
  add("GET", "/api/v1/timebank/rankings", Rankings);
  add("GET", "/api/v1/exports/timebank-rankings.csv", RankingsCsv);
  add("GET", "/api/v1/exports/timebank-rankings.xlsx", RankingsXlsx);
}

}  // namespace civicgrid::http
