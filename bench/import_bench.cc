// import_bench: a county's residents (tier county, 500,000 rows) through
// Importer::ImportResidents end to end — decode, parse, validate, seal the PII
// with libsodium, households, insert, all in one durable transaction — and, as
// the limit measured in the same run on the same backend, a raw batched insert
// of the very same final column values (read back from the import, so sealing
// is already done) into a fresh copy of the resident table: one prepared
// statement, 1000 rows per transaction. Prints rows/s of both and import/raw,
// how the import's time splits (its CPU steps re-timed on their own), peak
// RSS, and then what listing residents costs at this size: a page of 50 as
// GET /api/v1/residents reads it, against the same page read by primary key.
//
//   import_bench [--rows N] [--db-url postgresql://…] [--sqlite-cache-mib MiB]
//
// Without --db-url the database is a SQLite file in TMPDIR with the server's
// defaults (WAL, synchronous=FULL). A PostgreSQL URL must name an empty
// database, or contain "{db}": a database is then created beside "postgres"
// and dropped afterwards.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "app/app.h"
#include "bench_support.h"
#include "core/csv.h"
#include "core/pii.h"
#include "core/text_encoding.h"
#include "domain/schema.h"
#include "store/migrate.h"
#include "store/open.h"

namespace civicgrid::bench {
namespace {

using domain::OrgKind;

constexpr int64_t kDefaultRows = 500'000;
constexpr int kStreets = 10;
constexpr int kCommunitiesPerStreet = 5;
constexpr int kGridsPerCommunity = 5;
constexpr int kBuildingsPerGrid = 10;  // 2,500 buildings in all
constexpr int kResidentsPerHousehold = 3;
constexpr int64_t kBirthDays = 30'000;  // birth dates from 1940-01-01 on, about 82 years
constexpr int64_t kRawBatch = 1000;
constexpr const char* kCountyCode = "131022";

constexpr std::string_view kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄",
                                          "周", "吴", "徐", "孙", "胡", "朱", "高", "林"};
constexpr std::string_view kGiven[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军",
                                       "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀",
                                       "霞", "平", "刚", "桂", "英", "华", "建", "国", "红"};

struct Options {
  int64_t rows = kDefaultRows;
  std::string db_url;  // empty: a SQLite file in a temp dir
  // An experiment, off by default: SQLite's page cache in MiB for the whole
  // run (0: the store's setting, SQLite's default of 2 MiB).
  int64_t sqlite_cache_mib = 0;
};

// One CSV row, derived from its index alone so the file and the timing of
// the validation step see identical data without keeping 500k structs.
struct SourceRow {
  std::string name;
  std::string id_number;
  std::string phone;
  int building = 0;  // index into the building list
  std::string room;
  std::string flags;
};

SourceRow RowAt(int64_t i, int64_t per_building) {
  static const int64_t kFirstDay = core::DaysFromCivil({1940, 1, 1});
  SourceRow r;
  size_t nsur = std::size(kSurnames), ngiven = std::size(kGiven);
  r.name = std::string(kSurnames[i % nsur]) + std::string(kGiven[(i / 7) % ngiven]) +
           std::string(kGiven[(i / 11) % ngiven]);
  core::CivilDate birth = core::CivilFromDays(kFirstDay + i % kBirthDays);
  std::string first17 = fmt::format("{}{:04}{:02}{:02}{:03}", kCountyCode, birth.year, birth.month,
                                    birth.day, i / kBirthDays);
  r.id_number = first17 + core::IdNumberCheckChar(first17);
  r.phone = fmt::format("1{}{:09}", "3456789"[i % 7], i);
  r.building = static_cast<int>(i / per_building);
  int64_t household = (i % per_building) / kResidentsPerHousehold;
  r.room =
      fmt::format("{}-{}{:02}", household / 36 + 1, (household % 36) / 2 + 1, household % 2 + 1);
  r.flags = i % 20 == 0 ? "elder_alone" : i % 53 == 0 ? "disabled|low_income" : "";
  return r;
}

struct Building {
  int64_t id = 0;
  std::string code;
};

core::Result<domain::OrgNode> Node(domain::OrgTreeService& tree, store::Connection& conn,
                                   std::optional<int64_t> parent, OrgKind kind, std::string code,
                                   std::string name) {
  return tree.InsertNode(
      conn, domain::NewOrgNode{parent, kind, std::move(code), std::move(name), std::nullopt});
}

// county → 10 streets → 50 communities → 250 grids → 2,500 buildings; returns the county id.
core::Result<int64_t> BuildTree(app::App& app, std::vector<Building>& buildings) {
  auto& tree = app.tree();
  CG_ASSIGN_OR_RETURN(auto conn, app.db().Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(auto county,
                      Node(tree, *conn, std::nullopt, OrgKind::kCounty, kCountyCode, "固安县"));
  for (int s = 1; s <= kStreets; ++s) {
    CG_ASSIGN_OR_RETURN(auto street,
                        Node(tree, *conn, county.id, OrgKind::kStreet,
                             fmt::format("{}{:03}", kCountyCode, s), fmt::format("第{}街道", s)));
    for (int c = 1; c <= kCommunitiesPerStreet; ++c) {
      CG_ASSIGN_OR_RETURN(auto community,
                          Node(tree, *conn, street.id, OrgKind::kCommunity,
                               fmt::format("{}{:03}", street.code, c), fmt::format("第{}社区", c)));
      for (int g = 1; g <= kGridsPerCommunity; ++g) {
        CG_ASSIGN_OR_RETURN(
            auto grid, Node(tree, *conn, community.id, OrgKind::kGrid,
                            fmt::format("{}{:03}", community.code, g), fmt::format("第{}网格", g)));
        for (int b = 1; b <= kBuildingsPerGrid; ++b) {
          CG_ASSIGN_OR_RETURN(
              auto building, Node(tree, *conn, grid.id, OrgKind::kBuilding,
                                  fmt::format("{}-{:02}", grid.code, b), fmt::format("{}号楼", b)));
          buildings.push_back({building.id, building.code});
        }
      }
    }
  }
  CG_TRY(tx.Commit());
  return county.id;
}

std::string MakeCsv(int64_t rows, int64_t per_building, const std::vector<Building>& buildings) {
  std::string csv = "name,id_number,phone,building_code,room,flags\n";
  csv.reserve(static_cast<size_t>(rows) * 90);
  auto out = std::back_inserter(csv);
  for (int64_t i = 0; i < rows; ++i) {
    SourceRow r = RowAt(i, per_building);
    fmt::format_to(out, "{},{},{},{},{},{}\n", r.name, r.id_number, r.phone,
                   buildings[r.building].code, r.room, r.flags);
  }
  return csv;
}

// The resident table's DDL from the migrations, renamed to `name`: the raw
// insert goes into the same columns, constraints and indexes.
core::Result<std::string> ResidentTableCopy(store::Backend backend, const std::string& name) {
  for (const store::Migration& m : domain::Migrations()) {
    size_t start = m.sql.find("CREATE TABLE resident (");
    if (start == std::string::npos) continue;
    std::string ddl = m.sql.substr(start, m.sql.find(");", start) + 2 - start);
    ddl.replace(0, std::string_view("CREATE TABLE resident").size(), "CREATE TABLE " + name);
    for (size_t at = m.sql.find(" ON resident("); at != std::string::npos;
         at = m.sql.find(" ON resident(", at + 1)) {
      size_t line = m.sql.rfind("CREATE INDEX ", at);
      size_t cols = at + std::string_view(" ON resident").size();
      std::string index = m.sql.substr(line + 13, at - line - 13);
      ddl += "\nCREATE INDEX " + name + index.substr(std::string_view("resident").size()) + " ON " +
             name + m.sql.substr(cols, m.sql.find(';', cols) + 1 - cols);
    }
    return store::TranslateDialect(ddl, backend);
  }
  return core::Error::Internal("no CREATE TABLE resident in the migrations");
}

constexpr std::string_view kColumns =
    "node_id, household_id, name, sex, birth_date, id_number_enc, id_number_hash, "
    "id_number_masked, phone_enc, phone_hash, phone_masked, flags, created_at, updated_at";

core::Result<std::vector<store::Params>> FinalRows(store::Connection& conn) {
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query("SELECT " + std::string(kColumns) + " FROM resident ORDER BY id"));
  std::vector<store::Params> out;
  out.reserve(rows.size());
  for (const store::Row& row : rows) {
    store::Params p;
    p.reserve(row.size());
    for (size_t i = 0; i < row.size(); ++i) p.push_back(row.at(i));
    out.push_back(std::move(p));
  }
  return out;
}

// The limit: prepared INSERTs of final values, kRawBatch rows per transaction. Seconds.
core::Result<double> RawInsert(store::Connection& conn, const std::vector<store::Params>& rows) {
  std::string sql = "INSERT INTO resident_raw (" + std::string(kColumns) +
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
  Stopwatch clock;
  for (size_t start = 0; start < rows.size(); start += kRawBatch) {
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(conn));
    size_t end = std::min(rows.size(), start + static_cast<size_t>(kRawBatch));
    for (size_t i = start; i < end; ++i) CG_TRY(conn.Execute(sql, rows[i]));
    CG_TRY(tx.Commit());
  }
  return clock.Seconds();
}

