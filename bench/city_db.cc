#include "city_db.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>

#include "bench_support.h"
#include "core/pii.h"
#include "core/time.h"
#include "domain/registry/common.h"

namespace civicgrid::bench {
namespace {

using core::kMsPerDay;
using core::kMsPerHour;
using core::kMsPerMinute;
using store::Params;
using store::Value;

constexpr double kWest = 115.50;
constexpr double kSouth = 38.20;
constexpr double kGridSize = 0.01;  // degrees
constexpr int kRasterColumns = 80;
constexpr int64_t kRowsPerTx = 200'000;
constexpr int64_t kResidentsPerAccount = 10;  // one resident in ten has an H5 account
constexpr int64_t kResidentsPerMember = 16;   // ~6% are party members
constexpr int kDepartmentsPerCounty = 12;
constexpr int kUnitsPerStreet = 6;
constexpr int kWorkersPerCommunity = 3;

constexpr const char* kSurnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄",
                                     "周", "吴", "徐", "孙", "马", "朱", "胡", "郭"};
constexpr const char* kGiven[] = {"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强",
                                  "磊", "军", "洋", "勇",   "艳", "杰", "娟", "涛"};

// Rows of one table as multi-row INSERTs of `per_statement` rows (one cached
// statement; a shorter one for the tail).
class Bulk {
 public:
  Bulk(store::Connection& conn, std::string table, const std::vector<std::string>& columns,
       int64_t per_statement)
      : conn_(conn), table_(std::move(table)), per_statement_(per_statement) {
    for (size_t i = 0; i < columns.size(); ++i) list_ += (i ? ", " : "") + columns[i];
    width_ = static_cast<int64_t>(columns.size());
    full_sql_ = Sql(per_statement_);
  }
  ~Bulk() { (void)Flush(); }
  Bulk(const Bulk&) = delete;
  Bulk& operator=(const Bulk&) = delete;

  void Add(std::initializer_list<Value> row) {
    if (static_cast<int64_t>(row.size()) != width_) {
      std::fprintf(stderr, "bench: %s row of %zu values, expected %lld\n", table_.c_str(),
                   row.size(), static_cast<long long>(width_));
      std::exit(1);
    }
    params_.insert(params_.end(), row.begin(), row.end());
    ++rows_;
    ++total_;
    if (rows_ == per_statement_) Must(Flush(), "insert into " + table_);
  }
  // Rows of `parent` are written before any of this table's (foreign keys).
  void After(Bulk& parent) { parent_ = &parent; }
  core::Status Flush() {
    if (rows_ == 0) return {};
    if (parent_ != nullptr) CG_TRY(parent_->Flush());
    auto n = conn_.Execute(rows_ == per_statement_ ? full_sql_ : Sql(rows_), params_);
    params_.clear();
    rows_ = 0;
    if (!n.ok()) return n.error();
    return {};
  }
  int64_t total() const { return total_; }

 private:
  std::string Sql(int64_t rows) const {
    std::string sql = "INSERT INTO " + table_ + " (" + list_ + ") VALUES ";
    int64_t k = 1;
    for (int64_t r = 0; r < rows; ++r) {
      sql += r ? ", (" : "(";
      for (int64_t c = 0; c < width_; ++c) sql += fmt::format("{}${}", c ? ", " : "", k++);
      sql += ")";
    }
    return sql;
  }

  store::Connection& conn_;
  std::string table_;
  std::string list_;
  int64_t width_ = 0;
  int64_t per_statement_;
  std::string full_sql_;
  Params params_;
  Bulk* parent_ = nullptr;
  int64_t rows_ = 0;
  int64_t total_ = 0;
};

// A write transaction committed every kRowsPerTx rows.
class Batches {
 public:
  explicit Batches(store::Connection& conn) : conn_(conn) { Open(); }
  void Count(int64_t rows) {
    since_ += rows;
    if (since_ < kRowsPerTx) return;
    for (Bulk* b : bulks_) Must(b->Flush(), "flush");
    Must(tx_->Commit(), "commit");
    tx_.reset();
    Open();
  }
  void Watch(Bulk& b) { bulks_.push_back(&b); }
  void Finish() {
    for (Bulk* b : bulks_) Must(b->Flush(), "flush");
    bulks_.clear();
    Must(tx_->Commit(), "commit");
    tx_.reset();
  }

