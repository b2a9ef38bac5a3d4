// The demo's ticket history. Its script alone: a function of plan, seed and
// span, steps in time order, duplicates after their originals, places inside
// their grids. Loaded into a small demo county on both backends: every
// ticket's events replay to its state through the state machine, every located
// ticket lies in its grid, every kind of ticket and step occurs, the rates of
// settled days land where the seed documents put them and streets rank apart,
// and the same seed loads the same history.
#include "app/demo/ticket_history.h"

#include <gtest/gtest.h>

#include <boost/geometry.hpp>
#include <boost/json.hpp>

#include <filesystem>
#include <map>
#include <set>

#include "app/demo/demo_loader.h"
#include "app/demo/history_script.h"
#include "store/testing/test_db.h"

namespace civicgrid::app::demo {
namespace {

namespace json = boost::json;
using domain::TicketEventType;

// The history ends on 2025-07-01 10:00 Beijing time, whatever day the test
// runs.
const int64_t kEnd = core::DaysFromCivil({2025, 7, 1}) * core::kMsPerDay - core::kShanghaiOffsetMs +
                     10 * core::kMsPerHour;

struct Loaded {
  std::unique_ptr<store::testing::TestDatabase> db;
  std::unique_ptr<App> app;
  std::string dir;
  bool skipped = false;

