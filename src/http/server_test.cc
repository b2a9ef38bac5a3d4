// The server spoken to over real HTTP on 127.0.0.1.
#include "http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>
#include <boost/json/parse.hpp>

#include "http/json_body.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/test_client.h"
#include "store/deadline.h"

namespace civicgrid::http {
namespace {

using namespace std::chrono_literals;

constexpr size_t kSmallLimit = 1024;
constexpr size_t kUploadLimit = 4 * kSmallLimit;

// A bare TCP connection, for clients that misbehave on purpose.
class RawSocket {
 public:
  explicit RawSocket(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      throw std::runtime_error("connect failed");
    }
  }
  ~RawSocket() { ::close(fd_); }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  void Send(std::string_view bytes) {
    ASSERT_EQ(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }

  // Whatever arrives next (at least one byte), or "" when the peer closed.
  std::string ReadSome() {
    char buffer[4096];
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
  }

  // Reads until what arrived contains `needle` (true) or the peer closes or
  // `patience` passes (false). Everything read is kept in received().
  bool ReadUntil(std::string_view needle, std::chrono::seconds patience = 20s) {
    timeval timeout{static_cast<time_t>(patience.count()), 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char buffer[4096];
    while (received_.find(needle) == std::string::npos) {
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) {
        return false;
      }
      received_.append(buffer, static_cast<size_t>(n));
    }
    return true;
  }
  const std::string& received() const { return received_; }

  // Everything received until the peer closes; nullopt if it is still open
  // after `patience` (a guard against hanging, far above any timeout used).
  std::optional<std::string> ReadUntilClosed(std::chrono::seconds patience = 20s) {
    timeval timeout{static_cast<time_t>(patience.count()), 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    std::string received;
    char buffer[4096];
    while (true) {
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n > 0) {
        received.append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno == ECONNRESET) {
        return received;
      } else {
        return std::nullopt;
      }
    }
  }

 private:
  int fd_;
  std::string received_;
};

// Async answers the test gives by hand: the handler parks its Responder here.
class Parked {
 public:
  void Park(std::string body, Responder respond) {
    std::lock_guard lock(mutex_);
    waiting_.emplace_back(std::move(body), std::move(respond));
    changed_.notify_all();
  }
  // Waits until `count` requests are parked; false after `patience`.
  bool WaitFor(size_t count, std::chrono::seconds patience = 20s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, patience, [&] { return waiting_.size() >= count; });
  }
  // The oldest parked request's body and its Responder.
  std::pair<std::string, Responder> Take() {
    std::lock_guard lock(mutex_);
    auto first = std::move(waiting_.front());
    waiting_.erase(waiting_.begin());
    return first;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::pair<std::string, Responder>> waiting_;
};

// What a test stream shares with the test: data to send, whether it ended,
// and what the server did with the source.
struct Feed {
  std::mutex mutex;
  std::condition_variable changed;
  std::string pending;
  bool end = false;
  std::function<void()> wake;
  int pulls = 0;
  bool destroyed = false;

  void Push(std::string data, bool finish = false) {
    std::function<void()> wake_now;
    {
      std::lock_guard lock(mutex);
      pending += data;
      end = end || finish;
      wake_now = wake;
    }
    if (wake_now) {
      wake_now();
    }
  }
  template <typename Predicate>
  bool WaitUntil(Predicate done, std::chrono::seconds patience = 20s) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, patience, [&] { return done(*this); });
  }
};

class FedSource : public StreamSource {
 public:
  explicit FedSource(std::shared_ptr<Feed> feed) : feed_(std::move(feed)) {}
  ~FedSource() override {
    std::lock_guard lock(feed_->mutex);
    feed_->destroyed = true;
    feed_->wake = nullptr;
    feed_->changed.notify_all();
  }
  FedSource(const FedSource&) = delete;
  FedSource& operator=(const FedSource&) = delete;
  void Start(std::function<void()> wake) override {
    std::lock_guard lock(feed_->mutex);
    feed_->wake = std::move(wake);
  }
  StreamChunk Pull() override {
    std::lock_guard lock(feed_->mutex);
    ++feed_->pulls;
    feed_->changed.notify_all();
    return StreamChunk{std::exchange(feed_->pending, ""), feed_->end};
  }

 private:
  std::shared_ptr<Feed> feed_;
};

// Handlers wait here until the test opens it (a latch that also counts who
// arrived, so the test waits for handlers to be running instead of sleeping).
class Gate {
 public:
  void Enter() {
    std::unique_lock lock(mutex_);
    ++entered_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
  }
  bool WaitEntered(int count, std::chrono::seconds patience = 20s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, patience, [&] { return entered_ >= count; });
  }
  void Open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int entered_ = 0;
  bool open_ = false;
};

