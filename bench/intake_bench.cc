// intake_bench: ticket intake over real HTTP, every acknowledged ticket
// durable (tier county).
//
// Builds a small county in a fresh database with the server's durable
// defaults (SQLite WAL + synchronous=FULL; PostgreSQL with fsync on): one
// street, 4 communities, 64 grids (0.01° squares with boundaries, so a
// location finds its grid), and one resident with an account per client.
// Clones it (the limit's database, below), starts the API server in this
// process (threads as `civicgrid serve` picks them, no access log) and lets
// --clients threads, each with its own keep-alive connection and session,
// POST /api/v1/tickets for --seconds: a 随手拍 at a random point of a random
// grid, each with its own Idempotency-Key. The server answers 201 only after
// the transaction holding the ticket committed (group commit, IntakeWriter).
// Then the server and the app close, the database is opened again, the new
// ticket rows are counted and every acknowledged number is looked up; a
// missing one (or any failed request) makes the run fail.
//
// Limit (same run, same machine): the rows the run created — ticket,
// ticket_event and idempotency_key, as stored — inserted again into the
// clone, in id order, as a plain loop on one connection with one transaction
// (so one durable commit) per ticket: what a server committing each request
// on its own could do at best. ratio = HTTP tickets/s ÷ raw tickets/s.
//
//   intake_bench [--clients 64] [--seconds 10] [--raw-seconds 10]
//                [--db-url postgresql://…{db}…]
//
// With --db-url (a URL with "{db}", as import_bench takes it) the run uses
// PostgreSQL: two scratch databases are created beside "postgres" and dropped.
#include <fmt/format.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "app/app.h"
#include "bench_app.h"
#include "bench_support.h"
#include "core/pii.h"
#include "http/test_client.h"
#include "store/open.h"

