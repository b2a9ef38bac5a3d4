#include "domain/tickets/intake.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "domain/access/account_service.h"
#include "domain/testing/domain_fixture.h"
#include "domain/tickets/stats.h"

namespace civicgrid::domain {
namespace {

using Inserted = TicketService::Inserted;

// Collects callback results; Wait() blocks until `n` arrived (or gives up).
class Results {
 public:
  IntakeWriter::Done Slot(size_t index) {
    {
      std::lock_guard lock(mutex_);
      if (results_.size() <= index) results_.resize(index + 1);
    }
    return [this, index](core::Result<Inserted> result) {
      std::lock_guard lock(mutex_);
      EXPECT_FALSE(results_[index].has_value()) << "callback " << index << " called twice";
      results_[index] = std::move(result);
      ++arrived_;
      changed_.notify_all();
    };
  }
  bool Wait(size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(60), [&] { return arrived_ >= n; });
  }
  const core::Result<Inserted>& at(size_t index) {
    std::lock_guard lock(mutex_);
    return *results_.at(index);
  }
  size_t arrived() {
    std::lock_guard lock(mutex_);
    return arrived_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::optional<core::Result<Inserted>>> results_;
  size_t arrived_ = 0;
};

// Counts commits reported to observers; when armed, writes a row that breaks
// a deferred foreign key, so the transaction fails at COMMIT (on both
// backends) although every statement succeeded. With `defer_refused`, each
// batch's observer step defers (store::Connection::Defer) a row the database
// refuses at once: on PostgreSQL the failure comes back with a later
// statement, on SQLite from the Defer itself.
class CommitProbe : public TicketObserver {
 public:
  core::Status InTransactionBatch(store::Connection& conn,
                                  const std::vector<TicketChange>& changes) override {
    if (defer_refused) CG_TRY(conn.Defer("INSERT INTO refused_now (n) VALUES (-1)"));
    return TicketObserver::InTransactionBatch(conn, changes);
  }
  core::Status InTransaction(store::Connection& conn, const TicketChange& change) override {
    if (!armed) return core::Ok();
    CG_TRY(conn.Execute("INSERT INTO fail_on_commit (parent_id) VALUES ($1)",
                        {change.after.id + 1'000'000}));
    return core::Ok();
  }
  void Committed(const TicketChange& change) override {
    std::lock_guard lock(mutex);
    committed.insert(change.after.id);
  }
  std::atomic<bool> armed{false};
  std::atomic<bool> defer_refused{false};
  std::mutex mutex;
  std::set<int64_t> committed;
};

class IntakeTest : public testing::DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    store::Db& db = test_db_->db();
    core::PasswordOptions password{1, 8192, 8, 128};
    accounts_ = std::make_unique<AccountService>(db, clock_, *audit_, AccountOptions{password});
    NewAccount a{"admin",         "admin",      "password-123", Role::kCountyAdmin,
                 tree_.county.id, std::nullopt, std::nullopt,   std::nullopt};
    ASSERT_TRUE(accounts_->CreateAccount(nullptr, a).ok());
    admin_ = accounts_->CallerForUsername("admin").value();
    locator_ = std::make_unique<GridLocator>(db);
    categories_ = std::make_unique<CategoryService>(db, clock_, *audit_);
    ASSERT_TRUE(categories_->SeedDefaults().ok());
    tickets_ =
        std::make_unique<TicketService>(db, clock_, *audit_, cipher_, *locator_, *categories_);
    stats_ = std::make_unique<TicketStats>(db, clock_);  // rollups and inbox counters
    tickets_->AddObserver(stats_.get());
    tickets_->AddObserver(&probe_);
    category_id_ = categories_->GetByCode("E01.01").value().id;
    auto conn = db.Acquire();
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)
                    ->ExecScript("CREATE TABLE fail_parent (id BIGINT PRIMARY KEY);"
                                 "CREATE TABLE fail_on_commit (parent_id BIGINT REFERENCES "
                                 "fail_parent(id) DEFERRABLE INITIALLY DEFERRED);"
                                 "CREATE TABLE refused_now (n BIGINT CHECK (n > 0));")
                    .ok());
  }

  void TearDown() override {
    writer_.reset();  // before the services it borrows
  }

  IntakeWriter& Writer(IntakeOptions options = {}) {
    writer_ = std::make_unique<IntakeWriter>(test_db_->db(), *tickets_, options);
    return *writer_;
  }

  PreparedTicket Prepared(const std::string& description,
                          std::optional<std::string> key = std::nullopt) {
    NewTicket t;
    t.category_id = category_id_;
    t.node_id = tree_.grid_a1.id;
    t.description = description;
    t.idempotency_key = std::move(key);
    auto prepared = tickets_->Prepare(admin_, t);
    EXPECT_TRUE(prepared.ok()) << (prepared.ok() ? "" : prepared.error().message);
    return prepared.ok() ? *prepared : PreparedTicket{};
  }

  int64_t Count(const std::string& table) {
    auto conn = test_db_->db().Acquire();
    return (*conn)->QueryInt("SELECT COUNT(*) FROM " + table).value();
  }

  std::unique_ptr<AccountService> accounts_;
  std::unique_ptr<GridLocator> locator_;
  std::unique_ptr<CategoryService> categories_;
  std::unique_ptr<TicketStats> stats_;
  std::unique_ptr<TicketService> tickets_;
  std::unique_ptr<IntakeWriter> writer_;
  CommitProbe probe_;
  Caller admin_;
  int64_t category_id_ = 0;
};

