#include "domain/tickets/webhooks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <latch>
#include <mutex>
#include <thread>

#include <boost/json/parse.hpp>

#include "domain/access/account_service.h"
#include "domain/testing/domain_fixture.h"

namespace civicgrid::domain {
namespace {

namespace json = boost::json;

TEST(WebhookUrlTest, AcceptsHttpAndHttpsWithTheirParts) {
  struct Case {
    const char* url;
    bool https;
    const char* host;
    uint16_t port;
    const char* target;
  };
  const Case cases[] = {
      {"http://127.0.0.1:8080/hook?county=131022", false, "127.0.0.1", 8080, "/hook?county=131022"},
      {"https://hooks.example.cn", true, "hooks.example.cn", 443, "/"},
      {"HTTPS://hooks.example.cn:8443/a/b", true, "hooks.example.cn", 8443, "/a/b"},
      {"http://[::1]:9000/x", false, "::1", 9000, "/x"},
      {"http://intranet.gov/", false, "intranet.gov", 80, "/"},
  };
  for (const Case& c : cases) {
    auto url = ParseWebhookUrl(c.url, "url");
    ASSERT_TRUE(url.ok()) << c.url << ": " << url.error().message;
    EXPECT_EQ(url->https, c.https) << c.url;
    EXPECT_EQ(url->host, c.host) << c.url;
    EXPECT_EQ(url->port, c.port) << c.url;
    EXPECT_EQ(url->target, c.target) << c.url;
  }
}

TEST(WebhookUrlTest, RefusesOtherSchemesCredentialsFragmentsAndJunk) {
  const char* bad[] = {"",
                       "ftp://example.com/x",
                       "javascript:alert(1)",
                       "file:///etc/passwd",
                       "http://user:secret@example.com/hook",
                       "http://user@example.com/hook",
                       "http://example.com/hook#part",
                       "http:///no-host",
                       "http://example.com:0/",
                       "example.com/hook",
                       "http://exa mple.com/"};
  for (const char* text : bad) {
    auto url = ParseWebhookUrl(text, "url");
    ASSERT_FALSE(url.ok()) << text;
    EXPECT_EQ(url.error().code, core::ErrorCode::kInvalid) << text;
    EXPECT_EQ(url.error().field, "url") << text;
  }
  EXPECT_FALSE(ParseWebhookUrl("http://example.com/" + std::string(2000, 'a'), "url").ok());
}

// Fails every change after the webhook observer wrote its rows.
class FailingObserver : public TicketObserver {
 public:
  core::Status InTransaction(store::Connection& conn, const TicketChange& change) override {
    (void)conn;
    (void)change;
    return core::Error::Internal("observer failed");
  }
};

class WebhooksTest : public testing::DomainFixture {
 protected:
  void SetUp() override {
    DomainFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    store::Db& db = test_db_->db();
    core::PasswordOptions password{1, 8192, 8, 128};
    accounts_ = std::make_unique<AccountService>(db, clock_, *audit_, AccountOptions{password});
    admin_ = MakeAccount("admin", Role::kCountyAdmin, tree_.county, nullptr);
    street_ = MakeAccount("street", Role::kStreetAdmin, tree_.street, &admin_);
    locator_ = std::make_unique<GridLocator>(db);
    categories_ = std::make_unique<CategoryService>(db, clock_, *audit_);
    ASSERT_TRUE(categories_->SeedDefaults().ok());
    tickets_ =
        std::make_unique<TicketService>(db, clock_, *audit_, cipher_, *locator_, *categories_);
    webhooks_ = std::make_unique<WebhookService>(db, clock_, *audit_, cipher_);
    webhooks_->SetWakeHook([this] { ++wakes_; });
    tickets_->AddObserver(webhooks_.get());
    auto category = categories_->GetByCode("E01.01");
    ASSERT_TRUE(category.ok());
    category_id_ = category->id;
  }

  Caller MakeAccount(const std::string& name, Role role, const OrgNode& scope,
                     const Caller* creator) {
    NewAccount a{name,     name,         "password-123", role,
                 scope.id, std::nullopt, std::nullopt,   std::nullopt};
    auto id = accounts_->CreateAccount(creator, a);
    EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error().message);
    auto caller = accounts_->CallerForUsername(name);
    EXPECT_TRUE(caller.ok());
    return caller.ok() ? *caller : Caller{};
  }

