// server_rss_bench: the memory of a server holding the demo county (tier
// county, 246 grids; 60 residents per grid by default) and a quick request
// rate. Loads the demo into a temp SQLite database, starts the API server in
// this process on 127.0.0.1:0 (threads as `civicgrid serve` picks them, no
// access log), logs in as admin and pages through /api/v1/residents and
// /api/v1/org-nodes completely; then prints VmRSS/VmHWM against the RSS of
// this very process at start (the baseline). Then GET
// /api/v1/residents?limit=50 from 4 client threads for a few seconds, against
// GET /healthz (one trivial query) and a handler that does nothing, measured
// the same way in the same run. Client and server share the machine's cores.
//
//
// The bench checks what it measures, and exits 1 naming the first mismatch:
// the pages hold every resident and org node the demo loaded, each once, with
// the fields a client reads (masked ID numbers); during the request rate every
// answer is a 200 whose body is checked (a full page of residents with their
// fields, /healthz saying "ok" for SQLite, the no-op's "ok"), fully parsed for
// the first answers of each client and every 32nd after, by prefix otherwise,
// so the check does not become what is timed.
//
//   server_rss_bench [--seconds S] [--population-scale X] [--clients C]
#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "app/app.h"
#include "app/demo/demo_loader.h"
#include "bench_support.h"
#include "http/api/api.h"
#include "http/api/openapi_doc.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/server.h"
#include "http/test_client.h"

namespace civicgrid::bench {
namespace {

constexpr int kPageLimit = 500;  // the API's largest page
constexpr int kRatePageLimit = 50;
constexpr int64_t kFullCheckEvery = 32;  // answers parsed in full, 1 in this many

// Stops the bench when an answer is wrong: a fast wrong answer is no answer.
void Expect(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "server_rss_bench: FAILED: %s\n", what.c_str());
    std::exit(1);
  }
}

bool HasString(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() && !v->as_string().empty();
}
bool HasInt(const boost::json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_int64() && v->as_int64() > 0;
}

// A resident as the list shows it: id, name, and the ID number masked
// ("1310**********123X": 18 characters, starred in the middle).
bool IsResident(const boost::json::value& item) {
  if (!item.is_object()) return false;
  const auto& o = item.as_object();
  if (!HasInt(o, "id") || !HasInt(o, "building_id") || !HasString(o, "name") ||
      !HasString(o, "id_number")) {
    return false;
  }
  const std::string_view id_number = o.at("id_number").as_string();
  return id_number.size() == 18 && id_number.substr(4, 10) == "**********";
}

bool IsOrgNode(const boost::json::value& item) {
  if (!item.is_object()) return false;
  const auto& o = item.as_object();
  return HasInt(o, "id") && HasString(o, "kind") && HasString(o, "code") && HasString(o, "name") &&
         HasString(o, "path");
}

struct Options {
  double seconds = 5;
  double population_scale = 0.067;  // about 14,700 residents, the old 60 per grid
  int clients = 4;
};

// The API over an App, served on a free loopback port.
class ApiServer {
 public:
  explicit ApiServer(app::App& a) {
    http::ApiOptions options;
    options.openapi_json = std::string(http::OpenApiDocument());
    services_ = std::make_unique<http::ApiServices>(app::MakeApiServices(a, metrics_, options));
    http::RegisterApi(router_, *services_);
    // The limit of the request rate: a handler that touches nothing.
    router_.Add("GET", "/bench/noop",
                [](http::Request&) { return http::Response::Text(200, "ok"); });
    http::ServerOptions server_options;
    server_options.listen = "127.0.0.1:0";
    server_ = std::make_unique<http::Server>(server_options, router_, &metrics_);
    Must(server_->Start(), "start server");
  }
  uint16_t port() const { return server_->port(); }

 private:
  http::Metrics metrics_;
  http::Router router_;
  std::unique_ptr<http::ApiServices> services_;
  std::unique_ptr<http::Server> server_;
};

