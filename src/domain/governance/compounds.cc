// Compounds and their links: property company, owners' committee, red
// stewards, buildings and building chiefs.
#include <set>

#include "domain/governance/governance_internal.h"

namespace civicgrid::domain {
namespace governance {

using core::Error;

int64_t DayStartMs(core::CivilDate date) {
  return core::DaysFromCivil(date) * core::kMsPerDay - core::kShanghaiOffsetMs;
}

core::CivilDate DateOf(std::string_view text) {
  auto d = core::ParseDate(text, "date");
  return d.ok() ? *d : core::CivilDate{};
}

std::string CompoundVisible(const Caller& caller, Conditions& w) {
  std::string out;
  auto any = [&](const std::string& part) { out += (out.empty() ? "" : " OR ") + part; };
  if (IsStaff(caller)) {
    PathRange r = caller.Scope();
    std::string lo = w.Bind(r.lo);
    std::string hi = w.Bind(r.hi);
    any("(c.path >= " + lo + " AND c.path < " + hi + ")");
    any("EXISTS (SELECT 1 FROM building_governance vb JOIN org_node vn ON vn.id = vb.building_id "
        "WHERE vb.compound_id = c.id AND vn.path >= " +
        lo + " AND vn.path < " + hi + ")");
  }
  if (caller.role == Role::kUnitAdmin && caller.unit_id) {
    any("EXISTS (SELECT 1 FROM compound_governance vg WHERE vg.compound_id = c.id AND "
        "vg.property_unit_id = " +
        w.Bind(*caller.unit_id) + ")");
  }
  if (caller.resident_id) {
    any("EXISTS (SELECT 1 FROM committee_member vm WHERE vm.compound_id = c.id AND "
        "vm.resident_id = " +
        w.Bind(*caller.resident_id) + ")");
  }
  return out.empty() ? "(1 = 0)" : "(" + out + ")";
}

core::Result<CompoundRow> LoadCompound(store::Connection& conn, const Caller& caller, int64_t id) {
  Conditions w;
  w.And("c.id = " + w.Bind(id));
  w.And("c.kind = 'compound'");
  w.And(CompoundVisible(caller, w));
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query("SELECT c.id, c.code, c.name, c.path, c.parent_id FROM org_node c "
                                 "WHERE " +
                                     w.Sql(),
                                 w.params()));
  if (rows.empty()) return Error::NotFound("小区不存在");
  const store::Row& r = rows[0];
  return CompoundRow{r.Int("id"), r.Text("code"), r.Text("name"), r.Text("path"),
                     r.Int("parent_id")};
}

}  // namespace governance

namespace {

using core::Error;
using governance::CompoundRow;

std::optional<NamedRef> Ref(const store::Row& r, std::string_view id, std::string_view name) {
  if (r.IsNull(id)) return std::nullopt;
  return NamedRef{r.Int(id), r.Text(name)};
}

core::Result<std::optional<StandingEntry>> LatestStanding(store::Connection& conn,
                                                          int64_t compound_id);

core::Status LoadLinks(store::Connection& conn, const Caller& caller, CompoundGovernance& g) {
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn.Query("SELECT g.property_unit_id, u.name AS unit_name, g.committee_name, "
                 "g.committee_term_start, g.committee_term_end, g.committee_party_org_id, "
                 "p.name AS branch_name, g.version FROM compound_governance g LEFT JOIN unit u ON "
                 "u.id = g.property_unit_id LEFT JOIN party_org p ON p.id = "
                 "g.committee_party_org_id WHERE g.compound_id = $1",
                 {g.compound_id}));
  if (!rows.empty()) {
    const store::Row& r = rows[0];
    g.property_company = Ref(r, "property_unit_id", "unit_name");
    g.committee_name = r.Text("committee_name");
    if (auto s = r.OptText("committee_term_start")) g.term_start = governance::DateOf(*s);
    if (auto e = r.OptText("committee_term_end")) g.term_end = governance::DateOf(*e);
    g.committee_branch = Ref(r, "committee_party_org_id", "branch_name");
    g.version = r.Int("version");
  }
  CG_ASSIGN_OR_RETURN(rows, conn.Query("SELECT id, name, duty, resident_id FROM committee_member "
                                       "WHERE compound_id = $1 ORDER BY id",
                                       {g.compound_id}));
  for (const auto& r : rows) {
    g.members.push_back(CommitteeMember{r.Int("id"), r.Text("name"),
                                        ParseCommitteeDuty(r.Text("duty"), "duty").value(),
                                        r.OptInt("resident_id")});
  }
  CG_ASSIGN_OR_RETURN(rows, conn.Query("SELECT s.id, s.name FROM compound_steward cs JOIN staff s "
                                       "ON s.id = cs.staff_id WHERE cs.compound_id = $1 ORDER BY "
                                       "s.id",
                                       {g.compound_id}));
  for (const auto& r : rows) g.stewards.push_back(NamedRef{r.Int("id"), r.Text("name")});
  CG_ASSIGN_OR_RETURN(
      rows, conn.Query("SELECT b.id, b.name, b.parent_id, s.id AS chief_id, s.name AS chief_name "
                       "FROM building_governance bg JOIN org_node b ON b.id = bg.building_id LEFT "
                       "JOIN staff s ON s.id = bg.chief_staff_id WHERE bg.compound_id = $1 ORDER "
                       "BY b.id",
                       {g.compound_id}));
  for (const auto& r : rows) {
    g.buildings.push_back(BuildingLink{r.Int("id"), r.Text("name"), r.Int("parent_id"),
                                       Ref(r, "chief_id", "chief_name")});
  }
  CG_ASSIGN_OR_RETURN(g.latest, LatestStanding(conn, g.compound_id));
  (void)caller;
  return core::Ok();
}