  WebhookEndpoint MustCreate(const Caller& caller, const OrgNode& node,
                             std::vector<std::string> types = {}) {
    auto created = webhooks_->Create(
        caller, NewWebhookEndpoint{"http://127.0.0.1:9/hook", node.id, std::move(types)});
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
    return created.ok() ? *created : WebhookEndpoint{};
  }

  Ticket Submit(const OrgNode& grid) {
    NewTicket t;
    t.category_id = category_id_;
    t.node_id = grid.id;
    t.description = "楼下垃圾堆放三天无人清理";
    auto ticket = tickets_->Submit(admin_, t);
    EXPECT_TRUE(ticket.ok()) << (ticket.ok() ? "" : ticket.error().message);
    return ticket.ok() ? *ticket : Ticket{};
  }

  int64_t Outbox(int64_t endpoint_id) {
    auto conn = test_db_->db().Acquire();
    return (*conn)
        ->QueryInt("SELECT COUNT(*) FROM webhook_outbox WHERE endpoint_id = $1", {endpoint_id})
        .value();
  }

  std::vector<std::string> Payloads(int64_t endpoint_id) {
    auto conn = test_db_->db().Acquire();
    auto rows = (*conn)->Query(
        "SELECT payload FROM webhook_outbox WHERE endpoint_id = $1 "
        "ORDER BY id",
        {endpoint_id});
    std::vector<std::string> out;
    for (const auto& row : *rows) out.push_back(row.Text(0));
    return out;
  }

  std::unique_ptr<AccountService> accounts_;
  std::unique_ptr<GridLocator> locator_;
  std::unique_ptr<CategoryService> categories_;
  std::unique_ptr<TicketService> tickets_;
  std::unique_ptr<WebhookService> webhooks_;
  Caller admin_, street_;
  int64_t category_id_ = 0;
  int wakes_ = 0;
};

TEST_P(WebhooksTest, CreateShowsTheSecretOnceAndStoresItEncrypted) {
  auto created = webhooks_->Create(
      admin_, NewWebhookEndpoint{"https://hooks.example.cn/civic", std::nullopt, {"resolve"}});
  ASSERT_TRUE(created.ok()) << created.error().message;
  ASSERT_TRUE(created->secret.has_value());
  EXPECT_GE(created->secret->size(), 40u);
  EXPECT_EQ(created->node_id, tree_.county.id);  // the caller's scope by default
  ASSERT_EQ(created->event_types.size(), 1u);
  EXPECT_EQ(created->event_types[0], TicketEventType::kResolve);

  auto listed = webhooks_->List(admin_, Page{});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_FALSE(listed->items[0].secret.has_value());
  EXPECT_EQ(listed->items[0].url, "https://hooks.example.cn/civic");

  auto conn = test_db_->db().Acquire();
  auto row =
      (*conn)->QueryOne("SELECT secret_enc FROM webhook_endpoint WHERE id = $1", {created->id});
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->Text(0).find(*created->secret), std::string::npos);
  auto opened = cipher_.Decrypt(row->Text(0));
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(*opened, *created->secret);
  EXPECT_EQ(
      (*conn)->QueryInt("SELECT COUNT(*) FROM audit_log WHERE action = 'webhook.create'").value(),
      1);
}

TEST_P(WebhooksTest, OnlyCountyAndStreetAdminsManageEndpointsWithinTheirScope) {
  for (Role role : {Role::kCommunitySecretary, Role::kCommunityWorker, Role::kGridWorker,
                    Role::kUnitAdmin, Role::kPartyMember, Role::kResident}) {
    Caller caller = As(role, tree_.community_a);
    auto created = webhooks_->Create(caller, NewWebhookEndpoint{"http://127.0.0.1/h", {}, {}});
    ASSERT_FALSE(created.ok()) << RoleName(role);
    EXPECT_EQ(created.error().code, core::ErrorCode::kForbidden) << RoleName(role);
    EXPECT_FALSE(webhooks_->List(caller, Page{}).ok());
  }
  // A street admin cannot hang an endpoint on the county.
  auto outside =
      webhooks_->Create(street_, NewWebhookEndpoint{"http://127.0.0.1/h", tree_.county.id, {}});
  ASSERT_FALSE(outside.ok());
  EXPECT_EQ(outside.error().field, "node_id");
  // …nor see, read or delete the county's.
  WebhookEndpoint county = MustCreate(admin_, tree_.county);
  WebhookEndpoint street = MustCreate(street_, tree_.community_a);
  auto listed = webhooks_->List(street_, Page{});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_EQ(listed->items[0].id, street.id);
  EXPECT_EQ(webhooks_->Deliveries(street_, county.id, Page{}).error().code,
            core::ErrorCode::kNotFound);
  EXPECT_EQ(webhooks_->Delete(street_, county.id).error().code, core::ErrorCode::kNotFound);
  EXPECT_EQ(webhooks_->List(admin_, Page{})->items.size(), 2u);
}

