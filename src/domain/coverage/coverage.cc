// The 15-minute circle: buildings of the scope against every centre's circle.
#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include "domain/coverage/circle_index.h"
#include "domain/coverage/coverage_service.h"

namespace civicgrid::domain {
namespace {

using core::Error;

bool MayReadCoverage(Role role) {
  return role == Role::kCountyAdmin || role == Role::kStreetAdmin ||
         role == Role::kCommunitySecretary || role == Role::kCommunityWorker;
}

core::Status RequireReader(const Caller& caller) {
  if (!MayReadCoverage(caller.role)) return Error::Forbidden("无权查看服务圈与经费");
  return core::Ok();
}

// Every centre (any scope: a centre across the boundary still covers), for the index.
core::Result<std::vector<CirclePoint>> AllCenters(store::Connection& conn) {
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query("SELECT id, lon, lat FROM service_center ORDER BY id"));
  std::vector<CirclePoint> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back({r.Int(0), core::LonLat{r.Real(1), r.Real(2)}});
  return out;
}

struct BuildingRow {
  int64_t id = 0;
  int64_t community_id = 0;
  int64_t residents = 0;
  std::optional<core::LonLat> at;
};

std::optional<core::LonLat> PositionOf(const store::Row& r, size_t lon, size_t lat) {
  if (r.IsNull(lon) || r.IsNull(lat)) return std::nullopt;
  return core::LonLat{r.Real(lon), r.Real(lat)};
}

// Buildings of the range with their community (a building's parent is a grid, whose
// parent is the community) and resident count (resident_node index per building).
constexpr const char* kBuildingsSql =
    "SELECT b.id, g.parent_id, b.center_lon, b.center_lat, "
    "(SELECT COUNT(*) FROM resident r WHERE r.node_id = b.id) "
    "FROM org_node b JOIN org_node g ON g.id = b.parent_id "
    "WHERE b.kind = 'building' AND b.path >= $1 AND b.path < $2";

void AddBuilding(CoverageRow& row, const BuildingRow& b, bool covered) {
  row.buildings += 1;
  row.residents += b.residents;
  if (!b.at) {
    row.unplaced_buildings += 1;
    row.unplaced_residents += b.residents;
  } else if (covered) {
    row.covered_residents += b.residents;
  } else {
    row.buildings_outside += 1;
  }
}

// The row of the community whose id is on `path` ("/1/5/42/"), if any.
std::optional<size_t> CommunityOnPath(const std::string& path,
                                      const std::unordered_map<int64_t, size_t>& row_of) {
  size_t start = 1;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) break;
    auto it = row_of.find(std::stoll(path.substr(start, end - start)));
    if (it != row_of.end()) return it->second;
    start = end + 1;
  }
  return std::nullopt;
}

core::Status CheckRange(double v, double lo, double hi, const char* field) {
  if (!std::isfinite(v) || v < lo || v > hi) {
    return Error::Invalid(field,
                          "应在 " + std::to_string(lo) + " 与 " + std::to_string(hi) + " 之间");
  }
  return core::Ok();
}

}  // namespace

core::Result<CircleParams> CoverageService::Params(std::optional<double> walk_m,
                                                   std::optional<double> detour_factor) const {
  CircleParams p{walk_m.value_or(options_.walk_m), detour_factor.value_or(options_.detour_factor)};
  CG_TRY(CheckRange(p.walk_m, options_.min_walk_m, options_.max_walk_m, "walk_m"));
  CG_TRY(CheckRange(p.detour_factor, options_.min_detour, options_.max_detour, "detour_factor"));
  return p;
}

