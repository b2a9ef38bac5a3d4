// 双报到, teams and activities (docs/duty.md): thin handlers over
// DualRegistrationService and ActivityService.
#include <boost/json.hpp>

#include "http/api/api.h"
#include "http/api/duty_views.h"
#include "http/api/views.h"
#include "http/json_body.h"

namespace civicgrid::http {
namespace {

namespace json = boost::json;
using domain::Caller;

// --- JSON out (the values themselves: duty_views.h) ---------------------------------------

json::value Time(int64_t ms) { return json::value(core::FormatUtc(ms)); }

template <typename T>
json::value ListJson(const std::vector<T>& items) {
  json::array a;
  for (const auto& item : items) a.push_back(ToJson(item));
  return json::object{{"items", a}};
}

template <typename T>
json::value PageOfJson(const domain::PageOf<T>& page) {
  json::array a;
  for (const auto& item : page.items) a.push_back(ToJson(item));
  return json::object{{"items", a}, {"next_after", OptJson(page.next_after)}};
}

// --- JSON in ---------------------------------------------------------------------------------

core::Result<int> ParseHhmm(const json::value& v, const std::string& field) {
  if (!v.is_string() || v.as_string().size() != 5 || v.as_string()[2] != ':') {
    return core::Error::Invalid(field, "时间格式应为 HH:MM");
  }
  const json::string& s = v.as_string();
  auto digit = [&](size_t i) { return s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : -100; };
  int h = digit(0) * 10 + digit(1), m = digit(3) * 10 + digit(4);
  if (h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0)) {
    return core::Error::Invalid(field, "时间格式应为 HH:MM");
  }
  return h * 60 + m;
}

core::Result<std::vector<domain::AvailabilitySlot>> Slots(const json::object& body) {
  std::vector<domain::AvailabilitySlot> out;
  const json::value* v = body.if_contains("availability");
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array()) return core::Error::Invalid("availability", "应为时段数组");
  for (size_t i = 0; i < v->as_array().size(); ++i) {
    std::string at = "availability[" + std::to_string(i) + "]";
    const json::value& item = v->as_array()[i];
    if (!item.is_object()) return core::Error::Invalid(at, "应为对象");
    const json::object& o = item.as_object();
    domain::AvailabilitySlot s;
    CG_ASSIGN_OR_RETURN(int64_t weekday, RequireInt(o, "weekday", 1, 7));
    s.weekday = static_cast<int>(weekday);
    const json::value* start = o.if_contains("start");
    const json::value* end = o.if_contains("end");
    if (start == nullptr) return core::Error::Invalid(at + ".start", "请填写开始时间");
    if (end == nullptr) return core::Error::Invalid(at + ".end", "请填写结束时间");
    CG_ASSIGN_OR_RETURN(s.start_minute, ParseHhmm(*start, at + ".start"));
    CG_ASSIGN_OR_RETURN(s.end_minute, ParseHhmm(*end, at + ".end"));
    out.push_back(s);
  }
  return out;
}

core::Result<int64_t> RequireTime(const json::object& body, std::string_view field) {
  CG_ASSIGN_OR_RETURN(std::string text, RequireString(body, field, 40));
  return core::ParseTimestamp(text, field);
}

core::Result<std::optional<int64_t>> OptionalTime(const json::object& body,
                                                  std::string_view field) {
  CG_ASSIGN_OR_RETURN(std::optional<std::string> text, OptionalString(body, field, 40));
  if (!text || text->empty()) return std::optional<int64_t>();
  CG_ASSIGN_OR_RETURN(int64_t ms, core::ParseTimestamp(*text, field));
  return std::optional<int64_t>(ms);
}

core::Result<domain::CodeKind> Kind(std::string_view text, std::string_view field) {
  if (text == "in") return domain::CodeKind::kCheckIn;
  if (text == "out") return domain::CodeKind::kCheckOut;
  return core::Error::Invalid(std::string(field), "应为 in 或 out");
}