TEST_P(WebhooksTest, BadInputNamesTheField) {
  struct Case {
    NewWebhookEndpoint input;
    const char* field;
  };
  const Case cases[] = {
      {{"ftp://example.com/", std::nullopt, {}}, "url"},
      {{"http://u:p@example.com/", std::nullopt, {}}, "url"},
      {{"http://example.com/", std::nullopt, {"resolve", "explode"}}, "event_types"},
      {{"http://example.com/", 999999, {}}, "node_id"},
  };
  for (const Case& c : cases) {
    auto created = webhooks_->Create(admin_, c.input);
    ASSERT_FALSE(created.ok()) << c.field;
    EXPECT_EQ(created.error().code, core::ErrorCode::kInvalid) << c.field;
    EXPECT_EQ(created.error().field, c.field);
  }
  EXPECT_TRUE(webhooks_->List(admin_, Page{})->items.empty());
}

TEST_P(WebhooksTest, EventsQueueOneRowPerMatchingEndpointUnderTheTicketsNode) {
  WebhookEndpoint county = MustCreate(admin_, tree_.county);
  WebhookEndpoint a_accept = MustCreate(street_, tree_.community_a, {"accept"});
  WebhookEndpoint b = MustCreate(street_, tree_.community_b);

  Ticket t = Submit(tree_.grid_a1);
  EXPECT_EQ(Outbox(county.id), 1);
  EXPECT_EQ(Outbox(a_accept.id), 0);  // filtered: only accept
  EXPECT_EQ(Outbox(b.id), 0);         // another community's ticket
  EXPECT_GE(wakes_, 1);

  TicketAction accept;
  accept.type = TicketEventType::kAccept;
  ASSERT_TRUE(tickets_->Act(admin_, t.id, accept).ok());
  EXPECT_EQ(Outbox(county.id), 2);
  EXPECT_EQ(Outbox(a_accept.id), 1);
  EXPECT_EQ(Outbox(b.id), 0);

  json::value payload = json::parse(Payloads(a_accept.id).at(0));
  EXPECT_EQ(payload.at("event_type").as_string(), "accept");
  EXPECT_EQ(payload.at("state_before").as_string(), "submitted");
  EXPECT_EQ(payload.at("state_after").as_string(), "accepted");
  EXPECT_EQ(payload.at("seq").as_int64(), 2);
  const json::object& ticket = payload.at("ticket").as_object();
  EXPECT_EQ(ticket.at("id").as_int64(), t.id);
  EXPECT_EQ(ticket.at("number").as_string(), t.number);
  EXPECT_EQ(ticket.at("node").at("id").as_int64(), tree_.grid_a1.id);
  EXPECT_EQ(ticket.at("category").at("id").as_int64(), category_id_);
  std::string at(payload.at("at").as_string());
  EXPECT_EQ(at.substr(at.size() - 6), "+08:00");
  // The event id in the payload is the one the row references.
  auto conn = test_db_->db().Acquire();
  EXPECT_EQ(
      (*conn)
          ->QueryInt("SELECT event_id FROM webhook_outbox WHERE endpoint_id = $1", {a_accept.id})
          .value(),
      payload.at("event_id").as_int64());
  json::value submit = json::parse(Payloads(county.id).at(0));
  EXPECT_TRUE(submit.at("state_before").is_null());
  // The payload carries no personal data of the submitter.
  EXPECT_EQ(Payloads(county.id).at(0).find("admin"), std::string::npos);
}