Response Echo(Request& request) {
  auto body = ParseJsonBody(request.body);
  if (!body.ok()) {
    return Response::FromError(body.error());
  }
  return Response::Json(200, *body);
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AddRoutes();
    options_.listen = "127.0.0.1:0";
    options_.threads = 2;
    options_.max_body_bytes = kSmallLimit;
  }

  void TearDown() override {
    gate_.Open();  // Stop() waits for running handlers
    server_.reset();
  }

  void StartServer() {
    server_ = std::make_unique<Server>(options_, router_, &metrics_, log_);
    core::Status status = server_->Start();
    ASSERT_TRUE(status.ok()) << status.error().message;
    ASSERT_NE(server_->port(), 0);
  }

  void AddRoutes() {
    router_.Add("GET", "/api/v1/org-nodes/{id}", [](Request& request) {
      return Response::Json(200, {{"id", request.Param("id")}, {"route", request.route}});
    });
    router_.Add("GET", "/api/v1/search", [](Request& request) {
      return Response::Json(200, {{"q", request.Query("q").value_or("")}});
    });
    router_.Add("POST", "/api/v1/echo", Echo);
    router_.Add(
        "POST", "/api/v1/uploads",
        [](Request& request) {
          return Response::Json(200, {{"bytes", request.body.size()}});
        },
        RouteOptions{.max_body_bytes = kUploadLimit});
    router_.Add("GET", "/api/v1/boom",
                [](Request&) -> Response { throw std::runtime_error("boom"); });
    router_.Add("POST", "/api/v1/sessions", [](Request&) {
      Response response = Response::NoContent();
      response.AddHeader("Set-Cookie", "sid=abc123; Path=/; HttpOnly; SameSite=Lax");
      response.AddHeader("Set-Cookie", "theme=dark; Path=/");
      return response;
    });
    router_.Add("GET", "/api/v1/sessions/current", [](Request& request) {
      return Response::Json(200, {{"sid", request.Cookie("sid").value_or("")}});
    });
    AddMetricsRoute(router_, metrics_);
    AddAsyncRoutes();
    AddLaneRoutes();
  }

  // Routes that block on gate_, on each lane, and one that works until its
  // deadline has passed and then asks the store whether it may go on.
  void AddLaneRoutes() {
    auto blocked = [this](Request&) {
      gate_.Enter();
      return Response::NoContent();
    };
    router_.Add("GET", "/api/v1/blocked", blocked);
    router_.Add("GET", "/api/v1/blocked-long", blocked, LongRoute());
    router_.Add("GET", "/api/v1/counted", [this](Request&) {
      ++counted_runs_;
      return Response::NoContent();
    });
    // Record the order they ran in; one of them is queued ahead.
    auto recorded = [this](std::string name) {
      return [this, name](Request&) {
        std::lock_guard lock(statuses_mutex_);
        ran_.push_back(name);
        return Response::NoContent();
      };
    };
    router_.Add("GET", "/api/v1/plain", recorded("plain"));
    router_.Add("GET", "/api/v1/ahead", recorded("ahead"), RouteOptions{.ahead = true});
    router_.Add(
        "GET", "/api/v1/short-deadline",
        [this](Request&) {
          ++counted_runs_;
          return Response::NoContent();
        },
        RouteOptions{.deadline = 50ms});
    router_.Add(
        "POST", "/api/v1/overrun",
        [](Request&) {
          while (!store::DeadlinePassed()) {  // work that takes longer than allowed
            std::this_thread::sleep_for(1ms);
          }
          core::Status commit = store::CheckDeadline();  // what Transaction::Commit() does
          return commit.ok() ? Response::NoContent() : Response::FromError(commit.error());
        },
        RouteOptions{.deadline = 50ms});
  }

  // Sends GET `path` from a thread of its own; the status lands in `statuses`.
  void SendInBackground(const std::string& path) {
    background_.emplace_back([this, path] {
      unsigned status = TestClient(port()).Send("GET", path).status;
      std::lock_guard lock(statuses_mutex_);
      statuses_.push_back(status);
    });
  }
  std::vector<unsigned> JoinBackground() {
    for (auto& thread : background_) {
      thread.join();
    }
    background_.clear();
    std::lock_guard lock(statuses_mutex_);
    return std::exchange(statuses_, {});
  }

  // Polls /metrics (answered on the I/O thread, so even when every worker is
  // busy) until it shows `line`; false after a generous bound.
  bool WaitForMetric(const std::string& line) {
    TestClient client(port());
    for (int attempt = 0; attempt < 2000; ++attempt) {
      if (client.Send("GET", "/metrics").body.find(line + "\n") != std::string::npos) {
        return true;
      }
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  void AddAsyncRoutes() {
    router_.AddAsync("POST", "/api/v1/later", [this](Request& request, Responder respond) {
      parked_.Park(std::move(request.body), std::move(respond));
    });
    router_.AddAsync("POST", "/api/v1/now",
                     [](Request& request, Responder respond) { respond(Echo(request)); });
    router_.AddAsync("GET", "/api/v1/forget", [](Request&, Responder) {});
    router_.AddAsync("GET", "/api/v1/async-boom",
                     [](Request&, Responder) { throw std::runtime_error("async boom"); });
    router_.Add("GET", "/api/v1/stream", [this](Request&) {
      return Response::EventStream(std::make_shared<FedSource>(feed_));
    });
  }

  uint16_t port() const { return server_->port(); }

  ServerOptions options_;
  Router router_;
  Metrics metrics_;
  std::shared_ptr<spdlog::logger> log_;
  Parked parked_;
  std::shared_ptr<Feed> feed_ = std::make_shared<Feed>();
  Gate gate_;
  std::atomic<int> counted_runs_{0};
  std::vector<std::thread> background_;
  std::mutex statuses_mutex_;
  std::vector<unsigned> statuses_;
  std::vector<std::string> ran_;  // GUARDED_BY(statuses_mutex_)
  std::unique_ptr<Server> server_;
};

// The request line of a GET of /api/v1/stream.
constexpr std::string_view kStreamRequest = "GET /api/v1/stream HTTP/1.1\r\nHost: t\r\n\r\n";

// Sends kStreamRequest on `socket`; true once the header arrived and the
// server pulled `feed`'s source for the first time.
bool OpenStream(RawSocket& socket, Feed& feed) {
  socket.Send(kStreamRequest);
  return socket.ReadUntil("\r\n\r\n") && feed.WaitUntil([](const Feed& f) { return f.pulls >= 1; });
}

TEST_F(ServerTest, RoutesWithDecodedParameters) {
  StartServer();
  TestClient client(port());
  ClientResponse response = client.Send("GET", "/api/v1/org-nodes/%E7%BD%91%E6%A0%BC");
  EXPECT_EQ(response.status, 200U);
  EXPECT_EQ(response.Header("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(response.Json(),
            boost::json::parse(R"({"id":"网格","route":"/api/v1/org-nodes/{id}"})"));
  ClientResponse search = client.Send("GET", "/api/v1/search?q=%E7%BD%91+1");
  EXPECT_EQ(search.Json().at("q"), "网 1");
}

TEST_F(ServerTest, UnknownPathIsNotFoundJson) {
  StartServer();
  ClientResponse response = TestClient(port()).Send("GET", "/api/v1/nowhere");
  EXPECT_EQ(response.status, 404U);
  EXPECT_EQ(response.Json().at("error").at("code"), "not_found");
}

TEST_F(ServerTest, WrongMethodIsMethodNotAllowedWithAllow) {
  StartServer();
  ClientResponse response = TestClient(port()).Send("DELETE", "/api/v1/org-nodes/1");
  EXPECT_EQ(response.status, 405U);
  EXPECT_EQ(response.Header("Allow"), "GET");
  EXPECT_TRUE(response.Json().at("error").at("message").is_string());
}

TEST_F(ServerTest, MalformedJsonBodyIsBadRequestOnBody) {
  StartServer();
  TestClient client(port());
  ClientResponse response = client.Send("POST", "/api/v1/echo", "{\"name\":");
  EXPECT_EQ(response.status, 400U);
  EXPECT_EQ(response.Json().at("error").at("code"), "invalid");
  EXPECT_EQ(response.Json().at("error").at("field"), "body");
  EXPECT_EQ(client.Send("POST", "/api/v1/echo", R"({"a":1})").status, 200U);  // still usable
}

TEST_F(ServerTest, OversizedBodyIsTooLargeUnlessTheRouteAllowsMore) {
  StartServer();
  TestClient client(port());
  std::string body(2 * kSmallLimit, 'x');
  ClientResponse refused = client.Send("POST", "/api/v1/echo", body);
  EXPECT_EQ(refused.status, 413U);
  EXPECT_EQ(refused.Json().at("error").at("code"), "too_large");
  EXPECT_EQ(refused.Json().at("error").at("field"), "body");
  ClientResponse accepted = client.Send("POST", "/api/v1/uploads", body);
  EXPECT_EQ(accepted.status, 200U);
  EXPECT_EQ(accepted.Json().at("bytes").to_number<size_t>(), body.size());
  EXPECT_EQ(client.Send("POST", "/api/v1/uploads", std::string(kUploadLimit + 1, 'x')).status,
            413U);
}

TEST_F(ServerTest, HugeBodyGetsItsAnswerBeforeTheConnectionCloses) {
  StartServer();
  ClientResponse response =
      TestClient(port()).Send("POST", "/api/v1/echo", std::string(8 << 20, 'x'));
  EXPECT_EQ(response.status, 413U);
}

TEST_F(ServerTest, ChunkedBodyPastTheLimitIsTooLarge) {
  StartServer();
  RawSocket socket(port());
  std::string chunk(2 * kSmallLimit, 'x');
  std::ostringstream request;
  request << "POST /api/v1/echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
          << std::hex << chunk.size() << "\r\n"
          << chunk << "\r\n0\r\n\r\n";
  socket.Send(request.str());
  std::optional<std::string> reply = socket.ReadUntilClosed();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->rfind("HTTP/1.1 413", 0), 0U) << *reply;
}

TEST_F(ServerTest, ExpectContinueIsAnsweredBeforeTheBody) {
  StartServer();
  RawSocket socket(port());
  socket.Send(
      "POST /api/v1/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 7\r\n"
      "Expect: 100-continue\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(socket.ReadSome().rfind("HTTP/1.1 100 Continue\r\n", 0), 0U);
  socket.Send(R"({"a":1})");
  std::optional<std::string> reply = socket.ReadUntilClosed();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->rfind("HTTP/1.1 200 OK\r\n", 0), 0U) << *reply;
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer();
  RawSocket socket(port());
  socket.Send(
      "HEAD /api/v1/org-nodes/1 HTTP/1.1\r\nHost: t\r\n\r\n"
      "GET /api/v1/org-nodes/2 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  std::optional<std::string> reply = socket.ReadUntilClosed();
  ASSERT_TRUE(reply.has_value());
  size_t first = reply->find("HTTP/1.1 405");
  size_t second = reply->find("HTTP/1.1 200");
  EXPECT_EQ(first, 0U) << *reply;
  EXPECT_NE(second, std::string::npos) << *reply;
  EXPECT_EQ(reply->find(R"({"error")"), std::string::npos) << "HEAD must not get a body";
  EXPECT_EQ(reply->substr(reply->find("\r\n\r\n", second) + 4),
            R"({"id":"2","route":"/api/v1/org-nodes/{id}"})");
}

TEST_F(ServerTest, OversizedHeaderIsRefused) {
  StartServer();
  RawSocket socket(port());
  socket.Send("GET /api/v1/org-nodes/1 HTTP/1.1\r\nHost: t\r\nX-Big: " +
              std::string(20 * 1024, 'x') + "\r\n\r\n");
  std::optional<std::string> reply = socket.ReadUntilClosed();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->rfind("HTTP/1.1 431", 0), 0U) << reply->substr(0, 100);
}

TEST_F(ServerTest, GarbageIsBadRequest) {
  StartServer();
  RawSocket socket(port());
  socket.Send("HELLO\r\n\r\n");
  std::optional<std::string> reply = socket.ReadUntilClosed();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->rfind("HTTP/1.1 400", 0), 0U) << *reply;
  EXPECT_NE(reply->find("X-Request-Id: "), std::string::npos);
}

