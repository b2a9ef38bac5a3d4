#include "app/demo/ticket_history.h"

#include <cstdio>
#include <map>
#include <queue>
#include <string>
#include <tuple>

#include "app/demo/history_script.h"
#include "app/progress.h"
#include "domain/timebank/ticket_credit.h"
#include "store/open.h"

namespace civicgrid::app::demo {
namespace {

using core::Error;
using domain::Caller;
using TT = domain::TicketEventType;

// The actors' accounts are created a month before the history starts.
constexpr int64_t kAccountsLead = 30 * core::kMsPerDay;

// Nobody logs in to the actors' accounts (their passwords are random and
// thrown away), so the cheapest argon2id cost is enough.
domain::AccountOptions ActorAccountOptions() {
  domain::AccountOptions options;
  options.password.ops_limit = 1;
  options.password.mem_limit = 8192;
  return options;
}

std::string Percent(const std::optional<double>& rate) {
  if (!rate) return "—";
  char text[16];
  std::snprintf(text, sizeof text, "%.1f%%", *rate * 100);
  return text;
}

// Plays the script through a TicketService on a fake clock.
class Runner {
 public:
  Runner(App& app, store::Db& db, const DemoPlan& plan, const PlanIds& ids, int64_t start)
      : app_(app),
        plan_(plan),
        ids_(ids),
        clock_(start - kAccountsLead),
        accounts_(db, clock_, app.audit(), ActorAccountOptions()),
        categories_(db, clock_, app.audit()),
        tickets_(db, clock_, app.audit(), app.cipher(), app.locator(), categories_),
        bank_(db, clock_, app.audit()),
        ticket_credit_(bank_) {
    // Members who claim board tickets and resolve them earn member points (爱心存折).
    tickets_.AddObserver(&ticket_credit_);
  }

  core::Result<std::vector<domain::Category>> Categories() {
    CG_ASSIGN_OR_RETURN(std::vector<domain::Category> all, categories_.List(false));
    for (const auto& c : all) category_ids_[c.code] = c.id;
    return all;
  }

  // Accounts for every actor of the script who acts before `end`.
  core::Status Actors(const std::vector<TicketScript>& script, int64_t end) {
    for (const TicketScript& t : script) {
      CG_TRY(Actor(t.submitter));
      for (const ScriptStep& s : t.steps) {
        if (s.at >= end) break;
        CG_TRY(Actor(s.actor));
        if (s.target) CG_TRY(Actor(*s.target));
      }
    }
    return core::Ok();
  }

  core::Status Play(const std::vector<TicketScript>& script, int64_t end, int64_t check_every_ms) {
    using Entry = std::tuple<int64_t, int, int>;  // at, ticket, step (-1: submit)
    std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue;
    int64_t total = 0;
    for (int i = 0; i < static_cast<int>(script.size()); ++i) {
      queue.emplace(script[i].created_at, i, -1);
      for (const ScriptStep& s : script[i].steps) total += s.at < end ? 1 : 0;
      total += script[i].created_at < end ? 1 : 0;
    }
    ticket_ids_.assign(script.size(), 0);
    Progress progress("生成工单历史");
    int64_t done = 0;
    int64_t next_check = script.empty() ? end : script.front().created_at + check_every_ms;
    while (!queue.empty()) {
      const auto [at, i, k] = queue.top();
      queue.pop();
      if (at >= end) break;
      for (; next_check <= at; next_check += check_every_ms) CG_TRY(CheckOverdue(next_check));
      clock_.Set(at);
      CG_TRY(Step(script, i, k));
      progress.Update(++done, total);
      const auto& steps = script[i].steps;
      if (k + 1 < static_cast<int>(steps.size())) queue.emplace(steps[k + 1].at, i, k + 1);
    }
    progress.Finish();
    return CheckOverdue(end);
  }

  int64_t accounts_created() const { return accounts_created_; }

 private:
  core::Status CheckOverdue(int64_t at) {
    clock_.Set(at);
    CG_ASSIGN_OR_RETURN(int64_t flagged, tickets_.CheckOverdue());
    (void)flagged;
    return core::Ok();
  }

  core::Status Step(const std::vector<TicketScript>& script, int i, int k) {
    const TicketScript& t = script[i];
    core::Status status = k < 0 ? Submit(t, i) : Act(t.steps[k], i);
    if (status.ok()) return status;
    const std::string what = k < 0 ? "submit" : std::string(TicketEventTypeName(t.steps[k].type));
    return Error{status.error().code,
                 "演示工单历史第 " + std::to_string(i + 1) + " 件的 " + what + " 步骤失败：" +
                     status.error().message,
                 status.error().field};
  }