// A position [lon, lat] with its coordinate system (coord_sys, default WGS-84).
core::Result<std::optional<core::LonLat>> Position(const json::object& body,
                                                   std::string_view field) {
  CG_ASSIGN_OR_RETURN(std::optional<core::LonLat> p, OptionalLonLat(body, field));
  if (!p) return p;
  CG_ASSIGN_OR_RETURN(std::optional<std::string> sys, OptionalString(body, "coord_sys", 10));
  core::CoordSys cs = core::CoordSys::kWgs84;
  if (sys) {
    CG_ASSIGN_OR_RETURN(cs, core::ParseCoordSys(*sys));
  }
  return std::optional<core::LonLat>(core::ToWgs84(*p, cs));
}

core::Result<int64_t> PathId(Request& r, const char* name = "id") {
  return ParseId(r.Param(name), name);
}

// --- 双报到 ---------------------------------------------------------------------------------

core::Result<Response> ListSkills(ApiServices& s, Request&, const Caller& c) {
  CG_ASSIGN_OR_RETURN(auto skills, s.duty.ListSkills(c));
  return Response::Json(200, ListJson(skills));
}

core::Result<Response> CreateSkill(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(std::string name, RequireString(body, "name", 30));
  CG_ASSIGN_OR_RETURN(domain::Skill skill, s.duty.CreateSkill(c, name));
  return Response::Json(201, ToJson(skill));
}

core::Result<Response> ListRegistrations(ApiServices& s, Request& r, const Caller& c) {
  domain::RegistrationFilter f;
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  f.after = page.after;
  f.limit = page.limit;
  CG_ASSIGN_OR_RETURN(f.within, QueryId(r, "within"));
  CG_ASSIGN_OR_RETURN(f.member_id, QueryId(r, "member_id"));
  if (auto state = r.Query("state")) {
    if (*state == "requested") {
      f.state = domain::RegistrationState::kRequested;
    } else if (*state == "confirmed") {
      f.state = domain::RegistrationState::kConfirmed;
    } else if (*state == "declined") {
      f.state = domain::RegistrationState::kDeclined;
    } else {
      return core::Error::Invalid("state", "应为 requested、confirmed 或 declined");
    }
  }
  CG_ASSIGN_OR_RETURN(auto result, s.duty.List(c, f));
  return Response::Json(200, PageOfJson(result));
}

core::Result<Response> RequestRegistration(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewDualRegistration n;
  CG_ASSIGN_OR_RETURN(std::optional<int64_t> member, OptionalInt(body, "member_id", 1));
  if (!member) member = c.party_member_id;
  if (!member) return core::Error::Invalid("member_id", "请指定党员");
  n.member_id = *member;
  CG_ASSIGN_OR_RETURN(n.community_id, RequireInt(body, "community_id", 1));
  CG_ASSIGN_OR_RETURN(n.skill_ids, IdList(body, "skill_ids"));
  CG_ASSIGN_OR_RETURN(n.availability, Slots(body));
  CG_ASSIGN_OR_RETURN(n.commitment_text,
                      RequireString(body, "commitment_text", 2000, TextKind::kMultiLine));
  CG_ASSIGN_OR_RETURN(n.commitment_date, RequireString(body, "commitment_date", 10));
  CG_ASSIGN_OR_RETURN(domain::DualRegistration reg, s.duty.Request(c, n));
  return Response::Json(201, ToJson(reg));
}

core::Result<Response> ConfirmRegistration(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  std::optional<int64_t> version;
  if (!r.body.empty()) {
    CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
    CG_ASSIGN_OR_RETURN(version, OptionalInt(body, "version", 1));
  }
  CG_ASSIGN_OR_RETURN(domain::DualRegistration reg, s.duty.Confirm(c, id, version));
  return Response::Json(200, ToJson(reg));
}

core::Result<Response> DeclineRegistration(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(std::string reason, RequireString(body, "reason", 200, TextKind::kMultiLine));
  CG_ASSIGN_OR_RETURN(std::optional<int64_t> version, OptionalInt(body, "version", 1));
  CG_ASSIGN_OR_RETURN(domain::DualRegistration reg, s.duty.Decline(c, id, reason, version));
  return Response::Json(200, ToJson(reg));
}

