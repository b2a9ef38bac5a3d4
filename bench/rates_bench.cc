// rates_bench: the rates query at tier city (1,000,000 tickets a year). A
// city tree (8 counties → 80 streets → 800 communities → 4,800 grids) gets a
// year of tickets with plausible outcomes, inserted directly in bulk; the
// rollups are rebuilt (TicketStats::Rebuild); then TicketStats::Rates — the
// whole service call: pool, read transaction, scope check, rollup sums — is
// timed for a county and a street over a calendar month, over the year and
// over a 31-day window that is not a calendar month (day rows), and
// TicketStats::Rankings for the streets of a county and for the counties of the
// city. Each figure is printed as its p50 and p99, as a ratio to the 50 ms aim,
// and as a ratio to a limit measured in the same run on the same data: a raw
// SELECT COUNT(*) of the node's tickets in the period on the ticket table
// (index ticket_path_created), the least any query straight on the tickets
// must do.
//
// The bench checks what it times, and exits 1 naming the first mismatch: the
// ticket count after the bulk insert; for every node a timed Rates call read,
// tally.received equal to the raw count of its tickets in the period (and, for
// counties, to the direct aggregate's count and demands); the year's counties
// adding up to every ticket inserted; each ranking listing every child of its
// parent, with received adding up to the parent's count. A figure is printed
// only once its results are verified.
//
//   rates_bench [--tickets N] [--samples N] [--db-url postgresql://…]
//
// SQLite (a file in TMPDIR, the server's defaults) always; PostgreSQL as well
// with --db-url or when CIVICGRID_TEST_PG is set (scripts/with-postgres): a
// URL with "{db}" gets a scratch database created beside "postgres" and
// dropped afterwards.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/app.h"
#include "bench_support.h"