 private:
  void Open() {
    tx_.emplace(Must(store::Transaction::Begin(conn_), "begin"));
    since_ = 0;
  }
  store::Connection& conn_;
  std::optional<store::Transaction> tx_;
  std::vector<Bulk*> bulks_;
  int64_t since_ = 0;
};

// The secondary indexes of `tables` that no constraint needs: dropped before
// the bulk load, created again after it from the DDL the catalogue kept.
std::vector<std::string> DropIndexes(store::Connection& conn,
                                     const std::vector<std::string>& tables) {
  std::vector<std::string> ddl;
  for (const std::string& table : tables) {
    const std::string sql =
        conn.backend() == store::Backend::kSqlite
            ? "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 AND sql "
              "IS NOT NULL"
            : "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1 AND NOT EXISTS "
              "(SELECT 1 FROM pg_constraint c WHERE c.conname = indexname)";
    for (const auto& row : Must(conn.Query(sql, {table}), "indexes of " + table)) {
      ddl.push_back(row.Text(1));
      Must(conn.ExecScript("DROP INDEX " + row.Text(0)), "drop index " + row.Text(0));
    }
  }
  return ddl;
}

double Exponential(SplitMix64& rng, double mean) { return -mean * std::log(1.0 - rng.Unit()); }
int64_t Pick(SplitMix64& rng, int64_t n) { return static_cast<int64_t>(rng.Next() % n); }

std::string Name(SplitMix64& rng) {
  return std::string(kSurnames[rng.Next() % std::size(kSurnames)]) +
         kGiven[rng.Next() % std::size(kGiven)];
}

struct Node {
  int64_t id = 0;
  std::string code;
  std::string path;
};

struct Category {
  int64_t id;
  std::string code, name, skill;
  domain::CategoryGroup group;
  domain::CategoryHandler handler;
  int64_t accept, respond, resolve;  // minutes
  bool board;
};

// Everything the later phases need to know about earlier ones.
struct City {
  CityTier tier;
  int64_t now = 0;
  Node root;
  std::vector<Node> counties, streets, communities, grids, buildings;
  std::vector<int64_t> departments;  // unit ids, county-level government units
  std::vector<int> department_county;
  int64_t residents = 0, members = 0;
  // First account id of each kind; the rest follow in index order.
  int64_t acct_city = 0, acct_county = 0, acct_street = 0, acct_secretary = 0, acct_worker = 0,
          acct_grid = 0, acct_member = 0, acct_resident = 0, acct_unit = 0;
  std::vector<Category> categories;
  std::vector<std::string> skills;

