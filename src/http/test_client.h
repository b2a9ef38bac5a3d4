// TestClient: a small synchronous HTTP/1.1 client for API tests and
// benchmarks against a server on this machine.
//
// One keep-alive connection, opened on first use and reopened when the server
// closed it. With the cookie jar on, Set-Cookie name=value pairs are stored
// (Max-Age=0 or an empty value removes one) and sent back as a Cookie header,
// so a test can log in once and reuse the session. Like the web pages, the
// jar also sends the cg_csrf cookie back as the X-CSRF-Token header (unless
// the request sets that header itself or set_csrf_echo(false)). No TLS, no redirects, no
// proxies, no cookie domains or paths: one client talks to one server.
//
// Not thread-safe: use one TestClient per thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

namespace civicgrid::http {

struct ClientResponse {
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // First header called `name` (case-insensitive); empty when absent.
  std::string Header(std::string_view name) const;
  // The body parsed as JSON; throws std::runtime_error naming the body if it is not JSON.
  boost::json::value Json() const;
};

class TestClient {
 public:
  explicit TestClient(uint16_t port, std::string host = "127.0.0.1");
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  // Sends one request and waits for the whole response. `target` is the path
  // and query, e.g. "/api/v1/org-nodes?limit=10". A Content-Type of
  // application/json is added when a body is given without one. Throws
  // boost::system::system_error when the server cannot be reached.
  ClientResponse Send(std::string method, std::string target, std::string body = "",
                      std::vector<std::pair<std::string, std::string>> headers = {});

  void set_cookie_jar(bool enabled) { cookie_jar_ = enabled; }
  // Whether the jar echoes cg_csrf as X-CSRF-Token (default on).
  void set_csrf_echo(bool enabled) { csrf_echo_ = enabled; }
  const std::map<std::string, std::string>& cookies() const { return cookies_; }
  void ClearCookies() { cookies_.clear(); }
  // Closes the connection; the next Send() opens a new one.
  void Disconnect();

 private:
  class Connection;

  void StoreCookies(const ClientResponse& response);
  std::string CookieHeader() const;

  std::string host_;
  uint16_t port_;
  std::unique_ptr<Connection> connection_;
  bool cookie_jar_ = false;
  bool csrf_echo_ = true;
  std::map<std::string, std::string> cookies_;
};

}  // namespace civicgrid::http
