#include "app/demo/demo_loader.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "app/demo/care_demo.h"
#include "app/demo/coverage_demo.h"
#include "app/demo/deliberation_demo.h"
#include "app/demo/duty_demo.h"
#include "app/demo/governance_demo.h"
#include "app/demo/partylife_demo.h"
#include "app/demo/ticket_history.h"
#include "app/demo/visits_demo.h"
#include "app/progress.h"
#include "domain/tickets/open311_keys.h"

namespace civicgrid::app::demo {
namespace {

using domain::Caller;

struct Ids {
  int64_t county = 0;
  std::vector<int64_t> streets, communities, grids, buildings, compounds, back_streets;
  std::vector<int64_t> party_orgs, units, households, residents, members, grid_workers;
  std::vector<int64_t> community_workers;

  int64_t Node(NodeRef ref) const {
    switch (ref.kind) {
      case NodeKind::kCounty:
        return county;
      case NodeKind::kStreet:
        return streets.at(ref.index);
      case NodeKind::kCommunity:
        return communities.at(ref.index);
      case NodeKind::kGrid:
        return grids.at(ref.index);
      case NodeKind::kBuilding:
        return buildings.at(ref.index);
      case NodeKind::kCompound:
        return compounds.at(ref.index);
      case NodeKind::kBackStreet:
        return back_streets.at(ref.index);
    }
    return county;
  }
};

core::MultiPolygon AsMulti(const core::Polygon& p) { return core::MultiPolygon{p}; }

class Loader {
 public:
  Loader(App& app, store::Connection& conn, const DemoPlan& plan)
      : app_(app), conn_(conn), plan_(plan), progress_("生成演示数据") {}

  core::Status Run(Caller& admin) {
    CG_TRY(Tree());
    admin.scope_node_id = ids_.county;
    admin.scope_path = "/" + std::to_string(ids_.county) + "/";
    CG_TRY(Units(admin));
    CG_TRY(Party(admin));
    CG_TRY(Centers(admin));
    CG_TRY(People(admin));
    CG_TRY(Staff(admin));
    progress_.Finish();
    return core::Ok();
  }
  const Ids& ids() const { return ids_; }

 private:
  core::Result<int64_t> Node(std::optional<int64_t> parent, domain::OrgKind kind,
                             const std::string& code, const std::string& name,
                             const core::MultiPolygon* boundary) {
    domain::NewOrgNode node{parent, kind, code, name, std::nullopt};
    if (boundary != nullptr) node.geometry = core::GeometryToGeoJson(*boundary);
    CG_ASSIGN_OR_RETURN(domain::OrgNode created, app_.tree().InsertNode(conn_, node));
    return created.id;
  }

  core::Status Tree() {
    using domain::OrgKind;
    CG_ASSIGN_OR_RETURN(ids_.county, Node(std::nullopt, OrgKind::kCounty, plan_.county.code,
                                          plan_.county.name, nullptr));
    for (const auto& s : plan_.streets) {
      CG_ASSIGN_OR_RETURN(int64_t id,
                          Node(ids_.county, OrgKind::kStreet, s.code, s.name, &s.boundary));
      ids_.streets.push_back(id);
    }
    for (const auto& c : plan_.communities) {
      CG_ASSIGN_OR_RETURN(int64_t id, Node(ids_.streets[c.street], OrgKind::kCommunity, c.code,
                                           c.name, &c.boundary));
      ids_.communities.push_back(id);
    }
    for (const auto& g : plan_.grids) {
      core::MultiPolygon boundary = AsMulti(g.boundary);
      CG_ASSIGN_OR_RETURN(int64_t id, Node(ids_.communities[g.community], OrgKind::kGrid, g.code,
                                           g.name, &boundary));
      ids_.grids.push_back(id);
    }
    for (const auto& c : plan_.compounds) {
      CG_ASSIGN_OR_RETURN(int64_t id, Node(ids_.communities[c.community], OrgKind::kCompound,
                                           c.code, c.name, &c.boundary));
      ids_.compounds.push_back(id);
    }
    for (const auto& b : plan_.back_streets) {
      CG_ASSIGN_OR_RETURN(int64_t id, Node(ids_.communities[b.community], OrgKind::kBackStreet,
                                           b.code, b.name, nullptr));
      ids_.back_streets.push_back(id);
    }
    for (const auto& b : plan_.buildings) {
      CG_ASSIGN_OR_RETURN(int64_t id,
                          Node(ids_.grids[b.grid], OrgKind::kBuilding, b.code, b.name, nullptr));
      ids_.buildings.push_back(id);
    }
    return core::Ok();
  }