core::Result<Response> GetProfile(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  CG_ASSIGN_OR_RETURN(domain::MemberProfile p, s.duty.Profile(c, id));
  return Response::Json(200, ToJson(p));
}

core::Result<Response> PutProfile(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(std::vector<int64_t> skills, IdList(body, "skill_ids"));
  CG_ASSIGN_OR_RETURN(auto slots, Slots(body));
  CG_ASSIGN_OR_RETURN(domain::MemberProfile p, s.duty.UpdateProfile(c, id, skills, slots));
  return Response::Json(200, ToJson(p));
}

core::Result<Response> RegisterUnit(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(int64_t unit, RequireInt(body, "unit_id", 1));
  CG_ASSIGN_OR_RETURN(int64_t community, RequireInt(body, "community_id", 1));
  CG_ASSIGN_OR_RETURN(domain::UnitRegistration reg, s.duty.RegisterUnit(c, unit, community));
  return Response::Json(201, ToJson(reg));
}

core::Result<Response> ListUnitRegistrations(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(std::optional<int64_t> unit, QueryId(r, "unit_id"));
  CG_ASSIGN_OR_RETURN(auto regs, s.duty.ListUnitRegistrations(c, unit));
  return Response::Json(200, ListJson(regs));
}

core::Result<Response> CreatePost(ApiServices& s, Request& r, const Caller& c) {
  domain::NewPost n;
  CG_ASSIGN_OR_RETURN(n.unit_registration_id, PathId(r));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(n.title, RequireString(body, "title", 60));
  CG_ASSIGN_OR_RETURN(n.skill_id, RequireInt(body, "skill_id", 1));
  CG_ASSIGN_OR_RETURN(n.headcount, RequireInt(body, "headcount"));
  CG_ASSIGN_OR_RETURN(domain::Post post, s.duty.CreatePost(c, n));
  return Response::Json(201, ToJson(post));
}

core::Result<Response> FillPost(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(std::optional<int64_t> member, OptionalInt(body, "member_id", 1));
  if (!member) member = c.party_member_id;
  if (!member) return core::Error::Invalid("member_id", "请指定党员");
  CG_ASSIGN_OR_RETURN(domain::Post post, s.duty.FillPost(c, id, *member));
  return Response::Json(200, ToJson(post));
}

core::Result<Response> AddBranchMember(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(int64_t member, RequireInt(body, "member_id", 1));
  CG_TRY(s.duty.AddToBranch(c, id, member));
  CG_ASSIGN_OR_RETURN(auto members, s.duty.BranchMembers(c, id));
  return Response::Json(200, BranchMembersJson(members));
}

core::Result<Response> CommunityCoverage(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(std::optional<int64_t> within, QueryId(r, "within"));
  CG_ASSIGN_OR_RETURN(auto rows, s.duty.CommunityCoverageOf(c, within));
  json::array items;
  for (const auto& x : rows) {
    items.push_back(json::object{{"community_id", x.community_id},
                                 {"name", x.name},
                                 {"registered", x.registered},
                                 {"pending", x.pending},
                                 {"units", x.units},
                                 {"headcount", x.headcount},
                                 {"filled", x.filled}});
  }
  return Response::Json(200, json::object{{"items", items}});
}

core::Result<Response> UnitCoverage(ApiServices& s, Request&, const Caller& c) {
  CG_ASSIGN_OR_RETURN(auto rows, s.duty.UnitCoverageOf(c));
  json::array items;
  for (const auto& x : rows) {
    items.push_back(json::object{{"unit_id", x.unit_id},
                                 {"name", x.name},
                                 {"expected", x.expected},
                                 {"registered", x.registered},
                                 {"pending", x.pending},
                                 {"headcount", x.headcount},
                                 {"filled", x.filled}});
  }
  return Response::Json(200, json::object{{"items", items}});
}

// --- teams and activities --------------------------------------------------------------------

