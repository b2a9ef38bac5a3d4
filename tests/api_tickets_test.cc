// Tickets end to end over real HTTP on both backends: submission with grid
// lookup and numbering, the closed loop (accept → dispatch → start → resolve →
// rate), 群众点单/社区派单/党员接单 on the order board with concurrent claims,
// 街道吹哨/部门报到, reopen on an unsatisfied rating, callbacks, duplicates
// and following, idempotent retries, scoping and bad input.
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <iostream>
#include <latch>
#include <mutex>
#include <sstream>
#include <thread>

#include "api_harness.h"
#include "store/open.h"

namespace civicgrid::tests {
namespace {

namespace json = boost::json;

// The requests of the server's worker lanes in flight now (running on a
// worker or queued for one), from its /metrics text.
int64_t InFlight(const http::Metrics& metrics) {
  int64_t sum = 0;
  std::istringstream lines(metrics.Render());
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("civicgrid_http_lane_busy_workers{") ||
        line.starts_with("civicgrid_http_lane_queue_depth{")) {
      sum += std::stoll(line.substr(line.rfind(' ') + 1));
    }
  }
  return sum;
}

// Holds the first event of `type` after Arm() in its transaction (after its
// guarded UPDATE) until `in_flight` requests are in flight at once and, given
// a PostgreSQL `monitor` connection outside the pool, `blocked` backends of
// the database wait on a lock: the first loser waits for the winner's
// transaction, the next ones for its tuple lock, each having read the row
// before the winner commits. Gives up after 30 s (the test then fails on
// the figures seen).
class HoldTheWinner : public domain::TicketObserver {
 public:
  void Arm(domain::TicketEventType type, const http::Metrics* metrics, int64_t in_flight,
           store::Connection* monitor, int64_t blocked) {
    type_ = type;
    metrics_ = metrics;
    in_flight_ = in_flight;
    monitor_ = monitor;
    blocked_ = blocked;
    in_flight_seen = blocked_seen = 0;
    armed_ = true;
  }
  core::Status InTransaction(store::Connection&, const domain::TicketChange& change) override {
    if (change.event.type != type_ || !armed_.exchange(false)) return {};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      in_flight_seen = InFlight(*metrics_);
      if (monitor_ != nullptr) {
        CG_ASSIGN_OR_RETURN(blocked_seen,
                            monitor_->QueryInt("SELECT COUNT(*) FROM pg_stat_activity WHERE "
                                               "datname = current_database() AND "
                                               "wait_event_type = 'Lock'"));
      }
      if (in_flight_seen >= in_flight_ && blocked_seen >= blocked_) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return {};
  }
  int64_t in_flight_seen = 0;  // when the winner went on
  int64_t blocked_seen = 0;

 private:
  std::atomic<bool> armed_{false};
  domain::TicketEventType type_ = domain::TicketEventType::kClaim;
  const http::Metrics* metrics_ = nullptr;
  int64_t in_flight_ = 0;
  store::Connection* monitor_ = nullptr;
  int64_t blocked_ = 0;
};

// The answers of one race over HTTP, by the error code of each 409.
struct HttpRaceCounts {
  int ok = 0;
  int version_conflict = 0;    // a lost race: worth a retry after re-reading
  int invalid_transition = 0;  // refused by the state machine
  int other = 0;
};

std::ostream& operator<<(std::ostream& os, const HttpRaceCounts& c) {
  return os << "{ok " << c.ok << ", version_conflict " << c.version_conflict
            << ", invalid_transition " << c.invalid_transition << ", other " << c.other << "}";
}

// Each client i sends bodies[i % bodies.size()] once, all released together
// by a latch; the answers counted per body.
std::vector<HttpRaceCounts> RaceOverHttp(const std::vector<http::TestClient*>& clients,
                                         const std::string& target,
                                         const std::vector<std::string>& bodies) {
  std::latch start(static_cast<std::ptrdiff_t>(clients.size()));
  std::mutex mu;
  std::vector<HttpRaceCounts> counts(bodies.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < clients.size(); ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      auto resp = clients[i]->Send("POST", target, bodies[i % bodies.size()]);
      std::string code;
      if (resp.status == 409) code = resp.Json().at("error").at("code").as_string();
      std::lock_guard lock(mu);
      HttpRaceCounts& c = counts[i % bodies.size()];
      if (resp.status == 200) {
        ++c.ok;
      } else if (code == "version_conflict") {
        ++c.version_conflict;
      } else if (code == "invalid_transition") {
        ++c.invalid_transition;
      } else {
        ADD_FAILURE() << resp.status << " " << resp.body;
        ++c.other;
      }
    });
  }
  for (auto& t : threads) t.join();
  return counts;
}

class TicketsTest : public ApiTest {
 protected:
  int64_t Category(const std::string& code) {
    return Must(app_->categories().GetByCode(code), code).id;
  }

  static std::string Loc(core::LonLat p) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "[%.6f,%.6f]", p.lon, p.lat);
    return buf;
  }

  // Submits as `user`; returns the response.
  http::ClientResponse Submit(const std::string& user, const std::string& body,
                              std::vector<std::pair<std::string, std::string>> headers = {}) {
    return As(user).Send("POST", "/api/v1/tickets", body, std::move(headers));
  }

  // A 随手拍 report (暴露垃圾) by resident1 at the centre of grid i.
  json::object Report(int grid = 0, const std::string& text = "小区门口垃圾堆积三天无人清理") {
    auto r = Submit("resident1", R"({"category_id":)" + std::to_string(Category("E01.01")) +
                                     R"(,"description":")" + text + R"(","location":)" +
                                     Loc(GridCenter(grid)) + "}");
    EXPECT_EQ(r.status, 201u) << r.body;
    return r.Json().as_object();
  }

  http::ClientResponse Act(const std::string& user, int64_t id, const std::string& body) {
    return As(user).Send("POST", "/api/v1/tickets/" + std::to_string(id) + "/events", body);
  }

  // secretary1 dispatches ticket `id` to the staff account `worker`.
  http::ClientResponse DispatchTo(int64_t id, const std::string& worker) {
    return Act("secretary1", id,
               R"({"type":"dispatch","assignee":{"kind":"account","id":)" +
                   std::to_string(AccountId(worker)) + "}}");
  }

  json::object Get(const std::string& user, int64_t id) {
    auto r = As(user).Send("GET", "/api/v1/tickets/" + std::to_string(id));
    EXPECT_EQ(r.status, 200u) << r.body;
    return r.Json().as_object();
  }

  int64_t AccountId(const std::string& username) {
    auto conn = app_->db().Acquire();
    return (*conn)->QueryInt("SELECT id FROM account WHERE username = $1", {username}).value();
  }

  static std::string State(const json::object& t) { return std::string(t.at("state").as_string()); }

  // A new session of `username` on its own connection (As() keeps one per
  // username): for the threads of a race acting as one account.
  std::unique_ptr<http::TestClient> NewSession(const std::string& username) {
    auto client = Anonymous();
    client->set_cookie_jar(true);
    auto login =
        client->Send("POST", "/api/v1/session",
                     R"({"username":")" + username + R"(","password":")" + kPassword + R"("})");
    EXPECT_EQ(login.status, 200u) << login.body;
    return client;
  }

  // A connection to the test's PostgreSQL database outside the app's pool
  // (null on SQLite): HoldTheWinner's monitor.
  store::Connection* Monitor() {
    if (GetParam() != store::Backend::kPostgres) return nullptr;
    if (!monitor_db_) {
      monitor_db_ =
          Must(store::OpenDb(test_db_->url(), store::DbOptions{.pool_size = 1}), "monitor");
      monitor_conn_.emplace(Must(monitor_db_->Acquire(), "monitor connection"));
    }
    return &**monitor_conn_;
  }

  void TearDown() override {
    monitor_conn_.reset();  // before the test database is dropped
    monitor_db_.reset();
    ApiTest::TearDown();
  }

  // Members of the fixture, so that they outlive the app (TearDown).
  HoldTheWinner hold_;
  std::unique_ptr<store::Db> monitor_db_;
  std::optional<store::PooledConnection> monitor_conn_;
};

