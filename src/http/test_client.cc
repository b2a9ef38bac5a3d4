// The Beast translation unit of the test client (library civicgrid_http_client).
#include "http/test_client.h"

#include <stdexcept>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>

#include "http/request.h"

namespace civicgrid::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using BeastRequest = bhttp::request<bhttp::string_body>;
using BeastResponse = bhttp::response<bhttp::string_body>;

constexpr uint32_t kMaxResponseHeaderBytes = 64 * 1024;

std::string_view View(beast::string_view text) { return {text.data(), text.size()}; }

std::string_view Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(' ');
  size_t end = text.find_last_not_of(' ');
  return begin == std::string_view::npos ? std::string_view() : text.substr(begin, end - begin + 1);
}

bool HasHeader(const std::vector<std::pair<std::string, std::string>>& headers,
               std::string_view name) {
  for (const auto& header : headers) {
    if (EqualsIgnoreCase(header.first, name)) {
      return true;
    }
  }
  return false;
}

// True when a Set-Cookie attribute list asks to delete the cookie.
bool Expires(std::string_view attributes) {
  while (!attributes.empty()) {
    size_t end = attributes.find(';');
    std::string_view attribute = Trim(attributes.substr(0, end));
    attributes = end == std::string_view::npos ? std::string_view() : attributes.substr(end + 1);
    constexpr std::string_view kMaxAge = "max-age=";
    if (attribute.size() > kMaxAge.size() &&
        EqualsIgnoreCase(attribute.substr(0, kMaxAge.size()), kMaxAge)) {
      std::string_view age = attribute.substr(kMaxAge.size());
      return age == "0" || age.front() == '-';
    }
  }
  return false;
}

BeastRequest BuildRequest(std::string method, std::string target, std::string body,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          const std::string& host, const std::string& cookie) {
  BeastRequest request;
  request.method_string(method);
  request.target(target);
  request.version(11);
  request.set(bhttp::field::host, host);
  request.set(bhttp::field::user_agent, "civicgrid-test-client");
  if (!body.empty() && !HasHeader(headers, "Content-Type")) {
    request.set(bhttp::field::content_type, "application/json");
  }
  if (!cookie.empty()) {
    request.set(bhttp::field::cookie, cookie);
  }
  for (const auto& [name, value] : headers) {
    request.insert(name, value);
  }
  request.body() = std::move(body);
  request.prepare_payload();
  return request;
}

ClientResponse ToClientResponse(BeastResponse&& response) {
  ClientResponse result;
  result.status = response.result_int();
  for (const auto& field : response) {
    result.headers.emplace_back(View(field.name_string()), View(field.value()));
  }
  result.body = std::move(response.body());
  return result;
}

}  // namespace

// One TCP connection; every failure throws boost::system::system_error.
class TestClient::Connection {
 public:
  Connection(const std::string& host, uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address(host), port));
    socket_.set_option(tcp::no_delay(true));
  }

  BeastResponse RoundTrip(const BeastRequest& request) {
    bhttp::write(socket_, request);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.skip(request.method() == bhttp::verb::head);  // a HEAD answer has no body to read
    parser.header_limit(kMaxResponseHeaderBytes);
    parser.body_limit(boost::none);
    bhttp::read(socket_, buffer_, parser);
    return parser.release();
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

std::string ClientResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) {
      return value;
    }
  }
  return {};
}

boost::json::value ClientResponse::Json() const {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(body, ec);
  if (ec) {
    throw std::runtime_error("response body is not JSON: " + body);
  }
  return value;
}

TestClient::TestClient(uint16_t port, std::string host) : host_(std::move(host)), port_(port) {}

TestClient::~TestClient() = default;

void TestClient::Disconnect() { connection_.reset(); }

ClientResponse TestClient::Send(std::string method, std::string target, std::string body,
                                std::vector<std::pair<std::string, std::string>> headers) {
  std::string cookie = cookie_jar_ && !HasHeader(headers, "Cookie") ? CookieHeader() : "";
  if (auto csrf = cookies_.find("cg_csrf"); !cookie.empty() && csrf_echo_ &&
                                            csrf != cookies_.end() &&
                                            !HasHeader(headers, "X-CSRF-Token")) {
    headers.emplace_back("X-CSRF-Token", csrf->second);
  }
  BeastRequest request = BuildRequest(std::move(method), std::move(target), std::move(body),
                                      headers, host_ + ":" + std::to_string(port_), cookie);
  bool reused = connection_ != nullptr;
  BeastResponse response;
  try {
    if (!connection_) {
      connection_ = std::make_unique<Connection>(host_, port_);
    }
    response = connection_->RoundTrip(request);
  } catch (const boost::system::system_error&) {
    connection_.reset();
    if (!reused) {
      throw;
    }
    // The server closed the kept-alive connection meanwhile: one fresh try.
    connection_ = std::make_unique<Connection>(host_, port_);
    response = connection_->RoundTrip(request);
  }
  if (!response.keep_alive()) {
    connection_.reset();
  }
  ClientResponse result = ToClientResponse(std::move(response));
  StoreCookies(result);
  return result;
}

void TestClient::StoreCookies(const ClientResponse& response) {
  if (!cookie_jar_) {
    return;
  }
  for (const auto& [key, value] : response.headers) {
    if (!EqualsIgnoreCase(key, "Set-Cookie")) {
      continue;
    }
    std::string_view text = value;
    size_t semicolon = std::min(text.find(';'), text.size());
    std::string_view pair = text.substr(0, semicolon);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) {
      continue;
    }
    std::string name(Trim(pair.substr(0, eq)));
    std::string cookie_value(Trim(pair.substr(eq + 1)));
    if (cookie_value.empty() || Expires(text.substr(semicolon))) {
      cookies_.erase(name);
    } else {
      cookies_[name] = std::move(cookie_value);
    }
  }
}

std::string TestClient::CookieHeader() const {
  std::string header;
  for (const auto& [name, value] : cookies_) {
    header += (header.empty() ? "" : "; ") + name + "=" + value;
  }
  return header;
}

}  // namespace civicgrid::http
