// Teams, activities and recurring series.
#include "domain/duty/activity_service.h"

#include <algorithm>

#include "domain/duty/activity_common.h"
#include "domain/duty/duty_common.h"

namespace civicgrid::domain {
namespace {

using core::Error;

int64_t TeamId(const Team& t) { return t.id; }
int64_t ActivityId(const Activity& a) { return a.id; }

// Local midnight (Asia/Shanghai) of a day counted from 1970-01-01.
int64_t LocalMidnight(int64_t days) { return days * core::kMsPerDay - core::kShanghaiOffsetMs; }
// 1 = Monday … 7 = Sunday; 1970-01-01 was a Thursday.

core::Status ValidateRule(const RecurrenceRule& rule) {
  if (rule.kind == Recurrence::kNone) return Error::Invalid("rule.kind", "请选择重复方式");
  if (rule.kind == Recurrence::kWeekly && (rule.weekday < 1 || rule.weekday > 7)) {
    return Error::Invalid("rule.weekday", "星期应为 1（周一）到 7（周日）");
  }
  if (rule.kind == Recurrence::kMonthly && (rule.day_of_month < 1 || rule.day_of_month > 28)) {
    return Error::Invalid("rule.day_of_month", "日期应为 1 到 28");
  }
  if (rule.minute < 0 || rule.minute >= 24 * 60) {
    return Error::Invalid("rule.minute", "开始时间应在当天之内");
  }
  if (rule.duration_minutes < 1 || rule.duration_minutes > 24 * 60) {
    return Error::Invalid("rule.duration_minutes", "时长应为 1 到 1440 分钟");
  }
  if (rule.cancel_cutoff_minutes < 0 || rule.cancel_cutoff_minutes > 7 * 24 * 60) {
    return Error::Invalid("rule.cancel_cutoff_minutes", "取消截止时间应在开始前 0 到 7 天");
  }
  return core::ParseDate(rule.first_date, "rule.first_date").ok()
             ? core::Ok()
             : core::Status(Error::Invalid("rule.first_date", "日期格式应为 YYYY-MM-DD"));
}

std::string RuleText(const RecurrenceRule& r) {
  std::string kind = r.kind == Recurrence::kWeekly ? "weekly:" + std::to_string(r.weekday)
                                                   : "monthly:" + std::to_string(r.day_of_month);
  return kind + "@" + std::to_string(r.minute) + "+" + std::to_string(r.duration_minutes);
}

}  // namespace

core::Status ActivityService::CanManageNode(store::Connection& conn, const Caller& caller,
                                            int64_t node_id, std::optional<int64_t> team_id,
                                            std::string* path) {
  CG_ASSIGN_OR_RETURN(auto node, duty::LoadNode(conn, node_id));
  if (!node) return Error::Invalid("node_id", "节点不存在或不在管辖范围内");
  *path = node->path;
  if (caller.Can(Permission::kPeopleWrite) && caller.InScope(node->path)) return core::Ok();
  if (team_id && caller.party_member_id) {
    CG_ASSIGN_OR_RETURN(bool leads, duty::LeadsTeam(conn, *team_id, *caller.party_member_id));
    if (leads) return core::Ok();
  }
  if (!caller.InScope(node->path)) return Error::Invalid("node_id", "节点不存在或不在管辖范围内");
  return Error::Forbidden("无权在此组织活动");
}

core::Result<Team> ActivityService::LoadTeam(store::Connection& conn, const Caller& caller,
                                             int64_t id) {
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn.Query("SELECT id, node_id, node_path, name FROM duty_team WHERE id = $1", {id}));
  if (rows.empty()) return Error::NotFound("服务队不存在");
  CG_ASSIGN_OR_RETURN(
      bool visible, duty::Visible(conn, caller, rows[0].Text("node_path"), rows[0].Int("node_id")));
  if (!visible) return Error::NotFound("服务队不存在");
  Team t{rows[0].Int("id"), rows[0].Int("node_id"), rows[0].Text("name"), {}};
  CG_ASSIGN_OR_RETURN(store::Rows members,
                      conn.Query("SELECT tm.member_id, m.name, tm.leader FROM duty_team_member tm "
                                 "JOIN party_member m ON m.id = tm.member_id WHERE tm.team_id = "
                                 "$1 ORDER BY tm.member_id LIMIT 2000",
                                 {id}));
  for (const auto& r : members) {
    t.members.push_back({r.Int("member_id"), r.Text("name"), r.Int("leader") != 0});
  }
  return t;
}