TEST_P(IntakeTest, QueuedSubmissionsCommitAsOneBatch) {
  IntakeWriter& writer = Writer();
  Results results;
  constexpr size_t kItems = 20;
  for (size_t i = 0; i < kItems; ++i) {  // queued before the writer runs: one batch
    writer.Submit(admin_, Prepared("路灯不亮 " + std::to_string(i)), results.Slot(i));
  }
  EXPECT_EQ(results.arrived(), 0U);
  writer.Start();
  ASSERT_TRUE(results.Wait(kItems));
  std::set<std::string> numbers;
  for (size_t i = 0; i < kItems; ++i) {
    const auto& r = results.at(i);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_TRUE(r->created);
    EXPECT_EQ(r->ticket.description, "路灯不亮 " + std::to_string(i));
    numbers.insert(r->ticket.number);
    std::lock_guard lock(probe_.mutex);
    EXPECT_EQ(probe_.committed.count(r->ticket.id), 1U) << "observers told after the commit";
  }
  EXPECT_EQ(numbers.size(), kItems);
  EXPECT_EQ(Count("ticket"), static_cast<int64_t>(kItems));
  IntakeStats stats = writer.stats();
  EXPECT_EQ(stats.batches, 1);
  EXPECT_EQ(stats.items, static_cast<int64_t>(kItems));
  EXPECT_EQ(stats.largest_batch, static_cast<int64_t>(kItems));
  EXPECT_EQ(stats.insert.fallbacks, 0) << "written together, not one by one";
  // The multi-row writes kept the derived rows: one event each, the rollup's
  // day and month rows (per node and per parent) and the inbox counters count every ticket.
  EXPECT_EQ(Count("ticket_event"), static_cast<int64_t>(kItems));
  auto conn = test_db_->db().Acquire();
  ASSERT_TRUE(conn.ok());
  for (int grain : {1, 2, 3, 4, 5, 6}) {
    EXPECT_EQ((*conn)
                  ->QueryInt("SELECT SUM(received) FROM ticket_rollup WHERE grain = $1", {grain})
                  .value(),
              static_cast<int64_t>(kItems));
  }
  EXPECT_EQ((*conn)->QueryInt("SELECT SUM(n) FROM ticket_state_count").value(),
            static_cast<int64_t>(kItems));
}

