// Managing what 双报到 and activities made (docs/duty.md): thin handlers over
// DualRegistrationService and ActivityService.
//   PATCH  /api/v1/duty/skills/{id}                          {name?, retired?} (county admins)
//   GET    /api/v1/duty/unit-registrations/{id}/posts         the registration's posts
//   DELETE /api/v1/duty/posts/{id}/members/{member_id}        leave a post
//   GET    /api/v1/duty/branches/{id}/members                 a functional branch's members
//   DELETE /api/v1/duty/branches/{id}/members/{member_id}
//   POST   /api/v1/duty/activities/{id}/cancel                members signed up are notified
//   POST   /api/v1/duty/teams/{id}/disband                    its upcoming activities cancelled
//   DELETE /api/v1/duty/teams/{id}/members/{member_id}
//   GET    /api/v1/duty/notices?after=&limit=                 the calling member's notices
//   GET    /api/v1/duty/service-cards?quarter=2026Q3&unit_id=&member_id=&after=&limit=
//   GET    /api/v1/exports/service-cards.csv|.xlsx?quarter=&unit_id=   a unit's cards, whole
#include <fmt/format.h>
#include <boost/json.hpp>

#include "core/csv.h"
#include "core/text_encoding.h"
#include "core/time.h"
#include "core/xlsx.h"
#include "http/api/api.h"
#include "http/api/duty_views.h"
#include "http/api/views.h"
#include "http/json_body.h"