  int GridCommunity(int64_t g) const { return static_cast<int>(g / tier.grids_per_community); }
  int CommunityCounty(int64_t m) const {
    return static_cast<int>(m / (tier.communities_per_street * tier.streets_per_county));
  }
  // Residents live in contiguous ranges: building b holds [first(b), first(b+1)).
  int64_t FirstResidentOfBuilding(int64_t b) const {
    return b * residents / static_cast<int64_t>(buildings.size());
  }
  int64_t FirstResidentOfGrid(int64_t g) const {
    return FirstResidentOfBuilding(g * tier.buildings_per_grid);
  }
};

std::string Square(double west, double south) {
  double east = west + kGridSize, north = south + kGridSize;
  return fmt::format(R"({{"type":"Polygon","coordinates":[[[{0:.4f},{1:.4f}],[{2:.4f},{1:.4f}],)"
                     R"([{2:.4f},{3:.4f}],[{0:.4f},{3:.4f}],[{0:.4f},{1:.4f}]]]}})",
                     west, south, east, north);
}

core::LonLat GridCorner(int64_t g) {
  return {kWest + kGridSize * static_cast<double>(g % kRasterColumns),
          kSouth + kGridSize * static_cast<double>(g / kRasterColumns)};
}

void BuildTree(store::Connection& conn, City& city) {
  Batches tx(conn);
  Bulk nodes(conn, "org_node",
             {"id", "parent_id", "kind", "code", "name", "path", "geometry", "center_lon",
              "center_lat", "created_at", "updated_at"},
             200);
  tx.Watch(nodes);
  int64_t next = 1;
  auto add = [&](const Node* parent, const char* kind, std::string code, std::string name,
                 std::optional<int64_t> grid) {
    Node n{next++, std::move(code), ""};
    n.path = (parent ? parent->path : "/") + std::to_string(n.id) + "/";
    Value geometry, lon, lat;
    if (grid) {
      core::LonLat c = GridCorner(*grid);
      geometry = Square(c.lon, c.lat);
      lon = c.lon + kGridSize / 2;
      lat = c.lat + kGridSize / 2;
    }
    nodes.Add({n.id, parent ? Value(parent->id) : Value(), kind, n.code, std::move(name), n.path,
               geometry, lon, lat, city.now, city.now});
    tx.Count(1);
    return n;
  };
  const CityTier& t = city.tier;
  city.root = add(nullptr, "city", "130900", "沧州市", std::nullopt);
  for (int c = 0; c < t.counties; ++c) {
    city.counties.push_back(add(&city.root, "county", fmt::format("1309{:02}", 21 + c),
                                fmt::format("第{}县", c + 1), std::nullopt));
    const Node county = city.counties.back();
    for (int s = 0; s < t.streets_per_county; ++s) {
      city.streets.push_back(add(&county, "street", fmt::format("{}{:03}", county.code, s + 1),
                                 fmt::format("第{}街道", city.streets.size() + 1), std::nullopt));
      const Node street = city.streets.back();
      for (int m = 0; m < t.communities_per_street; ++m) {
        city.communities.push_back(
            add(&street, "community", fmt::format("{}{:03}", street.code, m + 1),
                fmt::format("第{}社区", city.communities.size() + 1), std::nullopt));
        const Node community = city.communities.back();
        for (int g = 0; g < t.grids_per_community; ++g) {
          const int64_t gi = static_cast<int64_t>(city.grids.size());
          city.grids.push_back(add(&community, "grid",
                                   fmt::format("{}{:03}", community.code, g + 1),
                                   fmt::format("第{}网格", g + 1), gi));
          const Node grid = city.grids.back();
          for (int b = 0; b < t.buildings_per_grid; ++b) {
            city.buildings.push_back(add(&grid, "building",
                                         fmt::format("{}-{:02}", grid.code, b + 1),
                                         fmt::format("{}号楼", b + 1), std::nullopt));
          }
        }
      }
    }
  }
  tx.Finish();
}

std::string IdNumber(const City& city, int64_t k, int64_t building) {
  // Unique per k: (k / 1000 → birth day, injective for the first 29,000,000) and k % 1000.
  const int64_t day = (k / 1000) * 7919 % 29000;
  const core::CivilDate birth = core::CivilFromDays(core::DaysFromCivil({1940, 1, 1}) + day);
  const std::string& county =
      city.counties[static_cast<size_t>(city.CommunityCounty(
                        building / city.tier.buildings_per_grid / city.tier.grids_per_community))]
          .code;
  std::string first17 =
      fmt::format("{}{:04}{:02}{:02}{:03}", county, birth.year, birth.month, birth.day, k % 1000);
  return first17 + core::IdNumberCheckChar(first17);
}

// Households of 1–5 people, the residents in them, and one account in ten.
void BuildResidents(store::Connection& conn, const core::PiiCipher& cipher, City& city) {
  SplitMix64 rng(7);
  Batches tx(conn);
  Bulk households(conn, "household",
                  {"id", "building_id", "room", "member_household", "created_at"}, 500);
  Bulk residents(conn, "resident",
                 {"id", "node_id", "household_id", "name", "sex", "birth_date", "id_number_enc",
                  "id_number_hash", "id_number_masked", "phone_enc", "phone_hash", "phone_masked",
                  "flags", "created_at", "updated_at"},
                 200);
  tx.Watch(households);
  tx.Watch(residents);
  residents.After(households);
  int64_t household = 0;
  const int64_t nb = static_cast<int64_t>(city.buildings.size());
  for (int64_t b = 0; b < nb; ++b) {
    const int64_t first = city.FirstResidentOfBuilding(b),
                  end = city.FirstResidentOfBuilding(b + 1);
    const int64_t building_id = city.buildings[static_cast<size_t>(b)].id;
    int room = 0;
    for (int64_t k = first; k < end;) {
      const int64_t size = std::min<int64_t>(end - k, 1 + Pick(rng, 5));
      ++household;
      ++room;
      households.Add({household, building_id,
                      fmt::format("{}-{}{:02}", 1 + room / 60, 1 + room % 60 / 4, 1 + room % 4),
                      int64_t{0}, city.now});
      for (int64_t i = 0; i < size; ++i, ++k) {
        const std::string id = IdNumber(city, k, b);
        domain::SealedPii sealed_id = domain::SealIdNumber(cipher, id);
        std::optional<domain::SealedPii> phone;
        if (k % 10 != 9) phone = domain::SealPhone(cipher, fmt::format("13{:09}", k));
        const double f = rng.Unit();
        const int64_t flags = f < 0.03 ? 1 : f < 0.05 ? 2 : f < 0.07 ? 4 : f < 0.08 ? 8 : 0;
        residents.Add({k + 1, building_id, household, Name(rng),
                       std::string(1, core::IdNumberSex(id)),
                       core::FormatDate(core::IdNumberBirthDate(id)), sealed_id.enc, sealed_id.hash,
                       sealed_id.masked, phone ? Value(phone->enc) : Value(),
                       phone ? Value(phone->hash) : Value(), phone ? Value(phone->masked) : Value(),
                       flags, city.now, city.now});
      }
      tx.Count(1 + size);
    }
  }
  tx.Finish();
}

void BuildOrgsAndUnits(store::Connection& conn, City& city) {
  Batches tx(conn);
  Bulk orgs(conn, "party_org", {"id", "node_id", "parent_id", "kind", "name", "created_at"}, 500);
  Bulk units(
      conn, "unit",
      {"id", "node_id", "kind", "name", "credit_code", "address", "contact_name", "created_at"},
      500);
  Bulk pairings(conn, "unit_pairing", {"id", "unit_id", "node_id", "since", "created_at"}, 500);
  tx.Watch(orgs);
  pairings.After(units);
  tx.Watch(units);
  tx.Watch(pairings);
  // Party: a committee per community (id = community index + 1), a branch
  // under it (id = communities + index + 1).
  const int64_t nm = static_cast<int64_t>(city.communities.size());
  for (int64_t m = 0; m < nm; ++m) {
    const Node& c = city.communities[static_cast<size_t>(m)];
    orgs.Add({m + 1, c.id, Value(), "committee", fmt::format("第{}社区党委", m + 1), city.now});
  }
  for (int64_t m = 0; m < nm; ++m) {
    const Node& c = city.communities[static_cast<size_t>(m)];
    orgs.Add(
        {nm + m + 1, c.id, m + 1, "branch", fmt::format("第{}社区第一党支部", m + 1), city.now});
  }
  int64_t unit = 0, pairing = 0;
  for (size_t c = 0; c < city.counties.size(); ++c) {
    for (int d = 0; d < kDepartmentsPerCounty; ++d) {
      ++unit;
      units.Add({unit, city.counties[c].id, "government", fmt::format("第{}县第{}局", c + 1, d + 1),
                 fmt::format("11130900{:010}", unit), "", "", city.now});
      city.departments.push_back(unit);
      city.department_county.push_back(static_cast<int>(c));
    }
  }
  const char* kinds[] = {"enterprise", "property_company", "social_organisation",
                         "public_institution"};
  const int per_street = city.tier.communities_per_street;
  for (size_t s = 0; s < city.streets.size(); ++s) {
    const int64_t first = unit + 1;
    for (int u = 0; u < kUnitsPerStreet; ++u) {
      ++unit;
      units.Add({unit, city.streets[s].id, kinds[u % 4], fmt::format("包联单位{}", unit),
                 fmt::format("91130900{:010}", unit), "", "", city.now});
    }
    // Each community of the street is paired with two of its units.
    for (int m = 0; m < per_street; ++m) {
      const Node& community =
          city.communities[s * static_cast<size_t>(per_street) + static_cast<size_t>(m)];
      for (int k = 0; k < 2; ++k) {
        pairings.Add(
            {++pairing, first + (m + k) % kUnitsPerStreet, community.id, "2024-03-01", city.now});
      }
    }
  }
  tx.Count(unit + pairing);
  tx.Finish();
}

// Party members (one resident in 16, in their community's branch) and staff:
// a grid worker per grid, community workers.
void BuildMembersAndStaff(store::Connection& conn, const core::PiiCipher& cipher, City& city) {
  SplitMix64 rng(11);
  Batches tx(conn);
  Bulk members(conn, "party_member",
               {"id", "name", "sex", "id_number_enc", "id_number_hash", "id_number_masked",
                "phone_enc", "phone_hash", "phone_masked", "party_org_id", "unit_id",
                "residence_node_id", "registered_on", "skills", "mobile", "created_at"},
               200);
  Bulk staff(conn, "staff", {"id", "kind", "employment", "node_id", "name", "created_at"}, 500);
  Bulk assignments(conn, "grid_assignment", {"staff_id", "grid_id"}, 500);
  tx.Watch(members);
  tx.Watch(staff);
  tx.Watch(assignments);
  assignments.After(staff);
  const int64_t nm = static_cast<int64_t>(city.communities.size());
  const int64_t nb = static_cast<int64_t>(city.buildings.size());
  for (int64_t b = 0; b < nb; ++b) {
    const int64_t community = b / city.tier.buildings_per_grid / city.tier.grids_per_community;
    for (int64_t k = city.FirstResidentOfBuilding(b); k < city.FirstResidentOfBuilding(b + 1);
         ++k) {
      if (k % kResidentsPerMember != 0) continue;
      const std::string id = IdNumber(city, k, b);
      domain::SealedPii sealed_id = domain::SealIdNumber(cipher, id);
      domain::SealedPii phone = domain::SealPhone(cipher, fmt::format("13{:09}", k));
      std::string skills;
      if (!city.skills.empty() && rng.Unit() < 0.6) {
        skills =
            city.skills[static_cast<size_t>(Pick(rng, static_cast<int64_t>(city.skills.size())))];
      }
      members.Add({k / kResidentsPerMember + 1, Name(rng), std::string(1, core::IdNumberSex(id)),
                   sealed_id.enc, sealed_id.hash, sealed_id.masked, phone.enc, phone.hash,
                   phone.masked, nm + community + 1, Value(),
                   city.communities[static_cast<size_t>(community)].id,
                   rng.Unit() < 0.85 ? Value("2024-03-01") : Value(), skills,
                   int64_t{rng.Unit() < 0.3 ? 1 : 0}, city.now});
      ++city.members;
      tx.Count(1);
    }
  }
  int64_t id = 0;
  for (size_t g = 0; g < city.grids.size(); ++g) {
    ++id;
    staff.Add(
        {id, "grid_worker", rng.Unit() < 0.7 ? "full_time" : "part_time",
         city.communities[static_cast<size_t>(city.GridCommunity(static_cast<int64_t>(g)))].id,
         Name(rng), city.now});
    assignments.Add({id, city.grids[g].id});
  }
  for (const Node& c : city.communities) {
    for (int w = 0; w < kWorkersPerCommunity; ++w) {
      staff.Add({++id, "community_worker", "full_time", c.id, Name(rng), city.now});
    }
  }
  tx.Count(id);
  tx.Finish();
}

void BuildAccounts(store::Connection& conn, City& city, const std::string& hash) {
  Batches tx(conn);
  Bulk accounts(conn, "account",
                {"id", "username", "display_name", "password_hash", "role", "scope_node_id",
                 "unit_id", "party_member_id", "resident_id", "created_at", "password_changed_at"},
                300);
  tx.Watch(accounts);
  int64_t id = 0;
  auto add = [&](const std::string& user, const char* role, int64_t scope, Value unit, Value member,
                 Value resident) {
    accounts.Add({++id, user, user, hash, role, scope, std::move(unit), std::move(member),
                  std::move(resident), city.now, city.now});
    tx.Count(1);
    return id;
  };
  city.acct_city = add("city_admin", "county_admin", city.root.id, {}, {}, {});
  for (size_t i = 0; i < city.counties.size(); ++i) {
    int64_t a =
        add(fmt::format("county{}", i + 1), "county_admin", city.counties[i].id, {}, {}, {});
    if (i == 0) city.acct_county = a;
  }
  for (size_t i = 0; i < city.streets.size(); ++i) {
    int64_t a = add(fmt::format("street{}", i + 1), "street_admin", city.streets[i].id, {}, {}, {});
    if (i == 0) city.acct_street = a;
  }
  for (size_t i = 0; i < city.communities.size(); ++i) {
    int64_t a = add(fmt::format("secretary{}", i + 1), "community_secretary",
                    city.communities[i].id, {}, {}, {});
    if (i == 0) city.acct_secretary = a;
  }
  for (size_t i = 0; i < city.communities.size(); ++i) {
    int64_t a =
        add(fmt::format("worker{}", i + 1), "community_worker", city.communities[i].id, {}, {}, {});
    if (i == 0) city.acct_worker = a;
  }
  for (size_t i = 0; i < city.grids.size(); ++i) {
    int64_t a = add(fmt::format("grid{}", i + 1), "grid_worker", city.grids[i].id, {}, {}, {});
    if (i == 0) city.acct_grid = a;
  }
  // Members: member j is resident 16 j; the account's scope is their community.
  const int64_t per_community = city.tier.grids_per_community * city.tier.buildings_per_grid;
  auto community_of = [&](int64_t resident) {
    const int64_t nb = static_cast<int64_t>(city.buildings.size());
    int64_t b = resident * nb / city.residents;
    while (b + 1 < nb && city.FirstResidentOfBuilding(b + 1) <= resident) ++b;
    while (b > 0 && city.FirstResidentOfBuilding(b) > resident) --b;
    return city.communities[static_cast<size_t>(b / per_community)].id;
  };
  for (int64_t j = 0; j < city.members; ++j) {
    int64_t a = add(fmt::format("member{}", j + 1), "party_member",
                    community_of(j * kResidentsPerMember), {}, j + 1, j * kResidentsPerMember + 1);
    if (j == 0) city.acct_member = a;
  }
  for (int64_t k = 0; k < city.residents; k += kResidentsPerAccount) {
    int64_t a = add(fmt::format("resident{}", k / kResidentsPerAccount + 1), "resident",
                    community_of(k), {}, {}, k + 1);
    if (k == 0) city.acct_resident = a;
  }
  const int64_t units = static_cast<int64_t>(city.counties.size()) * kDepartmentsPerCounty +
                        static_cast<int64_t>(city.streets.size()) * kUnitsPerStreet;
  for (int64_t u = 1; u <= units; ++u) {
    const Node& node =
        u <= static_cast<int64_t>(city.departments.size())
            ? city.counties[static_cast<size_t>(city.department_county[static_cast<size_t>(u - 1)])]
            : city.streets[static_cast<size_t>(
                  (u - 1 - static_cast<int64_t>(city.departments.size())) / kUnitsPerStreet)];
    int64_t a = add(fmt::format("unit{}", u), "unit_admin", node.id, u, {}, {});
    if (u == 1) city.acct_unit = a;
  }
  tx.Finish();
}

// --- tickets ------------------------------------------------------------------

struct Event {
  const char* type = "";
  int64_t at = 0;
  const char* state = "";
  Value actor;
  std::string label;
  std::string data = "{}";
  std::optional<int64_t> rating;        // rate
  const char* outcome = nullptr;        // callback
  const char* assignee_kind = nullptr;  // dispatch, claim
  std::optional<int64_t> assignee_id;   // dispatch, claim
};

// One ticket's life; the caller cuts it at the end of the year.
struct Life {
  std::vector<Event> events;
  std::optional<int64_t> escalated_to;  // unit id
  int64_t escalated_at = 0, escalation_responded = 0;
  int64_t reopens = 0;
};

// The ticket's columns after `events`, as TicketService would have set them.
struct Columns {
  std::optional<int64_t> accepted, responded, resolved, closed, rated, rating, assignee_id;
  std::optional<std::string> callback, assignee_kind;
  int64_t reopens = 0;
};

Columns Derive(const std::vector<Event>& events) {
  Columns c;
  for (const Event& e : events) {
    const std::string_view t = e.type;
    if (t == "accept") c.accepted = e.at;
    if (t == "claim" || t == "start" || t == "respond" || t == "resolve") {
      if (!c.responded) c.responded = e.at;
    }
    if (t == "dispatch" || t == "claim") {
      c.assignee_kind = e.assignee_kind;
      c.assignee_id = e.assignee_id;
    }
    if (t == "resolve") c.resolved = e.at;
    if (t == "callback") c.callback = e.outcome;
    if (t == "reject" || t == "close") c.closed = e.at;
    if (t == "rate") {
      c.rating = e.rating;
      c.rated = e.at;
      if (std::string_view(e.state) == "closed") {
        c.closed = e.at;
      } else {
        c.resolved.reset();
        c.assignee_kind.reset();
        c.assignee_id.reset();
        ++c.reopens;
      }
    }
  }
  return c;
}

class TicketWriter {
 public:
  TicketWriter(store::Connection& conn, City& city)
      : conn_(conn),
        city_(city),
        tx_(conn),
        tickets_(conn, "ticket",
                 {"id",
                  "number",
                  "kind",
                  "channel",
                  "category_id",
                  "node_id",
                  "path",
                  "title",
                  "description",
                  "address",
                  "lon",
                  "lat",
                  "state",
                  "version",
                  "anonymous",
                  "is_public",
                  "submitter_account_id",
                  "submitter_name",
                  "assignee_kind",
                  "assignee_id",
                  "reopen_count",
                  "rating",
                  "rating_comment",
                  "callback_outcome",
                  "overdue",
                  "supervised",
                  "created_at",
                  "accept_due",
                  "respond_due",
                  "resolve_due",
                  "accepted_at",
                  "responded_at",
                  "resolved_at",
                  "closed_at",
                  "rated_at",
                  "updated_at"},
                 150),
        events_(conn, "ticket_event",
                {"id", "ticket_id", "seq", "type", "actor_account_id", "actor_label", "at", "note",
                 "data", "state_after"},
                500),
        escalations_(conn, "ticket_escalation",
                     {"id", "ticket_id", "unit_id", "called_by", "called_at", "report_due",
                      "resolve_due", "responded_at", "response", "overdue"},
                     200) {
    tx_.Watch(tickets_);
    tx_.Watch(events_);
    tx_.Watch(escalations_);
    events_.After(tickets_);
    escalations_.After(tickets_);
  }

