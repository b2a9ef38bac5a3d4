// The ticket event stream (GET /api/v1/tickets/stream, Server-Sent Events)
// and the group-committed submit (POST /api/v1/tickets through the
// IntakeWriter) over real HTTP on both backends: events arrive live and in
// order, scoped like every other read (grid2 never sees grid A1's tickets),
// resume after Last-Event-ID or ?after=, and concurrent submissions with one
// Idempotency-Key make one ticket.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <atomic>
#include <optional>
#include <set>
#include <thread>

#include "api_harness.h"

namespace civicgrid::tests {
namespace {

namespace json = boost::json;

struct SseEvent {
  std::string id;
  std::string event;
  json::object data;
};

// One EventSource-like connection: sends the request, reads the header, then
// hands out events one by one (comments such as ": ping" are skipped). Every
// read gives up after 20 s, so a missing event fails the test instead of
// hanging it.
class SseClient {
 public:
  SseClient(uint16_t port, const std::string& target,
            const std::vector<std::pair<std::string, std::string>>& headers)
      : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval timeout{20, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      throw std::runtime_error("connect failed");
    }
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\n";
    for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
    request += "\r\n";
    ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL);
    if (!ReadUntil("\r\n\r\n")) throw std::runtime_error("no response header");
    size_t end = buffer_.find("\r\n\r\n");
    header_ = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
  }
  ~SseClient() { ::close(fd_); }
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  const std::string& header() const { return header_; }
  std::string body_so_far() const { return buffer_; }

  // The next event, or nullopt when the stream ended or nothing came in time.
  std::optional<SseEvent> Next() {
    while (true) {
      if (!ReadUntil("\n\n")) return std::nullopt;
      size_t end = buffer_.find("\n\n");
      std::string block = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      SseEvent event;
      bool any = false;
      for (size_t start = 0; start <= block.size();) {
        size_t stop = std::min(block.find('\n', start), block.size());
        std::string line = block.substr(start, stop - start);
        start = stop + 1;
        if (line.rfind("id: ", 0) == 0) {
          event.id = line.substr(4);
        } else if (line.rfind("event: ", 0) == 0) {
          event.event = line.substr(7);
        } else if (line.rfind("data: ", 0) == 0) {
          event.data = json::parse(line.substr(6)).as_object();
        } else {
          continue;
        }
        any = true;
      }
      if (any) return event;  // else a comment (heartbeat): keep reading
    }
  }