// A row the database itself refuses (here a node that does not exist, which
// no check before the INSERT catches) fails only its own submission: the
// batch is written again one by one and its neighbours are acknowledged.
TEST_P(IntakeTest, ARowTheDatabaseRefusesFailsAloneInItsBatch) {
  IntakeWriter& writer = Writer();
  Results results;
  PreparedTicket bad = Prepared("节点不存在");
  bad.node_id = 9'999'999;
  writer.Submit(admin_, Prepared("路面塌陷", "k-0"), results.Slot(0));
  writer.Submit(admin_, bad, results.Slot(1));
  writer.Submit(admin_, Prepared("广告乱贴", "k-2"), results.Slot(2));
  writer.Start();
  ASSERT_TRUE(results.Wait(3));
  ASSERT_TRUE(results.at(0).ok()) << results.at(0).error().message;
  EXPECT_FALSE(results.at(1).ok());
  ASSERT_TRUE(results.at(2).ok()) << results.at(2).error().message;
  EXPECT_NE(results.at(0)->ticket.number, results.at(2)->ticket.number);
  EXPECT_EQ(Count("ticket"), 2);
  EXPECT_EQ(Count("ticket_event"), 2);
  EXPECT_EQ(Count("idempotency_key"), 2);
  IntakeStats stats = writer.stats();
  EXPECT_EQ(stats.batches, 1);
  EXPECT_EQ(stats.failed_commits, 0);
  EXPECT_EQ(stats.insert.fallbacks, 1);
  std::lock_guard lock(probe_.mutex);
  EXPECT_EQ(probe_.committed.size(), 2U);
}

// A deferred statement of the batch that fails is caught inside the batch
// (before its savepoint is released): the batch is written again one by one
// and every submission is acknowledged, instead of the whole commit failing.
TEST_P(IntakeTest, ADeferredStatementThatFailsIsCaughtInsideTheBatch) {
  IntakeWriter& writer = Writer();
  Results results;
  probe_.defer_refused = true;
  for (size_t i = 0; i < 3; ++i) {
    writer.Submit(admin_, Prepared("占道经营 " + std::to_string(i)), results.Slot(i));
  }
  writer.Start();
  ASSERT_TRUE(results.Wait(3));
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(results.at(i).ok()) << i << ": " << results.at(i).error().message;
  }
  EXPECT_EQ(Count("ticket"), 3);
  EXPECT_EQ(Count("refused_now"), 0);
  IntakeStats stats = writer.stats();
  EXPECT_EQ(stats.failed_commits, 0);
  EXPECT_EQ(stats.insert.fallbacks, 1);
}

TEST_P(IntakeTest, OneBadItemFailsAloneAndReplaysReturnTheEarlierTicket) {
  IntakeWriter& writer = Writer();
  Results results;
  writer.Submit(admin_, Prepared("井盖缺失", "key-1"), results.Slot(0));
  writer.Submit(admin_, Prepared("另一个请求", "key-1"), results.Slot(1));  // same key, other body
  writer.Submit(admin_, Prepared("树枝折断"), results.Slot(2));
  writer.Submit(admin_, Prepared("井盖缺失", "key-1"), results.Slot(3));  // a retry
  writer.Start();
  ASSERT_TRUE(results.Wait(4));
  ASSERT_TRUE(results.at(0).ok()) << results.at(0).error().message;
  EXPECT_TRUE(results.at(0)->created);
  ASSERT_FALSE(results.at(1).ok());
  EXPECT_EQ(results.at(1).error().code, core::ErrorCode::kConflict);
  EXPECT_EQ(results.at(1).error().field, "Idempotency-Key");
  ASSERT_TRUE(results.at(2).ok()) << results.at(2).error().message;
  ASSERT_TRUE(results.at(3).ok()) << results.at(3).error().message;
  EXPECT_FALSE(results.at(3)->created);
  EXPECT_EQ(results.at(3)->ticket.id, results.at(0)->ticket.id);
  EXPECT_EQ(Count("ticket"), 2);
  EXPECT_EQ(Count("ticket_event"), 2);
  EXPECT_EQ(writer.stats().batches, 1);
  std::lock_guard lock(probe_.mutex);
  EXPECT_EQ(probe_.committed.size(), 2U) << "a replay is not a new commit";
}

