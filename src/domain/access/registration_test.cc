#include "domain/access/registration.h"

#include <regex>

#include "domain/registry/residents.h"
#include "domain/testing/domain_fixture.h"

namespace civicgrid::domain {
namespace {

using testing::DomainFixture;

class RecordingSms : public SmsSender {
 public:
  core::Status Send(const std::string& phone, const std::string& text) override {
    std::smatch m;
    std::regex six("([0-9]{6})");
    if (std::regex_search(text, m, six)) last_code[phone] = m[1];
    ++sent;
    return core::Ok();
  }
  std::map<std::string, std::string> last_code;
  int sent = 0;
};

class RegistrationTest : public DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    AccountOptions options;
    options.password.ops_limit = 1;
    options.password.mem_limit = 8192;
    accounts_ = std::make_unique<AccountService>(test_db_->db(), clock_, *audit_, options);
    accounts_->SetPiiCipher(&cipher_);
    regs_ =
        std::make_unique<RegistrationService>(test_db_->db(), clock_, *audit_, cipher_, *accounts_,
                                              sms_, RegistrationOptions{options.password});
    residents_ = std::make_unique<ResidentService>(test_db_->db(), clock_, *audit_, cipher_);
  }

  core::Result<LoginResult> RegisterPhone(const std::string& phone, int64_t community) {
    RetryAfter retry;
    CG_TRY(regs_->RequestCode(phone, retry));
    return regs_->Register({phone, sms_.last_code[phone], "a-good-secret", "张三", community});
  }

  RecordingSms sms_;
  std::unique_ptr<AccountService> accounts_;
  std::unique_ptr<RegistrationService> regs_;
  std::unique_ptr<ResidentService> residents_;
};

TEST_P(RegistrationTest, CodeRegistersPendingResidentWhoCanSignInByPhone) {
  auto login = RegisterPhone("13800138000", tree_.community_a.id);
  ASSERT_TRUE(login.ok()) << login.error().message;
  EXPECT_EQ(login->caller.role, Role::kResident);
  EXPECT_EQ(login->caller.scope_node_id, tree_.community_a.id);
  EXPECT_FALSE(login->caller.resident_id);
  auto again = accounts_->Login("138 0013 8000", "a-good-secret");
  ASSERT_TRUE(again.ok()) << again.error().message;
  auto profile = accounts_->Profile(again->caller);
  ASSERT_TRUE(profile.ok());
  EXPECT_EQ(profile->home_id, tree_.community_a.id);
  EXPECT_EQ(profile->registration_state, "pending");
  // The same phone again is a conflict naming the phone.
  RetryAfter retry;
  auto dup = regs_->RequestCode("13800138000", retry);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, core::ErrorCode::kConflict);
  EXPECT_EQ(dup.error().field, "phone");
}

TEST_P(RegistrationTest, CodesAreRateLimitedPerPhone) {
  RetryAfter retry;
  ASSERT_TRUE(regs_->RequestCode("13900139000", retry).ok());
  auto soon = regs_->RequestCode("13900139000", retry);
  ASSERT_FALSE(soon.ok());
  EXPECT_EQ(soon.error().code, core::ErrorCode::kRateLimited);
  EXPECT_GT(retry.seconds, 0);
  EXPECT_LE(retry.seconds, 60);
  for (int i = 0; i < 4; ++i) {
    clock_.Advance(61 * 1000);
    RetryAfter r;
    ASSERT_TRUE(regs_->RequestCode("13900139000", r).ok()) << i;
  }
  clock_.Advance(61 * 1000);
  RetryAfter hourly;
  auto sixth = regs_->RequestCode("13900139000", hourly);
  ASSERT_FALSE(sixth.ok());
  EXPECT_GT(hourly.seconds, 60);
  EXPECT_EQ(sms_.sent, 5);
}

TEST_P(RegistrationTest, WrongCodesExpireAndAttemptsAreCounted) {
  RetryAfter retry;
  ASSERT_TRUE(regs_->RequestCode("13700137000", retry).ok());
  std::string code = sms_.last_code["13700137000"];
  std::string wrong = code == "000000" ? "111111" : "000000";
  for (int i = 0; i < 5; ++i) {
    auto bad =
        regs_->Register({"13700137000", wrong, "a-good-secret", "李四", tree_.community_a.id});
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.error().field, "code");
  }
  // Five wrong guesses kill the code, even the right one now fails.
  auto dead = regs_->Register({"13700137000", code, "a-good-secret", "李四", tree_.community_a.id});
  ASSERT_FALSE(dead.ok());
  EXPECT_EQ(dead.error().field, "code");
  clock_.Advance(61 * 1000);
  ASSERT_TRUE(regs_->RequestCode("13700137000", retry).ok());
  clock_.Advance(11 * core::kMsPerMinute);
  auto expired = regs_->Register({"13700137000", sms_.last_code["13700137000"], "a-good-secret",
                                  "李四", tree_.community_a.id});
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().field, "code");
}

