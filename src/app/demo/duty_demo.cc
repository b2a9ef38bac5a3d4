#include "app/demo/duty_demo.h"

#include <string>

namespace civicgrid::app::demo {
namespace {

constexpr const char* kSkills[] = {"水电维修", "理发",     "法律咨询",
                                   "助老陪护", "环境整治", "政策宣讲"};

struct Community {
  std::string name;
  core::LonLat center;
};

core::Result<Community> LoadCommunity(App& app, int64_t id) {
  CG_ASSIGN_OR_RETURN(auto conn, app.db().Acquire());
  CG_ASSIGN_OR_RETURN(
      store::Row row,
      conn->QueryOne("SELECT name, center_lon, center_lat FROM org_node WHERE id = $1", {id}));
  Community c{row.Text("name"), {116.30, 39.43}};
  if (!row.IsNull("center_lon") && !row.IsNull("center_lat")) {
    c.center = {row.Real("center_lon"), row.Real("center_lat")};
  }
  return c;
}

core::Result<std::vector<int64_t>> RegisteredMembers(App& app, int64_t community, int64_t limit) {
  CG_ASSIGN_OR_RETURN(auto conn, app.db().Acquire());
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query("SELECT id FROM party_member WHERE residence_node_id = $1 ORDER "
                                  "BY id LIMIT $2",
                                  {community, limit}));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.Int("id"));
  return out;
}

}  // namespace

core::Result<DutyDemoReport> LoadDutyDemo(App& app, const domain::Caller& admin,
                                          const std::vector<int64_t>& communities) {
  DutyDemoReport report;
  std::vector<int64_t> skills;
  for (const char* name : kSkills) {
    CG_ASSIGN_OR_RETURN(domain::Skill s, app.duty().CreateSkill(admin, name));
    skills.push_back(s.id);
  }
  const std::string today = core::FormatDate(core::ShanghaiDate(app.clock().NowMs()));
  for (size_t i = 0; i < communities.size(); ++i) {
    const int64_t community = communities[i];
    CG_ASSIGN_OR_RETURN(Community c, LoadCommunity(app, community));
    CG_ASSIGN_OR_RETURN(domain::Team team,
                        app.activities().CreateTeam(admin, {community, c.name + "志愿服务队"}));
    ++report.teams;
    CG_ASSIGN_OR_RETURN(std::vector<int64_t> members, RegisteredMembers(app, community, 4));
    for (size_t m = 0; m < members.size() && m < 3; ++m) {
      CG_ASSIGN_OR_RETURN(domain::Team joined,
                          app.activities().AddTeamMember(admin, team.id, members[m], m == 0));
      (void)joined;
    }
    domain::NewActivity sweep;
    sweep.node_id = community;
    sweep.team_id = team.id;
    sweep.title = "周六清扫";
    sweep.category = "环境整治";
    sweep.place = c.center;
    sweep.place_name = c.name + "党群服务中心门前";
    sweep.capacity = 30;
    domain::RecurrenceRule weekly;
    weekly.kind = domain::Recurrence::kWeekly;
    weekly.weekday = 6;
    weekly.minute = 6 * 60 + 30;
    weekly.duration_minutes = 90;
    weekly.cancel_cutoff_minutes = 12 * 60;
    weekly.first_date = today;
    CG_ASSIGN_OR_RETURN(auto sweeps, app.activities().CreateSeries(admin, sweep, weekly));
    domain::NewActivity day = sweep;
    day.title = "主题党日志愿服务";
    day.category = "党员服务";
    day.capacity = 50;
    domain::RecurrenceRule monthly = weekly;
    monthly.kind = domain::Recurrence::kMonthly;
    monthly.day_of_month = 15;
    monthly.minute = 9 * 60;
    monthly.duration_minutes = 120;
    CG_ASSIGN_OR_RETURN(auto days, app.activities().CreateSeries(admin, day, monthly));
    report.activities += static_cast<int64_t>(sweeps.size() + days.size());
    // A request for the secretary: the last of them asks to move to the next community.
    if (members.size() >= 2 && communities.size() > 1) {
      domain::NewDualRegistration req{members.back(),
                                      communities[(i + 1) % communities.size()],
                                      {skills[i % skills.size()]},
                                      {{6, 6 * 60 + 30, 8 * 60}},
                                      "本人自愿到居住地社区报到，积极参加社区志愿服务。",
                                      today};
      CG_ASSIGN_OR_RETURN(domain::DualRegistration r, app.duty().Request(admin, req));
      (void)r;
      ++report.requests;
    }
  }
  return report;
}

}  // namespace civicgrid::app::demo
