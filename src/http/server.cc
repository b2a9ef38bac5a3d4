// The only Beast translation unit of the server: keep Beast and Asio out of
// every header (each file including Beast costs ~12 s of compile).
#include "http/server.h"

#include "core/thread_name.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include <spdlog/logger.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "http/access_log.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/worker_pool.h"
#include "store/deadline.h"

namespace civicgrid::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Parser = bhttp::request_parser<bhttp::string_body>;
using BeastRequest = bhttp::request<bhttp::string_body>;
using BeastResponse = bhttp::response<bhttp::string_body>;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};
// Upper bound on draining a client's unread input before closing (see Linger).
constexpr std::chrono::milliseconds kMaxLinger{5'000};

struct Connection {
  explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;
  bool busy = false;  // writing a response: Stop() lets it finish
};

// One I/O thread. Members are touched only on that thread, except `io`.
// `connections` is declared before `io` so that destroying `io` (which may
// destroy suspended connection coroutines) still finds the set alive.
struct Worker {
  std::mt19937_64 rng{std::random_device{}()};
  std::set<Connection*> connections;
  asio::io_context io{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;
};

// One request in flight.
struct Exchange {
  Request request;
  RouteMatch match;
  std::optional<Response> response;  // set early when refused before the handler
  bool close = false;                // unread input remains: do not reuse the connection
  unsigned version = 11;
  bool client_keep_alive = false;
  Clock::time_point start = Clock::now();
};

enum class After { kKeepAlive, kClose, kLingerClose };

std::string_view View(beast::string_view text) { return {text.data(), text.size()}; }

core::Result<tcp::endpoint> ParseListen(std::string_view listen) {
  core::Error bad = core::Error::Invalid("listen", "监听地址格式应为 主机:端口");
  size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos) {
    return bad;
  }
  std::string host(listen.substr(0, colon));
  std::string_view port_text = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  uint16_t port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  boost::system::error_code address_ec;
  auto address = asio::ip::make_address(host == "localhost" ? "127.0.0.1" : host, address_ec);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || address_ec) {
    return bad;
  }
  return tcp::endpoint(address, port);
}

void CopyHeaders(const BeastRequest& message, Request& request) {
  request.headers.reserve(std::distance(message.begin(), message.end()));
  for (const auto& field : message) {
    request.headers.emplace_back(View(field.name_string()), View(field.value()));
  }
}