TEST_P(RegistrationTest, ValidationNamesFields) {
  RetryAfter retry;
  auto bad_phone = regs_->RequestCode("12345", retry);
  ASSERT_FALSE(bad_phone.ok());
  EXPECT_EQ(bad_phone.error().field, "phone");
  ASSERT_TRUE(regs_->RequestCode("13600136000", retry).ok());
  std::string code = sms_.last_code["13600136000"];
  auto short_pw = regs_->Register({"13600136000", code, "short", "王五", tree_.community_a.id});
  EXPECT_EQ(short_pw.error().field, "password");
  auto grid = regs_->Register({"13600136000", code, "a-good-secret", "王五", tree_.grid_a1.id});
  EXPECT_EQ(grid.error().field, "community_id");
}

TEST_P(RegistrationTest, SecretaryOfTheCommunityConfirmsAndOthersDoNotSeeIt) {
  auto login = RegisterPhone("13500135000", tree_.community_a.id);
  ASSERT_TRUE(login.ok()) << login.error().message;
  const int64_t account = login->caller.account_id;
  NewResident n{tree_.building_a1.id, "101", "赵六", IdNumber(7), "13500135000", 0};
  auto resident = residents_->Create(Admin(), n);
  ASSERT_TRUE(resident.ok()) << resident.error().message;
  auto other_b = As(Role::kCommunitySecretary, tree_.community_b);
  auto list_b = regs_->List(other_b, "pending", Page{});
  ASSERT_TRUE(list_b.ok());
  EXPECT_TRUE(list_b->items.empty());
  EXPECT_EQ(regs_->Confirm(other_b, account, resident->id).error().code,
            core::ErrorCode::kNotFound);
  auto grid_worker = As(Role::kGridWorker, tree_.grid_a1);
  auto list = regs_->List(grid_worker, "pending", Page{});
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list->items.size(), 1u);
  EXPECT_EQ(list->items[0].phone_masked, "135****5000");
  auto confirmed = regs_->Confirm(grid_worker, account, resident->id);
  ASSERT_TRUE(confirmed.ok()) << confirmed.error().message;
  EXPECT_EQ(confirmed->state, "confirmed");
  auto caller = accounts_->AuthenticateSession(login->session_token);
  ASSERT_TRUE(caller.ok());
  EXPECT_EQ(caller->resident_id, resident->id);
  EXPECT_EQ(regs_->Decline(grid_worker, account, "no").error().code, core::ErrorCode::kConflict);
}

TEST_P(RegistrationTest, ConfirmRefusesResidentWithAnotherPhoneOrCommunity) {
  auto login = RegisterPhone("13400134000", tree_.community_a.id);
  ASSERT_TRUE(login.ok());
  const int64_t account = login->caller.account_id;
  auto other_phone = residents_->Create(
      Admin(), {tree_.building_a1.id, "102", "钱七", IdNumber(8), "13400134999", 0});
  auto elsewhere =
      residents_->Create(Admin(), {tree_.building_b1.id, "103", "孙八", IdNumber(9), {}, 0});
  ASSERT_TRUE(other_phone.ok() && elsewhere.ok());
  auto sec = As(Role::kCommunitySecretary, tree_.community_a);
  EXPECT_EQ(regs_->Confirm(sec, account, other_phone->id).error().field, "resident_id");
  EXPECT_EQ(regs_->Confirm(sec, account, elsewhere->id).error().field, "resident_id");
  auto declined = regs_->Decline(sec, account, "不是本社区居民");
  ASSERT_TRUE(declined.ok()) << declined.error().message;
  EXPECT_EQ(declined->state, "declined");
  EXPECT_EQ(declined->note, "不是本社区居民");
}

TEST_P(RegistrationTest, ResetPasswordForcesAChange) {
  auto id = accounts_->CreateAccount(
      nullptr, NewAccount{"worker9", "工作者", "civicgrid-demo", Role::kCommunityWorker,
                          tree_.community_a.id, std::nullopt, std::nullopt, std::nullopt});
  ASSERT_TRUE(id.ok());
  auto street = As(Role::kStreetAdmin, tree_.street);
  street.account_id = 999;
  auto temp = accounts_->ResetPassword(street, *id);
  ASSERT_TRUE(temp.ok()) << temp.error().message;
  EXPECT_EQ(temp->size(), 12u);
  EXPECT_FALSE(accounts_->Login("worker9", "civicgrid-demo").ok());
  auto login = accounts_->Login("worker9", *temp);
  ASSERT_TRUE(login.ok());
  EXPECT_TRUE(login->caller.must_change_password);
  ASSERT_TRUE(accounts_->ChangePassword(login->caller, *temp, "a-new-secret").ok());
  auto after = accounts_->Login("worker9", "a-new-secret");
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->caller.must_change_password);
  // A street admin may not hand out a county role, nor reach outside its street.
  AccountChange up;
  up.role = Role::kCountyAdmin;
  EXPECT_EQ(accounts_->UpdateAccount(street, *id, up).error().field, "role");
  auto community_b = As(Role::kCommunitySecretary, tree_.community_b);
  community_b.role = Role::kStreetAdmin;
  AccountFilter filter;
  auto none = accounts_->ListAccounts(community_b, filter);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->items.empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, RegistrationTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
