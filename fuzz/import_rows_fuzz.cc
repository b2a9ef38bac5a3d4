// libFuzzer target: CSV imports of residents and party members
// (domain::Importer), end to end on a small SQLite registry: file decoding,
// header reading, each row turned into a resident or member, scope checks and
// the all-or-nothing write.
//
// Input: the first byte picks the import and the caller (byte % 4: 0 residents
// as county admin, 1 party members as county admin, 2 residents as the
// secretary of community A, 3 party members as that secretary; byte / 4 % 4,
// when not 0, caps the issues reported); the rest is the uploaded file.
// The registry (made once per process) is the domain test fixture's small
// tree: buildings 131022001001001-01 and 131022001001002-01 in community A
// (131022001001), 131022001002001-01 in community B (131022001002); party
// organisation 1 in community A, 2 in community B.
//
// Besides no crash, hang or out-of-bounds read:
//   - a whole-file refusal is "invalid" and names a field (never a database
//     or internal error, whatever a row holds), and writes nothing;
//   - a report counts every data row; when it has issues, nothing was written
//     and it says inserted = 0; each issue names its line ("line N…") and
//     there are at most max_issues;
//   - when it has none, exactly `rows` rows were written (and are removed
//     again, so that every input starts from the same registry).
// A broken property calls __builtin_trap() so the fuzzer reports the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/crypto.h"
#include "core/time.h"
#include "domain/access/audit_log.h"
#include "domain/registry/importer.h"
#include "domain/registry/org_tree.h"
#include "domain/registry/party.h"
#include "domain/registry/residents.h"
#include "domain/registry/units.h"
#include "domain/schema.h"
#include "store/migrate.h"
#include "store/open.h"

namespace {

namespace domain = civicgrid::domain;
namespace store = civicgrid::store;
using civicgrid::core::ErrorCode;

void Check(bool condition) {
  if (!condition) {
    __builtin_trap();
  }
}

// Set-up failures are not findings: say what broke and stop.
template <typename T>
T Must(civicgrid::core::Result<T> result, const char* what) {
  if (!result.ok()) {
    std::fprintf(stderr, "import_rows_fuzz: %s: %s\n", what, result.error().message.c_str());
    std::abort();
  }
  return std::move(result).value();
}

struct Registry {
  std::filesystem::path dir;
  std::unique_ptr<store::Db> db;
  civicgrid::core::FakeClock clock{1'790'000'000'000};
  civicgrid::core::PiiCipher cipher = civicgrid::core::PiiCipher::FromKeys({1, 2, 3}, {4, 5, 6});
  std::unique_ptr<domain::AuditLog> audit;
  std::unique_ptr<domain::OrgTreeService> tree;
  std::unique_ptr<domain::ResidentService> residents;
  std::unique_ptr<domain::PartyService> party;
  std::unique_ptr<domain::UnitService> units;
  std::unique_ptr<domain::Importer> importer;
  domain::Caller county_admin;
  domain::Caller secretary_a;