core::Result<Response> ListTeams(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(std::optional<int64_t> within, QueryId(r, "within"));
  CG_ASSIGN_OR_RETURN(auto result, s.activities.ListTeams(c, within, page));
  return Response::Json(200, PageOfJson(result));
}

core::Result<Response> CreateTeam(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewTeam n;
  CG_ASSIGN_OR_RETURN(n.community_id, RequireInt(body, "community_id", 1));
  CG_ASSIGN_OR_RETURN(n.name, RequireString(body, "name", 60));
  CG_ASSIGN_OR_RETURN(domain::Team team, s.activities.CreateTeam(c, n));
  return Response::Json(201, ToJson(team));
}

core::Result<Response> AddTeamMember(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(int64_t member, RequireInt(body, "member_id", 1));
  CG_ASSIGN_OR_RETURN(std::optional<bool> leader, OptionalBool(body, "leader"));
  CG_ASSIGN_OR_RETURN(domain::Team team,
                      s.activities.AddTeamMember(c, id, member, leader.value_or(false)));
  return Response::Json(200, ToJson(team));
}

core::Result<domain::NewActivity> ActivityBody(const json::object& body, bool times) {
  domain::NewActivity n;
  CG_ASSIGN_OR_RETURN(n.node_id, RequireInt(body, "node_id", 1));
  CG_ASSIGN_OR_RETURN(n.team_id, OptionalInt(body, "team_id", 1));
  CG_ASSIGN_OR_RETURN(n.title, RequireString(body, "title", 60));
  CG_ASSIGN_OR_RETURN(n.category, RequireString(body, "category", 30));
  CG_ASSIGN_OR_RETURN(std::optional<core::LonLat> place, Position(body, "place"));
  if (!place) return core::Error::Invalid("place", "请填写活动地点 [经度, 纬度]");
  n.place = *place;
  CG_ASSIGN_OR_RETURN(std::optional<std::string> place_name,
                      OptionalString(body, "place_name", 100));
  n.place_name = place_name.value_or("");
  CG_ASSIGN_OR_RETURN(n.capacity, RequireInt(body, "capacity"));
  CG_ASSIGN_OR_RETURN(n.radius_m, OptionalInt(body, "radius_m"));
  if (times) {
    CG_ASSIGN_OR_RETURN(n.starts_at, RequireTime(body, "starts_at"));
    CG_ASSIGN_OR_RETURN(n.ends_at, RequireTime(body, "ends_at"));
    CG_ASSIGN_OR_RETURN(n.signup_opens_at, OptionalTime(body, "signup_opens_at"));
    CG_ASSIGN_OR_RETURN(n.signup_closes_at, OptionalTime(body, "signup_closes_at"));
    CG_ASSIGN_OR_RETURN(n.cancel_cutoff_at, OptionalTime(body, "cancel_cutoff_at"));
  }
  return n;
}

core::Result<Response> ListActivities(ApiServices& s, Request& r, const Caller& c) {
  domain::ActivityFilter f;
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  f.after = page.after;
  f.limit = page.limit;
  CG_ASSIGN_OR_RETURN(f.within, QueryId(r, "within"));
  CG_ASSIGN_OR_RETURN(f.team_id, QueryId(r, "team_id"));
  if (auto from = r.Query("starts_after")) {
    CG_ASSIGN_OR_RETURN(int64_t ms, core::ParseTimestamp(*from, "starts_after"));
    f.starts_after = ms;
  }
  CG_ASSIGN_OR_RETURN(auto result, s.activities.List(c, f));
  return Response::Json(200, PageOfJson(result));
}

core::Result<Response> CreateActivity(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(domain::NewActivity n, ActivityBody(body, true));
  CG_ASSIGN_OR_RETURN(domain::Activity a, s.activities.Create(c, n));
  return Response::Json(201, ToJson(a));
}