TEST_P(WebhooksTest, RolledBackChangeQueuesNothing) {
  WebhookEndpoint county = MustCreate(admin_, tree_.county);
  FailingObserver failing;
  tickets_->AddObserver(&failing);  // runs after the webhook observer
  NewTicket t;
  t.category_id = category_id_;
  t.node_id = tree_.grid_a1.id;
  t.description = "路灯不亮";
  EXPECT_FALSE(tickets_->Submit(admin_, t).ok());
  EXPECT_EQ(Outbox(county.id), 0);
  auto conn = test_db_->db().Acquire();
  EXPECT_EQ((*conn)->QueryInt("SELECT COUNT(*) FROM ticket").value(), 0);
}

TEST_P(WebhooksTest, DeleteStopsNewRowsAndGivesUpPendingOnes) {
  WebhookEndpoint county = MustCreate(admin_, tree_.county);
  Submit(tree_.grid_a1);
  ASSERT_TRUE(webhooks_->Delete(admin_, county.id).ok());
  Submit(tree_.grid_a2);
  EXPECT_EQ(Outbox(county.id), 1);
  EXPECT_TRUE(webhooks_->List(admin_, Page{})->items.empty());
  EXPECT_EQ(webhooks_->Deliveries(admin_, county.id, Page{}).error().code,
            core::ErrorCode::kNotFound);
  EXPECT_EQ(webhooks_->Delete(admin_, county.id).error().code, core::ErrorCode::kNotFound);
  auto due = webhooks_->DueEndpoints(clock_.NowMs() + core::kMsPerDay);
  ASSERT_TRUE(due.ok());
  EXPECT_TRUE(due->empty());
}