TEST_P(TicketsTest, SubmissionFindsTheGridNumbersTheTicketAndSetsDeadlines) {
  json::object t = Report(0);
  EXPECT_EQ(t.at("node_id").as_int64(), w_.grid_a1.id);
  EXPECT_EQ(State(t), "submitted");
  EXPECT_TRUE(t.at("mine").as_bool());
  EXPECT_TRUE(t.at("is_public").as_bool());  // a street-level issue is public by default
  const std::string number(t.at("number").as_string());
  // 131022-<year>-000001: county code, the year in Beijing, a six-digit serial.
  ASSERT_EQ(number.size(), 18u) << number;
  EXPECT_EQ(number.substr(0, 9), "131022-20") << number;
  EXPECT_EQ(number.substr(11), "-000001") << number;
  // 暴露垃圾 resolves within 24 h: due exactly a day after creation.
  int64_t created = core::ParseTimestamp(t.at("created_at").as_string(), "").value();
  int64_t due = core::ParseTimestamp(t.at("resolve_due").as_string(), "").value();
  EXPECT_EQ(due - created, core::kMsPerDay);
  // The second ticket of the county this year gets the next number.
  json::object second = Report(2);
  EXPECT_EQ(second.at("node_id").as_int64(), w_.grid_b1.id);
  EXPECT_EQ(std::string(second.at("number").as_string()).substr(12), "000002");
  // GCJ-02 coordinates are converted before the grid lookup.
  core::LonLat gcj = core::Wgs84ToGcj02(GridCenter(1));
  auto r = Submit("resident1", R"({"category_id":)" + std::to_string(Category("E01.01")) +
                                   R"(,"description":"路边垃圾","coord_sys":"gcj02","location":)" +
                                   Loc(gcj) + "}");
  ASSERT_EQ(r.status, 201u) << r.body;
  EXPECT_EQ(r.Json().at("node_id").as_int64(), w_.grid_a2.id);
  // The history starts with the submission.
  auto events =
      As("resident1")
          .Send("GET", "/api/v1/tickets/" + std::to_string(t.at("id").as_int64()) + "/events");
  ASSERT_EQ(events.status, 200u);
  auto items = events.Json().at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("type").as_string(), "submit");
}

// Submissions (the API's and Open311's) wait ahead of queued reads on the
// interactive lane (RouteOptions::ahead, architecture.md "Worker lanes");
// nothing else does.
TEST_P(TicketsTest, OnlySubmissionsQueueAheadOfReads) {
  auto ahead = [&](const char* method, const std::vector<std::string>& segments) {
    http::RouteMatch match = router_.Match(method, segments);
    EXPECT_EQ(match.kind, http::RouteMatch::Kind::kFound) << method;
    return match.options.ahead;
  };
  EXPECT_TRUE(ahead("POST", {"api", "v1", "tickets"}));
  EXPECT_TRUE(ahead("POST", {"open311", "v2", "requests.json"}));
  EXPECT_TRUE(ahead("POST", {"open311", "v2", "requests.xml"}));
  EXPECT_FALSE(ahead("GET", {"api", "v1", "tickets"}));
  EXPECT_FALSE(ahead("POST", {"api", "v1", "tickets", "7", "events"}));
  EXPECT_FALSE(ahead("GET", {"api", "v1", "stats", "rates"}));
  size_t marked = 0;
  for (const http::RouteInfo& route : router_.Routes()) {
    std::vector<std::string> segments;
    for (size_t at = 1; at <= route.pattern.size();) {
      size_t slash = route.pattern.find('/', at);
      if (slash == std::string::npos) slash = route.pattern.size();
      segments.push_back(route.pattern.substr(at, slash - at));
      at = slash + 1;
    }
    if (router_.Match(route.method, segments).options.ahead) ++marked;
  }
  EXPECT_EQ(marked, 3U) << "a new route queued ahead of reads? say why in architecture.md";
}