core::Result<std::optional<StandingEntry>> LatestStanding(store::Connection& conn,
                                                          int64_t compound_id) {
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn.Query(
          "SELECT r.period_id, p.name, p.start_date, p.end_date, r.standing, r.score, "
          "r.groups_scored FROM ranking_result r JOIN ranking_period p ON p.id = "
          "r.period_id WHERE r.compound_id = $1 ORDER BY r.period_end DESC, r.period_id DESC "
          "LIMIT 1",
          {compound_id}));
  if (rows.empty()) return std::optional<StandingEntry>();
  const store::Row& r = rows[0];
  StandingEntry e;
  e.period_id = r.Int("period_id");
  e.period_name = r.Text("name");
  e.start = governance::DateOf(r.Text("start_date"));
  e.end = governance::DateOf(r.Text("end_date"));
  e.standing = ParseStanding(r.Text("standing"), "standing").value();
  if (!r.IsNull("score")) e.score = r.Real("score");
  e.groups_scored = r.Int("groups_scored");
  return std::optional<StandingEntry>(e);
}

core::Result<CompoundGovernance> Assemble(store::Connection& conn, const Caller& caller,
                                          const CompoundRow& c) {
  CompoundGovernance g;
  g.compound_id = c.id;
  g.code = c.code;
  g.name = c.name;
  g.community_id = c.community_id;
  g.editable = governance::CanEdit(caller, c);
  CG_TRY(LoadLinks(conn, caller, g));
  return g;
}