std::vector<std::string> SplitFlags(const std::string& flags) {
  std::vector<std::string> out;
  for (size_t start = 0; start < flags.size();) {
    size_t end = std::min(flags.find('|', start), flags.size());
    out.push_back(flags.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Times the importer's CPU steps on their own, after the run: decoding and
// parsing the CSV, and validating + sealing each row (sealing also alone).
struct Breakdown {
  double parse_s = 0;
  double validate_s = 0;
  double seal_s = 0;
};

Breakdown TimeSteps(app::App& app, const std::string& csv, int64_t rows, int64_t per_building,
                    const std::vector<Building>& buildings) {
  Breakdown b;
  Stopwatch parse;
  std::string text = Must(core::ToUtf8(csv), "decode");
  auto records = Must(core::ParseCsv(text), "parse");
  b.parse_s = parse.Seconds();
  if (static_cast<int64_t>(records.size()) != rows + 1)
    Fail("parse", core::Error::Internal("rows"));
  records.clear();
  Stopwatch validate;
  for (int64_t i = 0; i < rows; ++i) {
    SourceRow r = RowAt(i, per_building);
    auto flags = Must(domain::ParseResidentFlags(SplitFlags(r.flags), "flags"), "flags");
    Must(app.residents().Validate(domain::NewResident{buildings[r.building].id, r.room, r.name,
                                                      r.id_number, r.phone, flags},
                                  "line " + std::to_string(i + 2)),
         "validate");
  }
  b.validate_s = validate.Seconds();
  Stopwatch seal;
  for (int64_t i = 0; i < rows; ++i) {
    SourceRow r = RowAt(i, per_building);
    domain::SealIdNumber(app.cipher(), r.id_number);
    domain::SealPhone(app.cipher(), r.phone);
  }
  b.seal_s = seal.Seconds();
  return b;
}

constexpr int kListPages = 5;
constexpr int64_t kListLimit = 50;

// Milliseconds per page of ResidentService::List (what GET /api/v1/residents
// runs) over the first pages as a county admin, and per page of the same rows
// read straight by primary key: the limit.
std::pair<double, double> TimeListPages(app::App& app, store::Connection& conn,
                                        const domain::Caller& admin) {
  domain::ResidentFilter filter;
  filter.page.limit = kListLimit;
  Stopwatch list;
  for (int i = 0; i < kListPages; ++i) {
    auto page = Must(app.residents().List(admin, filter), "list residents");
    filter.page.after = page.next_after.value_or(0);
  }
  double list_ms = list.Seconds() * 1e3 / kListPages;
  int64_t after = 0;
  Stopwatch raw;
  for (int i = 0; i < kListPages; ++i) {
    auto rows = Must(conn.Query("SELECT id, node_id, household_id, name, sex, birth_date, "
                                "id_number_masked, phone_masked, flags, created_at FROM resident "
                                "WHERE id > $1 ORDER BY id LIMIT $2",
                                {after, kListLimit}),
                     "page by id");
    after = rows.back().Int(0);
  }
  return {list_ms, raw.Seconds() * 1e3 / kListPages};
}

core::Status AdminExec(const std::string& url, const std::string& sql) {
  CG_ASSIGN_OR_RETURN(auto admin, store::OpenDb(url, store::DbOptions{.pool_size = 1}));
  CG_ASSIGN_OR_RETURN(auto conn, admin->Acquire());
  return conn->ExecScript(sql);
}

std::string Replace(std::string s, std::string_view what, std::string_view with) {
  return s.replace(s.find(what), what.size(), with);
}

// Creates (and later drops) a PostgreSQL database when the URL has "{db}".
class PgScratch {
 public:
  explicit PgScratch(std::string url) : template_(std::move(url)) {
    if (template_.find("{db}") == std::string::npos) return;
    name_ = fmt::format("cg_bench_{}", getpid());
    Must(AdminExec(Replace(template_, "{db}", "postgres"), "CREATE DATABASE " + name_),
         "create database");
  }
  ~PgScratch() {
    if (name_.empty()) return;
    (void)AdminExec(Replace(template_, "{db}", "postgres"),
                    "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
  std::string url() const { return name_.empty() ? template_ : Replace(template_, "{db}", name_); }

 private:
  std::string template_;
  std::string name_;
};

Options ParseOptions(int argc, char** argv) {
  CheckFlags(argc, argv, {"rows", "db-url", "sqlite-cache-mib"},
             "[--rows N] [--db-url postgresql://…] [--sqlite-cache-mib MiB]");
  Options o;
  o.rows = std::stoll(Flag(argc, argv, "rows", std::to_string(kDefaultRows)));
  o.db_url = Flag(argc, argv, "db-url", "");
  o.sqlite_cache_mib = std::stoll(Flag(argc, argv, "sqlite-cache-mib", "0"));
  if (o.rows < 1 || o.rows >= kBirthDays * 1000) {
    std::fprintf(stderr, "import_bench: --rows must be in 1..%lld\n",
                 static_cast<long long>(kBirthDays * 1000 - 1));
    std::exit(2);
  }
  return o;
}

std::unique_ptr<app::App> OpenApp(const std::string& url, const std::string& dir) {
  app::AppOptions options;
  options.db_url = url;
  options.key_file = dir + "/pii.key";
  options.password.ops_limit = 1;  // one bootstrap account; argon2 cost is not measured
  options.password.mem_limit = 8192;
  auto app = Must(app::App::Open(options), "open " + url);
  auto conn = Must(app->db().Acquire(), "acquire");
  if (Must(conn->QueryInt("SELECT COUNT(*) FROM org_node"), "count") != 0) {
    Fail("open", core::Error::Invalid("db-url", "the database must be empty"));
  }
  return app;
}

domain::Caller Admin(app::App& app, int64_t county_id) {
  Must(app.accounts().CreateAccount(
           nullptr,
           domain::NewAccount{"admin", "县管理员", "bench-password-1", domain::Role::kCountyAdmin,
                              county_id, std::nullopt, std::nullopt, std::nullopt}),
       "create admin");
  return Must(app.CallerFor("admin"), "admin caller");
}

struct Figures {
  double import_s = 0;
  double raw_s = 0;
  double import_written_mib = 0;
  double raw_written_mib = 0;
  Memory before;
  Memory after;
  Breakdown steps;
};

void Report(const Options& o, std::string_view backend, const Figures& f) {
  double rows = static_cast<double>(o.rows);
  double import_rate = rows / f.import_s, raw_rate = rows / f.raw_s;
  std::printf("import_residents %s rows=%lld seconds=%.2f rows_per_s=%.0f (one transaction)\n",
              backend.data(), static_cast<long long>(o.rows), f.import_s, import_rate);
  std::printf("raw_insert %s rows=%lld seconds=%.2f rows_per_s=%.0f (prepared, %lld rows/tx)\n",
              backend.data(), static_cast<long long>(o.rows), f.raw_s, raw_rate,
              static_cast<long long>(kRawBatch));
  double insert_s = f.import_s - f.steps.parse_s - f.steps.validate_s;
  auto pct = [&](double s) { return 100.0 * s / f.import_s; };
  std::printf(
      "import_steps decode+parse=%.2fs (%.0f%%) validate+seal=%.2fs (%.0f%%, sealing alone "
      "%.2fs) households+insert+commit=%.2fs (%.0f%%, the remainder)\n",
      f.steps.parse_s, pct(f.steps.parse_s), f.steps.validate_s, pct(f.steps.validate_s),
      f.steps.seal_s, insert_s, pct(insert_s));
  if (backend == "sqlite") {  // PostgreSQL writes from its own processes
    std::printf("disk_writes import_mib=%.0f raw_mib=%.0f (write_bytes of /proc/self/io)\n",
                f.import_written_mib, f.raw_written_mib);
  }
  std::printf("memory rss_before_import_mib=%.0f peak_rss_mib=%.0f (VmHWM after the import)\n",
              f.before.rss_mib, f.after.peak_mib);
  std::printf(
      "import_residents %s rows=%lld rows_per_s=%.0f raw_rows_per_s=%.0f ratio=%s "
      "(tier county, %d cores)\n",
      backend.data(), static_cast<long long>(o.rows), import_rate, raw_rate,
      Ratio(import_rate / raw_rate).c_str(), CoreCount());
}

// The experiment of --sqlite-cache-mib. The pool has opened one connection
// so far and every step below reuses it.
void SetSqliteCache(app::App& app, int64_t mib) {
  auto conn = Must(app.db().Acquire(), "acquire");
  Must(conn->ExecScript(fmt::format("PRAGMA cache_size=-{}", mib * 1024)), "cache_size");
  std::printf("# experiment: SQLite page cache %lld MiB\n", static_cast<long long>(mib));
}

void TimeImport(app::App& app, const domain::Caller& admin, const std::string& csv, int64_t rows,
                Figures& f) {
  f.before = ProcessMemory();
  double written = WrittenMib();
  Stopwatch clock;
  auto report = Must(app.importer().ImportResidents(admin, csv), "import");
  f.import_s = clock.Seconds();
  f.after = ProcessMemory();
  f.import_written_mib = WrittenMib() - written;
  if (!report.ok() || report.inserted != rows) {
    Fail("import", core::Error::Internal(
                       fmt::format("inserted {} of {} rows; first issue: {}", report.inserted, rows,
                                   report.issues.empty() ? "" : report.issues[0].message)));
  }
}

void TimeRawInsert(store::Connection& conn, int64_t rows, Figures& f) {
  Must(conn.ExecScript(Must(ResidentTableCopy(conn.backend(), "resident_raw"), "ddl")),
       "create resident_raw");
  std::vector<store::Params> values = Must(FinalRows(conn), "read back");
  double written = WrittenMib();
  f.raw_s = Must(RawInsert(conn, values), "raw insert");
  f.raw_written_mib = WrittenMib() - written;
  if (Must(conn.QueryInt("SELECT COUNT(*) FROM resident_raw"), "count") != rows) {
    Fail("raw insert", core::Error::Internal("row count"));
  }
}

int Run(const Options& o) {
  TempDir dir("cg-bench-import-");
  PgScratch pg(o.db_url);
  bool sqlite = o.db_url.empty();
  std::string_view backend = sqlite ? "sqlite" : "postgresql";
  std::printf("# import_bench: tier county (500k residents), machine: %s\n", MachineLine().c_str());
  std::printf("# backend %s%s%s\n", backend.data(),
              sqlite ? " (WAL, synchronous=FULL), file in " : "", sqlite ? dir.path().c_str() : "");
  auto app = OpenApp(sqlite ? "sqlite:" + dir.path() + "/bench.db" : pg.url(), dir.path());
  if (o.sqlite_cache_mib > 0 && sqlite) SetSqliteCache(*app, o.sqlite_cache_mib);
  std::vector<Building> buildings;
  domain::Caller admin = Admin(*app, Must(BuildTree(*app, buildings), "org tree"));
  int64_t per_building = (o.rows + static_cast<int64_t>(buildings.size()) - 1) /
                         static_cast<int64_t>(buildings.size());
  std::string csv = MakeCsv(o.rows, per_building, buildings);
  std::printf("# %zu buildings, %lld residents each, CSV %.1f MiB\n", buildings.size(),
              static_cast<long long>(per_building), static_cast<double>(csv.size()) / 1048576.0);

  Figures f;
  TimeImport(*app, admin, csv, o.rows, f);
  auto conn = Must(app->db().Acquire(), "acquire");
  TimeRawInsert(*conn, o.rows, f);
  f.steps = TimeSteps(*app, csv, o.rows, per_building, buildings);
  Report(o, backend, f);
  auto [list_ms, pk_ms] = TimeListPages(*app, *conn, admin);
  std::printf(
      "list_residents %s residents=%lld limit=%lld ms_per_page=%.2f pk_page_ms=%.3f "
      "ratio=%s (tier county, %d cores)\n",
      backend.data(), static_cast<long long>(o.rows), static_cast<long long>(kListLimit), list_ms,
      pk_ms, Ratio(list_ms / pk_ms).c_str(), CoreCount());
  return 0;
}

}  // namespace
}  // namespace civicgrid::bench

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured
  return civicgrid::bench::Run(civicgrid::bench::ParseOptions(argc, argv));
}
