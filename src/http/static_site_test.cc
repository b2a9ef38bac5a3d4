// The built web pages served from memory, spoken to over real HTTP.
#include "http/static_site.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "http/server.h"
#include "http/test_client.h"

namespace civicgrid::http {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr std::string_view kIndex = "<!doctype html><title>landing</title>";
constexpr std::string_view kConsole = "<!doctype html><title>console</title>";
constexpr std::string_view kScript = "console.log('plain');";
constexpr std::string_view kScriptGz = "GZIP-BYTES";
constexpr std::string_view kScriptBr = "BROTLI-BYTES";

void Write(const fs::path& path, std::string_view bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

// A temporary dist/ with a secret beside it (never to be served).
class TempSite {
 public:
  TempSite() {
    std::string pattern = (fs::temp_directory_path() / "civicgrid-web-XXXXXX").string();
    root_ = fs::path(::mkdtemp(pattern.data()));
    Write(dist() / "index.html", kIndex);
    Write(dist() / "console/index.html", kConsole);
    Write(dist() / "screen/index.html", "<!doctype html><title>screen</title>");
    Write(dist() / "assets/app-abc123.js", kScript);
    Write(dist() / "assets/app-abc123.js.gz", kScriptGz);
    Write(dist() / "assets/app-abc123.js.br", kScriptBr);
    Write(dist() / "assets/app-abc123.css", "body{}");
    Write(dist() / "assets/logo-1.svg", "<svg/>");
    Write(dist() / "assets/photo-1.png", "PNG");
    Write(dist() / "assets/photo-2.jpg", "JPG");
    Write(dist() / "assets/font-1.woff2", "WOFF2");
    Write(dist() / "assets/data-1.json", "{}");
    Write(dist() / "favicon.ico", "ICO");
    Write(dist() / "manifest.webmanifest", "{}");
    Write(root_ / "secret.txt", "SECRET");
    fs::create_symlink(root_ / "secret.txt", dist() / "linked-secret.txt");
  }
  ~TempSite() { fs::remove_all(root_); }
  fs::path dist() const { return root_ / "dist"; }

 private:
  fs::path root_;
};

class WebStaticTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto site = StaticSite::Load({temp_.dist().string(), "https://*.tile.example.org"});
    ASSERT_TRUE(site.ok()) << site.error().message;
    site_ = std::move(site).value();
    router_.Add("GET", "/api/v1/thing", [](Request&) { return Response::Text(200, "thing"); });
    router_.Add("GET", "/api/v1/slow", [this](Request&) {
      release_.get_future().wait();
      return Response::Text(200, "slow");
    });
    RegisterStaticSite(router_, *site_);
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.threads = 1;
    options.workers = 1;
    server_ = std::make_unique<Server>(options, router_);
    ASSERT_TRUE(server_->Start().ok());
    client_ = std::make_unique<TestClient>(server_->port());
  }
  void TearDown() override {
    if (!released_) release_.set_value();
    server_.reset();
  }

  ClientResponse Get(const std::string& target,
                     std::vector<std::pair<std::string, std::string>> headers = {}) {
    return client_->Send("GET", target, "", std::move(headers));
  }

  TempSite temp_;
  std::unique_ptr<StaticSite> site_;
  Router router_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<TestClient> client_;
  std::promise<void> release_;
  bool released_ = false;
};