  core::Status Submit(const TicketScript& t, int i) {
    domain::NewTicket n;
    n.kind = t.kind;
    n.channel = t.channel;
    n.category_id = category_ids_.at(t.category);
    n.title = t.title;
    n.description = t.description;
    n.address = t.address;
    n.anonymous = t.anonymous;
    const int community = plan_.grids[t.grid].community;
    const int64_t grid = ids_.grids[t.grid];
    if (t.community_only) {
      n.node_id = ids_.communities[community];
    } else if (t.node_only || !Locates(t.location, grid)) {
      n.node_id = grid;
    } else if (t.gcj02) {
      n.location = core::Wgs84ToGcj02(t.location);
      n.gcj02 = true;
    } else {
      n.location = t.location;
    }
    if (t.caller_resident >= 0) {
      const PlanResident& r = plan_.residents[t.caller_resident];
      n.contact_name = r.name;
      n.phone = r.phone;
    }
    CG_ASSIGN_OR_RETURN(Caller caller, Actor(t.submitter));
    CG_ASSIGN_OR_RETURN(domain::Ticket ticket, tickets_.Submit(caller, n));
    const int64_t expected = t.community_only ? ids_.communities[community] : grid;
    if (ticket.node_id != expected) {
      return Error::Internal("工单所在网格与计划不符: " + ticket.number);
    }
    ticket_ids_[i] = ticket.id;
    return core::Ok();
  }

  // The point lies in the grid for the locator, also after the GCJ-02 round
  // trip a phone's report makes.
  bool Locates(core::LonLat point, int64_t grid) const {
    const auto wgs = app_.locator().Locate(point, core::CoordSys::kWgs84);
    const auto gcj = app_.locator().Locate(core::Wgs84ToGcj02(point), core::CoordSys::kGcj02);
    return wgs == grid && gcj == grid;
  }

  core::Status Act(const ScriptStep& s, int i) {
    domain::TicketAction a;
    a.type = s.type;
    a.note = s.note;
    if (s.type == TT::kDispatch) {
      CG_ASSIGN_OR_RETURN(a.assignee, AssigneeOf(s));
    }
    for (int u : s.units) a.unit_ids.push_back(ids_.units[u]);
    if (s.unit >= 0) a.unit_id = ids_.units[s.unit];
    if (s.type == TT::kRate) a.rating = s.rating;
    if (!s.outcome.empty()) a.outcome = s.outcome;
    if (s.duplicate_of >= 0) a.duplicate_of = ticket_ids_[s.duplicate_of];
    CG_ASSIGN_OR_RETURN(Caller caller, Actor(s.actor));
    CG_TRY(tickets_.Act(caller, ticket_ids_[i], a));
    return core::Ok();
  }

  core::Result<domain::Assignee> AssigneeOf(const ScriptStep& s) {
    using domain::AssigneeKind;
    if (s.board || !s.target) return domain::Assignee{AssigneeKind::kBoard, 0, ""};
    switch (s.target->kind) {
      case ActorKind::kMember:
        return domain::Assignee{AssigneeKind::kMember, ids_.members[s.target->index], ""};
      case ActorKind::kUnit:
        return domain::Assignee{AssigneeKind::kUnit, ids_.units[s.target->index], ""};
      default:
        break;
    }
    CG_ASSIGN_OR_RETURN(Caller staff, Actor(*s.target));
    return domain::Assignee{AssigneeKind::kAccount, staff.account_id, ""};
  }

  // --- accounts --------------------------------------------------------------

  core::Result<Caller> Actor(const ActorRef& ref) {
    if (auto it = callers_.find(ref); it != callers_.end()) return it->second;
    std::string username = DemoUsername(ref);
    if (username.empty() || !accounts_.CallerForUsername(username).ok()) {
      domain::NewAccount account = AccountFor(ref);
      username = account.username;
      CG_ASSIGN_OR_RETURN(int64_t id, accounts_.CreateAccount(nullptr, account));
      (void)id;
      ++accounts_created_;
    }
    CG_ASSIGN_OR_RETURN(Caller caller, accounts_.CallerForUsername(username));
    caller.request_id = "demo";
    callers_.emplace(ref, caller);
    return caller;
  }

  // The demo account (admin, street1 … resident1) that plays this actor, if any.
  std::string DemoUsername(const ActorRef& ref) const {
    for (const PlanAccount& a : plan_.accounts) {
      const bool match = [&] {
        switch (ref.kind) {
          case ActorKind::kResident:
            return a.role == "resident" && a.resident == ref.index;
          case ActorKind::kGridWorker:
            return a.role == "grid_worker" && a.scope.kind == NodeKind::kGrid &&
                   a.scope.index == ref.index;
          case ActorKind::kSecretary:
            return a.role == "community_secretary" && a.scope.index == ref.index;
          case ActorKind::kCommunityWorker:
            return a.role == "community_worker" && a.scope.index == ref.index;
          case ActorKind::kStreet:
            return a.role == "street_admin" && a.scope.index == ref.index;
          case ActorKind::kMember:
            return a.role == "party_member" && a.party_member == ref.index;
          case ActorKind::kUnit:
            return a.role == "unit_admin" && a.unit == ref.index;
        }
        return false;
      }();
      if (match) return a.username;
    }
    return "";
  }