bool SafeHeaderText(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

BeastResponse ToBeast(Response&& response, unsigned version, bool keep_alive,
                      const std::string& request_id) {
  BeastResponse message;
  message.version(version);
  message.result(response.status);
  if (!response.content_type.empty()) {
    message.set(bhttp::field::content_type, response.content_type);
  }
  for (const auto& [name, value] : response.headers) {
    if (SafeHeaderText(name) && SafeHeaderText(value)) {  // no response splitting
      message.insert(name, value);
    }
  }
  message.set("X-Request-Id", request_id);
  message.keep_alive(keep_alive);
  message.body() = std::move(response.body);
  message.prepare_payload();
  return message;
}

Response InternalError(const std::string& request_id) {
  return Response::FromError(
      core::Error::Internal("服务器内部错误，请联系管理员（请求编号 " + request_id + "）"));
}

Response TooLarge(size_t limit) {
  return Response::FromError(core::Error{core::ErrorCode::kTooLarge,
                                         "请求体过大（上限 " + std::to_string(limit) + " 字节）",
                                         std::string(kBodyField)});
}

// A request the parser refused: 431 for an oversized header, 400 otherwise.
Response Malformed(const boost::system::error_code& ec) {
  if (ec == bhttp::error::header_limit) {
    return Response::FromError(core::Error{core::ErrorCode::kTooLarge, "请求头过大", "header"},
                               431);
  }
  return Response::FromError(core::Error::Invalid("request", "HTTP 请求格式不正确"), 400);
}

// Parse errors deserve an answer; end of stream, timeouts and resets do not.
bool IsProtocolError(const boost::system::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
         ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
}

bool ExpectsContinue(const BeastRequest& message) {
  return EqualsIgnoreCase(View(message[bhttp::field::expect]), "100-continue");
}

// What the access log needs of a request whose body went to an async handler.
Request Identity(const Request& request) {
  Request identity;
  identity.method = request.method;
  identity.path = request.path;
  identity.route = request.route;
  identity.request_id = request.request_id;
  identity.remote_address = request.remote_address;
  return identity;
}

// Where an async handler's connection coroutine (waiting on `timer` on its I/O
// thread) and its Responder (any thread) meet. The request lives here so that
// it outlives a handler that answers late. The timer is the coroutine's: it is
// touched only on the I/O thread and only while the coroutine waits (Close()
// forgets it first), and nothing is posted to the executor after Close(), so
// a Responder may outlive the server.
class PendingAnswer : public std::enable_shared_from_this<PendingAnswer> {
 public:
  PendingAnswer(Request request, asio::steady_timer& timer)
      : request_(std::move(request)), request_id_(request_.request_id), timer_(&timer) {}

  Request& request() { return request_; }

  // Any thread. The first answer is kept and wakes the coroutine; later ones
  // (and every answer after Close()) are dropped. `dropped` marks the 500 sent
  // for a Responder destroyed without an answer.
  void Answer(Response response, bool dropped) {
    std::lock_guard lock(mutex_);
    if (timer_ == nullptr || response_) {
      return;  // closed, or answered already
    }
    response_ = std::move(response);
    dropped_ = dropped;
    asio::post(timer_->get_executor(), [self = shared_from_this()] { self->Interrupt(); });
  }

  const std::string& request_id() const { return request_id_; }

  // I/O thread.
  bool answered() {
    std::lock_guard lock(mutex_);
    return response_.has_value();
  }
  // I/O thread: stops waiting and hands over the answer, if any.
  std::optional<Response> Close(bool* dropped = nullptr) {
    std::lock_guard lock(mutex_);
    timer_ = nullptr;
    if (dropped != nullptr) {
      *dropped = dropped_;
    }
    return std::exchange(response_, std::nullopt);
  }

 private:
  void Interrupt() {
    std::lock_guard lock(mutex_);
    if (timer_ != nullptr) {
      timer_->cancel();
    }
  }

  Request request_;
  const std::string request_id_;
  std::mutex mutex_;
  asio::steady_timer* timer_;         // GUARDED_BY(mutex_); null once closed
  std::optional<Response> response_;  // GUARDED_BY(mutex_)
  bool dropped_ = false;              // GUARDED_BY(mutex_)
};

// Shared by every copy of one Responder: answers, and answers 500 when the
// last copy goes away unanswered.
class AnswerOnce {
 public:
  explicit AnswerOnce(std::shared_ptr<PendingAnswer> pending) : pending_(std::move(pending)) {}
  ~AnswerOnce() { pending_->Answer(InternalError(pending_->request_id()), true); }
  AnswerOnce(const AnswerOnce&) = delete;
  AnswerOnce& operator=(const AnswerOnce&) = delete;
  void Answer(Response response) { pending_->Answer(std::move(response), false); }

 private:
  std::shared_ptr<PendingAnswer> pending_;
};

Responder MakeResponder(std::shared_ptr<PendingAnswer> pending) {
  auto once = std::make_shared<AnswerOnce>(std::move(pending));
  return [once = std::move(once)](Response response) { once->Answer(std::move(response)); };
}

// Where a stream's coroutine (waiting on `timer` on its I/O thread) meets the
// wakes of its source (any thread) and the socket watch (I/O thread). Same
// rules as PendingAnswer: the timer is touched only on the I/O thread while
// the stream runs, and nothing is posted after Close().
class StreamSignal : public std::enable_shared_from_this<StreamSignal> {
 public:
  explicit StreamSignal(asio::steady_timer& timer) : timer_(&timer) {}

  // Any thread: the source has something. Wakes coalesce until TakeWake().
  void Wake() {
    std::lock_guard lock(mutex_);
    if (timer_ == nullptr || woken_) {
      return;
    }
    woken_ = true;
    asio::post(timer_->get_executor(), [self = shared_from_this()] { self->Interrupt(); });
  }
  // I/O thread: the client sent something, went away, or the socket closed.
  void SocketEvent() {
    std::lock_guard lock(mutex_);
    socket_event_ = true;
    if (timer_ != nullptr) {
      timer_->cancel();
    }
  }
  bool TakeWake() {
    std::lock_guard lock(mutex_);
    return std::exchange(woken_, false);
  }
  bool TakeSocketEvent() {
    std::lock_guard lock(mutex_);
    return std::exchange(socket_event_, false);
  }
  void Close() {
    std::lock_guard lock(mutex_);
    timer_ = nullptr;
  }

 private:
  void Interrupt() {
    std::lock_guard lock(mutex_);
    if (timer_ != nullptr) {
      timer_->cancel();
    }
  }

  std::mutex mutex_;
  asio::steady_timer* timer_;  // GUARDED_BY(mutex_); null once closed
  bool woken_ = false;         // GUARDED_BY(mutex_)
  bool socket_event_ = false;  // GUARDED_BY(mutex_)
};

// Calls Close() on scope exit, also when a suspended coroutine is destroyed.
template <typename T>
struct CloseOnExit {
  std::shared_ptr<T> target;
  ~CloseOnExit() { (void)target->Close(); }
};

constexpr size_t kInteractiveLane = 0;
constexpr size_t kLongLane = 1;

size_t LaneIndex(Lane lane) { return lane == Lane::kLong ? kLongLane : kInteractiveLane; }

// One request handed to a worker: shared by the waiting coroutine and the
// task, so that a time-out is counted once whoever sees it first.
struct Job {
  std::shared_ptr<PendingAnswer> pending;
  const Handler* handler = nullptr;  // exactly one of the two is set
  const AsyncHandler* async_handler = nullptr;
  size_t lane = kInteractiveLane;
  Clock::time_point deadline;
  std::atomic<bool> timed_out{false};

  // True the first time only.
  bool MarkTimedOut() { return !timed_out.exchange(true); }
};

bool HasHeader(const Response& response, std::string_view name) {
  return std::any_of(response.headers.begin(), response.headers.end(),
                     [&](const auto& header) { return EqualsIgnoreCase(header.first, name); });
}

Response Unavailable(std::string message) {
  return Response::FromError(core::Error{core::ErrorCode::kUnavailable, std::move(message), {}});
}

}  // namespace

