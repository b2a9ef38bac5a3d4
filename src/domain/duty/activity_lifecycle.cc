// Ends and continuations of activities (docs/duty.md): cancelling an activity
// (its members notified), disbanding a team, members' notices, and extending
// recurring series past their first horizon as time passes.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>

#include "domain/duty/activity_common.h"
#include "domain/duty/activity_service.h"
#include "domain/duty/duty_common.h"

namespace civicgrid::domain {

using core::Error;

namespace {

int64_t NoticeId(const DutyNotice& n) { return n.id; }

int64_t LocalMidnightOf(int64_t days) { return days * core::kMsPerDay - core::kShanghaiOffsetMs; }

// "weekly:6@390+90" / "monthly:15@540+120" (RuleText in activity_service.cc).
struct ParsedRule {
  bool weekly = true;
  int day = 0;  // weekday 1–7 or day of month 1–28
  int minute = 0;
};
std::optional<ParsedRule> ParseRule(const std::string& text) {
  ParsedRule r;
  int day = 0, minute = 0, duration = 0;
  if (std::sscanf(text.c_str(), "weekly:%d@%d+%d", &day, &minute, &duration) == 3) {
    r.weekly = true;
  } else if (std::sscanf(text.c_str(), "monthly:%d@%d+%d", &day, &minute, &duration) == 3) {
    r.weekly = false;
  } else {
    return std::nullopt;
  }
  r.day = day;
  r.minute = minute;
  return r;
}

}  // namespace

core::Status ActivityService::CancelInTx(store::Connection& conn, const Activity& a,
                                         std::string_view action, const Caller& caller) {
  const int64_t now = clock_.NowMs();
  CG_TRY(conn.Execute("UPDATE duty_activity SET cancelled = 1, seats_taken = 0 WHERE id = $1",
                      {a.id}));
  const std::string text =
      fmt::format("您报名的活动「{}」（{}）已取消", a.title, core::FormatShanghaiText(a.starts_at));
  CG_TRY(conn.Execute(
      "INSERT INTO duty_notice (member_id, activity_id, kind, text, created_at) SELECT member_id, "
      "activity_id, 'activity_cancelled', $2, $3 FROM duty_signup WHERE activity_id = $1 AND "
      "state IN ('confirmed', 'waitlisted') ORDER BY id",
      {a.id, text, now}));
  CG_TRY(
      conn.Execute("UPDATE duty_signup SET state = 'cancelled' WHERE activity_id = $1 AND "
                   "state IN ('confirmed', 'waitlisted')",
                   {a.id}));
  return audit_.Append(conn, caller, std::string(action), "duty_activity", a.id, a.title);
}

core::Result<Team> ActivityService::DisbandTeam(const Caller& caller, int64_t team_id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Team team, LoadTeam(*conn, caller, team_id));
  std::string path;
  // Staff only: a team's leaders do not disband their own team.
  auto allowed = CanManageNode(*conn, caller, team.node_id, std::nullopt, &path);
  if (!allowed.ok()) {
    if (allowed.error().code == core::ErrorCode::kInternal) return allowed.error();
    return Error::Forbidden("只有社区工作人员可以解散服务队");
  }
  const int64_t now = clock_.NowMs();
  CG_ASSIGN_OR_RETURN(int64_t changed, conn->Execute("UPDATE duty_team SET disbanded_at = $1 "
                                                     "WHERE id = $2 AND disbanded_at IS NULL",
                                                     {now, team_id}));
  if (changed == 0) return Error::Conflict("服务队已解散", "state");
  CG_ASSIGN_OR_RETURN(store::Rows upcoming,
                      conn->Query(std::string(duty::kActivitySelect) +
                                      "WHERE a.team_id = $1 AND a.cancelled = 0 AND a.starts_at > "
                                      "$2 ORDER BY a.id",
                                  {team_id, now}));
  for (const auto& r : upcoming) {
    CG_TRY(CancelInTx(*conn, duty::ActivityFromRow(r), "duty_activity.cancel", caller));
  }
  CG_TRY(audit_.Append(*conn, caller, "duty_team.disband", "duty_team", team_id, team.name));
  CG_TRY(tx.Commit());
  return team;
}