namespace civicgrid::bench {
namespace {

using core::kMsPerDay;
using core::kMsPerHour;
using core::kMsPerMinute;
using domain::OrgKind;

constexpr int64_t kDefaultTickets = 1'000'000;
constexpr int64_t kDefaultSamples = 400;
constexpr int kCounties = 8;
constexpr int kStreetsPerCounty = 10;
constexpr int kCommunitiesPerStreet = 10;
constexpr int kGridsPerCommunity = 6;
constexpr int64_t kInsertBatch = 100;   // rows per INSERT statement
constexpr int64_t kRowsPerTx = 20'000;  // rows per transaction
constexpr int kYear = 2025;             // the tickets' year
constexpr double kAimMs = 50.0;         // the p99 aim
constexpr int64_t kDirectSamples = 20;  // the direct aggregate is slow

constexpr const char* kDirectSql =
    "SELECT COUNT(*), SUM(CASE WHEN state <> 'rejected' AND duplicate_of IS NULL AND NOT (state "
    "= 'closed' AND resolved_at IS NULL) THEN 1 ELSE 0 END), SUM(CASE WHEN responded_at <= "
    "respond_due THEN 1 ELSE 0 END), SUM(CASE WHEN state IN ('resolved', 'closed') AND "
    "resolved_at IS NOT NULL THEN 1 ELSE 0 END), SUM(CASE WHEN rating >= 3 THEN 1 ELSE 0 END), "
    "COUNT(rating), SUM(CASE WHEN callback_outcome = 'solved' THEN 1 ELSE 0 END), SUM(CASE WHEN "
    "callback_outcome = 'unsolved' THEN 1 ELSE 0 END), SUM(resolved_at - created_at) FROM ticket "
    "WHERE path >= $1 AND path < $2 AND created_at >= $3 AND created_at < $4";

struct Options {
  int64_t tickets = kDefaultTickets;
  int64_t samples = kDefaultSamples;
  std::string pg_url;  // empty: SQLite only
};

struct Node {
  int64_t id = 0;
  std::string path;
};

struct City {
  Node root;
  std::vector<Node> counties, streets, grids;
};

// The tree in one transaction, with ids chosen here so paths need no read-back.
City BuildCity(store::Connection& conn) {
  City city;
  int64_t next_id = 1;
  auto tx = Must(store::Transaction::Begin(conn), "begin");
  auto add = [&](const Node* parent, OrgKind kind, const std::string& code) {
    Node n{next_id++, (parent ? parent->path : "/") + std::to_string(next_id - 1) + "/"};
    Must(conn.Execute("INSERT INTO org_node (id, parent_id, kind, code, name, path, created_at, "
                      "updated_at) VALUES ($1, $2, $3, $4, $5, $6, 0, 0)",
                      {n.id, parent ? store::Value(parent->id) : store::Value(),
                       std::string(domain::OrgKindName(kind)), code, code, n.path}),
         "insert node");
    return n;
  };
  city.root = add(nullptr, OrgKind::kCity, "130900");
  for (int c = 0; c < kCounties; ++c) {
    city.counties.push_back(add(&city.root, OrgKind::kCounty, fmt::format("1309{:02}", 21 + c)));
    const Node county = city.counties.back();
    for (int s = 0; s < kStreetsPerCounty; ++s) {
      city.streets.push_back(
          add(&county, OrgKind::kStreet, fmt::format("1309{:02}{:03}", 21 + c, s)));
      const Node street = city.streets.back();
      for (int m = 0; m < kCommunitiesPerStreet; ++m) {
        const Node community =
            add(&street, OrgKind::kCommunity, fmt::format("1309{:02}{:03}{:03}", 21 + c, s, m));
        for (int g = 0; g < kGridsPerCommunity; ++g) {
          city.grids.push_back(add(&community, OrgKind::kGrid,
                                   fmt::format("1309{:02}{:03}{:03}{:03}", 21 + c, s, m, g)));
        }
      }
    }
  }
  if (conn.backend() == store::Backend::kPostgres) {  // later inserts take ids from the sequence
    Must(conn.ExecScript("SELECT setval(pg_get_serial_sequence('org_node', 'id'), "
                         "(SELECT MAX(id) FROM org_node))"),
         "sequence");
  }
  Must(tx.Commit(), "commit tree");
  return city;
}

// The instant `d` starts in Asia/Shanghai.
int64_t StartMs(core::CivilDate d) {
  return core::DaysFromCivil(d) * kMsPerDay - core::kShanghaiOffsetMs;
}

double Exponential(SplitMix64& rng, double mean) { return -mean * std::log(1.0 - rng.Unit()); }

// One ticket's column values: filed during kYear, mostly handled in time.
void AppendTicket(SplitMix64& rng, const City& city, int64_t serial, int64_t category_id,
                  store::Params& p) {
  // Busier grids: the square skews the choice towards the low indexes.
  double u = rng.Unit();
  const Node& grid =
      city.grids[static_cast<size_t>(u * u * static_cast<double>(city.grids.size()))];
  int64_t created = StartMs({kYear, 1, 1}) + static_cast<int64_t>(rng.Unit() * 365) * kMsPerDay +
                    (7 * kMsPerHour) + static_cast<int64_t>(rng.Unit() * 14 * kMsPerHour);
  int64_t accept_due = domain::SlaDeadline(created, 2 * 60);
  int64_t respond_due = domain::SlaDeadline(created, 24 * 60);
  int64_t resolve_due = domain::SlaDeadline(created, 7 * 24 * 60);
  auto after = [&](int64_t from, double mean_minutes) {
    return from + static_cast<int64_t>(Exponential(rng, mean_minutes) * kMsPerMinute);
  };
  double fate = rng.Unit();
  std::string state = "closed";
  std::optional<int64_t> accepted, responded, resolved, closed, rating;
  std::optional<std::string> callback;
  if (fate < 0.03) {
    state = "rejected";
    closed = after(created, 60);
  } else if (fate < 0.05) {
    accepted = after(created, 40);
    closed = after(*accepted, 600);  // withdrawn
  } else {
    accepted = after(created, 40);
    responded = after(*accepted, 180);
    if (fate < 0.10) {
      state = "in_progress";
    } else {
      resolved = after(*responded, 3 * 24 * 60);
      double r = rng.Unit();
      if (r < 0.7) {
        rating = r < 0.42 ? 5 : r < 0.56 ? 4 : r < 0.63 ? 3 : r < 0.67 ? 2 : 1;
        closed = after(*resolved, 24 * 60);
      } else {
        state = "resolved";
      }
      double c = rng.Unit();
      if (c < 0.5) callback = c < 0.42 ? "solved" : c < 0.47 ? "unsolved" : "unreachable";
    }
  }
  int64_t overdue = (accepted && *accepted > accept_due ? 1 : 0) |
                    (responded && *responded > respond_due ? 2 : 0) |
                    (resolved && *resolved > resolve_due ? 4 : 0);
  int64_t updated = closed ? *closed : resolved ? *resolved : created;
  store::Params row{fmt::format("130900-{}-{:07}", kYear, serial),
                    "report",
                    "h5",
                    category_id,
                    grid.id,
                    grid.path,
                    "路灯不亮",
                    "小区门口路灯不亮",
                    state,
                    int64_t{1},
                    created,
                    accept_due,
                    respond_due,
                    resolve_due,
                    accepted,
                    responded,
                    resolved,
                    closed,
                    rating,
                    callback,
                    overdue,
                    updated};
  p.insert(p.end(), row.begin(), row.end());
}

constexpr int64_t kTicketColumns = 22;

std::string InsertSql(int64_t rows) {
  std::string sql =
      "INSERT INTO ticket (number, kind, channel, category_id, node_id, path, title, "
      "description, state, version, created_at, accept_due, respond_due, resolve_due, "
      "accepted_at, responded_at, resolved_at, closed_at, rating, callback_outcome, overdue, "
      "updated_at) VALUES ";
  for (int64_t r = 0; r < rows; ++r) {
    sql += r == 0 ? "(" : ", (";
    for (int64_t c = 0; c < kTicketColumns; ++c) {
      sql += fmt::format("{}${}", c == 0 ? "" : ", ", r * kTicketColumns + c + 1);
    }
    sql += ")";
  }
  return sql;
}

double InsertTickets(store::Connection& conn, const City& city, int64_t tickets,
                     int64_t category_id) {
  SplitMix64 rng(20250101);
  const std::string batch_sql = InsertSql(kInsertBatch);
  Stopwatch clock;
  for (int64_t done = 0; done < tickets;) {
    auto tx = Must(store::Transaction::Begin(conn), "begin");
    for (int64_t in_tx = 0; in_tx < kRowsPerTx && done < tickets;) {
      int64_t n = std::min(kInsertBatch, tickets - done);
      store::Params p;
      p.reserve(static_cast<size_t>(n * kTicketColumns));
      for (int64_t i = 0; i < n; ++i) AppendTicket(rng, city, done + i + 1, category_id, p);
      Must(conn.Execute(n == kInsertBatch ? batch_sql : InsertSql(n), p), "insert tickets");
      done += n;
      in_tx += n;
    }
    Must(tx.Commit(), "commit tickets");
  }
  return clock.Seconds();
}

// Stops the bench when what it timed gave a wrong answer: a fast wrong
// result is no result.
void Expect(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "rates_bench: FAILED: %s\n", what.c_str());
    std::exit(1);
  }
}

