#include "http/metrics.h"

#include <algorithm>
#include <charconv>

#include "http/router.h"

namespace civicgrid::http {

namespace {

constexpr std::string_view kRequestsName = "civicgrid_http_requests_total";
constexpr std::string_view kDurationName = "civicgrid_http_request_duration_seconds";

// Label values escape backslash, double quote and newline.
std::string Escape(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Number(double value) {
  std::array<char, 32> buffer{};
  auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return ec == std::errc() ? std::string(buffer.data(), end) : std::string("NaN");
}

void Header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
  out.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

}  // namespace

std::string_view Metrics::MethodLabel(std::string_view method) {
  static constexpr std::array<std::string_view, 7> kKnown = {"GET",   "HEAD",   "POST",   "PUT",
                                                             "PATCH", "DELETE", "OPTIONS"};
  bool known = std::find(kKnown.begin(), kKnown.end(), method) != kKnown.end();
  return known ? method : "OTHER";
}

void Metrics::Record(std::string_view method, std::string_view route, unsigned status,
                     std::chrono::microseconds duration) {
  std::string_view method_label = MethodLabel(method);
  double seconds = std::chrono::duration<double>(duration).count();
  auto bound = std::lower_bound(kBucketBounds.begin(), kBucketBounds.end(), seconds);
  std::lock_guard lock(mutex_);
  auto it = routes_.find(route.empty() ? kUnmatchedRoute : route);
  if (it == routes_.end()) {
    it = routes_.emplace(std::string(route.empty() ? kUnmatchedRoute : route), RouteStats{}).first;
  }
  RouteStats& stats = it->second;
  auto counter = std::find_if(stats.counters.begin(), stats.counters.end(), [&](const Counter& c) {
    return c.status == status && c.method == method_label;
  });
  if (counter == stats.counters.end()) {
    counter =
        stats.counters.insert(stats.counters.end(), Counter{std::string(method_label), status});
  }
  ++counter->count;
  if (bound != kBucketBounds.end()) {
    ++stats.buckets[static_cast<size_t>(bound - kBucketBounds.begin())];
  }
  ++stats.count;
  stats.sum_seconds += seconds;
}

void Metrics::SetLaneSource(std::function<std::vector<LaneStats>()> source) {
  std::lock_guard lock(lane_mutex_);
  lane_source_ = std::move(source);
}

std::string Metrics::Render() const {
  std::string out;
  {
    std::lock_guard lock(mutex_);
    RenderCounters(out);
    RenderHistograms(out);
  }
  RenderLanes(out);
  return out;
}

void Metrics::RenderLanes(std::string& out) const {
  std::vector<LaneStats> lanes;
  {
    std::lock_guard lock(lane_mutex_);
    if (lane_source_) {
      lanes = lane_source_();
    }
  }
  if (lanes.empty()) {
    return;
  }
  struct Series {
    std::string_view name, help, type;
    uint64_t (*value)(const LaneStats&);
  };
  static constexpr std::array<Series, 5> kSeries = {{
      {"civicgrid_http_lane_queue_depth", "Requests waiting for a worker of the lane.", "gauge",
       [](const LaneStats& l) { return uint64_t{l.queued}; }},
      {"civicgrid_http_lane_busy_workers", "Workers of the lane running a handler.", "gauge",
       [](const LaneStats& l) { return uint64_t{l.busy}; }},
      {"civicgrid_http_lane_workers", "Worker threads of the lane.", "gauge",
       [](const LaneStats& l) { return uint64_t{l.workers}; }},
      {"civicgrid_http_lane_rejected_total",
       "Requests answered 503 at once because the lane's queue was full.", "counter",
       [](const LaneStats& l) { return l.rejected; }},
      {"civicgrid_http_lane_timed_out_total", "Requests answered 503 past their deadline.",
       "counter", [](const LaneStats& l) { return l.timed_out; }},
  }};
  for (const Series& series : kSeries) {
    Header(out, series.name, series.help, series.type);
    for (const LaneStats& lane : lanes) {
      out.append(series.name).append("{lane=\"").append(Escape(lane.lane)).append("\"} ");
      out.append(std::to_string(series.value(lane))).append("\n");
    }
  }
}

void Metrics::RenderCounters(std::string& out) const {
  Header(out, kRequestsName, "HTTP requests served, by method, route pattern and status.",
         "counter");
  for (const auto& [route, stats] : routes_) {
    std::vector<Counter> counters = stats.counters;
    std::sort(counters.begin(), counters.end(), [](const Counter& a, const Counter& b) {
      return a.method != b.method ? a.method < b.method : a.status < b.status;
    });
    for (const Counter& c : counters) {
      out.append(kRequestsName).append("{method=\"").append(c.method);
      out.append("\",route=\"").append(Escape(route));
      out.append("\",status=\"").append(std::to_string(c.status)).append("\"} ");
      out.append(std::to_string(c.count)).append("\n");
    }
  }
}

void Metrics::RenderHistograms(std::string& out) const {
  Header(out, kDurationName,
         "HTTP request latency, from request header received to response written.", "histogram");
  for (const auto& [route, stats] : routes_) {
    std::string label = "route=\"" + Escape(route) + "\"";
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBucketBounds.size(); ++i) {
      cumulative += stats.buckets[i];
      out.append(kDurationName).append("_bucket{").append(label).append(",le=\"");
      out.append(Number(kBucketBounds[i])).append("\"} ").append(std::to_string(cumulative));
      out.append("\n");
    }
    out.append(kDurationName).append("_bucket{").append(label).append(",le=\"+Inf\"} ");
    out.append(std::to_string(stats.count)).append("\n");
    out.append(kDurationName).append("_sum{").append(label).append("} ");
    out.append(Number(stats.sum_seconds)).append("\n");
    out.append(kDurationName).append("_count{").append(label).append("} ");
    out.append(std::to_string(stats.count)).append("\n");
  }
}

void AddMetricsRoute(Router& router, Metrics& metrics) {
  // On the I/O thread: answers while every worker is busy, which is when it matters.
  router.Add(
      "GET", "/metrics",
      [&metrics](Request&) {
        return Response::Text(200, metrics.Render(), std::string(Metrics::kContentType));
      },
      IoThreadRoute());
}

}  // namespace civicgrid::http
