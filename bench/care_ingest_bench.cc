// care_ingest_bench: meter readings parsed and checked per second on one core
// (issue 11 §2 aims at over a million), the per-reading work of
// CareService::Ingest without the database: ParseCsv, then for every row
// CheckReading (meter id, RFC 3339 time, value, not in the future), the meter
// looked up by its external id, and ApplyReading on the meter's O(1) state.
// The limit measured in the same run is a plain parse of the same CSV bytes:
// lines and fields split with memchr and the value read with from_chars, no
// time parsed, nothing checked. Each is timed three times, the fastest run
// kept. One thread.
//
//   care_ingest_bench [--meters N] [--hours H]
//
// The batch is N meters × H hourly readings (default 2,000 × 1,000 = 2M rows,
// about 70 MB), cumulative water registers from a fixed seed, shuffled into
// utility-export order (by hour, meters interleaved).
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench_support.h"
#include "core/time.h"
#include "domain/care/care_rules.h"

namespace civicgrid::bench {
namespace {

constexpr uint64_t kSeed = 20261206;
constexpr int kRepeats = 3;
// 2026-06-01 00:00 UTC.
const int64_t kStartMs = core::DaysFromCivil({2026, 6, 1}) * core::kMsPerDay;

struct Options {
  int64_t meters = 2'000;
  int64_t hours = 1'000;
};

Options ParseOptions(int argc, char** argv) {
  CheckFlags(argc, argv, {"meters", "hours"}, "[--meters N] [--hours H]");
  Options o;
  o.meters = std::stoll(Flag(argc, argv, "meters", std::to_string(o.meters)));
  o.hours = std::stoll(Flag(argc, argv, "hours", std::to_string(o.hours)));
  if (o.meters < 1 || o.hours < 1) {
    std::fprintf(stderr, "care_ingest_bench: --meters and --hours must be positive\n");
    std::exit(2);
  }
  return o;
}

std::string MeterId(int64_t i) { return "W-" + std::to_string(100000 + i); }

std::string MakeCsv(const Options& o) {
  SplitMix64 rng(kSeed);
  std::vector<double> registers(static_cast<size_t>(o.meters), 0.0);
  std::string csv = "meter,at,value\n";
  csv.reserve(static_cast<size_t>(o.meters * o.hours) * 40);
  char value[32];
  for (int64_t h = 0; h < o.hours; ++h) {
    const std::string at = core::FormatUtc(kStartMs + h * core::kMsPerHour);
    for (int64_t m = 0; m < o.meters; ++m) {
      double& reg = registers[static_cast<size_t>(m)];
      if (rng.Unit() < 0.4) reg += 0.001 * static_cast<double>(rng.Next() % 60);
      auto end = std::to_chars(value, value + sizeof value, reg, std::chars_format::fixed, 3).ptr;
      csv.append(MeterId(m)).append(",").append(at).append(",").append(value, end).append("\n");
    }
  }
  return csv;
}

// The limit: split lines and fields, read the value. Returns rows seen and
// folds the values into `checksum`.
int64_t PlainParse(std::string_view csv, double& checksum) {
  int64_t rows = 0;
  const char* p = csv.data();
  const char* end = p + csv.size();
  const char* nl = static_cast<const char*>(std::memchr(p, '\n', csv.size()));
  p = nl + 1;  // the header
  while (p < end) {
    nl = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)));
    if (nl == nullptr) nl = end;
    const char* c1 = static_cast<const char*>(std::memchr(p, ',', static_cast<size_t>(nl - p)));
    const char* c2 =
        static_cast<const char*>(std::memchr(c1 + 1, ',', static_cast<size_t>(nl - c1 - 1)));
    double v = 0;
    std::from_chars(c2 + 1, nl, v);
    checksum += v;
    ++rows;
    p = nl + 1;
  }
  return rows;
}

struct Checked {
  int64_t rows = 0;
  int64_t refused = 0;
  int64_t uses = 0;
  double parse_seconds = 0;
  double seconds = 0;
};