core::Result<Team> ActivityService::CreateTeam(const Caller& caller, const NewTeam& in) {
  CG_ASSIGN_OR_RETURN(std::string name, CleanName(in.name, "name", 60));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  std::string path;
  auto allowed = CanManageNode(*conn, caller, in.community_id, std::nullopt, &path);
  if (!allowed.ok()) {
    if (allowed.error().field == "node_id") return Error::Invalid("community_id", "社区不存在");
    return allowed.error();
  }
  CG_ASSIGN_OR_RETURN(int64_t id, conn->QueryInt("INSERT INTO duty_team (node_id, node_path, "
                                                 "name, created_at) VALUES ($1, $2, $3, $4) "
                                                 "RETURNING id",
                                                 {in.community_id, path, name, clock_.NowMs()}));
  CG_TRY(audit_.Append(*conn, caller, "duty_team.create", "duty_team", id, name));
  CG_TRY(tx.Commit());
  return LoadTeam(*conn, caller, id);
}

core::Result<Team> ActivityService::GetTeam(const Caller& caller, int64_t id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  return LoadTeam(*conn, caller, id);
}

core::Result<PageOf<Team>> ActivityService::ListTeams(const Caller& caller,
                                                      std::optional<int64_t> within,
                                                      const Page& page) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(PathRange range, WithinScope(*conn, caller, within));
  Conditions where;
  CG_TRY(duty::AddVisible(*conn, caller, range, "t.node_path", "t.node_id", where));
  where.And("t.id > " + where.Bind(page.after));
  std::string limit = where.Bind(page.limit);
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query("SELECT t.id, t.node_id, t.name FROM duty_team t WHERE " +
                                      where.Sql() + " ORDER BY t.id LIMIT " + limit,
                                  where.params()));
  std::vector<Team> items;
  for (const auto& r : rows) items.push_back({r.Int("id"), r.Int("node_id"), r.Text("name"), {}});
  return FinishPage(std::move(items), page, &TeamId);
}

core::Result<Team> ActivityService::AddTeamMember(const Caller& caller, int64_t team_id,
                                                  int64_t member_id, bool leader) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Team team, LoadTeam(*conn, caller, team_id));
  std::string path;
  CG_TRY(CanManageNode(*conn, caller, team.node_id, team_id, &path));
  auto member = duty::LoadMember(*conn, member_id);
  auto within = [&path](const std::string& p) {
    return !p.empty() && p.compare(0, path.size(), path) == 0;
  };
  if (!member.ok() || !(within(member->branch_path) || within(member->residence_path))) {
    return Error::Invalid("member_id", "该党员不在本服务队所在社区");
  }
  auto n = conn->Execute(
      "INSERT INTO duty_team_member (team_id, member_id, leader, created_at) "
      "VALUES ($1, $2, $3, $4)",
      {team_id, member_id, leader, clock_.NowMs()});
  if (!n.ok() && n.error().code == core::ErrorCode::kConflict) {
    CG_TRY(
        conn->Execute("UPDATE duty_team_member SET leader = $1 WHERE team_id = $2 AND "
                      "member_id = $3",
                      {leader, team_id, member_id}));
  } else if (!n.ok()) {
    return n.error();
  }
  CG_TRY(audit_.Append(*conn, caller, "duty_team.member", "duty_team", team_id,
                       std::to_string(member_id) + (leader ? " leader" : "")));
  CG_TRY(tx.Commit());
  return LoadTeam(*conn, caller, team_id);
}

core::Result<Team> ActivityService::RemoveTeamMember(const Caller& caller, int64_t team_id,
                                                     int64_t member_id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Team team, LoadTeam(*conn, caller, team_id));
  std::string path;
  CG_TRY(CanManageNode(*conn, caller, team.node_id, team_id, &path));
  CG_ASSIGN_OR_RETURN(int64_t n, conn->Execute("DELETE FROM duty_team_member WHERE team_id = $1 "
                                               "AND member_id = $2",
                                               {team_id, member_id}));
  if (n == 0) return Error::Invalid("member_id", "该党员不在本服务队");
  CG_TRY(audit_.Append(*conn, caller, "duty_team.remove", "duty_team", team_id,
                       std::to_string(member_id)));
  CG_TRY(tx.Commit());
  return LoadTeam(*conn, caller, team_id);
}

