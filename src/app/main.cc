// civicgrid: the command line. Every subcommand opens the database named by
// --db (migrating it first) and does one job.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/app.h"
#include "app/demo/demo_loader.h"
#include "app/progress.h"
#include "app/serve.h"
#include "domain/tickets/open311_keys.h"
#include "domain/timebank/timebank_verify.h"

namespace {

using civicgrid::app::App;
using civicgrid::app::AppOptions;

int Fail(const civicgrid::core::Error& error) {
  std::fprintf(stderr, "civicgrid: %s%s%s\n", error.message.c_str(),
               error.field.empty() ? "" : " (",
               error.field.empty() ? "" : (error.field + ")").c_str());
  return 1;
}

std::unique_ptr<App> OpenOrExit(const AppOptions& options, int& exit_code) {
  auto app = App::Open(options);
  if (!app.ok()) {
    exit_code = Fail(app.error());
    return nullptr;
  }
  return std::move(app).value();
}

civicgrid::core::Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return civicgrid::core::Error::Invalid("file", "无法读取文件 " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void PrintReport(const civicgrid::domain::ImportReport& report) {
  if (report.ok()) {
    std::fprintf(stderr, "导入完成：%lld 行\n", static_cast<long long>(report.inserted));
    return;
  }
  std::fprintf(stderr, "导入未执行，%zu 处错误：\n", report.issues.size());
  for (const auto& issue : report.issues) {
    std::fprintf(stderr, "  第 %lld 行 %s: %s\n", static_cast<long long>(issue.line),
                 issue.field.c_str(), issue.message.c_str());
  }
}

int RunImport(App& app, const std::string& what, const std::string& as, const std::string& file) {
  auto caller = app.CallerFor(as);
  if (!caller.ok()) return Fail(caller.error());
  auto bytes = ReadFile(file);
  if (!bytes.ok()) return Fail(bytes.error());
  civicgrid::app::Progress progress("导入 " + what);
  civicgrid::domain::ImportOptions options;
  options.progress = [&](int64_t done, int64_t total) { progress.Update(done, total); };
  civicgrid::core::Result<civicgrid::domain::ImportReport> report =
      civicgrid::core::Error::Invalid("what", "未知的导入类型: " + what);
  auto& importer = app.importer();
  if (what == "residents") report = importer.ImportResidents(*caller, *bytes, options);
  if (what == "party-members") report = importer.ImportPartyMembers(*caller, *bytes, options);
  if (what == "units") report = importer.ImportUnits(*caller, *bytes, options);
  if (what == "grid-boundaries") report = importer.ImportGridBoundaries(*caller, *bytes);
  progress.Finish();
  if (!report.ok()) return Fail(report.error());
  PrintReport(*report);
  return report->ok() ? 0 : 2;
}

// civicgrid open311-key create|list|revoke: API keys for Open311 integrations.
// Whoever can open the database acts with bootstrap rights, as `demo` does.
struct Open311KeyArgs {
  std::string name;
  std::string county;  // empty: the only county
  int64_t id = 0;
};

int RunOpen311Key(App& app, const CLI::App& create, const CLI::App& revoke,
                  const Open311KeyArgs& args) {
  civicgrid::domain::Open311Directory directory(app.db(), app.clock(), app.accounts(), app.audit(),
                                                app.tickets());
  if (create) {
    auto county = directory.FindJurisdiction(
        args.county.empty() ? std::nullopt : std::optional<std::string>(args.county));
    if (!county.ok()) return Fail(county.error());
    auto created = directory.CreateKey(nullptr, {args.name, county->node_id, std::nullopt});
    if (!created.ok()) return Fail(created.error());
    std::fprintf(stderr,
                 "已为「%s」签发 %s（jurisdiction_id %s）的 Open311 api_key，只显示这一次：\n",
                 args.name.c_str(), county->name.c_str(), county->code.c_str());
    std::printf("%s\n", created->plain_key.c_str());
    return 0;
  }
  if (revoke) {
    auto revoked = directory.RevokeKey(nullptr, args.id);
    if (!revoked.ok()) return Fail(revoked.error());
    std::fprintf(stderr, "已停用 Open311 密钥 %lld\n", static_cast<long long>(args.id));
    return 0;
  }
  auto keys = directory.ListKeys();
  if (!keys.ok()) return Fail(keys.error());
  for (const auto& k : *keys) {
    std::printf("%lld\t%s\t%s\t%s\t%s\n", static_cast<long long>(k.id), k.name.c_str(),
                k.account_username.c_str(), civicgrid::core::FormatShanghai(k.created_at).c_str(),
                k.revoked_at ? "已停用" : "有效");
  }
  return 0;
}

// `ledger verify`: prints each invariant checked and its figures; exit 0 when
// clean, 3 on a violation (as `audit verify`).
int RunLedgerVerify(App& app) {
  auto conn = app.db().Acquire();
  if (!conn.ok()) return Fail(conn.error());
  auto report = civicgrid::domain::VerifyLedger(**conn);
  if (!report.ok()) return Fail(report.error());
  for (const auto& check : report->checks) {
    std::printf("%s %s：检查 %lld 条，违规 %lld 条\n",
                check.violation_count == 0 ? "[通过]" : "[违规]", check.name.c_str(),
                static_cast<long long>(check.checked),
                static_cast<long long>(check.violation_count));
    for (const auto& v : check.violations) std::printf("    %s\n", v.c_str());
  }
  if (report->ok()) {
    std::printf("账本完好：每条不变量校验通过\n");
    return 0;
  }
  std::printf("账本有违规：见上\n");
  return 3;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"civicgrid — 党建引领基层治理平台 / party-building-led grassroots governance"};
  cli.require_subcommand(1);
  AppOptions options;
  auto add_db = [&](CLI::App* cmd) {
    cmd->add_option("--db", options.db_url, "sqlite:PATH 或 postgresql://…")->capture_default_str();
    cmd->add_option("--key-file", options.key_file, "PII 密钥文件（默认在数据库旁）");
    cmd->add_option("--sqlite-sync", options.sqlite_sync, "full | normal")->capture_default_str();
  };

  civicgrid::app::ServeOptions serve_options;
  auto* serve = cli.add_subcommand("serve", "提供 HTTP 服务");
  add_db(serve);
  serve->add_option("--listen", serve_options.listen, "host:port")->capture_default_str();
  serve->add_option("--threads", serve_options.threads, "I/O 线程数，0 为按核数");
  serve->add_option(
      "--workers", serve_options.workers,
      "处理请求的工作线程数，0 为默认（SQLite：max(4, 2×核数)；PostgreSQL：核数+1，至少 3）");
  serve->add_option("--long-workers", serve_options.long_workers,
                    "导出、导入、统计等长任务的工作线程数，0 为 2");
  serve->add_option("--queue", serve_options.queue_limit, "等待工作线程的请求上限，超出答 503")
      ->capture_default_str();
  serve->add_option("--long-queue", serve_options.long_queue_limit, "长任务的等待上限，超出答 503")
      ->capture_default_str();
  bool quiet = false;
  serve->add_flag("--no-access-log", quiet, "不输出访问日志");
  serve->add_flag("--secure-cookies", serve_options.secure_cookies, "会话 Cookie 加 Secure");
  serve->add_option("--web", serve_options.web_dir,
                    "网页目录（vite build 的输出；默认 web/dist，不存在则只提供 API）");
  serve->add_option("--tile-url", serve_options.tile_url,
                    "地图瓦片地址模板，如 https://{s}.tile.example.org/{z}/{x}/{y}.png（默认离线，"
                    "地图只画网格）");
  serve->add_option("--tile-coord-sys", serve_options.tile_coord_sys, "瓦片坐标系：wgs84 | gcj02")
      ->check(CLI::IsMember({"wgs84", "gcj02"}))
      ->capture_default_str();
  serve->add_option("--care-drop-dir", serve_options.care_drop_dir,
                    "云监护读数投递目录：其中的 *.csv / *.json 每 10 秒导入一次，移入 done/ 或 "
                    "failed/（附坏行报告）");
  std::string sms_sink = "log";
  serve
      ->add_option("--sms-sink", sms_sink,
                   "居民注册验证码的短信通道：log 写入服务器日志（演示）；县里的短信网关以 "
                   "SmsSender 适配器接入")
      ->check(CLI::IsMember({"log"}))
      ->capture_default_str();
  bool demo_mode = false;
  serve->add_flag("--demo", demo_mode, "演示模式：启动时列出演示账号");

  auto* migrate = cli.add_subcommand("migrate", "只迁移数据库结构");
  add_db(migrate);

  civicgrid::app::demo::DemoLoadOptions demo_options;
  auto* demo = cli.add_subcommand("demo", "生成演示县（固安）");
  add_db(demo);
  demo->add_option("--profile", demo_options.profile, "演示配置")->capture_default_str();
  demo->add_option("--seed", demo_options.seed, "随机种子")->capture_default_str();
  demo->add_option("--population-scale", demo_options.population_scale,
                   "人口比例（1 为全县约 22 万居民；测试用 0.005）")
      ->check(CLI::Range(civicgrid::app::demo::kMinPopulationScale,
                         civicgrid::app::demo::kMaxPopulationScale))
      ->capture_default_str();
  demo->add_flag("--if-empty", demo_options.if_empty, "数据库已有数据时跳过");
  demo->add_option("--ticket-history-days", demo_options.ticket_history_days,
                   "生成截至现在的多少天工单历史（0 为不生成）")
      ->check(CLI::Range(0, 5 * 366))
      ->capture_default_str();

  std::string import_what, import_file, as = "admin";
  auto* import = cli.add_subcommand("import", "导入 CSV / GeoJSON（全部成功或全部不写入）");
  add_db(import);
  import->add_option("what", import_what, "residents | party-members | units | grid-boundaries")
      ->required();
  import->add_option("file", import_file, "文件路径")->required();
  import->add_option("--as", as, "以此账号的身份与管辖范围导入")->capture_default_str();

  std::string export_what;
  int64_t within = 0;
  auto* exp = cli.add_subcommand("export", "导出 CSV（身份证号、手机号脱敏）到标准输出");
  add_db(exp);
  exp->add_option("what", export_what, "residents | party-members | units")->required();
  exp->add_option("--as", as)->capture_default_str();
  exp->add_option("--within", within, "只导出此节点之下");

  auto* audit = cli.add_subcommand("audit", "审计日志");
  auto* verify = audit->add_subcommand("verify", "校验审计日志哈希链");
  audit->require_subcommand(1);
  add_db(verify);

  auto* ledger = cli.add_subcommand("ledger", "爱心存折账本");
  auto* ledger_verify = ledger->add_subcommand("verify", "校验账本的每条不变量");
  ledger->require_subcommand(1);
  add_db(ledger_verify);

  Open311KeyArgs key_args;
  auto* open311_key = cli.add_subcommand("open311-key", "Open311 对接方的 api_key");
  open311_key->require_subcommand(1);
  auto* key_create = open311_key->add_subcommand("create", "签发新的 api_key（只显示一次）");
  add_db(key_create);
  key_create->add_option("--name", key_args.name, "对接方名称")->required();
  key_create->add_option("--county", key_args.county, "县（区）代码；只有一个县时可省略");
  auto* key_list = open311_key->add_subcommand("list", "列出已签发的 api_key");
  add_db(key_list);
  auto* key_revoke = open311_key->add_subcommand("revoke", "停用一个 api_key");
  add_db(key_revoke);
  key_revoke->add_option("id", key_args.id, "密钥编号（见 list）")->required();

  CLI11_PARSE(cli, argc, argv);
  int exit_code = 0;
  auto app = OpenOrExit(options, exit_code);
  if (!app) return exit_code;

  if (*serve) {
    serve_options.access_log = !quiet;
    if (demo_mode) civicgrid::app::demo::PrintDemoAccounts(*app);
    return civicgrid::app::Serve(*app, serve_options);
  }
  if (*migrate) {
    std::fprintf(stderr, "数据库结构已是最新\n");
    return 0;
  }
  if (*demo) {
    auto loaded = civicgrid::app::demo::LoadDemo(*app, demo_options);
    if (!loaded.ok()) return Fail(loaded.error());
    civicgrid::app::demo::PrintDemoAccounts(*app);
    return 0;
  }
  if (*import) return RunImport(*app, import_what, as, import_file);
  if (*open311_key) return RunOpen311Key(*app, *key_create, *key_revoke, key_args);
  if (*exp) {
    auto caller = app->CallerFor(as);
    if (!caller.ok()) return Fail(caller.error());
    std::optional<int64_t> under = within > 0 ? std::optional<int64_t>(within) : std::nullopt;
    civicgrid::core::Result<std::string> csv =
        civicgrid::core::Error::Invalid("what", "应为 residents、party-members 或 units");
    if (export_what == "residents") csv = app->importer().ExportResidents(*caller, under);
    if (export_what == "party-members") csv = app->importer().ExportPartyMembers(*caller, under);
    if (export_what == "units") csv = app->importer().ExportUnits(*caller);
    if (!csv.ok()) return Fail(csv.error());
    std::cout << *csv;
    return 0;
  }
  if (*ledger_verify) return RunLedgerVerify(*app);
  if (*verify) {
    auto conn = app->db().Acquire();
    if (!conn.ok()) return Fail(conn.error());
    auto report = app->audit().Verify(**conn);
    if (!report.ok()) return Fail(report.error());
    if (report->ok) {
      std::printf("审计日志完好：%lld 条记录，哈希链校验通过\n",
                  static_cast<long long>(report->entries));
      return 0;
    }
    std::printf("审计日志被篡改：第 %lld 条起 %s\n", static_cast<long long>(report->first_bad_seq),
                report->problem.c_str());
    return 3;
  }
  return 0;
}