  ~Loaded() {
    app.reset();
    if (!dir.empty()) std::filesystem::remove_all(dir);
  }
};

// A fresh database with a small demo county (two residents per grid) and
// `days` of ticket history ending at kEnd.
std::unique_ptr<Loaded> LoadSmallDemo(store::Backend backend, uint64_t seed, int days) {
  auto loaded = std::make_unique<Loaded>();
  loaded->db = store::testing::TestDatabase::Create(backend, {}, &loaded->skipped);
  if (loaded->skipped || loaded->db == nullptr) return loaded;
  loaded->dir =
      (std::filesystem::temp_directory_path() / ("cg-history-" + core::RandomToken(6))).string();
  AppOptions options;
  options.db_url = loaded->db->url();
  options.key_file = loaded->dir + "/pii.key";
  options.attachments_dir = loaded->dir + "/attachments";
  options.pool_size = 4;
  options.password.ops_limit = 1;
  options.password.mem_limit = 8192;
  auto app = App::Open(options);
  EXPECT_TRUE(app.ok()) << app.error().message;
  if (!app.ok()) return loaded;
  loaded->app = std::move(app).value();
  DemoLoadOptions demo;
  demo.seed = seed;
  demo.population_scale = 0.003;  // about 660 residents
  demo.ticket_history_days = days;
  demo.ticket_history_end_ms = kEnd;
  auto report = LoadDemo(*loaded->app, demo);
  EXPECT_TRUE(report.ok()) << report.error().message;
  if (!report.ok()) loaded->app.reset();
  return loaded;
}

#define LOAD_OR_SKIP(var, seed, days)                     \
  auto var = LoadSmallDemo(GetParam(), seed, days);       \
  if (var->skipped) GTEST_SKIP() << "PostgreSQL skipped"; \
  ASSERT_NE(var->app, nullptr)

int64_t Count(App& app, const std::string& sql) {
  auto conn = app.db().Acquire();
  EXPECT_TRUE(conn.ok());
  auto n = (*conn)->QueryInt(sql);
  EXPECT_TRUE(n.ok()) << sql << ": " << (n.ok() ? "" : n.error().message);
  return n.ok() ? *n : -1;
}

store::Rows Query(App& app, const std::string& sql) {
  auto conn = app.db().Acquire();
  EXPECT_TRUE(conn.ok());
  auto rows = (*conn)->Query(sql);
  EXPECT_TRUE(rows.ok()) << sql << ": " << (rows.ok() ? "" : rows.error().message);
  return rows.ok() ? *rows : store::Rows{};
}

domain::Caller CountyAdmin(App& app) {
  auto caller = app.CallerFor("admin");
  EXPECT_TRUE(caller.ok());
  return caller.ok() ? *caller : domain::Caller{};
}

class TicketHistoryTest : public ::testing::TestWithParam<store::Backend> {};

// Every ticket's events, folded through the state machine, give its state,
// event by event, in time order, and nothing happens after the end.
void ExpectEventsReplayToStates(App& app) {
  std::map<int64_t, std::vector<store::Row>> events;
  for (auto& r : Query(app,
                       "SELECT ticket_id, seq, type, data, at, state_after FROM ticket_event "
                       "ORDER BY ticket_id, seq")) {
    events[r.Int(0)].push_back(r);
  }
  const store::Rows tickets = Query(
      app, "SELECT id, number, state, reopen_count, version, created_at FROM ticket ORDER BY id");
  ASSERT_FALSE(tickets.empty());
  for (const auto& t : tickets) {
    SCOPED_TRACE(t.Text(1));
    const auto& history = events[t.Int(0)];
    ASSERT_EQ(static_cast<int64_t>(history.size()), t.Int(4)) << "one event per version";
    std::vector<domain::TransitionInput> inputs;
    int64_t previous = t.Int(5);
    for (size_t i = 0; i < history.size(); ++i) {
      const store::Row& e = history[i];
      EXPECT_EQ(e.Int(1), static_cast<int64_t>(i + 1));
      EXPECT_GE(e.Int(4), previous) << "events in time order";
      EXPECT_LT(e.Int(4), kEnd) << "nothing after the end of the history";
      previous = e.Int(4);
      domain::TransitionInput input;
      input.type = *domain::ParseTicketEventType(e.Text(2), "type");
      const json::object data = json::parse(e.Text(3)).as_object();
      if (input.type == TicketEventType::kDispatch) {
        input.assignee = *domain::ParseAssigneeKind(data.at("assignee_kind").as_string(), "kind");
      }
      if (input.type == TicketEventType::kRate) input.rating = data.at("rating").as_int64();
      inputs.push_back(input);
      auto prefix = domain::Replay(inputs, 1);
      ASSERT_TRUE(prefix.ok()) << prefix.error().message;
      EXPECT_EQ(domain::TicketStateName(prefix->state), e.Text(5));
    }
    EXPECT_EQ(history.front().Text(2), "submit");
    EXPECT_EQ(history.front().Int(4), t.Int(5));
    auto state = domain::Replay(inputs, 1);
    ASSERT_TRUE(state.ok());
    EXPECT_EQ(domain::TicketStateName(state->state), t.Text(2));
    EXPECT_EQ(state->reopen_count, t.Int(3));
  }
}

// Located tickets lie in their grid; every kind of ticket and step occurs;
// most are closed, a few still open, a few not demands at all.
void ExpectKindsStatesAndSteps(App& app) {
  const int64_t tickets = Count(app, "SELECT COUNT(*) FROM ticket");
  // About 3,550 a year: the 30 days of June hold 300 or so.
  EXPECT_GT(tickets, 180);
  EXPECT_LT(tickets, 520);
  for (const auto& r : Query(app,
                             "SELECT node_id, lon, lat, number FROM ticket WHERE lon IS NOT "
                             "NULL")) {
    EXPECT_EQ(app.locator().Locate({r.Real(1), r.Real(2)}, core::CoordSys::kWgs84), r.Int(0))
        << r.Text(3);
  }
  EXPECT_EQ(Count(app, "SELECT COUNT(*) FROM ticket WHERE number NOT LIKE '131022-2025-%'"), 0);
  std::set<std::string> kinds;
  for (const auto& r : Query(app, "SELECT DISTINCT kind FROM ticket")) kinds.insert(r.Text(0));
  EXPECT_EQ(kinds, (std::set<std::string>{"complaint", "follow_up", "patrol", "report", "wish"}));
  std::set<std::string> types;
  for (const auto& r : Query(app, "SELECT DISTINCT type FROM ticket_event"))
    types.insert(r.Text(0));
  for (const char* type : {"accept", "dispatch", "claim", "start", "escalate", "respond", "resolve",
                           "rate", "callback", "close", "supervise"}) {
    EXPECT_TRUE(types.count(type)) << type;
  }
  const int64_t closed = Count(app, "SELECT COUNT(*) FROM ticket WHERE state = 'closed'");
  const int64_t open = Count(app,
                             "SELECT COUNT(*) FROM ticket WHERE state NOT IN "
                             "('resolved', 'closed', 'rejected')");
  const int64_t excluded =
      Count(app,
            "SELECT COUNT(*) FROM ticket WHERE state = 'rejected' OR duplicate_of IS NOT "
            "NULL OR (state = 'closed' AND resolved_at IS NULL)");
  EXPECT_GT(closed, tickets * 6 / 10);
  EXPECT_GT(open, 0) << "the last days' tickets are still being handled";
  EXPECT_LT(open, tickets / 8);
  EXPECT_GT(excluded, 0) << "a few rejected, withdrawn or duplicate tickets";
  EXPECT_LT(excluded, tickets / 12);
  EXPECT_GT(Count(app, "SELECT COUNT(*) FROM ticket WHERE overdue <> 0"), 0);
  EXPECT_GT(Count(app, "SELECT COUNT(*) FROM ticket WHERE reopen_count > 0"), 0);
  EXPECT_GT(Count(app, "SELECT COUNT(*) FROM ticket_escalation WHERE responded_at IS NOT NULL"), 0);
  EXPECT_GT(Count(app, "SELECT COUNT(*) FROM ticket WHERE assignee_kind = 'member'"), 0);
  // The demo accounts take part: resident1 reports, the first community's
  // secretary1 and worker1 accept and dispatch.
  EXPECT_GT(Count(app,
                  "SELECT COUNT(*) FROM ticket t JOIN account a ON a.id = "
                  "t.submitter_account_id WHERE a.username = 'resident1'"),
            0);
  EXPECT_GT(Count(app,
                  "SELECT COUNT(*) FROM ticket_event e JOIN account a ON a.id = "
                  "e.actor_account_id WHERE a.username IN ('secretary1', 'worker1')"),
            0);
}

// The first ten days of June have settled by July (resolved, rated, called
// back): their rates are where the seed documents put them, the rollups hold
// every ticket, and the streets rank apart.
void ExpectSettledRatesPlausible(App& app) {
  const domain::Caller admin = CountyAdmin(app);
  const int64_t county = admin.scope_node_id;
  auto settled =
      app.stats().Rates(admin, county, core::CivilDate{2025, 6, 1}, core::CivilDate{2025, 6, 10});
  ASSERT_TRUE(settled.ok()) << settled.error().message;
  const domain::RateSet& r = settled->rates;
  ASSERT_GT(settled->tally.demands, 30);
  EXPECT_GE(*r.response_rate, 0.85);
  EXPECT_GE(*r.resolution_rate, 0.93);
  EXPECT_GE(*r.satisfaction_rate, 0.93);
  EXPECT_GE(*r.solve_rate, 0.8);
  // The rollups were rebuilt: the period received what the ticket rows say.
  const int64_t from =
      core::DaysFromCivil({2025, 6, 1}) * core::kMsPerDay - core::kShanghaiOffsetMs;
  const int64_t to = core::DaysFromCivil({2025, 6, 11}) * core::kMsPerDay - core::kShanghaiOffsetMs;
  EXPECT_EQ(settled->tally.received,
            Count(app, "SELECT COUNT(*) FROM ticket WHERE created_at >= " + std::to_string(from) +
                           " AND created_at < " + std::to_string(to)));
  auto june = app.stats().Rankings(admin, county, domain::YearMonth{2025, 6});
  ASSERT_TRUE(june.ok()) << june.error().message;
  std::set<double> scores;
  for (const auto& item : june->items) {
    if (item.figures.score) scores.insert(*item.figures.score);
  }
  EXPECT_GT(scores.size(), 1u) << "streets differ";
}

TEST_P(TicketHistoryTest, EveryTicketReplaysLiesInItsGridAndTheRatesArePlausible) {
  LOAD_OR_SKIP(demo, 3, 30);
  {
    SCOPED_TRACE("replay");
    ExpectEventsReplayToStates(*demo->app);
  }
  {
    SCOPED_TRACE("kinds, states and steps");
    ExpectKindsStatesAndSteps(*demo->app);
  }
  {
    SCOPED_TRACE("rates");
    ExpectSettledRatesPlausible(*demo->app);
  }
}

// What a history is, as text: every ticket and every event, without ids.
std::string Digest(App& app) {
  std::string out;
  for (const auto& r : Query(app,
                             "SELECT t.number, t.kind, c.code, n.code, t.state, t.created_at, "
                             "t.version, t.rating, t.callback_outcome, t.title FROM ticket t "
                             "JOIN ticket_category c ON c.id = t.category_id JOIN org_node n "
                             "ON n.id = t.node_id ORDER BY t.number")) {
    for (size_t i = 0; i < r.size(); ++i) out += (r.IsNull(i) ? "-" : r.Text(i)) + "|";
    out += "\n";
  }
  for (const auto& r : Query(app,
                             "SELECT t.number, e.seq, e.type, e.at, e.actor_label, e.note "
                             "FROM ticket_event e JOIN ticket t ON t.id = e.ticket_id ORDER "
                             "BY t.number, e.seq")) {
    for (size_t i = 0; i < r.size(); ++i) out += r.Text(i) + "|";
    out += "\n";
  }
  return out;
}

TEST_P(TicketHistoryTest, TheSameSeedLoadsTheSameHistory) {
  LOAD_OR_SKIP(first, 11, 7);
  LOAD_OR_SKIP(again, 11, 7);
  const std::string digest = Digest(*first->app);
  EXPECT_GT(digest.size(), 1000u);
  EXPECT_EQ(digest, Digest(*again->app));
}

// The demo's compound governance (governance_demo.h): every compound linked as
// the plan says, and the four quarters before kEnd's published, with compounds
// on more than one list and the same lists for the same seed.
TEST_P(TicketHistoryTest, CompoundsAreLinkedAndFourQuartersPublished) {
  LOAD_OR_SKIP(loaded, 5, 3);
  App& app = *loaded->app;
  EXPECT_EQ(Count(app, "SELECT COUNT(*) FROM compound_governance"),
            Count(app, "SELECT COUNT(*) FROM org_node WHERE kind = 'compound'"));
  EXPECT_GT(Count(app,
                  "SELECT COUNT(*) FROM compound_governance WHERE property_unit_id IS NOT "
                  "NULL"),
            0);
  EXPECT_GT(Count(app, "SELECT COUNT(*) FROM committee_member"), 0);
  const store::Rows periods =
      Query(app, "SELECT name, state FROM ranking_period ORDER BY start_date");
  ASSERT_EQ(periods.size(), 4u);
  EXPECT_EQ(periods.front().Text(0), "2024年第3季度红黄黑榜");  // kEnd is 2025-07-01
  EXPECT_EQ(periods.back().Text(0), "2025年第2季度红黄黑榜");
  for (const auto& p : periods) EXPECT_EQ(p.Text(1), "published");
  EXPECT_GT(Count(app,
                  "SELECT COUNT(DISTINCT standing) FROM ranking_result WHERE standing <> "
                  "'unrated'"),
            1);
}

// The demo's visits (visits_demo.h): some in the weeks before kEnd and none after, each by
// its grid's visitor, every household's last visit recorded as the newest.
TEST_P(TicketHistoryTest, VisitsFillTheWeeksBeforeTheEndAndEachHouseholdKnowsItsLast) {
  LOAD_OR_SKIP(loaded, 5, 3);
  App& app = *loaded->app;
  EXPECT_GT(Count(app, "SELECT COUNT(*) FROM visit"), 0);
  EXPECT_EQ(Count(app, "SELECT COUNT(*) FROM visit WHERE visited_at > " + std::to_string(kEnd)), 0);
  EXPECT_EQ(Count(app,
                  "SELECT COUNT(*) FROM household_visit hv WHERE last_visited_at <> COALESCE(("
                  "SELECT MAX(visited_at) FROM visit v WHERE v.household_id = hv.household_id), "
                  "0)"),
            0);
  EXPECT_EQ(Count(app,
                  "SELECT COUNT(*) FROM visit v JOIN household_visit hv ON hv.household_id = "
                  "v.household_id WHERE v.grid_id <> hv.grid_id"),
            0);
  EXPECT_EQ(Count(app, "SELECT COUNT(*) FROM household"),
            Count(app, "SELECT COUNT(*) FROM household_visit"));
}

// The summary reads the rates over the span: days + 1 calendar days when the
// end is not at midnight (kEnd is not). A span TicketStats would refuse is
// refused before anything is written, not after the whole history.
TEST_P(TicketHistoryTest, ASpanTheRatesCannotSummarizeIsRefusedUpFront) {
  LOAD_OR_SKIP(demo, 1, 0);
  App& app = *demo->app;
  const int too_long = static_cast<int>(app.stats().options().max_period_days);
  auto report =
      LoadTicketHistory(app, DemoPlan{}, PlanIds{}, TicketHistoryOptions{1, too_long, kEnd});
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().field, "ticket_history_days");
  EXPECT_EQ(Count(app, "SELECT COUNT(*) FROM ticket"), 0);
}

// --- the script alone (no database) -------------------------------------------

std::vector<TicketScript> Script(const DemoPlan& plan, uint64_t seed, int days) {
  HistoryScriptOptions options;
  options.seed = seed;
  options.end_ms = kEnd;
  options.start_ms = kEnd - days * core::kMsPerDay;
  return MakeHistoryScript(plan, domain::DefaultCategories(), options);
}

std::string Digest(const std::vector<TicketScript>& script) {
  std::string out;
  for (const TicketScript& t : script) {
    out += std::to_string(t.created_at) + t.category + std::to_string(t.grid) + t.title + "\n";
    for (const ScriptStep& s : t.steps) {
      out += std::to_string(s.at) + std::string(domain::TicketEventTypeName(s.type)) + s.note +
             std::to_string(static_cast<int>(s.actor.kind)) + std::to_string(s.actor.index) + ";";
    }
  }
  return out;
}

TEST(HistoryScript, IsAFunctionOfPlanSeedAndSpan) {
  auto plan = MakePlan(DemoOptions{"guan", 1, 0.003});
  ASSERT_TRUE(plan.ok());
  const std::string digest = Digest(Script(*plan, 5, 60));
  EXPECT_EQ(digest, Digest(Script(*plan, 5, 60)));
  EXPECT_NE(digest, Digest(Script(*plan, 6, 60)));
}

TEST(HistoryScript, StepsMoveForwardDuplicatesLookBackAndPlacesLieInTheirGrids) {
  auto plan = MakePlan(DemoOptions{"guan", 1, 0.003});
  ASSERT_TRUE(plan.ok());
  const std::vector<TicketScript> script = Script(*plan, 5, 120);
  ASSERT_GT(script.size(), 500u);
  for (size_t i = 0; i < script.size(); ++i) {
    const TicketScript& t = script[i];
    if (i > 0) {
      EXPECT_GE(t.created_at, script[i - 1].created_at) << "arrival order";
    }
    EXPECT_GE(t.created_at, kEnd - 120 * core::kMsPerDay);
    EXPECT_LT(t.created_at, kEnd);
    int64_t last = t.created_at;
    for (const ScriptStep& s : t.steps) {
      EXPECT_GT(s.at, last) << t.title;
      last = s.at;
      if (s.duplicate_of >= 0) {
        EXPECT_LT(s.duplicate_of, static_cast<int>(i));
        EXPECT_EQ(script[s.duplicate_of].category, t.category);
        EXPECT_EQ(script[s.duplicate_of].grid, t.grid);
      }
    }
    const core::Polygon& grid = plan->grids[t.grid].boundary;
    EXPECT_TRUE(boost::geometry::within(core::GeoPoint(t.location.lon, t.location.lat), grid))
        << t.title;
  }
}

// A year holds about the 2,094 随手拍 (report kind, h5) of 固安's platform,
// and the wishes and phone complaints in proportion, whatever the population
// scale: the volumes are the county's, not per resident.
TEST(HistoryScript, AYearHoldsTheSeedsReportsWishesAndComplaintsInProportion) {
  for (double scale : {0.003, 0.02}) {
    SCOPED_TRACE(scale);
    auto plan = MakePlan(DemoOptions{"guan", 1, scale});
    ASSERT_TRUE(plan.ok());
    int reports = 0, wishes = 0, complaints = 0, rejected = 0;
    for (const TicketScript& t : Script(*plan, 1, 365)) {
      const bool h5 = t.channel == domain::TicketChannel::kH5;
      reports += h5 && t.kind == domain::TicketKind::kReport;
      wishes += h5 && t.kind == domain::TicketKind::kWish;
      complaints += t.kind == domain::TicketKind::kComplaint;
      for (const ScriptStep& step : t.steps)
        rejected += step.type == domain::TicketEventType::kReject;
    }
    EXPECT_GT(reports, 1900);
    EXPECT_LT(reports, 2300);
    EXPECT_NEAR(wishes, reports * 0.26, reports * 0.05);
    EXPECT_NEAR(complaints, reports * 0.09, reports * 0.03);
    EXPECT_LT(rejected, reports / 100);  // 2,080 of 2,094 solved leaves few to refuse
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, TicketHistoryTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName{});

}  // namespace
}  // namespace civicgrid::app::demo
