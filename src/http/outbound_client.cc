// The Beast translation unit of the outbound client (with TLS through
// OpenSSL). Keep Beast and Asio out of every header.
#include "http/outbound_client.h"

#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace civicgrid::http {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using BeastRequest = bhttp::request<bhttp::string_body>;
using ErrorCode = boost::system::error_code;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr uint32_t kMaxHeaderBytes = 16 * 1024;

// What one exchange produced; default-constructible for co_spawn.
struct Outcome {
  std::optional<OutboundResponse> response;
  std::string error;
};

Outcome Failed(std::string_view what, const ErrorCode& ec) {
  std::string reason = ec == beast::error::timeout ? "超时" : ec.message();
  return Outcome{std::nullopt, std::string(what) + ": " + reason};
}

bool IsAddress(const std::string& host) {
  ErrorCode ec;
  (void)asio::ip::make_address(host, ec);
  return !ec;
}

std::string HostHeader(const OutboundRequest& r) {
  std::string host = r.host.find(':') != std::string::npos ? "[" + r.host + "]" : r.host;
  uint16_t default_port = r.https ? 443 : 80;
  return r.port == default_port ? host : host + ":" + std::to_string(r.port);
}

BeastRequest BuildRequest(const OutboundRequest& r, const std::string& user_agent) {
  BeastRequest request;
  request.method_string(r.method);
  request.target(r.target);
  request.version(11);
  request.set(bhttp::field::host, HostHeader(r));
  request.set(bhttp::field::user_agent, user_agent);
  request.set(bhttp::field::connection, "close");
  if (!r.body.empty()) request.set(bhttp::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) request.set(name, value);
  request.body() = r.body;
  request.prepare_payload();
  return request;
}

// Writes the request and reads the response; the status counts even when the
// body is longer than allowed or cut short.
template <typename Stream>
asio::awaitable<Outcome> Exchange(Stream& stream, const BeastRequest& request, size_t max_body) {
  auto [write_ec, written] = co_await bhttp::async_write(stream, request, kNoThrow);
  if (write_ec) co_return Failed("发送请求失败", write_ec);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  // The parser would refuse a long Content-Length already with the header;
  // the body limit is set once the status is known.
  parser.body_limit(boost::none);
  auto [header_ec, header_bytes] =
      co_await bhttp::async_read_header(stream, buffer, parser, kNoThrow);
  if (header_ec) co_return Failed("读取响应失败", header_ec);
  OutboundResponse response;
  response.status = parser.get().result_int();
  auto length = parser.content_length();
  if (!length || *length <= max_body) {
    parser.body_limit(max_body);
    auto [body_ec, body_bytes] = co_await bhttp::async_read(stream, buffer, parser, kNoThrow);
    (void)body_ec;  // a chunked body past the limit or cut short keeps what arrived
    response.body = std::move(parser.get().body());
    if (response.body.size() > max_body) response.body.resize(max_body);
  }
  co_return Outcome{std::move(response), {}};
}

asio::awaitable<Outcome> Run(const OutboundRequest& r, const BeastRequest& request,
                             ssl::context& tls, const OutboundClientOptions& options) {
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  auto executor = co_await asio::this_coro::executor;
  // Name resolution is bounded by the system resolver's own timeouts.
  tcp::resolver resolver(executor);
  auto [resolve_ec, endpoints] =
      co_await resolver.async_resolve(r.host, std::to_string(r.port), kNoThrow);
  if (resolve_ec) co_return Failed("无法解析主机名 " + r.host, resolve_ec);
  if (!r.https) {
    beast::tcp_stream stream(executor);
    stream.expires_at(deadline);  // covers connect, write and read
    auto [connect_ec, peer] = co_await stream.async_connect(endpoints, kNoThrow);
    if (connect_ec) co_return Failed("无法连接", connect_ec);
    co_return co_await Exchange(stream, request, options.max_response_body);
  }
  beast::ssl_stream<beast::tcp_stream> stream(executor, tls);
  beast::get_lowest_layer(stream).expires_at(deadline);
  if (!IsAddress(r.host)) {
    // SNI: name-based virtual hosts pick their certificate from it.
    SSL_set_tlsext_host_name(stream.native_handle(), r.host.c_str());
  }
  stream.set_verify_callback(ssl::host_name_verification(r.host));
  auto [connect_ec, peer] =
      co_await beast::get_lowest_layer(stream).async_connect(endpoints, kNoThrow);
  if (connect_ec) co_return Failed("无法连接", connect_ec);
  auto [handshake_ec] = co_await stream.async_handshake(ssl::stream_base::client, kNoThrow);
  if (handshake_ec) co_return Failed("TLS 握手失败", handshake_ec);
  co_return co_await Exchange(stream, request, options.max_response_body);
}

}  // namespace

struct OutboundClient::Tls {
  ssl::context context{ssl::context::tls_client};
};

OutboundClient::OutboundClient(OutboundClientOptions options)
    : options_(std::move(options)), tls_(std::make_unique<Tls>()) {
  ssl::context& context = tls_->context;
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  ErrorCode ignored;  // without a system store only ca_file certificates are trusted
  context.set_default_verify_paths(ignored);
  context.set_verify_mode(ssl::verify_peer);
}

OutboundClient::~OutboundClient() = default;

core::Result<std::unique_ptr<OutboundClient>> OutboundClient::Create(
    OutboundClientOptions options) {
  std::unique_ptr<OutboundClient> client(new OutboundClient(std::move(options)));
  if (!client->options_.ca_file.empty()) {
    ErrorCode ec;
    client->tls_->context.load_verify_file(client->options_.ca_file, ec);
    if (ec) return core::Error::Invalid("ca_file", "无法读取 CA 证书文件: " + ec.message());
  }
  return client;
}

core::Result<OutboundResponse> OutboundClient::Send(const OutboundRequest& r) {
  BeastRequest request = BuildRequest(r, options_.user_agent);
  asio::io_context io{1};
  Outcome outcome;
  asio::co_spawn(io, Run(r, request, tls_->context, options_),
                 [&outcome](std::exception_ptr failure, Outcome result) {
                   outcome = failure ? Outcome{std::nullopt, "内部错误"} : std::move(result);
                 });
  io.run();
  if (!outcome.response) {
    return core::Error{core::ErrorCode::kUnavailable, std::move(outcome.error), {}};
  }
  return std::move(*outcome.response);
}

}  // namespace civicgrid::http
