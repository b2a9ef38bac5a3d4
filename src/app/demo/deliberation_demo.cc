#include "app/demo/deliberation_demo.h"

#include <map>
#include <string>

namespace civicgrid::app::demo {
namespace {

constexpr const char* kTopics[] = {"楼道堆物清理",     "小区停车秩序", "加装电梯意见征集",
                                   "垃圾分类点位调整", "老旧管网改造", "广场舞噪音协调",
                                   "绿化带补种",       "电动车充电棚", "物业费收支公开"};
constexpr const char* kOwners[] = {"物业公司", "业委会", "社区居委会", "网格员"};

uint64_t Mix(uint64_t x) {  // splitmix64
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

struct Community {
  int64_t id = 0;
  std::string path;
  int64_t organiser = 0;
};

core::Result<std::vector<Community>> Communities(store::Connection& conn,
                                                 const std::vector<int64_t>& ids) {
  CG_ASSIGN_OR_RETURN(store::Rows orgs,
                      conn.Query("SELECT scope_node_id, MIN(id) AS id FROM account WHERE role = "
                                 "'community_secretary' GROUP BY scope_node_id"));
  std::map<int64_t, int64_t> secretary;
  for (const auto& r : orgs) secretary[r.Int("scope_node_id")] = r.Int("id");
  CG_ASSIGN_OR_RETURN(int64_t admin, conn.QueryInt("SELECT MIN(id) FROM account WHERE role = "
                                                   "'county_admin'"));
  std::vector<Community> out;
  for (int64_t id : ids) {
    CG_ASSIGN_OR_RETURN(store::Row node,
                        conn.QueryOne("SELECT path FROM org_node WHERE id = $1", {id}));
    out.push_back({id, node.Text("path"), secretary.count(id) ? secretary[id] : admin});
  }
  return out;
}

// Minutes and, on every third meeting, one or two decisions.
core::Status Close(store::Connection& conn, int64_t meeting, int64_t ends_at, uint64_t h,
                   int64_t end_ms, DeliberationDemoReport& report) {
  const char* topic = kTopics[h % 9];
  CG_TRY(conn.Execute(
      "UPDATE delib_meeting SET state = 'closed', minutes = $1, minutes_at = $2, "
      "attendee_count = $3 WHERE id = $4",
      {std::string("议题：") + topic + "。与会居民、物业与业委会代表充分协商，形成决定。",
       ends_at + 2 * core::kMsPerHour, static_cast<int64_t>(8 + h % 20), meeting}));
  if (h % 3 != 0) return core::Ok();
  const int n = 1 + static_cast<int>((h >> 8) % 2);
  for (int k = 0; k < n; ++k) {
    const int64_t due_ms = ends_at + (10 + static_cast<int64_t>((h >> 12) % 20)) * core::kMsPerDay;
    const bool done = due_ms + 5 * core::kMsPerDay < end_ms;
    CG_ASSIGN_OR_RETURN(
        int64_t id,
        conn.QueryInt("INSERT INTO delib_decision (meeting_id, title, owner, due_date, weight, "
                      "state, done_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                      "RETURNING id",
                      {meeting, std::string(topic) + (k == 0 ? "：落实整改" : "：公示结果"),
                       kOwners[(h >> (16 + k)) % 4], core::FormatDate(core::ShanghaiDate(due_ms)),
                       static_cast<int64_t>(k == 0 ? 3 : 1), done ? "done" : "open",
                       done ? store::Value(due_ms - core::kMsPerDay) : store::Value(), ends_at}));
    CG_TRY(
        conn.Execute("INSERT INTO delib_decision_event (decision_id, at, kind, note) VALUES "
                     "($1, $2, 'created', '')",
                     {id, ends_at}));
    if (done) {
      CG_TRY(
          conn.Execute("INSERT INTO delib_decision_event (decision_id, at, kind, note) "
                       "VALUES ($1, $2, 'ticket_resolved', '')",
                       {id, due_ms - core::kMsPerDay}));
    }
    ++report.decisions;
  }
  return core::Ok();
}

}  // namespace

core::Result<DeliberationDemoReport> LoadDeliberationDemo(App& app,
                                                          const std::vector<int64_t>& communities,
                                                          uint64_t seed, int64_t end_ms) {
  DeliberationDemoReport report;
  domain::MeetingRule rule;
  rule.kind = domain::RuleKind::kDaysOfMonth;
  rule.days = {4, 14, 24};
  rule.minute = 9 * 60;
  rule.duration_minutes = 90;
  const int64_t end_day = core::DaysFromCivil(core::ShanghaiDate(end_ms));
  const core::CivilDate first = core::CivilFromDays(end_day - 365);
  const core::CivilDate last = core::CivilFromDays(end_day + 60);
  CG_ASSIGN_OR_RETURN(auto conn, app.db().Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(std::vector<Community> list, Communities(*conn, communities));
  for (const Community& c : list) {
    CG_ASSIGN_OR_RETURN(std::vector<int64_t> ids, app.deliberation().InsertSeries(
                                                      *conn, c.id, c.path, c.organiser, "逢四说事",
                                                      rule, first, last, "社区议事厅", 40));
    ++report.series;
    report.meetings += static_cast<int64_t>(ids.size());
    CG_ASSIGN_OR_RETURN(store::Rows past,
                        conn->Query("SELECT id, ends_at FROM delib_meeting WHERE series_id = "
                                    "(SELECT series_id FROM delib_meeting WHERE id = $1) AND "
                                    "ends_at < $2 ORDER BY id",
                                    {ids.front(), end_ms}));
    // The latest past meeting still waits for its minutes.
    for (size_t i = 0; i + 1 < past.size(); ++i) {
      const uint64_t h = Mix(seed ^ Mix(static_cast<uint64_t>(c.id) * 131 + i));
      CG_TRY(Close(*conn, past[i].Int("id"), past[i].Int("ends_at"), h, end_ms, report));
    }
    const uint64_t h = Mix(seed ^ static_cast<uint64_t>(c.id));
    CG_TRY(conn->Execute(
        "INSERT INTO delib_item (community_id, path, source, proposer, title, body, "
        "duration_minutes, state, created_at) SELECT $1, $2, 'proposal', name, $3, $4, 15, "
        "'proposed', $5 FROM resident WHERE community_id = $1 ORDER BY id LIMIT 1",
        {c.id, c.path, std::string(kTopics[(h >> 4) % 9]), "希望在下次逢四说事上讨论。",
         end_ms - core::kMsPerDay}));
  }
  CG_TRY(tx.Commit());
  return report;
}

}  // namespace civicgrid::app::demo
