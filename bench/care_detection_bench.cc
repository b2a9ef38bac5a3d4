// care_detection_bench: how well the silence rules find a fall, on generated
// households (domain/care/care_household.h), and how long an alert takes from
// the reading that crosses its threshold to its ticket.
//
// Detection. N elders living alone, D days each (the first 28 the profile
// learns; falls and declared trips come after), hourly water registers with
// injected falls (no use for 24 h unless an alert comes first), declared
// trips (absence mode) and undeclared outings and day-outs. Each household's
// readings go through the service's own per-reading rule state (ApplyReading)
// and, for the learned profile, LearnProfile / ProfileDue relearned every
// midnight from the last 4 weeks — the code CareService runs. An alert during
// a fall is a detection (delay = alert − fall); any other alert is a false
// alarm. Printed per rule: false alarms per subject-day, falls detected,
// median and mean detection delay; the 12-hour rule is the limit the profile
// is measured against in the same run (ratio of median delays, and of false
// alarms). The profile is shown at several thresholds (the default marked).
//
// Latency. An App on a SQLite file (the server's defaults) with S subjects:
// each gets 1 h 45 min of continuous flow, then the reading that makes it
// 2 h is ingested alone and timed — CareService::Ingest: the reading stored,
// the flow rule, the alert, its ticket through the normal submission, the
// dispatch to the grid worker, all committed. The limit: the same single-row
// Ingest of a reading that raises nothing. Silence alerts come from the
// sweep, which `serve` runs every minute: a silence waits up to 60 s for it
// plus the sweep's time per alert, printed too.
//
//   care_detection_bench [--subjects N] [--days D] [--latency-subjects S]
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <optional>
#include <string>
#include <vector>

#include "app/app.h"
#include "bench_support.h"
#include "core/pii.h"
#include "core/time.h"
#include "domain/care/care_household.h"
#include "domain/care/care_profile.h"
#include "domain/care/care_rules.h"