// Checks the references of an update; errors name the field.
core::Status CheckUpdate(store::Connection& conn, const Caller& caller, const CompoundRow& c,
                         const CompoundGovernanceUpdate& u, const GovernanceOptions& options) {
  if (u.property_unit_id) {
    CG_ASSIGN_OR_RETURN(int64_t n, conn.QueryInt("SELECT COUNT(*) FROM unit WHERE id = $1 AND "
                                                 "kind = 'property_company'",
                                                 {*u.property_unit_id}));
    if (n == 0) return Error::Invalid("property_unit_id", "物业公司不存在");
  }
  if (u.committee_branch_id) {
    CG_ASSIGN_OR_RETURN(store::Rows rows,
                        conn.Query("SELECT n.path FROM party_org p JOIN org_node n ON n.id = "
                                   "p.node_id WHERE p.id = $1",
                                   {*u.committee_branch_id}));
    bool ok = !rows.empty();
    if (ok) {
      const std::string& path = rows[0].Text(0);
      ok = caller.InScope(path) || c.path.starts_with(path);
    }
    if (!ok) return Error::Invalid("committee_branch_id", "党组织不存在或不在管辖范围内");
  }
  std::optional<core::CivilDate> start, end;
  if (u.term_start) {
    CG_ASSIGN_OR_RETURN(start, core::ParseDate(*u.term_start, "term_start"));
  }
  if (u.term_end) {
    CG_ASSIGN_OR_RETURN(end, core::ParseDate(*u.term_end, "term_end"));
  }
  if (!u.committee_name.empty()) CG_TRY(CleanName(u.committee_name, "committee_name", 60));
  if (start && end && core::DaysFromCivil(*end) < core::DaysFromCivil(*start)) {
    return Error::Invalid("term_end", "任期结束日期不能早于开始日期");
  }
  if (static_cast<int64_t>(u.members.size()) > options.max_members) {
    return Error::Invalid("members", "业委会成员过多");
  }
  PathRange scope = caller.Scope();
  for (size_t i = 0; i < u.members.size(); ++i) {
    std::string at = "members[" + std::to_string(i) + "]";
    CG_TRY(CleanName(u.members[i].name, at + ".name", 40));
    if (!u.members[i].resident_id) continue;
    CG_ASSIGN_OR_RETURN(int64_t n, conn.QueryInt("SELECT COUNT(*) FROM resident r JOIN org_node n "
                                                 "ON n.id = r.node_id WHERE r.id = $1 AND n.path "
                                                 ">= $2 AND n.path < $3",
                                                 {*u.members[i].resident_id, scope.lo, scope.hi}));
    if (n == 0) return Error::Invalid(at + ".resident_id", "居民不存在或不在管辖范围内");
  }
  if (static_cast<int64_t>(u.steward_ids.size()) > options.max_stewards) {
    return Error::Invalid("steward_ids", "红管家过多");
  }
  std::set<int64_t> seen;
  for (size_t i = 0; i < u.steward_ids.size(); ++i) {
    std::string at = "steward_ids[" + std::to_string(i) + "]";
    if (!seen.insert(u.steward_ids[i]).second) return Error::Invalid(at, "重复的红管家");
    CG_ASSIGN_OR_RETURN(int64_t n, conn.QueryInt("SELECT COUNT(*) FROM staff s JOIN org_node n ON "
                                                 "n.id = s.node_id WHERE s.id = $1 AND n.path >= "
                                                 "$2 AND n.path < $3",
                                                 {u.steward_ids[i], scope.lo, scope.hi}));
    if (n == 0) return Error::Invalid(at, "工作人员不存在或不在管辖范围内");
  }
  return core::Ok();
}

core::Status WriteLinks(store::Connection& conn, int64_t compound_id,
                        const CompoundGovernanceUpdate& u, int64_t now) {
  std::optional<std::string> start, end;
  if (u.term_start) start = core::FormatDate(*core::ParseDate(*u.term_start, "term_start"));
  if (u.term_end) end = core::FormatDate(*core::ParseDate(*u.term_end, "term_end"));
  CG_ASSIGN_OR_RETURN(std::string name, u.committee_name.empty()
                                            ? core::Result<std::string>(std::string())
                                            : CleanName(u.committee_name, "committee_name", 60));
  CG_ASSIGN_OR_RETURN(int64_t updated,
                      conn.Execute("UPDATE compound_governance SET property_unit_id = $2, "
                                   "committee_name = $3, committee_term_start = $4, "
                                   "committee_term_end = $5, committee_party_org_id = $6, version "
                                   "= version + 1, updated_at = $7 WHERE compound_id = $1",
                                   {compound_id, u.property_unit_id, name, start, end,
                                    u.committee_branch_id, now}));
  if (updated == 0) {
    CG_TRY(conn.Execute(
        "INSERT INTO compound_governance (compound_id, property_unit_id, "
        "committee_name, committee_term_start, committee_term_end, "
        "committee_party_org_id, version, updated_at) VALUES ($1, $2, $3, $4, $5, "
        "$6, 1, $7)",
        {compound_id, u.property_unit_id, name, start, end, u.committee_branch_id, now}));
  }
  CG_TRY(conn.Execute("DELETE FROM committee_member WHERE compound_id = $1", {compound_id}));
  for (const auto& m : u.members) {
    CG_TRY(
        conn.Execute("INSERT INTO committee_member (compound_id, name, duty, resident_id, "
                     "created_at) VALUES ($1, $2, $3, $4, $5)",
                     {compound_id, *CleanName(m.name, "name", 40), CommitteeDutyName(m.duty),
                      m.resident_id, now}));
  }
  CG_TRY(conn.Execute("DELETE FROM compound_steward WHERE compound_id = $1", {compound_id}));
  for (int64_t s : u.steward_ids) {
    CG_TRY(conn.Execute("INSERT INTO compound_steward (compound_id, staff_id) VALUES ($1, $2)",
                        {compound_id, s}));
  }
  return core::Ok();
}

}  // namespace