core::Result<PageOf<DutyNotice>> ActivityService::Notices(const Caller& caller, const Page& page) {
  if (!caller.party_member_id) return Error::Forbidden("只有党员有活动通知");
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query("SELECT id, member_id, activity_id, kind, text, created_at FROM duty_notice "
                  "WHERE member_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                  {*caller.party_member_id, page.after, page.limit}));
  std::vector<DutyNotice> items;
  for (const auto& r : rows) {
    items.push_back({r.Int("id"), r.Int("member_id"), r.OptInt("activity_id"), r.Text("kind"),
                     r.Text("text"), r.Int("created_at")});
  }
  return FinishPage(std::move(items), page, &NoticeId);
}

core::Result<int64_t> ActivityService::ExtendSeries() {
  const int64_t now = clock_.NowMs();
  const int64_t today = core::DaysFromCivil(core::ShanghaiDate(now));
  const int64_t until = today + options_.series_horizon_days;
  const int64_t horizon_end = LocalMidnightOf(until + 1);
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  // Series whose newest occurrence starts before the horizon's end.
  CG_ASSIGN_OR_RETURN(
      store::Rows series,
      conn->Query("SELECT s.id, s.rule, MAX(a.id) AS last_id FROM duty_series s JOIN "
                  "duty_activity a ON a.series_id = s.id GROUP BY s.id, s.rule HAVING "
                  "MAX(a.starts_at) < $1 ORDER BY s.id",
                  {horizon_end}));
  int64_t added = 0;
  for (const auto& s : series) {
    auto rule = ParseRule(s.Text("rule"));
    if (!rule) continue;
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
    CG_ASSIGN_OR_RETURN(store::Row last,
                        conn->QueryOne(std::string(duty::kActivitySelect) +
                                           "WHERE a.series_id = $1 ORDER BY a.starts_at DESC, "
                                           "a.id DESC LIMIT 1",
                                       {s.Int("id")}));
    Activity template_ = duty::ActivityFromRow(last);
    if (template_.cancelled) continue;  // a series whose newest occurrence was cancelled ended
    if (template_.team_id) {
      CG_ASSIGN_OR_RETURN(store::Rows disbanded,
                          conn->Query("SELECT 1 FROM duty_team WHERE id = $1 AND disbanded_at IS "
                                      "NOT NULL",
                                      {*template_.team_id}));
      if (!disbanded.empty()) continue;
    }
    CG_ASSIGN_OR_RETURN(store::Row node, conn->QueryOne("SELECT path FROM org_node WHERE id = $1",
                                                        {template_.node_id}));
    const std::string path = node.Text("path");
    const int64_t duration = template_.ends_at - template_.starts_at;
    const int64_t cutoff = template_.starts_at - template_.cancel_cutoff_at;
    const int64_t from =
        std::max(today, core::DaysFromCivil(core::ShanghaiDate(template_.starts_at)) + 1);
    int64_t made = 0;
    for (int64_t day = from; day <= until && made < options_.max_occurrences; ++day) {
      bool falls = rule->weekly ? core::IsoWeekday(day) == rule->day
                                : core::CivilFromDays(day).day == rule->day;
      if (!falls) continue;
      const int64_t starts = LocalMidnightOf(day) + rule->minute * core::kMsPerMinute;
      if (starts <= now) continue;
      CG_TRY(conn->Execute(
          "INSERT INTO duty_activity (node_id, node_path, team_id, series_id, title, category, "
          "lon, lat, place_name, starts_at, ends_at, capacity, signup_opens_at, signup_closes_at, "
          "cancel_cutoff_at, radius_m, organiser_account_id, created_at) VALUES ($1, $2, $3, $4, "
          "$5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
          {template_.node_id, path, template_.team_id, s.Int("id"), template_.title,
           template_.category, template_.place.lon, template_.place.lat, template_.place_name,
           starts, starts + duration, template_.capacity, now, starts, starts - cutoff,
           template_.radius_m, template_.organiser_account_id, now}));
      ++made;
    }
    CG_TRY(tx.Commit());
    added += made;
  }
  return added;
}

}  // namespace civicgrid::domain