// A batch's answers are built from what it wrote, not read back
// (TicketStore::AsInserted): each must equal a read of the stored ticket,
// whatever the submission carried (a phone and a contact, anonymity, a
// location, attachments given out of order, a first routing, is_public).
TEST_P(IntakeTest, AnswersAreTheTicketsAsStored) {
  auto conn = test_db_->db().Acquire();
  ASSERT_TRUE(conn.ok());
  for (int64_t id : {8, 3}) {
    ASSERT_TRUE(
        (*conn)
            ->Execute("INSERT INTO attachment (id, sha256, content_type, bytes, created_at) "
                      "VALUES ($1, $2, 'image/jpeg', 10, 0)",
                      {id, "sha-" + std::to_string(id)})
            .ok());
  }
  Category routed = categories_->GetByCode("E04.05").value();  // allows anonymity
  routed.first_route = FirstRoute::kCommunity;
  ASSERT_TRUE(categories_->Update(admin_, routed.id, routed).ok());
  std::vector<NewTicket> inputs(4);
  for (NewTicket& t : inputs) {
    t.category_id = category_id_;
    t.node_id = tree_.grid_a1.id;
    t.description = "路灯不亮";
  }
  inputs[0].title = "东门路灯";
  inputs[0].address = "东门 3 号";
  inputs[0].attachment_ids = {8, 3};
  inputs[0].is_public = false;
  inputs[1].channel = TicketChannel::kPhone;
  inputs[1].phone = "13800138000";
  inputs[1].contact_name = "王大爷";
  inputs[2].category_id = routed.id;
  inputs[2].anonymous = true;
  IntakeWriter& writer = Writer();
  Results results;
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto prepared = tickets_->Prepare(admin_, inputs[i]);
    ASSERT_TRUE(prepared.ok()) << i << ": " << prepared.error().message;
    // As a located submission prepares it (the fixture's grids have no boundary to locate in).
    if (i == 3) prepared->wgs84 = core::LonLat{116.29499328898949, 39.00000000000001};
    writer.Submit(admin_, *prepared, results.Slot(i));
  }
  writer.Start();
  ASSERT_TRUE(results.Wait(inputs.size()));
  EXPECT_EQ(writer.stats().batches, 1);
  TicketStore store(**conn);
  for (size_t i = 0; i < inputs.size(); ++i) {
    ASSERT_TRUE(results.at(i).ok()) << results.at(i).error().message;
    auto stored = store.LoadMany({results.at(i)->ticket.id});
    ASSERT_TRUE(stored.ok()) << stored.error().message;
    EXPECT_TRUE(results.at(i)->ticket == stored->front()) << "item " << i;
  }
  EXPECT_EQ(results.at(0)->ticket.attachment_ids, (std::vector<int64_t>{3, 8}));
  EXPECT_TRUE(results.at(1)->ticket.submitter_phone_masked.has_value());
  EXPECT_EQ(results.at(2)->ticket.first_route, FirstRoute::kCommunity);
  EXPECT_TRUE(results.at(3)->ticket.location.has_value());
}