namespace civicgrid::http {
namespace {

namespace json = boost::json;
using domain::Caller;

core::Result<int64_t> PathId(Request& r, const char* name = "id") {
  return ParseId(r.Param(name), name);
}

template <typename T>
json::value ItemsJson(const std::vector<T>& items) {
  json::array a;
  for (const auto& item : items) a.push_back(ToJson(item));
  return json::object{{"items", std::move(a)}};
}

// --- skills, posts, functional branches ----------------------------------------------------

core::Result<Response> UpdateSkill(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::SkillChange change;
  CG_ASSIGN_OR_RETURN(change.name, OptionalString(body, "name", 30));
  CG_ASSIGN_OR_RETURN(change.retired, OptionalBool(body, "retired"));
  CG_ASSIGN_OR_RETURN(domain::Skill skill, s.duty.UpdateSkill(c, id, change));
  return Response::Json(200, ToJson(skill));
}

core::Result<Response> ListPosts(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  CG_ASSIGN_OR_RETURN(auto posts, s.duty.ListPosts(c, id));
  return Response::Json(200, ItemsJson(posts));
}

core::Result<Response> LeavePost(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  CG_ASSIGN_OR_RETURN(int64_t member, PathId(r, "member_id"));
  CG_ASSIGN_OR_RETURN(domain::Post post, s.duty.LeavePost(c, id, member));
  return Response::Json(200, ToJson(post));
}

core::Result<Response> BranchMembers(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  CG_ASSIGN_OR_RETURN(auto members, s.duty.BranchMembers(c, id));
  return Response::Json(200, BranchMembersJson(members));
}

core::Result<Response> RemoveBranchMember(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  CG_ASSIGN_OR_RETURN(int64_t member, PathId(r, "member_id"));
  CG_TRY(s.duty.RemoveFromBranch(c, id, member));
  CG_ASSIGN_OR_RETURN(auto members, s.duty.BranchMembers(c, id));
  return Response::Json(200, BranchMembersJson(members));
}

// --- activities, teams, notices --------------------------------------------------------------

core::Result<Response> CancelActivity(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  CG_ASSIGN_OR_RETURN(domain::Activity a, s.activities.Cancel(c, id));
  return Response::Json(200, ToJson(a));
}

core::Result<Response> DisbandTeam(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  CG_ASSIGN_OR_RETURN(domain::Team team, s.activities.DisbandTeam(c, id));
  return Response::Json(200, ToJson(team));
}

core::Result<Response> RemoveTeamMember(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  CG_ASSIGN_OR_RETURN(int64_t member, PathId(r, "member_id"));
  CG_ASSIGN_OR_RETURN(domain::Team team, s.activities.RemoveTeamMember(c, id, member));
  return Response::Json(200, ToJson(team));
}

core::Result<Response> Notices(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(auto notices, s.activities.Notices(c, page));
  return Response::Json(200,
                        PageJson(notices, [](const domain::DutyNotice& n) { return ToJson(n); }));
}

// --- the quarterly service card (一单一表一卡) ------------------------------------------------

// ?quarter=2026Q3 (default: the current quarter in Asia/Shanghai), ?unit_id= (default: a unit
// admin's own unit unless a member is asked for), ?member_id=.
core::Result<domain::ServiceCardQuery> CardQuery(ApiServices& s, Request& r, const Caller& c) {
  domain::ServiceCardQuery q;
  if (auto text = r.Query("quarter")) {
    const std::string& t = *text;
    bool ok = t.size() == 6 && (t[4] == 'Q' || t[4] == 'q') && t[5] >= '1' && t[5] <= '4';
    for (size_t i = 0; ok && i < 4; ++i) ok = t[i] >= '0' && t[i] <= '9';
    if (!ok) return core::Error::Invalid("quarter", "季度格式应为 2026Q3");
    q.year = std::stoi(t.substr(0, 4));
    q.quarter = t[5] - '0';
  } else {
    core::CivilDate today = core::ShanghaiDate(s.clock.NowMs());
    q.year = today.year;
    q.quarter = (today.month + 2) / 3;
  }
  CG_ASSIGN_OR_RETURN(q.unit_id, QueryId(r, "unit_id"));
  CG_ASSIGN_OR_RETURN(q.member_id, QueryId(r, "member_id"));
  if (!q.unit_id && !q.member_id && c.role == domain::Role::kUnitAdmin) q.unit_id = c.unit_id;
  return q;
}

std::string QuarterText(const domain::ServiceCardQuery& q) {
  return fmt::format("{}Q{}", q.year, q.quarter);
}

core::Result<Response> ServiceCards(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(domain::ServiceCardQuery q, CardQuery(s, r, c));
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  q.after = page.after;
  q.limit = page.limit;
  CG_ASSIGN_OR_RETURN(auto cards, s.duty.ServiceCards(c, q));
  domain::PageOf<domain::ServiceCard> result = domain::FinishPage(
      std::move(cards), page, +[](const domain::ServiceCard& card) { return card.member_id; });
  json::value out = PageJson(result, [](const domain::ServiceCard& card) { return ToJson(card); });
  out.as_object()["quarter"] = QuarterText(q);
  return Response::Json(200, out);
}

// The export's header and rows (the same for CSV and XLSX).
const std::vector<std::string> kCardHeader = {"党员编号", "姓名",     "单位",
                                              "报到社区", "报到日期", "认领岗位",
                                              "参加活动", "缺席次数", "服务时长（分钟）",
                                              "积分",     "认领点单"};
const std::vector<bool> kCardNumeric = {true, false, false, false, false, false,
                                        true, true,  true,  true,  true};

std::vector<std::string> CardRow(const domain::ServiceCard& card) {
  std::string posts;
  for (const auto& title : card.posts) posts += (posts.empty() ? "" : "、") + title;
  return {std::to_string(card.member_id),
          card.name,
          card.unit_name,
          card.community_name,
          card.registered_on,
          posts,
          std::to_string(card.activities),
          std::to_string(card.no_shows),
          std::to_string(card.minutes),
          std::to_string(card.points),
          std::to_string(card.tickets)};
}

core::Result<std::vector<domain::ServiceCard>> UnitCards(ApiServices& s, Request& r,
                                                         const Caller& c,
                                                         domain::ServiceCardQuery& q) {
  CG_ASSIGN_OR_RETURN(q, CardQuery(s, r, c));
  if (!q.unit_id) return core::Error::Invalid("unit_id", "请指定单位");
  q.member_id.reset();
  return s.duty.ServiceCards(c, q);
}

Response Download(std::string bytes, std::string_view type, const std::string& filename) {
  Response response = Response::Text(200, std::move(bytes), std::string(type));
  response.AddHeader("Content-Disposition", fmt::format("attachment; filename=\"{}\"", filename));
  response.AddHeader("Cache-Control", "no-store");
  return response;
}

core::Result<Response> ServiceCardsCsv(ApiServices& s, Request& r, const Caller& c) {
  domain::ServiceCardQuery q;
  CG_ASSIGN_OR_RETURN(auto cards, UnitCards(s, r, c, q));
  std::string csv(core::kUtf8Bom);
  core::AppendCsvRow(csv, kCardHeader);
  for (const auto& card : cards) core::AppendCsvRow(csv, CardRow(card));
  return Download(std::move(csv), "text/csv; charset=utf-8",
                  fmt::format("service-cards-{}-{}.csv", *q.unit_id, QuarterText(q)));
}

core::Result<Response> ServiceCardsXlsx(ApiServices& s, Request& r, const Caller& c) {
  domain::ServiceCardQuery q;
  CG_ASSIGN_OR_RETURN(auto cards, UnitCards(s, r, c, q));
  core::XlsxSheet sheet;
  sheet.name = fmt::format("{} 服务卡", QuarterText(q));
  sheet.header = kCardHeader;
  sheet.numeric = kCardNumeric;
  for (const auto& card : cards) sheet.rows.push_back(CardRow(card));
  CG_ASSIGN_OR_RETURN(std::string bytes, core::XlsxWorkbook(sheet));
  return Download(std::move(bytes),
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  fmt::format("service-cards-{}-{}.xlsx", *q.unit_id, QuarterText(q)));
}

}  // namespace

void RegisterDutyManageRoutes(Router& router, ApiServices& s) {
  auto add = [&](const char* method, const char* pattern,
                 core::Result<Response> (*fn)(ApiServices&, Request&, const Caller&)) {
    router.Add(method, pattern,
               Authed(s, [&s, fn](Request& r, const Caller& c) { return fn(s, r, c); }));
  };
  add("PATCH", "/api/v1/duty/skills/{id}", UpdateSkill);
  add("GET", "/api/v1/duty/unit-registrations/{id}/posts", ListPosts);
  add("DELETE", "/api/v1/duty/posts/{id}/members/{member_id}", LeavePost);
  add("GET", "/api/v1/duty/branches/{id}/members", BranchMembers);
  add("DELETE", "/api/v1/duty/branches/{id}/members/{member_id}", RemoveBranchMember);
  add("POST", "/api/v1/duty/activities/{id}/cancel", CancelActivity);
  add("POST", "/api/v1/duty/teams/{id}/disband", DisbandTeam);
  add("DELETE", "/api/v1/duty/teams/{id}/members/{member_id}", RemoveTeamMember);
  add("GET", "/api/v1/duty/notices", Notices);
  add("GET", "/api/v1/duty/service-cards", ServiceCards);
  add("GET", "/api/v1/exports/service-cards.csv", ServiceCardsCsv);
  add("GET", "/api/v1/exports/service-cards.xlsx", ServiceCardsXlsx);
}

}  // namespace civicgrid::http
