// Party life: warning rules, the monthly evaluation, warnings, dues and the
// 5+X+1 categories.
#include <algorithm>
#include <map>

#include "domain/access/notices.h"
#include "domain/partylife/partylife_internal.h"
#include "domain/tickets/enum_names.h"

namespace civicgrid::domain {
namespace {

using core::Error;

constexpr NameTable<WarningLevel, 4> kLevels = {{
    {WarningLevel::kNone, "none"},
    {WarningLevel::kYellow, "yellow"},
    {WarningLevel::kOrange, "orange"},
    {WarningLevel::kRed, "red"},
}};

constexpr NameTable<MemberCategory, 6> kCategories = {{
    {MemberCategory::kResident, "resident"},
    {MemberCategory::kInService, "in_service"},
    {MemberCategory::kRetired, "retired"},
    {MemberCategory::kMobile, "mobile"},
    {MemberCategory::kFrail, "frail"},
    {MemberCategory::kSpecial, "special"},
}};

constexpr std::string_view kLevelNames[] = {"", "黄色", "橙色", "红色"};

// The branch secretary is told that member `member`'s warning rose to `level`:
// a notice to each community secretary's account nearest above the warning's
// organisation (the secretaries of the community holding the branch). None
// found: the console's unacknowledged list still shows it.
core::Status NotifyRaised(store::Connection& conn, int64_t member, const std::string& path,
                          WarningLevel level, const std::vector<WarningReason>& reasons,
                          int64_t month, int64_t now) {
  CG_ASSIGN_OR_RETURN(
      store::Rows secretaries,
      conn.Query(
          "SELECT a.id, length(n.path) AS depth FROM account a JOIN org_node n ON n.id = "
          "a.scope_node_id WHERE a.role = 'community_secretary' AND a.disabled = 0 AND "
          "substr(CAST($1 AS TEXT), 1, length(n.path)) = n.path ORDER BY length(n.path) DESC, a.id",
          {path}));
  if (secretaries.empty()) return core::Ok();
  CG_ASSIGN_OR_RETURN(store::Rows name,
                      conn.Query("SELECT name FROM party_member WHERE id = $1", {member}));
  std::string text = "党员 " + (name.empty() ? std::string() : name[0].Text("name")) +
                     " 的组织生活预警升为" + std::string(kLevelNames[static_cast<int>(level)]) +
                     "（" + MonthLabel(month) + "）";
  for (size_t i = 0; i < reasons.size(); ++i) text += (i == 0 ? "：" : "；") + reasons[i].text;
  const int64_t nearest = secretaries[0].Int("depth");
  for (const auto& s : secretaries) {
    if (s.Int("depth") != nearest) break;
    CG_TRY(AddNotice(conn,
                     Notice{0, s.Int("id"), "warning_raised", "party_member", member, text, now}));
  }
  return core::Ok();
}

WarningLevel ByMonths(int64_t months, int64_t yellow, int64_t orange, int64_t red) {
  if (months >= red) return WarningLevel::kRed;
  if (months >= orange) return WarningLevel::kOrange;
  if (months >= yellow) return WarningLevel::kYellow;
  return WarningLevel::kNone;
}

// Reasons are stored one a line: "rule<TAB>level<TAB>text".
std::string JoinReasons(const std::vector<WarningReason>& reasons) {
  std::string out;
  for (const auto& r : reasons) {
    out += r.rule + "\t" + std::string(WarningLevelName(r.level)) + "\t" + r.text + "\n";
  }
  return out;
}

std::vector<WarningReason> SplitReasons(const std::string& text) {
  std::vector<WarningReason> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    size_t a = line.find('\t'), b = line.find('\t', a + 1);
    if (a != std::string::npos && b != std::string::npos) {
      auto level = ParseWarningLevel(line.substr(a + 1, b - a - 1), "level");
      out.push_back(
          {line.substr(0, a), level.ok() ? *level : WarningLevel::kNone, line.substr(b + 1)});
    }
    start = end + 1;
  }
  return out;
}

constexpr const char* kWarningSelect =
    "SELECT w.member_id, p.name AS member_name, w.party_org_id, o.name AS org_name, "
    "COALESCE(c.category, CASE WHEN p.mobile <> 0 THEN 'mobile' ELSE 'resident' END) AS "
    "category, w.month, w.level, w.previous_level, w.reasons, w.evaluated_at, w.acknowledged_at "
    "FROM party_warning w JOIN party_member p ON p.id = w.member_id JOIN party_org o ON o.id = "
    "w.party_org_id LEFT JOIN party_member_category c ON c.member_id = w.member_id ";

MemberWarning WarningFromRow(const store::Row& r) {
  MemberWarning w;
  w.member_id = r.Int("member_id");
  w.member_name = r.Text("member_name");
  w.party_org_id = r.Int("party_org_id");
  w.party_org_name = r.Text("org_name");
  w.category = ParseMemberCategory(r.Text("category"), "category").value();
  w.month = r.Int("month");
  w.level = ParseWarningLevel(r.Text("level"), "level").value();
  w.previous_level = ParseWarningLevel(r.Text("previous_level"), "level").value();
  w.reasons = SplitReasons(r.Text("reasons"));
  w.evaluated_at_ms = r.Int("evaluated_at");
  w.acknowledged_at_ms = r.OptInt("acknowledged_at");
  return w;
}

int64_t WarningId(const MemberWarning& w) { return w.member_id; }

store::Params RuleParams(const WarningRules& r) {
  return {r.absence_yellow, r.absence_orange,      r.absence_red,
          r.dues_yellow,    r.dues_orange,         r.dues_red,
          r.service_months, r.service_min_minutes, std::string(WarningLevelName(r.service_level))};
}

// The ids of a materialised path ("/1/7/42/" → 1, 7, 42), root first.
std::vector<int64_t> PathIds(const std::string& path) {
  std::vector<int64_t> ids;
  int64_t v = 0;
  bool any = false;
  for (char c : path) {
    if (c == '/') {
      if (any) ids.push_back(v);
      v = 0;
      any = false;
    } else if (c >= '0' && c <= '9') {
      v = v * 10 + (c - '0');
      any = true;
    }
  }
  return ids;
}

}  // namespace