// A batch takes the serials of every county it files in, its tickets' ids
// and its events' ids with one call (one round trip on PostgreSQL); each
// prefix counts on from where it stood, and the ids are new ones.
TEST_P(IntakeTest, SerialsAndIdsOfABatchComeInOneCall) {
  auto conn = test_db_->db().Acquire();
  ASSERT_TRUE(conn.ok());
  TicketStore store(**conn);
  auto tx = store::Transaction::Begin(**conn, store::TxMode::kWrite);
  ASSERT_TRUE(tx.ok());
  const int64_t last_ticket = (*conn)->QueryInt("SELECT COALESCE(MAX(id), 0) FROM ticket").value();
  const int64_t last_event =
      (*conn)->QueryInt("SELECT COALESCE(MAX(id), 0) FROM ticket_event").value();
  auto first = store.Reserve({{"131022-2026", 3}, {"131023-2026", 1}}, 4);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->first_serial,
            (std::map<std::string, int64_t>{{"131022-2026", 1}, {"131023-2026", 1}}));
  auto fresh = [](const std::vector<int64_t>& ids, size_t n, int64_t above) {
    if (ids.size() != n || ids.front() <= above) return false;
    return std::adjacent_find(ids.begin(), ids.end(), std::greater_equal<>()) == ids.end();
  };
  EXPECT_TRUE(fresh(first->ticket_ids, 4, last_ticket));
  EXPECT_TRUE(fresh(first->event_ids, 4, last_event));
  const int64_t trips = (*conn)->round_trips();  // the statements are prepared now
  auto next = store.Reserve({{"131022-2026", 2}, {"131023-2026", 5}}, 7);
  ASSERT_TRUE(next.ok()) << next.error().message;
  EXPECT_EQ((*conn)->round_trips() - trips, GetParam() == store::Backend::kPostgres ? 1 : 0);
  EXPECT_EQ(next->first_serial,
            (std::map<std::string, int64_t>{{"131022-2026", 4}, {"131023-2026", 2}}));
  // PostgreSQL draws from the sequences; SQLite counts on from the largest
  // id, which the writer, holding the write lock, then inserts.
  const bool pg = GetParam() == store::Backend::kPostgres;
  EXPECT_TRUE(fresh(next->ticket_ids, 7, pg ? first->ticket_ids.back() : last_ticket));
  EXPECT_TRUE(fresh(next->event_ids, 7, pg ? first->event_ids.back() : last_event));
  EXPECT_EQ(
      (*conn)->QueryInt("SELECT seq FROM ticket_counter WHERE prefix = '131023-2026'").value(), 6);
}

TEST_P(IntakeTest, FailedCommitFailsEveryItemOfTheBatch) {
  IntakeWriter& writer = Writer();
  Results results;
  probe_.armed = true;
  for (size_t i = 0; i < 3; ++i) {
    writer.Submit(admin_, Prepared("占道经营 " + std::to_string(i)), results.Slot(i));
  }
  writer.Start();
  ASSERT_TRUE(results.Wait(3));
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_FALSE(results.at(i).ok()) << i;
  }
  EXPECT_EQ(Count("ticket"), 0);
  EXPECT_EQ(writer.stats().failed_commits, 1);
  {
    std::lock_guard lock(probe_.mutex);
    EXPECT_TRUE(probe_.committed.empty());
  }
  probe_.armed = false;  // the writer goes on with the next batch
  writer.Submit(admin_, Prepared("占道经营 again"), results.Slot(3));
  ASSERT_TRUE(results.Wait(4));
  ASSERT_TRUE(results.at(3).ok()) << results.at(3).error().message;
  EXPECT_EQ(Count("ticket"), 1);
}

TEST_P(IntakeTest, ShutdownWritesOutTheQueueThenRefuses) {
  IntakeWriter& writer = Writer();
  Results results;
  for (size_t i = 0; i < 10; ++i) {
    writer.Submit(admin_, Prepared("噪音扰民 " + std::to_string(i)), results.Slot(i));
  }
  writer.Start();
  writer.Shutdown();
  EXPECT_EQ(results.arrived(), 10U);
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_TRUE(results.at(i).ok()) << i;
  }
  EXPECT_EQ(Count("ticket"), 10);
  writer.Submit(admin_, Prepared("太晚了"), results.Slot(10));
  ASSERT_EQ(results.arrived(), 11U);
  ASSERT_FALSE(results.at(10).ok());
  EXPECT_EQ(results.at(10).error().code, core::ErrorCode::kUnavailable);
  EXPECT_EQ(Count("ticket"), 10);
}

// The writer, sync and answer threads take IntakeOptions::nice (a lower priority here: that
// needs no privilege, so the test holds wherever it runs).
TEST_P(IntakeTest, ItsThreadsRunAtTheConfiguredPriority) {
  IntakeOptions options;
  options.nice = 2;
  IntakeWriter& writer = Writer(options);
  Results results;
  writer.Start();
  writer.Submit(admin_, Prepared("路灯不亮"), results.Slot(0));
  writer.Shutdown();
  ASSERT_EQ(results.arrived(), 1U);
  EXPECT_TRUE(results.at(0).ok());
  EXPECT_EQ(writer.stats().prioritized_threads, 3);
}