namespace civicgrid::bench {
namespace {

namespace json = boost::json;

constexpr int kCommunities = 4;
constexpr int kGridsPerCommunity = 16;
constexpr double kWest = 116.20;
constexpr double kSouth = 39.40;
constexpr double kGridSize = 0.01;  // degrees
constexpr const char* kPassword = "intake-bench-pw";
constexpr const char* kCategory = "E01.01";  // 暴露垃圾

struct Options {
  int clients = 64;
  double seconds = 10;
  double raw_seconds = 10;
  std::string db_url;  // empty: SQLite in a temp dir
  // Sessions resolved from memory (AppOptions::session_cache); 0: read from the
  // database on every request, as before the cache (for before/after figures).
  int64_t session_cache = -1;  // -1: the server's default
  // IntakeOptions::defer_sync (the WAL synced on the answer thread); 0: every
  // commit syncs on the writer thread, as before (for before/after figures).
  bool defer_sync = true;
};

Options ParseOptions(int argc, char** argv) {
  const char* usage =
      "[--clients N] [--seconds S] [--raw-seconds S] [--db-url postgresql://…] "
      "[--session-cache N] [--defer-sync 0|1]";
  CheckFlags(argc, argv,
             {"clients", "seconds", "raw-seconds", "db-url", "session-cache", "defer-sync"}, usage);
  Options o;
  o.clients = std::stoi(Flag(argc, argv, "clients", "64"));
  o.seconds = std::stod(Flag(argc, argv, "seconds", "10"));
  o.raw_seconds = std::stod(Flag(argc, argv, "raw-seconds", "10"));
  o.db_url = Flag(argc, argv, "db-url", "");
  o.session_cache = std::stoll(Flag(argc, argv, "session-cache", "-1"));
  o.defer_sync = Flag(argc, argv, "defer-sync", "1") != "0";
  if (o.clients < 1 || o.seconds <= 0 || o.raw_seconds <= 0) {
    std::fprintf(stderr, "intake_bench: --clients and the durations must be positive\n");
    std::exit(2);
  }
  if (!o.db_url.empty() && o.db_url.find("{db}") == std::string::npos) {
    std::fprintf(stderr, "intake_bench: --db-url needs \"{db}\" where the database name goes\n");
    std::exit(2);
  }
  return o;
}

// The two databases of a run: the one the server writes, and its clone taken
// before the run, which the raw loop writes. Removed afterwards.
class Databases {
 public:
  Databases(const Options& o, const std::string& dir) : template_(o.db_url), dir_(dir) {
    if (postgres()) {
      std::string suffix = std::to_string(getpid());
      names_ = {"cg_intake_" + suffix, "cg_intake_raw_" + suffix};
      Must(AdminExec(AdminUrl(), "CREATE DATABASE " + names_[0]), "create database");
    }
  }
  ~Databases() {
    for (const std::string& name : names_) {
      (void)AdminExec(AdminUrl(), "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }
  }
  bool postgres() const { return !template_.empty(); }
  std::string served() const {
    return postgres() ? WithDb(template_, names_[0]) : "sqlite:" + dir_ + "/intake.db";
  }
  std::string raw() const {
    return postgres() ? WithDb(template_, names_[1]) : "sqlite:" + dir_ + "/raw.db";
  }
  // Call with no connection open to the served database.
  void Clone() {
    if (postgres()) {
      Must(AdminExec(AdminUrl(), "CREATE DATABASE " + names_[1] + " TEMPLATE " + names_[0]),
           "clone database");
      return;
    }
    // A WAL left behind (normally checkpointed away on close) goes along.
    for (const char* suffix : {"", "-wal"}) {
      if (std::filesystem::exists(dir_ + "/intake.db" + suffix)) {
        std::filesystem::copy_file(dir_ + "/intake.db" + suffix, dir_ + "/raw.db" + suffix);
      }
    }
  }

 private:
  std::string AdminUrl() const { return WithDb(template_, "postgres"); }
  std::string template_;
  std::string dir_;
  std::vector<std::string> names_;
};

std::unique_ptr<app::App> OpenApp(const std::string& url, const std::string& dir,
                                  int64_t session_cache = -1, bool defer_sync = true) {
  app::AppOptions options;  // the server's durable defaults
  options.intake.defer_sync = defer_sync;
  if (session_cache >= 0) options.session_cache.capacity = static_cast<size_t>(session_cache);
  options.db_url = url;
  options.key_file = dir + "/pii.key";
  options.attachments_dir = dir + "/attachments";
  options.password.ops_limit = 1;  // logins are not what is measured
  options.password.mem_limit = 8192;
  return Must(app::App::Open(options), "open " + url);
}

std::string IdNumber(int serial) {
  std::string first17 = fmt::format("131022{:04}0101{:03}", 1950 + serial / 1000, serial % 1000);
  return first17 + core::IdNumberCheckChar(first17);
}

std::string Square(double west, double south) {
  double east = west + kGridSize, north = south + kGridSize;
  return fmt::format(R"({{"type":"Polygon","coordinates":[[[{0:.4f},{1:.4f}],[{2:.4f},{1:.4f}],)"
                     R"([{2:.4f},{3:.4f}],[{0:.4f},{3:.4f}],[{0:.4f},{1:.4f}]]]}})",
                     west, south, east, north);
}

struct County {
  std::vector<core::LonLat> grid_corners;  // south-west corner of each grid
};

// The county, its grids with boundaries, and one resident account per client.
County BuildCounty(app::App& app, int clients) {
  auto node = [&](std::optional<int64_t> parent, domain::OrgKind kind, std::string code,
                  std::string name) {
    return Must(app.tree().Create(nullptr, domain::NewOrgNode{parent, kind, std::move(code),
                                                              std::move(name), std::nullopt}),
                "org node");
  };
  auto county = node(std::nullopt, domain::OrgKind::kCounty, "131022", "固安县");
  auto street = node(county.id, domain::OrgKind::kStreet, "131022001", "固安镇");
  domain::NewAccount admin_account{
      "admin",   "admin",      kPassword,    domain::Role::kCountyAdmin,
      county.id, std::nullopt, std::nullopt, std::nullopt};
  Must(app.accounts().CreateAccount(nullptr, admin_account), "admin");
  domain::Caller admin = Must(app.CallerFor("admin"), "admin caller");
  County out;
  std::vector<domain::GridBoundary> boundaries;
  std::vector<domain::OrgNode> buildings;
  for (int c = 0; c < kCommunities; ++c) {
    std::string community_code = fmt::format("131022001{:03}", c + 1);
    auto community = node(street.id, domain::OrgKind::kCommunity, community_code,
                          fmt::format("第{}社区", c + 1));
    for (int g = 0; g < kGridsPerCommunity; ++g) {
      std::string code = community_code + fmt::format("{:03}", g + 1);
      auto grid = node(community.id, domain::OrgKind::kGrid, code, fmt::format("第{}网格", g + 1));
      buildings.push_back(
          node(grid.id, domain::OrgKind::kBuilding, code + "-01", fmt::format("{}号楼", g + 1)));
      int index = c * kGridsPerCommunity + g;
      core::LonLat corner{kWest + kGridSize * (index % 8), kSouth + kGridSize * (index / 8)};
      out.grid_corners.push_back(corner);
      boundaries.push_back(domain::GridBoundary{
          code, Square(corner.lon, corner.lat),
          core::LonLat{corner.lon + kGridSize / 2, corner.lat + kGridSize / 2}, ""});
    }
  }
  Must(app.tree().SetBoundaries(admin, boundaries), "boundaries");
  for (int i = 0; i < clients; ++i) {
    const domain::OrgNode& building = buildings[static_cast<size_t>(i) % buildings.size()];
    auto resident =
        Must(app.residents().Create(
                 admin, domain::NewResident{building.id, fmt::format("1-{}", 101 + i),
                                            fmt::format("居民{}", i + 1), IdNumber(i + 1),
                                            fmt::format("139{:08}", i + 1), 0}),
             "resident");
    domain::NewAccount account{fmt::format("resident{}", i + 1),
                               fmt::format("居民{}", i + 1),
                               kPassword,
                               domain::Role::kResident,
                               building.id,
                               std::nullopt,
                               std::nullopt,
                               std::nullopt};
    account.resident_id = resident.id;
    Must(app.accounts().CreateAccount(&admin, account), "resident account");
  }
  return out;
}

struct RunResult {
  double seconds = 0;
  double cpu_seconds = 0;            // the whole process (clients, server, writer) while submitting
  double load = 0;                   // 1-minute load average at the end
  std::vector<std::string> numbers;  // acknowledged
  std::vector<double> latencies_ms;
  int64_t failed = 0;
  std::string first_failure;
};

// One client: logs in, then submits until `stop`.
void Client(uint16_t port, int index, int64_t category_id, const County& county,
            const std::atomic<bool>& go, const std::atomic<bool>& stop, RunResult& out,
            std::mutex& mutex) {
  http::TestClient client(port);
  client.set_cookie_jar(true);
  auto login = client.Send(
      "POST", "/api/v1/session",
      fmt::format(R"({{"username":"resident{}","password":"{}"}})", index + 1, kPassword));
  if (login.status != 200) Fail("login", core::Error::Internal(login.body));
  SplitMix64 rng(static_cast<uint64_t>(index) + 1);
  std::vector<std::string> numbers;
  std::vector<double> latencies;
  int64_t failed = 0;
  std::string first_failure;
  while (!go.load()) std::this_thread::yield();
  for (int n = 0; !stop.load(std::memory_order_relaxed); ++n) {
    const core::LonLat& corner = county.grid_corners[rng.Next() % county.grid_corners.size()];
    json::object body{
        {"category_id", category_id},
        {"description", fmt::format("第{}号客户端的第{}条随手拍：路边垃圾堆积", index + 1, n + 1)},
        {"location", json::array{corner.lon + 0.001 + rng.Unit() * 0.008,
                                 corner.lat + 0.001 + rng.Unit() * 0.008}}};
    Stopwatch latency;
    auto response = client.Send("POST", "/api/v1/tickets", json::serialize(body),
                                {{"Idempotency-Key", fmt::format("bench-{}-{}", index, n)}});
    latencies.push_back(latency.Seconds() * 1000);
    if (response.status == 201) {
      numbers.emplace_back(response.Json().at("number").as_string());
    } else if (failed++ == 0) {
      first_failure = std::to_string(response.status) + " " + response.body;
    }
  }
  std::lock_guard lock(mutex);
  out.numbers.insert(out.numbers.end(), numbers.begin(), numbers.end());
  out.latencies_ms.insert(out.latencies_ms.end(), latencies.begin(), latencies.end());
  out.failed += failed;
  if (out.first_failure.empty()) out.first_failure = first_failure;
}

RunResult RunClients(uint16_t port, const Options& o, int64_t category_id, const County& county) {
  RunResult result;
  std::mutex mutex;
  std::atomic<bool> go{false}, stop{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < o.clients; ++i) {
    threads.emplace_back(Client, port, i, category_id, std::cref(county), std::cref(go),
                         std::cref(stop), std::ref(result), std::ref(mutex));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // logins
  Stopwatch clock;
  const double cpu = ProcessCpuSeconds();
  go = true;
  std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
  stop = true;
  for (std::thread& t : threads) t.join();
  result.seconds = clock.Seconds();
  result.cpu_seconds = ProcessCpuSeconds() - cpu;
  result.load = LoadAverage();
  return result;
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t index = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

std::vector<std::string> Columns(store::Connection& conn, const std::string& table) {
  std::string sql = conn.backend() == store::Backend::kSqlite
                        ? "SELECT name FROM pragma_table_info($1) ORDER BY cid"
                        : "SELECT column_name FROM information_schema.columns WHERE table_name = "
                          "$1 ORDER BY ordinal_position";
  store::Rows rows = Must(conn.Query(sql, {table}), "columns of " + table);
  std::vector<std::string> names;
  for (const auto& row : rows) names.push_back(row.Text(0));
  return names;
}

// The rows of one table, as stored, with the INSERT that writes them again.
struct TableRows {
  std::string insert;
  std::map<int64_t, std::vector<store::Params>> by_ticket;
};

TableRows ReadRows(store::Connection& conn, const std::string& table,
                   const std::string& ticket_column, int64_t after_ticket) {
  std::vector<std::string> columns = Columns(conn, table);
  std::string list, params;
  size_t ticket_index = 0;
  for (size_t i = 0; i < columns.size(); ++i) {
    list += (i ? ", " : "") + columns[i];
    params += (i ? ", $" : "$") + std::to_string(i + 1);
    if (columns[i] == ticket_column) ticket_index = i;
  }
  TableRows out;
  out.insert = "INSERT INTO " + table + " (" + list + ") VALUES (" + params + ")";
  store::Rows rows = Must(conn.Query("SELECT " + list + " FROM " + table + " WHERE " +
                                         ticket_column + " > $1 ORDER BY " + ticket_column,
                                     {after_ticket}),
                          "read " + table);
  for (const auto& row : rows) {
    store::Params values;
    for (size_t i = 0; i < row.size(); ++i) values.push_back(row.at(i));
    out.by_ticket[row.Int(ticket_index)].push_back(std::move(values));
  }
  return out;
}

struct RawResult {
  int64_t tickets = 0;
  double seconds = 0;
};

// One transaction (one durable commit) per ticket, in id order, for at most
// `budget` seconds.
RawResult RawInsert(const std::string& url, const std::vector<TableRows>& tables, double budget) {
  auto db = Must(store::OpenDb(url, store::DbOptions{.pool_size = 1}), "open clone");
  auto conn = Must(db->Acquire(), "acquire clone");
  RawResult result;
  Stopwatch clock;
  for (const auto& [ticket_id, ticket_rows] : tables.front().by_ticket) {
    auto tx = Must(store::Transaction::Begin(*conn), "begin");
    for (const TableRows& table : tables) {
      auto it = table.by_ticket.find(ticket_id);
      if (it == table.by_ticket.end()) continue;
      for (const store::Params& values : it->second) {
        Must(conn->Execute(table.insert, values), "raw insert");
      }
    }
    Must(tx.Commit(), "commit");
    ++result.tickets;
    if (clock.Seconds() >= budget) break;
  }
  result.seconds = clock.Seconds();
  return result;
}

int Run(const Options& o) {
  TempDir dir("cg-bench-intake-");
  Databases dbs(o, dir.path());
  const char* backend = dbs.postgres() ? "postgresql" : "sqlite";
  std::printf("# intake_bench: tier county, machine: %s\n", MachineLine().c_str());
  std::printf("# backend %s (%s), %d clients, %.0f s, session cache %s, deferred sync %s\n",
              backend, dbs.postgres() ? "fsync on" : "WAL, synchronous=FULL", o.clients, o.seconds,
              o.session_cache == 0 ? "off" : "on", o.defer_sync ? "on" : "off");
  County county;
  {
    auto app = OpenApp(dbs.served(), dir.path());
    county = BuildCounty(*app, o.clients);
  }
  dbs.Clone();
  int64_t tickets_before = 0;
  RunResult run;
  domain::IntakeStats stats;
  {
    auto app = OpenApp(dbs.served(), dir.path(), o.session_cache, o.defer_sync);
    auto conn = Must(app->db().Acquire(), "acquire");
    tickets_before = Must(conn->QueryInt("SELECT COALESCE(MAX(id), 0) FROM ticket"), "max id");
    int64_t category_id = Must(app->categories().GetByCode(kCategory), "category").id;
    ApiServer server(*app);
    run = RunClients(server.port(), o, category_id, county);
    server.Stop();
    stats = app->intake().stats();
  }  // the app, its writer and its pool are gone: what follows reads the database afresh

  auto db = Must(store::OpenDb(dbs.served(), store::DbOptions{.pool_size = 1}), "reopen");
  auto conn = Must(db->Acquire(), "acquire");
  int64_t rows =
      Must(conn->QueryInt("SELECT COUNT(*) FROM ticket WHERE id > $1", {tickets_before}), "count");
  std::set<std::string> stored;
  for (const auto& row :
       Must(conn->Query("SELECT number FROM ticket WHERE id > $1", {tickets_before}), "numbers")) {
    stored.insert(row.Text(0));
  }
  int64_t missing = 0;
  for (const std::string& number : run.numbers) missing += stored.count(number) == 0 ? 1 : 0;
  const int64_t acknowledged = static_cast<int64_t>(run.numbers.size());
  std::printf(
      "# verified after reopening: rows_added=%lld acknowledged=%lld missing=%lld failed=%lld\n",
      static_cast<long long>(rows), static_cast<long long>(acknowledged),
      static_cast<long long>(missing), static_cast<long long>(run.failed));
  if (missing > 0 || run.failed > 0 || rows != acknowledged) {
    Fail("verify", core::Error::Internal("acknowledged tickets and rows disagree; first failure: " +
                                         run.first_failure));
  }

  std::vector<TableRows> tables{ReadRows(*conn, "ticket", "id", tickets_before),
                                ReadRows(*conn, "ticket_event", "ticket_id", tickets_before),
                                ReadRows(*conn, "idempotency_key", "ticket_id", tickets_before)};
  RawResult raw = RawInsert(dbs.raw(), tables, o.raw_seconds);
  const double http_rate = static_cast<double>(acknowledged) / run.seconds;
  const double raw_rate = static_cast<double>(raw.tickets) / raw.seconds;
  std::printf(
      "intake %s clients=%d tickets=%lld tickets_per_s=%.0f raw_tickets=%lld raw_per_s=%.0f "
      "ratio=%s p50_ms=%.2f p99_ms=%.2f (tier county, %d cores) cpu_us_per_ticket=%.0f "
      "load=%.1f\n",
      backend, o.clients, static_cast<long long>(acknowledged), http_rate,
      static_cast<long long>(raw.tickets), raw_rate, Ratio(http_rate / raw_rate).c_str(),
      Percentile(run.latencies_ms, 0.50), Percentile(run.latencies_ms, 0.99), CoreCount(),
      run.cpu_seconds * 1e6 / static_cast<double>(std::max<int64_t>(acknowledged, 1)), run.load);
  if (!dbs.postgres()) {
    // The floor under any design that acknowledges only durable tickets: each
    // one waits for its own sync and, on average, half of the one in progress,
    // so N clients in a closed loop get at most N / (1.5 syncs) per second.
    const double sync_ms = FdatasyncMs(dir.path());
    const double ceiling = sync_ms > 0 ? o.clients / (1.5 * sync_ms / 1000.0) : 0;
    std::printf(
        "intake_disk %s fdatasync_p50_ms=%.2f ceiling_per_s=%.0f (clients / 1.5 syncs) "
        "tickets_to_ceiling=%s\n",
        backend, sync_ms, ceiling, ceiling > 0 ? Ratio(http_rate / ceiling).c_str() : "n/a");
  }
  PrintIntakeStats(backend, "http", stats, run.seconds);
  return 0;
}

}  // namespace
}  // namespace civicgrid::bench

int main(int argc, char** argv) {
  return civicgrid::bench::RunMain(argc, argv, civicgrid::bench::ParseOptions,
                                   civicgrid::bench::Run);
}