std::unique_ptr<http::TestClient> LoggedIn(uint16_t port) {
  auto client = std::make_unique<http::TestClient>(port);
  client->set_cookie_jar(true);
  auto login = client->Send(
      "POST", "/api/v1/session",
      std::string(R"({"username":"admin","password":")") + app::demo::kDemoPassword + R"("})");
  if (login.status != 200) Fail("login", core::Error::Internal(login.body));
  return client;
}

// Follows next_after to the end; returns the number of items, after checking
// each with `is_item` and that no id comes twice.
int64_t PageThrough(http::TestClient& client, const std::string& path,
                    const std::function<bool(const boost::json::value&)>& is_item) {
  std::set<int64_t> ids;
  int64_t items = 0;
  std::string after;
  while (true) {
    std::string target = path + "?limit=" + std::to_string(kPageLimit) + after;
    auto response = client.Send("GET", target);
    if (response.status != 200) Fail(target, core::Error::Internal(response.body));
    boost::json::object page = response.Json().as_object();
    const boost::json::array& list = page.at("items").as_array();
    for (const boost::json::value& item : list) {
      Expect(is_item(item), target + ": not a well-formed item: " + boost::json::serialize(item));
      Expect(ids.insert(item.at("id").as_int64()).second,
             target + ": id " + std::to_string(item.at("id").as_int64()) + " listed twice");
    }
    items += static_cast<int64_t>(list.size());
    const boost::json::value& next = page.at("next_after");
    if (next.is_null()) return items;
    Expect(!list.empty(), target + ": an empty page that says more follow");
    after = "&after=" + std::to_string(next.as_int64());
  }
}

// Checks one answer of the request-rate loop; `full` parses the body.
using AnswerCheck = std::function<bool(const std::string& body, bool full)>;

// Requests per second of GET `target` from `clients` threads for `seconds`.
// Every answer must be a 200 that `check` accepts.
double RequestRate(const std::vector<std::unique_ptr<http::TestClient>>& clients,
                   const std::string& target, double seconds, const AnswerCheck& check) {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> done{0}, failed{0}, wrong{0};
  std::mutex first_wrong_mutex;
  std::string first_wrong;
  std::vector<std::thread> threads;
  Stopwatch clock;
  for (const auto& client : clients) {
    threads.emplace_back([&, c = client.get()] {
      for (int64_t n = 0; !stop.load(std::memory_order_relaxed); ++n) {
        auto response = c->Send("GET", target);
        if (response.status != 200) {
          failed.fetch_add(1, std::memory_order_relaxed);
        } else if (!check(response.body, n % kFullCheckEvery == 0)) {
          if (wrong.fetch_add(1) == 0) {
            std::lock_guard lock(first_wrong_mutex);
            first_wrong = response.body.substr(0, 300);
          }
        } else {
          done.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (std::thread& t : threads) t.join();
  double elapsed = clock.Seconds();
  Expect(failed == 0, target + ": " + std::to_string(failed) + " requests failed");
  Expect(wrong == 0, target + ": " + std::to_string(wrong) +
                         " answers were 200 with a wrong body, the first: " + first_wrong);
  Expect(done > 0, target + ": no request answered");
  return static_cast<double>(done.load()) / elapsed;
}

// A full page of residents: kRatePageLimit items, each well-formed.
bool IsResidentPage(const std::string& body, bool full) {
  if (!full) return body.starts_with(R"({"items":[{"id":)");
  boost::system::error_code error;
  const boost::json::value page = boost::json::parse(body, error);
  if (error || !page.is_object() || !page.as_object().contains("items") ||
      !page.at("items").is_array()) {
    return false;
  }
  const boost::json::array& items = page.at("items").as_array();
  return items.size() == kRatePageLimit && std::all_of(items.begin(), items.end(), IsResident);
}

bool IsHealthy(const std::string& body, bool full) {
  if (!full) return body.starts_with(R"({"status":"ok")");
  boost::system::error_code error;
  const boost::json::value health = boost::json::parse(body, error);
  if (error || !health.is_object()) return false;
  const auto& o = health.as_object();
  return o.contains("status") && o.at("status") == "ok" && o.contains("database") &&
         o.at("database") == "sqlite" && HasInt(o, "schema_version");
}

Options ParseOptions(int argc, char** argv) {
  CheckFlags(argc, argv, {"seconds", "population-scale", "clients"},
             "[--seconds S] [--population-scale X] [--clients C]");
  Options o;
  o.seconds = std::stod(Flag(argc, argv, "seconds", "5"));
  o.population_scale = std::stod(Flag(argc, argv, "population-scale", "0.067"));
  o.clients = std::stoi(Flag(argc, argv, "clients", "4"));
  if (o.seconds <= 0 || o.clients < 1) {
    std::fprintf(stderr, "server_rss_bench: --seconds and --clients must be positive\n");
    std::exit(2);
  }
  return o;
}

std::unique_ptr<app::App> LoadCounty(const Options& o, const std::string& dir,
                                     app::demo::DemoLoadReport& loaded) {
  app::AppOptions options;  // the server's defaults (argon2id at its interactive cost)
  options.db_url = "sqlite:" + dir + "/demo.db";
  options.key_file = dir + "/pii.key";
  auto app = Must(app::App::Open(options), "open");
  Stopwatch load;
  app::demo::DemoLoadOptions demo;
  demo.population_scale = o.population_scale;
  auto report = Must(app::demo::LoadDemo(*app, demo), "load demo");
  std::printf(
      "# demo county loaded in %.1f s: %lld org nodes, %lld residents, %lld party "
      "members, %lld staff, %lld units\n",
      load.Seconds(), static_cast<long long>(report.nodes),
      static_cast<long long>(report.residents), static_cast<long long>(report.party_members),
      static_cast<long long>(report.staff), static_cast<long long>(report.units));
  Expect(report.residents > kRatePageLimit && report.nodes > 0,
         "the demo loaded " + std::to_string(report.residents) + " residents and " +
             std::to_string(report.nodes) + " org nodes: too few to measure");
  loaded = report;
  return app;
}

void PrintMemory(const char* label, const Memory& baseline, const Memory& now) {
  std::printf(
      "%s rss_mib=%.1f peak_rss_mib=%.1f baseline_rss_mib=%.1f ratio=%s "
      "(tier county, %d cores)\n",
      label, now.rss_mib, now.peak_mib, baseline.rss_mib,
      Ratio(now.rss_mib / baseline.rss_mib).c_str(), CoreCount());
}

int Run(const Options& o, const Memory& baseline) {
  std::printf("# server_rss_bench: tier county (demo 固安, population scale %g), machine: %s\n",
              o.population_scale, MachineLine().c_str());
  TempDir dir("cg-bench-server-");
  app::demo::DemoLoadReport loaded;
  auto app = LoadCounty(o, dir.path(), loaded);
  ApiServer server(*app);
  auto admin = LoggedIn(server.port());
  Stopwatch walk;
  int64_t residents = PageThrough(*admin, "/api/v1/residents", IsResident);
  int64_t nodes = PageThrough(*admin, "/api/v1/org-nodes", IsOrgNode);
  Expect(residents == loaded.residents, "paged through " + std::to_string(residents) +
                                            " residents, the demo loaded " +
                                            std::to_string(loaded.residents));
  Expect(nodes == loaded.nodes, "paged through " + std::to_string(nodes) +
                                    " org nodes, the demo loaded " + std::to_string(loaded.nodes));
  std::printf("# paged through %lld residents and %lld org nodes in %.2f s (pages of %d)\n",
              static_cast<long long>(residents), static_cast<long long>(nodes), walk.Seconds(),
              kPageLimit);
  PrintMemory("server_rss county_loaded", baseline, ProcessMemory());
  std::fflush(stdout);

  std::vector<std::unique_ptr<http::TestClient>> clients;
  for (int i = 0; i < o.clients; ++i) clients.push_back(LoggedIn(server.port()));
  double list_rate =
      RequestRate(clients, "/api/v1/residents?limit=" + std::to_string(kRatePageLimit), o.seconds,
                  IsResidentPage);
  double health_rate = RequestRate(clients, "/healthz", o.seconds, IsHealthy);
  double noop_rate = RequestRate(clients, "/bench/noop", o.seconds,
                                 [](const std::string& body, bool) { return body == "ok"; });
  std::printf(
      "request_rate clients=%d residents_limit50_per_s=%.0f healthz_per_s=%.0f "
      "noop_per_s=%.0f ratio=%s ratio_to_noop=%s (tier county, %d cores)\n",
      o.clients, list_rate, health_rate, noop_rate, Ratio(list_rate / health_rate).c_str(),
      Ratio(list_rate / noop_rate).c_str(), CoreCount());
  PrintMemory("server_rss after_load_test", baseline, ProcessMemory());
  return 0;
}

}  // namespace
}  // namespace civicgrid::bench

int main(int argc, char** argv) {
  // Measured first, before anything is allocated: the process's own floor.
  civicgrid::bench::Memory baseline = civicgrid::bench::ProcessMemory();
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured
  return civicgrid::bench::Run(civicgrid::bench::ParseOptions(argc, argv), baseline);
}
