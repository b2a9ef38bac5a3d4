// ledger_bench: the time bank's ledger (爱心存折, docs/timebank.md) against the
// storage it runs on, on SQLite (the server's defaults: WAL, fsync on every
// commit) or PostgreSQL (--db-url).
//
// Postings. Balanced transfers (a community pool to a member, service
// minutes) through the service's posting path: TimeBank::Post, one posting
// per transaction (as an approval commits), and TimeBank::PostBatch, --batch
// postings per transaction (as the demo and imports post). Each writes one
// posting row, two entries and two balances. The limit, measured in the same
// run on the same database: the raw insert rate of one narrow row per
// transaction (for the single path) and of rows inserted --batch per
// transaction (for the batch path), timed in slices alternating with the
// ledger's. ratio = postings/s ÷ raw rows/s.
//
// Statement (province tier). --accounts accounts (10M) are generated directly
// in the database with one opening entry each, then one member with a long
// history (--history entries, posted through PostBatch); the member reads
// their own 爱心存折 through TimeBank::MyStatement: the first page (20
// entries, newest first) and a later keyset page (the middle of the history).
// Each is timed --samples times; ratio = p99 ÷ 50 ms (the limit of the issue).
//
//   ledger_bench [--seconds S] [--raw-seconds S] [--batch B] [--accounts N]
//                [--history H] [--samples K] [--part postings|statement|all]
//                [--db-url postgresql://…]
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "bench_support.h"
#include "core/pii.h"
#include "domain/access/account_service.h"
#include "domain/registry/org_tree.h"
#include "domain/registry/party.h"
#include "domain/schema.h"
#include "domain/timebank/timebank.h"
#include "domain/timebank/timebank_store.h"
#include "store/migrate.h"