std::string_view WarningLevelName(WarningLevel level) { return NameIn(kLevels, level); }
core::Result<WarningLevel> ParseWarningLevel(std::string_view name, std::string_view field) {
  return ParseIn(kLevels, name, field, "预警等级");
}
std::string_view MemberCategoryName(MemberCategory category) {
  return NameIn(kCategories, category);
}
core::Result<MemberCategory> ParseMemberCategory(std::string_view name, std::string_view field) {
  return ParseIn(kCategories, name, field, "党员类别");
}

core::Status PartyLifeService::ValidateRules(const WarningRules& r) {
  auto order = [](std::string_view what, int64_t y, int64_t o, int64_t red) -> core::Status {
    const std::string p(what);
    if (y < 1 || y > 24) return Error::Invalid(p + "_yellow", "应为 1–24 个月");
    if (o <= y || o > 24) return Error::Invalid(p + "_orange", "应大于黄色门槛且不超过 24 个月");
    if (red <= o || red > 24) return Error::Invalid(p + "_red", "应大于橙色门槛且不超过 24 个月");
    return core::Ok();
  };
  CG_TRY(order("absence", r.absence_yellow, r.absence_orange, r.absence_red));
  CG_TRY(order("dues", r.dues_yellow, r.dues_orange, r.dues_red));
  if (r.service_months < 1 || r.service_months > 12) {
    return Error::Invalid("service_months", "应为 1–12 个月");
  }
  if (r.service_min_minutes < 0 || r.service_min_minutes > 6000) {
    return Error::Invalid("service_min_minutes", "应为 0–6000 分钟");
  }
  if (r.service_level == WarningLevel::kRed) {
    return Error::Invalid("service_level", "服务不足最高为橙色预警");
  }
  return core::Ok();
}