TEST_P(TicketsTest, ClosedLoopAcceptDispatchStartResolveRate) {
  json::object t = Report(0);
  const int64_t id = t.at("id").as_int64();
  auto r = Act("secretary1", id, R"({"type":"accept"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(State(r.Json().as_object()), "accepted");
  r = DispatchTo(id, "grid1");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.Json().at("assignee").at("kind").as_string(), "account");
  // The grid worker of another grid may not take it, nor see it.
  EXPECT_EQ(Act("grid2", id, R"({"type":"start"})").status, 404u);
  r = Act("grid1", id, R"({"type":"start"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(State(r.Json().as_object()), "in_progress");
  EXPECT_FALSE(r.Json().at("responded_at").is_null());
  // Resolving needs a result note.
  r = Act("grid1", id, R"({"type":"resolve"})");
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(r.Json().at("error").at("field").as_string(), "note");
  r = Act("grid1", id, R"({"type":"resolve","note":"已联系环卫清运"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(State(r.Json().as_object()), "resolved");
  // Only the submitter rates.
  EXPECT_EQ(Act("secretary1", id, R"({"type":"rate","rating":5})").status, 403u);
  r = Act("resident1", id, R"({"type":"rate","rating":5,"note":"很及时"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  json::object closed = r.Json().as_object();
  EXPECT_EQ(State(closed), "closed");
  EXPECT_EQ(closed.at("rating").as_int64(), 5);
  // 回访 records the outcome.
  r = Act("secretary1", id, R"({"type":"callback","outcome":"solved","note":"电话回访"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.Json().at("callback_outcome").as_string(), "solved");
  auto events = As("secretary1").Send("GET", "/api/v1/tickets/" + std::to_string(id) + "/events");
  std::vector<std::string> types;
  const json::value history = events.Json();
  for (const auto& e : history.at("items").as_array()) {
    types.emplace_back(e.at("type").as_string());
  }
  EXPECT_EQ(types, (std::vector<std::string>{"submit", "accept", "dispatch", "start", "resolve",
                                             "rate", "callback"}));
  // The event log replays to the stored state.
  std::vector<domain::TransitionInput> inputs;
  for (const auto& e : history.at("items").as_array()) {
    domain::TransitionInput in;
    in.type = domain::ParseTicketEventType(e.at("type").as_string(), "").value();
    if (const auto* kind = e.at("data").as_object().if_contains("assignee_kind")) {
      in.assignee = domain::ParseAssigneeKind(kind->as_string(), "").value();
    }
    if (const auto* rating = e.at("data").as_object().if_contains("rating")) {
      in.rating = rating->as_int64();
    }
    inputs.push_back(in);
  }
  auto replayed = domain::Replay(inputs, 1);
  ASSERT_TRUE(replayed.ok());
  EXPECT_EQ(domain::TicketStateName(replayed->state), "closed");
}

TEST_P(TicketsTest, InvalidTransitionIs409WithTheCurrentStateAndChangesNothing) {
  json::object t = Report(0);
  const int64_t id = t.at("id").as_int64();
  const int64_t events = Count("ticket_event");
  auto r = Act("resident1", id, R"({"type":"rate","rating":4})");
  ASSERT_EQ(r.status, 409u) << r.body;
  EXPECT_EQ(r.Json().at("current_state").as_string(), "submitted");
  r = Act("secretary1", id, R"({"type":"resolve","note":"x"})");
  ASSERT_EQ(r.status, 409u) << r.body;
  EXPECT_EQ(Count("ticket_event"), events);
  // A stale version is refused too.
  r = Act("secretary1", id, R"({"type":"accept","version":7})");
  ASSERT_EQ(r.status, 409u) << r.body;
  EXPECT_EQ(r.Json().at("current_version").as_int64(), 1);
  EXPECT_EQ(State(Get("secretary1", id)), "submitted");
}

TEST_P(TicketsTest, OrderBoardClaimByExactlyOneOfManyConcurrentMembers) {
  // 微心愿: a resident's wish, published by the community, claimed by members.
  auto r =
      Submit("resident1", R"({"category_id":)" + std::to_string(Category("S-DLY-01")) +
                              R"(,"kind":"wish","description":"家里洗衣机不转了，想请人修一修",)"
                              R"("node_id":)" +
                              std::to_string(w_.grid_a1.id) + "}");
  ASSERT_EQ(r.status, 201u) << r.body;
  int64_t id = r.Json().at("id").as_int64();
  EXPECT_FALSE(r.Json().at("is_public").as_bool());
  // Not on the board yet, and not visible to the member.
  EXPECT_EQ(As("member1").Send("GET", "/api/v1/tickets/" + std::to_string(id)).status, 404u);
  r = Act("secretary1", id, R"({"type":"dispatch","assignee":{"kind":"board"}})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(State(r.Json().as_object()), "published");
  // The member sees it on the board, also when filtered by skills (维修).
  auto board = As("member1").Send("GET", "/api/v1/board?skills=mine");
  ASSERT_EQ(board.status, 200u) << board.body;
  ASSERT_EQ(board.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(board.Json().at("items").as_array()[0].at("id").as_int64(), id);
  // The submitter's name is masked for members.
  EXPECT_EQ(board.Json().at("items").as_array()[0].at("submitter_name").as_string(), "r*");
  // A resident cannot claim; a grid worker of another community cannot see it.
  EXPECT_EQ(Act("resident1", id, R"({"type":"claim"})").status, 403u);
  EXPECT_EQ(Act("grid2", id, R"({"type":"claim"})").status, 404u);

  // 24 more members registered with community A, each with an account and
  // a session: more claims at once than the server has threads (2 I/O, 6
  // workers) and the database connections (4).
  constexpr int kClaimers = 24;
  constexpr int kDbPool = 4;  // the harness's AppOptions::pool_size
  constexpr int kRounds = 20;
  domain::Caller admin = Must(app_->CallerFor("admin"), "admin");
  std::vector<http::TestClient*> claimers;
  for (int i = 0; i < kClaimers; ++i) {
    auto member = Must(
        app_->party().CreateMember(admin, domain::NewPartyMember{"党员" + std::to_string(10 + i),
                                                                 IdNumber(40 + i),
                                                                 std::nullopt,
                                                                 w_.branch_a1.id,
                                                                 std::nullopt,
                                                                 w_.community_a.id,
                                                                 std::nullopt,
                                                                 {"维修"},
                                                                 false}),
        "member");
    std::string name = "claimer" + std::to_string(i);
    domain::NewAccount a{
        name,         name,      kPassword,   domain::Role::kPartyMember, w_.community_a.id,
        std::nullopt, member.id, std::nullopt};
    Must(app_->accounts().CreateAccount(&admin, a), name);
    claimers.push_back(&As(name));  // log in before the race
  }
  // Each round the winner holds its transaction until all 24 claims are in
  // flight and, on PostgreSQL, the other 3 connections wait for its row.
  // Those 3 read the ticket before the winner committed: lost races (the
  // version guard of the UPDATE). Every other claim reads it after: the
  // ticket is gone from the board, a refused claim. On SQLite BEGIN
  // IMMEDIATE runs the claims one after another: every loser is refused.
  app_->tickets().AddObserver(&hold_);
  const bool pg = GetParam() == store::Backend::kPostgres;
  const int expect_lost = pg ? kDbPool - 1 : 0;
  for (int round = 0; round < kRounds; ++round) {
    if (round > 0) {
      r = Submit("resident1",
                 R"({"category_id":)" + std::to_string(Category("S-DLY-01")) +
                     R"(,"kind":"wish","description":"想请人修一修洗衣机","node_id":)" +
                     std::to_string(w_.grid_a1.id) + "}");
      ASSERT_EQ(r.status, 201u) << r.body;
      id = r.Json().at("id").as_int64();
      r = Act("secretary1", id, R"({"type":"dispatch","assignee":{"kind":"board"}})");
      ASSERT_EQ(r.status, 200u) << r.body;
    }
    hold_.Arm(domain::TicketEventType::kClaim, &metrics_, kClaimers, Monitor(), expect_lost);
    HttpRaceCounts c = RaceOverHttp(claimers, "/api/v1/tickets/" + std::to_string(id) + "/events",
                                    {R"({"type":"claim"})"})[0];
    SCOPED_TRACE(::testing::Message()
                 << "round " << round << ": " << c << ", in flight " << hold_.in_flight_seen
                 << ", blocked " << hold_.blocked_seen);
    EXPECT_EQ(hold_.in_flight_seen, kClaimers);
    EXPECT_EQ(c.ok, 1);
    EXPECT_EQ(c.version_conflict, expect_lost);
    EXPECT_EQ(c.invalid_transition, kClaimers - 1 - expect_lost);
    EXPECT_EQ(c.other, 0);
    json::object after = Get("secretary1", id);
    EXPECT_EQ(State(after), "assigned");
    EXPECT_EQ(after.at("assignee").at("kind").as_string(), "member");
    EXPECT_EQ(after.at("version").as_int64(), 3);  // submit, dispatch, claim
    // Exactly one claim event was recorded.
    auto conn = app_->db().Acquire();
    EXPECT_EQ((*conn)
                  ->QueryInt("SELECT COUNT(*) FROM ticket_event WHERE ticket_id = $1 AND type = "
                             "'claim'",
                             {id})
                  .value(),
              1);
  }
}

// 16 sessions of secretary1 accept one ticket at once: half send the version
// they read before the release ("version": 1, as a client with a form open
// does), half send none. The winner holds its transaction until all 16 are
// in flight (and, on PostgreSQL, the pool's 3 other connections wait for its
// row). A loser that sent the version always loses as a lost race
// (version_conflict); one that sent none and ran after the winner committed
// is refused by the state machine (invalid_transition): on SQLite every one
// of them, on PostgreSQL all but the (at most 3) that were blocked on the
// row. So every round shows both answers, on both backends.
TEST_P(TicketsTest, ConcurrentAcceptsOneWinsLostRacesAndRefusalsAreTold) {
  constexpr int kSessions = 16;
  constexpr int kDbPool = 4;  // the harness's AppOptions::pool_size
  constexpr int kRounds = 20;
  std::vector<std::unique_ptr<http::TestClient>> sessions;
  std::vector<http::TestClient*> clients;
  for (int i = 0; i < kSessions; ++i) {
    sessions.push_back(NewSession("secretary1"));
    clients.push_back(sessions.back().get());
  }
  app_->tickets().AddObserver(&hold_);
  const bool pg = GetParam() == store::Backend::kPostgres;
  int version_total = 0, refused_total = 0;
  for (int round = 0; round < kRounds; ++round) {
    const int64_t id = Report(0).at("id").as_int64();
    hold_.Arm(domain::TicketEventType::kAccept, &metrics_, kSessions, Monitor(),
              pg ? kDbPool - 1 : 0);
    auto c = RaceOverHttp(clients, "/api/v1/tickets/" + std::to_string(id) + "/events",
                          {R"({"type":"accept","version":1})", R"({"type":"accept"})"});
    const HttpRaceCounts& stale = c[0];
    const HttpRaceCounts& blind = c[1];
    SCOPED_TRACE(::testing::Message()
                 << "round " << round << ": with version " << stale << ", without " << blind
                 << ", in flight " << hold_.in_flight_seen << ", blocked " << hold_.blocked_seen);
    EXPECT_EQ(hold_.in_flight_seen, kSessions);
    EXPECT_EQ(stale.ok + blind.ok, 1);
    EXPECT_EQ(stale.other + blind.other, 0);
    EXPECT_EQ(stale.version_conflict, kSessions / 2 - stale.ok);
    EXPECT_EQ(stale.invalid_transition, 0);
    if (pg) {
      EXPECT_EQ(hold_.blocked_seen, kDbPool - 1);
      EXPECT_LE(blind.version_conflict, kDbPool - 1);
    } else {
      EXPECT_EQ(blind.version_conflict, 0);
    }
    EXPECT_EQ(blind.version_conflict + blind.invalid_transition, kSessions / 2 - blind.ok);
    EXPECT_GT(stale.version_conflict + blind.version_conflict, 0);
    EXPECT_GT(blind.invalid_transition, 0);
    version_total += stale.version_conflict + blind.version_conflict;
    refused_total += blind.invalid_transition;
    json::object after = Get("secretary1", id);
    EXPECT_EQ(State(after), "accepted");
    EXPECT_EQ(after.at("version").as_int64(), 2);
  }
  std::cout << "[ race    ] " << kRounds << " rounds: version_conflict " << version_total
            << ", invalid_transition " << refused_total << "\n";
}

TEST_P(TicketsTest, TheBoardShowsAClaimerOnlyWhatTheyMayClaim) {
  // A public wish published on community B's board: member1 and unit1 (both
  // with community A) may see it as a public ticket, but it is not on their
  // board; community A's wish is.
  auto wish = [&](const domain::OrgNode& grid, bool is_public) {
    auto r = Submit("resident1", R"({"category_id":)" + std::to_string(Category("S-DLY-01")) +
                                     R"(,"kind":"wish","description":"想请人修一修洗衣机",)"
                                     R"("is_public":)" +
                                     (is_public ? "true" : "false") + R"(,"node_id":)" +
                                     std::to_string(grid.id) + "}");
    EXPECT_EQ(r.status, 201u) << r.body;
    const int64_t id = r.Json().at("id").as_int64();
    auto d = Act("admin", id, R"({"type":"dispatch","assignee":{"kind":"board"}})");
    EXPECT_EQ(d.status, 200u) << d.body;
    return id;
  };
  const int64_t in_b = wish(w_.grid_b1, true);
  const int64_t in_a = wish(w_.grid_a1, false);
  EXPECT_EQ(As("member1").Send("GET", "/api/v1/tickets/" + std::to_string(in_b)).status, 200u);
  for (const char* who : {"member1", "unit1"}) {
    auto board = As(who).Send("GET", "/api/v1/board");
    ASSERT_EQ(board.status, 200u) << board.body;
    std::vector<int64_t> ids;
    const json::value body = board.Json();
    for (const auto& t : body.at("items").as_array()) ids.push_back(t.at("id").as_int64());
    EXPECT_EQ(ids, std::vector<int64_t>{in_a}) << who;
    EXPECT_EQ(Act(who, in_b, R"({"type":"claim"})").status, 403u) << who;
  }
  // The county admin's board holds both.
  auto all = As("admin").Send("GET", "/api/v1/board");
  ASSERT_EQ(all.status, 200u) << all.body;
  EXPECT_EQ(all.Json().at("items").as_array().size(), 2u);
}

TEST_P(TicketsTest, AMemberMayGiveAClaimBackEvenThoughItThenLeavesTheirView) {
  auto r = Submit("resident1", R"({"category_id":)" + std::to_string(Category("S-DLY-01")) +
                                   R"(,"kind":"wish","description":"想请人修一下水龙头",)"
                                   R"("node_id":)" +
                                   std::to_string(w_.grid_a1.id) + "}");
  ASSERT_EQ(r.status, 201u) << r.body;
  const int64_t id = r.Json().at("id").as_int64();
  ASSERT_EQ(Act("secretary1", id, R"({"type":"dispatch","assignee":{"kind":"board"}})").status,
            200u);
  ASSERT_EQ(Act("member1", id, R"({"type":"claim"})").status, 200u);
  // Giving it back succeeds and says so, although the ticket is no longer the
  // member's to see (private request, off the board).
  r = Act("member1", id, R"({"type":"return","note":"这周出差，无法上门"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(State(r.Json().as_object()), "accepted");
  EXPECT_TRUE(r.Json().at("assignee").is_null());
  EXPECT_EQ(As("member1").Send("GET", "/api/v1/tickets/" + std::to_string(id)).status, 404u);
  EXPECT_EQ(State(Get("secretary1", id)), "accepted");
}

TEST_P(TicketsTest, RejectNeedsAReasonAndReopenBringsAClosedTicketBack) {
  const int64_t rejected = Report(0).at("id").as_int64();
  auto r = Act("secretary1", rejected, R"({"type":"reject"})");
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(r.Json().at("error").at("field").as_string(), "note");
  r = Act("secretary1", rejected, R"({"type":"reject","note":"不属于本社区管辖"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(State(r.Json().as_object()), "rejected");
  EXPECT_EQ(Act("secretary1", rejected, R"({"type":"reopen"})").status, 409u);
  // A closed ticket comes back to the dispatcher on reopen.
  const int64_t closed = Report(0).at("id").as_int64();
  ASSERT_EQ(Act("secretary1", closed, R"({"type":"close","note":"居民撤回"})").status, 200u);
  r = Act("secretary1", closed, R"({"type":"reopen","note":"居民再次反映"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(State(r.Json().as_object()), "accepted");
  EXPECT_EQ(r.Json().at("reopen_count").as_int64(), 1);
  EXPECT_TRUE(r.Json().at("closed_at").is_null());
}

TEST_P(TicketsTest, StaffSeeTheCallersPhoneForACallbackOnlyThroughTheAuditedReveal) {
  auto r = Submit("secretary1", R"({"category_id":)" + std::to_string(Category("E01.01")) +
                                    R"(,"description":"来电反映楼下垃圾","kind":"complaint",)"
                                    R"("channel":"phone","contact_name":"王女士",)"
                                    R"("phone":"13800138000","location":)" +
                                    Loc(GridCenter(0)) + "}");
  ASSERT_EQ(r.status, 201u) << r.body;
  const int64_t id = r.Json().at("id").as_int64();
  EXPECT_EQ(Get("grid1", id).at("submitter_phone").as_string(), "138****8000");
  const std::string contact = "/api/v1/tickets/" + std::to_string(id) + "/contact";
  const int64_t audited = Count("audit_log");
  r = As("grid1").Send("GET", contact);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.Json().at("phone").as_string(), "13800138000");
  EXPECT_EQ(r.Json().at("name").as_string(), "王女士");
  EXPECT_EQ(r.Header("Cache-Control"), "no-store");
  EXPECT_EQ(Count("audit_log"), audited + 1);
  {
    auto conn = Must(app_->db().Acquire(), "conn");
    auto row = Must(conn->QueryOne("SELECT action, subject_type, subject_id, account_id FROM "
                                   "audit_log ORDER BY seq DESC"),
                    "audit row");
    EXPECT_EQ(row.Text(0), "pii.reveal");
    EXPECT_EQ(row.Text(1), "ticket");
    EXPECT_EQ(row.Int(2), id);
    EXPECT_EQ(row.Int(3), AccountId("grid1"));
  }
  // Another grid's worker does not see the ticket; members and residents may
  // not reveal; an anonymous report has no contact to give.
  EXPECT_EQ(As("grid2").Send("GET", contact).status, 404u);
  EXPECT_EQ(As("member1").Send("GET", contact).status, 403u);
  EXPECT_EQ(As("resident1").Send("GET", contact).status, 403u);
  EXPECT_EQ(Anonymous()->Send("GET", contact).status, 401u);
  r = Submit("resident1", R"({"category_id":)" + std::to_string(Category("E01.01")) +
                              R"(,"description":"匿名反映","anonymous":true,"location":)" +
                              Loc(GridCenter(0)) + "}");
  ASSERT_EQ(r.status, 201u) << r.body;
  EXPECT_EQ(As("secretary1")
                .Send("GET", "/api/v1/tickets/" + std::to_string(r.Json().at("id").as_int64()) +
                                 "/contact")
                .status,
            404u);
  EXPECT_EQ(Count("audit_log"), audited + 1);  // refusals reveal and record nothing

  // The caller has no account: the community records their rating from the
  // callback; the grid worker who resolved it may not.
  ASSERT_EQ(Act("secretary1", id, R"({"type":"accept"})").status, 200u);
  ASSERT_EQ(DispatchTo(id, "grid1").status, 200u);
  ASSERT_EQ(Act("grid1", id, R"({"type":"resolve","note":"已清运"})").status, 200u);
  EXPECT_EQ(Act("grid1", id, R"({"type":"rate","rating":5})").status, 403u);
  r = Act("secretary1", id, R"({"type":"rate","rating":4,"note":"回访：满意"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.Json().at("rating").as_int64(), 4);
}

TEST_P(TicketsTest, AStaffFindingIsNotRatedByItsFinder) {
  auto r = Submit("grid1", R"({"category_id":)" + std::to_string(Category("E01.01")) +
                               R"(,"description":"巡查发现垃圾","kind":"patrol",)"
                               R"("channel":"patrol","location":)" +
                               Loc(GridCenter(0)) + "}");
  ASSERT_EQ(r.status, 201u) << r.body;
  const int64_t id = r.Json().at("id").as_int64();
  ASSERT_EQ(Act("grid1", id, R"({"type":"accept"})").status, 403u);  // grid workers don't accept
  ASSERT_EQ(Act("secretary1", id, R"({"type":"accept"})").status, 200u);
  ASSERT_EQ(DispatchTo(id, "grid1").status, 200u);
  ASSERT_EQ(Act("grid1", id, R"({"type":"resolve","note":"已清运"})").status, 200u);
  const int64_t events = Count("ticket_event");
  r = Act("grid1", id, R"({"type":"rate","rating":5})");
  EXPECT_EQ(r.status, 403u) << r.body;
  EXPECT_EQ(Count("ticket_event"), events);
  EXPECT_EQ(State(Get("grid1", id)), "resolved");
}

TEST_P(TicketsTest, StreetWhistleCallsADepartmentThatReportsIn) {
  json::object t = Report(0, "井盖缺失，夜间很危险");
  const int64_t id = t.at("id").as_int64();
  ASSERT_EQ(Act("secretary1", id, R"({"type":"accept"})").status, 200u);
  // Only a street (or county) blows the whistle.
  auto r = Act("secretary1", id,
               R"({"type":"escalate","unit_ids":[)" + std::to_string(w_.unit.id) + "]}");
  EXPECT_EQ(r.status, 403u) << r.body;
  // Nothing is assigned to the department before it is called.
  EXPECT_EQ(
      As("unit1").Send("GET", "/api/v1/tickets?assigned=true").Json().at("items").as_array().size(),
      0u);
  r = Act("street1", id, R"({"type":"escalate","unit_ids":[)" + std::to_string(w_.unit.id) + "]}");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(State(r.Json().as_object()), "escalated");
  auto x = As("street1").Send("GET", "/api/v1/tickets/" + std::to_string(id) + "/escalations");
  ASSERT_EQ(x.status, 200u);
  auto items = x.Json().at("items").as_array();
  ASSERT_EQ(items.size(), 1u);
  // Default: report within 30 minutes.
  int64_t called = core::ParseTimestamp(items[0].at("called_at").as_string(), "").value();
  int64_t report_due = core::ParseTimestamp(items[0].at("report_due").as_string(), "").value();
  EXPECT_EQ(report_due - called, 30 * core::kMsPerMinute);
  // The department sees it among its assigned work and reports in.
  auto mine = As("unit1").Send("GET", "/api/v1/tickets?assigned=true");
  ASSERT_EQ(mine.status, 200u);
  ASSERT_EQ(mine.Json().at("items").as_array().size(), 1u);
  r = Act("unit1", id, R"({"type":"respond"})");
  EXPECT_EQ(r.status, 422u);
  r = Act("unit1", id, R"({"type":"respond","note":"已派维修队，今晚更换井盖"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  // Reporting twice is a conflict.
  EXPECT_EQ(Act("unit1", id, R"({"type":"respond","note":"再次"})").status, 409u);
  x = As("street1").Send("GET", "/api/v1/tickets/" + std::to_string(id) + "/escalations");
  EXPECT_FALSE(x.Json().at("items").as_array()[0].at("responded_at").is_null());
  EXPECT_FALSE(x.Json().at("items").as_array()[0].at("overdue").as_bool());
  r = Act("street1", id, R"({"type":"resolve","note":"井盖已更换"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(State(r.Json().as_object()), "resolved");
}

TEST_P(TicketsTest, UnsatisfiedRatingReopensOnceThenCloses) {
  json::object t = Report(0);
  const int64_t id = t.at("id").as_int64();
  auto resolve = [&] {
    ASSERT_EQ(DispatchTo(id, "grid1").status, 200u);
    ASSERT_EQ(Act("grid1", id, R"({"type":"resolve","note":"处理完毕"})").status, 200u);
  };
  resolve();
  auto r = Act("resident1", id, R"({"type":"rate","rating":1,"note":"根本没清理"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(State(r.Json().as_object()), "accepted");
  EXPECT_EQ(r.Json().at("reopen_count").as_int64(), 1);
  EXPECT_TRUE(r.Json().at("resolved_at").is_null());
  resolve();
  r = Act("resident1", id, R"({"type":"rate","rating":2})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(State(r.Json().as_object()), "closed");
  // A rating outside 1..5 names the field.
  json::object other = Report(0);
  r = Act("resident1", other.at("id").as_int64(), R"({"type":"rate","rating":9})");
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(r.Json().at("error").at("field").as_string(), "rating");

  // A reopen by staff does not use up the resident's: the unsatisfied rating
  // after it still sends the ticket back.
  const int64_t third = Report(0, "路灯又坏了").at("id").as_int64();
  ASSERT_EQ(DispatchTo(third, "grid1").status, 200u);
  ASSERT_EQ(Act("grid1", third, R"({"type":"resolve","note":"已修"})").status, 200u);
  ASSERT_EQ(Act("secretary1", third, R"({"type":"reopen","note":"抽查未修好"})").status, 200u);
  ASSERT_EQ(DispatchTo(third, "grid1").status, 200u);
  ASSERT_EQ(Act("grid1", third, R"({"type":"resolve","note":"已修"})").status, 200u);
  r = Act("resident1", third, R"({"type":"rate","rating":1})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(State(r.Json().as_object()), "accepted");
  EXPECT_EQ(r.Json().at("reopen_count").as_int64(), 2);
}

TEST_P(TicketsTest, RetriedSubmitWithTheSameIdempotencyKeyMakesOneTicket) {
  const std::string body = R"({"category_id":)" + std::to_string(Category("E01.01")) +
                           R"(,"description":"重复提交测试","location":)" + Loc(GridCenter(0)) +
                           "}";
  const int64_t before = Count("ticket");
  auto first = Submit("resident1", body, {{"Idempotency-Key", "k-123"}});
  ASSERT_EQ(first.status, 201u) << first.body;
  auto again = Submit("resident1", body, {{"Idempotency-Key", "k-123"}});
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_EQ(again.Header("Idempotent-Replayed"), "true");
  EXPECT_EQ(again.Json().at("id"), first.Json().at("id"));
  EXPECT_EQ(Count("ticket"), before + 1);
  // The same key with a different request is refused and creates nothing.
  auto changed = Submit("resident1",
                        R"({"category_id":)" + std::to_string(Category("E01.01")) +
                            R"(,"description":"另一件事","location":)" + Loc(GridCenter(0)) + "}",
                        {{"Idempotency-Key", "k-123"}});
  EXPECT_EQ(changed.status, 409u) << changed.body;
  EXPECT_EQ(Count("ticket"), before + 1);
  // Keys are per account: another account may use the same key.
  auto other = Submit("member1", body, {{"Idempotency-Key", "k-123"}});
  EXPECT_EQ(other.status, 201u) << other.body;
  EXPECT_EQ(Count("ticket"), before + 2);
}

TEST_P(TicketsTest, ARetriedActionWithTheSameIdempotencyKeyAppendsOneEvent) {
  const int64_t id = Report(0).at("id").as_int64();
  const std::string events = "/api/v1/tickets/" + std::to_string(id) + "/events";
  auto act = [&](const std::string& body, const std::string& key) {
    return As("secretary1").Send("POST", events, body, {{"Idempotency-Key", key}});
  };
  const int64_t before = Count("ticket_event");
  auto first = act(R"({"type":"accept","version":1})", "a-1");
  ASSERT_EQ(first.status, 200u) << first.body;
  // The answer was lost; the retry (same stale version too) answers the
  // ticket as it is and appends nothing.
  EXPECT_EQ(first.Header("Idempotent-Replayed"), "");
  auto again = act(R"({"type":"accept","version":1})", "a-1");
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_EQ(again.Header("Idempotent-Replayed"), "true");
  EXPECT_EQ(State(again.Json().as_object()), "accepted");
  EXPECT_EQ(again.Json().at("version"), first.Json().at("version"));
  EXPECT_EQ(Count("ticket_event"), before + 1);
  // The key of another action is refused and changes nothing.
  auto other = act(R"({"type":"comment","note":"另一件事"})", "a-1");
  EXPECT_EQ(other.status, 409u) << other.body;
  EXPECT_EQ(Count("ticket_event"), before + 1);
  // Comments (no state change) are kept once per key as well.
  ASSERT_EQ(act(R"({"type":"comment","note":"已电话联系"})", "c-1").status, 200u);
  ASSERT_EQ(act(R"({"type":"comment","note":"已电话联系"})", "c-1").status, 200u);
  EXPECT_EQ(Count("ticket_event"), before + 2);
  EXPECT_EQ(act(R"({"type":"comment","note":"x"})", std::string(201, 'k')).status, 422u);
}

TEST_P(TicketsTest, AResidentMayWithdrawTheirOwnDemandBeforeWorkStarts) {
  const int64_t id = Report(0).at("id").as_int64();
  // Nobody else who is not staff may close it (a 随手拍 is public: seen, not
  // closable), nor may the submitter close it as a duplicate.
  EXPECT_EQ(Act("member1", id, R"({"type":"close"})").status, 403u);
  EXPECT_EQ(Act("resident1", id, R"({"type":"close","duplicate_of":1})").status, 403u);
  auto r = Act("resident1", id, R"({"type":"close","note":"已自行解决"})");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(State(r.Json().as_object()), "closed");

  // Once it is being handled, only the community closes it.
  const int64_t other = Report(0, "楼道灯不亮").at("id").as_int64();
  ASSERT_EQ(DispatchTo(other, "grid1").status, 200u);
  const int64_t events = Count("ticket_event");
  EXPECT_EQ(Act("resident1", other, R"({"type":"close"})").status, 409u);
  ASSERT_EQ(Act("grid1", other, R"({"type":"resolve","note":"已修好"})").status, 200u);
  EXPECT_EQ(Act("resident1", other, R"({"type":"close"})").status, 403u);  // rate it instead
  EXPECT_EQ(Count("ticket_event"), events + 1);
}

TEST_P(TicketsTest, TheDispatchDialogListsExactlyWhomTheTicketMayGoTo) {
  const int64_t id = Report(0).at("id").as_int64();  // grid A1, community A
  const std::string path = "/api/v1/tickets/" + std::to_string(id) + "/assignees";
  auto r = As("secretary1").Send("GET", path);
  ASSERT_EQ(r.status, 200u) << r.body;
  const json::value body = r.Json();
  std::vector<std::pair<std::string, int64_t>> targets;
  for (const auto& item : body.at("items").as_array()) {
    const json::object& o = item.as_object();
    EXPECT_FALSE(o.at("name").as_string().empty());
    targets.emplace_back(std::string(o.at("kind").as_string()), o.at("id").as_int64());
  }
  auto has = [&](const std::string& kind, int64_t target) {
    return std::find(targets.begin(), targets.end(), std::pair{kind, target}) != targets.end();
  };
  // The grid's own worker comes first; another grid's worker is not offered.
  ASSERT_FALSE(targets.empty());
  EXPECT_EQ(targets.front(), (std::pair<std::string, int64_t>{"account", AccountId("grid1")}));
  EXPECT_TRUE(has("account", AccountId("secretary1")));
  EXPECT_FALSE(has("account", AccountId("grid2")));
  EXPECT_FALSE(has("account", AccountId("resident1")));
  EXPECT_FALSE(has("board", 0));             // 暴露垃圾 does not go on the board
  EXPECT_TRUE(has("unit", w_.unit.id));      // paired with community A
  EXPECT_TRUE(has("member", w_.member.id));  // registered with community A
  // Every one offered is accepted by dispatch.
  for (const auto& [kind, target] : targets) {
    auto d = Act("secretary1", id,
                 R"({"type":"dispatch","assignee":{"kind":")" + kind + R"(","id":)" +
                     std::to_string(target) + "}}");
    EXPECT_EQ(d.status, 200u) << kind << " " << target << ": " << d.body;
  }
  // Only managers in scope ask: a grid worker or a member who sees the
  // (public) ticket may not; a manager of another community does not see it.
  EXPECT_EQ(As("grid1").Send("GET", path).status, 403u);
  EXPECT_EQ(As("member1").Send("GET", path).status, 403u);
  EXPECT_EQ(As("grid2").Send("GET", path).status, 404u);
}

TEST_P(TicketsTest, BadInputIsRefusedByFieldAndChangesNothing) {
  const int64_t tickets = Count("ticket");
  const int64_t events = Count("ticket_event");
  struct Case {
    std::string body;
    unsigned status;
    std::string field;
  };
  const std::string garbage = std::to_string(Category("E01.01"));
  const std::string wish = std::to_string(Category("S-ASP-01"));
  const std::vector<Case> cases = {
      {R"({"category_id":999999,"description":"x","location":)" + Loc(GridCenter(0)) + "}", 422,
       "category_id"},
      {R"({"category_id":)" + garbage + R"(,"description":"x","location":[117.5,40.9]})", 422,
       "location"},
      {R"({"category_id":)" + garbage + R"(,"description":"x","location":[200,40.9]})", 422,
       "location"},
      {R"({"category_id":)" + garbage + R"(,"description":"x"})", 422, "location"},
      {R"({"category_id":)" + garbage + R"(,"description":"","location":)" + Loc(GridCenter(0)) +
           "}",
       422, "description"},
      {R"({"category_id":)" + wish + R"(,"description":"想要一套书","anonymous":true,"node_id":)" +
           std::to_string(w_.grid_a1.id) + "}",
       422, "anonymous"},
      {R"({"category_id":)" + garbage + R"(,"description":"x","kind":"patrol","location":)" +
           Loc(GridCenter(0)) + "}",
       422, "kind"},
      {R"({"category_id":)" + garbage + R"(,"description":"x","channel":"fax","location":)" +
           Loc(GridCenter(0)) + "}",
       422, "channel"},
      {R"({"category_id":)" + garbage +
           R"(,"description":"x","attachment_ids":[424242],)"
           R"("location":)" +
           Loc(GridCenter(0)) + "}",
       422, "attachment_ids"},
      {R"({"category_id":)" + garbage + R"(,"description":"x","location":"here"})", 422,
       "location"},
      {"not json", 400, "body"},
  };
  for (const Case& c : cases) {
    auto r = Submit("resident1", c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " → " << r.body;
    if (r.status >= 400) {
      EXPECT_EQ(r.Json().at("error").at("field").as_string(), c.field) << c.body;
    }
  }
  EXPECT_EQ(Count("ticket"), tickets);
  EXPECT_EQ(Count("ticket_event"), events);
  // An unknown event type names "type"; a dispatch to a member of another
  // community names "assignee.id".
  json::object t = Report(2);
  auto r = Act("street1", t.at("id").as_int64(), R"({"type":"teleport"})");
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(r.Json().at("error").at("field").as_string(), "type");
  r = Act("street1", t.at("id").as_int64(),
          R"({"type":"dispatch","assignee":{"kind":"member","id":)" + std::to_string(w_.member.id) +
              "}}");
  EXPECT_EQ(r.status, 422u) << r.body;
  EXPECT_EQ(r.Json().at("error").at("field").as_string(), "assignee.id");
}

TEST_P(TicketsTest, ScopingGridWorkersResidentsAndMembers) {
  json::object a1 = Report(0);
  // A private community-service request in grid B1, by a staff member on the phone.
  auto r =
      Submit("street1", R"({"category_id":)" + std::to_string(Category("S-DLY-04")) +
                            R"(,"channel":"phone","kind":"complaint","description":"咨询赡养纠纷",)"
                            R"("contact_name":"王女士","phone":"13912345678","node_id":)" +
                            std::to_string(w_.grid_b1.id) + "}");
  ASSERT_EQ(r.status, 201u) << r.body;
  const int64_t b1 = r.Json().at("id").as_int64();
  EXPECT_EQ(r.Json().at("submitter_phone").as_string(), "139****5678");
  EXPECT_FALSE(r.Json().at("mine").as_bool());
  // Grid workers see their own grid only.
  auto list = [&](const std::string& user) {
    std::vector<int64_t> ids;
    auto resp = As(user).Send("GET", "/api/v1/tickets");
    EXPECT_EQ(resp.status, 200u) << resp.body;
    const json::value page = resp.Json();
    for (const auto& t : page.at("items").as_array()) ids.push_back(t.at("id").as_int64());
    return ids;
  };
  const int64_t a1_id = a1.at("id").as_int64();
  EXPECT_EQ(list("grid1"), (std::vector<int64_t>{a1_id}));
  EXPECT_EQ(list("grid2"), (std::vector<int64_t>{b1}));
  EXPECT_EQ(list("street1"), (std::vector<int64_t>{a1_id, b1}));
  EXPECT_EQ(list("secretary1"), (std::vector<int64_t>{a1_id}));
  // Residents: their own and public ones; never the private request.
  EXPECT_EQ(list("resident1"), (std::vector<int64_t>{a1_id}));
  EXPECT_EQ(As("resident1").Send("GET", "/api/v1/tickets/" + std::to_string(b1)).status, 404u);
  EXPECT_EQ(As("member1").Send("GET", "/api/v1/tickets/" + std::to_string(b1)).status, 404u);
  // Nobody but staff sees the phone of the public ticket's submitter.
  json::object seen = Get("member1", a1_id);
  EXPECT_TRUE(seen.at("submitter_phone").is_null());
  EXPECT_FALSE(seen.at("mine").as_bool());
  // Filtering within a node outside the scope is 404.
  EXPECT_EQ(
      As("grid1").Send("GET", "/api/v1/tickets?within=" + std::to_string(w_.grid_b1.id)).status,
      404u);
  // Without a session: 401.
  EXPECT_EQ(Anonymous()->Send("GET", "/api/v1/tickets").status, 401u);
}

TEST_P(TicketsTest, NearbyOpenTicketsAreOfferedAndCanBeFollowedOrMarkedDuplicate) {
  json::object first = Report(0);
  const int64_t id = first.at("id").as_int64();
  // 20 m east of the first report, same category: offered.
  core::LonLat near = GridCenter(0);
  near.lon += 0.0002;
  auto r = As("member1").Send(
      "GET", "/api/v1/tickets/nearby?category_id=" + std::to_string(Category("E01.01")) +
                 "&lon=" + std::to_string(near.lon) + "&lat=" + std::to_string(near.lat));
  ASSERT_EQ(r.status, 200u) << r.body;
  ASSERT_EQ(r.Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(r.Json().at("items").as_array()[0].at("id").as_int64(), id);
  // 500 m away: not offered.
  r = As("member1").Send(
      "GET", "/api/v1/tickets/nearby?category_id=" + std::to_string(Category("E01.01")) +
                 "&lon=" + std::to_string(near.lon + 0.006) + "&lat=" + std::to_string(near.lat));
  EXPECT_EQ(r.Json().at("items").as_array().size(), 0u);
  // The member follows instead of filing: it shows under "mine".
  ASSERT_EQ(As("member1").Send("POST", "/api/v1/tickets/" + std::to_string(id) + "/follow").status,
            204u);
  auto mine = As("member1").Send("GET", "/api/v1/tickets?mine=true");
  ASSERT_EQ(mine.Json().at("items").as_array().size(), 1u);
  // Staff close a second report as a duplicate of the first.
  json::object dup = Report(0, "门口垃圾");
  r = Act("secretary1", dup.at("id").as_int64(),
          R"({"type":"close","duplicate_of":)" + std::to_string(id) + "}");
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.Json().at("duplicate_of").as_int64(), id);
  EXPECT_EQ(State(r.Json().as_object()), "closed");
}

TEST_P(TicketsTest, CategoriesAreListedToAllAndEditedByTheCountyAdminOnly) {
  auto r = As("resident1").Send("GET", "/api/v1/categories");
  ASSERT_EQ(r.status, 200u);
  EXPECT_GE(r.Json().at("items").as_array().size(), 40u);
  const std::string body =
      R"({"code":"E99.09","name":"共享单车乱停放","group":"event","handler":"grid",)"
      R"("accept_minutes":60,"respond_minutes":240,"resolve_minutes":1440,"allow_anonymous":true})";
  EXPECT_EQ(As("street1").Send("POST", "/api/v1/categories", body).status, 403u);
  r = As("admin").Send("POST", "/api/v1/categories", body);
  ASSERT_EQ(r.status, 201u) << r.body;
  const int64_t id = r.Json().at("id").as_int64();
  r = As("admin").Send("PATCH", "/api/v1/categories/" + std::to_string(id),
                       R"({"resolve_minutes":30})");
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(r.Json().at("error").at("field").as_string(), "resolve_minutes");
  r = As("admin").Send("PATCH", "/api/v1/categories/" + std::to_string(id), R"({"active":false})");
  ASSERT_EQ(r.status, 200u) << r.body;
  // An inactive category takes no new tickets.
  r = Submit("resident1", R"({"category_id":)" + std::to_string(id) +
                              R"(,"description":"x","location":)" + Loc(GridCenter(0)) + "}");
  EXPECT_EQ(r.status, 422u);
  EXPECT_EQ(r.Json().at("error").at("field").as_string(), "category_id");
}

TEST_P(TicketsTest, EveryRoleGetsExactlyItsPartOfTickets) {
  const int64_t pub = Report(0).at("id").as_int64();  // public, grid A1, by resident1
  auto r = Submit("street1", R"({"category_id":)" + std::to_string(Category("S-DLY-04")) +
                                 R"(,"channel":"phone","description":"咨询","phone":"13912345678",)"
                                 R"("node_id":)" +
                                 std::to_string(w_.grid_b1.id) + "}");
  ASSERT_EQ(r.status, 201u) << r.body;
  const int64_t priv = r.Json().at("id").as_int64();  // private, grid B1
  const std::string t = "/api/v1/tickets/";
  struct Row {
    std::string method, path, body;
    std::vector<unsigned> status;  // Usernames() order
  };
  //                                     admin street sec worker grid1 grid2 unit member resident
  const std::vector<Row> rows = {
      {"GET", t + std::to_string(pub), "", {200, 200, 200, 200, 200, 404, 200, 200, 200}},
      {"GET", t + std::to_string(priv), "", {200, 200, 404, 404, 404, 200, 404, 404, 404}},
      {"GET",
       t + std::to_string(priv) + "/events",
       "",
       {200, 200, 404, 404, 404, 200, 404, 404, 404}},
      {"GET", "/api/v1/tickets", "", {200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", "/api/v1/board", "", {200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"GET", "/api/v1/categories", "", {200, 200, 200, 200, 200, 200, 200, 200, 200}},
      {"POST",
       "/api/v1/categories",
       R"({"code":"X{i}","name":"新类别{i}","group":"daily","handler":"community",)"
       R"("accept_minutes":60,"respond_minutes":120,"resolve_minutes":1440})",
       {201, 403, 403, 403, 403, 403, 403, 403, 403}},
      {"POST",
       t + std::to_string(priv) + "/events",
       R"({"type":"accept"})",
       {200, 409, 404, 404, 404, 403, 404, 404, 404}},
      {"POST",
       t + std::to_string(pub) + "/events",
       R"({"type":"comment","note":"补充{i}"})",
       {200, 200, 200, 200, 200, 404, 200, 200, 200}},
      {"POST",
       t + std::to_string(pub) + "/events",
       R"({"type":"escalate","unit_ids":[)" + std::to_string(w_.unit.id) + "]}",
       {200, 422, 403, 403, 403, 404, 403, 403, 403}},
  };
  for (const Row& row : rows) {
    for (size_t i = 0; i < Usernames().size(); ++i) {
      std::string body = row.body;
      for (size_t pos = body.find("{i}"); pos != std::string::npos; pos = body.find("{i}")) {
        body.replace(pos, 3, std::to_string(i));
      }
      auto resp = As(Usernames()[i]).Send(row.method, row.path, body);
      EXPECT_EQ(resp.status, row.status[i])
          << Usernames()[i] << " " << row.method << " " << row.path << " -> " << resp.body;
    }
  }
  // Without a session every ticket route answers 401.
  auto anon = Anonymous();
  for (const Row& row : rows) {
    EXPECT_EQ(anon->Send(row.method, row.path, row.body).status, 401u) << row.path;
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, TicketsTest, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
