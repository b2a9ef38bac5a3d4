// Metrics: request counters and latency histograms, rendered in the
// Prometheus text exposition format (version 0.0.4).
//
//   civicgrid_http_requests_total{method="GET",route="/api/v1/x",status="200"} 3
//   civicgrid_http_request_duration_seconds_bucket{route="/api/v1/x",le="0.005"} 2
//
// Labels stay bounded: the route is the matched pattern (never the raw path;
// "(unmatched)" when none matched) and methods outside the standard set are
// counted as "OTHER". The latency histogram is per route. The worker lanes of
// the server (http/worker_pool.h) are shown per lane:
//
//   civicgrid_http_lane_queue_depth{lane="long"} 3
//   civicgrid_http_lane_busy_workers{lane="long"} 2
//   civicgrid_http_lane_workers{lane="long"} 2
//   civicgrid_http_lane_rejected_total{lane="long"} 41     (503: queue full)
//   civicgrid_http_lane_timed_out_total{lane="long"} 0     (503: past the deadline)
//
// Thread-safe: Record() takes one mutex for a map lookup and a few increments.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "http/worker_pool.h"

namespace civicgrid::http {

class Router;

class Metrics {
 public:
  // Upper bounds of the latency buckets, in seconds (1 ms .. 10 s; +Inf is implied).
  static constexpr std::array<double, 13> kBucketBounds = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};
  static constexpr std::string_view kUnmatchedRoute = "(unmatched)";
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  // Counts one finished request. An empty `route` counts as kUnmatchedRoute.
  void Record(std::string_view method, std::string_view route, unsigned status,
              std::chrono::microseconds duration);

  // Where the lane figures come from (the running server sets it, and clears
  // it with an empty function before it goes); none: no lane lines.
  void SetLaneSource(std::function<std::vector<LaneStats>()> source);

  // The whole exposition text.
  std::string Render() const;

 private:
  struct Counter {
    std::string method;
    unsigned status = 0;
    uint64_t count = 0;
  };
  struct RouteStats {
    std::vector<Counter> counters;  // few per route: a linear scan beats a map
    std::array<uint64_t, kBucketBounds.size()> buckets{};  // not cumulative
    uint64_t count = 0;
    double sum_seconds = 0;
  };

  static std::string_view MethodLabel(std::string_view method);
  void RenderCounters(std::string& out) const;
  void RenderHistograms(std::string& out) const;
  void RenderLanes(std::string& out) const;

  mutable std::mutex mutex_;
  std::map<std::string, RouteStats, std::less<>> routes_;  // GUARDED_BY(mutex_)
  mutable std::mutex lane_mutex_;  // held while the source runs, so clearing it waits for that
  std::function<std::vector<LaneStats>()> lane_source_;  // GUARDED_BY(lane_mutex_)
};

// Registers GET /metrics answering metrics.Render(); `metrics` must outlive the router.
void AddMetricsRoute(Router& router, Metrics& metrics);

}  // namespace civicgrid::http