namespace civicgrid::bench {
namespace {

using domain::Currency;
using domain::HolderKind;

struct Options {
  double seconds = 5;
  double raw_seconds = 5;
  int64_t batch = 1000;
  int64_t accounts = 10'000'000;
  int64_t history = 20'000;
  int64_t samples = 1000;
  std::string db_url;        // empty: a SQLite file in a temporary directory
  std::string part = "all";  // postings, statement or all
};

Options ParseOptions(int argc, char** argv) {
  const char* usage =
      "[--seconds S] [--raw-seconds S] [--batch B] [--accounts N] [--history H] [--samples K] "
      "[--part postings|statement|all] [--db-url postgresql://…]";
  CheckFlags(
      argc, argv,
      {"seconds", "raw-seconds", "batch", "accounts", "history", "samples", "part", "db-url"},
      usage);
  Options o;
  o.seconds = std::stod(Flag(argc, argv, "seconds", "5"));
  o.raw_seconds = std::stod(Flag(argc, argv, "raw-seconds", "5"));
  o.batch = std::stoll(Flag(argc, argv, "batch", "1000"));
  o.accounts = std::stoll(Flag(argc, argv, "accounts", "10000000"));
  o.history = std::stoll(Flag(argc, argv, "history", "20000"));
  o.samples = std::stoll(Flag(argc, argv, "samples", "1000"));
  o.db_url = Flag(argc, argv, "db-url", "");
  o.part = Flag(argc, argv, "part", "all");
  if (o.seconds <= 0 || o.raw_seconds <= 0 || o.batch < 1 || o.accounts < 0 || o.history < 40 ||
      o.samples < 10 || (o.part != "all" && o.part != "postings" && o.part != "statement")) {
    std::fprintf(stderr, "ledger_bench: %s (history ≥ 40, samples ≥ 10)\n", usage);
    std::exit(2);
  }
  return o;
}

// The services the benchmark drives, over one database (as the server wires them).
struct Services {
  Services(store::Db& database, const core::PiiCipher& key)
      : db(database),
        audit(clock),
        accounts(db, clock, audit, domain::AccountOptions{core::PasswordOptions{1, 8192}}),
        tree(db, clock, audit, [] {}),
        party(db, clock, audit, key),
        timebank(db, clock, audit) {}
  store::Db& db;
  core::SystemClock clock;
  domain::AuditLog audit;
  domain::AccountService accounts;
  domain::OrgTreeService tree;
  domain::PartyService party;
  domain::TimeBank timebank;
};

// The world the ledger needs: a community with its pool, a member (with a
// party_member row, for the statement) and bench holders (accounts only).
struct World {
  int64_t community_id = 0;
  std::string community_path;
  int64_t member_id = 0;
  domain::Caller member;
  int64_t pool = 0;            // the community's service-minutes pool
  int64_t member_account = 0;  // the member's service minutes
  std::vector<int64_t> holders;
};

World Build(Services& app) {
  auto node = [&](std::optional<int64_t> parent, domain::OrgKind kind, std::string code,
                  std::string name) {
    return Must(app.tree.Create(nullptr, domain::NewOrgNode{parent, kind, std::move(code),
                                                            std::move(name), std::nullopt}),
                "org node");
  };
  auto county = node(std::nullopt, domain::OrgKind::kCounty, "131022", "固安县");
  auto street = node(county.id, domain::OrgKind::kStreet, "131022001", "固安镇");
  auto community = node(street.id, domain::OrgKind::kCommunity, "131022001001", "第一社区");
  auto grid = node(community.id, domain::OrgKind::kGrid, "131022001001001", "第一网格");
  domain::Caller admin;
  admin.account_id =
      Must(app.accounts.CreateAccount(nullptr, domain::NewAccount{"admin",
                                                                  "admin",
                                                                  "civicgrid-bench-1",
                                                                  domain::Role::kCountyAdmin,
                                                                  county.id,
                                                                  {},
                                                                  {},
                                                                  {}}),
           "admin");
  admin.role = domain::Role::kCountyAdmin;
  admin.scope_node_id = county.id;
  admin.scope_path = county.path;
  auto branch = Must(app.party.CreateOrg(admin, domain::NewPartyOrg{grid.id, std::nullopt,
                                                                    domain::PartyOrgKind::kBranch,
                                                                    "第一网格党支部"}),
                     "branch");
  const std::string first17 = "13102219700101123";
  auto member = Must(app.party.CreateMember(
                         admin, domain::NewPartyMember{"党员一",
                                                       first17 + core::IdNumberCheckChar(first17),
                                                       std::nullopt,
                                                       branch.id,
                                                       std::nullopt,
                                                       community.id,
                                                       std::nullopt,
                                                       {},
                                                       false}),
                     "member");
  World w;
  w.community_id = community.id;
  w.community_path = community.path;
  w.member_id = member.id;
  w.member.role = domain::Role::kPartyMember;
  w.member.scope_node_id = community.id;
  w.member.scope_path = community.path;
  w.member.party_member_id = member.id;
  auto conn = Must(app.db.Acquire(), "connection");
  auto tx = Must(store::Transaction::Begin(*conn), "transaction");
  auto& bank = app.timebank;
  w.pool = Must(bank.EnsureAccount(*conn, HolderKind::kCommunity, community.id,
                                   Currency::kServiceMinutes),
                "pool")
               .id;
  w.member_account =
      Must(bank.EnsureAccount(*conn, HolderKind::kMember, member.id, Currency::kServiceMinutes),
           "member account")
          .id;
  const int64_t now = app.clock.NowMs();
  for (int64_t i = 0; i < 1000; ++i) {
    domain::tb::Holder h{HolderKind::kMember, 1'000'000'000 + i, "志愿者",
                         community.id,        community.path,    community.id};
    w.holders.push_back(
        Must(domain::tb::EnsureAccount(*conn, h, Currency::kServiceMinutes, now), "holder").id);
  }
  Must(tx.Commit(), "commit");
  return w;
}

domain::NewPosting Credit(int64_t pool, int64_t account, const std::string& key) {
  domain::NewPosting p;
  p.kind = domain::PostingKind::kHours;
  p.idempotency_key = key;
  p.memo = "志愿服务";
  p.legs = {{pool, -60}, {account, 60}};
  p.ref_type = "activity";
  p.ref_id = 1;
  return p;
}

// The first three fields of /proc/loadavg: the machine is shared, so figures say how busy it was.
std::string LoadAverage() {
  std::FILE* f = std::fopen("/proc/loadavg", "r");
  if (f == nullptr) return "?";
  double one = 0, five = 0, fifteen = 0;
  const int n = std::fscanf(f, "%lf %lf %lf", &one, &five, &fifteen);
  std::fclose(f);
  if (n != 3) return "?";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f %.2f %.2f", one, five, fifteen);
  return buf;
}

struct Rate {
  int64_t n = 0;
  double seconds = 0;
  double per_s() const { return static_cast<double>(n) / seconds; }
};

// One posting per transaction, as an approval commits.
Rate PostSingle(Services& app, const World& w, double budget, int64_t& serial) {
  auto conn = Must(app.db.Acquire(), "connection");
  Rate r;
  Stopwatch clock;
  while (clock.Seconds() < budget) {
    auto tx = Must(store::Transaction::Begin(*conn), "transaction");
    const int64_t account = w.holders[static_cast<size_t>(serial % 1000)];
    Must(app.timebank.Post(*conn, Credit(w.pool, account, "bench-" + std::to_string(serial++))),
         "post");
    Must(tx.Commit(), "commit");
    ++r.n;
  }
  r.seconds = clock.Seconds();
  return r;
}

// `batch` postings per transaction through PostBatch.
Rate PostBatches(Services& app, const World& w, double budget, int64_t batch, int64_t& serial) {
  auto conn = Must(app.db.Acquire(), "connection");
  Rate r;
  Stopwatch clock;
  while (clock.Seconds() < budget) {
    std::vector<domain::NewPosting> postings;
    for (int64_t i = 0; i < batch; ++i) {
      const int64_t account = w.holders[static_cast<size_t>(serial % 1000)];
      postings.push_back(Credit(w.pool, account, "bench-" + std::to_string(serial++)));
    }
    auto tx = Must(store::Transaction::Begin(*conn), "transaction");
    r.n += Must(app.timebank.PostBatch(*conn, postings), "post batch");
    Must(tx.Commit(), "commit");
  }
  r.seconds = clock.Seconds();
  return r;
}

// The limit: narrow rows inserted `per_tx` to a transaction on the same database.
Rate RawInserts(Services& app, double budget, int64_t per_tx) {
  auto conn = Must(app.db.Acquire(), "connection");
  const bool pg = app.db.backend() == store::Backend::kPostgres;
  Must(conn->ExecScript(std::string("CREATE TABLE IF NOT EXISTS bench_raw (id ") +
                        (pg ? "BIGSERIAL" : "INTEGER") +
                        " PRIMARY KEY, account_id BIGINT NOT NULL, amount BIGINT NOT NULL, day "
                        "TEXT NOT NULL, at BIGINT NOT NULL)"),
       "raw table");
  Rate r;
  Stopwatch clock;
  while (clock.Seconds() < budget) {
    auto tx = Must(store::Transaction::Begin(*conn), "transaction");
    for (int64_t i = 0; i < per_tx; ++i) {
      Must(conn->Execute("INSERT INTO bench_raw (account_id, amount, day, at) VALUES ($1, $2, $3, "
                         "$4)",
                         {r.n % 1000, int64_t{60}, std::string("2026-12-07"), r.n}),
           "raw insert");
      ++r.n;
    }
    Must(tx.Commit(), "commit");
  }
  r.seconds = clock.Seconds();
  return r;
}

// The limit and the ledger measured in alternating slices, so both see the same machine (shared
// with other builds: a disk flush or a compile slows whichever runs at that moment).
void PrintPostings(Services& app, const World& w, const Options& o, const std::string& backend) {
  constexpr int kSlices = 10;
  int64_t serial = 0;
  Rate raw_single, single, raw_batch, batch;
  auto add = [](Rate& total, const Rate& slice) {
    total.n += slice.n;
    total.seconds += slice.seconds;
  };
  for (int i = 0; i < kSlices; ++i) {
    add(raw_single, RawInserts(app, o.raw_seconds / kSlices, 1));
    add(single, PostSingle(app, w, o.seconds / kSlices, serial));
  }
  for (int i = 0; i < kSlices; ++i) {
    add(raw_batch, RawInserts(app, o.raw_seconds / kSlices, o.batch));
    add(batch, PostBatches(app, w, o.seconds / kSlices, o.batch, serial));
  }
  std::printf(
      "ledger_postings %s single postings=%lld postings_per_s=%.0f raw_rows_per_s=%.0f "
      "ratio=%s\n",
      backend.c_str(), static_cast<long long>(single.n), single.per_s(), raw_single.per_s(),
      Ratio(single.per_s() / raw_single.per_s()).c_str());
  std::printf(
      "ledger_postings %s batch=%lld postings=%lld postings_per_s=%.0f raw_rows_per_s=%.0f "
      "ratio=%s\n",
      backend.c_str(), static_cast<long long>(o.batch), static_cast<long long>(batch.n),
      batch.per_s(), raw_batch.per_s(), Ratio(batch.per_s() / raw_batch.per_s()).c_str());
}

// --accounts accounts and an opening entry each, straight into the tables, a million to a
// transaction. Holder ids start at 2e9 (no party_member rows: nobody reads their statements).
void GenerateAccounts(Services& app, const World& w, int64_t accounts) {
  auto conn = Must(app.db.Acquire(), "connection");
  const bool pg = app.db.backend() == store::Backend::kPostgres;
  const int64_t now = app.clock.NowMs();
  auto tx0 = Must(store::Transaction::Begin(*conn), "transaction");
  const int64_t opening =
      Must(app.timebank.Post(*conn, Credit(w.pool, w.holders[0], "bench-opening")), "opening")
          .posting_id;
  Must(tx0.Commit(), "commit");
  const int64_t chunk = 1'000'000;
  for (int64_t lo = 0; lo < accounts; lo += chunk) {
    const int64_t hi = std::min(accounts, lo + chunk);
    const std::string numbers =
        pg ? "SELECT x FROM generate_series($1::bigint, $2::bigint) AS g(x)"
           : "WITH RECURSIVE g(x) AS (SELECT $1 UNION ALL SELECT x + 1 FROM g WHERE x < $2) "
             "SELECT x FROM g";
    auto tx = Must(store::Transaction::Begin(*conn), "transaction");
    const int64_t first =
        Must(conn->QueryInt("SELECT COALESCE(MAX(id), 0) FROM tb_account"), "max");
    Must(conn->Execute("INSERT INTO tb_account (holder_kind, holder_id, currency, node_id, path, "
                       "community_id, name, allow_negative, balance, created_at) SELECT 'member', "
                       "2000000000 + x, 'service_minutes', $3, $4, $3, '', 0, 60, $5 FROM (" +
                           numbers + ") AS n",
                       {lo + 1, hi, w.community_id, w.community_path, now}),
         "accounts");
    Must(conn->Execute("INSERT INTO tb_entry (posting_id, account_id, currency, amount, "
                       "balance_after, kind, day, at) SELECT $1, id, 'service_minutes', 60, 60, "
                       "'hours', '2026-01-05', $2 FROM tb_account WHERE id > $3",
                       {opening, now, first}),
         "entries");
    Must(tx.Commit(), "commit");
  }
}

// The member's long history: `history` credits through PostBatch.
void GenerateHistory(Services& app, const World& w, int64_t history) {
  auto conn = Must(app.db.Acquire(), "connection");
  for (int64_t lo = 0; lo < history; lo += 1000) {
    std::vector<domain::NewPosting> postings;
    for (int64_t i = lo; i < std::min(history, lo + 1000); ++i) {
      postings.push_back(Credit(w.pool, w.member_account, "history-" + std::to_string(i)));
    }
    auto tx = Must(store::Transaction::Begin(*conn), "transaction");
    Must(app.timebank.PostBatch(*conn, postings), "history");
    Must(tx.Commit(), "commit");
  }
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

void PrintStatements(Services& app, const World& w, const Options& o, const std::string& backend) {
  // The later page starts after the entry in the middle of the history (newest first).
  auto conn = Must(app.db.Acquire(), "connection");
  const int64_t middle =
      Must(conn->QueryInt("SELECT id FROM tb_entry WHERE account_id = $1 ORDER BY id DESC LIMIT "
                          "1 OFFSET $2",
                          {w.member_account, o.history / 2}),
           "middle entry");
  const int64_t accounts = Must(conn->QueryInt("SELECT COUNT(*) FROM tb_account"), "accounts");
  const int64_t entries = Must(conn->QueryInt("SELECT COUNT(*) FROM tb_entry"), "entries");
  std::vector<double> first, later;
  for (int64_t i = 0; i < o.samples + 20; ++i) {
    for (int64_t after : {int64_t{0}, middle}) {
      Stopwatch t;
      auto s = Must(app.timebank.MyStatement(w.member, Currency::kServiceMinutes, {after, 20}),
                    "statement");
      const double ms = t.Seconds() * 1000;
      if (s.entries.size() != 20u) Fail("statement", core::Error::Internal("short page"));
      if (i >= 20) (after == 0 ? first : later).push_back(ms);  // the first 20 warm the cache
    }
  }
  for (auto [name, v] : {std::pair{"first_page", &first}, std::pair{"later_page", &later}}) {
    const double p50 = Percentile(*v, 0.50), p99 = Percentile(*v, 0.99);
    std::printf(
        "ledger_statement %s province accounts=%lld entries=%lld history=%lld %s samples=%lld "
        "p50_ms=%.2f p99_ms=%.2f limit_ms=50 ratio=%s\n",
        backend.c_str(), static_cast<long long>(accounts), static_cast<long long>(entries),
        static_cast<long long>(o.history), name, static_cast<long long>(v->size()), p50, p99,
        Ratio(p99 / 50.0).c_str());
  }
}

int Run(const Options& o) {
  std::printf("ledger_bench machine: %s; load average %s\n", MachineLine().c_str(),
              LoadAverage().c_str());
  TempDir dir("ledger-bench");
  const bool pg = !o.db_url.empty();
  std::unique_ptr<PgScratch> scratch;
  std::string url = "sqlite:" + dir.path() + "/ledger.db";
  if (pg) {
    scratch = std::make_unique<PgScratch>(o.db_url, "cg_ledger");
    url = scratch->url();
  }
  const std::string backend = pg ? "postgres" : "sqlite";
  auto db = Must(store::OpenDb(url, store::DbOptions{.pool_size = 2}), "open database");
  {
    auto conn = Must(db->Acquire(), "connection");
    Must(store::Migrate(*conn, domain::Migrations()), "migrate");
  }
  const core::PiiCipher key = Must(core::PiiCipher::LoadOrCreate(dir.path() + "/pii.key"), "key");
  Services app(*db, key);
  World w = Build(app);
  if (o.part != "statement") PrintPostings(app, w, o, backend);
  if (o.part == "postings") return 0;
  Stopwatch generate;
  GenerateAccounts(app, w, o.accounts);
  GenerateHistory(app, w, o.history);
  std::printf("ledger_statement %s generated accounts=%lld history=%lld in %.1f s\n",
              backend.c_str(), static_cast<long long>(o.accounts),
              static_cast<long long>(o.history), generate.Seconds());
  if (pg) {
    auto conn = Must(db->Acquire(), "connection");
    Must(conn->ExecScript("ANALYZE tb_account; ANALYZE tb_entry"), "analyze");
  }
  PrintStatements(app, w, o, backend);
  std::printf("ledger_bench done; load average %s\n", LoadAverage().c_str());
  return 0;
}

}  // namespace
}  // namespace civicgrid::bench

int main(int argc, char** argv) {
  return civicgrid::bench::RunMain(argc, argv, &civicgrid::bench::ParseOptions,
                                   &civicgrid::bench::Run);
}