TEST_P(IntakeTest, NeverStartedWriterStillAnswersWhatWasQueued) {
  Results results;
  {
    IntakeWriter writer(test_db_->db(), *tickets_);
    writer.Submit(admin_, Prepared("未启动也要落库"), results.Slot(0));
  }
  ASSERT_EQ(results.arrived(), 1U);
  EXPECT_TRUE(results.at(0).ok());
  EXPECT_EQ(Count("ticket"), 1);
}

TEST_P(IntakeTest, FullQueueRefusesAtOnce) {
  IntakeWriter& writer = Writer(IntakeOptions{.max_batch = 256, .max_queue = 2});
  Results results;
  for (size_t i = 0; i < 3; ++i) {
    writer.Submit(admin_, Prepared("排队 " + std::to_string(i)), results.Slot(i));
  }
  ASSERT_EQ(results.arrived(), 1U);  // the third, refused on the spot
  ASSERT_FALSE(results.at(2).ok());
  EXPECT_EQ(results.at(2).error().code, core::ErrorCode::kUnavailable);
  writer.Start();
  ASSERT_TRUE(results.Wait(3));
  EXPECT_EQ(Count("ticket"), 2);
}

TEST_P(IntakeTest, ConcurrentSubmittersAreAllAcknowledgedOnce) {
  IntakeWriter& writer = Writer(IntakeOptions{.max_batch = 16, .max_queue = 10'000});
  writer.Start();
  constexpr size_t kThreads = 8;
  constexpr size_t kEach = 25;
  Results results;
  std::vector<PreparedTicket> prepared;
  for (size_t i = 0; i < kThreads * kEach; ++i) {
    prepared.push_back(Prepared("并发提交 " + std::to_string(i), "c-" + std::to_string(i)));
    (void)results.Slot(i);
  }
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      start.arrive_and_wait();
      for (size_t i = t * kEach; i < (t + 1) * kEach; ++i) {
        writer.Submit(admin_, prepared[i], results.Slot(i));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(results.Wait(kThreads * kEach));
  std::set<int64_t> ids;
  for (size_t i = 0; i < kThreads * kEach; ++i) {
    ASSERT_TRUE(results.at(i).ok()) << results.at(i).error().message;
    ids.insert(results.at(i)->ticket.id);
  }
  EXPECT_EQ(ids.size(), kThreads * kEach);
  EXPECT_EQ(Count("ticket"), static_cast<int64_t>(kThreads * kEach));
  EXPECT_EQ(Count("idempotency_key"), static_cast<int64_t>(kThreads * kEach));
  IntakeStats stats = writer.stats();
  EXPECT_EQ(stats.items, static_cast<int64_t>(kThreads * kEach));
  EXPECT_LE(stats.largest_batch, 16);
  EXPECT_EQ(stats.failed_commits, 0);
}

// Retries of one submission under one Idempotency-Key, sent at once (a
// client that timed out and retried on several connections): one ticket,
// every retry acknowledged with it. Repeated with a fresh key per round so
// that retries land both in the first one's batch and in later ones.
TEST_P(IntakeTest, ConcurrentRetriesUnderOneKeyMakeOneTicket) {
  IntakeWriter& writer = Writer(IntakeOptions{.max_batch = 4, .max_queue = 10'000});
  writer.Start();
  constexpr size_t kThreads = 12;
  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    const PreparedTicket prepared =
        Prepared("重试提交 " + std::to_string(round), "retry-" + std::to_string(round));
    Results results;
    for (size_t i = 0; i < kThreads; ++i) (void)results.Slot(i);
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (size_t t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        start.arrive_and_wait();
        writer.Submit(admin_, prepared, results.Slot(t));
      });
    }
    for (auto& thread : threads) thread.join();
    ASSERT_TRUE(results.Wait(kThreads));
    int created = 0, replayed = 0;
    std::set<int64_t> ids;
    for (size_t i = 0; i < kThreads; ++i) {
      ASSERT_TRUE(results.at(i).ok()) << results.at(i).error().message;
      (results.at(i)->created ? created : replayed) += 1;
      ids.insert(results.at(i)->ticket.id);
    }
    SCOPED_TRACE(::testing::Message() << "round " << round);
    EXPECT_EQ(created, 1);
    EXPECT_EQ(replayed, static_cast<int>(kThreads) - 1);
    EXPECT_EQ(ids.size(), 1u);
    EXPECT_EQ(Count("ticket"), round + 1);
    EXPECT_EQ(Count("idempotency_key"), round + 1);
  }
}

// On SQLite with synchronous=FULL the commits skip their fsync and the
// answer thread syncs the WAL before it answers (PostgreSQL: nothing to
// defer). No pooled connection is left committing without a sync.
TEST_P(IntakeTest, SyncsTheWalBeforeAnsweringAndLeavesNoConnectionDeferred) {
  IntakeWriter& writer = Writer();
  writer.Start();
  Results results;
  for (size_t i = 0; i < 6; ++i) {
    writer.Submit(admin_, Prepared("井盖缺失 " + std::to_string(i)), results.Slot(i));
    ASSERT_TRUE(results.Wait(i + 1));  // one batch each
    ASSERT_TRUE(results.at(i).ok()) << results.at(i).error().message;
  }
  EXPECT_EQ(Count("ticket"), 6);
  IntakeStats stats = writer.stats();
  EXPECT_EQ(stats.failed_syncs, 0);
  if (GetParam() == store::Backend::kPostgres) {
    EXPECT_EQ(stats.syncs, 0);
    return;
  }
  // The first batch may make the barrier; every later one is deferred and
  // answered after a sync.
  EXPECT_GE(stats.syncs, 5);
  EXPECT_LE(stats.syncs, stats.batches);
  std::vector<store::PooledConnection> all;
  for (int i = 0; i < 8; ++i) {  // the whole pool (DbOptions::pool_size)
    auto conn = test_db_->db().Acquire();
    ASSERT_TRUE(conn.ok());
    EXPECT_EQ((*conn)->QueryInt("PRAGMA synchronous").value(), 2) << "connection " << i;
    all.push_back(std::move(*conn));
  }
}

// A sync that fails leaves the batch unacknowledged (Unavailable: the client
// retries), though its commit went through; the writer goes on.
using SqliteIntakeTest = IntakeTest;  // the WAL sync is SQLite's

TEST_P(SqliteIntakeTest, AFailedWalSyncAcknowledgesNothing) {
  IntakeWriter& writer = Writer();
  writer.Start();
  Results results;
  writer.Submit(admin_, Prepared("第一件：楼道灯不亮"), results.Slot(0));
  ASSERT_TRUE(results.Wait(1));
  ASSERT_TRUE(results.at(0).ok()) << results.at(0).error().message;
  writer.Submit(admin_, Prepared("第二件：楼道灯不亮"),
                results.Slot(1));  // makes sure the barrier exists
  ASSERT_TRUE(results.Wait(2));
  ASSERT_TRUE(results.at(1).ok());
  const std::string wal = test_db_->sqlite_path() + "-wal";
  std::filesystem::rename(wal, wal + ".away");  // the barrier can no longer reach it
  writer.Submit(admin_, Prepared("第三件：楼道灯不亮"), results.Slot(2));
  ASSERT_TRUE(results.Wait(3));
  std::filesystem::rename(wal + ".away", wal);
  ASSERT_FALSE(results.at(2).ok()) << "acknowledged without a sync";
  EXPECT_EQ(results.at(2).error().code, core::ErrorCode::kUnavailable);
  EXPECT_EQ(writer.stats().failed_syncs, 1);
  writer.Submit(admin_, Prepared("第四件：楼道灯不亮"), results.Slot(3));
  ASSERT_TRUE(results.Wait(4));
  EXPECT_TRUE(results.at(3).ok()) << results.at(3).error().message;
}

INSTANTIATE_TEST_SUITE_P(Backends, IntakeTest, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());
INSTANTIATE_TEST_SUITE_P(Sqlite, SqliteIntakeTest, ::testing::Values(store::Backend::kSqlite),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