class Server::Impl {
 public:
  Impl(ServerOptions options, const Router& router, Metrics* metrics,
       std::shared_ptr<spdlog::logger> log);
  core::Status Start();
  void Stop();
  uint16_t port() const { return port_; }

 private:
  core::Status Bind();
  asio::awaitable<void> Accept();
  asio::awaitable<void> Serve(Worker& worker, tcp::socket socket);
  asio::awaitable<After> ServeOne(Worker& worker, Connection& connection,
                                  beast::flat_buffer& buffer, const std::string& remote,
                                  bool first);
  Exchange Begin(Worker& worker, const BeastRequest& message, const std::string& remote) const;
  asio::awaitable<bool> ReadBody(Connection& connection, beast::flat_buffer& buffer, Parser& parser,
                                 Exchange& exchange);
  asio::awaitable<After> Finish(Connection& connection, Exchange& exchange);
  asio::awaitable<Response> HandleAsync(Connection& connection, Exchange& exchange);
  asio::awaitable<Response> Dispatch(Connection& connection, Exchange& exchange);
  asio::awaitable<std::optional<Response>> WaitForAnswer(Connection& connection,
                                                         asio::steady_timer& timer,
                                                         PendingAnswer& pending,
                                                         const Request& request);
  void RunJob(Job& job);
  Response RunHandler(const Handler& handler, Request& request);
  std::chrono::milliseconds DeadlineOf(const RouteOptions& route) const;
  void CountTimedOut(Job& job);
  asio::awaitable<After> Stream(Connection& connection, Exchange& exchange);
  asio::awaitable<size_t> Pump(Connection& connection, StreamSource& source,
                               const Request& request);
  asio::awaitable<bool> WriteRaw(Connection& connection, std::string data, size_t& bytes);
  asio::awaitable<bool> ClientStillThere(Connection& connection);
  asio::awaitable<void> Linger(Connection& connection);
  Response Handle(Exchange& exchange);
  Response Checked(Response response, const Request& request);
  void Record(const Exchange& exchange, unsigned status, size_t bytes);
  void LogError(std::string_view event, const Request* request, std::string_view what);
  auto Report(std::string_view what);

  const ServerOptions options_;
  const Router& router_;
  Metrics* metrics_;
  std::shared_ptr<spdlog::logger> log_;
  std::vector<std::unique_ptr<Worker>> workers_;
  tcp::acceptor acceptor_;            // runs on workers_[0]; declared after it, destroyed before it
  std::unique_ptr<WorkerPool> pool_;  // from Start() to Stop(); null with handlers_on_io_threads
  std::atomic<bool> stopping_{false};
  bool started_ = false;
  bool stopped_ = false;
  uint16_t port_ = 0;
};

namespace {

std::vector<std::unique_ptr<Worker>> MakeWorkers(unsigned threads) {
  unsigned count = threads != 0 ? threads : std::max(1U, std::thread::hardware_concurrency());
  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned i = 0; i < count; ++i) {
    workers.push_back(std::make_unique<Worker>());
  }
  return workers;
}