core::Result<Response> CreateSeries(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(domain::NewActivity n, ActivityBody(body, false));
  const json::value* rule_v = body.if_contains("rule");
  if (rule_v == nullptr || !rule_v->is_object()) {
    return core::Error::Invalid("rule", "请填写重复规则");
  }
  const json::object& rule = rule_v->as_object();
  domain::RecurrenceRule rr;
  CG_ASSIGN_OR_RETURN(std::string kind, RequireString(rule, "kind", 10));
  if (kind == "weekly") {
    rr.kind = domain::Recurrence::kWeekly;
  } else if (kind == "monthly") {
    rr.kind = domain::Recurrence::kMonthly;
  } else {
    return core::Error::Invalid("rule.kind", "应为 weekly 或 monthly");
  }
  CG_ASSIGN_OR_RETURN(std::optional<int64_t> weekday, OptionalInt(rule, "weekday", 0, 100));
  CG_ASSIGN_OR_RETURN(std::optional<int64_t> day, OptionalInt(rule, "day_of_month", 0, 100));
  rr.weekday = static_cast<int>(weekday.value_or(rr.weekday));
  rr.day_of_month = static_cast<int>(day.value_or(rr.day_of_month));
  const json::value* time = rule.if_contains("time");
  if (time == nullptr) return core::Error::Invalid("rule.time", "请填写开始时间");
  CG_ASSIGN_OR_RETURN(rr.minute, ParseHhmm(*time, "rule.time"));
  CG_ASSIGN_OR_RETURN(int64_t duration, RequireInt(rule, "duration_minutes", 0, 100000));
  rr.duration_minutes = static_cast<int>(duration);
  CG_ASSIGN_OR_RETURN(std::optional<int64_t> cutoff,
                      OptionalInt(rule, "cancel_cutoff_minutes", 0, 100000));
  rr.cancel_cutoff_minutes = static_cast<int>(cutoff.value_or(0));
  CG_ASSIGN_OR_RETURN(rr.first_date, RequireString(rule, "first_date", 10));
  CG_ASSIGN_OR_RETURN(auto created, s.activities.CreateSeries(c, n, rr));
  return Response::Json(201, ListJson(created));
}

core::Result<Response> GetActivity(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  CG_ASSIGN_OR_RETURN(domain::Activity a, s.activities.Get(c, id));
  return Response::Json(200, ToJson(a));
}

core::Result<Response> SignUp(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  CG_ASSIGN_OR_RETURN(domain::Signup signup, s.activities.SignUp(c, id));
  return Response::Json(201, ToJson(signup));
}

core::Result<Response> Withdraw(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  CG_ASSIGN_OR_RETURN(domain::Signup signup, s.activities.Withdraw(c, id));
  return Response::Json(200, ToJson(signup));
}

core::Result<Response> ActivitySignups(ApiServices& s, Request& r, const Caller& c) {
  domain::SignupFilter f;
  CG_ASSIGN_OR_RETURN(f.activity_id, PathId(r));
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  f.after = page.after;
  f.limit = page.limit;
  CG_ASSIGN_OR_RETURN(auto result, s.activities.ListSignups(c, f));
  return Response::Json(200, PageOfJson(result));
}

core::Result<Response> IssueCode(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  CG_ASSIGN_OR_RETURN(domain::CodeKind kind, Kind(r.Query("kind").value_or("in"), "kind"));
  CG_ASSIGN_OR_RETURN(domain::CheckCode code, s.activities.IssueCode(c, id, kind));
  return Response::Json(200,
                        json::object{{"activity_id", code.activity_id},
                                     {"kind", kind == domain::CodeKind::kCheckIn ? "in" : "out"},
                                     {"code", code.code},
                                     {"qr", code.qr},
                                     {"expires_at", Time(code.expires_at)}});
}

core::Result<Response> Check(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(std::string kind_text, RequireString(body, "kind", 3));
  CG_ASSIGN_OR_RETURN(domain::CodeKind kind, Kind(kind_text, "kind"));
  CG_ASSIGN_OR_RETURN(std::string code, RequireString(body, "code", 64));
  CG_ASSIGN_OR_RETURN(std::optional<core::LonLat> position, Position(body, "position"));
  CG_ASSIGN_OR_RETURN(domain::Signup signup, s.activities.Check(c, id, kind, code, position));
  return Response::Json(200, ToJson(signup));
}

