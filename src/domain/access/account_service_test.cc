#include "domain/access/account_service.h"

#include "domain/testing/domain_fixture.h"

namespace civicgrid::domain {
namespace {

using testing::DomainFixture;

class AccountServiceTest : public DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    AccountOptions options;
    options.password.ops_limit = 1;
    options.password.mem_limit = 8192;
    accounts_ = std::make_unique<AccountService>(test_db_->db(), clock_, *audit_, options);
    auto id = accounts_->CreateAccount(
        nullptr, NewAccount{"grid1", "网格员一", "civicgrid-demo", Role::kGridWorker,
                            tree_.grid_a1.id, std::nullopt, std::nullopt, std::nullopt});
    ASSERT_TRUE(id.ok()) << id.error().message;
  }
  std::unique_ptr<AccountService> accounts_;
};

TEST_P(AccountServiceTest, LoginGivesSessionThatResolvesToScopedCaller) {
  auto login = accounts_->Login("grid1", "civicgrid-demo");
  ASSERT_TRUE(login.ok()) << login.error().message;
  auto caller = accounts_->AuthenticateSession(login->session_token);
  ASSERT_TRUE(caller.ok());
  EXPECT_EQ(caller->role, Role::kGridWorker);
  EXPECT_EQ(caller->scope_path, tree_.grid_a1.path);
  ASSERT_TRUE(accounts_->Logout(login->session_token).ok());
  EXPECT_FALSE(accounts_->AuthenticateSession(login->session_token).ok());
}

TEST_P(AccountServiceTest, SessionExpires) {
  auto login = accounts_->Login("grid1", "civicgrid-demo");
  ASSERT_TRUE(login.ok());
  clock_.Advance(13 * core::kMsPerHour);
  auto caller = accounts_->AuthenticateSession(login->session_token);
  ASSERT_FALSE(caller.ok());
  EXPECT_EQ(caller.error().code, core::ErrorCode::kUnauthenticated);
}

TEST_P(AccountServiceTest, LocksOutAfterRepeatedFailuresWithBackoff) {
  for (int i = 0; i < 5; ++i) {
    auto bad = accounts_->Login("grid1", "wrong-password");
    ASSERT_EQ(bad.error().code, core::ErrorCode::kUnauthenticated);
  }
  auto locked = accounts_->Login("grid1", "civicgrid-demo");
  ASSERT_FALSE(locked.ok());
  EXPECT_EQ(locked.error().code, core::ErrorCode::kLocked);
  clock_.Advance(61 * core::kMsPerSecond);
  // One more failure after the first lock doubles it.
  ASSERT_EQ(accounts_->Login("grid1", "wrong-password").error().code,
            core::ErrorCode::kUnauthenticated);
  clock_.Advance(61 * core::kMsPerSecond);
  EXPECT_EQ(accounts_->Login("grid1", "civicgrid-demo").error().code, core::ErrorCode::kLocked);
  clock_.Advance(61 * core::kMsPerSecond);
  EXPECT_TRUE(accounts_->Login("grid1", "civicgrid-demo").ok());
}

TEST_P(AccountServiceTest, UnknownUserAndWrongPasswordLookAlike) {
  auto unknown = accounts_->Login("nobody", "civicgrid-demo");
  auto wrong = accounts_->Login("grid1", "civicgrid-dem0");
  ASSERT_FALSE(unknown.ok());
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(unknown.error().message, wrong.error().message);
}

TEST_P(AccountServiceTest, PasswordChangeEndsOtherSessions) {
  auto login = accounts_->Login("grid1", "civicgrid-demo");
  ASSERT_TRUE(login.ok());
  EXPECT_EQ(accounts_->ChangePassword(login->caller, "nope", "another-secret").error().field,
            "old_password");
  EXPECT_EQ(accounts_->ChangePassword(login->caller, "civicgrid-demo", "short").error().field,
            "new_password");
  ASSERT_TRUE(accounts_->ChangePassword(login->caller, "civicgrid-demo", "another-secret").ok());
  EXPECT_FALSE(accounts_->AuthenticateSession(login->session_token).ok());
  EXPECT_FALSE(accounts_->Login("grid1", "civicgrid-demo").ok());
  EXPECT_TRUE(accounts_->Login("grid1", "another-secret").ok());
}