std::vector<WorkerPool::LaneOptions> MakeLanes(const ServerOptions& options) {
  unsigned cores = std::max(1U, std::thread::hardware_concurrency());
  unsigned interactive = options.workers != 0 ? options.workers : std::max(4U, 2 * cores);
  unsigned long_workers = options.long_workers != 0 ? options.long_workers : 2;
  std::vector<WorkerPool::LaneOptions> lanes(2);
  lanes[kInteractiveLane] = {"interactive", interactive, options.queue_limit};
  lanes[kLongLane] = {"long", long_workers, options.long_queue_limit, options.long_nice};
  return lanes;
}

}  // namespace

Server::Impl::Impl(ServerOptions options, const Router& router, Metrics* metrics,
                   std::shared_ptr<spdlog::logger> log)
    : options_(std::move(options)),
      router_(router),
      metrics_(metrics),
      log_(std::move(log)),
      workers_(MakeWorkers(options_.threads)),
      acceptor_(workers_.front()->io) {}

auto Server::Impl::Report(std::string_view what) {
  return [this, what](std::exception_ptr error) {
    try {
      if (error) {
        std::rethrow_exception(error);
      }
    } catch (const std::exception& e) {
      LogError(what, nullptr, e.what());
    } catch (...) {
      LogError(what, nullptr, "non-standard exception");
    }
  };
}

core::Status Server::Impl::Start() {
  if (started_) {
    return core::Error::Internal("服务已启动");
  }
  CG_TRY(Bind());
  started_ = true;
  if (!options_.handlers_on_io_threads) {
    pool_ = std::make_unique<WorkerPool>(MakeLanes(options_));
    if (metrics_ != nullptr) {
      metrics_->SetLaneSource([pool = pool_.get()] { return pool->Stats(); });
    }
  }
  asio::co_spawn(workers_.front()->io, Accept(), Report("accept_loop_failed"));
  for (auto& worker : workers_) {
    worker->work.emplace(worker->io.get_executor());
    worker->thread = std::thread([io = &worker->io] {
      core::NameThisThread("cg-io");
      io->run();
    });
  }
  return core::Ok();
}

core::Status Server::Impl::Bind() {
  CG_ASSIGN_OR_RETURN(tcp::endpoint endpoint, ParseListen(options_.listen));
  try {
    acceptor_.open(endpoint.protocol());
    // SO_REUSEADDR only skips TIME_WAIT leftovers; on Linux a bind still fails
    // while another socket listens on the port. SO_REUSEPORT is never set.
    acceptor_.set_option(asio::socket_base::reuse_address(true));
    acceptor_.bind(endpoint);
    acceptor_.listen(options_.listen_backlog);
    port_ = acceptor_.local_endpoint().port();
  } catch (const boost::system::system_error& e) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return core::Error{core::ErrorCode::kUnavailable,
                       "无法监听 " + options_.listen + "：" + e.code().message(), "listen"};
  }
  return core::Ok();
}

