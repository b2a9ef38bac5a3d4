// OutboundClient: the server's own HTTP/1.1 client for calls it makes to
// others (webhook deliveries). Not the test client: this one has a deadline on
// the whole exchange, caps what it reads, verifies TLS certificates, and never
// throws.
//
// Each Send() opens a fresh connection (Connection: close), resolves the host,
// connects, does the TLS handshake for https (peer certificate checked against
// the system trust store, plus `ca_file` when set, and against the host name;
// SNI sent for names), writes the request and reads the status line, headers
// and at most `max_response_body` bytes of the body. Everything must finish
// within `timeout` or the exchange is abandoned. Redirects are not followed.
//
// Thread-safe: Send() may be called from several threads at once (each call
// runs its own io_context; the TLS context is shared read-only).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace civicgrid::http {

struct OutboundClientOptions {
  // Deadline for the whole exchange: resolve, connect, handshake, write, read.
  std::chrono::milliseconds timeout{10'000};
  // Largest response body read; the rest is ignored (the status still counts).
  size_t max_response_body = 64 * 1024;
  // Sent as User-Agent.
  std::string user_agent = "civicgrid-webhooks/1";
  // A PEM file of extra trusted certificates for https (e.g. a private CA of
  // a government intranet); empty: the system trust store only.
  std::string ca_file;
};

struct OutboundRequest {
  std::string method = "POST";
  bool https = false;
  std::string host;  // name or address (IPv6 without brackets)
  uint16_t port = 80;
  std::string target = "/";  // path and query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type = "application/json";
};

struct OutboundResponse {
  unsigned status = 0;
  std::string body;  // at most max_response_body bytes
};

class OutboundClient {
 public:
  // Fails (kInvalid, field "ca_file") when `ca_file` cannot be loaded.
  static core::Result<std::unique_ptr<OutboundClient>> Create(OutboundClientOptions options = {});
  virtual ~OutboundClient();
  OutboundClient(const OutboundClient&) = delete;
  OutboundClient& operator=(const OutboundClient&) = delete;

  // The response, whatever its status; kUnavailable when no response arrived
  // (cannot resolve or connect, TLS failure, timeout, malformed response), with
  // the reason in the message. Virtual so tests can stand in for the network.
  virtual core::Result<OutboundResponse> Send(const OutboundRequest& request);

  const OutboundClientOptions& options() const { return options_; }

 protected:
  explicit OutboundClient(OutboundClientOptions options);

 private:
  struct Tls;
  OutboundClientOptions options_;
  std::unique_ptr<Tls> tls_;
};

}  // namespace civicgrid::http
