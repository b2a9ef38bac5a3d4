// Server: the HTTP/1.1 server (Boost.Beast on Asio, C++20 coroutines) that
// feeds requests to a Router.
//
// Layout: `threads` I/O threads, each running its own io_context; one
// acceptor hands accepted sockets round-robin to them. Each connection is a
// coroutine on one thread: read the header, match the route, read the body
// under that route's limit, run the handler, write the response; every read
// and write has a deadline, so a slow client holds one socket, never a thread.
// Handlers do not run on the I/O threads: the coroutine queues the handler on
// a WorkerPool lane (RouteOptions::lane: interactive or long, each with its
// own workers and bounded queue) and suspends on a timer that the answer
// cancels, so the I/O thread serves other connections meanwhile and a slow
// handler holds one worker of its lane, never a connection's thread. When
// the lane's queue is full the request is answered 503 with Retry-After at
// once. Each route has a deadline (RouteOptions::deadline, else the lane's):
// the worker runs the handler under a store::DeadlineScope, so its database
// work stops and its transaction does not commit past it (the store answers
// kUnavailable, hence 503); a request still queued at its deadline is
// answered 503 without running; and a handler that has not answered by the
// deadline plus deadline_grace is answered 503 by the server (its late answer
// is dropped). Lane::kIoThread routes (/healthz, /metrics) run inline on the
// I/O thread. An async handler (Router::AddAsync) starts on a worker too and
// answers through a Responder from any thread, within handler_timeout.
//
// A response carrying a StreamSource (Server-Sent Events) is sent as a header
// without Content-Length followed by the source's chunks; the coroutine waits
// on a timer that the source's wake cancels, writes a heartbeat every
// stream_heartbeat of quiet, watches the socket for the client leaving, and
// closes the connection when the stream ends.
//
// Every response carries X-Request-Id (a sane incoming one is kept, otherwise
// one is generated). An exception escaping a handler becomes a 500 JSON error
// naming the request id, and is logged. Each request is counted in Metrics and
// written to the access log as one JSON line:
//   {"method":"GET","route":"/x/{id}","path":"/x/7","status":200,"duration_us":81,
//    "bytes":17,"request_id":"...","remote":"127.0.0.1"}
// ("bytes" counts the response body; the query string is never logged).
//
// Ownership: the router, metrics and logger are borrowed and must outlive the
// server; Responders and stream wakes may outlive it (they then do nothing).
// Thread-safety: Start(), Stop() and the destructor are called from one
// controlling thread, never from a handler.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/error.h"

namespace spdlog {
class logger;
}

namespace civicgrid::http {

class Metrics;
class Router;

struct ServerOptions {
  // "host:port" with a numeric IPv4 address, "[v6]:port", or "localhost:port".
  // Port 0 picks a free port (for tests); port() reports it.
  std::string listen = "127.0.0.1:8080";
  // I/O threads; 0 means std::thread::hardware_concurrency().
  unsigned threads = 0;
  // Largest request body unless a route sets RouteOptions::max_body_bytes.
  size_t max_body_bytes = size_t{1} << 20;
  // Largest request line plus headers.
  uint32_t max_header_bytes = 16 * 1024;
  // Deadline for reading a request's header, and again for reading its body.
  // The first request of a connection uses it for the header too.
  std::chrono::milliseconds read_timeout{15'000};
  // Deadline for writing one response.
  std::chrono::milliseconds write_timeout{15'000};
  // How long a kept-alive connection may wait for (and send the header of) its next request.
  std::chrono::milliseconds idle_timeout{60'000};
  // How long an async handler may take to answer; then the client gets 503
  // and the late answer is dropped. Stop() waits for pending answers up to it.
  std::chrono::milliseconds handler_timeout{30'000};
  // Quiet interval after which a streamed response sends its heartbeat.
  std::chrono::milliseconds stream_heartbeat{15'000};
  // Keep connections open between requests when the client allows it.
  bool keep_alive = true;
  // Pending-connection queue of the listening socket.
  int listen_backlog = 1024;

  // Workers of the interactive lane; 0 means max(4, 2 × cores). With SQLite
  // more workers than the database pool (DbOptions::pool_size) only wait.
  unsigned workers = 0;
  // Workers of the long lane (exports, imports, wide statistics); 0 means 2.
  unsigned long_workers = 0;
  // Nice value added to the long lane's threads (WorkerPool::LaneOptions::nice):
  // an export shares busy cores with interactive requests at about a tenth
  // of their weight instead of an equal share.
  int long_nice = 10;
  // Requests that may wait for a busy interactive worker; beyond, 503.
  size_t queue_limit = 256;
  // The same for the long lane.
  size_t long_queue_limit = 32;
  // Default deadline of an interactive route (RouteOptions::deadline).
  std::chrono::milliseconds deadline{10'000};
  // Default deadline of a long route.
  std::chrono::milliseconds long_deadline{60'000};
  // After its deadline a handler has this long to finish (a commit begun in
  // time, the answer of a refused one) before the server answers 503 itself.
  std::chrono::milliseconds deadline_grace{1'000};
  // Retry-After of every 503, in seconds.
  std::chrono::seconds retry_after{1};
  // Runs every handler on the I/O threads, without workers, queues or
  // deadlines: the server as it was before the pool, kept to measure it.
  bool handlers_on_io_threads = false;
};

class Server {
 public:
  // `metrics` and `access_log` may be null (then nothing is counted or logged).
  Server(ServerOptions options, const Router& router, Metrics* metrics = nullptr,
         std::shared_ptr<spdlog::logger> access_log = nullptr);
  ~Server();  // calls Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts the I/O threads. Fails with kInvalid (field
  // "listen") on a malformed address and kUnavailable when the address cannot
  // be bound, notably when the port is taken (no SO_REUSEPORT: a second server
  // never shares a port silently). Call at most once.
  [[nodiscard]] core::Status Start();

  // The bound port; valid after a successful Start().
  uint16_t port() const;

  // Graceful stop: stops accepting, closes idle and reading connections, ends
  // open streams, lets a response being produced finish (a write within
  // write_timeout, a handler within its deadline and grace, an async handler
  // within handler_timeout), joins the I/O threads, then the workers (a
  // handler still running is waited for). Idempotent.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace civicgrid::http