  core::Status Units(const Caller& admin) {
    for (const auto& u : plan_.units) {
      CG_ASSIGN_OR_RETURN(auto kind, domain::ParseUnitKind(UnitKindName(u.kind), "kind"));
      CG_ASSIGN_OR_RETURN(
          int64_t id, app_.units().Insert(conn_, admin,
                                          domain::NewUnit{ids_.county, kind, u.name, u.credit_code,
                                                          u.address, u.contact_name},
                                          "units"));
      ids_.units.push_back(id);
    }
    for (const auto& p : plan_.pairings) {
      CG_ASSIGN_OR_RETURN(auto n, conn_.Execute("INSERT INTO unit_pairing (unit_id, node_id, "
                                                "since, created_at) VALUES ($1, $2, $3, $4)",
                                                {ids_.units[p.unit], ids_.Node(p.target),
                                                 "2023-03-01", app_.clock().NowMs()}));
      (void)n;
    }
    return core::Ok();
  }

  core::Status Party(const Caller& admin) {
    for (const auto& o : plan_.party_orgs) {
      CG_ASSIGN_OR_RETURN(auto kind, domain::ParsePartyOrgKind(PartyOrgKindName(o.kind), "kind"));
      std::optional<int64_t> parent;
      if (o.parent >= 0) parent = ids_.party_orgs[o.parent];
      CG_ASSIGN_OR_RETURN(
          int64_t id,
          app_.party().InsertOrg(conn_, admin,
                                 domain::NewPartyOrg{ids_.Node(o.node), parent, kind, o.name}));
      ids_.party_orgs.push_back(id);
    }
    return core::Ok();
  }

  core::Status Centers(const Caller& admin) {
    for (const auto& c : plan_.service_centers) {
      CG_ASSIGN_OR_RETURN(int64_t id,
                          app_.service_centers().Insert(
                              conn_, admin,
                              domain::NewServiceCenter{ids_.communities[c.community], c.name,
                                                       c.floor_area_m2, c.location, c.facilities}));
      (void)id;
    }
    return core::Ok();
  }

  core::Status People(const Caller& admin) {
    auto& residents = app_.residents();
    for (const auto& h : plan_.households) {
      CG_ASSIGN_OR_RETURN(int64_t id,
                          residents.Household(conn_, ids_.buildings[h.building], h.room));
      ids_.households.push_back(id);
    }
    int64_t total = static_cast<int64_t>(plan_.residents.size() + plan_.party_members.size());
    int64_t done = 0;
    for (const auto& r : plan_.residents) {
      const PlanHousehold& h = plan_.households[r.household];
      std::vector<std::string> flags;
      if (r.elder_alone) flags.emplace_back("elder_alone");
      if (r.disabled) flags.emplace_back("disabled");
      if (r.low_income) flags.emplace_back("low_income");
      if (r.veteran) flags.emplace_back("veteran");
      CG_ASSIGN_OR_RETURN(int64_t bits, domain::ParseResidentFlags(flags, "flags"));
      CG_ASSIGN_OR_RETURN(
          domain::ResidentRecord rec,
          residents.Validate(domain::NewResident{ids_.buildings[h.building], h.room, r.name,
                                                 r.id_number, r.phone, bits},
                             "residents"));
      CG_ASSIGN_OR_RETURN(
          int64_t id, residents.InsertRow(conn_, rec, ids_.households[r.household], "residents"));
      ids_.residents.push_back(id);
      progress_.Update(++done, total);
    }
    for (const auto& m : plan_.party_members) {
      const PlanResident& r = plan_.residents[m.resident];
      std::optional<int64_t> unit, residence;
      std::optional<std::string> registered_on;
      if (m.unit >= 0) unit = ids_.units[m.unit];
      if (m.registered_on) {
        residence = ids_.communities[m.community];
        registered_on = core::FormatDate(*m.registered_on);
      }
      domain::NewPartyMember member{
          r.name,        r.id_number, r.phone, ids_.party_orgs[m.party_org], unit, residence,
          registered_on, m.skills,    m.mobile};
      CG_ASSIGN_OR_RETURN(auto rec, app_.party().Validate(member, "party_members"));
      CG_ASSIGN_OR_RETURN(int64_t id, app_.party().Insert(conn_, admin, rec, "party_members"));
      ids_.members.push_back(id);
      progress_.Update(++done, total);
    }
    return core::Ok();
  }