  domain::NewAccount AccountFor(const ActorRef& ref) const;
  std::string GridWorkerName(int grid) const;
  std::string CommunityWorkerName(int community, bool secretary) const;

  App& app_;
  const DemoPlan& plan_;
  const PlanIds& ids_;
  core::FakeClock clock_;
  domain::AccountService accounts_;
  domain::CategoryService categories_;
  domain::TicketService tickets_;
  domain::TimeBank bank_;
  domain::TicketCredit ticket_credit_;
  std::map<std::string, int64_t> category_ids_;
  std::map<ActorRef, Caller> callers_;
  std::vector<int64_t> ticket_ids_;
  int64_t accounts_created_ = 0;
};

domain::NewAccount Runner::AccountFor(const ActorRef& ref) const {
  using domain::Role;
  domain::NewAccount a;
  a.password = core::RandomToken(24);
  const int i = ref.index;
  switch (ref.kind) {
    case ActorKind::kResident: {
      a.username = "res-" + std::to_string(ids_.residents[i]);
      a.display_name = plan_.residents[i].name;
      a.role = Role::kResident;
      a.scope_node_id = ids_.communities[ResidentCommunity(plan_, i)];
      a.resident_id = ids_.residents[i];
      break;
    }
    case ActorKind::kGridWorker:
      a.username = "grid-" + plan_.grids[i].code;
      a.display_name = GridWorkerName(i);
      a.role = Role::kGridWorker;
      a.scope_node_id = ids_.grids[i];
      break;
    case ActorKind::kSecretary:
    case ActorKind::kCommunityWorker: {
      const bool secretary = ref.kind == ActorKind::kSecretary;
      a.username = (secretary ? "sec-" : "cw-") + plan_.communities[i].code;
      a.display_name = CommunityWorkerName(i, secretary);
      a.role = secretary ? Role::kCommunitySecretary : Role::kCommunityWorker;
      a.scope_node_id = ids_.communities[i];
      break;
    }
    case ActorKind::kStreet:
      a.username = "street-" + plan_.streets[i].code;
      a.display_name = plan_.streets[i].name + "管理员";
      a.role = Role::kStreetAdmin;
      a.scope_node_id = ids_.streets[i];
      break;
    case ActorKind::kMember: {
      const PlanPartyMember& m = plan_.party_members[i];
      a.username = "member-" + std::to_string(ids_.members[i]);
      a.display_name = plan_.residents[m.resident].name;
      a.role = Role::kPartyMember;
      a.scope_node_id = ids_.communities[m.community];
      a.party_member_id = ids_.members[i];
      a.resident_id = ids_.residents[m.resident];
      break;
    }
    case ActorKind::kUnit:
      a.username = "unit-" + plan_.units[i].credit_code;
      a.display_name = plan_.units[i].contact_name;
      a.role = Role::kUnitAdmin;
      a.scope_node_id = ids_.county;
      a.unit_id = ids_.units[i];
      break;
  }
  return a;
}

// The full-time worker of the grid, else its first part-time one.
std::string Runner::GridWorkerName(int grid) const {
  const PlanGridWorker* found = nullptr;
  for (const PlanGridWorker& w : plan_.grid_workers) {
    if (w.grids.front() != grid) continue;
    if (w.full_time) return w.name;
    if (found == nullptr) found = &w;
  }
  return found != nullptr ? found->name : plan_.grids[grid].name + "网格员";
}

// The community's secretary, or its first other worker; failing that (tiny
// plans), any worker there.
std::string Runner::CommunityWorkerName(int community, bool secretary) const {
  const PlanCommunityWorker* any = nullptr;
  for (const PlanCommunityWorker& w : plan_.community_workers) {
    if (w.community != community) continue;
    if (w.secretary == secretary) return w.name;
    if (any == nullptr) any = &w;
  }
  if (any != nullptr) return any->name;
  return plan_.communities[community].name + (secretary ? "书记" : "工作人员");
}

// A Db of its own for the history whose commits wait for no disk flush:
// SQLite with synchronous=NORMAL (WAL), PostgreSQL with synchronous_commit
// off. A crash could lose the last steps, never leave the database
// inconsistent; the rollup rebuild afterwards commits durably through the
// app's Db, which flushes everything written before it. A durable commit per
// step made a year of history take minutes instead of seconds (docs/demo.md).
core::Result<std::unique_ptr<store::Db>> OpenUnflushedDb(const store::Db& db) {
  store::DbOptions options;
  options.pool_size = 2;
  options.sqlite_sync = store::SqliteSync::kNormal;
  std::string url = db.url();
  if (db.backend() == store::Backend::kPostgres) {
    url += (url.find('?') == std::string::npos ? "?" : "&");
    url += "options=-csynchronous_commit%3Doff";
  }
  return store::OpenDb(url, options);
}

core::Result<TicketHistoryReport> Summarize(App& app, const PlanIds& ids, int64_t start,
                                            int64_t end, int64_t accounts) {
  TicketHistoryReport report;
  report.accounts = accounts;
  CG_ASSIGN_OR_RETURN(auto conn, app.db().Acquire());
  CG_ASSIGN_OR_RETURN(report.tickets, conn->QueryInt("SELECT COUNT(*) FROM ticket"));
  CG_ASSIGN_OR_RETURN(report.events, conn->QueryInt("SELECT COUNT(*) FROM ticket_event"));
  CG_ASSIGN_OR_RETURN(report.open, conn->QueryInt("SELECT COUNT(*) FROM ticket WHERE state NOT IN "
                                                  "('resolved', 'closed', 'rejected')"));
  CG_ASSIGN_OR_RETURN(
      store::Row reports,
      conn->QueryOne(
          "SELECT COUNT(*), COALESCE(SUM(CASE WHEN (t.resolved_at IS NOT NULL AND t.state IN "
          "('resolved', 'closed')) OR (o.resolved_at IS NOT NULL AND o.state IN ('resolved', "
          "'closed')) THEN 1 ELSE 0 END), 0) FROM ticket t LEFT JOIN ticket o ON o.id = "
          "t.duplicate_of WHERE t.kind = 'report' AND t.channel = 'h5'"));
  report.reports = reports.Int(0);
  report.reports_solved = reports.Int(1);
  Caller admin;
  admin.role = domain::Role::kCountyAdmin;
  admin.scope_node_id = ids.county;
  admin.scope_path = "/" + std::to_string(ids.county) + "/";
  admin.request_id = "demo";
  CG_ASSIGN_OR_RETURN(report.county, app.stats().Rates(admin, ids.county, core::ShanghaiDate(start),
                                                       core::ShanghaiDate(end - 1)));
  return report;
}

}  // namespace

core::Result<TicketHistoryReport> LoadTicketHistory(App& app, const DemoPlan& plan,
                                                    const PlanIds& ids,
                                                    const TicketHistoryOptions& options) {
  if (options.days <= 0) return TicketHistoryReport{};
  // The summary reads the rates over the span, which touches days + 1 calendar
  // days unless it ends at midnight: refuse up front what TicketStats would
  // refuse only after the whole history was written.
  const int64_t max_days = app.stats().options().max_period_days - 1;
  if (options.days > max_days) {
    return Error::Invalid("ticket_history_days", "历史天数应为 0–" + std::to_string(max_days));
  }
  if (options.overdue_check_minutes < 1) {
    return Error::Invalid("overdue_check_minutes", "督办检查间隔至少 1 分钟");
  }
  const int64_t end = options.end_ms.value_or(app.clock().NowMs());
  const int64_t start = end - options.days * core::kMsPerDay;
  CG_ASSIGN_OR_RETURN(std::unique_ptr<store::Db> db, OpenUnflushedDb(app.db()));
  Runner runner(app, *db, plan, ids, start);
  CG_ASSIGN_OR_RETURN(std::vector<domain::Category> categories, runner.Categories());
  HistoryScriptOptions script_options;
  script_options.seed = options.seed;
  script_options.start_ms = start;
  script_options.end_ms = end;
  const std::vector<TicketScript> script = MakeHistoryScript(plan, categories, script_options);
  CG_TRY(runner.Actors(script, end));
  CG_TRY(runner.Play(script, end, options.overdue_check_minutes * core::kMsPerMinute));
  CG_TRY(app.stats().Rebuild());
  CG_ASSIGN_OR_RETURN(TicketHistoryReport report,
                      Summarize(app, ids, start, end, runner.accounts_created()));
  const domain::RateSet& r = report.county->rates;
  std::fprintf(stderr,
               "工单历史已生成：近 %d 天 %lld 件工单（随手拍 %lld 件，已解决 %lld 件）、%lld "
               "条处置记录（%lld 件在办）；响应率 %s，办结率 %s，满意率 %s\n",
               options.days, static_cast<long long>(report.tickets),
               static_cast<long long>(report.reports),
               static_cast<long long>(report.reports_solved), static_cast<long long>(report.events),
               static_cast<long long>(report.open), Percent(r.response_rate).c_str(),
               Percent(r.resolution_rate).c_str(), Percent(r.satisfaction_rate).c_str());
  return report;
}

}  // namespace civicgrid::app::demo
