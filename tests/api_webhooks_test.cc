// Outbound webhooks end to end: endpoints managed over the API, ticket events
// delivered to real loopback receivers (an http::Server recording what it
// gets), signatures checked with OpenSSL's HMAC against the secret the API
// handed out, retries with back-off driven by explicit times, a restart in
// the middle, scope between streets, and the background sender.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <boost/json.hpp>

#include "api_harness.h"
#include "app/webhook_sender.h"
#include "core/crypto.h"
#include "core/time.h"
#include "http/outbound_client.h"

namespace civicgrid::tests {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

struct Received {
  std::string event, delivery, timestamp, signature, content_type, body;
};

// A webhook receiver on 127.0.0.1: answers with the scripted statuses in
// order (then 200) and records every request. With a gate it holds each
// request until Release().
class Receiver {
 public:
  explicit Receiver(std::vector<unsigned> statuses = {}, bool gated = false)
      : statuses_(std::move(statuses)), gated_(gated) {
    router_.Add("POST", "/hook", [this](http::Request& r) { return Handle(r); });
    http::ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.threads = 2;
    server_ = std::make_unique<http::Server>(options, router_);
    EXPECT_TRUE(server_->Start().ok());
  }
  ~Receiver() {
    Release();
    server_->Stop();
  }

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/hook?from=civicgrid";
  }
  std::vector<Received> requests() {
    std::lock_guard lock(mutex_);
    return received_;
  }
  // Waits (up to `limit`) until at least `n` requests arrived.
  bool WaitFor(size_t n, std::chrono::milliseconds limit = 10s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return received_.size() >= n; });
  }
  void Release() {
    std::lock_guard lock(mutex_);
    gated_ = false;
    changed_.notify_all();
  }

 private:
  http::Response Handle(http::Request& r) {
    std::unique_lock lock(mutex_);
    received_.push_back(Received{std::string(r.Header("X-Civicgrid-Event")),
                                 std::string(r.Header("X-Civicgrid-Delivery")),
                                 std::string(r.Header("X-Civicgrid-Timestamp")),
                                 std::string(r.Header("X-Civicgrid-Signature")),
                                 std::string(r.Header("Content-Type")), r.body});
    changed_.notify_all();
    changed_.wait(lock, [&] { return !gated_; });
    unsigned status = 200;
    if (next_ < statuses_.size()) status = statuses_[next_++];
    return http::Response::Text(status, status == 200 ? "ok" : "receiver is down");
  }

  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Received> received_;
  std::vector<unsigned> statuses_;
  size_t next_ = 0;
  bool gated_;
};

// HMAC-SHA256 of "<timestamp>.<body>" computed with OpenSSL, as a receiver
// written in any language would: independent of the sender's libsodium.
std::string ExpectedSignature(const std::string& secret, const Received& r) {
  std::string message = r.timestamp + "." + r.body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &size);
  return "sha256=" + core::HexEncode(std::string(reinterpret_cast<char*>(mac), size));
}

class ApiWebhooksTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto category = app_->categories().GetByCode("E01.01");
    ASSERT_TRUE(category.ok());
    category_id_ = category->id;
    MakeSender();
  }
  void TearDown() override {
    sender_.reset();
    ApiTest::TearDown();
  }

  // A sender over the current app whose retry delays are exact (no jitter
  // spread) and that is driven by RunOnce with explicit times.
  void MakeSender(app::WebhookSenderOptions options = {}) {
    sender_.reset();
    http::OutboundClientOptions client_options;
    client_options.timeout = 5s;
    auto client = http::OutboundClient::Create(client_options);
    ASSERT_TRUE(client.ok());
    client_ = std::move(client).value();
    sender_ = std::make_unique<app::WebhookSender>(app_->webhooks(), *client_, app_->clock(),
                                                   options, [] { return 0.5; });
  }

  json::object CreateEndpoint(const std::string& user, const std::string& url,
                              json::object extra = {}) {
    extra["url"] = url;
    auto response = As(user).Send("POST", "/api/v1/webhooks", json::serialize(extra));
    EXPECT_EQ(response.status, 201u) << response.body;
    return response.Json().as_object();
  }

  json::object Submit(const domain::OrgNode& grid) {
    json::object body{
        {"category_id", category_id_}, {"description", "小区门口垃圾堆积"}, {"node_id", grid.id}};
    auto response = As("admin").Send("POST", "/api/v1/tickets", json::serialize(body));
    EXPECT_EQ(response.status, 201u) << response.body;
    return response.Json().as_object();
  }

  json::array Deliveries(int64_t endpoint_id, const std::string& user = "admin") {
    auto response =
        As(user).Send("GET", "/api/v1/webhooks/" + std::to_string(endpoint_id) + "/deliveries");
    EXPECT_EQ(response.status, 200u) << response.body;
    return response.Json().at("items").as_array();
  }

  app::SendReport Run(int64_t now) {
    auto report = sender_->RunOnce(now);
    EXPECT_TRUE(report.ok()) << report.error().message;
    return report.ok() ? *report : app::SendReport{};
  }

  int64_t Now() const { return app_->clock().NowMs(); }

  int64_t category_id_ = 0;
  std::unique_ptr<http::OutboundClient> client_;
  std::unique_ptr<app::WebhookSender> sender_;
};