core::Result<CompoundGovernance> GovernanceService::Get(const Caller& caller, int64_t compound_id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn, store::TxMode::kRead));
  CG_ASSIGN_OR_RETURN(CompoundRow c, governance::LoadCompound(*conn, caller, compound_id));
  CG_ASSIGN_OR_RETURN(CompoundGovernance g, Assemble(*conn, caller, c));
  CG_TRY(tx.Commit());
  return g;
}

core::Result<PageOf<CompoundGovernance>> GovernanceService::List(const Caller& caller,
                                                                 const CompoundFilter& filter) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn, store::TxMode::kRead));
  Conditions w;
  w.And("c.kind = 'compound'");
  w.And("c.id > " + w.Bind(filter.page.after));
  w.And(governance::CompoundVisible(caller, w));
  if (filter.within) {
    // A `within` outside the caller's scope does not exist for them.
    CG_ASSIGN_OR_RETURN(PathRange r, WithinScope(*conn, caller, filter.within));
    w.And("c.path >= " + w.Bind(r.lo) + " AND c.path < " + w.Bind(r.hi));
  }
  if (filter.property_unit_id) {
    w.And(
        "EXISTS (SELECT 1 FROM compound_governance fg WHERE fg.compound_id = c.id AND "
        "fg.property_unit_id = " +
        w.Bind(*filter.property_unit_id) + ")");
  }
  std::string limit = w.Bind(filter.page.limit);
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query("SELECT c.id, c.code, c.name, c.path, c.parent_id FROM org_node "
                                  "c WHERE " +
                                      w.Sql() + " ORDER BY c.id LIMIT " + limit,
                                  w.params()));
  std::vector<CompoundGovernance> items;
  for (const auto& r : rows) {
    CompoundRow c{r.Int("id"), r.Text("code"), r.Text("name"), r.Text("path"), r.Int("parent_id")};
    CG_ASSIGN_OR_RETURN(CompoundGovernance g, Assemble(*conn, caller, c));
    items.push_back(std::move(g));
  }
  CG_TRY(tx.Commit());
  return FinishPage(
      std::move(items), filter.page, +[](const CompoundGovernance& g) { return g.compound_id; });
}

core::Result<CompoundGovernance> GovernanceService::Update(const Caller& caller,
                                                           int64_t compound_id,
                                                           const CompoundGovernanceUpdate& update) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(CompoundRow c, governance::LoadCompound(*conn, caller, compound_id));
  if (!governance::CanEdit(caller, c)) return Error::Forbidden("当前角色无权编辑小区治理信息");
  if (update.version) {
    CG_ASSIGN_OR_RETURN(store::Rows rows,
                        conn->Query("SELECT version FROM compound_governance WHERE compound_id = "
                                    "$1",
                                    {compound_id}));
    int64_t current = rows.empty() ? 0 : rows[0].Int(0);
    if (current != *update.version) return Error::Conflict("小区治理信息已被他人修改", "version");
  }
  CG_TRY(CheckUpdate(*conn, caller, c, update, options_));
  CG_TRY(WriteLinks(*conn, compound_id, update, clock_.NowMs()));
  CG_TRY(audit_.Append(*conn, caller, "governance.update", "org_node", compound_id,
                       update.committee_name));
  CG_ASSIGN_OR_RETURN(CompoundGovernance g, Assemble(*conn, caller, c));
  CG_TRY(tx.Commit());
  return g;
}