TEST_F(ServerTest, EveryResponseCarriesARequestId) {
  StartServer();
  TestClient client(port());
  std::string generated = client.Send("GET", "/api/v1/org-nodes/1").Header("X-Request-Id");
  EXPECT_EQ(generated.size(), 16U);
  EXPECT_NE(client.Send("GET", "/nowhere").Header("X-Request-Id"), "");
  ClientResponse kept =
      client.Send("GET", "/api/v1/org-nodes/1", "", {{"X-Request-Id", "trace-42.a_b"}});
  EXPECT_EQ(kept.Header("X-Request-Id"), "trace-42.a_b");
  ClientResponse replaced =
      client.Send("GET", "/api/v1/org-nodes/1", "", {{"X-Request-Id", "<script>"}});
  EXPECT_NE(replaced.Header("X-Request-Id"), "<script>");
  EXPECT_EQ(replaced.Header("X-Request-Id").size(), 16U);
}

TEST_F(ServerTest, HandlerExceptionIsInternalErrorNamingTheRequest) {
  std::ostringstream lines;
  log_ = std::make_shared<spdlog::logger>("test",
                                          std::make_shared<spdlog::sinks::ostream_sink_mt>(lines));
  log_->set_pattern("%v");
  StartServer();
  TestClient client(port());
  ClientResponse response = client.Send("GET", "/api/v1/boom", "", {{"X-Request-Id", "req-1"}});
  EXPECT_EQ(response.status, 500U);
  EXPECT_EQ(response.Json().at("error").at("code"), "internal");
  std::string message(response.Json().at("error").at("message").as_string());
  EXPECT_NE(message.find("req-1"), std::string::npos) << message;
  EXPECT_EQ(client.Send("GET", "/api/v1/org-nodes/1").status, 200U);  // the server lives on
  server_->Stop();  // flushes: the log line is written after the response
  EXPECT_NE(lines.str().find(R"("event":"handler_exception")"), std::string::npos);
  EXPECT_NE(lines.str().find(R"("what":"boom")"), std::string::npos);
  EXPECT_NE(lines.str().find(R"({"method":"GET","route":"/api/v1/boom","path":"/api/v1/boom",)"
                             R"("status":500,"duration_us":)"),
            std::string::npos)
      << lines.str();
}