core::Result<WarningRules> PartyLifeService::RulesFor(store::Connection& conn,
                                                      const std::string& path) {
  std::vector<int64_t> ids = PathIds(path);
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
    CG_ASSIGN_OR_RETURN(store::Rows rows,
                        conn.Query("SELECT * FROM party_warning_rules WHERE node_id = $1", {*it}));
    if (rows.empty()) continue;
    const store::Row& r = rows[0];
    WarningRules w;
    w.absence_yellow = r.Int("absence_yellow");
    w.absence_orange = r.Int("absence_orange");
    w.absence_red = r.Int("absence_red");
    w.dues_yellow = r.Int("dues_yellow");
    w.dues_orange = r.Int("dues_orange");
    w.dues_red = r.Int("dues_red");
    w.service_months = r.Int("service_months");
    w.service_min_minutes = r.Int("service_min_minutes");
    w.service_level = ParseWarningLevel(r.Text("service_level"), "service_level").value();
    return w;
  }
  return options_.rules;
}

core::Result<RulesAt> PartyLifeService::Rules(const Caller& caller,
                                              std::optional<int64_t> node_id) {
  CG_TRY(caller.Require(Permission::kPeopleRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  const int64_t node = node_id.value_or(caller.scope_node_id);
  PathRange scope = caller.Scope();
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query("SELECT path FROM org_node WHERE id = $1 AND path >= $2 AND "
                                  "path < $3",
                                  {node, scope.lo, scope.hi}));
  if (rows.empty()) return Error::NotFound("组织节点不存在");
  RulesAt out;
  CG_ASSIGN_OR_RETURN(out.rules, RulesFor(*conn, rows[0].Text(0)));
  std::vector<int64_t> ids = PathIds(rows[0].Text(0));
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) {
    CG_ASSIGN_OR_RETURN(
        store::Rows v,
        conn->Query("SELECT version FROM party_warning_rules WHERE node_id = $1", {*it}));
    if (v.empty()) continue;
    out.node_id = *it;
    out.version = v[0].Int(0);
    break;
  }
  return out;
}

core::Result<RulesAt> PartyLifeService::SetRules(const Caller& caller,
                                                 std::optional<int64_t> node_id,
                                                 const WarningRules& rules) {
  CG_TRY(caller.Require(Permission::kOrgWrite));
  CG_TRY(ValidateRules(rules));
  const int64_t node = node_id.value_or(caller.scope_node_id);
  {
    CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
    CG_ASSIGN_OR_RETURN(std::string kind, NodeKindInScope(*conn, caller, node));
    if (kind.empty()) return Error::Invalid("node_id", "组织节点不存在或不在管辖范围内");
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
    store::Params p = RuleParams(rules);
    p.insert(p.begin(), node);
    p.push_back(clock_.NowMs());
    CG_TRY(conn->Execute(
        "INSERT INTO party_warning_rules (node_id, absence_yellow, absence_orange, absence_red, "
        "dues_yellow, dues_orange, dues_red, service_months, service_min_minutes, service_level, "
        "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (node_id) "
        "DO UPDATE SET absence_yellow = excluded.absence_yellow, absence_orange = "
        "excluded.absence_orange, absence_red = excluded.absence_red, dues_yellow = "
        "excluded.dues_yellow, dues_orange = excluded.dues_orange, dues_red = excluded.dues_red, "
        "service_months = excluded.service_months, service_min_minutes = "
        "excluded.service_min_minutes, service_level = excluded.service_level, version = "
        "party_warning_rules.version + 1, updated_at = excluded.updated_at",
        p));
    CG_TRY(audit_.Append(*conn, caller, "partylife.rules", "org_node", node, ""));
    CG_TRY(tx.Commit());
  }
  return Rules(caller, node);
}

