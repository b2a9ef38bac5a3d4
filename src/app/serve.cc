#include "app/serve.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <system_error>
#include <thread>

#include "app/care_drop.h"
#include "app/supervisor.h"
#include "http/api/api.h"
#include "http/api/openapi_doc.h"
#include "http/metrics.h"
#include "http/open311/open311.h"
#include "http/server.h"
#include "http/static_site.h"

namespace civicgrid::app {

namespace {

core::Status CheckTileOptions(const ServeOptions& options) {
  CG_TRY(http::TileSource(options.tile_url));
  if (options.tile_coord_sys != "wgs84" && options.tile_coord_sys != "gcj02") {
    return core::Error::Invalid("tile_coord_sys", "应为 wgs84 或 gcj02");
  }
  return core::Status();
}

// The pages to serve, or null for the API only (said in the startup log).
core::Result<std::unique_ptr<http::StaticSite>> LoadWeb(const ServeOptions& options) {
  CG_TRY(CheckTileOptions(options));
  std::error_code ec;
  std::string dir = options.web_dir;
  if (dir.empty() && std::filesystem::is_directory(kDefaultWebDir, ec)) dir = kDefaultWebDir;
  if (dir.empty()) {
    std::fprintf(stderr,
                 "civicgrid: 未找到网页目录 %s（先构建网页，或用 --web 指定），只提供 API\n",
                 kDefaultWebDir);
    return std::unique_ptr<http::StaticSite>();
  }
  CG_ASSIGN_OR_RETURN(std::string img_source, http::TileSource(options.tile_url));
  CG_ASSIGN_OR_RETURN(auto site, http::StaticSite::Load({dir, img_source}));
  std::string entries;
  for (const std::string& entry : site->entries()) entries += " /" + entry + "/";
  std::fprintf(stderr, "civicgrid: 网页来自 %s（%zu 个文件，%zu KB；入口 /%s）\n", dir.c_str(),
               site->file_count(), site->total_bytes() / 1024, entries.c_str());
  return site;
}

http::ServerOptions ServerOptionsOf(const ServeOptions& options, store::Backend backend) {
  http::ServerOptions server_options;
  server_options.listen = options.listen;
  server_options.threads = options.threads;
  server_options.workers = InteractiveWorkersOr(options.workers, backend);
  server_options.long_workers = options.long_workers;
  server_options.queue_limit = options.queue_limit;
  server_options.long_queue_limit = options.long_queue_limit;
  return server_options;
}

}  // namespace

unsigned InteractiveWorkers(store::Backend backend, unsigned cores) {
  if (backend == store::Backend::kPostgres) return std::max(3U, cores + 1);
  return std::max(4U, 2 * cores);
}

unsigned InteractiveWorkersOr(unsigned asked, store::Backend backend) {
  if (asked != 0) return asked;
  return InteractiveWorkers(backend, std::max(1U, std::thread::hardware_concurrency()));
}

int Serve(App& app, const ServeOptions& options) {
  auto web = LoadWeb(options);
  if (!web.ok()) {
    std::fprintf(stderr, "civicgrid: %s (%s)\n", web.error().message.c_str(),
                 web.error().field.c_str());
    return 1;
  }

  // Block the stop signals before any thread starts, so they all inherit the
  // mask and only sigwait() below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  http::Metrics metrics;
  http::Router router;
  http::ApiOptions api_options;
  api_options.secure_cookies = options.secure_cookies;
  api_options.openapi_json = std::string(http::OpenApiDocument());
  api_options.tile_url = options.tile_url;
  api_options.tile_coord_sys = options.tile_coord_sys;
  api_options.web_pages = *web != nullptr;
  http::ApiServices services = MakeApiServices(app, metrics, api_options);
  http::RegisterApi(router, services);
  http::RegisterOpen311Routes(router, services);
  if (*web) http::RegisterStaticSite(router, **web);

  std::shared_ptr<spdlog::logger> access_log;
  if (options.access_log) {
    access_log = spdlog::stdout_logger_mt("access");
    access_log->set_pattern("%v");
  }
  http::Server server(ServerOptionsOf(options, app.db().backend()), router, &metrics, access_log);
  if (auto started = server.Start(); !started.ok()) {
    std::fprintf(stderr, "civicgrid: 无法启动服务: %s\n", started.error().message.c_str());
    return 1;
  }
  std::string host = options.listen.substr(0, options.listen.rfind(':'));
  std::fprintf(stderr, "civicgrid 正在服务 http://%s:%u （数据库 %s，按 Ctrl+C 停止）\n",
               host.c_str(), static_cast<unsigned>(server.port()), app.db().url().c_str());
  // Webhook deliveries (including any left pending by the previous run).
  app.webhook_sender().Start();
  // 督办: flag overdue tickets every minute.
  Supervisor supervisor([&app] { return app.tickets().CheckOverdue(); });
  supervisor.Start();
  // Housekeeping: webhook deliveries that ended over 30 days ago, hourly.
  Supervisor purge(
      [&app] {
        return app.webhooks().PurgeEnded(app.clock().NowMs() -
                                         domain::WebhookService::kKeepEndedMs);
      },
      std::chrono::hours(1), "清理已结束的 Webhook 投递");
  purge.Start();
  // 云监护: silence alerts for meters that stopped reporting, every minute.
  Supervisor care_sweep(
      [&app]() -> core::Result<int64_t> {
        CG_ASSIGN_OR_RETURN(auto report, app.care().Sweep(app.clock().NowMs()));
        return report.alerts_raised;
      },
      std::chrono::minutes(1), "云监护巡检");
  care_sweep.Start();
  // 黄橙红: the month that ended is evaluated once (checked hourly).
  Supervisor partylife_sweep(
      [&app]() -> core::Result<int64_t> {
        CG_ASSIGN_OR_RETURN(auto report, app.partylife().Sweep(app.clock().NowMs()));
        return report.raised;
      },
      std::chrono::hours(1), "党员预警月度评估");
  partylife_sweep.Start();
  // Recurring volunteer activities: every series extended to its horizon, hourly (and at start).
  Supervisor series_sweep([&app] { return app.activities().ExtendSeries(); }, std::chrono::hours(1),
                          "志愿活动排期");
  series_sweep.Start();
  // 云监护: the utilities' drop folder, every 10 seconds.
  std::unique_ptr<CareDropFolder> drop;
  std::unique_ptr<Supervisor> drop_scan;
  if (!options.care_drop_dir.empty()) {
    drop = std::make_unique<CareDropFolder>(app.care(), options.care_drop_dir);
    if (auto ready = drop->Prepare(); !ready.ok()) {
      std::fprintf(stderr, "civicgrid: %s\n", ready.error().message.c_str());
    } else {
      drop_scan = std::make_unique<Supervisor>(
          [&drop]() -> core::Result<int64_t> {
            CG_ASSIGN_OR_RETURN(DropScan scan, drop->ScanOnce());
            return scan.files;
          },
          std::chrono::seconds(10), "云监护读数投递");
      drop_scan->Start();
      std::fprintf(stderr, "civicgrid: 云监护读数投递目录 %s\n", options.care_drop_dir.c_str());
    }
  }
  // 议事协商: remind organisers of minutes still missing 3 and 7 days after a meeting, hourly.
  Supervisor minutes_sweep(
      [&app]() -> core::Result<int64_t> {
        CG_ASSIGN_OR_RETURN(auto report, app.deliberation().Sweep(app.clock().NowMs()));
        return report.reminders;
      },
      std::chrono::hours(1), "议事纪要提醒");
  minutes_sweep.Start();
  int received = 0;
  sigwait(&signals, &received);
  std::fprintf(stderr, "civicgrid: 收到停止信号，正在关闭…\n");
  server.Stop();
  supervisor.Stop();
  purge.Stop();
  care_sweep.Stop();
  partylife_sweep.Stop();
  series_sweep.Stop();
  if (drop_scan) drop_scan->Stop();
  minutes_sweep.Stop();
  app.webhook_sender().Stop();
  return 0;
}

}  // namespace civicgrid::app
