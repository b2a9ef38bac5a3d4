#include "app/demo/duty_demo.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string>

#include "app/demo/rng.h"

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

namespace {

constexpr int64_t kHistoryMembersPerCommunity = 16;

// Epoch ms of local (Asia/Shanghai) `minute` on day `days` since 1970-01-01.
int64_t LocalAt(int64_t days, int minute) {
  return days * core::kMsPerDay - core::kShanghaiOffsetMs + minute * core::kMsPerMinute;
}

struct PastActivity {
  int64_t id = 0;
  int64_t starts_at = 0;
  int64_t ends_at = 0;
};

// The members registered with `community`: the first of them by id, and every one who
// holds a demo account (member1 gets a passbook).
core::Result<std::vector<int64_t>> HistoryMembers(store::Connection& tx, int64_t community) {
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      tx.Query("SELECT id FROM party_member WHERE residence_node_id = $1 AND (id IN (SELECT id "
               "FROM party_member WHERE residence_node_id = $1 ORDER BY id LIMIT $2) OR id IN "
               "(SELECT party_member_id FROM account WHERE party_member_id IS NOT NULL)) ORDER "
               "BY id",
               {community, kHistoryMembersPerCommunity}));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.Int("id"));
  return out;
}

// One community's year: activities, sign-ups and the postings of their approved hours.
core::Status CommunityYear(App& app, store::Connection& tx, const domain::Caller& admin,
                           int64_t community, Rng& rng, int64_t end_ms,
                           std::vector<domain::NewPosting>& postings, DutyHistoryReport& report) {
  CG_ASSIGN_OR_RETURN(store::Row node, tx.QueryOne("SELECT name, path, center_lon, center_lat FROM "
                                                   "org_node WHERE id = $1",
                                                   {community}));
  const std::string path = node.Text("path");
  Community c{node.Text("name"), {116.30, 39.43}};
  if (!node.IsNull("center_lon") && !node.IsNull("center_lat")) {
    c.center = {node.Real("center_lon"), node.Real("center_lat")};
  }
  CG_ASSIGN_OR_RETURN(
      store::Rows teams,
      tx.Query("SELECT id FROM duty_team WHERE node_id = $1 ORDER BY id LIMIT 1", {community}));
  std::optional<int64_t> team;
  if (!teams.empty()) team = teams[0].Int("id");
  CG_ASSIGN_OR_RETURN(std::vector<int64_t> members, HistoryMembers(tx, community));
  if (members.empty()) return core::Ok();
  const int64_t today = (end_ms + core::kShanghaiOffsetMs) / core::kMsPerDay;
  std::vector<PastActivity> past;
  for (int64_t day = today - 365; day < today; ++day) {
    const bool saturday = core::IsoWeekday(day) == 6;
    const bool theme_day = core::CivilFromDays(day).day == 15;
    for (int kind = 0; kind < 2; ++kind) {
      if ((kind == 0 && !saturday) || (kind == 1 && !theme_day)) continue;
      const int64_t starts = kind == 0 ? LocalAt(day, 6 * 60 + 30) : LocalAt(day, 9 * 60);
      const int64_t ends = starts + (kind == 0 ? 90 : 120) * core::kMsPerMinute;
      CG_ASSIGN_OR_RETURN(
          int64_t id,
          tx.QueryInt(
              "INSERT INTO duty_activity (node_id, node_path, team_id, title, category, lon, lat, "
              "place_name, starts_at, ends_at, capacity, signup_opens_at, signup_closes_at, "
              "cancel_cutoff_at, organiser_account_id, created_at) VALUES ($1, $2, $3, $4, $5, "
              "$6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
              {community, path, team, kind == 0 ? "周六清扫" : "主题党日志愿服务",
               kind == 0 ? "环境整治" : "党员服务", c.center.lon, c.center.lat,
               c.name + "党群服务中心门前", starts, ends, kind == 0 ? 30 : 50,
               starts - 7 * core::kMsPerDay, starts, starts - 12 * core::kMsPerHour,
               admin.account_id, starts - 7 * core::kMsPerDay}));
      past.push_back({id, starts, ends});
    }
  }
  report.activities += static_cast<int64_t>(past.size());
  // Sign-ups: most members come; a few of those who signed up do not show.
  std::vector<store::Value> values;
  constexpr size_t kCols = 10;
  for (const PastActivity& a : past) {
    for (int64_t member : members) {
      if (!rng.Chance(0.6)) continue;
      const bool no_show = rng.Chance(0.05);
      const int64_t signed_up = a.starts_at - rng.Between(1, 6) * core::kMsPerDay;
      if (no_show) {
        for (store::Value v : std::initializer_list<store::Value>{
                 a.id, member, "no_show", std::nullopt, std::nullopt, std::nullopt, std::nullopt,
                 std::nullopt, signed_up, 0}) {
          values.push_back(std::move(v));
        }
        continue;
      }
      const int64_t in = a.starts_at - rng.Between(0, 10) * core::kMsPerMinute;
      const int64_t out = a.ends_at + rng.Between(0, 10) * core::kMsPerMinute;
      const int64_t minutes = (a.ends_at - a.starts_at) / core::kMsPerMinute;
      for (store::Value v : std::initializer_list<store::Value>{
               a.id, member, "confirmed", in, out, minutes, admin.account_id,
               a.ends_at + core::kMsPerHour, signed_up, 1}) {
        values.push_back(std::move(v));
      }
    }
  }
  constexpr size_t kBatch = 100;
  const size_t rows = values.size() / kCols;
  for (size_t first = 0; first < rows; first += kBatch) {
    const size_t n = std::min(kBatch, rows - first);
    std::string sql =
        "INSERT INTO duty_signup (activity_id, member_id, state, checked_in_at, checked_out_at, "
        "approved_minutes, approved_by, approved_at, created_at) VALUES ";
    store::Params params;
    for (size_t r = 0; r < n; ++r) {
      sql += r == 0 ? "(" : ", (";
      for (size_t col = 0; col + 1 < kCols; ++col) {  // the last value only counts seats
        sql += fmt::format("{}${}", col == 0 ? "" : ", ", r * (kCols - 1) + col + 1);
        params.push_back(values[(first + r) * kCols + col]);
      }
      sql += ")";
    }
    CG_TRY(tx.Execute(sql, params));
  }
  report.signups += static_cast<int64_t>(rows);
  if (past.empty()) return core::Ok();
  CG_TRY(tx.Execute(
      "UPDATE duty_activity SET seats_taken = (SELECT COUNT(*) FROM duty_signup s WHERE "
      "s.activity_id = duty_activity.id AND s.state = 'confirmed') WHERE id BETWEEN $1 AND $2",
      {past.front().id, past.back().id}));
  // The approved hours, each as CreditApprovedHours would post them (sorted by time later).
  struct Accounts {
    int64_t minutes = 0, points = 0, minutes_pool = 0, points_pool = 0;
  };
  std::map<int64_t, Accounts> accounts;  // by member
  CG_ASSIGN_OR_RETURN(
      store::Rows approved,
      tx.Query("SELECT s.id, s.member_id, s.activity_id, s.approved_minutes, a.starts_at FROM "
               "duty_signup s JOIN duty_activity a ON a.id = s.activity_id WHERE a.id BETWEEN $1 "
               "AND $2 AND s.approved_minutes IS NOT NULL ORDER BY a.starts_at, s.id",
               {past.front().id, past.back().id}));
  auto& bank = app.timebank();
  using domain::Currency;
  using domain::HolderKind;
  for (const auto& r : approved) {
    const int64_t member = r.Int("member_id");
    if (accounts.count(member) == 0) {
      CG_ASSIGN_OR_RETURN(domain::TbAccount m, bank.EnsureAccount(tx, HolderKind::kMember, member,
                                                                  Currency::kServiceMinutes));
      CG_ASSIGN_OR_RETURN(domain::TbAccount p, bank.EnsureAccount(tx, HolderKind::kMember, member,
                                                                  Currency::kMemberPoints));
      const int64_t pool = m.community_id.value_or(m.node_id);
      CG_ASSIGN_OR_RETURN(domain::TbAccount pm, bank.EnsureAccount(tx, HolderKind::kCommunity, pool,
                                                                   Currency::kServiceMinutes));
      CG_ASSIGN_OR_RETURN(domain::TbAccount pp, bank.EnsureAccount(tx, HolderKind::kCommunity, pool,
                                                                   Currency::kMemberPoints));
      accounts[member] = {m.id, p.id, pm.id, pp.id};
    }
    const Accounts& acct = accounts.at(member);
    const int64_t minutes = r.Int("approved_minutes");
    const int64_t points = minutes * bank.options().points_per_hour / 60;
    domain::NewPosting p;
    p.kind = domain::PostingKind::kHours;
    p.idempotency_key = fmt::format("hours:duty-signup:{}", r.Int("id"));
    p.memo = fmt::format("志愿服务 {} 分钟（活动 {}）", minutes, r.Int("activity_id"));
    p.actor_account_id = admin.account_id;
    p.ref_type = "activity";
    p.ref_id = r.Int("activity_id");
    p.at = r.Int("starts_at");
    p.legs = {{acct.minutes, minutes}, {acct.minutes_pool, -minutes}};
    if (points > 0) {
      p.legs.push_back({acct.points, points});
      p.legs.push_back({acct.points_pool, -points});
    }
    postings.push_back(std::move(p));
  }
  report.approved += static_cast<int64_t>(approved.size());
  return core::Ok();
}