core::Result<CoverageReport> CoverageService::Report(const Caller& caller,
                                                     std::optional<int64_t> within,
                                                     const CircleParams& params) {
  CG_TRY(RequireReader(caller));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(PathRange range, WithinScope(*conn, caller, within));
  CoverageReport report;
  report.params = params;
  report.min_center_area_m2 = options_.min_center_area_m2;

  CG_ASSIGN_OR_RETURN(
      store::Rows communities,
      conn->Query("SELECT id, code, name FROM org_node WHERE kind = 'community' AND path >= $1 "
                  "AND path < $2 ORDER BY code",
                  {range.lo, range.hi}));
  std::unordered_map<int64_t, size_t> row_of;
  for (const auto& r : communities) {
    row_of[r.Int(0)] = report.communities.size();
    CoverageRow row;
    row.community_id = r.Int(0);
    row.community_code = r.Text(1);
    row.community_name = r.Text(2);
    report.communities.push_back(std::move(row));
  }

  CG_ASSIGN_OR_RETURN(std::vector<CirclePoint> all, AllCenters(*conn));
  CircleIndex index(std::move(all), params.reach_m());

  CG_ASSIGN_OR_RETURN(
      store::Rows centers,
      conn->Query("SELECT c.id, c.node_id, c.name, c.floor_area_m2, c.lon, c.lat, n.path "
                  "FROM service_center c JOIN org_node n ON n.id = c.node_id "
                  "WHERE n.path >= $1 AND n.path < $2 ORDER BY c.id",
                  {range.lo, range.hi}));
  std::unordered_map<int64_t, size_t> center_at;
  for (const auto& r : centers) {
    CoveredCenter c;
    c.id = r.Int(0);
    c.node_id = r.Int(1);
    c.name = r.Text(2);
    c.floor_area_m2 = r.Int(3);
    c.location = core::LonLat{r.Real(4), r.Real(5)};
    c.small = c.floor_area_m2 < options_.min_center_area_m2;
    center_at[c.id] = report.centers.size();
    report.total.centers += 1;
    if (c.small) report.total.small_centers += 1;
    if (auto at = CommunityOnPath(r.Text(6), row_of)) {
      report.communities[*at].centers += 1;
      if (c.small) report.communities[*at].small_centers += 1;
    }
    report.centers.push_back(std::move(c));
  }

  CG_ASSIGN_OR_RETURN(store::Rows buildings, conn->Query(kBuildingsSql, {range.lo, range.hi}));
  for (const auto& r : buildings) {
    BuildingRow b{r.Int(0), r.Int(1), r.Int(4), PositionOf(r, 2, 3)};
    bool covered = false;
    if (b.at) {
      index.ForEachWithin(*b.at, [&](const CirclePoint& c, double) {
        covered = true;
        if (auto it = center_at.find(c.id); it != center_at.end()) {
          report.centers[it->second].residents_within += b.residents;
        }
      });
    }
    AddBuilding(report.total, b, covered);
    if (auto it = row_of.find(b.community_id); it != row_of.end()) {
      AddBuilding(report.communities[it->second], b, covered);
    }
  }
  return report;
}

core::Result<PageOf<OutsideBuilding>> CoverageService::Outside(const Caller& caller,
                                                               std::optional<int64_t> within,
                                                               const CircleParams& params,
                                                               const Page& page) {
  CG_TRY(RequireReader(caller));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(PathRange range, WithinScope(*conn, caller, within));
  CG_ASSIGN_OR_RETURN(std::vector<CirclePoint> all, AllCenters(*conn));
  CircleIndex index(std::move(all), params.reach_m());
  // Placed buildings walked in id order along org_node_kind (kind, id), a chunk at a
  // time, until the page is full of buildings outside every circle.
  constexpr int64_t kChunk = 1000;
  std::vector<OutsideBuilding> items;
  int64_t after = page.after;
  for (;;) {
    CG_ASSIGN_OR_RETURN(
        store::Rows rows,
        conn->Query("SELECT b.id, b.code, b.name, g.parent_id, b.center_lon, b.center_lat, "
                    "(SELECT COUNT(*) FROM resident r WHERE r.node_id = b.id) "
                    "FROM org_node b CROSS JOIN org_node g WHERE b.kind = 'building' AND b.id > $1 "
                    "AND b.path >= $2 AND b.path < $3 AND b.center_lon IS NOT NULL "
                    "AND b.center_lat IS NOT NULL AND g.id = b.parent_id ORDER BY b.id LIMIT $4",
                    {after, range.lo, range.hi, kChunk}));
    for (const auto& r : rows) {
      after = r.Int(0);
      core::LonLat at{r.Real(4), r.Real(5)};
      if (index.NearestWithin(at)) continue;
      OutsideBuilding b;
      b.id = r.Int(0);
      b.code = r.Text(1);
      b.name = r.Text(2);
      b.community_id = r.Int(3);
      b.residents = r.Int(6);
      b.location = at;
      b.nearest_center_m = index.NearestAround(at, 3);
      items.push_back(std::move(b));
      if (static_cast<int64_t>(items.size()) == page.limit) break;
    }
    if (static_cast<int64_t>(items.size()) == page.limit ||
        static_cast<int64_t>(rows.size()) < kChunk) {
      break;
    }
  }
  return FinishPage(
      std::move(items), page, +[](const OutsideBuilding& b) { return b.id; });
}

}  // namespace civicgrid::domain
