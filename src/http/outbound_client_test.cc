// The outbound client against real servers on 127.0.0.1: the project's own
// HTTP server, a listener that never answers, and a TLS server with a
// certificate made for the test.
#include "http/outbound_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "http/router.h"
#include "http/server.h"

namespace civicgrid::http {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace bhttp = boost::beast::http;

struct Seen {
  std::string method, path, query, host, body, content_type, signature;
};

class OutboundClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("POST", "/hook", [this](Request& r) {
      std::lock_guard lock(mutex_);
      seen_.push_back(Seen{
          r.method, r.path, r.Query("county").value_or(""), std::string(r.Header("Host")), r.body,
          std::string(r.Header("Content-Type")), std::string(r.Header("X-Signature"))});
      return Response::Json(202, boost::json::object{{"ok", true}});
    });
    router_.Add("POST", "/broken", [](Request&) { return Response::Text(500, "数据库不可用"); });
    router_.Add("GET", "/big",
                [](Request&) { return Response::Text(200, std::string(1 << 20, 'x')); });
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.threads = 1;
    server_ = std::make_unique<Server>(options, router_);
    ASSERT_TRUE(server_->Start().ok());
  }

  OutboundRequest To(std::string target) const {
    OutboundRequest r;
    r.host = "127.0.0.1";
    r.port = server_->port();
    r.target = std::move(target);
    return r;
  }

  static std::unique_ptr<OutboundClient> Client(OutboundClientOptions options = {}) {
    auto client = OutboundClient::Create(std::move(options));
    EXPECT_TRUE(client.ok());
    return std::move(client).value();
  }

  Router router_;
  std::unique_ptr<Server> server_;
  std::mutex mutex_;
  std::vector<Seen> seen_;
};

TEST_F(OutboundClientTest, PostsTheBodyAndHeadersAndReadsTheAnswer) {
  OutboundRequest r = To("/hook?county=131022");
  r.body = R"({"event_type":"submit"})";
  r.headers = {{"X-Signature", "sha256=abc"}};
  auto response = Client()->Send(r);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 202u);
  EXPECT_EQ(response->body, R"({"ok":true})");
  std::lock_guard lock(mutex_);
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0].method, "POST");
  EXPECT_EQ(seen_[0].path, "/hook");
  EXPECT_EQ(seen_[0].query, "131022");
  EXPECT_EQ(seen_[0].host, "127.0.0.1:" + std::to_string(server_->port()));
  EXPECT_EQ(seen_[0].body, r.body);
  EXPECT_EQ(seen_[0].content_type, "application/json");
  EXPECT_EQ(seen_[0].signature, "sha256=abc");
}

TEST_F(OutboundClientTest, AnErrorStatusIsAnAnswerNotAFailure) {
  auto response = Client()->Send(To("/broken"));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 500u);
  EXPECT_EQ(response->body, "数据库不可用");
}

TEST_F(OutboundClientTest, ALongBodyIsCutButTheStatusCounts) {
  OutboundClientOptions options;
  options.max_response_body = 1024;
  OutboundRequest r = To("/big");
  r.method = "GET";
  auto response = Client(options)->Send(r);
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200u);
  EXPECT_LE(response->body.size(), 1024u);
}

TEST_F(OutboundClientTest, NobodyListeningIsUnavailable) {
  OutboundRequest r = To("/hook");
  server_->Stop();
  auto response = Client()->Send(r);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, core::ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message.find("无法连接"), std::string::npos)
      << response.error().message;
}

TEST_F(OutboundClientTest, UnknownHostIsUnavailable) {
  OutboundRequest r = To("/hook");
  r.host = "no-such-host.invalid";
  auto response = Client()->Send(r);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, core::ErrorCode::kUnavailable);
}

TEST_F(OutboundClientTest, ASilentPeerTimesOut) {
  // Accepted by the kernel (backlog) but never read or answered.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t length = sizeof address;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  OutboundClientOptions options;
  options.timeout = 300ms;
  OutboundRequest r = To("/hook");
  r.port = ntohs(address.sin_port);
  auto response = Client(options)->Send(r);
  ::close(fd);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, core::ErrorCode::kUnavailable);
  EXPECT_NE(response.error().message.find("超时"), std::string::npos) << response.error().message;
}

TEST(OutboundClientCreateTest, AMissingCaFileIsRefused) {
  OutboundClientOptions options;
  options.ca_file = "/nonexistent/ca.pem";
  auto client = OutboundClient::Create(options);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().field, "ca_file");
}

