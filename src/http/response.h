// Response: what a handler hands back to the server, and the one mapping from
// core::ErrorCode to an HTTP status.
//
// A plain value type with no Beast in sight; the server turns it into bytes.
// Every error body has the same shape:
//   {"error":{"code":"invalid","message":"...","field":"name"}}
// with "field" left out when the error names none.
//
// A response may instead carry a StreamSource (Server-Sent Events): the server
// sends the header without a Content-Length, then whatever the source hands
// it, until the source ends, the client goes away or the server stops; the
// connection is closed afterwards (the end of the body is the end of the
// connection).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

#include "core/error.h"

namespace civicgrid::http {

// The error field that stands for the request body as a whole (malformed JSON,
// a body that is not an object, a body too large). StatusFor() answers 400 for
// kInvalid on this field and 422 for kInvalid on any other field, so a JSON
// member must never be called "body" (use "content", "text", ...).
inline constexpr std::string_view kBodyField = "body";

// The single mapping from an error code (and, for kInvalid, the field) to a
// status: invalid 422 (400 on kBodyField), not_found 404, unauthenticated 401,
// forbidden 403, conflict 409, too_large 413, locked 423, unavailable 503,
// internal 500.
unsigned StatusFor(core::ErrorCode code, std::string_view field = {});

inline constexpr std::string_view kJsonContentType = "application/json; charset=utf-8";
inline constexpr std::string_view kTextContentType = "text/plain; charset=utf-8";
inline constexpr std::string_view kEventStreamContentType = "text/event-stream; charset=utf-8";

// What a StreamSource hands the server on each pull.
struct StreamChunk {
  std::string data;  // bytes to send now; may be empty (nothing new)
  bool end = false;  // the stream is over: send `data`, then close
};

// The body of a streamed response. The server owns it (shared) for the
// stream's lifetime and calls it only on the connection's I/O thread: Start()
// once after the header is written, then Pull() at once and again after each
// wake; in between, every ServerOptions::stream_heartbeat without a wake, it
// sends Heartbeat() so proxies and the client see a live connection. The
// source is destroyed (on any thread) soon after the stream ends, which is
// where it unsubscribes from whatever feeds it.
class StreamSource {
 public:
  virtual ~StreamSource() = default;
  // `wake` may be called from any thread, any number of times, also after the
  // stream ended (then it does nothing); wakes that arrive before the next
  // Pull() coalesce into one.
  virtual void Start(std::function<void()> wake) = 0;
  virtual StreamChunk Pull() = 0;
  // Sent after a quiet heartbeat interval; an SSE comment by default.
  virtual std::string Heartbeat() { return ": ping\n\n"; }
};

struct Response {
  unsigned status = 200;
  std::string content_type{kJsonContentType};
  // Extra response headers; a name may repeat (several Set-Cookie). The server
  // sets Content-Type, Content-Length, Connection and X-Request-Id itself.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Set for a streamed response (then `body` is ignored); see StreamSource.
  std::shared_ptr<StreamSource> stream;

  // `value` serialised as the body, with the JSON content type.
  static Response Json(unsigned status, const boost::json::value& value);
  static Response Text(unsigned status, std::string body,
                       std::string content_type = std::string(kTextContentType));
  // An empty 204 response.
  static Response NoContent();
  // A 200 text/event-stream response fed by `source`, with Cache-Control:
  // no-cache and X-Accel-Buffering: no (so nginx passes events on at once).
  static Response EventStream(std::shared_ptr<StreamSource> source);
  // The JSON error body with the status from StatusFor(error.code, error.field).
  static Response FromError(const core::Error& error);
  // Same body with an explicit status, for the rare case the mapping does not fit.
  static Response FromError(const core::Error& error, unsigned status);

  void AddHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
};

// The JSON error document alone: {"error":{"code":...,"message":...[,"field":...]}}.
boost::json::value ErrorJson(const core::Error& error);

}  // namespace civicgrid::http