core::Result<BuildingLink> GovernanceService::SetBuilding(const Caller& caller, int64_t building_id,
                                                          std::optional<int64_t> compound_id,
                                                          std::optional<int64_t> chief_staff_id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(std::string kind, NodeKindInScope(*conn, caller, building_id));
  if (kind != "building") return Error::NotFound("楼栋不存在");
  if (!caller.Can(Permission::kOrgWrite)) return Error::Forbidden("当前角色无权编辑楼栋");
  CG_ASSIGN_OR_RETURN(store::Row b, conn->QueryOne("SELECT b.name, b.parent_id, g.parent_id AS "
                                                   "community_id FROM org_node b JOIN org_node g "
                                                   "ON g.id = b.parent_id WHERE b.id = $1",
                                                   {building_id}));
  if (compound_id) {
    auto c = governance::LoadCompound(*conn, caller, *compound_id);
    if (!c.ok() || !governance::CanEdit(caller, *c) || c->community_id != b.Int("community_id")) {
      return Error::Invalid("compound_id", "小区不存在，或与楼栋不在同一社区");
    }
  }
  std::optional<NamedRef> chief;
  if (chief_staff_id) {
    CG_ASSIGN_OR_RETURN(store::Rows rows,
                        conn->Query("SELECT name FROM staff WHERE id = $1 AND kind = "
                                    "'building_chief' AND node_id = $2",
                                    {*chief_staff_id, building_id}));
    if (rows.empty()) return Error::Invalid("chief_staff_id", "应为本楼栋的楼长");
    chief = NamedRef{*chief_staff_id, rows[0].Text(0)};
  }
  CG_TRY(conn->Execute("DELETE FROM building_governance WHERE building_id = $1", {building_id}));
  CG_TRY(
      conn->Execute("INSERT INTO building_governance (building_id, compound_id, chief_staff_id) "
                    "VALUES ($1, $2, $3)",
                    {building_id, compound_id, chief_staff_id}));
  CG_TRY(audit_.Append(*conn, caller, "governance.building", "org_node", building_id,
                       compound_id ? std::to_string(*compound_id) : ""));
  CG_TRY(tx.Commit());
  return BuildingLink{building_id, b.Text("name"), b.Int("parent_id"), chief};
}

core::Result<std::vector<StandingEntry>> GovernanceService::History(const Caller& caller,
                                                                    int64_t compound_id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn, store::TxMode::kRead));
  CG_TRY(governance::LoadCompound(*conn, caller, compound_id));
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query("SELECT r.period_id, p.name, p.start_date, p.end_date, r.standing, r.score, "
                  "r.groups_scored, r.pct_community, r.pct_owners_committee, "
                  "r.pct_property_company, r.pct_grid_workers FROM ranking_result r JOIN "
                  "ranking_period p ON p.id = r.period_id WHERE r.compound_id = $1 ORDER BY "
                  "r.period_end, r.period_id",
                  {compound_id}));
  std::vector<StandingEntry> out;
  constexpr std::array<std::string_view, kRaterGroups> kPct = {
      "pct_community", "pct_owners_committee", "pct_property_company", "pct_grid_workers"};
  for (const auto& r : rows) {
    StandingEntry e;
    e.period_id = r.Int("period_id");
    e.period_name = r.Text("name");
    e.start = governance::DateOf(r.Text("start_date"));
    e.end = governance::DateOf(r.Text("end_date"));
    e.standing = ParseStanding(r.Text("standing"), "standing").value();
    if (!r.IsNull("score")) e.score = r.Real("score");
    e.groups_scored = r.Int("groups_scored");
    for (size_t i = 0; i < kRaterGroups; ++i) {
      if (!r.IsNull(kPct[i])) e.percents[i] = r.Real(kPct[i]);
    }
    out.push_back(std::move(e));
  }
  CG_TRY(tx.Commit());
  return out;
}

core::Status GovernanceService::InsertLinks(store::Connection& conn, int64_t compound_id,
                                            std::optional<int64_t> property_unit_id,
                                            std::string_view committee_name,
                                            std::optional<core::CivilDate> term_start,
                                            std::optional<core::CivilDate> term_end) {
  std::optional<std::string> start, end;
  if (term_start) start = core::FormatDate(*term_start);
  if (term_end) end = core::FormatDate(*term_end);
  CG_TRY(
      conn.Execute("INSERT INTO compound_governance (compound_id, property_unit_id, "
                   "committee_name, committee_term_start, committee_term_end, version, "
                   "updated_at) VALUES ($1, $2, $3, $4, $5, 1, $6)",
                   {compound_id, property_unit_id, committee_name, start, end, clock_.NowMs()}));
  return core::Ok();
}

}  // namespace civicgrid::domain