  // Drains to the end of the stream; true when the server closed it.
  bool ReadToClose() {
    char chunk[4096];
    while (true) {
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n == 0) return true;
      if (n < 0) return false;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

 private:
  bool ReadUntil(std::string_view needle) {
    char chunk[4096];
    while (buffer_.find(needle) == std::string::npos) {
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
    return true;
  }

  int fd_;
  std::string header_;
  std::string buffer_;
};

class StreamTest : public ApiTest {
 protected:
  // A stream as `user` (logged in through the harness); `extra` adds headers.
  std::unique_ptr<SseClient> Stream(const std::string& user, const std::string& query = "",
                                    std::vector<std::pair<std::string, std::string>> extra = {}) {
    extra.emplace_back("Cookie", "cg_session=" + As(user).cookies().at("cg_session"));
    return std::make_unique<SseClient>(server_->port(), "/api/v1/tickets/stream" + query, extra);
  }

  // A 暴露垃圾 report at the centre of grid i (0 = A1, 2 = B1) by the county admin.
  json::object Submit(int grid, const std::string& text,
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
    auto response = As("admin").Send("POST", "/api/v1/tickets", Body(grid, text), headers);
    EXPECT_EQ(response.status, 201u) << response.body;
    return response.Json().as_object();
  }

  std::string Body(int grid, const std::string& text) {
    core::LonLat at = GridCenter(grid);
    json::object body{{"category_id", Must(app_->categories().GetByCode("E01.01"), "E01.01").id},
                      {"description", text},
                      {"location", json::array{at.lon, at.lat}}};
    return json::serialize(body);
  }

  static int64_t TicketIdOf(const SseEvent& e) { return e.data.at("ticket_id").as_int64(); }
};

TEST_P(StreamTest, HeaderIsAnEventStreamThatIsNotKeptAlive) {
  auto stream = Stream("secretary1");
  EXPECT_EQ(stream->header().rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << stream->header();
  EXPECT_NE(stream->header().find("Content-Type: text/event-stream"), std::string::npos);
  EXPECT_NE(stream->header().find("Cache-Control: no-cache"), std::string::npos);
  EXPECT_NE(stream->header().find("Connection: close"), std::string::npos);
  EXPECT_EQ(stream->header().find("Content-Length"), std::string::npos);
}

TEST_P(StreamTest, EventsArriveLiveWithTheirTicket) {
  auto stream = Stream("secretary1");
  json::object ticket = Submit(0, "东方街北一网格路灯不亮");
  std::optional<SseEvent> event = stream->Next();
  ASSERT_TRUE(event.has_value()) << stream->body_so_far();
  EXPECT_EQ(event->event, "ticket");
  EXPECT_EQ(event->id, std::to_string(event->data.at("id").as_int64()));
  EXPECT_EQ(TicketIdOf(*event), ticket.at("id").as_int64());
  EXPECT_EQ(event->data.at("ticket_number"), ticket.at("number"));
  EXPECT_EQ(event->data.at("type"), "submit");
  EXPECT_EQ(event->data.at("state_after"), "submitted");
  std::string at(event->data.at("at").as_string());
  EXPECT_EQ(at.substr(at.size() - 6), "+08:00") << at;
  // A later action on the same ticket follows on the same stream.
  auto accept =
      As("secretary1")
          .Send("POST", "/api/v1/tickets/" + std::to_string(ticket.at("id").as_int64()) + "/events",
                R"({"type":"accept","note":"已受理"})");
  ASSERT_EQ(accept.status, 200u) << accept.body;
  event = stream->Next();
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(event->data.at("type"), "accept");
  EXPECT_EQ(event->data.at("state_after"), "accepted");
  EXPECT_EQ(event->data.at("note"), "已受理");
}

TEST_P(StreamTest, GridWorkersSeeOnlyTheirOwnGridsEvents) {
  auto grid1 = Stream("grid1");
  auto grid2 = Stream("grid2");
  json::object in_a1 = Submit(0, "A1 网格井盖缺失");
  json::object in_b1 = Submit(2, "B1 网格井盖缺失");
  // Events go out in id order, so had grid2 been allowed A1's event it would
  // have come before B1's.
  std::optional<SseEvent> first_of_grid2 = grid2->Next();
  ASSERT_TRUE(first_of_grid2.has_value());
  EXPECT_EQ(TicketIdOf(*first_of_grid2), in_b1.at("id").as_int64());
  std::optional<SseEvent> first_of_grid1 = grid1->Next();
  ASSERT_TRUE(first_of_grid1.has_value());
  EXPECT_EQ(TicketIdOf(*first_of_grid1), in_a1.at("id").as_int64());
  // And grid1 gets the next A1 event, not B1's in between.
  json::object again_a1 = Submit(0, "A1 网格路面塌陷");
  std::optional<SseEvent> second_of_grid1 = grid1->Next();
  ASSERT_TRUE(second_of_grid1.has_value());
  EXPECT_EQ(TicketIdOf(*second_of_grid1), again_a1.at("id").as_int64());
}

TEST_P(StreamTest, ResumesAfterLastEventIdOrAfterQuery) {
  auto live = Stream("street1");
  std::vector<int64_t> ids;
  for (int i = 0; i < 3; ++i) {
    Submit(i == 1 ? 2 : 0, "续传测试 " + std::to_string(i));
    auto event = live->Next();
    ASSERT_TRUE(event.has_value());
    ids.push_back(event->data.at("id").as_int64());
  }
  // EventSource reconnecting sends the last id it saw.
  auto resumed = Stream("street1", "", {{"Last-Event-ID", std::to_string(ids[0])}});
  auto next = resumed->Next();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->data.at("id").as_int64(), ids[1]);
  next = resumed->Next();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->data.at("id").as_int64(), ids[2]);
  // ?after= does the same for clients that cannot set headers.
  auto from_query = Stream("street1", "?after=" + std::to_string(ids[1]));
  next = from_query->Next();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->data.at("id").as_int64(), ids[2]);
}