TEST_P(AccountServiceTest, ApiTokensAuthenticateUntilExpiry) {
  auto login = accounts_->Login("grid1", "civicgrid-demo");
  ASSERT_TRUE(login.ok());
  auto token = accounts_->CreateApiToken(login->caller, "open311", clock_.NowMs() + 1000);
  ASSERT_TRUE(token.ok());
  EXPECT_TRUE(accounts_->AuthenticateBearer(*token).ok());
  clock_.Advance(2000);
  EXPECT_FALSE(accounts_->AuthenticateBearer(*token).ok());
}

TEST_P(AccountServiceTest, AdminCreatesAccountsOnlyInsideScope) {
  Caller secretary = As(Role::kCommunitySecretary, tree_.community_a);
  NewAccount a{
      "sec9",       "书记",       "civicgrid-demo", Role::kCommunitySecretary, tree_.community_a.id,
      std::nullopt, std::nullopt, std::nullopt};
  EXPECT_EQ(accounts_->CreateAccount(&secretary, a).error().code, core::ErrorCode::kForbidden);
  secretary.scope_path = tree_.community_b.path;  // permission is checked before scope
  EXPECT_EQ(accounts_->CreateAccount(&secretary, a).error().code, core::ErrorCode::kForbidden);
  // A street admin manages its street's accounts, never a role above its own.
  Caller street_admin = As(Role::kStreetAdmin, tree_.street);
  NewAccount county = a;
  county.role = Role::kCountyAdmin;
  EXPECT_EQ(accounts_->CreateAccount(&street_admin, county).error().field, "role");
  Caller secretary_b = As(Role::kCountyAdmin, tree_.community_b);
  EXPECT_EQ(accounts_->CreateAccount(&secretary_b, a).error().field, "scope_node_id");
  Caller admin = Admin();
  NewAccount dangling = a;
  dangling.username = "res9";
  dangling.role = Role::kResident;
  dangling.resident_id = 987654;
  EXPECT_EQ(accounts_->CreateAccount(&admin, dangling).error().field, "resident_id");
  NewAccount no_unit = a;
  no_unit.username = "unit9";
  no_unit.role = Role::kUnitAdmin;
  EXPECT_EQ(accounts_->CreateAccount(&admin, no_unit).error().field, "unit_id");
  EXPECT_TRUE(accounts_->CreateAccount(&admin, a).ok());
  EXPECT_EQ(accounts_->CreateAccount(&admin, a).error().code, core::ErrorCode::kConflict);
}

// Sessions are resolved from memory after the first request (SessionCache);
// a change an admin makes must still refuse the very next request.
TEST_P(AccountServiceTest, ACachedSessionIsRefusedAtOnceOnDisableRoleOrScopeChange) {
  Caller admin = Admin();
  std::vector<AccountChange> changes(3);
  changes[0].disabled = true;
  changes[1].role = Role::kCommunityWorker;
  changes[2].scope_node_id = tree_.grid_a2.id;
  for (size_t i = 0; i < changes.size(); ++i) {
    auto login = accounts_->Login("grid1", "civicgrid-demo");
    ASSERT_TRUE(login.ok()) << i << ": " << login.error().message;
    ASSERT_TRUE(accounts_->AuthenticateSession(login->session_token).ok()) << i;
    ASSERT_TRUE(accounts_->AuthenticateSession(login->session_token).ok()) << i;  // from memory
    auto updated = accounts_->UpdateAccount(admin, login->caller.account_id, changes[i]);
    ASSERT_TRUE(updated.ok()) << i << ": " << updated.error().message;
    auto next = accounts_->AuthenticateSession(login->session_token);
    ASSERT_FALSE(next.ok()) << "change " << i << " left the cached session working";
    EXPECT_EQ(next.error().code, core::ErrorCode::kUnauthenticated);
    AccountChange enable;
    enable.disabled = false;
    ASSERT_TRUE(accounts_->UpdateAccount(admin, login->caller.account_id, enable).ok());
  }
}

// A change made where this process cannot see it (another server on the same
// database) is trusted from memory for at most the cache's time to live.
TEST_P(AccountServiceTest, ACachedSessionIsTrustedOnlyForTheTimeToLive) {
  auto login = accounts_->Login("grid1", "civicgrid-demo");
  ASSERT_TRUE(login.ok());
  ASSERT_TRUE(accounts_->AuthenticateSession(login->session_token).ok());
  {
    auto conn = test_db_->db().Acquire();
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)->Execute("DELETE FROM session").ok());
  }
  EXPECT_TRUE(accounts_->AuthenticateSession(login->session_token).ok()) << "not from memory";
  clock_.Advance(SessionCacheOptions{}.ttl_ms);
  EXPECT_FALSE(accounts_->AuthenticateSession(login->session_token).ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, AccountServiceTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