struct DemoReward {
  const char* name;
  const char* description;
  int64_t cost;
  int64_t stock;
};

constexpr DemoReward kRewards[] = {
    {"洗衣液", "爱心超市兑换：洗衣液一瓶", 30, 60},
    {"毛巾", "爱心超市兑换：毛巾一条", 15, 100},
    {"理发券", "社区理发服务一次", 20, 40},
};

// Rewards per community and a few redemptions at the counter, most handed over.
core::Status RewardsAndRedemptions(App& app, const domain::Caller& admin, int64_t community,
                                   DutyHistoryReport& report) {
  auto& bank = app.timebank();
  std::vector<int64_t> rewards;
  for (const DemoReward& r : kRewards) {
    CG_ASSIGN_OR_RETURN(
        domain::Reward reward,
        bank.CreateReward(admin, {community, r.name, r.description, domain::Currency::kMemberPoints,
                                  r.cost, r.stock}));
    rewards.push_back(reward.id);
  }
  std::vector<int64_t> holders;
  {
    CG_ASSIGN_OR_RETURN(auto conn, app.db().Acquire());
    CG_ASSIGN_OR_RETURN(
        store::Rows rows,
        conn->Query("SELECT holder_id FROM tb_account WHERE community_id = $1 AND holder_kind = "
                    "'member' AND currency = 'member_points' AND balance >= 60 ORDER BY id LIMIT 4",
                    {community}));
    for (const auto& r : rows) holders.push_back(r.Int("holder_id"));
  }
  for (size_t i = 0; i < holders.size(); ++i) {
    domain::RedeemRequest req;
    req.reward_id = rewards[i % rewards.size()];
    req.holder_kind = domain::HolderKind::kMember;
    req.holder_id = holders[i];
    CG_ASSIGN_OR_RETURN(domain::Redemption redemption, bank.Redeem(admin, req));
    ++report.redemptions;
    if (i + 1 < holders.size()) {  // the last one waits at the counter
      CG_ASSIGN_OR_RETURN(domain::Redemption handed, bank.HandOver(admin, redemption.id));
      (void)handed;
    }
  }
  return core::Ok();
}

}  // namespace

core::Result<DutyHistoryReport> LoadDutyHistory(App& app, const domain::Caller& admin,
                                                const std::vector<int64_t>& communities,
                                                uint64_t seed, int64_t end_ms) {
  DutyHistoryReport report;
  Rng rng(Mix64(seed ^ 0x6475747968697374ULL));  // "dutyhist"
  {
    CG_ASSIGN_OR_RETURN(auto conn, app.db().Acquire());
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
    std::vector<domain::NewPosting> postings;
    for (int64_t community : communities) {
      CG_TRY(CommunityYear(app, *conn, admin, community, rng, end_ms, postings, report));
    }
    // One posting per approved sign-up, in the order they were served.
    std::stable_sort(
        postings.begin(), postings.end(),
        [](const domain::NewPosting& a, const domain::NewPosting& b) { return a.at < b.at; });
    CG_ASSIGN_OR_RETURN(int64_t posted, app.timebank().PostBatch(*conn, postings));
    (void)posted;
    CG_TRY(tx.Commit());
  }
  for (int64_t community : communities) {
    CG_TRY(RewardsAndRedemptions(app, admin, community, report));
  }
  return report;
}

}  // namespace civicgrid::app::demo