core::Result<std::vector<PartyLifeService::MemberRow>> PartyLifeService::MembersIn(
    store::Connection& conn, const PathRange& range, const std::vector<int64_t>& only) {
  std::string sql =
      "SELECT m.id, m.party_org_id, n.path, m.created_at, m.mobile, c.category, (SELECT "
      "MIN(x.month) FROM party_meeting x WHERE x.party_org_id = m.party_org_id) AS first_month "
      "FROM party_member m JOIN party_org o ON o.id = m.party_org_id JOIN org_node n ON n.id = "
      "o.node_id LEFT JOIN party_member_category c ON c.member_id = m.id WHERE n.path >= $1 AND "
      "n.path < $2";
  store::Params params{range.lo, range.hi};
  if (!only.empty()) {
    sql += " AND m.id IN (";
    for (size_t i = 0; i < only.size(); ++i) {
      sql += (i ? ", $" : "$") + std::to_string(i + 3);
      params.push_back(only[i]);
    }
    sql += ")";
  }
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn.Query(sql + " ORDER BY m.id", params));
  std::vector<MemberRow> out;
  for (const auto& r : rows) {
    MemberRow m;
    m.id = r.Int("id");
    m.party_org_id = r.Int("party_org_id");
    m.path = r.Text("path");
    m.start_month = partylife::MonthAt(r.Int("created_at"));
    if (auto first = r.OptInt("first_month")) m.start_month = std::min(m.start_month, *first);
    if (auto c = r.OptText("category")) {
      auto category = ParseMemberCategory(*c, "category");
      m.category = category.ok() ? *category : MemberCategory::kResident;
    } else {
      m.category = r.Int("mobile") != 0 ? MemberCategory::kMobile : MemberCategory::kResident;
    }
    out.push_back(std::move(m));
  }
  return out;
}

