// grid_lookup_bench: point → grid lookups per second with core::GridIndex
// over the demo county's 246 grid polygons (tier county), against the limit
// measured in the same run: a brute-force linear boost::geometry::covered_by
// scan over every polygon in id order (which also gives the "smallest id
// wins" answer). Both must agree on every point the brute force sees. Also
// GCJ-02 → WGS-84 conversions per second, against the forward WGS-84 →
// GCJ-02 transform it inverts by iteration. One thread.
//
//   grid_lookup_bench [--points N] [--brute-points M]
//
// Points are uniform in the grids' bounding box, from a fixed seed.
#include <boost/geometry/algorithms/covered_by.hpp>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "app/demo/demo_plan.h"
#include "bench_support.h"
#include "core/geo.h"

namespace civicgrid::bench {
namespace {

constexpr int64_t kDefaultPoints = 8'000'000;
constexpr int64_t kDefaultBrutePoints = 1'000'000;
constexpr uint64_t kSeed = 20240701;

struct Options {
  int64_t points = kDefaultPoints;
  int64_t brute_points = kDefaultBrutePoints;
};

std::vector<core::LonLat> RandomPoints(const core::LonLatBox& box, int64_t n) {
  SplitMix64 rng(kSeed);
  std::vector<core::LonLat> points(static_cast<size_t>(n));
  for (core::LonLat& p : points) {
    p.lon = box.min.lon + rng.Unit() * (box.max.lon - box.min.lon);
    p.lat = box.min.lat + rng.Unit() * (box.max.lat - box.min.lat);
  }
  return points;
}

// Grid ids are 1-based plan indexes; 0 means "no grid".
struct Lookups {
  std::vector<int32_t> ids;
  double seconds = 0;
  int64_t hits = 0;
  uint64_t checksum = 0;
};

Lookups IndexLookups(const core::GridIndex& index, const std::vector<core::LonLat>& points) {
  Lookups out;
  out.ids.resize(points.size());
  Stopwatch clock;
  for (size_t i = 0; i < points.size(); ++i) {
    std::optional<int64_t> id = index.Locate(points[i]);
    out.ids[i] = static_cast<int32_t>(id.value_or(0));
  }
  out.seconds = clock.Seconds();
  for (int32_t id : out.ids) {
    out.hits += id != 0;
    out.checksum = out.checksum * 31 + static_cast<uint64_t>(id);
  }
  return out;
}

Lookups BruteLookups(const std::vector<core::Polygon>& grids,
                     const std::vector<core::LonLat>& points, size_t n) {
  Lookups out;
  out.ids.resize(n);
  Stopwatch clock;
  for (size_t i = 0; i < n; ++i) {
    core::GeoPoint p(points[i].lon, points[i].lat);
    for (size_t g = 0; g < grids.size(); ++g) {
      if (boost::geometry::covered_by(p, grids[g])) {
        out.ids[i] = static_cast<int32_t>(g + 1);
        break;
      }
    }
  }
  out.seconds = clock.Seconds();
  for (int32_t id : out.ids) out.hits += id != 0;
  return out;
}

// Seconds for converting every point, and a sum that keeps the work alive.
template <typename Convert>
std::pair<double, double> TimeConversions(const std::vector<core::LonLat>& points,
                                          Convert convert) {
  double sum = 0;
  Stopwatch clock;
  for (const core::LonLat& p : points) {
    core::LonLat q = convert(p);
    sum += q.lon + q.lat;
  }
  return {clock.Seconds(), sum};
}

Options ParseOptions(int argc, char** argv) {
  CheckFlags(argc, argv, {"points", "brute-points"}, "[--points N] [--brute-points M]");
  Options o;
  o.points = std::stoll(Flag(argc, argv, "points", std::to_string(kDefaultPoints)));
  o.brute_points =
      std::stoll(Flag(argc, argv, "brute-points", std::to_string(kDefaultBrutePoints)));
  if (o.points < 1 || o.brute_points < 1) {
    std::fprintf(stderr, "grid_lookup_bench: --points and --brute-points must be positive\n");
    std::exit(2);
  }
  o.brute_points = std::min(o.brute_points, o.points);
  return o;
}

int Run(const Options& o) {
  std::printf("# grid_lookup_bench: tier county (the demo's 246 grids), one thread, machine: %s\n",
              MachineLine().c_str());
  app::demo::DemoPlan plan = Must(app::demo::MakePlan({"guan", 1, 0.01}), "demo plan");
  std::vector<core::GridShape> shapes;
  std::vector<core::Polygon> polygons;
  core::MultiPolygon all;
  for (size_t i = 0; i < plan.grids.size(); ++i) {
    shapes.push_back({static_cast<int64_t>(i + 1), core::MultiPolygon{plan.grids[i].boundary}});
    polygons.push_back(plan.grids[i].boundary);
    all.push_back(plan.grids[i].boundary);
  }
  core::LonLatBox box = core::BoundingBox(all);
  Stopwatch build;
  core::GridIndex index(std::move(shapes));
  double build_s = build.Seconds();
  std::vector<core::LonLat> points = RandomPoints(box, o.points);
  std::printf("# %zu grids, box lon %.4f..%.4f lat %.4f..%.4f, index built in %.2f ms\n",
              index.size(), box.min.lon, box.max.lon, box.min.lat, box.max.lat, build_s * 1e3);

  Lookups fast = IndexLookups(index, points);
  Lookups slow = BruteLookups(polygons, points, static_cast<size_t>(o.brute_points));
  size_t mismatches = 0;
  for (size_t i = 0; i < slow.ids.size(); ++i) mismatches += slow.ids[i] != fast.ids[i];
  double fast_rate = static_cast<double>(o.points) / fast.seconds;
  double slow_rate = static_cast<double>(o.brute_points) / slow.seconds;
  std::printf("grid_index points=%lld seconds=%.2f lookups_per_s=%.0f hit=%.1f%% checksum=%llu\n",
              static_cast<long long>(o.points), fast.seconds, fast_rate,
              100.0 * static_cast<double>(fast.hits) / static_cast<double>(o.points),
              static_cast<unsigned long long>(fast.checksum));
  std::printf("brute_force points=%lld seconds=%.2f lookups_per_s=%.0f mismatches=%zu\n",
              static_cast<long long>(o.brute_points), slow.seconds, slow_rate, mismatches);
  std::printf(
      "grid_lookup lookups_per_s=%.0f brute_lookups_per_s=%.0f speedup=%s "
      "(tier county, %d cores)\n",
      fast_rate, slow_rate, Ratio(fast_rate / slow_rate).c_str(), CoreCount());

  auto [inverse_s, inverse_sum] = TimeConversions(points, core::Gcj02ToWgs84);
  auto [forward_s, forward_sum] = TimeConversions(points, core::Wgs84ToGcj02);
  double n = static_cast<double>(o.points);
  std::printf(
      "gcj02_to_wgs84 conversions_per_s=%.0f wgs84_to_gcj02_per_s=%.0f ratio=%s "
      "checksum=%.6f (tier county, %d cores)\n",
      n / inverse_s, n / forward_s, Ratio(forward_s / inverse_s).c_str(), inverse_sum + forward_sum,
      CoreCount());
  if (mismatches != 0) {
    std::fprintf(stderr, "grid_lookup_bench: GridIndex and the brute force disagree\n");
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace civicgrid::bench

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured
  return civicgrid::bench::Run(civicgrid::bench::ParseOptions(argc, argv));
}