  void Run() {
    const int64_t n = city_.tier.tickets;
    const int64_t start = city_.now - 365 * kMsPerDay;
    for (int64_t i = 0; i < n; ++i) {
      // Filed in id order over the year, daytime-heavy.
      int64_t created =
          start + static_cast<int64_t>(static_cast<double>(i) / static_cast<double>(n) * 365.0 *
                                       static_cast<double>(kMsPerDay));
      created += static_cast<int64_t>(rng_.Unit() * 5 * kMsPerMinute);
      created = std::min(created, city_.now - kMsPerMinute);  // filed within the year
      One(i + 1, created);
      tx_.Count(1 + static_cast<int64_t>(last_events_));
    }
    tx_.Finish();
    // The counters go on from the generated numbers.
    auto t = Must(store::Transaction::Begin(conn_), "begin counters");
    for (const auto& [prefix, seq] : counters_) {
      Must(conn_.Execute("INSERT INTO ticket_counter (prefix, seq) VALUES ($1, $2)", {prefix, seq}),
           "counter");
    }
    Must(t.Commit(), "commit counters");
  }
  int64_t events() const { return events_.total(); }

 private:
  const Category& PickCategory(double u, bool board, bool urgent) {
    std::vector<const Category*>& pool = board ? board_ : urgent ? urgent_ : street_;
    if (pool.empty()) {
      for (const Category& c : city_.categories) {
        const bool is_board = c.board;
        const bool is_urgent = c.group == domain::CategoryGroup::kUrgent;
        const bool is_street = !c.board && !is_urgent;
        if ((board && is_board) || (urgent && is_urgent) || (!board && !urgent && is_street)) {
          pool.push_back(&c);
        }
      }
    }
    return *pool[static_cast<size_t>(u * static_cast<double>(pool.size())) % pool.size()];
  }