core::Result<EvaluationReport> PartyLifeService::EvaluateMembers(
    store::Connection& conn, const std::vector<MemberRow>& members, int64_t month) {
  EvaluationReport report;
  report.month = month;
  std::map<std::string, WarningRules> rules_by_path;
  const int64_t now = clock_.NowMs();
  for (const MemberRow& m : members) {
    if (!rules_by_path.count(m.path)) {
      CG_ASSIGN_OR_RETURN(rules_by_path[m.path], RulesFor(conn, m.path));
    }
    const WarningRules& rules = rules_by_path[m.path];
    const bool special = m.category == MemberCategory::kSpecial;
    const bool frail = m.category == MemberCategory::kFrail;
    std::vector<WarningReason> reasons;
    if (!special && !frail) {
      CG_ASSIGN_OR_RETURN(store::Rows last,
                          conn.Query("SELECT MAX(month) FROM party_meeting_member WHERE member_id "
                                     "= $1 AND present = 1 AND month <= $2",
                                     {m.id, month}));
      std::optional<int64_t> attended = last[0].OptInt(0);
      const int64_t gap = month - attended.value_or(m.start_month);
      WarningLevel level =
          ByMonths(gap, rules.absence_yellow, rules.absence_orange, rules.absence_red);
      if (level != WarningLevel::kNone) {
        reasons.push_back(
            {"absence", level,
             "已连续 " + std::to_string(gap) + " 个月未参加组织生活（" +
                 (attended ? "最近一次 " + MonthLabel(*attended) : std::string("无参加记录")) +
                 "）"});
      }
    }
    if (!special) {
      CG_ASSIGN_OR_RETURN(store::Rows paid,
                          conn.Query("SELECT MAX(month) FROM party_dues WHERE member_id = $1 AND "
                                     "month < $2",
                                     {m.id, month}));
      const int64_t from =
          std::max(paid[0].OptInt(0).value_or(m.start_month - 1) + 1, m.start_month);
      const int64_t owed = std::max<int64_t>(0, month - from);
      WarningLevel level = ByMonths(owed, rules.dues_yellow, rules.dues_orange, rules.dues_red);
      if (level != WarningLevel::kNone) {
        reasons.push_back({"dues", level,
                           "已连续 " + std::to_string(owed) + " 个月未交纳党费（自 " +
                               MonthLabel(from) + " 起）"});
      }
    }
    const bool serves = !special && !frail && m.category != MemberCategory::kMobile;
    if (serves && rules.service_min_minutes > 0 && rules.service_level != WarningLevel::kNone &&
        month - m.start_month >= rules.service_months) {
      const int64_t lo = partylife::MonthStartMs(month - rules.service_months + 1);
      const int64_t hi = partylife::MonthStartMs(month + 1);
      const std::string day_lo = FormatMonth(month - rules.service_months + 1) + "-01";
      const std::string day_hi = FormatMonth(month + 1) + "-01";
      CG_ASSIGN_OR_RETURN(
          int64_t banked,
          conn.QueryInt("SELECT COALESCE(SUM(e.amount), 0) FROM tb_account a JOIN tb_entry e ON "
                        "e.account_id = a.id WHERE a.holder_kind = 'member' AND a.holder_id = $1 "
                        "AND a.currency = 'service_minutes' AND e.amount > 0 AND e.day >= $2 AND "
                        "e.day < $3",
                        {m.id, day_lo, day_hi}));
      CG_ASSIGN_OR_RETURN(
          int64_t served,
          conn.QueryInt("SELECT COALESCE(SUM(s.approved_minutes), 0) FROM duty_signup s JOIN "
                        "duty_activity a ON a.id = s.activity_id WHERE s.member_id = $1 AND "
                        "a.starts_at >= $2 AND a.starts_at < $3",
                        {m.id, lo, hi}));
      CG_ASSIGN_OR_RETURN(
          int64_t claims,
          conn.QueryInt("SELECT COUNT(*) FROM ticket WHERE assignee_kind = 'member' AND "
                        "assignee_id = $1 AND created_at >= $2 AND created_at < $3",
                        {m.id, lo, hi}));
      const int64_t minutes = std::max(banked, served);
      if (minutes < rules.service_min_minutes && claims == 0) {
        reasons.push_back({"service", rules.service_level,
                           "近 " + std::to_string(rules.service_months) + " 个月志愿服务 " +
                               std::to_string(minutes) + " 分钟（不足 " +
                               std::to_string(rules.service_min_minutes) +
                               " 分钟）且未认领群众点单"});
      }
    }
    WarningLevel level = WarningLevel::kNone;
    for (const auto& r : reasons) level = std::max(level, r.level);
    CG_ASSIGN_OR_RETURN(store::Rows before,
                        conn.Query("SELECT level FROM party_warning WHERE member_id = $1 AND "
                                   "month = $2",
                                   {m.id, month - 1}));
    const std::string previous = before.empty() ? "none" : before[0].Text(0);
    // This month's level so far: a re-evaluation tells the secretary only of a further rise.
    CG_ASSIGN_OR_RETURN(store::Rows so_far,
                        conn.Query("SELECT level FROM party_warning WHERE member_id = $1 AND "
                                   "month = $2",
                                   {m.id, month}));
    WarningLevel told = WarningLevel::kNone;
    if (!so_far.empty()) {
      auto parsed = ParseWarningLevel(so_far[0].Text(0), "level");
      if (parsed.ok()) told = *parsed;
    }
    // The acknowledgement stands while the level does not rise.
    CG_TRY(conn.Execute(
        "INSERT INTO party_warning (member_id, month, party_org_id, path, level, previous_level, "
        "reasons, evaluated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (member_id, "
        "month) DO UPDATE SET party_org_id = excluded.party_org_id, path = excluded.path, "
        "acknowledged_at = CASE WHEN excluded.level = party_warning.level THEN "
        "party_warning.acknowledged_at END, acknowledged_by = CASE WHEN excluded.level = "
        "party_warning.level THEN party_warning.acknowledged_by END, level = excluded.level, "
        "previous_level = excluded.previous_level, reasons = excluded.reasons, evaluated_at = "
        "excluded.evaluated_at",
        {m.id, month, m.party_org_id, m.path, std::string(WarningLevelName(level)), previous,
         JoinReasons(reasons), now}));
    ++report.members;
    if (level == WarningLevel::kYellow) ++report.yellow;
    if (level == WarningLevel::kOrange) ++report.orange;
    if (level == WarningLevel::kRed) ++report.red;
    auto before_level = ParseWarningLevel(previous, "level");
    if (before_level.ok() && level > *before_level) {
      ++report.raised;
      if (level > told) CG_TRY(NotifyRaised(conn, m.id, m.path, level, reasons, month, now));
    }
  }
  return report;
}

core::Result<EvaluationReport> PartyLifeService::Evaluate(const Caller& caller,
                                                          std::optional<std::string> month_text,
                                                          std::optional<int64_t> within) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  const int64_t current = partylife::MonthAt(clock_.NowMs());
  int64_t month = current;
  if (month_text) {
    CG_ASSIGN_OR_RETURN(month, ParseMonth(*month_text, "month"));
  }
  if (month > current) return Error::Invalid("month", "不能评估未来的月份");
  if (month < current - 24) return Error::Invalid("month", "只能评估两年内的月份");
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(PathRange range, WithinScope(*conn, caller, within));
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(auto members, MembersIn(*conn, range, {}));
  CG_ASSIGN_OR_RETURN(EvaluationReport report, EvaluateMembers(*conn, members, month));
  CG_TRY(audit_.Append(*conn, caller, "partylife.evaluate", "org_node",
                       within.value_or(caller.scope_node_id), FormatMonth(month)));
  CG_TRY(tx.Commit());
  return report;
}