// A self-signed certificate for "localhost" (and only that name), in PEM.
struct TestCertificate {
  std::string cert_pem;
  std::string key_pem;
};

std::string ToPem(int (*write)(BIO*, void*), void* object) {
  BIO* bio = BIO_new(BIO_s_mem());
  write(bio, object);
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  return pem;
}

TestCertificate MakeCertificate() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "DNS:localhost"},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(cert, key, EVP_sha256());
  TestCertificate out;
  out.cert_pem =
      ToPem([](BIO* b, void* x) { return PEM_write_bio_X509(b, static_cast<X509*>(x)); }, cert);
  out.key_pem = ToPem(
      [](BIO* b, void* k) {
        return PEM_write_bio_PrivateKey(b, static_cast<EVP_PKEY*>(k), nullptr, nullptr, 0, nullptr,
                                        nullptr);
      },
      key);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

// Serves `connections` TLS connections one after another on 127.0.0.1,
// answering each request with 200 "secure".
class TlsServer {
 public:
  TlsServer(const TestCertificate& cert, int connections) {
    context_.use_certificate_chain(asio::buffer(cert.cert_pem));
    context_.use_private_key(asio::buffer(cert.key_pem), ssl::context::pem);
    thread_ = std::thread([this, connections] {
      for (int i = 0; i < connections; ++i) ServeOne();
    });
  }
  ~TlsServer() { thread_.join(); }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int served() const { return served_; }

 private:
  void ServeOne() {
    asio::ip::tcp::socket socket(io_);
    boost::system::error_code ec;
    acceptor_.accept(socket, ec);
    if (ec) return;
    ssl::stream<asio::ip::tcp::socket> stream(std::move(socket), context_);
    stream.handshake(ssl::stream_base::server, ec);
    if (ec) return;  // the client refused our certificate
    boost::beast::flat_buffer buffer;
    bhttp::request<bhttp::string_body> request;
    bhttp::read(stream, buffer, request, ec);
    if (ec) return;
    bhttp::response<bhttp::string_body> response{bhttp::status::ok, 11};
    response.body() = "secure";
    response.prepare_payload();
    bhttp::write(stream, response, ec);
    ++served_;
    stream.shutdown(ec);
  }

  asio::io_context io_;
  asio::ip::tcp::acceptor acceptor_{
      io_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)};
  ssl::context context_{ssl::context::tls_server};
  std::atomic<int> served_{0};
  std::thread thread_;
};

class OutboundTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cert_ = MakeCertificate();
    dir_ = std::filesystem::temp_directory_path() /
           ("cg-tls-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "ca.pem") << cert_.cert_pem;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  OutboundRequest MakeRequest(const std::string& host, uint16_t port) const {
    OutboundRequest r;
    r.https = true;
    r.host = host;
    r.port = port;
    r.target = "/hook";
    r.body = "{}";
    return r;
  }

  std::unique_ptr<OutboundClient> TrustingClient() const {
    OutboundClientOptions options;
    options.ca_file = (dir_ / "ca.pem").string();
    options.timeout = 5s;
    auto client = OutboundClient::Create(options);
    EXPECT_TRUE(client.ok());
    return std::move(client).value();
  }

  TestCertificate cert_;
  std::filesystem::path dir_;
};

TEST_F(OutboundTlsTest, TalksHttpsToAServerWithATrustedCertificate) {
  TlsServer server(cert_, 1);
  auto response = TrustingClient()->Send(MakeRequest("localhost", server.port()));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 200u);
  EXPECT_EQ(response->body, "secure");
}

TEST_F(OutboundTlsTest, RefusesAnUntrustedCertificate) {
  TlsServer server(cert_, 1);
  auto client = OutboundClient::Create();
  ASSERT_TRUE(client.ok());
  auto response = (*client)->Send(MakeRequest("localhost", server.port()));
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.error().message.find("TLS"), std::string::npos) << response.error().message;
  EXPECT_EQ(server.served(), 0);
}

TEST_F(OutboundTlsTest, RefusesACertificateForAnotherName) {
  TlsServer server(cert_, 1);
  // Trusted, but issued to "localhost", not to 127.0.0.1.
  auto response = TrustingClient()->Send(MakeRequest("127.0.0.1", server.port()));
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.error().message.find("TLS"), std::string::npos) << response.error().message;
  EXPECT_EQ(server.served(), 0);
}

}  // namespace
}  // namespace civicgrid::http