namespace civicgrid::bench {
namespace {

using core::kMsPerDay;
using core::kMsPerHour;

// 2026-01-05 00:00 Asia/Shanghai (a Monday).
const int64_t kStartMs = core::DaysFromCivil({2026, 1, 5}) * kMsPerDay - 8 * kMsPerHour;

struct Options {
  int64_t subjects = 400;
  int64_t days = 180;
  int64_t latency_subjects = 60;
};

Options ParseOptions(int argc, char** argv) {
  CheckFlags(argc, argv, {"subjects", "days", "latency-subjects"},
             "[--subjects N] [--days D] [--latency-subjects S]");
  Options o;
  o.subjects = std::stoll(Flag(argc, argv, "subjects", std::to_string(o.subjects)));
  o.days = std::stoll(Flag(argc, argv, "days", std::to_string(o.days)));
  o.latency_subjects =
      std::stoll(Flag(argc, argv, "latency-subjects", std::to_string(o.latency_subjects)));
  if (o.subjects < 1 || o.days < 42 || o.latency_subjects < 1) {
    std::fprintf(stderr, "care_detection_bench: need --subjects ≥ 1, --days ≥ 42\n");
    std::exit(2);
  }
  return o;
}

struct Tally {
  int64_t false_alarms = 0;
  int64_t subject_days = 0;
  int64_t incidents = 0;
  int64_t detected = 0;
  std::vector<double> delays_h;
};

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
double Mean(const std::vector<double>& v) {
  return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

// One rule over one household. `threshold` < 0: the fixed 12-hour rule; else
// the learned profile at that threshold (with the 12-hour rule's cap).
void Simulate(const domain::Household& h, const Options& o, double threshold, Tally& t) {
  domain::CareOptions options;
  const int64_t hours = options.silence_hours;
  const int64_t learn_end = kStartMs + 28 * kMsPerDay;
  domain::MeterState state;
  state.water = true;
  state.floor = options.water_floor;
  std::vector<std::optional<bool>> use;  // per hour since kStartMs
  std::optional<domain::UseProfile> profile;
  int64_t last_use = kStartMs;
  bool open = false;
  std::vector<bool> found(h.incidents.size(), false);
  auto away_until = [&](int64_t at) -> std::optional<int64_t> {
    for (const auto& trip : h.trips) {
      if (trip.from_ms <= at && at < trip.until_ms) return trip.until_ms;
    }
    return std::nullopt;
  };
  for (const domain::CheckedReading& r : h.readings) {
    const std::optional<int64_t> before = state.last_use_at;
    domain::ApplyReading(state, r, options);
    const size_t i = static_cast<size_t>((r.at - kStartMs) / kMsPerHour);
    if (use.size() <= i) use.resize(i + 1);
    if (i > 0) {
      const bool away = away_until(r.at - 1).has_value();
      use[i - 1] = away ? std::nullopt : std::optional<bool>(state.last_use_at != before);
    }
    if (state.last_use_at != before) {
      last_use = *state.last_use_at;
      open = false;  // use closes the alert
    }
    // Relearn at each Shanghai midnight from the last four weeks.
    if (threshold >= 0 && (r.at + 8 * kMsPerHour) % kMsPerDay == 0 &&
        r.at >= learn_end - 14 * kMsPerDay) {
      const int64_t from = std::max(kStartMs, r.at - 28 * kMsPerDay);
      const size_t a = static_cast<size_t>((from - kStartMs) / kMsPerHour);
      const size_t b = std::min(use.size(), static_cast<size_t>((r.at - kStartMs) / kMsPerHour));
      profile = domain::LearnProfile(
          from, std::vector<std::optional<bool>>(use.begin() + a, use.begin() + b));
      if (profile->Weeks() < options.profile_min_weeks) profile.reset();
    }
    if (r.at < learn_end) continue;
    if (away_until(r.at)) continue;  // the absence mode
    // The silence clock starts at the last use or the last return.
    int64_t since = last_use;
    for (const auto& trip : h.trips) {
      if (trip.until_ms <= r.at) since = std::max(since, trip.until_ms);
    }
    std::optional<int64_t> due = since + hours * kMsPerHour;
    if (threshold >= 0) {
      if (!profile) continue;
      due = domain::ProfileDue(*profile, since, threshold, options.profile_min_hours * kMsPerHour,
                               hours * kMsPerHour);
      if (!due) due = since + hours * kMsPerHour;  // the profile never beats the fixed rule
    }
    if (open || r.at < *due) continue;
    open = true;
    const int64_t at = *due;  // the minute's sweep raises it when it falls due
    bool detection = false;
    for (size_t k = 0; k < h.incidents.size(); ++k) {
      const auto& inc = h.incidents[k];
      if (inc.from_ms <= at && at < inc.until_ms) {
        detection = true;
        if (!found[k]) {
          found[k] = true;
          t.delays_h.push_back(static_cast<double>(at - inc.from_ms) / kMsPerHour);
        }
      }
    }
    if (!detection) ++t.false_alarms;
  }
  t.incidents += static_cast<int64_t>(h.incidents.size());
  t.detected += std::count(found.begin(), found.end(), true);
  t.subject_days += o.days - 28;
}

void PrintTally(const char* name, const Tally& t) {
  std::printf(
      "%-26s false_alarms_per_subject_day=%.4f (%lld in %lld subject-days) detected=%lld/%lld "
      "median_delay_h=%.1f mean_delay_h=%.1f\n",
      name, static_cast<double>(t.false_alarms) / static_cast<double>(t.subject_days),
      static_cast<long long>(t.false_alarms), static_cast<long long>(t.subject_days),
      static_cast<long long>(t.detected), static_cast<long long>(t.incidents), Median(t.delays_h),
      Mean(t.delays_h));
}

int Detection(const Options& o) {
  domain::HouseholdOptions ho;
  ho.start_ms = kStartMs;
  ho.days = o.days;
  std::vector<domain::Household> homes;
  Stopwatch gen;
  int64_t readings = 0;
  for (int64_t s = 0; s < o.subjects; ++s) {
    homes.push_back(domain::GenerateHousehold(static_cast<uint64_t>(s) + 1, ho));
    readings += static_cast<int64_t>(homes.back().readings.size());
  }
  std::printf("# households: %lld × %lld days, %lld hourly readings, generated in %.2f s\n",
              static_cast<long long>(o.subjects), static_cast<long long>(o.days),
              static_cast<long long>(readings), gen.Seconds());
  Tally fixed;
  for (const auto& h : homes) Simulate(h, o, -1, fixed);
  PrintTally("fixed_12h", fixed);
  const double default_threshold = domain::CareOptions{}.profile_threshold;
  for (double th : {1e-2, 2e-3, 5e-4, 1e-4}) {
    Tally p;
    for (const auto& h : homes) Simulate(h, o, th, p);
    char name[64];
    std::snprintf(name, sizeof name, "profile_p<%g%s", th, th == default_threshold ? "*" : "");
    PrintTally(name, p);
    if (th == default_threshold) {
      std::printf("ratio profile / fixed_12h: median delay = %s, false alarms = %s\n",
                  Ratio(Median(p.delays_h) / Median(fixed.delays_h)).c_str(),
                  Ratio((static_cast<double>(p.false_alarms) + 1e-9) /
                        (static_cast<double>(fixed.false_alarms) + 1e-9))
                      .c_str());
    }
  }
  return 0;
}

std::string Pct(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v[i] * 1e3);
  return buf;
}

int Fail(const char* what) {
  std::fprintf(stderr, "care_detection_bench: %s\n", what);
  return 1;
}

int Latency(const Options& o) {
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("care-bench-" + std::to_string(::getpid())))
          .string();
  std::filesystem::create_directories(dir);
  core::FakeClock clock(kStartMs + 400 * kMsPerDay);
  app::AppOptions options;
  options.db_url = "sqlite:" + dir + "/care.db";
  options.key_file = dir + "/pii.key";
  options.attachments_dir = dir + "/attachments";
  options.clock = &clock;
  options.password.ops_limit = 1;
  options.password.mem_limit = 8192;
  auto app = Must(app::App::Open(options), "open app");
  auto node = [&](std::optional<int64_t> parent, domain::OrgKind kind, std::string code,
                  std::string name) {
    return Must(app->tree().Create(nullptr, domain::NewOrgNode{parent, kind, std::move(code),
                                                               std::move(name), std::nullopt}),
                "org node");
  };
  auto county = node(std::nullopt, domain::OrgKind::kCounty, "131022", "固安县");
  auto street = node(county.id, domain::OrgKind::kStreet, "131022001", "固安镇");
  auto community = node(street.id, domain::OrgKind::kCommunity, "131022001001", "第一社区");
  auto grid = node(community.id, domain::OrgKind::kGrid, "131022001001001", "第一网格");
  auto building = node(grid.id, domain::OrgKind::kBuilding, "131022001001001-01", "1号楼");
  Must(app->accounts().CreateAccount(nullptr, domain::NewAccount{"admin",
                                                                 "admin",
                                                                 "civicgrid-bench-1",
                                                                 domain::Role::kCountyAdmin,
                                                                 county.id,
                                                                 {},
                                                                 {},
                                                                 {}}),
       "admin");
  Must(app->accounts().CreateAccount(nullptr, domain::NewAccount{"grid1",
                                                                 "网格员",
                                                                 "civicgrid-bench-1",
                                                                 domain::Role::kGridWorker,
                                                                 grid.id,
                                                                 {},
                                                                 {},
                                                                 {}}),
       "grid worker");
  const domain::Caller admin = Must(app->CallerFor("admin"), "admin caller");
  const int64_t now = clock.NowMs();
  for (int64_t s = 0; s < o.latency_subjects; ++s) {
    domain::NewResident r;
    r.building_id = building.id;
    r.room = std::to_string(101 + s);
    r.name = "老人" + std::to_string(s);
    std::string first17 = "13102219400101" + std::to_string(100 + s % 900);
    r.id_number = first17 + core::IdNumberCheckChar(first17);
    r.flags = 1;
    auto resident = Must(app->residents().Create(admin, r), "resident");
    domain::NewCareSubject n;
    n.resident_id = resident.id;
    n.consent_by = "本人";
    n.consent_method = "written";
    n.meters.push_back({domain::MeterKind::kWater, "W-" + std::to_string(s), std::nullopt,
                        std::nullopt, std::nullopt});
    Must(app->care().Enrol(admin, n), "enrol");
  }
  auto row = [](int64_t s, int64_t at, double v) {
    return domain::ReadingRow{"W-" + std::to_string(s), core::FormatUtc(at), std::to_string(v)};
  };
  std::vector<double> crossing, plain;
  const int64_t q = 15 * 60'000;
  for (int64_t s = 0; s < o.latency_subjects; ++s) {
    // 1 h 45 min of flow.
    std::vector<domain::ReadingRow> rows;
    for (int k = 0; k <= 7; ++k) rows.push_back(row(s, now - 9 * q + k * q, 0.01 * k));
    auto in = Must(app->care().Ingest(admin, rows), "flow");
    if (in.alerts_raised != 0) return Fail("flow raised early");
    // The limit: one reading that changes nothing (a repeat of the flat register elsewhere).
    Stopwatch p;
    Must(app->care().Ingest(admin, {row(s, now - 9 * q - 1, 0.0)}), "plain");
    plain.push_back(p.Seconds());
    Stopwatch c;
    auto crossed = Must(app->care().Ingest(admin, {row(s, now - q, 0.08)}), "crossing");
    crossing.push_back(c.Seconds());
    if (crossed.alerts_raised != 1) return Fail("the crossing reading raised no alert");
  }
  std::printf(
      "flow_alert_latency_ms p50=%s p99=%s (reading in → alert, ticket, dispatch committed)\n",
      Pct(crossing, 0.5).c_str(), Pct(crossing, 0.99).c_str());
  std::printf("plain_reading_ms p50=%s p99=%s\n", Pct(plain, 0.5).c_str(),
              Pct(plain, 0.99).c_str());
  std::printf("ratio flow alert / plain reading (p50) = %s\n",
              Ratio(Median(crossing) / Median(plain)).c_str());
  // Silence: every subject silent 12 h; one sweep raises them all.
  clock.Set(now + 13 * kMsPerHour);
  Stopwatch sw;
  auto sweep = Must(app->care().Sweep(clock.NowMs()), "sweep");
  const double secs = sw.Seconds();
  std::printf(
      "silence_sweep alerts=%lld seconds=%.3f per_alert_ms=%.2f (plus up to 60 s until the "
      "minute's sweep)\n",
      static_cast<long long>(sweep.alerts_raised), secs,
      secs * 1e3 / static_cast<double>(std::max<int64_t>(1, sweep.alerts_raised)));
  app.reset();
  std::filesystem::remove_all(dir);
  if (sweep.alerts_raised != o.latency_subjects) return Fail("the sweep missed subjects");
  return 0;
}

int Run(const Options& o) {
  std::printf(
      "# care_detection_bench: %lld subjects × %lld days; latency on %lld subjects; machine: %s\n",
      static_cast<long long>(o.subjects), static_cast<long long>(o.days),
      static_cast<long long>(o.latency_subjects), MachineLine().c_str());
  if (int rc = Detection(o); rc != 0) return rc;
  return Latency(o);
}

}  // namespace
}  // namespace civicgrid::bench

int main(int argc, char** argv) {
  return civicgrid::bench::RunMain(argc, argv, civicgrid::bench::ParseOptions,
                                   civicgrid::bench::Run);
}