TEST_F(ServerTest, SecondServerOnTheSamePortRefusesToStart) {
  StartServer();
  ServerOptions taken = options_;
  taken.listen = "127.0.0.1:" + std::to_string(port());
  Server second(taken, router_);
  core::Status status = second.Start();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, core::ErrorCode::kUnavailable);
  EXPECT_EQ(TestClient(port()).Send("GET", "/api/v1/org-nodes/1").status, 200U);
}

TEST_F(ServerTest, MalformedListenAddressIsInvalid) {
  for (const char* listen : {"127.0.0.1", "nohost:80", "127.0.0.1:70000", "127.0.0.1:x"}) {
    options_.listen = listen;
    Server server(options_, router_);
    core::Status status = server.Start();
    ASSERT_FALSE(status.ok()) << listen;
    EXPECT_EQ(status.error().field, "listen");
  }
}

TEST_F(ServerTest, MetricsCountTheRequestsServed) {
  StartServer();
  TestClient client(port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(client.Send("GET", "/api/v1/org-nodes/" + std::to_string(i)).status, 200U);
  }
  ASSERT_EQ(client.Send("GET", "/nowhere").status, 404U);
  ClientResponse response = client.Send("GET", "/metrics");
  EXPECT_EQ(response.status, 200U);
  EXPECT_EQ(response.Header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(response.body.find("civicgrid_http_requests_total{method=\"GET\",route=\"/api/v1/"
                               "org-nodes/{id}\",status=\"200\"} 3\n"),
            std::string::npos)
      << response.body;
  EXPECT_NE(response.body.find("civicgrid_http_requests_total{method=\"GET\",route=\"(unmatched)"
                               "\",status=\"404\"} 1\n"),
            std::string::npos);
  EXPECT_NE(response.body.find("civicgrid_http_request_duration_seconds_count{route=\"/api/v1/"
                               "org-nodes/{id}\"} 3\n"),
            std::string::npos);
}

TEST_F(ServerTest, CookieJarCarriesTheSession) {
  StartServer();
  TestClient client(port());
  client.set_cookie_jar(true);
  ClientResponse login = client.Send("POST", "/api/v1/sessions");
  EXPECT_EQ(login.status, 204U);
  EXPECT_EQ(client.cookies().at("sid"), "abc123");
  EXPECT_EQ(client.cookies().at("theme"), "dark");
  EXPECT_EQ(client.Send("GET", "/api/v1/sessions/current").Json().at("sid"), "abc123");
}

TEST_F(ServerTest, SlowClientIsCutOffByTheReadTimeout) {
  options_.read_timeout = 200ms;
  StartServer();
  RawSocket socket(port());
  socket.Send("GET /api/v1/org-nodes/1 HTTP/1.1\r\nHost: t\r\n");  // never finished
  std::optional<std::string> reply = socket.ReadUntilClosed();
  ASSERT_TRUE(reply.has_value()) << "the server kept the half request open";
  EXPECT_EQ(*reply, "");
  EXPECT_EQ(TestClient(port()).Send("GET", "/api/v1/org-nodes/1").status, 200U);
}

TEST_F(ServerTest, ConcurrentClientsAreAllServed) {
  StartServer();
  constexpr int kThreads = 8;
  constexpr int kRequestsEach = 25;
  std::atomic<int> served{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      TestClient client(port());
      for (int i = 0; i < kRequestsEach; ++i) {
        std::string id = std::to_string(t * 1000 + i);
        ClientResponse response = client.Send("GET", "/api/v1/org-nodes/" + id);
        if (response.status == 200 && response.Json().at("id").as_string() == id) {
          ++served;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(served.load(), kThreads * kRequestsEach);
}

TEST_F(ServerTest, StopReturnsWithConnectionsOpen) {
  StartServer();
  TestClient idle(port());
  ASSERT_EQ(idle.Send("GET", "/api/v1/org-nodes/1").status, 200U);  // kept alive
  RawSocket half(port());
  half.Send("POST /api/v1/echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n{");
  RawSocket silent(port());
  server_->Stop();
  EXPECT_TRUE(half.ReadUntilClosed().has_value());
  EXPECT_TRUE(silent.ReadUntilClosed().has_value());
  EXPECT_THROW(idle.Send("GET", "/api/v1/org-nodes/1"), boost::system::system_error);
  server_->Stop();  // idempotent
}

TEST_F(ServerTest, AsyncAnswerFromAnotherThreadReachesTheClient) {
  StartServer();
  std::thread client([&] {
    ClientResponse response = TestClient(port()).Send("POST", "/api/v1/later", R"({"n":1})");
    EXPECT_EQ(response.status, 200U);
    EXPECT_EQ(response.Json().at("echo"), "{\"n\":1}");
  });
  ASSERT_TRUE(parked_.WaitFor(1));
  auto [body, respond] = parked_.Take();
  std::thread([body = body, respond = respond] {
    respond(Response::Json(200, {{"echo", body}}));
    respond(Response::Json(500, {{"echo", "second answer is ignored"}}));
  }).join();
  client.join();
}

TEST_F(ServerTest, WaitingForAnAsyncAnswerDoesNotHoldTheThread) {
  options_.threads = 1;
  StartServer();
  std::thread waiting(
      [&] { EXPECT_EQ(TestClient(port()).Send("POST", "/api/v1/later", "{}").status, 204U); });
  ASSERT_TRUE(parked_.WaitFor(1));
  // The only I/O thread serves another connection while the first waits.
  EXPECT_EQ(TestClient(port()).Send("GET", "/api/v1/org-nodes/7").status, 200U);
  ClientResponse inline_answer = TestClient(port()).Send("POST", "/api/v1/now", R"({"a":2})");
  EXPECT_EQ(inline_answer.status, 200U);
  EXPECT_EQ(inline_answer.Json(), boost::json::parse(R"({"a":2})"));
  parked_.Take().second(Response::NoContent());
  waiting.join();
}

TEST_F(ServerTest, AsyncHandlerThatNeverAnswersTimesOut) {
  options_.handler_timeout = 100ms;
  StartServer();
  TestClient client(port());
  ClientResponse response = client.Send("POST", "/api/v1/later", "{}");
  EXPECT_EQ(response.status, 503U);
  EXPECT_EQ(response.Json().at("error").at("code"), "unavailable");
  parked_.Take().second(Response::NoContent());  // too late: dropped
  EXPECT_EQ(client.Send("GET", "/api/v1/org-nodes/1").status, 200U);
}

TEST_F(ServerTest, AsyncHandlerThatDropsItsResponderOrThrowsIsInternalError) {
  StartServer();
  TestClient client(port());
  ClientResponse dropped = client.Send("GET", "/api/v1/forget");
  EXPECT_EQ(dropped.status, 500U);
  EXPECT_EQ(dropped.Json().at("error").at("code"), "internal");
  EXPECT_EQ(client.Send("GET", "/api/v1/async-boom").status, 500U);
  EXPECT_EQ(client.Send("GET", "/api/v1/org-nodes/1").status, 200U);
}

TEST_F(ServerTest, StopLetsAPendingAsyncAnswerArrive) {
  StartServer();
  std::thread client(
      [&] { EXPECT_EQ(TestClient(port()).Send("POST", "/api/v1/later", "{}").status, 204U); });
  ASSERT_TRUE(parked_.WaitFor(1));
  RawSocket idle(port());
  std::thread stopper([&] { server_->Stop(); });
  ASSERT_TRUE(idle.ReadUntilClosed().has_value());  // Stop() is under way
  parked_.Take().second(Response::NoContent());
  stopper.join();
  client.join();
}

TEST_F(ServerTest, ResponderMayOutliveTheServer) {
  options_.handler_timeout = 100ms;
  StartServer();
  EXPECT_EQ(TestClient(port()).Send("POST", "/api/v1/later", "{}").status, 503U);
  Responder respond = parked_.Take().second;
  server_.reset();
  respond(Response::NoContent());  // nothing left to answer: must do nothing
}

TEST_F(ServerTest, EventStreamSendsHeaderBacklogWakesAndEnd) {
  feed_->Push("data: backlog\n\n");
  StartServer();
  RawSocket socket(port());
  socket.Send(kStreamRequest);
  ASSERT_TRUE(socket.ReadUntil("data: backlog\n\n")) << socket.received();
  std::string header = socket.received().substr(0, socket.received().find("\r\n\r\n"));
  EXPECT_EQ(header.rfind("HTTP/1.1 200 OK\r\n", 0), 0U) << header;
  EXPECT_NE(header.find("Content-Type: text/event-stream; charset=utf-8"), std::string::npos);
  EXPECT_NE(header.find("Cache-Control: no-cache"), std::string::npos);
  EXPECT_NE(header.find("Connection: close"), std::string::npos);
  EXPECT_EQ(header.find("Content-Length"), std::string::npos) << header;
  feed_->Push("data: one\n\n");
  ASSERT_TRUE(socket.ReadUntil("data: one\n\n"));
  feed_->Push("data: last\n\n", /*finish=*/true);
  std::optional<std::string> rest = socket.ReadUntilClosed();
  ASSERT_TRUE(rest.has_value());
  std::string all = socket.received() + *rest;
  EXPECT_EQ(all.substr(all.find("\r\n\r\n") + 4), "data: backlog\n\ndata: one\n\ndata: last\n\n");
  EXPECT_TRUE(feed_->WaitUntil([](const Feed& f) { return f.destroyed; }));
}

TEST_F(ServerTest, QuietEventStreamSendsHeartbeats) {
  options_.stream_heartbeat = 20ms;
  StartServer();
  RawSocket socket(port());
  socket.Send(kStreamRequest);
  ASSERT_TRUE(socket.ReadUntil(": ping\n\n: ping\n\n")) << socket.received();
  feed_->Push("data: after pings\n\n");
  ASSERT_TRUE(socket.ReadUntil("data: after pings\n\n")) << socket.received();
}

TEST_F(ServerTest, ClientLeavingEndsTheStream) {
  StartServer();
  {
    RawSocket socket(port());
    ASSERT_TRUE(OpenStream(socket, *feed_));
  }  // closed: the server notices without any event or heartbeat to write
  EXPECT_TRUE(feed_->WaitUntil([](const Feed& f) { return f.destroyed; }));
  EXPECT_EQ(TestClient(port()).Send("GET", "/api/v1/org-nodes/1").status, 200U);
}

TEST_F(ServerTest, StopEndsOpenStreams) {
  StartServer();
  RawSocket socket(port());
  ASSERT_TRUE(OpenStream(socket, *feed_));
  server_->Stop();  // returns although the stream was open, with no heartbeat due
  EXPECT_TRUE(socket.ReadUntilClosed().has_value());
  EXPECT_TRUE(feed_->destroyed);
  feed_->Push("data: after stop\n\n");  // the wake does nothing now
}

TEST_F(ServerTest, RoutesListAsyncRoutesToo) {
  bool found = false;
  for (const RouteInfo& route : router_.Routes()) {
    found = found || (route.method == "POST" && route.pattern == "/api/v1/later");
  }
  EXPECT_TRUE(found);
}

}  // namespace
}  // namespace civicgrid::http

namespace civicgrid::http {
namespace {

TEST_F(ServerTest, BlockedHandlersDoNotKeepAQuickRouteFromAnswering) {
  options_.threads = 1;  // fewer I/O threads than blocked requests
  options_.workers = 4;
  StartServer();
  for (int i = 0; i < 3; ++i) {
    SendInBackground("/api/v1/blocked");
  }
  ASSERT_TRUE(gate_.WaitEntered(3));  // three handlers hold three workers
  TestClient quick(port());
  EXPECT_EQ(quick.Send("GET", "/api/v1/org-nodes/7").status, 200U);
  EXPECT_EQ(quick.Send("POST", "/api/v1/echo", R"({"a":1})").status, 200U);
  gate_.Open();
  EXPECT_EQ(JoinBackground(), std::vector<unsigned>(3, 204U));
}

TEST_F(ServerTest, FullQueueAnswers503WithRetryAfterAtOnce) {
  options_.workers = 1;
  options_.queue_limit = 1;
  options_.retry_after = 7s;
  StartServer();
  SendInBackground("/api/v1/blocked");  // runs
  ASSERT_TRUE(gate_.WaitEntered(1));
  SendInBackground("/api/v1/blocked");  // waits in the queue
  ASSERT_TRUE(WaitForMetric(R"(civicgrid_http_lane_queue_depth{lane="interactive"} 1)"));
  ClientResponse refused = TestClient(port()).Send("GET", "/api/v1/counted");
  EXPECT_EQ(refused.status, 503U);
  EXPECT_EQ(refused.Header("Retry-After"), "7");
  EXPECT_EQ(refused.Json().at("error").at("code"), "unavailable");
  EXPECT_FALSE(refused.Json().at("error").at("message").as_string().empty());
  EXPECT_TRUE(WaitForMetric(R"(civicgrid_http_lane_rejected_total{lane="interactive"} 1)"));
  gate_.Open();
  EXPECT_EQ(JoinBackground(), std::vector<unsigned>(2, 204U));
  EXPECT_EQ(counted_runs_.load(), 0);  // the refused request never ran
  EXPECT_EQ(TestClient(port()).Send("GET", "/api/v1/counted").status, 204U);
}

// A route marked ahead (a resident's submission) is run before the requests
// queued earlier on its lane.
TEST_F(ServerTest, AnAheadRouteRunsBeforeRequestsQueuedEarlier) {
  options_.workers = 1;
  StartServer();
  SendInBackground("/api/v1/blocked");  // holds the one worker
  ASSERT_TRUE(gate_.WaitEntered(1));
  SendInBackground("/api/v1/plain");
  ASSERT_TRUE(WaitForMetric(R"(civicgrid_http_lane_queue_depth{lane="interactive"} 1)"));
  SendInBackground("/api/v1/ahead");
  ASSERT_TRUE(WaitForMetric(R"(civicgrid_http_lane_queue_depth{lane="interactive"} 2)"));
  gate_.Open();
  EXPECT_EQ(JoinBackground(), std::vector<unsigned>(3, 204U));
  std::lock_guard lock(statuses_mutex_);
  EXPECT_EQ(ran_, (std::vector<std::string>{"ahead", "plain"}));
}

TEST_F(ServerTest, LongRoutesCannotOccupyTheInteractiveWorkers) {
  options_.workers = 1;
  options_.long_workers = 2;
  options_.long_queue_limit = 1;
  StartServer();
  SendInBackground("/api/v1/blocked-long");
  SendInBackground("/api/v1/blocked-long");
  ASSERT_TRUE(gate_.WaitEntered(2));  // every long worker is blocked
  SendInBackground("/api/v1/blocked-long");
  ASSERT_TRUE(WaitForMetric(R"(civicgrid_http_lane_queue_depth{lane="long"} 1)"));
  EXPECT_EQ(TestClient(port()).Send("GET", "/api/v1/blocked-long").status, 503U);
  // The one interactive worker is free for everyone else.
  TestClient quick(port());
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(quick.Send("GET", "/api/v1/org-nodes/" + std::to_string(i)).status, 200U);
  }
  EXPECT_TRUE(WaitForMetric(R"(civicgrid_http_lane_busy_workers{lane="long"} 2)"));
  EXPECT_TRUE(WaitForMetric(R"(civicgrid_http_lane_busy_workers{lane="interactive"} 0)"));
  gate_.Open();
  EXPECT_EQ(JoinBackground(), std::vector<unsigned>(3, 204U));
}

TEST_F(ServerTest, HandlerPastItsDeadlineIsAnswered503AndCounted) {
  StartServer();
  TestClient client(port());
  ClientResponse late = client.Send("POST", "/api/v1/overrun", "{}");
  EXPECT_EQ(late.status, 503U);
  EXPECT_EQ(late.Json().at("error").at("code"), "unavailable");
  EXPECT_EQ(late.Header("Retry-After"), "1");
  EXPECT_TRUE(WaitForMetric(R"(civicgrid_http_lane_timed_out_total{lane="interactive"} 1)"));
  EXPECT_EQ(client.Send("GET", "/api/v1/org-nodes/1").status, 200U);
}

TEST_F(ServerTest, HandlerThatNeverReturnsIsAnswered503AtItsDeadline) {
  options_.deadline = 50ms;
  options_.deadline_grace = 10ms;
  StartServer();
  ClientResponse late = TestClient(port()).Send("GET", "/api/v1/blocked");
  EXPECT_EQ(late.status, 503U);
  EXPECT_EQ(late.Json().at("error").at("code"), "unavailable");
  gate_.Open();  // its answer comes too late and is dropped
  EXPECT_TRUE(WaitForMetric(R"(civicgrid_http_lane_timed_out_total{lane="interactive"} 1)"));
}

TEST_F(ServerTest, RequestStillQueuedAtItsDeadlineIsDroppedUnrun) {
  options_.workers = 1;
  options_.deadline_grace = 10ms;
  StartServer();
  SendInBackground("/api/v1/blocked");
  ASSERT_TRUE(gate_.WaitEntered(1));
  // Queued behind the blocked handler past its 50 ms deadline.
  EXPECT_EQ(TestClient(port()).Send("GET", "/api/v1/short-deadline").status, 503U);
  gate_.Open();
  EXPECT_EQ(JoinBackground(), std::vector<unsigned>{204U});
  // FIFO: once this one has run, the worker has passed the stale one.
  EXPECT_EQ(TestClient(port()).Send("GET", "/api/v1/counted").status, 204U);
  EXPECT_EQ(counted_runs_.load(), 1);  // only the last request ran
}

TEST_F(ServerTest, MetricsAnswerOnTheIoThreadWhileEveryWorkerIsBusy) {
  options_.workers = 1;
  options_.queue_limit = 0;
  StartServer();
  SendInBackground("/api/v1/blocked");
  ASSERT_TRUE(gate_.WaitEntered(1));
  EXPECT_EQ(TestClient(port()).Send("GET", "/api/v1/org-nodes/1").status, 503U);
  ClientResponse metrics = TestClient(port()).Send("GET", "/metrics");
  EXPECT_EQ(metrics.status, 200U);
  EXPECT_NE(metrics.body.find(R"(civicgrid_http_lane_busy_workers{lane="interactive"} 1)"),
            std::string::npos)
      << metrics.body;
  gate_.Open();
  EXPECT_EQ(JoinBackground(), std::vector<unsigned>{204U});
}

TEST_F(ServerTest, HandlersOnIoThreadsStillServe) {
  options_.handlers_on_io_threads = true;
  StartServer();
  TestClient client(port());
  EXPECT_EQ(client.Send("GET", "/api/v1/org-nodes/1").status, 200U);
  EXPECT_EQ(client.Send("POST", "/api/v1/now", R"({"a":2})").status, 200U);
  EXPECT_EQ(client.Send("GET", "/metrics").body.find("civicgrid_http_lane"), std::string::npos);
}

}  // namespace
}  // namespace civicgrid::http