  core::Status Staff(const Caller& admin) {
    using domain::Employment;
    using domain::StaffKind;
    for (const auto& g : plan_.grid_workers) {
      std::vector<int64_t> grids;
      for (int i : g.grids) grids.push_back(ids_.grids[i]);
      CG_ASSIGN_OR_RETURN(
          int64_t id,
          app_.staff().Insert(
              conn_, admin,
              domain::NewStaff{StaffKind::kGridWorker,
                               g.full_time ? Employment::kFullTime : Employment::kPartTime,
                               ids_.communities[g.community], g.name, g.phone, std::nullopt, grids},
              "grid_workers"));
      ids_.grid_workers.push_back(id);
    }
    for (const auto& w : plan_.community_workers) {
      CG_ASSIGN_OR_RETURN(int64_t id,
                          app_.staff().Insert(conn_, admin,
                                              domain::NewStaff{StaffKind::kCommunityWorker,
                                                               Employment::kNone,
                                                               ids_.communities[w.community],
                                                               w.name,
                                                               w.phone,
                                                               std::nullopt,
                                                               {}},
                                              "community_workers"));
      ids_.community_workers.push_back(id);
    }
    for (const auto& c : plan_.chiefs) {
      const PlanResident& r = plan_.residents[c.resident];
      StaffKind kind =
          c.node.kind == NodeKind::kBuilding ? StaffKind::kBuildingChief : StaffKind::kStreetChief;
      CG_ASSIGN_OR_RETURN(int64_t id,
                          app_.staff().Insert(conn_, admin,
                                              domain::NewStaff{kind,
                                                               Employment::kNone,
                                                               ids_.Node(c.node),
                                                               r.name,
                                                               r.phone,
                                                               ids_.residents[c.resident],
                                                               {}},
                                              "chiefs"));
      (void)id;
    }
    return core::Ok();
  }