  int64_t After(int64_t from, double mean_minutes) {
    return from + 60'000 + static_cast<int64_t>(Exponential(rng_, mean_minutes) * kMsPerMinute);
  }

  void One(int64_t id, int64_t created) {
    const City& city = city_;
    // Busier grids: the square skews the choice towards the low indexes.
    const double ug = rng_.Unit();
    const int64_t g = static_cast<int64_t>(ug * ug * static_cast<double>(city.grids.size()));
    const Node& grid = city.grids[static_cast<size_t>(g)];
    const int64_t community = city.GridCommunity(g);
    const int county = city.CommunityCounty(community);
    const double mix = rng_.Unit();
    const bool board = mix >= 0.82 && mix < 0.97;
    const bool urgent = mix >= 0.97;
    const char* kind = mix < 0.55   ? "report"
                       : mix < 0.70 ? "patrol"
                       : mix < 0.82 ? "complaint"
                                    : "report";
    const char* channel = mix < 0.55 ? "h5" : mix < 0.70 ? "patrol" : mix < 0.82 ? "phone" : "h5";
    const Category& cat = PickCategory(rng_.Unit(), board, urgent);
    if (cat.group == domain::CategoryGroup::kAspiration) kind = "wish";
    const bool street_issue = cat.group == domain::CategoryGroup::kEvent ||
                              cat.group == domain::CategoryGroup::kComponent;
    // Who filed it.
    const int64_t grid_worker = city.acct_grid + g;
    Value submitter;
    std::string submitter_name, label;
    if (std::string_view(channel) == "patrol") {
      submitter = grid_worker;
      label = fmt::format("网格员 grid{}", g + 1);
    } else if (std::string_view(channel) == "phone") {
      submitter_name = "市民";
      label = "12345 热线";
    } else {
      const int64_t first = city.FirstResidentOfGrid(g), end = city.FirstResidentOfGrid(g + 1);
      int64_t k = first + Pick(rng_, std::max<int64_t>(1, end - first));
      k -= k % kResidentsPerAccount;
      submitter = city.acct_resident + k / kResidentsPerAccount;
      submitter_name = "居民";
      label = "居民";
    }
    const int64_t accept_due = domain::SlaDeadline(created, cat.accept);
    const int64_t respond_due = domain::SlaDeadline(created, cat.respond);
    const int64_t resolve_due = domain::SlaDeadline(created, cat.resolve);

    Life life = Live(created, cat, board, std::string_view(channel) == "phone",
                     std::string_view(channel) == "patrol", submitter, g, community, county);
    // Cut at the end of the year.
    std::vector<Event> happened;
    for (Event& e : life.events) {
      if (e.at > city.now) break;
      happened.push_back(std::move(e));
    }
    const std::string state = happened.back().state;
    const Columns col = Derive(happened);
    const int64_t end = city.now;
    const int64_t stop = col.closed.value_or(end);
    const int64_t overdue =
        (accept_due < col.accepted.value_or(stop) ? 1 : 0) |
        (state != "rejected" && respond_due < col.responded.value_or(stop) ? 2 : 0) |
        (state != "rejected" && resolve_due < col.resolved.value_or(stop) ? 4 : 0);
    // Numbers: "<county code>-<year>-<serial>" in filing order, as the service numbers them.
    const std::string prefix = fmt::format("{}-{}", city.counties[static_cast<size_t>(county)].code,
                                           core::ShanghaiDate(created).year);
    const int64_t serial = ++counters_[prefix];
    const core::LonLat corner = GridCorner(g);
    tickets_.Add({id,
                  fmt::format("{}-{:06}", prefix, serial),
                  kind,
                  channel,
                  cat.id,
                  grid.id,
                  grid.path,
                  cat.name,
                  fmt::format("{}：{}附近，请尽快处理（第{}号）", cat.name, grid.code, id),
                  "",
                  corner.lon + 0.0005 + rng_.Unit() * 0.009,
                  corner.lat + 0.0005 + rng_.Unit() * 0.009,
                  state,
                  static_cast<int64_t>(happened.size()),
                  int64_t{0},
                  int64_t{street_issue ? 1 : 0},
                  submitter,
                  submitter_name,
                  col.assignee_kind,
                  col.assignee_id,
                  col.reopens,
                  col.rating,
                  col.rating ? Value("") : Value(),
                  col.callback,
                  overdue,
                  int64_t{0},
                  created,
                  accept_due,
                  respond_due,
                  resolve_due,
                  col.accepted,
                  col.responded,
                  col.resolved,
                  col.closed,
                  col.rated,
                  happened.back().at});
    int64_t seq = 0;
    for (Event& e : happened) {
      events_.Add({++event_id_, id, ++seq, e.type, e.actor, e.label, e.at, "", e.data, e.state});
    }
    last_events_ = happened.size();
    if (life.escalated_to && life.escalated_at <= city.now) {
      const bool responded_before_end =
          life.escalation_responded > 0 && life.escalation_responded <= city.now;
      const int64_t report_due = life.escalated_at + 2 * kMsPerHour;
      escalations_.Add({++escalation_id_, id, *life.escalated_to,
                        city.acct_street + community / city.tier.communities_per_street,
                        life.escalated_at, report_due, life.escalated_at + 3 * kMsPerDay,
                        responded_before_end ? Value(life.escalation_responded) : Value(),
                        responded_before_end ? Value("已到场处置") : Value(),
                        int64_t{responded_before_end && life.escalation_responded > report_due}});
    }
  }

