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
  }

  uint16_t port() const { return server_->port(); }

  ServerOptions options_;
  Router router_;
  Metrics metrics_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<Server> server_;
};

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

}  // namespace
}  // namespace civicgrid::http