TEST_P(StreamTest, AskingWithoutASessionOrWithABadCursorIsRefused) {
  auto anonymous = Anonymous()->Send("GET", "/api/v1/tickets/stream");
  EXPECT_EQ(anonymous.status, 401u);
  auto bad = As("admin").Send("GET", "/api/v1/tickets/stream", "", {{"Last-Event-ID", "x1"}});
  EXPECT_EQ(bad.status, 422u);
  EXPECT_EQ(bad.Json().at("error").at("field"), "Last-Event-ID");
  auto negative = As("admin").Send("GET", "/api/v1/tickets/stream?after=-3");
  EXPECT_EQ(negative.status, 422u);
  EXPECT_EQ(negative.Json().at("error").at("field"), "after");
}

TEST_P(StreamTest, StopEndsOpenStreams) {
  auto stream = Stream("admin");
  server_->Stop();
  EXPECT_TRUE(stream->ReadToClose());
}

TEST_P(StreamTest, ConcurrentSubmitsWithOneIdempotencyKeyMakeOneTicket) {
  constexpr int kClients = 12;
  const int64_t before = Count("ticket");
  const std::string body = Body(0, "同一幂等键并发提交");
  std::vector<std::unique_ptr<http::TestClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(Anonymous());
    clients.back()->set_cookie_jar(true);
    auto login = clients.back()->Send(
        "POST", "/api/v1/session",
        std::string(R"({"username":"admin","password":")") + kPassword + R"("})");
    ASSERT_EQ(login.status, 200u);
  }
  std::vector<http::ClientResponse> responses(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      responses[i] = clients[i]->Send("POST", "/api/v1/tickets", body,
                                      {{"Idempotency-Key", "same-key-for-all"}});
    });
  }
  for (auto& thread : threads) thread.join();
  int created = 0;
  std::set<std::string> numbers;
  for (const auto& response : responses) {
    ASSERT_TRUE(response.status == 201u || response.status == 200u) << response.body;
    created += response.status == 201u ? 1 : 0;
    numbers.insert(std::string(response.Json().at("number").as_string()));
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(numbers.size(), 1u);
  EXPECT_EQ(Count("ticket"), before + 1);
}

TEST_P(StreamTest, ManyConcurrentSubmitsAreEachAcknowledgedAndStored) {
  constexpr int kClients = 8;
  constexpr int kEach = 5;
  const int64_t before = Count("ticket");
  std::vector<std::unique_ptr<http::TestClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(Anonymous());
    clients.back()->set_cookie_jar(true);
    ASSERT_EQ(clients.back()
                  ->Send("POST", "/api/v1/session",
                         std::string(R"({"username":"admin","password":")") + kPassword + R"("})")
                  .status,
              200u);
  }
  std::mutex mutex;
  std::set<int64_t> acknowledged;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      for (int i = 0; i < kEach; ++i) {
        auto response = clients[c]->Send(
            "POST", "/api/v1/tickets", Body(i % 2 == 0 ? 0 : 2, "并发受理 " + std::to_string(c)),
            {{"Idempotency-Key", "k-" + std::to_string(c) + "-" + std::to_string(i)}});
        if (response.status != 201u) {
          ++failures;
          continue;
        }
        std::lock_guard lock(mutex);
        acknowledged.insert(response.Json().at("id").as_int64());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(acknowledged.size(), static_cast<size_t>(kClients * kEach));
  EXPECT_EQ(Count("ticket"), before + kClients * kEach);
  for (int64_t id : acknowledged) {
    EXPECT_EQ(As("admin").Send("GET", "/api/v1/tickets/" + std::to_string(id)).status, 200u);
  }
  EXPECT_EQ(app_->intake().stats().items, kClients * kEach);
}

INSTANTIATE_TEST_SUITE_P(Backends, StreamTest, ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::tests