  // The whole life of a ticket filed at `t0`, whether or not it fits in the year.
  Life Live(int64_t t0, const Category& cat, bool board, bool phone, bool patrol,
            const Value& submitter, int64_t g, int64_t community, int county) {
    const City& city = city_;
    Life life;
    const int64_t secretary = city.acct_secretary + community;
    const int64_t worker = city.acct_worker + community;
    const int64_t grid_worker = city.acct_grid + g;
    auto ev = [&](const char* type, int64_t at, const char* state, Value actor, std::string label,
                  std::string data = "{}") -> Event& {
      Event& e = life.events.emplace_back();
      e.type = type;
      e.at = at;
      e.state = state;
      e.actor = std::move(actor);
      e.label = std::move(label);
      e.data = std::move(data);
      return e;
    };
    ev("submit", t0, "submitted", submitter,
       patrol  ? "网格员"
       : phone ? "12345 热线"
               : "居民",
       fmt::format(R"({{"category":"{}","channel":"{}"}})", cat.code,
                   patrol  ? "patrol"
                   : phone ? "phone"
                           : "h5"));
    const double fate = rng_.Unit();
    if (fate < 0.03) {
      ev("reject", After(t0, 60), "rejected", secretary, "社区书记");
      return life;
    }
    if (fate < 0.05 && !patrol && !phone) {
      ev("close", After(t0, 20), "closed", submitter, "居民");  // 撤单
      return life;
    }
    int64_t t = patrol ? t0 + 60'000 : After(t0, static_cast<double>(cat.accept) * 0.3);
    ev("accept", t, "accepted", secretary, "社区书记");
    for (int round = 0; round < 2; ++round) {
      Value actor;
      if (board) {
        t = After(t, 30);
        Event& d =
            ev("dispatch", t, "published", secretary, "社区书记", R"({"assignee_kind":"board"})");
        d.assignee_kind = "board";
        // About one in twelve wishes waits on the board for weeks.
        t = After(t, rng_.Unit() < 0.08 ? 30 * 24 * 60 : 12 * 60);
        const int64_t g0 = g - g % city.tier.grids_per_community;
        const int64_t first = city.FirstResidentOfGrid(g0);
        const int64_t end = city.FirstResidentOfGrid(g0 + city.tier.grids_per_community);
        int64_t k = first + Pick(rng_, std::max<int64_t>(1, end - first));
        k -= k % kResidentsPerMember;
        if (k < first) k += kResidentsPerMember;
        const int64_t member = k / kResidentsPerMember + 1;
        actor = city.acct_member + member - 1;
        Event& c = ev("claim", t, "assigned", actor, "党员",
                      fmt::format(R"({{"assignee_kind":"member","assignee_id":{}}})", member));
        c.assignee_kind = "member";
        c.assignee_id = member;
      } else {
        t = After(t, 20);
        const int64_t to = cat.group == domain::CategoryGroup::kUrgent ? worker : grid_worker;
        actor = to;
        Event& d = ev("dispatch", t, "assigned", secretary, "社区书记",
                      fmt::format(R"({{"assignee_kind":"account","assignee_id":{}}})", to));
        d.assignee_kind = "account";
        d.assignee_id = to;
      }
      if (!board && round == 0 && rng_.Unit() < 0.015) {
        const int64_t unit = city.departments[static_cast<size_t>(
            county * kDepartmentsPerCounty + Pick(rng_, kDepartmentsPerCounty))];
        t = After(t, 60);
        life.escalated_to = unit;
        life.escalated_at = t;
        ev("escalate", t, "escalated",
           city.acct_street + community / city.tier.communities_per_street, "街道",
           fmt::format(R"({{"unit_ids":[{}]}})", unit));
        t = After(t, 90);
        life.escalation_responded = t;
        ev("respond", t, "escalated", city.acct_unit + unit - 1, "职能部门",
           fmt::format(R"({{"unit_id":{},"late":false}})", unit));
      } else {
        t = After(t, board ? 6 * 60 : 120);
        ev("start", t, "in_progress", actor, board ? "党员" : "网格员");
      }
      // Mostly well inside the deadline; a tail runs late.
      t = After(t, static_cast<double>(cat.resolve) * (rng_.Unit() < 0.9 ? 0.2 : 1.2));
      ev("resolve", t, "resolved", actor, board ? "党员" : "网格员");
      if (phone) {
        t = After(t, 24 * 60);
        const double c = rng_.Unit();
        const char* outcome = c < 0.84 ? "solved" : c < 0.94 ? "unsolved" : "unreachable";
        ev("callback", t, "resolved", secretary, "社区书记",
           fmt::format(R"({{"outcome":"{}"}})", outcome))
            .outcome = outcome;
      }
      if (!phone && !patrol && rng_.Unit() < 0.7) {
        const double r = rng_.Unit();
        const int64_t rating = r < 0.62 ? 5 : r < 0.86 ? 4 : r < 0.96 ? 3 : r < 0.98 ? 2 : 1;
        t = After(t, 12 * 60);
        const bool closes = rating >= 3 || round == 1;
        ev("rate", t, closes ? "closed" : "accepted", submitter, "居民",
           fmt::format(R"({{"rating":{},"reopened":{}}})", rating, closes ? "false" : "true"))
            .rating = rating;
        if (closes) return life;
        continue;  // an unsatisfied rating: back to the dispatcher
      }
      // Not rated: closed when the rating window runs out.
      ev("close", After(t, 7 * 24 * 60), "closed", Value(), "系统");
      return life;
    }
    return life;
  }

