#include "domain/access/audit_log.h"

#include <latch>
#include <thread>

#include "domain/testing/domain_fixture.h"

namespace civicgrid::domain {
namespace {

using testing::DomainFixture;

class AuditLogTest : public DomainFixture {
 protected:
  void AppendSome(int n) {
    auto conn = test_db_->db().Acquire();
    for (int i = 0; i < n; ++i) {
      auto tx = store::Transaction::Begin(**conn);
      ASSERT_TRUE(tx.ok());
      ASSERT_TRUE(audit_->Append(**conn, Admin(), "pii.reveal", "resident", i, "x").ok());
      ASSERT_TRUE(tx->Commit().ok());
    }
  }
};

TEST_P(AuditLogTest, ChainVerifies) {
  AppendSome(5);
  auto conn = test_db_->db().Acquire();
  auto report = audit_->Verify(**conn);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->entries, 5);
}

TEST_P(AuditLogTest, DatabaseRefusesUpdateAndDelete) {
  AppendSome(2);
  auto conn = test_db_->db().Acquire();
  EXPECT_FALSE((*conn)->Execute("UPDATE audit_log SET detail = 'y' WHERE seq = 1").ok());
  EXPECT_FALSE((*conn)->Execute("DELETE FROM audit_log WHERE seq = 2").ok());
  EXPECT_TRUE(audit_->Verify(**conn)->ok);
}

TEST_P(AuditLogTest, VerifyFindsTamperingWhenTriggersAreBypassed) {
  AppendSome(3);
  auto conn = test_db_->db().Acquire();
  // Someone with raw database access drops the guard and edits an entry.
  std::string drop = test_db_->backend() == store::Backend::kSqlite
                         ? "DROP TRIGGER audit_log_no_update"
                         : "DROP TRIGGER audit_log_no_update ON audit_log";
  ASSERT_TRUE((*conn)->ExecScript(drop).ok());
  ASSERT_TRUE((*conn)->Execute("UPDATE audit_log SET detail = 'edited' WHERE seq = 2").ok());
  auto report = audit_->Verify(**conn);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok);
  EXPECT_EQ(report->first_bad_seq, 2);
}

// Appenders released together (more of them than the pool's connections)
// each chain onto the same tail: every append lands once, with seq 1..n and
// one unbroken hash chain.
TEST_P(AuditLogTest, ConcurrentAppendsKeepOneChain) {
  constexpr int kThreads = 12;
  constexpr int kEach = 10;
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      AppendSome(kEach);
    });
  }
  for (auto& th : threads) th.join();
  auto conn = test_db_->db().Acquire();
  auto report = audit_->Verify(**conn);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->entries, kThreads * kEach);
  EXPECT_EQ((*conn)->QueryInt("SELECT COUNT(DISTINCT seq) FROM audit_log").value(),
            kThreads * kEach);
  EXPECT_EQ((*conn)->QueryInt("SELECT MAX(seq) FROM audit_log").value(), kThreads * kEach);
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditLogTest, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