  App& app_;
  store::Connection& conn_;
  const DemoPlan& plan_;
  Ids ids_;
  Progress progress_;
};

core::Status CreateAccounts(App& app, const DemoPlan& plan, const Ids& ids) {
  for (const PlanAccount& a : plan.accounts) {
    CG_ASSIGN_OR_RETURN(domain::Role role, domain::ParseRole(a.role, "role"));
    domain::NewAccount account{a.username,        a.display_name, kDemoPassword, role,
                               ids.Node(a.scope), std::nullopt,   std::nullopt,  std::nullopt};
    if (a.unit >= 0) account.unit_id = ids.units[a.unit];
    if (a.party_member >= 0) account.party_member_id = ids.members[a.party_member];
    if (a.resident >= 0) account.resident_id = ids.residents[a.resident];
    CG_ASSIGN_OR_RETURN(int64_t id, app.accounts().CreateAccount(nullptr, account));
    (void)id;
  }
  return core::Ok();
}

// The demo county's Open311 key (README): FixMyStreet-style clients can file
// and comment with api_key civicgrid-demo-open311, jurisdiction_id 131022.
core::Status CreateDemoOpen311Key(App& app, int64_t county) {
  domain::Open311Directory directory(app.db(), app.clock(), app.accounts(), app.audit(),
                                     app.tickets());
  domain::NewOpen311Key key{"演示 Open311 对接", county, std::string(domain::kDemoOpen311Key)};
  CG_ASSIGN_OR_RETURN(domain::CreatedOpen311Key created, directory.CreateKey(nullptr, key));
  (void)created;
  return core::Ok();
}

// Teams, recurring activities and a few requests (duty_demo.h), as the demo's county admin.
core::Status LoadDuty(App& app, const DemoPlan& plan, const std::vector<int64_t>& communities) {
  for (const PlanAccount& a : plan.accounts) {
    if (a.role != "county_admin") continue;
    const auto started = std::chrono::steady_clock::now();
    CG_ASSIGN_OR_RETURN(Caller admin, app.CallerFor(a.username));
    CG_ASSIGN_OR_RETURN(DutyDemoReport duty, LoadDutyDemo(app, admin, communities));
    std::fprintf(stderr,
                 "志愿服务：%lld 支服务队，%lld 场活动，%lld 份待确认的报到申请（%.1f 秒）\n",
                 static_cast<long long>(duty.teams), static_cast<long long>(duty.activities),
                 static_cast<long long>(duty.requests),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    return core::Ok();
  }
  return core::Ok();
}

// A year of past activities, approved hours and redemptions (duty_demo.h).
core::Status LoadDutyYear(App& app, const DemoPlan& plan, const std::vector<int64_t>& communities,
                          uint64_t seed, int64_t end_ms) {
  for (const PlanAccount& a : plan.accounts) {
    if (a.role != "county_admin") continue;
    const auto started = std::chrono::steady_clock::now();
    CG_ASSIGN_OR_RETURN(Caller admin, app.CallerFor(a.username));
    CG_ASSIGN_OR_RETURN(DutyHistoryReport year,
                        LoadDutyHistory(app, admin, communities, seed, end_ms));
    std::fprintf(stderr,
                 "志愿服务历史：近一年 %lld 场活动，%lld 人次报名，%lld 人次核定时长入账，%lld "
                 "笔兑换（%.1f 秒）\n",
                 static_cast<long long>(year.activities), static_cast<long long>(year.signups),
                 static_cast<long long>(year.approved), static_cast<long long>(year.redemptions),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    return core::Ok();
  }
  return core::Ok();
}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

core::Result<DemoLoadReport> LoadDemo(App& app, const DemoLoadOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  DemoLoadReport report;
  {
    CG_ASSIGN_OR_RETURN(auto conn, app.db().Acquire());
    CG_ASSIGN_OR_RETURN(int64_t nodes, conn->QueryInt("SELECT COUNT(*) FROM org_node"));
    if (nodes > 0) {
      if (options.if_empty) {
        report.skipped = true;
        return report;
      }
      return core::Error::Conflict(
          "数据库已有组织数据；演示数据只能装入空库（或加 --if-empty 跳过）", "db");
    }
  }
  CG_ASSIGN_OR_RETURN(DemoPlan plan, MakePlan(DemoOptions{options.profile, options.seed,
                                                          options.population_scale}));
  Ids ids;
  {
    CG_ASSIGN_OR_RETURN(auto conn, app.db().Acquire());
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
    // The demo loads as a county admin of the county it is about to create.
    Caller admin;
    admin.username = "demo";
    admin.role = domain::Role::kCountyAdmin;
    admin.request_id = "demo";
    Loader loader(app, *conn, plan);
    CG_TRY(loader.Run(admin));
    CG_TRY(tx.Commit());
    ids = loader.ids();
  }
  CG_TRY(CreateAccounts(app, plan, ids));
  CG_TRY(CreateDemoOpen311Key(app, ids.county));
  CG_TRY(app.locator().Reload());
  CG_TRY(LoadDuty(app, plan, ids.communities));
  report.nodes =
      static_cast<int64_t>(1 + ids.streets.size() + ids.communities.size() + ids.grids.size() +
                           ids.buildings.size() + ids.compounds.size() + ids.back_streets.size());
  report.residents = static_cast<int64_t>(ids.residents.size());
  report.party_members = static_cast<int64_t>(ids.members.size());
  report.staff = static_cast<int64_t>(ids.grid_workers.size() + ids.community_workers.size());
  report.units = static_cast<int64_t>(ids.units.size());
  std::fprintf(
      stderr,
      "演示县已生成：%lld 个组织节点，%lld 名居民，%lld 名党员，%lld 名网格员和社区工作者，"
      "%lld 个驻区单位\n",
      static_cast<long long>(report.nodes), static_cast<long long>(report.residents),
      static_cast<long long>(report.party_members), static_cast<long long>(report.staff),
      static_cast<long long>(report.units));
  report.county_seconds = SecondsSince(started);
  // About a year of tickets, so that the rates and rankings mean something.
  const auto history_started = std::chrono::steady_clock::now();
  CG_ASSIGN_OR_RETURN(
      TicketHistoryReport history,
      LoadTicketHistory(app, plan,
                        PlanIds{ids.county, ids.streets, ids.communities, ids.grids, ids.units,
                                ids.residents, ids.members},
                        TicketHistoryOptions{options.seed, options.ticket_history_days,
                                             options.ticket_history_end_ms}));
  report.tickets = history.tickets;
  report.history_seconds = SecondsSince(history_started);
  // Compound governance and four published quarters of red, yellow and black lists.
  const auto governance_started = std::chrono::steady_clock::now();
  CG_ASSIGN_OR_RETURN(
      GovernanceDemoReport governance,
      LoadGovernanceDemo(
          app, plan,
          GovernanceDemoIds{ids.county, ids.communities, ids.compounds, ids.buildings, ids.units},
          options.seed, options.ticket_history_end_ms.value_or(app.clock().NowMs())));
  std::fprintf(
      stderr,
      "小区治理：%lld 个小区已关联物业与业委会，%lld 期红黄黑榜（%lld 份评分表），%.1f 秒\n",
      static_cast<long long>(governance.compounds_linked),
      static_cast<long long>(governance.periods), static_cast<long long>(governance.sheets),
      SecondsSince(governance_started));
  // A year of branch meetings, dues and the month's 黄橙红 warnings.
  const auto partylife_started = std::chrono::steady_clock::now();
  CG_ASSIGN_OR_RETURN(
      PartyLifeDemoReport partylife,
      LoadPartyLifeDemo(app, options.seed,
                        options.ticket_history_end_ms.value_or(app.clock().NowMs())));
  std::fprintf(stderr, "党组织生活：%lld 次支部会议，%lld 条出席记录，%lld 名党员有预警，%.1f 秒\n",
               static_cast<long long>(partylife.meetings),
               static_cast<long long>(partylife.attendance),
               static_cast<long long>(partylife.warnings), SecondsSince(partylife_started));
  // 民情台账: the last weeks of household visits.
  const auto visits_started = std::chrono::steady_clock::now();
  CG_ASSIGN_OR_RETURN(VisitsDemoReport visits,
                      LoadVisitsDemo(app, options.seed,
                                     options.ticket_history_end_ms.value_or(app.clock().NowMs())));
  std::fprintf(stderr, "民情台账：%lld 户，%lld 次走访，%.1f 秒\n",
               static_cast<long long>(visits.households), static_cast<long long>(visits.visits),
               SecondsSince(visits_started));
  // Building positions for the 15-minute circle, this year's funds with some spendings.
  const auto coverage_started = std::chrono::steady_clock::now();
  CG_ASSIGN_OR_RETURN(
      CoverageDemoReport coverage,
      LoadCoverageDemo(app, plan, ids.buildings, ids.communities, options.seed,
                       options.ticket_history_end_ms.value_or(app.clock().NowMs())));
  std::fprintf(stderr, "服务圈与经费：%lld 栋楼已定位，%lld 笔年度拨付，%lld 笔支出（%.1f 秒）\n",
               static_cast<long long>(coverage.placed_buildings),
               static_cast<long long>(coverage.allocations),
               static_cast<long long>(coverage.spendings), SecondsSince(coverage_started));
  CG_TRY(LoadDutyYear(app, plan, ids.communities, options.seed,
                      options.ticket_history_end_ms.value_or(app.clock().NowMs())));
  // 云监护: elders with a year of meter data and a few incidents now (only
  // when the history ends now: its alerts are the clock's present).
  for (const PlanAccount& a : plan.accounts) {
    if (a.role != "county_admin" || options.ticket_history_end_ms) continue;
    const auto care_started = std::chrono::steady_clock::now();
    CG_ASSIGN_OR_RETURN(Caller admin, app.CallerFor(a.username));
    CG_ASSIGN_OR_RETURN(CareDemoReport care,
                        LoadCareDemo(app, admin, options.seed, app.clock().NowMs(),
                                     std::clamp<int64_t>(options.ticket_history_days, 35, 366)));
    std::fprintf(stderr, "云监护：%lld 位独居老人，%lld 条表计读数，%lld 条当前预警（%.1f 秒）\n",
                 static_cast<long long>(care.subjects), static_cast<long long>(care.readings),
                 static_cast<long long>(care.alerts), SecondsSince(care_started));
    break;
  }
  // 逢四说事 in every community: a year of meetings, minutes and decisions.
  const auto deliberation_started = std::chrono::steady_clock::now();
  CG_ASSIGN_OR_RETURN(
      DeliberationDemoReport deliberation,
      LoadDeliberationDemo(app, ids.communities, options.seed,
                           options.ticket_history_end_ms.value_or(app.clock().NowMs())));
  std::fprintf(stderr, "议事协商：%lld 个逢四说事系列，%lld 场会议，%lld 项决定，%.1f 秒\n",
               static_cast<long long>(deliberation.series),
               static_cast<long long>(deliberation.meetings),
               static_cast<long long>(deliberation.decisions), SecondsSince(deliberation_started));
  std::fprintf(stderr,
               "演示数据用时 %.1f 秒（县与人口 %.1f 秒，%lld 名居民；工单历史 %.1f 秒，%lld "
               "件工单）\n",
               report.county_seconds + report.history_seconds, report.county_seconds,
               static_cast<long long>(report.residents), report.history_seconds,
               static_cast<long long>(report.tickets));
  return report;
}

void PrintDemoAccounts(App& app) {
  auto conn = app.db().Acquire();
  if (!conn.ok()) return;
  auto rows = (*conn)->Query(
      "SELECT a.username, a.role, CASE WHEN n.kind IN ('grid', 'building') THEN p.name || ' ' || "
      "n.name ELSE n.name END FROM account a JOIN org_node n ON n.id = a.scope_node_id LEFT JOIN "
      "org_node p ON p.id = n.parent_id WHERE a.username IN ('admin', 'street1', 'secretary1', "
      "'worker1', 'grid1', 'grid2', "
      "'unit1', 'member1', 'resident1') ORDER BY a.id");
  if (!rows.ok() || rows->empty()) return;
  std::fprintf(stderr, "\n演示账号（密码均为 %s）：\n", kDemoPassword);
  for (const auto& r : *rows) {
    std::fprintf(stderr, "  %-12s %-20s %s\n", r.Text(0).c_str(), r.Text(1).c_str(),
                 r.Text(2).c_str());
  }
  std::fprintf(stderr, "\n");
}

}  // namespace civicgrid::app::demo