// What the timed calls answered, per node id, to compare afterwards.
using CountByNode = std::map<int64_t, int64_t>;

// Each node's count must be in `expected`, equal, and some of them non-zero.
void ExpectSameCounts(const CountByNode& got, const CountByNode& expected,
                      const std::string& what) {
  Expect(!got.empty() && got.size() == expected.size(),
         fmt::format("{}: {} nodes answered, {} counted", what, got.size(), expected.size()));
  int64_t total = 0;
  for (const auto& [node, count] : got) {
    const auto it = expected.find(node);
    Expect(it != expected.end() && it->second == count,
           fmt::format("{}: node {} received {}, but it has {} tickets in the period", what, node,
                       count, it == expected.end() ? -1 : it->second));
    total += count;
  }
  Expect(total > 0, what + ": no tickets at all in the period");
}

struct Percentiles {
  double p50_ms = 0;
  double p99_ms = 0;
};

Percentiles Time(int64_t samples, const std::function<void(int64_t)>& run) {
  run(0);  // warm the statement caches
  std::vector<double> ms;
  for (int64_t i = 0; i < samples; ++i) {
    Stopwatch clock;
    run(i);
    ms.push_back(clock.Seconds() * 1e3);
  }
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) {
    size_t k = static_cast<size_t>(std::ceil(q * static_cast<double>(ms.size()))) - 1;
    return ms[std::min(k, ms.size() - 1)];
  };
  return Percentiles{at(0.50), at(0.99)};
}

const Node& Pick(const std::vector<Node>& nodes, int64_t i) {
  return nodes[static_cast<size_t>(i) % nodes.size()];
}

// The limit: a raw COUNT(*) of the tickets of `nodes[i]`'s subtree filed in
// [lo, hi), over index ticket_path_created.
// Each node's count goes into `counts`.
Percentiles TimeRawCount(store::Connection& conn, int64_t samples, const std::vector<Node>& nodes,
                         int64_t lo, int64_t hi, CountByNode& counts) {
  return Time(samples, [&](int64_t i) {
    const Node& node = Pick(nodes, i);
    domain::PathRange r = domain::SubtreeRange(node.path);
    counts[node.id] = Must(conn.QueryInt("SELECT COUNT(*) FROM ticket WHERE path >= $1 AND path "
                                         "< $2 AND created_at >= $3 AND created_at < $4",
                                         {r.lo, r.hi, lo, hi}),
                           "count");
  });
}