TEST_P(ApiWebhooksTest, AdminsManageEndpointsAndBadInputNamesTheField) {
  Receiver receiver;
  json::object created =
      CreateEndpoint("admin", receiver.url(), {{"event_types", json::array{"resolve", "close"}}});
  int64_t id = created.at("id").as_int64();
  EXPECT_GE(created.at("secret").as_string().size(), 40u);
  EXPECT_EQ(created.at("node_id").as_int64(), w_.county.id);
  EXPECT_EQ(created.at("event_types").as_array().size(), 2u);

  auto listed = As("admin").Send("GET", "/api/v1/webhooks");
  ASSERT_EQ(listed.status, 200u);
  ASSERT_EQ(listed.Json().at("items").as_array().size(), 1u);
  EXPECT_FALSE(listed.Json().at("items").at(0).as_object().contains("secret"));

  struct Bad {
    std::string body;
    const char* field;
  };
  const Bad bad[] = {
      {R"({"url":"ftp://example.com/hook"})", "url"},
      {R"({"url":"http://user:pass@example.com/hook"})", "url"},
      {R"({"url":"not a url"})", "url"},
      {R"({"url":""})", "url"},
      {R"({"url":"http://example.com/","event_types":["explode"]})", "event_types"},
      {R"({"url":"http://example.com/","event_types":"resolve"})", "event_types"},
      {R"({"url":"http://example.com/","node_id":)" + std::to_string(w_.county.id) + "}",
       "node_id"},
  };
  for (const Bad& b : bad) {
    auto response = As("street1").Send("POST", "/api/v1/webhooks", b.body);
    EXPECT_EQ(response.status, 422u) << b.body << " → " << response.body;
    EXPECT_EQ(response.Json().at("error").at("field").as_string(), b.field) << b.body;
  }
  for (const char* user : {"secretary1", "worker1", "grid1", "unit1", "member1", "resident1"}) {
    EXPECT_EQ(As(user).Send("POST", "/api/v1/webhooks", R"({"url":"http://example.com/"})").status,
              403u)
        << user;
    EXPECT_EQ(As(user).Send("GET", "/api/v1/webhooks").status, 403u) << user;
  }
  EXPECT_EQ(Anonymous()->Send("GET", "/api/v1/webhooks").status, 401u);

  // The street admin cannot see or delete the county's endpoint.
  EXPECT_EQ(As("street1").Send("GET", "/api/v1/webhooks").Json().at("items").as_array().size(), 0u);
  std::string path = "/api/v1/webhooks/" + std::to_string(id);
  EXPECT_EQ(As("street1").Send("DELETE", path).status, 404u);
  EXPECT_EQ(As("street1").Send("GET", path + "/deliveries").status, 404u);
  EXPECT_EQ(As("admin").Send("DELETE", path).status, 204u);
  EXPECT_EQ(As("admin").Send("GET", path + "/deliveries").status, 404u);
  EXPECT_EQ(As("admin").Send("GET", "/api/v1/webhooks").Json().at("items").as_array().size(), 0u);
  EXPECT_EQ(Count("webhook_endpoint"), 1);  // deactivated, kept for its history
}

TEST_P(ApiWebhooksTest, DeliversSignedEventsThatVerifyWithTheSecret) {
  Receiver receiver;
  json::object endpoint = CreateEndpoint("admin", receiver.url());
  std::string secret(endpoint.at("secret").as_string());
  json::object ticket = Submit(w_.grid_a1);
  int64_t now = Now();
  app::SendReport report = Run(now);
  EXPECT_EQ(report.attempted, 1);
  EXPECT_EQ(report.delivered, 1);

  auto got = receiver.requests();
  ASSERT_EQ(got.size(), 1u);
  const Received& r = got[0];
  EXPECT_EQ(r.event, "submit");
  EXPECT_EQ(r.timestamp, std::to_string(now / 1000));
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.signature, ExpectedSignature(secret, r));
  EXPECT_NE(r.signature, ExpectedSignature(secret + "x", r));
  json::value payload = json::parse(r.body);
  EXPECT_EQ(payload.at("ticket").at("id"), ticket.at("id"));
  EXPECT_EQ(payload.at("ticket").at("number"), ticket.at("number"));
  EXPECT_EQ(payload.at("state_after").as_string(), "submitted");

  json::array deliveries = Deliveries(endpoint.at("id").as_int64());
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(std::to_string(deliveries[0].at("id").as_int64()), r.delivery);
  EXPECT_EQ(deliveries[0].at("status").as_string(), "delivered");
  EXPECT_EQ(deliveries[0].at("attempts").as_int64(), 1);
  EXPECT_TRUE(deliveries[0].at("next_attempt_at").is_null());
  EXPECT_FALSE(deliveries[0].at("delivered_at").is_null());
  EXPECT_EQ(Run(now + core::kMsPerDay).attempted, 0);  // delivered once
}

TEST_P(ApiWebhooksTest, RetriesAFailingReceiverWithGrowingDelaysAndDeliversOnce) {
  Receiver receiver({500, 500});
  json::object endpoint = CreateEndpoint("admin", receiver.url());
  Submit(w_.grid_a1);
  const int64_t t0 = Now();

  EXPECT_EQ(Run(t0).retrying, 1);
  json::array d = Deliveries(endpoint.at("id").as_int64());
  EXPECT_EQ(d[0].at("status").as_string(), "pending");
  EXPECT_EQ(d[0].at("attempts").as_int64(), 1);
  EXPECT_EQ(d[0].at("last_error").as_string(), "HTTP 500: receiver is down");
  EXPECT_EQ(core::ParseTimestamp(d[0].at("next_attempt_at").as_string(), "next_attempt_at").value(),
            t0 + 30 * core::kMsPerSecond);

  const int64_t first_delay = 30 * core::kMsPerSecond;  // then 60 s
  EXPECT_EQ(Run(t0 + first_delay - 1).attempted, 0);
  EXPECT_EQ(Run(t0 + first_delay).retrying, 1);
  const int64_t t1 = t0 + first_delay;
  EXPECT_EQ(Run(t1 + 2 * first_delay - 1).attempted, 0);  // the delay doubled
  app::SendReport last = Run(t1 + 2 * first_delay);
  EXPECT_EQ(last.delivered, 1);

  auto got = receiver.requests();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].delivery, got[2].delivery);  // one delivery id across retries
  EXPECT_EQ(got[0].body, got[2].body);
  EXPECT_NE(got[0].timestamp, got[2].timestamp);
  d = Deliveries(endpoint.at("id").as_int64());
  EXPECT_EQ(d[0].at("status").as_string(), "delivered");
  EXPECT_EQ(d[0].at("attempts").as_int64(), 3);
  EXPECT_EQ(Run(t1 + core::kMsPerDay).attempted, 0);
  EXPECT_EQ(receiver.requests().size(), 3u);
}

TEST_P(ApiWebhooksTest, GivesUpAfterTheLastAttemptAndKeepsTheError) {
  app::WebhookSenderOptions options;
  options.max_attempts = 3;
  MakeSender(options);
  Receiver receiver({503, 503, 503, 503});
  json::object endpoint = CreateEndpoint("admin", receiver.url());
  Submit(w_.grid_a1);
  int64_t t = Now();
  EXPECT_EQ(Run(t).retrying, 1);
  t += 30 * core::kMsPerSecond;
  EXPECT_EQ(Run(t).retrying, 1);
  t += 60 * core::kMsPerSecond;
  EXPECT_EQ(Run(t).failed, 1);
  EXPECT_EQ(Run(t + core::kMsPerDay).attempted, 0);
  EXPECT_EQ(receiver.requests().size(), 3u);
  json::array d = Deliveries(endpoint.at("id").as_int64());
  EXPECT_EQ(d[0].at("status").as_string(), "failed");
  EXPECT_EQ(d[0].at("attempts").as_int64(), 3);
  EXPECT_FALSE(d[0].at("failed_at").is_null());
  EXPECT_EQ(d[0].at("last_error").as_string(), "HTTP 503: receiver is down");
}

TEST_P(ApiWebhooksTest, PendingDeliveriesSurviveARestart) {
  Receiver receiver({503});
  json::object endpoint = CreateEndpoint("admin", receiver.url());
  std::string secret(endpoint.at("secret").as_string());
  int64_t endpoint_id = endpoint.at("id").as_int64();
  Submit(w_.grid_a1);
  const int64_t t0 = Now();
  EXPECT_EQ(Run(t0).retrying, 1);  // the first one failed once
  Submit(w_.grid_b1);              // the second one was never tried

  // Restart: everything in memory goes, the database and key file stay.
  clients_.clear();
  server_->Stop();
  server_.reset();
  services_.reset();
  sender_.reset();
  app_.reset();
  app::AppOptions options;
  options.db_url = test_db_->url();
  options.key_file = dir_ + "/pii.key";
  options.pool_size = 4;
  auto reopened = app::App::Open(options);
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  app_ = std::move(reopened).value();
  MakeSender();

  EXPECT_EQ(Run(std::max(Now(), t0 + 30 * core::kMsPerSecond)).delivered, 2);
  auto got = receiver.requests();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1].delivery, got[0].delivery);  // the retry of the first
  for (const Received& r : got) EXPECT_EQ(r.signature, ExpectedSignature(secret, r));
  auto admin = app_->CallerFor("admin");
  ASSERT_TRUE(admin.ok());
  auto deliveries = app_->webhooks().Deliveries(*admin, endpoint_id, domain::Page{});
  ASSERT_TRUE(deliveries.ok());
  ASSERT_EQ(deliveries->items.size(), 2u);
  EXPECT_EQ(deliveries->items[0].status, domain::DeliveryStatus::kDelivered);
  EXPECT_EQ(deliveries->items[0].attempts, 2);
  EXPECT_EQ(deliveries->items[1].status, domain::DeliveryStatus::kDelivered);
  EXPECT_EQ(deliveries->items[1].attempts, 1);
}