void Server::Impl::Stop() {
  if (!started_ || stopped_) {
    return;
  }
  stopped_ = true;
  stopping_ = true;
  asio::post(workers_.front()->io, [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
  for (auto& worker : workers_) {
    asio::post(worker->io, [w = worker.get()] {
      for (Connection* connection : w->connections) {
        if (!connection->busy) {
          connection->stream.close();  // pending reads finish with operation_aborted
        }
      }
    });
    worker->work.reset();
  }
  for (auto& worker : workers_) {
    worker->thread.join();
  }
  if (pool_) {
    if (metrics_ != nullptr) {
      metrics_->SetLaneSource({});
    }
    pool_->Stop();  // after the I/O threads: a waiting connection still gets its answer
  }
}

asio::awaitable<void> Server::Impl::Accept() {
  size_t next = 0;
  while (!stopping_) {
    Worker& worker = *workers_[next];
    next = (next + 1) % workers_.size();
    auto [ec, socket] = co_await acceptor_.async_accept(worker.io, kNoThrow);
    if (stopping_ || ec == asio::error::operation_aborted) {
      co_return;
    }
    if (ec) {  // e.g. out of file descriptors: wait instead of spinning
      LogError("accept_failed", nullptr, ec.message());
      asio::steady_timer timer(acceptor_.get_executor(), kAcceptRetryDelay);
      co_await timer.async_wait(kNoThrow);
      continue;
    }
    asio::co_spawn(worker.io, Serve(worker, tcp::socket(std::move(socket))),
                   Report("connection_failed"));
  }
}

asio::awaitable<void> Server::Impl::Serve(Worker& worker, tcp::socket socket) {
  Connection connection(std::move(socket));
  worker.connections.insert(&connection);
  struct Unregister {
    Worker& worker;
    Connection* connection;
    ~Unregister() { worker.connections.erase(connection); }
  } unregister{worker, &connection};
  boost::system::error_code ec;
  connection.stream.socket().set_option(tcp::no_delay(true), ec);
  std::string remote = connection.stream.socket().remote_endpoint(ec).address().to_string();
  beast::flat_buffer buffer;
  After after = After::kKeepAlive;
  for (bool first = true; after == After::kKeepAlive && !stopping_; first = false) {
    after = co_await ServeOne(worker, connection, buffer, remote, first);
  }
  if (after == After::kLingerClose && !stopping_) {
    co_await Linger(connection);
  }
  connection.stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  connection.stream.close();
}

asio::awaitable<After> Server::Impl::ServeOne(Worker& worker, Connection& connection,
                                              beast::flat_buffer& buffer, const std::string& remote,
                                              bool first) {
  Parser parser;
  parser.header_limit(options_.max_header_bytes);
  parser.body_limit(boost::none);  // the route decides, once the header is known
  connection.stream.expires_after(first ? options_.read_timeout : options_.idle_timeout);
  auto [ec, n] = co_await bhttp::async_read_header(connection.stream, buffer, parser, kNoThrow);
  if (ec && !IsProtocolError(ec)) {
    co_return After::kClose;
  }
  Exchange exchange;
  if (ec) {
    exchange.request.request_id = PickRequestId({}, worker.rng());
    exchange.response = Malformed(ec);
    exchange.close = true;
  } else {
    exchange = Begin(worker, parser.get(), remote);
  }
  if (!exchange.response && !co_await ReadBody(connection, buffer, parser, exchange)) {
    co_return After::kClose;
  }
  bool on_io_thread = !pool_ || exchange.match.kind != RouteMatch::Kind::kFound ||
                      exchange.match.options.lane == Lane::kIoThread;
  if (!exchange.response && !on_io_thread) {
    exchange.response = co_await Dispatch(connection, exchange);
  } else if (!exchange.response && exchange.match.async_handler != nullptr) {
    exchange.response = co_await HandleAsync(connection, exchange);
  } else if (!exchange.response) {
    exchange.response = Handle(exchange);
  }
  if (exchange.response->stream) {
    co_return co_await Stream(connection, exchange);
  }
  co_return co_await Finish(connection, exchange);
}

Exchange Server::Impl::Begin(Worker& worker, const BeastRequest& message,
                             const std::string& remote) const {
  Exchange exchange;
  exchange.version = message.version();
  exchange.client_keep_alive = message.keep_alive();
  Request& request = exchange.request;
  request.method = View(message.method_string());
  CopyHeaders(message, request);
  request.remote_address = remote;
  request.request_id = PickRequestId(request.Header("X-Request-Id"), worker.rng());
  auto segments = ParseTarget(View(message.target()), request);
  if (!segments.ok()) {
    exchange.response = Response::FromError(segments.error(), 400);
    exchange.close = true;  // the body, if any, stays unread
    return exchange;
  }
  exchange.match = router_.Match(request.method, *segments);
  request.route = exchange.match.pattern;
  request.params = std::move(exchange.match.params);
  return exchange;
}

asio::awaitable<bool> Server::Impl::ReadBody(Connection& connection, beast::flat_buffer& buffer,
                                             Parser& parser, Exchange& exchange) {
  size_t route_limit = exchange.match.options.max_body_bytes;
  size_t limit = route_limit != 0 ? route_limit : options_.max_body_bytes;
  auto length = parser.content_length();
  if (length && *length > limit) {  // refuse before reading a byte of it
    exchange.response = TooLarge(limit);
    exchange.close = true;
    co_return true;
  }
  parser.body_limit(limit);
  if (!parser.is_done() && ExpectsContinue(parser.get())) {
    bhttp::response<bhttp::empty_body> proceed{bhttp::status::continue_, exchange.version};
    connection.stream.expires_after(options_.write_timeout);
    auto [ec, n] = co_await bhttp::async_write(connection.stream, proceed, kNoThrow);
    if (ec) {
      co_return false;
    }
  }
  connection.stream.expires_after(options_.read_timeout);
  auto [ec, n] = co_await bhttp::async_read(connection.stream, buffer, parser, kNoThrow);
  if (ec == bhttp::error::body_limit) {  // chunked body grew past the limit
    exchange.response = TooLarge(limit);
    exchange.close = true;
    co_return true;
  }
  if (ec) {
    co_return false;
  }
  exchange.request.body = std::move(parser.get().body());
  co_return true;
}

asio::awaitable<After> Server::Impl::Finish(Connection& connection, Exchange& exchange) {
  bool keep_alive =
      options_.keep_alive && exchange.client_keep_alive && !exchange.close && !stopping_;
  unsigned status = exchange.response->status;
  BeastResponse message = ToBeast(std::move(*exchange.response), exchange.version, keep_alive,
                                  exchange.request.request_id);
  if (exchange.request.method == "HEAD") {
    message.body().clear();  // Content-Length stays: it describes what GET would send
  }
  size_t bytes = message.body().size();
  connection.busy = true;
  connection.stream.expires_after(options_.write_timeout);
  auto [ec, n] = co_await bhttp::async_write(connection.stream, message, kNoThrow);
  connection.busy = false;
  Record(exchange, status, bytes);
  if (ec) {
    co_return After::kClose;
  }
  if (keep_alive) {
    co_return After::kKeepAlive;
  }
  co_return exchange.close ? After::kLingerClose : After::kClose;
}

// Runs an async handler and waits (without holding the thread) for its answer
// or for handler_timeout. The connection counts as busy meanwhile, so Stop()
// lets the answer arrive and be written.
asio::awaitable<Response> Server::Impl::HandleAsync(Connection& connection, Exchange& exchange) {
  asio::steady_timer timer(connection.stream.get_executor(), options_.handler_timeout);
  auto pending = std::make_shared<PendingAnswer>(std::move(exchange.request), timer);
  CloseOnExit<PendingAnswer> close{pending};
  exchange.request = Identity(pending->request());
  connection.busy = true;
  try {
    (*exchange.match.async_handler)(pending->request(), MakeResponder(pending));
  } catch (const std::exception& e) {
    LogError("handler_exception", &exchange.request, e.what());
    pending->Answer(InternalError(exchange.request.request_id), false);
  } catch (...) {
    LogError("handler_exception", &exchange.request, "non-standard exception");
    pending->Answer(InternalError(exchange.request.request_id), false);
  }
  std::optional<Response> answer =
      co_await WaitForAnswer(connection, timer, *pending, exchange.request);
  if (!answer) {
    LogError("handler_timeout", &exchange.request, "no answer in time");
    co_return Checked(Unavailable("处理超时，请稍后重试"), exchange.request);
  }
  co_return Checked(std::move(*answer), exchange.request);
}

// Waits (without holding the thread) until `pending` is answered or `timer`
// expires; nullopt then. The connection counts as busy meanwhile, so Stop()
// lets the answer arrive and be written.
asio::awaitable<std::optional<Response>> Server::Impl::WaitForAnswer(Connection& connection,
                                                                     asio::steady_timer& timer,
                                                                     PendingAnswer& pending,
                                                                     const Request& request) {
  connection.busy = true;
  while (!pending.answered()) {
    auto [ec] = co_await timer.async_wait(kNoThrow);
    if (!ec) {
      break;  // the time allowed has passed
    }
  }
  connection.busy = false;
  bool dropped = false;
  std::optional<Response> answer = pending.Close(&dropped);
  if (answer && dropped) {
    LogError("handler_dropped_responder", &request, "answered 500");
  }
  co_return answer;
}

// Queues the handler on its lane and waits for its answer: until the deadline
// plus deadline_grace for a Handler, handler_timeout for an AsyncHandler. A
// full queue is answered 503 at once.
asio::awaitable<Response> Server::Impl::Dispatch(Connection& connection, Exchange& exchange) {
  const RouteMatch& match = exchange.match;
  bool is_async = match.async_handler != nullptr;
  auto deadline = Clock::now() + DeadlineOf(match.options);
  Clock::duration wait = is_async
                             ? Clock::duration(options_.handler_timeout)
                             : Clock::duration(deadline - Clock::now() + options_.deadline_grace);
  asio::steady_timer timer(connection.stream.get_executor(), wait);
  auto job = std::make_shared<Job>();
  job->pending = std::make_shared<PendingAnswer>(std::move(exchange.request), timer);
  CloseOnExit<PendingAnswer> close{job->pending};
  exchange.request = Identity(job->pending->request());
  job->handler = match.handler;
  job->async_handler = match.async_handler;
  job->lane = LaneIndex(match.options.lane);
  job->deadline = deadline;
  const auto order = match.options.ahead ? WorkerPool::Order::kAhead : WorkerPool::Order::kPlain;
  if (!pool_->TrySubmit(
          job->lane, [this, job] { RunJob(*job); }, order)) {
    co_return Checked(Unavailable("服务器繁忙，请稍后重试"), exchange.request);
  }
  std::optional<Response> answer =
      co_await WaitForAnswer(connection, timer, *job->pending, exchange.request);
  if (!answer) {
    CountTimedOut(*job);
    LogError("handler_timeout", &exchange.request, "no answer in time");
    co_return Checked(Unavailable("处理超时，请稍后重试"), exchange.request);
  }
  co_return Checked(std::move(*answer), exchange.request);
}

// On a worker. A request that waited in the queue past its deadline is
// answered 503 unrun; otherwise the handler runs under the deadline, so the
// store refuses its work and its commit once the deadline passes.
void Server::Impl::RunJob(Job& job) {
  PendingAnswer& pending = *job.pending;
  if (Clock::now() >= job.deadline) {
    CountTimedOut(job);
    pending.Answer(Unavailable("处理超时，请稍后重试"), false);
    return;
  }
  store::DeadlineScope scope(job.deadline);
  if (job.async_handler != nullptr) {
    try {
      (*job.async_handler)(pending.request(), MakeResponder(job.pending));
    } catch (const std::exception& e) {
      LogError("handler_exception", &pending.request(), e.what());
      pending.Answer(InternalError(pending.request_id()), false);
    } catch (...) {
      LogError("handler_exception", &pending.request(), "non-standard exception");
      pending.Answer(InternalError(pending.request_id()), false);
    }
    return;
  }
  Response response = RunHandler(*job.handler, pending.request());
  if (Clock::now() >= job.deadline) {
    CountTimedOut(job);  // finished late: the store refused what came after the deadline
  }
  pending.Answer(std::move(response), false);
}

std::chrono::milliseconds Server::Impl::DeadlineOf(const RouteOptions& route) const {
  if (route.deadline.count() > 0) {
    return route.deadline;
  }
  return route.lane == Lane::kLong ? options_.long_deadline : options_.deadline;
}

void Server::Impl::CountTimedOut(Job& job) {
  if (job.MarkTimedOut()) {
    pool_->CountTimedOut(job.lane);
  }
}

// A streamed response: the header (no Content-Length; the connection closes
// afterwards, which ends the body), then the source's chunks until it ends,
// the client leaves or the server stops.
asio::awaitable<After> Server::Impl::Stream(Connection& connection, Exchange& exchange) {
  std::shared_ptr<StreamSource> source = std::move(exchange.response->stream);
  unsigned status = exchange.response->status;
  BeastResponse full =
      ToBeast(std::move(*exchange.response), exchange.version, false, exchange.request.request_id);
  bhttp::response<bhttp::empty_body> header(std::move(full.base()));
  header.erase(bhttp::field::content_length);
  bhttp::response_serializer<bhttp::empty_body> serializer(header);
  connection.busy = true;
  connection.stream.expires_after(options_.write_timeout);
  auto [ec, n] = co_await bhttp::async_write_header(connection.stream, serializer, kNoThrow);
  connection.busy = false;
  size_t bytes = 0;
  if (!ec && exchange.request.method != "HEAD") {
    bytes = co_await Pump(connection, *source, exchange.request);
  }
  Record(exchange, status, bytes);
  co_return After::kClose;
}

asio::awaitable<size_t> Server::Impl::Pump(Connection& connection, StreamSource& source,
                                           const Request& request) {
  asio::steady_timer timer(connection.stream.get_executor());
  auto signal = std::make_shared<StreamSignal>(timer);
  CloseOnExit<StreamSignal> close{signal};
  size_t bytes = 0;
  bool pull = true;       // pull once at the start: what the client missed
  bool watching = false;  // a wait for the socket to become readable is pending
  try {
    source.Start([signal] { signal->Wake(); });
    while (!stopping_) {
      if (pull || signal->TakeWake()) {
        pull = false;
        StreamChunk chunk = source.Pull();
        if (!co_await WriteRaw(connection, std::move(chunk.data), bytes) || chunk.end) {
          break;
        }
        continue;
      }
      if (!watching) {  // the client leaving (or Stop() closing the socket) ends the wait
        watching = true;
        connection.stream.socket().async_wait(
            tcp::socket::wait_read, [signal](boost::system::error_code) { signal->SocketEvent(); });
      }
      timer.expires_after(options_.stream_heartbeat);
      auto [ec] = co_await timer.async_wait(kNoThrow);
      if (signal->TakeSocketEvent()) {
        watching = false;
        if (!co_await ClientStillThere(connection)) {
          break;
        }
      } else if (!ec && !co_await WriteRaw(connection, source.Heartbeat(), bytes)) {
        break;
      }
    }
  } catch (const std::exception& e) {
    LogError("stream_failed", &request, e.what());
  } catch (...) {
    LogError("stream_failed", &request, "non-standard exception");
  }
  co_return bytes;
}

asio::awaitable<bool> Server::Impl::WriteRaw(Connection& connection, std::string data,
                                             size_t& bytes) {
  if (data.empty()) {
    co_return true;
  }
  connection.busy = true;
  connection.stream.expires_after(options_.write_timeout);
  auto [ec, n] = co_await asio::async_write(connection.stream, asio::buffer(data), kNoThrow);
  connection.busy = false;
  bytes += n;
  co_return !ec;
}

// The socket of a stream became readable: the client closed it (false), or
// sent bytes a stream does not expect, which are read and dropped (true).
asio::awaitable<bool> Server::Impl::ClientStillThere(Connection& connection) {
  if (stopping_) {
    co_return false;
  }
  std::array<char, 4096> scratch{};
  connection.stream.expires_after(options_.read_timeout);
  auto [ec, n] = co_await connection.stream.async_read_some(asio::buffer(scratch), kNoThrow);
  co_return !ec;
}

// After answering early (413, malformed request) the client may still be
// sending. Closing with unread input makes the kernel send a reset, which can
// destroy the response before the client reads it; so stop sending, then read
// and discard until the client closes or a deadline passes.
asio::awaitable<void> Server::Impl::Linger(Connection& connection) {
  boost::system::error_code ec;
  connection.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  connection.stream.expires_after(std::min<Clock::duration>(options_.read_timeout, kMaxLinger));
  std::array<char, 16 * 1024> scratch{};
  while (!ec && !stopping_) {
    std::tie(ec, std::ignore) =
        co_await connection.stream.async_read_some(asio::buffer(scratch), kNoThrow);
  }
}

Response Server::Impl::Handle(Exchange& exchange) {
  if (exchange.match.kind != RouteMatch::Kind::kFound) {
    return Router::Refusal(exchange.match);
  }
  return RunHandler(*exchange.match.handler, exchange.request);
}

// Any thread: the handler's answer, or a 500 naming the request when it throws.
Response Server::Impl::RunHandler(const Handler& handler, Request& request) {
  try {
    return Checked(handler(request), request);
  } catch (const std::exception& e) {
    LogError("handler_exception", &request, e.what());
  } catch (...) {
    LogError("handler_exception", &request, "non-standard exception");
  }
  return InternalError(request.request_id);
}

// Guards against handler bugs the wire format cannot carry.
Response Server::Impl::Checked(Response response, const Request& request) {
  if (response.status < 200 || response.status > 599) {
    LogError("bad_status", &request, std::to_string(response.status));
    return InternalError(request.request_id);
  }
  if (response.status == 204 || response.status == 304) {
    response.body.clear();  // these statuses never carry a body
  }
  if (response.status == 503 && !HasHeader(response, "Retry-After")) {
    response.AddHeader("Retry-After", std::to_string(options_.retry_after.count()));
  }
  return response;
}

void Server::Impl::Record(const Exchange& exchange, unsigned status, size_t bytes) {
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - exchange.start);
  if (metrics_ != nullptr) {
    metrics_->Record(exchange.request.method, exchange.request.route, status, micros);
  }
  if (log_) {
    log_->info("{}", AccessLogLine(exchange.request, status, micros, bytes));
  }
}

void Server::Impl::LogError(std::string_view event, const Request* request, std::string_view what) {
  if (log_) {
    log_->error("{}", EventLogLine(event, request, what));
  }
}

Server::Server(ServerOptions options, const Router& router, Metrics* metrics,
               std::shared_ptr<spdlog::logger> access_log)
    : impl_(std::make_unique<Impl>(std::move(options), router, metrics, std::move(access_log))) {}

Server::~Server() { Stop(); }

core::Status Server::Start() { return impl_->Start(); }

uint16_t Server::port() const { return impl_->port(); }

void Server::Stop() { impl_->Stop(); }

}  // namespace civicgrid::http
