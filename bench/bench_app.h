// The API server of the benchmarks that run the application, in this process.
// Header-only, so bench_support stays free of the app and the HTTP layer;
// include it from benchmarks that link civicgrid_app. Not thread-safe itself;
// the server serves on its own threads.
#pragma once

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>

#include "app/app.h"
#include "app/serve.h"
#include "bench_support.h"
#include "domain/tickets/intake.h"
#include "http/api/api.h"
#include "http/api/openapi_doc.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/server.h"

namespace civicgrid::bench {

// The API over an App, served on a free loopback port (threads as
// `civicgrid serve` picks them, no access log). `add_routes` may register
// routes of the benchmark's own beside the API.
class ApiServer {
 public:
  // `workers`: the interactive lane's workers (0: the server's default).
  explicit ApiServer(app::App& a, const std::function<void(http::Router&)>& add_routes = {},
                     unsigned workers = 0) {
    http::ApiOptions options;
    options.openapi_json = std::string(http::OpenApiDocument());
    services_ = std::make_unique<http::ApiServices>(app::MakeApiServices(a, metrics_, options));
    http::RegisterApi(router_, *services_);
    if (add_routes) add_routes(router_);
    http::ServerOptions server_options;
    server_options.listen = "127.0.0.1:0";
    interactive_workers_ = app::InteractiveWorkersOr(workers, a.db().backend());
    server_options.workers = interactive_workers_;
    server_ = std::make_unique<http::Server>(server_options, router_, &metrics_);
    Must(server_->Start(), "start server");
  }
  uint16_t port() const { return server_->port(); }
  unsigned interactive_workers() const { return interactive_workers_; }
  void Stop() { server_->Stop(); }

 private:
  http::Metrics metrics_;
  http::Router router_;
  std::unique_ptr<http::ApiServices> services_;
  std::unique_ptr<http::Server> server_;
  unsigned interactive_workers_ = 0;
};

// The intake writer's counters between two readings (`before` taken earlier
// from the same writer); largest_batch and prioritized_threads as of `after`.
inline domain::IntakeStats IntakeSince(domain::IntakeStats after,
                                       const domain::IntakeStats& before) {
  after.batches -= before.batches;
  after.items -= before.items;
  after.failed_commits -= before.failed_commits;
  after.insert.check_ns -= before.insert.check_ns;
  after.insert.write_ns -= before.insert.write_ns;
  after.insert.read_ns -= before.insert.read_ns;
  after.insert.observe_ns -= before.insert.observe_ns;
  after.insert.fallbacks -= before.insert.fallbacks;
  after.commit_ns -= before.commit_ns;
  after.round_trips -= before.round_trips;
  after.answer_ns -= before.answer_ns;
  after.syncs -= before.syncs;
  after.sync_ns -= before.sync_ns;
  after.failed_syncs -= before.failed_syncs;
  return after;
}

// Where the intake writer's time went over `seconds` of wall time: the
// batches, then µs per submission written in each phase and per batch in ms,
// and the share of the wall time the writer thread spent in its transactions
// (writer_busy near 1: the writer is the bottleneck).
inline void PrintIntakeStats(const char* backend, const char* label,
                             const domain::IntakeStats& stats, double seconds) {
  const double batches = static_cast<double>(std::max<int64_t>(stats.batches, 1));
  std::printf(
      "intake_batches %s %s batches=%lld mean_batch=%.1f largest_batch=%lld "
      "failed_commits=%lld\n",
      backend, label, static_cast<long long>(stats.batches),
      static_cast<double>(stats.items) / batches, static_cast<long long>(stats.largest_batch),
      static_cast<long long>(stats.failed_commits));
  const double items = static_cast<double>(std::max<int64_t>(stats.items, 1));
  auto per = [&](int64_t ns) { return static_cast<double>(ns) / 1000.0 / items; };
  const domain::TicketService::BatchPhases& in = stats.insert;
  const int64_t busy = in.check_ns + in.write_ns + in.read_ns + in.observe_ns + stats.commit_ns;
  std::printf(
      "intake_phases %s %s us_per_ticket: check=%.1f write=%.1f read_back=%.1f observers=%.1f "
      "begin_commit=%.1f | answer_thread=%.1f sync=%.1f (syncs=%lld failed=%lld) | "
      "ms_per_batch=%.2f round_trips_per_batch=%.1f writer_busy=%.2f fallbacks=%lld\n",
      backend, label, per(in.check_ns), per(in.write_ns), per(in.read_ns), per(in.observe_ns),
      per(stats.commit_ns), per(stats.answer_ns), per(stats.sync_ns),
      static_cast<long long>(stats.syncs), static_cast<long long>(stats.failed_syncs),
      static_cast<double>(busy) / 1e6 / batches, static_cast<double>(stats.round_trips) / batches,
      static_cast<double>(busy) / 1e9 / seconds, static_cast<long long>(in.fallbacks));
}

}  // namespace civicgrid::bench