core::Result<int64_t> ActivityService::Insert(store::Connection& conn, const Caller& caller,
                                              const NewActivity& in, const std::string& path,
                                              std::optional<int64_t> series_id) {
  if (in.team_id) {
    CG_ASSIGN_OR_RETURN(
        store::Rows disbanded,
        conn.Query("SELECT 1 FROM duty_team WHERE id = $1 AND disbanded_at IS NOT NULL",
                   {*in.team_id}));
    if (!disbanded.empty()) return Error::Invalid("team_id", "服务队已解散");
  }
  CG_ASSIGN_OR_RETURN(std::string title, CleanName(in.title, "title", 60));
  CG_ASSIGN_OR_RETURN(std::string category, CleanName(in.category, "category", 30));
  CG_ASSIGN_OR_RETURN(std::string place_name, CleanText(in.place_name, "place_name", 100, false));
  CG_TRY(core::ValidateLonLat(in.place, "place."));
  if (in.starts_at <= 0) return Error::Invalid("starts_at", "请填写开始时间");
  if (in.ends_at <= in.starts_at) return Error::Invalid("ends_at", "结束时间应晚于开始时间");
  if (in.capacity < 1 || in.capacity > options_.max_capacity) {
    return Error::Invalid("capacity", "名额应为 1 到 " + std::to_string(options_.max_capacity));
  }
  int64_t now = clock_.NowMs();
  int64_t opens = in.signup_opens_at.value_or(std::min(now, in.starts_at));
  int64_t closes = in.signup_closes_at.value_or(in.starts_at);
  int64_t cutoff = in.cancel_cutoff_at.value_or(in.starts_at);
  if (closes <= opens || closes > in.ends_at) {
    return Error::Invalid("signup_closes_at", "报名截止应晚于报名开始、不晚于活动结束");
  }
  if (cutoff > in.ends_at) return Error::Invalid("cancel_cutoff_at", "取消截止不应晚于活动结束");
  if (in.radius_m && (*in.radius_m < 10 || *in.radius_m > options_.max_radius_m)) {
    return Error::Invalid("radius_m",
                          "签到范围应为 10 到 " + std::to_string(options_.max_radius_m) + " 米");
  }
  return conn.QueryInt(
      "INSERT INTO duty_activity (node_id, node_path, team_id, series_id, title, category, lon, "
      "lat, place_name, starts_at, ends_at, capacity, signup_opens_at, signup_closes_at, "
      "cancel_cutoff_at, radius_m, organiser_account_id, created_at) VALUES ($1, $2, $3, $4, $5, "
      "$6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
      {in.node_id, path, in.team_id, series_id, title, category, in.place.lon, in.place.lat,
       place_name, in.starts_at, in.ends_at, in.capacity, opens, closes, cutoff, in.radius_m,
       caller.account_id, now});
}

core::Result<Activity> ActivityService::Create(const Caller& caller, const NewActivity& in) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  if (in.team_id) {
    auto team = LoadTeam(*conn, caller, *in.team_id);
    if (!team.ok() || team->node_id != in.node_id) {
      return Error::Invalid("team_id", "服务队不存在或不属于该社区");
    }
  }
  std::string path;
  CG_TRY(CanManageNode(*conn, caller, in.node_id, in.team_id, &path));
  CG_ASSIGN_OR_RETURN(int64_t id, Insert(*conn, caller, in, path, std::nullopt));
  CG_TRY(audit_.Append(*conn, caller, "duty_activity.create", "duty_activity", id, in.title));
  CG_TRY(tx.Commit());
  return Load(*conn, caller, id);
}