Checked ParseAndCheck(std::string_view csv, const Options& o) {
  domain::CareOptions options;
  std::unordered_map<std::string, size_t> index;
  std::vector<domain::MeterState> states(static_cast<size_t>(o.meters));
  for (int64_t m = 0; m < o.meters; ++m) {
    index.emplace(MeterId(m), static_cast<size_t>(m));
    states[static_cast<size_t>(m)].id = m + 1;
    states[static_cast<size_t>(m)].water = true;
    states[static_cast<size_t>(m)].floor = options.water_floor;
  }
  const int64_t now = kStartMs + (o.hours + 1) * core::kMsPerHour;
  Checked out;
  Stopwatch clock;
  std::vector<domain::ReadingRow> rows = Must(domain::CareService::ParseCsv(csv), "parse");
  out.parse_seconds = clock.Seconds();
  for (const domain::ReadingRow& row : rows) {
    domain::CheckedReading reading;
    if (domain::CheckReading(row, now, options, reading)) {
      ++out.refused;
      continue;
    }
    auto found = index.find(row.meter);
    if (found == index.end()) {
      ++out.refused;
      continue;
    }
    domain::MeterState& state = states[found->second];
    const std::optional<int64_t> before = state.last_use_at;
    domain::ApplyReading(state, reading, options);
    if (state.last_use_at != before) ++out.uses;
  }
  out.seconds = clock.Seconds();
  out.rows = static_cast<int64_t>(rows.size());
  return out;
}

int Run(const Options& o) {
  std::printf(
      "# care_ingest_bench: tier county (%lld meters × %lld hourly readings), one thread, "
      "machine: %s\n",
      static_cast<long long>(o.meters), static_cast<long long>(o.hours), MachineLine().c_str());
  const std::string csv = MakeCsv(o);
  std::printf("# batch: %.1f MB of CSV\n", static_cast<double>(csv.size()) / 1e6);
  // Each side is timed kRepeats times and its fastest run kept: the plain
  // parse takes tens of milliseconds, where one scheduler hiccup shows.
  double checksum = 0;
  int64_t plain_rows = 0;
  double plain_seconds = 1e30;
  for (int i = 0; i < kRepeats; ++i) {
    checksum = 0;
    Stopwatch plain_clock;
    plain_rows = PlainParse(csv, checksum);
    plain_seconds = std::min(plain_seconds, plain_clock.Seconds());
  }
  const double plain_rate = static_cast<double>(plain_rows) / plain_seconds;
  std::printf("plain_parse rows=%lld seconds=%.3f rows_per_s=%.0f checksum=%.3f\n",
              static_cast<long long>(plain_rows), plain_seconds, plain_rate, checksum);
  Checked c;
  for (int i = 0; i < kRepeats; ++i) {
    Checked run = ParseAndCheck(csv, o);
    if (i == 0 || run.seconds < c.seconds) c = run;
  }
  const double rate = static_cast<double>(c.rows) / c.seconds;
  std::printf(
      "parse_and_check rows=%lld refused=%lld uses=%lld parse_seconds=%.3f seconds=%.3f "
      "rows_per_s=%.0f\n",
      static_cast<long long>(c.rows), static_cast<long long>(c.refused),
      static_cast<long long>(c.uses), c.parse_seconds, c.seconds, rate);
  std::printf("ratio parse_and_check / plain_parse = %s (readings per second, same bytes)\n",
              Ratio(rate / plain_rate).c_str());
  if (c.rows != plain_rows || c.refused != 0) {
    std::fprintf(stderr, "care_ingest_bench: rows or refusals disagree (%lld vs %lld, %lld)\n",
                 static_cast<long long>(c.rows), static_cast<long long>(plain_rows),
                 static_cast<long long>(c.refused));
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace civicgrid::bench

int main(int argc, char** argv) {
  return civicgrid::bench::RunMain(argc, argv, civicgrid::bench::ParseOptions,
                                   civicgrid::bench::Run);
}
