// The API server of the benchmarks that run the application, in this process.
// Header-only, so bench_support stays free of the app and the HTTP layer;
// include it from benchmarks that link civicgrid_app. Not thread-safe itself;
// the server serves on its own threads.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "app/app.h"
#include "bench_support.h"
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
  explicit ApiServer(app::App& a, const std::function<void(http::Router&)>& add_routes = {}) {
    http::ApiOptions options;
    options.openapi_json = std::string(http::OpenApiDocument());
    services_ = std::make_unique<http::ApiServices>(app::MakeApiServices(a, metrics_, options));
    http::RegisterApi(router_, *services_);
    if (add_routes) add_routes(router_);
    http::ServerOptions server_options;
    server_options.listen = "127.0.0.1:0";
    server_ = std::make_unique<http::Server>(server_options, router_, &metrics_);
    Must(server_->Start(), "start server");
  }
  uint16_t port() const { return server_->port(); }
  void Stop() { server_->Stop(); }

 private:
  http::Metrics metrics_;
  http::Router router_;
  std::unique_ptr<http::ApiServices> services_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace civicgrid::bench