core::Result<EvaluationReport> PartyLifeService::Sweep(int64_t now_ms) {
  const int64_t month = partylife::MonthAt(now_ms) - 1;
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(int64_t done, conn->QueryInt("SELECT COUNT(*) FROM party_warning_run "
                                                   "WHERE month = $1",
                                                   {month}));
  if (done > 0) return EvaluationReport{month};
  CG_ASSIGN_OR_RETURN(auto members, MembersIn(*conn, PathRange{"/", "0"}, {}));
  CG_ASSIGN_OR_RETURN(EvaluationReport report, EvaluateMembers(*conn, members, month));
  CG_TRY(
      conn->Execute("INSERT INTO party_warning_run (month, evaluated_at, members) VALUES ($1, "
                    "$2, $3)",
                    {month, now_ms, report.members}));
  CG_TRY(tx.Commit());
  return report;
}

core::Result<PageOf<MemberWarning>> PartyLifeService::Warnings(const Caller& caller,
                                                               const WarningFilter& f) {
  CG_TRY(caller.Require(Permission::kPeopleRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(PathRange range, WithinScope(*conn, caller, f.within));
  int64_t month = 0;
  if (f.month) {
    month = *f.month;
  } else {
    CG_ASSIGN_OR_RETURN(store::Rows latest,
                        conn->Query("SELECT MAX(month) FROM party_warning", {}));
    if (latest[0].IsNull(0)) return PageOf<MemberWarning>{};
    month = latest[0].Int(0);
  }
  // A walk of the primary key (member_id, month) in member order; the month,
  // the path and the level are checked on each row.
  Conditions w;
  w.And("w.member_id > " + w.Bind(f.page.after));
  w.And("w.month = " + w.Bind(month));
  const std::string lo = w.Bind(range.lo);
  w.And("w.path >= " + lo + " AND w.path < " + w.Bind(range.hi));
  if (f.min_level) {
    std::string levels;
    for (const auto& [lv, name] : kLevels) {
      if (lv < *f.min_level) continue;
      levels += (levels.empty() ? "" : ", ") + w.Bind(std::string(name));
    }
    w.And("w.level IN (" + levels + ")");
  }
  if (f.unacknowledged) {
    w.And(
        "w.acknowledged_at IS NULL AND w.level <> w.previous_level AND w.level <> 'none' AND "
        "NOT (w.previous_level = 'red' OR (w.previous_level = 'orange' AND w.level = "
        "'yellow'))");
  }
  std::string limit = w.Bind(f.page.limit);
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query(std::string(kWarningSelect) + "WHERE " + w.Sql() +
                                      " ORDER BY w.member_id LIMIT " + limit,
                                  w.params()));
  std::vector<MemberWarning> items;
  for (const auto& r : rows) items.push_back(WarningFromRow(r));
  return FinishPage(std::move(items), f.page, &WarningId);
}

core::Result<MemberWarning> PartyLifeService::Acknowledge(const Caller& caller, int64_t member_id,
                                                          std::optional<std::string> month_text) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  PathRange scope = caller.Scope();
  std::string month_sql = "(SELECT MAX(x.month) FROM party_warning x WHERE x.member_id = $1)";
  store::Params params{member_id, scope.lo, scope.hi};
  if (month_text) {
    CG_ASSIGN_OR_RETURN(int64_t month, ParseMonth(*month_text, "month"));
    month_sql = "$4";
    params.push_back(month);
  }
  const std::string where =
      "WHERE w.member_id = $1 AND w.month = " + month_sql + " AND w.path >= $2 AND w.path < $3";
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn->Query(std::string(kWarningSelect) + where, params));
  if (rows.empty()) return Error::NotFound("预警不存在");
  MemberWarning w = WarningFromRow(rows[0]);
  if (!w.acknowledged_at_ms) {
    CG_TRY(
        conn->Execute("UPDATE party_warning SET acknowledged_at = $1, acknowledged_by = $2 "
                      "WHERE member_id = $3 AND month = $4",
                      {clock_.NowMs(), caller.account_id, member_id, w.month}));
    CG_TRY(audit_.Append(*conn, caller, "partylife.acknowledge", "party_member", member_id,
                         FormatMonth(w.month) + " " + std::string(WarningLevelName(w.level))));
  }
  CG_ASSIGN_OR_RETURN(rows, conn->Query(std::string(kWarningSelect) + where, params));
  CG_TRY(tx.Commit());
  return WarningFromRow(rows[0]);
}

