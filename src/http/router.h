// Router: maps (method, path) to a handler through patterns such as
// "/api/v1/org-nodes/{id}".
//
// A pattern is '/' followed by segments, each either literal text or a
// "{name}" parameter that matches one whole non-empty path segment. When
// several patterns match a path, the one with a literal earliest wins, so
// "/org-nodes/tree" beats "/org-nodes/{id}". A path that matches some pattern
// but not with this method answers 405 with an Allow header; no match at all
// answers 404. HEAD and OPTIONS are routed like any other method (no
// automatic HEAD for GET routes); the server never sends a body to a HEAD.
//
// Thread-safety: Add() all routes before the server starts; after that the
// router is only read, from any number of threads.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"
#include "http/response.h"

namespace civicgrid::http {

// A handler runs on a worker of its route's lane (see Lane), never on an I/O
// thread unless the route asks for Lane::kIoThread. It may block on the
// database; the calling thread's store deadline (store/deadline.h) is the
// route's deadline.
using Handler = std::function<Response(Request&)>;

// Completes an asynchronous request. Callable from any thread; the first call
// answers, later calls are ignored. If every copy is destroyed without a call,
// the client gets a 500 (a handler that forgot to answer never hangs a client).
using Responder = std::function<void(Response)>;

// A handler that answers later: it starts the work (e.g. hands it to another
// thread) and returns at once; whoever finishes calls `respond`. The
// connection waits without holding its I/O thread, up to
// ServerOptions::handler_timeout (then 503, and a late answer is dropped). The
// start itself runs on a worker of the route's lane, like a Handler.
// `request` stays valid for as long as any copy of `respond` exists.
using AsyncHandler = std::function<void(Request&, Responder respond)>;

// Where a route's handler runs. Each worker lane has its own threads and its
// own bounded queue (ServerOptions), so work of one lane never takes the
// workers of another.
enum class Lane {
  // The default: short database work (a page, a read, one write).
  kInteractive,
  // Work that may take seconds: exports, imports, wide statistics, bulk
  // reads. Few workers, so it can never occupy the whole server.
  kLong,
  // On the I/O thread itself, with no queue and no deadline: only for
  // handlers that never block and touch no database (/healthz, /metrics),
  // so that they answer even when every worker is busy.
  kIoThread,
};

struct RouteOptions {
  // Largest request body for this route; 0 means the server's max_body_bytes.
  size_t max_body_bytes = 0;
  Lane lane = Lane::kInteractive;
  // How long the handler may take, counted from when the request is queued;
  // 0 means the lane's default (ServerOptions::deadline, long_deadline).
  // Past it the request is answered 503 and its transaction does not commit.
  std::chrono::milliseconds deadline{0};
  // Queued ahead of the lane's other waiting requests (WorkerPool::Order):
  // only for brief handlers whose wait matters most (a resident's ticket
  // submission, which validates and hands over to the intake writer).
  bool ahead = false;
};

// The options of a route of the long lane.
inline RouteOptions LongRoute(size_t max_body_bytes = 0) {
  return RouteOptions{.max_body_bytes = max_body_bytes, .lane = Lane::kLong};
}
// The options of a route answered on the I/O thread (see Lane::kIoThread).
inline RouteOptions IoThreadRoute() { return RouteOptions{.lane = Lane::kIoThread}; }

struct RouteInfo {
  std::string method;
  std::string pattern;
};

// What the router decided for one request.
struct RouteMatch {
  enum class Kind { kFound, kNotFound, kMethodNotAllowed };
  Kind kind = Kind::kNotFound;
  // When kFound, exactly one of the two is set; owned by the router.
  const Handler* handler = nullptr;
  const AsyncHandler* async_handler = nullptr;
  RouteOptions options;  // set when kFound
  std::string pattern;   // the most specific matching pattern, empty when kNotFound
  NameValues params;     // set when kFound
  std::string allow;     // "GET, POST" when kMethodNotAllowed
};

class Router {
 public:
  // Registers a handler. A malformed pattern or a second handler for the same
  // method and pattern shape is a programmer error: throws std::invalid_argument.
  void Add(std::string method, std::string pattern, Handler handler, RouteOptions options = {});
  // Registers a handler that answers through a Responder; same rules as Add().
  void AddAsync(std::string method, std::string pattern, AsyncHandler handler,
                RouteOptions options = {});

  // Answers GET and HEAD requests whose path matches no route with any method
  // (the web pages, see static_site.h); such a match reports the pattern
  // kFallbackPattern. At most one; a second call replaces the first.
  void SetFallback(Handler handler, RouteOptions options = {});
  static constexpr std::string_view kFallbackPattern = "(static)";

  // Matches decoded path segments, as ParseTarget() returns them.
  RouteMatch Match(std::string_view method, const std::vector<std::string>& segments) const;

  // The 404 or 405 response for a match that found no handler.
  static Response Refusal(const RouteMatch& match);

  // Every (method, pattern) in registration order, e.g. to compare with the OpenAPI document.
  std::vector<RouteInfo> Routes() const;

 private:
  struct Segment {
    std::string text;  // literal text, or the parameter name
    bool is_param = false;
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    Handler handler;             // empty for an async route
    AsyncHandler async_handler;  // empty for a synchronous route
    RouteOptions options;
  };

  void AddRoute(Route route);

  static std::vector<Segment> ParsePattern(std::string_view pattern);
  static bool Matches(const Route& route, const std::vector<std::string>& segments);
  static bool MoreSpecific(const Route& a, const Route& b);
  static bool SameShape(const Route& a, const Route& b);
  static RouteMatch Found(const Route& route, const std::vector<std::string>& segments);

  std::vector<Route> routes_;
  Handler fallback_;  // empty: none
  RouteOptions fallback_options_;
};

}  // namespace civicgrid::http