struct Period {
  const char* name;
  core::CivilDate from, to;
};

void Report(std::string_view backend, const std::string& what, const Percentiles& q,
            const Percentiles& limit) {
  std::printf(
      "%s %s p50_ms=%.3f p99_ms=%.3f p99_to_50ms=%s raw_count_p50_ms=%.3f raw_count_p99_ms=%.3f "
      "ratio_p50=%s ratio_p99=%s (tier city, %d cores)\n",
      what.c_str(), backend.data(), q.p50_ms, q.p99_ms, Ratio(q.p99_ms / kAimMs).c_str(),
      limit.p50_ms, limit.p99_ms, Ratio(q.p50_ms / limit.p50_ms).c_str(),
      Ratio(q.p99_ms / limit.p99_ms).c_str(), CoreCount());
}

void RunBackend(const Options& o, const std::string& url, std::string_view backend,
                const std::string& dir) {
  app::AppOptions options;
  options.db_url = url;
  options.key_file = dir + "/pii.key";
  options.attachments_dir = dir + "/attachments";
  auto app = Must(app::App::Open(options), "open " + url);
  auto conn = Must(app->db().Acquire(), "acquire");
  City city = BuildCity(*conn);
  int64_t category_id = Must(app->categories().List(), "categories").front().id;
  double insert_s = InsertTickets(*conn, city, o.tickets, category_id);
  const int64_t in_table = Must(conn->QueryInt("SELECT COUNT(*) FROM ticket"), "count tickets");
  Expect(in_table == o.tickets,
         fmt::format("{} tickets inserted, {} in the table", o.tickets, in_table));
  std::printf("# %s: %zu counties, %zu streets, %zu grids; %lld tickets inserted in %.1f s\n",
              backend.data(), city.counties.size(), city.streets.size(), city.grids.size(),
              static_cast<long long>(o.tickets), insert_s);
  Stopwatch rebuild_clock;
  Must(app->stats().Rebuild(), "rebuild");
  double rebuild_s = rebuild_clock.Seconds();
  int64_t rows = Must(conn->QueryInt("SELECT COUNT(*) FROM ticket_rollup"), "rollup rows");
  Expect(rows > 0, "the rebuild wrote no rollup rows");
  std::printf("rates_rebuild %s tickets=%lld rollup_rows=%lld seconds=%.1f tickets_per_s=%.0f\n",
              backend.data(), static_cast<long long>(o.tickets), static_cast<long long>(rows),
              rebuild_s, static_cast<double>(o.tickets) / rebuild_s);

  domain::Caller admin;
  admin.role = domain::Role::kCountyAdmin;
  admin.scope_node_id = city.root.id;
  admin.scope_path = city.root.path;
  const Period periods[] = {{"month", {kYear, 6, 1}, {kYear, 6, 30}},
                            {"year", {kYear, 1, 1}, {kYear, 12, 31}},
                            {"window31", {kYear, 3, 15}, {kYear, 4, 14}}};
  struct Level {
    const char* name;
    const std::vector<Node>* nodes;
  };
  const Level levels[] = {{"county", &city.counties}, {"street", &city.streets}};
  for (const Level& level : levels) {
    const std::vector<Node>& nodes = *level.nodes;
    for (const Period& p : periods) {
      const std::string what = fmt::format("rates_query {}_{}", level.name, p.name);
      CountByNode received, demands;
      Percentiles rates = Time(o.samples, [&](int64_t i) {
        const Node& node = Pick(nodes, i);
        auto figures = Must(app->stats().Rates(admin, node.id, p.from, p.to), "rates");
        Expect(
            figures.node.id == node.id &&
                core::DaysFromCivil(figures.from) == core::DaysFromCivil(p.from) &&
                core::DaysFromCivil(figures.to) == core::DaysFromCivil(p.to),
            fmt::format("{}: asked for node {}, answered node {}", what, node.id, figures.node.id));
        received[node.id] = figures.tally.received;
        demands[node.id] = figures.tally.demands;
      });
      int64_t lo = StartMs(p.from), hi = StartMs(p.to) + kMsPerDay;
      CountByNode counted;
      Percentiles count = TimeRawCount(*conn, o.samples, nodes, lo, hi, counted);
      ExpectSameCounts(received, counted, what);
      if (std::string_view(p.name) == "year" && level.nodes == &city.counties &&
          received.size() == nodes.size()) {
        int64_t total = 0;
        for (const auto& [node, n] : received) total += n;
        Expect(total == o.tickets, fmt::format("{}: the counties received {} tickets in all, {} "
                                               "were inserted",
                                               what, total, o.tickets));
      }
      Report(backend, what, rates, count);
      if (level.nodes != &city.counties) continue;
      // For scale, not as the limit: the main counters straight from the
      // ticket rows, as a query without rollups would read them.
      Percentiles direct = Time(std::min<int64_t>(o.samples, kDirectSamples), [&](int64_t i) {
        const Node& node = Pick(nodes, i);
        domain::PathRange r = domain::SubtreeRange(node.path);
        store::Row row = Must(conn->QueryOne(kDirectSql, {r.lo, r.hi, lo, hi}), "direct");
        Expect(row.Int(0) == received.at(node.id) && row.Int(1) == demands.at(node.id),
               fmt::format("rates_direct county_{}: node {} has {} tickets and {} demands in the "
                           "rows, the rollups say {} and {}",
                           p.name, node.id, row.Int(0), row.Int(1), received.at(node.id),
                           demands.at(node.id)));
      });
      std::printf(
          "rates_direct county_%s %s p50_ms=%.1f p99_ms=%.1f rollup_speedup_p50=%s (main counters "
          "from the ticket rows; tier city, %d cores)\n",
          p.name, backend.data(), direct.p50_ms, direct.p99_ms,
          Ratio(direct.p50_ms / rates.p50_ms).c_str(), CoreCount());
    }
  }
  // Rankings: the streets of a county, the counties of the city, for June.
  struct Parent {
    const char* name;
    std::vector<Node> nodes;
    size_t children;
  };
  const Parent parents[] = {{"county_streets", city.counties, kStreetsPerCounty},
                            {"city_counties", {city.root}, kCounties}};
  for (const Parent& parent : parents) {
    const std::string what = fmt::format("rates_ranking {}_month", parent.name);
    CountByNode received;
    Percentiles ranking = Time(o.samples, [&](int64_t i) {
      const Node& node = Pick(parent.nodes, i);
      auto r = Must(app->stats().Rankings(admin, node.id, domain::YearMonth{kYear, 6}), "ranking");
      Expect(r.parent.id == node.id && r.items.size() == parent.children,
             fmt::format("{}: node {} ranked {} children, it has {}", what, node.id, r.items.size(),
                         parent.children));
      int64_t sum = 0;
      for (const domain::RankedNode& item : r.items) sum += item.figures.tally.received;
      received[node.id] = sum;
    });
    CountByNode counted;
    Percentiles count = TimeRawCount(*conn, o.samples, parent.nodes, StartMs({kYear, 6, 1}),
                                     StartMs({kYear, 7, 1}), counted);
    ExpectSameCounts(received, counted, what + " (children's sum)");
    Report(backend, what, ranking, count);
  }
}