  store::Connection& conn_;
  City& city_;
  SplitMix64 rng_{20261205};
  Batches tx_;
  Bulk tickets_, events_, escalations_;
  std::vector<const Category*> board_, urgent_, street_;
  std::map<std::string, int64_t> counters_;
  int64_t event_id_ = 0, escalation_id_ = 0;
  size_t last_events_ = 0;
};

}  // namespace

CityTier CityTierNamed(const std::string& name) {
  CityTier t;
  t.name = name;
  if (name == "city") return t;
  if (name == "small") {
    t.counties = 2;
    t.streets_per_county = 4;
    t.communities_per_street = 5;
    t.residents = 40'000;
    t.tickets = 40'000;
    return t;
  }
  std::fprintf(stderr, "bench: unknown tier %s (city or small)\n", name.c_str());
  std::exit(2);
}

core::Result<CityReport> GenerateCity(app::App& app, const CityTier& tier, int64_t end_ms) {
  CityReport report;
  Stopwatch total;
  CG_ASSIGN_OR_RETURN(auto pooled, app.db().Acquire());
  store::Connection* conn = &*pooled;
  const bool pg = conn->backend() == store::Backend::kPostgres;
  if (pg) {
    CG_TRY(conn->ExecScript("SET synchronous_commit = off; SET maintenance_work_mem = '256MB'"));
  } else {
    CG_TRY(conn->ExecScript("PRAGMA cache_size = -262144"));  // 256 MiB, this connection only
  }
  City city;
  city.tier = tier;
  city.now = end_ms;
  city.residents = tier.residents;
  CG_ASSIGN_OR_RETURN(auto categories, app.categories().List());
  std::set<std::string> skills;
  for (const auto& c : categories) {
    if (!c.active) continue;
    city.categories.push_back(Category{c.id, c.code, c.name, c.skill, c.group, c.handler,
                                       c.accept_minutes, c.respond_minutes, c.resolve_minutes,
                                       c.public_board});
    if (!c.skill.empty()) skills.insert(c.skill);
  }
  city.skills.assign(skills.begin(), skills.end());
  core::PasswordOptions password;
  password.ops_limit = 1;
  password.mem_limit = 8192;
  CG_ASSIGN_OR_RETURN(std::string hash, core::HashPassword(kCityPassword, password));

  Stopwatch phase;
  auto done = [&](const char* name) {
    report.phases.emplace_back(name, phase.Seconds());
    phase = Stopwatch();
  };
  const std::vector<std::string> bulk_tables{"resident", "household",        "party_member",
                                             "account",  "ticket",           "ticket_event",
                                             "staff",    "ticket_escalation"};
  std::vector<std::string> indexes = DropIndexes(*conn, bulk_tables);
  BuildTree(*conn, city);
  done("tree");
  BuildResidents(*conn, app.cipher(), city);
  done("residents (sealed)");
  BuildOrgsAndUnits(*conn, city);
  BuildMembersAndStaff(*conn, app.cipher(), city);
  done("party, units, staff");
  BuildAccounts(*conn, city, hash);
  done("accounts");
  {
    TicketWriter writer(*conn, city);
    writer.Run();
    report.rows += writer.events();
  }
  done("tickets + events");
  for (const std::string& ddl : indexes) CG_TRY(conn->ExecScript(ddl));
  done("indexes");
  if (pg) {
    for (const char* table :
         {"org_node", "household", "resident", "party_org", "unit", "unit_pairing", "party_member",
          "staff", "account", "ticket", "ticket_event", "ticket_escalation"}) {
      CG_TRY(conn->ExecScript(fmt::format(
          "SELECT setval(pg_get_serial_sequence('{0}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM "
          "{0}))",
          table)));
    }
    CG_TRY(conn->ExecScript("ANALYZE"));
  }
  {
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
    CG_TRY(app.stats().Rebuild(*conn));
    CG_TRY(tx.Commit());
  }
  done("rollups (TicketStats::Rebuild)");
  report.rows += tier.tickets + tier.residents + city.members;
  report.seconds = total.Seconds();
  return report;
}

}  // namespace civicgrid::bench