core::Result<MemberWarning> PartyLifeService::MyWarning(const Caller& caller) {
  if (!caller.party_member_id) return Error::NotFound("当前账号不是党员");
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query(std::string(kWarningSelect) +
                                      "WHERE w.member_id = $1 ORDER BY w.month DESC LIMIT 1",
                                  {*caller.party_member_id}));
  if (rows.empty()) return Error::NotFound("尚无评估结果");
  return WarningFromRow(rows[0]);
}

core::Status PartyLifeService::RecordDues(const Caller& caller, const DuesPayment& payment) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  CG_ASSIGN_OR_RETURN(int64_t month, ParseMonth(payment.month, "month"));
  const int64_t current = partylife::MonthAt(clock_.NowMs());
  if (month > current + 12) return Error::Invalid("month", "最多预交一年党费");
  if (payment.amount_cents < 1 || payment.amount_cents > 100'000'000) {
    return Error::Invalid("amount_cents", "金额应为 0.01–1,000,000 元");
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  PathRange scope = caller.Scope();
  CG_ASSIGN_OR_RETURN(
      int64_t seen,
      conn->QueryInt("SELECT COUNT(*) FROM party_member m JOIN party_org o ON o.id = "
                     "m.party_org_id JOIN org_node n ON n.id = o.node_id WHERE m.id = $1 AND "
                     "n.path >= $2 AND n.path < $3",
                     {payment.member_id, scope.lo, scope.hi}));
  if (seen == 0) return Error::NotFound("党员不存在");
  CG_ASSIGN_OR_RETURN(int64_t taken, conn->QueryInt("SELECT COUNT(*) FROM party_dues WHERE "
                                                    "member_id = $1 AND month = $2",
                                                    {payment.member_id, month}));
  if (taken > 0) return Error::Conflict("该月党费已登记", "month");
  CG_TRY(conn->Execute(
      "INSERT INTO party_dues (member_id, month, amount_cents, recorded_by, "
      "created_at) VALUES ($1, $2, $3, $4, $5)",
      {payment.member_id, month, payment.amount_cents, caller.account_id, clock_.NowMs()}));
  CG_TRY(audit_.Append(*conn, caller, "partylife.dues", "party_member", payment.member_id,
                       payment.month));
  return tx.Commit();
}

core::Status PartyLifeService::SetCategory(const Caller& caller, int64_t member_id,
                                           MemberCategory category, std::string note) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  CG_ASSIGN_OR_RETURN(note, CleanText(note, "note", 200, category == MemberCategory::kSpecial));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  PathRange scope = caller.Scope();
  CG_ASSIGN_OR_RETURN(
      int64_t seen,
      conn->QueryInt("SELECT COUNT(*) FROM party_member m JOIN party_org o ON o.id = "
                     "m.party_org_id JOIN org_node n ON n.id = o.node_id WHERE m.id = $1 AND "
                     "n.path >= $2 AND n.path < $3",
                     {member_id, scope.lo, scope.hi}));
  if (seen == 0) return Error::NotFound("党员不存在");
  CG_TRY(
      conn->Execute("INSERT INTO party_member_category (member_id, category, note, updated_at) "
                    "VALUES ($1, $2, $3, $4) ON CONFLICT (member_id) DO UPDATE SET category = "
                    "excluded.category, note = excluded.note, updated_at = excluded.updated_at",
                    {member_id, std::string(MemberCategoryName(category)), note, clock_.NowMs()}));
  CG_TRY(audit_.Append(*conn, caller, "partylife.category", "party_member", member_id,
                       std::string(MemberCategoryName(category))));
  return tx.Commit();
}

}  // namespace civicgrid::domain