TEST_F(WebStaticTest, ContentTypeByExtension) {
  EXPECT_EQ(Get("/").Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(Get("/").body, kIndex);
  EXPECT_EQ(Get("/index.html").body, kIndex);
  EXPECT_EQ(Get("/assets/app-abc123.js").Header("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(Get("/assets/app-abc123.css").Header("Content-Type"), "text/css; charset=utf-8");
  EXPECT_EQ(Get("/assets/logo-1.svg").Header("Content-Type"), "image/svg+xml");
  EXPECT_EQ(Get("/assets/photo-1.png").Header("Content-Type"), "image/png");
  EXPECT_EQ(Get("/assets/photo-2.jpg").Header("Content-Type"), "image/jpeg");
  EXPECT_EQ(Get("/assets/font-1.woff2").Header("Content-Type"), "font/woff2");
  EXPECT_EQ(Get("/assets/data-1.json").Header("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(Get("/favicon.ico").Header("Content-Type"), "image/x-icon");
  EXPECT_EQ(Get("/manifest.webmanifest").Header("Content-Type"), "application/manifest+json");
  EXPECT_EQ(ContentTypeFor("x.bin"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("noext"), "application/octet-stream");
  EXPECT_EQ(ContentTypeFor("UPPER.JS"), "text/javascript; charset=utf-8");
  auto head = client_->Send("HEAD", "/assets/app-abc123.js");
  EXPECT_EQ(head.status, 200u);
  EXPECT_EQ(head.Header("Content-Length"), std::to_string(kScript.size()));
}

TEST_F(WebStaticTest, PrecompressedTwinsByAcceptEncoding) {
  const std::string js = "/assets/app-abc123.js";
  auto br = Get(js, {{"Accept-Encoding", "gzip, deflate, br"}});
  EXPECT_EQ(br.body, kScriptBr);
  EXPECT_EQ(br.Header("Content-Encoding"), "br");
  EXPECT_EQ(br.Header("Vary"), "Accept-Encoding");
  EXPECT_EQ(br.Header("Content-Type"), "text/javascript; charset=utf-8");
  auto gz = Get(js, {{"Accept-Encoding", "gzip"}});
  EXPECT_EQ(gz.body, kScriptGz);
  EXPECT_EQ(gz.Header("Content-Encoding"), "gzip");
  EXPECT_EQ(Get(js, {{"Accept-Encoding", "br;q=0, gzip;q=0.5"}}).body, kScriptGz);
  auto plain = Get(js);
  EXPECT_EQ(plain.body, kScript);
  EXPECT_EQ(plain.Header("Content-Encoding"), "");
  EXPECT_EQ(plain.Header("Vary"), "Accept-Encoding");
  EXPECT_EQ(Get(js, {{"Accept-Encoding", "identity"}}).body, kScript);
  // A file without twins is sent as it is whatever the client accepts.
  EXPECT_EQ(Get("/", {{"Accept-Encoding", "br"}}).Header("Content-Encoding"), "");
  // The twins are not addressable as files of their own.
  EXPECT_EQ(Get(js + ".gz").status, 404u);
  EXPECT_TRUE(AcceptsEncoding("*", "br"));
  EXPECT_FALSE(AcceptsEncoding("gzip;q=0.000", "gzip"));
  EXPECT_TRUE(AcceptsEncoding(" GZIP ; q=1", "gzip"));
  EXPECT_FALSE(AcceptsEncoding("", "br"));
}

TEST_F(WebStaticTest, EtagAnswers304) {
  const std::string js = "/assets/app-abc123.js";
  auto first = Get(js, {{"Accept-Encoding", "br"}});
  std::string etag = first.Header("ETag");
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(etag.front(), '"');
  auto again = Get(js, {{"Accept-Encoding", "br"}, {"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304u);
  EXPECT_EQ(again.body, "");
  EXPECT_EQ(again.Header("ETag"), etag);
  EXPECT_EQ(Get(js, {{"Accept-Encoding", "br"}, {"If-None-Match", "\"x\", W/" + etag}}).status,
            304u);
  // Each encoding is its own representation with its own tag.
  auto gz = Get(js, {{"Accept-Encoding", "gzip"}, {"If-None-Match", etag}});
  EXPECT_EQ(gz.status, 200u);
  EXPECT_NE(gz.Header("ETag"), etag);
  EXPECT_EQ(Get(js, {{"If-None-Match", "\"other\""}}).status, 200u);
  auto index = Get("/");
  EXPECT_EQ(Get("/", {{"If-None-Match", index.Header("ETag")}}).status, 304u);
}

TEST_F(WebStaticTest, HashedAssetsCachedForAYearPagesRevalidated) {
  EXPECT_EQ(Get("/assets/app-abc123.js").Header("Cache-Control"),
            "public, max-age=31536000, immutable");
  EXPECT_EQ(Get("/").Header("Cache-Control"), "no-cache");
  EXPECT_EQ(Get("/console/").Header("Cache-Control"), "no-cache");
  EXPECT_EQ(Get("/favicon.ico").Header("Cache-Control"), "no-cache");
}

TEST_F(WebStaticTest, HtmlCarriesSecurityHeaders) {
  auto page = Get("/console/orders");
  EXPECT_EQ(page.Header("Content-Security-Policy"),
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data: blob: https://*.tile.example.org; connect-src 'self'; "
            "font-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'");
  EXPECT_EQ(page.Header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(page.Header("Referrer-Policy"), "same-origin");
  auto script = Get("/assets/app-abc123.js");
  EXPECT_EQ(script.Header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(script.Header("Content-Security-Policy"), "");
}

TEST_F(WebStaticTest, EntriesFallBackToTheirPage) {
  EXPECT_EQ(Get("/console/").body, kConsole);
  EXPECT_EQ(Get("/console/tickets/42").body, kConsole);
  EXPECT_EQ(Get("/console/tickets/42?tab=timeline").body, kConsole);
  EXPECT_EQ(Get("/console/index.html").body, kConsole);
  EXPECT_EQ(Get("/screen/anything").body, "<!doctype html><title>screen</title>");
  auto moved = Get("/console");
  EXPECT_EQ(moved.status, 301u);
  EXPECT_EQ(moved.Header("Location"), "/console/");
  // No h5/ in this build: not an entry.
  EXPECT_EQ(Get("/h5/").status, 404u);
  EXPECT_EQ(Get("/assets/missing-1.js").status, 404u);
  EXPECT_EQ(Get("/nowhere").status, 404u);
  EXPECT_EQ(site_->entries(), (std::set<std::string>{"console", "screen"}));
}

TEST_F(WebStaticTest, TraversalRefused) {
  for (const char* target :
       {"/assets/../index.html", "/assets/%2e%2e/%2e%2e/secret.txt", "/../secret.txt",
        "/console/./x", "/assets/..%2f..%2fsecret.txt", "/console/..%5c..%5csecret.txt"}) {
    auto r = Get(target);
    EXPECT_TRUE(r.status == 400u || r.status == 404u) << target << " " << r.status;
    EXPECT_EQ(r.body.find("SECRET"), std::string::npos) << target;
  }
  EXPECT_EQ(Get("/assets/../index.html").status, 400u);
  EXPECT_EQ(Get("/assets/../index.html").Json().at("error").at("field"), "path");
  // A link out of the directory is not loaded.
  EXPECT_EQ(Get("/linked-secret.txt").status, 404u);
  EXPECT_EQ(Get("/secret.txt").status, 404u);
}

TEST_F(WebStaticTest, ApiPathsNeverBecomePages) {
  EXPECT_EQ(Get("/api/v1/thing").body, "thing");
  auto unknown = Get("/api/v1/unknown");
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(unknown.Json().at("error").at("code"), "not_found");
  EXPECT_EQ(Get("/api/").Json().at("error").at("code"), "not_found");
  EXPECT_EQ(Get("/api").status, 404u);
  // Only GET and HEAD reach the pages; a known path keeps its 405.
  EXPECT_EQ(client_->Send("POST", "/console/x", "{}").status, 404u);
  EXPECT_EQ(client_->Send("POST", "/api/v1/thing", "{}").status, 405u);
}

TEST_F(WebStaticTest, PagesAnswerWhileEveryWorkerIsBusy) {
  std::thread slow([port = server_->port()] {
    TestClient other(port);
    other.Send("GET", "/api/v1/slow");
  });
  std::this_thread::sleep_for(100ms);  // the one worker is now held
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Get("/").body, kIndex);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  release_.set_value();
  released_ = true;
  slow.join();
}

TEST(WebStaticLoad, NeedsIndexHtml) {
  auto missing = StaticSite::Load({"/nonexistent-civicgrid-dir", ""});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().field, "web");
}

TEST(WebStaticLoad, TileSourceForCsp) {
  EXPECT_EQ(*TileSource(""), "");
  EXPECT_EQ(*TileSource("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"),
            "https://*.tile.openstreetmap.org");
  EXPECT_EQ(*TileSource("http://webrd0{1-4}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}"),
            "http://*.is.autonavi.com");
  EXPECT_EQ(*TileSource("https://tiles.example.org:8443/{z}/{x}/{y}.png"),
            "https://tiles.example.org:8443");
  EXPECT_FALSE(TileSource("ftp://x/{z}").ok());
  EXPECT_FALSE(TileSource("https://a.org;script-src *").ok());
  EXPECT_FALSE(TileSource("https://{s}/{z}").ok());
  EXPECT_EQ(TileSource("tiles").error().field, "tile_url");
}

}  // namespace
}  // namespace civicgrid::http
