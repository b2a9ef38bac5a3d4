#include "http/metrics.h"

#include <gtest/gtest.h>

#include <thread>

#include "http/router.h"

namespace civicgrid::http {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;

bool Contains(const std::string& text, std::string_view line) {
  return text.find(line) != std::string::npos;
}

TEST(MetricsTest, CountsByMethodRouteAndStatus) {
  Metrics metrics;
  metrics.Record("GET", "/api/v1/x/{id}", 200, microseconds(100));
  metrics.Record("GET", "/api/v1/x/{id}", 200, microseconds(100));
  metrics.Record("GET", "/api/v1/x/{id}", 404, microseconds(100));
  metrics.Record("BREW", "", 404, microseconds(100));
  std::string text = metrics.Render();
  EXPECT_TRUE(Contains(text, "# TYPE civicgrid_http_requests_total counter\n"));
  EXPECT_TRUE(Contains(
      text,
      "civicgrid_http_requests_total{method=\"GET\",route=\"/api/v1/x/{id}\",status=\"200\"} 2\n"));
  EXPECT_TRUE(Contains(
      text,
      "civicgrid_http_requests_total{method=\"GET\",route=\"/api/v1/x/{id}\",status=\"404\"} 1\n"));
  EXPECT_TRUE(Contains(
      text,
      "civicgrid_http_requests_total{method=\"OTHER\",route=\"(unmatched)\",status=\"404\"} 1\n"));
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
  Metrics metrics;
  metrics.Record("GET", "/r", 200, microseconds(500));     // <= 1 ms
  metrics.Record("GET", "/r", 200, milliseconds(3));       // <= 5 ms
  metrics.Record("GET", "/r", 200, milliseconds(20'000));  // above 10 s
  std::string text = metrics.Render();
  const std::string name = "civicgrid_http_request_duration_seconds";
  EXPECT_TRUE(Contains(text, "# TYPE " + name + " histogram\n"));
  EXPECT_TRUE(Contains(text, name + "_bucket{route=\"/r\",le=\"0.001\"} 1\n"));
  EXPECT_TRUE(Contains(text, name + "_bucket{route=\"/r\",le=\"0.0025\"} 1\n"));
  EXPECT_TRUE(Contains(text, name + "_bucket{route=\"/r\",le=\"0.005\"} 2\n"));
  EXPECT_TRUE(Contains(text, name + "_bucket{route=\"/r\",le=\"10\"} 2\n"));
  EXPECT_TRUE(Contains(text, name + "_bucket{route=\"/r\",le=\"+Inf\"} 3\n"));
  EXPECT_TRUE(Contains(text, name + "_count{route=\"/r\"} 3\n"));
  std::string sum_prefix = name + "_sum{route=\"/r\"} ";
  size_t sum_at = text.find(sum_prefix);
  ASSERT_NE(sum_at, std::string::npos);
  EXPECT_NEAR(std::stod(text.substr(sum_at + sum_prefix.size())), 20.0035, 1e-9);
}

TEST(MetricsTest, EscapesLabelValues) {
  Metrics metrics;
  metrics.Record("GET", "/a\"b\\c", 200, microseconds(1));
  EXPECT_TRUE(Contains(metrics.Render(), R"(route="/a\"b\\c")"));
}

TEST(MetricsTest, CountsFromManyThreads) {
  Metrics metrics;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&metrics] {
      for (int i = 0; i < 1000; ++i) {
        metrics.Record("POST", "/p", 201, microseconds(10));
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_TRUE(Contains(
      metrics.Render(),
      "civicgrid_http_requests_total{method=\"POST\",route=\"/p\",status=\"201\"} 4000\n"));
}

TEST(MetricsTest, MetricsRouteServesTheExposition) {
  Metrics metrics;
  Router router;
  AddMetricsRoute(router, metrics);
  metrics.Record("GET", "/r", 200, microseconds(1));
  Request request;
  RouteMatch match = router.Match("GET", {"metrics"});
  ASSERT_EQ(match.kind, RouteMatch::Kind::kFound);
  Response response = (*match.handler)(request);
  EXPECT_EQ(response.status, 200U);
  EXPECT_EQ(response.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_TRUE(Contains(response.body, "civicgrid_http_requests_total{"));
}

}  // namespace
}  // namespace civicgrid::http