TEST_P(ApiWebhooksTest, AStreetEndpointNeverHearsAnotherStreet) {
  auto admin = app_->CallerFor("admin");
  ASSERT_TRUE(admin.ok());
  auto node = [&](int64_t parent, domain::OrgKind kind, const char* code, const char* name) {
    auto created =
        app_->tree().Create(&*admin, domain::NewOrgNode{parent, kind, code, name, std::nullopt});
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().message);
    return created.ok() ? *created : domain::OrgNode{};
  };
  domain::OrgNode street2 = node(w_.county.id, domain::OrgKind::kStreet, "131022002", "新城街道");
  domain::OrgNode community =
      node(street2.id, domain::OrgKind::kCommunity, "131022002001", "新城社区");
  domain::OrgNode grid =
      node(community.id, domain::OrgKind::kGrid, "131022002001001", "新城一网格");

  Receiver street_receiver;
  Receiver county_receiver;
  json::object street_endpoint = CreateEndpoint("street1", street_receiver.url());
  EXPECT_EQ(street_endpoint.at("node_id").as_int64(), w_.street.id);
  CreateEndpoint("admin", county_receiver.url());

  json::object other = Submit(grid);
  Run(Now());
  EXPECT_EQ(street_receiver.requests().size(), 0u);
  ASSERT_EQ(county_receiver.requests().size(), 1u);

  json::object own = Submit(w_.grid_b1);
  Run(Now());
  auto got = street_receiver.requests();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(json::parse(got[0].body).at("ticket").at("id"), own.at("id"));
  EXPECT_EQ(county_receiver.requests().size(), 2u);
  EXPECT_EQ(Deliveries(street_endpoint.at("id").as_int64(), "street1").size(), 1u);
}