core::Result<std::vector<Activity>> ActivityService::CreateSeries(const Caller& caller,
                                                                  const NewActivity& first,
                                                                  const RecurrenceRule& rule) {
  CG_TRY(ValidateRule(rule));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  if (first.team_id) {
    auto team = LoadTeam(*conn, caller, *first.team_id);
    if (!team.ok() || team->node_id != first.node_id) {
      return Error::Invalid("team_id", "服务队不存在或不属于该社区");
    }
  }
  std::string path;
  CG_TRY(CanManageNode(*conn, caller, first.node_id, first.team_id, &path));
  CG_ASSIGN_OR_RETURN(
      int64_t series_id,
      conn->QueryInt("INSERT INTO duty_series (rule, created_at) VALUES ($1, $2) RETURNING id",
                     {RuleText(rule), clock_.NowMs()}));
  int64_t now = clock_.NowMs();
  int64_t from = std::max(core::DaysFromCivil(*core::ParseDate(rule.first_date, "")),
                          core::DaysFromCivil(core::ShanghaiDate(now)));
  int64_t until = core::DaysFromCivil(core::ShanghaiDate(now)) + options_.series_horizon_days;
  std::vector<int64_t> ids;
  for (int64_t day = from;
       day <= until && static_cast<int64_t>(ids.size()) < options_.max_occurrences; ++day) {
    bool falls = rule.kind == Recurrence::kWeekly
                     ? core::IsoWeekday(day) == rule.weekday
                     : core::CivilFromDays(day).day == rule.day_of_month;
    if (!falls) continue;
    NewActivity occ = first;
    occ.starts_at = LocalMidnight(day) + rule.minute * core::kMsPerMinute;
    if (occ.starts_at <= now) continue;
    occ.ends_at = occ.starts_at + rule.duration_minutes * core::kMsPerMinute;
    occ.signup_opens_at = now;
    occ.signup_closes_at = occ.starts_at;
    occ.cancel_cutoff_at = occ.starts_at - rule.cancel_cutoff_minutes * core::kMsPerMinute;
    CG_ASSIGN_OR_RETURN(int64_t id, Insert(*conn, caller, occ, path, series_id));
    ids.push_back(id);
  }
  if (ids.empty()) return Error::Invalid("rule.first_date", "规则在计划期内没有任何活动日期");
  CG_TRY(
      audit_.Append(*conn, caller, "duty_series.create", "duty_series", series_id, RuleText(rule)));
  CG_TRY(tx.Commit());
  std::vector<Activity> out;
  for (int64_t id : ids) {
    CG_ASSIGN_OR_RETURN(Activity a, Load(*conn, caller, id));
    out.push_back(std::move(a));
  }
  return out;
}

core::Result<Activity> ActivityService::Load(store::Connection& conn, const Caller& caller,
                                             int64_t id) {
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query(std::string(duty::kActivitySelect) + "WHERE a.id = $1", {id}));
  if (rows.empty()) return Error::NotFound("活动不存在");
  CG_ASSIGN_OR_RETURN(
      bool visible, duty::Visible(conn, caller, rows[0].Text("node_path"), rows[0].Int("node_id")));
  if (!visible) return Error::NotFound("活动不存在");
  return duty::ActivityFromRow(rows[0]);
}

core::Result<Activity> ActivityService::Get(const Caller& caller, int64_t id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  return Load(*conn, caller, id);
}

core::Result<PageOf<Activity>> ActivityService::List(const Caller& caller,
                                                     const ActivityFilter& filter) {
  CG_TRY(duty::CheckPage(filter.after, filter.limit));
  Page page{filter.after, std::min(filter.limit, kMaxPageSize)};
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(PathRange range, WithinScope(*conn, caller, filter.within));
  Conditions where;
  CG_TRY(duty::AddVisible(*conn, caller, range, "a.node_path", "a.node_id", where));
  if (filter.team_id) where.And("a.team_id = " + where.Bind(*filter.team_id));
  if (filter.starts_after) where.And("a.starts_at >= " + where.Bind(*filter.starts_after));
  where.And("a.id > " + where.Bind(page.after));
  std::string limit = where.Bind(page.limit);
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query(std::string(duty::kActivitySelect) + "WHERE " + where.Sql() +
                                      " ORDER BY a.id LIMIT " + limit,
                                  where.params()));
  std::vector<Activity> items;
  for (const auto& r : rows) items.push_back(duty::ActivityFromRow(r));
  return FinishPage(std::move(items), page, &ActivityId);
}

core::Status ActivityService::RequireOrganiser(store::Connection& conn, const Caller& caller,
                                               const Activity& a) {
  if (caller.account_id == a.organiser_account_id) return core::Ok();
  std::string path;
  auto allowed = CanManageNode(conn, caller, a.node_id, a.team_id, &path);
  if (!allowed.ok() && allowed.error().code != core::ErrorCode::kInternal) {
    return Error::Forbidden("只有活动的组织者可以执行此操作");
  }
  return allowed;
}

core::Result<Activity> ActivityService::Cancel(const Caller& caller, int64_t id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Activity a, Load(*conn, caller, id));
  CG_TRY(RequireOrganiser(*conn, caller, a));
  if (a.cancelled) return Error::Conflict("活动已取消", "state");
  if (a.starts_at <= clock_.NowMs()) return Error::Conflict("活动已开始，不能取消", "state");
  CG_TRY(CancelInTx(*conn, a, "duty_activity.cancel", caller));
  CG_TRY(tx.Commit());
  return Load(*conn, caller, id);
}

}  // namespace civicgrid::domain