  ~Registry() {
    importer.reset();
    db.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

Registry* g_registry = nullptr;

domain::Caller CallerAt(domain::Role role, const domain::OrgNode& node) {
  domain::Caller caller;
  caller.account_id = 1000 + static_cast<int64_t>(role);
  caller.username = "fuzz";
  caller.role = role;
  caller.scope_node_id = node.id;
  caller.scope_path = node.path;
  caller.request_id = "fuzz";
  return caller;
}

void MakeRegistry() {
  auto registry = std::make_unique<Registry>();
  std::string dir_template =
      (std::filesystem::temp_directory_path() / "civicgrid-import-fuzz-XXXXXX").string();
  if (mkdtemp(dir_template.data()) == nullptr) {
    std::perror("import_rows_fuzz: mkdtemp");
    std::abort();
  }
  registry->dir = dir_template;
  Registry& r = *registry;
  r.db = Must(store::OpenDb("sqlite:" + (r.dir / "registry.db").string()), "open");
  {
    auto conn = Must(r.db->Acquire(), "acquire");
    Must(store::Migrate(*conn, domain::Migrations()), "migrate");
  }
  r.audit = std::make_unique<domain::AuditLog>(r.clock);
  r.tree = std::make_unique<domain::OrgTreeService>(*r.db, r.clock, *r.audit);
  r.residents = std::make_unique<domain::ResidentService>(*r.db, r.clock, *r.audit, r.cipher);
  r.party = std::make_unique<domain::PartyService>(*r.db, r.clock, *r.audit, r.cipher);
  r.units = std::make_unique<domain::UnitService>(*r.db, r.clock, *r.audit);
  r.importer = std::make_unique<domain::Importer>(*r.db, r.clock, *r.audit, *r.residents, *r.party,
                                                  *r.units, *r.tree);
  auto node = [&](std::optional<int64_t> parent, domain::OrgKind kind, const char* code) {
    return Must(r.tree->Create(nullptr, domain::NewOrgNode{parent, kind, code, code, std::nullopt}),
                code);
  };
  using K = domain::OrgKind;
  const auto county = node(std::nullopt, K::kCounty, "131022");
  const auto street = node(county.id, K::kStreet, "131022001");
  const auto community_a = node(street.id, K::kCommunity, "131022001001");
  const auto community_b = node(street.id, K::kCommunity, "131022001002");
  const auto grid_a1 = node(community_a.id, K::kGrid, "131022001001001");
  const auto grid_a2 = node(community_a.id, K::kGrid, "131022001001002");
  const auto grid_b1 = node(community_b.id, K::kGrid, "131022001002001");
  node(grid_a1.id, K::kBuilding, "131022001001001-01");
  node(grid_a2.id, K::kBuilding, "131022001001002-01");
  node(grid_b1.id, K::kBuilding, "131022001002001-01");
  r.county_admin = CallerAt(domain::Role::kCountyAdmin, county);
  r.secretary_a = CallerAt(domain::Role::kCommunitySecretary, community_a);
  const auto org_a =
      Must(r.party->CreateOrg(r.county_admin, {community_a.id, std::nullopt,
                                               domain::PartyOrgKind::kCommittee, "A 社区党委"}),
           "party org A");
  const auto org_b =
      Must(r.party->CreateOrg(r.county_admin, {community_b.id, std::nullopt,
                                               domain::PartyOrgKind::kCommittee, "B 社区党委"}),
           "party org B");
  if (org_a.id != 1 || org_b.id != 2) {
    std::fprintf(stderr, "import_rows_fuzz: party organisations are not 1 and 2\n");
    std::abort();
  }
  g_registry = registry.release();
  std::atexit([] { delete g_registry; });
}

struct Counts {
  int64_t residents = 0;
  int64_t households = 0;
  int64_t members = 0;
  bool operator==(const Counts&) const = default;
};

Counts Count(store::Connection& conn) {
  return Counts{Must(conn.QueryInt("SELECT COUNT(*) FROM resident"), "count"),
                Must(conn.QueryInt("SELECT COUNT(*) FROM household"), "count"),
                Must(conn.QueryInt("SELECT COUNT(*) FROM party_member"), "count")};
}

// household_visit (民情台账) holds a row per household, made by a trigger.
void Clear(store::Connection& conn) {
  for (const char* sql : {"DELETE FROM resident", "DELETE FROM household_visit",
                          "DELETE FROM household", "DELETE FROM party_member"}) {
    Must(conn.Execute(sql), sql);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  MakeRegistry();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  Registry& r = *g_registry;
  const bool party = (data[0] & 1) != 0;
  const domain::Caller& caller = (data[0] & 2) != 0 ? r.secretary_a : r.county_admin;
  domain::ImportOptions options;
  if (const size_t cap = (data[0] >> 2) % 4; cap != 0) {
    options.max_issues = cap;
  }
  const std::string_view file(reinterpret_cast<const char*>(data) + 1, size - 1);

  auto conn = Must(r.db->Acquire(), "acquire");
  const Counts before = Count(*conn);
  Check(before == Counts{});
  auto report = party ? r.importer->ImportPartyMembers(caller, file, options)
                      : r.importer->ImportResidents(caller, file, options);
  const Counts after = Count(*conn);
  if (!report.ok()) {
    Check(report.error().code == ErrorCode::kInvalid);
    Check(!report.error().field.empty());
    Check(after == before);
    return 0;
  }
  Check(report->rows >= 0);
  if (!report->ok()) {
    Check(report->inserted == 0);
    Check(after == before);
    Check(report->issues.size() <= options.max_issues);
    for (const domain::ImportIssue& issue : report->issues) {
      Check(issue.line >= 2);
      Check(issue.field.starts_with("line " + std::to_string(issue.line)));
      Check(!issue.message.empty());
    }
    return 0;
  }
  Check(report->inserted == report->rows);
  if (party) {
    Check(after.members == report->rows && after.residents == 0);
  } else {
    Check(after.residents == report->rows && after.members == 0);
    Check(after.households <= report->rows && (after.households > 0) == (report->rows > 0));
  }
  Clear(*conn);
  return 0;
}