TEST_P(WebhooksTest, ClaimCountsTheAttemptAndLeasesTheRow) {
  WebhookEndpoint county = MustCreate(admin_, tree_.county);
  Submit(tree_.grid_a1);
  Submit(tree_.grid_b1);
  const int64_t now = clock_.NowMs();
  const int64_t lease = now + core::kMsPerMinute;
  auto due = webhooks_->DueEndpoints(now);
  ASSERT_TRUE(due.ok());
  EXPECT_EQ(*due, std::vector<int64_t>{county.id});
  EXPECT_EQ(*webhooks_->NextDue(), std::optional<int64_t>(now));

  auto first = webhooks_->ClaimNext(county.id, now, lease);
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->attempts, 1);
  EXPECT_EQ((*first)->url.port, 9);
  EXPECT_EQ((*first)->event_type, "submit");
  auto second = webhooks_->ClaimNext(county.id, now, lease);
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_GT((*second)->id, (*first)->id);  // oldest first; the first is leased
  EXPECT_FALSE(webhooks_->ClaimNext(county.id, now, lease)->has_value());
  EXPECT_EQ((*first)->secret, (*second)->secret);

  // The first is delivered; the second "crashed" mid-send: due again after the lease.
  ASSERT_TRUE(webhooks_->MarkDelivered((*first)->id, now).ok());
  EXPECT_FALSE(webhooks_->ClaimNext(county.id, lease - 1, lease + 1000)->has_value());
  auto again = webhooks_->ClaimNext(county.id, lease, lease + 1000);
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_EQ((*again)->id, (*second)->id);
  EXPECT_EQ((*again)->attempts, 2);

  // A failed attempt waits for its retry time; the last one gives up.
  ASSERT_TRUE(webhooks_->MarkAttemptFailed((*again)->id, lease, lease + 30'000, "HTTP 500").ok());
  EXPECT_FALSE(webhooks_->ClaimNext(county.id, lease + 29'999, lease + 90'000)->has_value());
  auto retried = webhooks_->ClaimNext(county.id, lease + 30'000, lease + 90'000);
  ASSERT_TRUE(retried.ok() && retried->has_value());
  ASSERT_TRUE(
      webhooks_->MarkAttemptFailed((*retried)->id, lease + 30'000, std::nullopt, "超时").ok());

  auto deliveries = webhooks_->Deliveries(admin_, county.id, Page{});
  ASSERT_TRUE(deliveries.ok());
  ASSERT_EQ(deliveries->items.size(), 2u);
  EXPECT_EQ(deliveries->items[0].status, DeliveryStatus::kDelivered);
  EXPECT_EQ(deliveries->items[0].attempts, 1);
  EXPECT_EQ(deliveries->items[1].status, DeliveryStatus::kFailed);
  EXPECT_EQ(deliveries->items[1].attempts, 3);
  EXPECT_EQ(deliveries->items[1].last_error, "超时");
  EXPECT_EQ(deliveries->items[1].event_type, "submit");
  EXPECT_FALSE(webhooks_->NextDue()->has_value());

  // Ended rows go once older than the cut; a pending one never does.
  Submit(tree_.grid_a1);
  ASSERT_EQ(Outbox(county.id), 3);
  EXPECT_EQ(webhooks_->PurgeEnded(now).value(), 0);  // delivered at `now`: not before it
  EXPECT_EQ(webhooks_->PurgeEnded(now + 1).value(), 1);
  EXPECT_EQ(webhooks_->PurgeEnded(lease + 30'001).value(), 1);  // the given-up one
  EXPECT_EQ(webhooks_->PurgeEnded(lease + core::kMsPerDay * 365).value(), 0);
  EXPECT_EQ(Outbox(county.id), 1);
  EXPECT_TRUE(webhooks_->NextDue()->has_value());
}

TEST_P(WebhooksTest, ARowWhoseSecretCannotBeReadIsGivenUpNotRetried) {
  WebhookEndpoint county = MustCreate(admin_, tree_.county);
  Submit(tree_.grid_a1);
  {
    // As if the key file had been replaced: the stored ciphertext no longer opens.
    auto conn = test_db_->db().Acquire();
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)
                    ->Execute("UPDATE webhook_endpoint SET secret_enc = $1 WHERE id = $2",
                              {store::Blob{std::string(64, 'x')}, county.id})
                    .ok());
  }
  const int64_t now = clock_.NowMs();
  auto claimed = webhooks_->ClaimNext(county.id, now, now + core::kMsPerMinute);
  ASSERT_TRUE(claimed.ok()) << claimed.error().message;
  EXPECT_FALSE(claimed->has_value());
  auto deliveries = webhooks_->Deliveries(admin_, county.id, Page{});
  ASSERT_TRUE(deliveries.ok());
  ASSERT_EQ(deliveries->items.size(), 1u);
  EXPECT_EQ(deliveries->items[0].status, DeliveryStatus::kFailed);
  EXPECT_EQ(deliveries->items[0].attempts, 0);
  EXPECT_FALSE(deliveries->items[0].last_error.empty());
  EXPECT_FALSE(webhooks_->NextDue()->has_value());
}

TEST_P(WebhooksTest, ConcurrentSendersClaimEachRowOnce) {
  WebhookEndpoint county = MustCreate(admin_, tree_.county);
  constexpr int kRows = 12;
  constexpr int kSenders = 6;
  for (int i = 0; i < kRows; ++i) Submit(tree_.grid_a1);
  const int64_t now = clock_.NowMs();
  std::mutex mutex;
  std::vector<int64_t> claimed;
  int failures = 0;
  std::latch start(kSenders);
  std::vector<std::thread> senders;
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back([&] {
      start.arrive_and_wait();
      for (;;) {
        auto item = webhooks_->ClaimNext(county.id, now, now + core::kMsPerMinute);
        std::lock_guard lock(mutex);
        if (!item.ok()) {
          ADD_FAILURE() << item.error().message;
          ++failures;
          return;
        }
        if (!*item) return;
        claimed.push_back((*item)->id);
      }
    });
  }
  for (auto& t : senders) t.join();
  EXPECT_EQ(failures, 0);
  std::sort(claimed.begin(), claimed.end());
  EXPECT_EQ(claimed.size(), static_cast<size_t>(kRows));
  EXPECT_EQ(std::unique(claimed.begin(), claimed.end()), claimed.end());
  // Nothing is left to claim until the lease runs out.
  auto again = webhooks_->ClaimNext(county.id, now, now + core::kMsPerMinute);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value());
}

TEST_P(WebhooksTest, DeliveriesArePaged) {
  WebhookEndpoint county = MustCreate(admin_, tree_.county);
  for (int i = 0; i < 3; ++i) Submit(tree_.grid_a1);
  auto first = webhooks_->Deliveries(admin_, county.id, Page{0, 2});
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->items.size(), 2u);
  ASSERT_TRUE(first->next_after.has_value());
  auto rest = webhooks_->Deliveries(admin_, county.id, Page{*first->next_after, 2});
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_GT(rest->items[0].id, first->items[1].id);
}

INSTANTIATE_TEST_SUITE_P(Backends, WebhooksTest, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