TEST_P(ApiWebhooksTest, TheRunningSenderDeliversAfterCommitAndASlowReceiverHoldsUpNoOther) {
  Receiver slow({}, /*gated=*/true);
  Receiver fast;
  json::object slow_endpoint = CreateEndpoint("admin", slow.url());
  json::object fast_endpoint = CreateEndpoint("admin", fast.url());
  app_->webhook_sender().Start();
  Submit(w_.grid_a1);  // the commit wakes the sender

  ASSERT_TRUE(slow.WaitFor(1));  // the slow receiver holds its request…
  ASSERT_TRUE(fast.WaitFor(1));  // …and the fast one is served meanwhile
  auto delivered = [&](const json::object& endpoint) {
    json::array d = Deliveries(endpoint.at("id").as_int64());
    return d.size() == 1 && d[0].at("status").as_string() == "delivered";
  };
  auto eventually = [&](const json::object& endpoint) {
    for (int i = 0; i < 500 && !delivered(endpoint); ++i) std::this_thread::sleep_for(20ms);
    return delivered(endpoint);
  };
  EXPECT_TRUE(eventually(fast_endpoint));
  EXPECT_FALSE(delivered(slow_endpoint));
  slow.Release();
  EXPECT_TRUE(eventually(slow_endpoint));
  app_->webhook_sender().Stop();
  EXPECT_EQ(slow.requests().size(), 1u);
  EXPECT_EQ(fast.requests().size(), 1u);
}

TEST(WebhookRetryDelayTest, DoublesFromThirtySecondsUpToAnHourWithinTheJitterBand) {
  app::WebhookSenderOptions options;  // 30 s, 1 h cap, jitter 0.2
  const int64_t expected[] = {30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600, 3600};
  int64_t total = 0;
  for (int64_t n = 1; n <= 11; ++n) {
    int64_t mid = app::WebhookSender::RetryDelayMs(options, n, 0.5);
    EXPECT_EQ(mid, expected[n - 1] * 1000) << n;
    int64_t low = app::WebhookSender::RetryDelayMs(options, n, 0.0);
    int64_t high = app::WebhookSender::RetryDelayMs(options, n, 0.999999);
    EXPECT_EQ(low, expected[n - 1] * 900) << n;
    if (expected[n - 1] < 3600) {
      EXPECT_GT(high, mid) << n;
      EXPECT_LE(high, expected[n - 1] * 1100) << n;
    } else {
      EXPECT_EQ(high, 3600 * 1000) << n;  // the cap holds after the jitter too
    }
    total += mid;
  }
  // Twelve attempts span about five hours.
  EXPECT_EQ(total, 18'210 * 1000);
}

TEST(WebhookSignatureTest, MatchesHmacSha256OverTimestampDotBody) {
  Received r{"", "", "1790000000", "", "", R"({"event_id":1})"};
  EXPECT_EQ(app::WebhookSignature("s3cret", r.timestamp, r.body), ExpectedSignature("s3cret", r));
  // The same value Python's hmac module gives (docs/webhooks.md shows that check).
  EXPECT_EQ(app::WebhookSignature("s3cret", r.timestamp, r.body),
            "sha256=7a22244d8a1d84f37e94a057cd8b23593ad85ea28d5a554abb2fb820330034c2");
}

INSTANTIATE_TEST_SUITE_P(Backends, ApiWebhooksTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