Options ParseOptions(int argc, char** argv) {
  CheckFlags(argc, argv, {"tickets", "samples", "db-url"},
             "[--tickets N] [--samples N] [--db-url postgresql://…]");
  Options o;
  o.tickets = std::stoll(Flag(argc, argv, "tickets", std::to_string(kDefaultTickets)));
  o.samples = std::stoll(Flag(argc, argv, "samples", std::to_string(kDefaultSamples)));
  const char* env = std::getenv("CIVICGRID_TEST_PG");
  o.pg_url = Flag(argc, argv, "db-url", env != nullptr ? env : "");
  if (o.tickets < 1 || o.samples < 1) {
    std::fprintf(stderr, "rates_bench: --tickets and --samples must be positive\n");
    std::exit(2);
  }
  return o;
}

int Run(const Options& o) {
  std::printf("# rates_bench: tier city (%lld tickets in %d), machine: %s\n",
              static_cast<long long>(o.tickets), kYear, MachineLine().c_str());
  {
    TempDir dir("cg-bench-rates-");
    std::printf("# backend sqlite (WAL, synchronous=FULL), file in %s\n", dir.path().c_str());
    RunBackend(o, "sqlite:" + dir.path() + "/bench.db", "sqlite", dir.path());
  }
  if (!o.pg_url.empty()) {
    TempDir dir("cg-bench-rates-pg-");
    PgScratch pg(o.pg_url, "cg_rates_bench");
    std::printf("# backend postgresql\n");
    RunBackend(o, pg.url(), "postgresql", dir.path());
  }
  return 0;
}

}  // namespace
}  // namespace civicgrid::bench

int main(int argc, char** argv) {
  return civicgrid::bench::RunMain(argc, argv, civicgrid::bench::ParseOptions,
                                   civicgrid::bench::Run);
}