core::Result<Response> NoShows(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  CG_ASSIGN_OR_RETURN(int64_t n, s.activities.RecordNoShows(c, id));
  return Response::Json(200, json::object{{"no_shows", n}});
}

core::Result<Response> ListSignups(ApiServices& s, Request& r, const Caller& c) {
  domain::SignupFilter f;
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  f.after = page.after;
  f.limit = page.limit;
  CG_ASSIGN_OR_RETURN(f.member_id, QueryId(r, "member_id"));
  CG_ASSIGN_OR_RETURN(f.awaiting_approval, QueryFlag(r, "awaiting_approval"));
  CG_ASSIGN_OR_RETURN(auto result, s.activities.ListSignups(c, f));
  return Response::Json(200, PageOfJson(result));
}

core::Result<Response> ApproveHours(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, PathId(r));
  std::optional<int64_t> minutes;
  if (!r.body.empty()) {
    CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
    CG_ASSIGN_OR_RETURN(minutes, OptionalInt(body, "minutes"));
  }
  CG_ASSIGN_OR_RETURN(domain::Signup signup, s.activities.ApproveHours(c, id, minutes));
  return Response::Json(200, ToJson(signup));
}

}  // namespace

void RegisterDutyRoutes(Router& router, ApiServices& s) {
  auto add = [&](const char* method, const char* pattern,
                 core::Result<Response> (*fn)(ApiServices&, Request&, const Caller&)) {
    router.Add(method, pattern,
               Authed(s, [&s, fn](Request& r, const Caller& c) { return fn(s, r, c); }));
  };
  add("GET", "/api/v1/duty/skills", ListSkills);
  add("POST", "/api/v1/duty/skills", CreateSkill);
  add("GET", "/api/v1/duty/registrations", ListRegistrations);
  add("POST", "/api/v1/duty/registrations", RequestRegistration);
  add("POST", "/api/v1/duty/registrations/{id}/confirm", ConfirmRegistration);
  add("POST", "/api/v1/duty/registrations/{id}/decline", DeclineRegistration);
  add("GET", "/api/v1/duty/members/{id}/profile", GetProfile);
  add("PUT", "/api/v1/duty/members/{id}/profile", PutProfile);
  add("GET", "/api/v1/duty/unit-registrations", ListUnitRegistrations);
  add("POST", "/api/v1/duty/unit-registrations", RegisterUnit);
  add("POST", "/api/v1/duty/unit-registrations/{id}/posts", CreatePost);
  add("POST", "/api/v1/duty/posts/{id}/members", FillPost);
  add("POST", "/api/v1/duty/branches/{id}/members", AddBranchMember);
  add("GET", "/api/v1/duty/coverage/communities", CommunityCoverage);
  add("GET", "/api/v1/duty/coverage/units", UnitCoverage);
  add("GET", "/api/v1/duty/teams", ListTeams);
  add("POST", "/api/v1/duty/teams", CreateTeam);
  add("POST", "/api/v1/duty/teams/{id}/members", AddTeamMember);
  add("GET", "/api/v1/duty/activities", ListActivities);
  add("POST", "/api/v1/duty/activities", CreateActivity);
  add("POST", "/api/v1/duty/activity-series", CreateSeries);
  add("GET", "/api/v1/duty/activities/{id}", GetActivity);
  add("POST", "/api/v1/duty/activities/{id}/signup", SignUp);
  add("DELETE", "/api/v1/duty/activities/{id}/signup", Withdraw);
  add("GET", "/api/v1/duty/activities/{id}/signups", ActivitySignups);
  add("GET", "/api/v1/duty/activities/{id}/code", IssueCode);
  add("POST", "/api/v1/duty/activities/{id}/check", Check);
  add("POST", "/api/v1/duty/activities/{id}/no-shows", NoShows);
  add("GET", "/api/v1/duty/signups", ListSignups);
  add("POST", "/api/v1/duty/signups/{id}/approve", ApproveHours);
  RegisterDutyManageRoutes(router, s);
}

}  // namespace civicgrid::http
