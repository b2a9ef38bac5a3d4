// Open311 GeoReport v2: formats, errors, discovery, the service list and
// service definitions, and route registration. Requests and tokens are in
// requests.cc, servicerequestupdates and media in updates.cc.
#include "http/open311/open311.h"

#include <array>
#include <memory>

#include <boost/json.hpp>

#include "core/time.h"
#include "http/json_write.h"
#include "http/open311/open311_internal.h"
#include "http/open311/wire.h"

namespace civicgrid::http::open311 {
namespace {

namespace json = boost::json;

constexpr int64_t kSpanMs = 90 * core::kMsPerDay;
constexpr std::string_view kSpecification = "http://wiki.open311.org/GeoReport_v2";

// Domain field names as the Open311 client knows them.
std::string_view WireField(std::string_view field) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kNames{{
      {"category_id", "service_code"},
      {"location", "lat/long"},
      {"contact_name", "first_name/last_name"},
      {"note", "description"},
      {"node_id", "address_string"},
  }};
  for (const auto& [domain_name, wire] : kNames) {
    if (domain_name == field) return wire;
  }
  return field;
}

unsigned StatusOf(core::ErrorCode code) {
  switch (code) {
    case core::ErrorCode::kUnauthenticated:
    case core::ErrorCode::kForbidden:
      return 403;
    case core::ErrorCode::kNotFound:
      return 404;
    case core::ErrorCode::kUnavailable:
      return 503;
    case core::ErrorCode::kInternal:
      return 500;
    default:
      return 400;
  }
}

// --- discovery, services, service definitions ----------------------------------

core::Result<Reply> Discovery(Context& ctx, Request& r, Format) {
  CG_ASSIGN_OR_RETURN(int64_t changed, ctx.directory.ServicesChangedAt());
  const std::string changeset = core::FormatShanghai(changed);
  std::string contact = "党建引领基层治理平台 civicgrid";
  if (auto j = ctx.directory.FindJurisdiction(std::nullopt); j.ok()) {
    contact = j->name + "（jurisdiction_id " + j->code + "）" + contact + "，问题请联系县级管理员";
  }
  json::object endpoint{
      {"specification", kSpecification},
      {"url", BaseUrl(ctx.api, r) + "/open311/v2"},
      {"changeset", changeset},
      {"type", "production"},
      {"formats", json::array{"text/xml", "application/json"}},
  };
  json::object doc{
      {"changeset", changeset},
      {"contact", contact},
      {"key_service",
       "api_key 由县级管理员签发：civicgrid open311-key create --name <对接方> --county <县代码>"},
      {"endpoints", json::array{std::move(endpoint)}},
  };
  return Reply{200, "discovery", std::move(doc)};
}

json::value ServiceJson(const domain::Category& c) {
  const std::string group = std::string(domain::CategoryGroupLabel(c.group));
  std::string keywords = c.name;
  if (!c.name_en.empty()) keywords += ", " + c.name_en;
  keywords += ", " + group + ", " + std::string(domain::CategoryGroupName(c.group));
  return json::object{
      {"service_code", c.code},
      {"service_name", c.name},
      {"description", c.description.empty() ? c.name_en : c.description},
      {"metadata", true},  // every service has the attributes below
      {"type", "realtime"},
      {"keywords", keywords},
      {"group", group},
  };
}

core::Result<Reply> Services(Context& ctx, Request& r, Format) {
  CG_ASSIGN_OR_RETURN(domain::Jurisdiction j, JurisdictionOf(ctx, r, nullptr));
  (void)j;
  CG_ASSIGN_OR_RETURN(auto categories, ctx.api.categories.List());
  json::array services;
  for (const auto& c : categories) {
    if (Offered(c)) services.push_back(ServiceJson(c));
  }
  return Reply{200, "services", std::move(services)};
}

json::value Value(std::string_view key, std::string_view name) {
  return json::object{{"key", key}, {"name", name}};
}

// The attributes civicgrid reads beyond the core fields (see docs/open311.md).
json::array AttributesOf(const domain::Category& c) {
  json::array out;
  out.push_back(json::object{
      {"variable", true},
      {"code", kAttrCoordSys},
      {"datatype", "singlevaluelist"},
      {"required", false},
      {"datatype_description", "默认 wgs84"},
      {"order", 1},
      {"description",
       "lat/long 的坐标系：wgs84（GPS，规范默认）、gcj02（高德、腾讯、微信等国内地图给出的坐标）或 "
       "bd09（百度地图）"},
      {"values", json::array{Value("wgs84", "WGS-84（GPS）"), Value("gcj02", "GCJ-02（国内地图）"),
                             Value("bd09", "BD-09（百度地图）")}},
  });
  out.push_back(json::object{
      {"variable", true},
      {"code", kAttrAddressDetail},
      {"datatype", "string"},
      {"required", false},
      {"datatype_description", "不超过 100 个字"},
      {"order", 2},
      {"description", "门牌号、楼栋单元等补充位置说明，附在地址之后"},
  });
  if (c.allow_anonymous) {
    out.push_back(json::object{
        {"variable", true},
        {"code", kAttrAnonymous},
        {"datatype", "singlevaluelist"},
        {"required", false},
        {"datatype_description", "默认 false；未留电话时按匿名登记"},
        {"order", 3},
        {"description", "匿名登记：不保存反映人的姓名和电话"},
        {"values", json::array{Value("true", "匿名"), Value("false", "留名（须留电话）")}},
    });
  }
  return out;
}

core::Result<Reply> ServiceDefinition(Context& ctx, Request& r, Format, const std::string& code) {
  CG_ASSIGN_OR_RETURN(domain::Jurisdiction j, JurisdictionOf(ctx, r, nullptr));
  (void)j;
  auto category = ctx.api.categories.GetByCode(code);
  if (!category.ok()) {
    if (category.error().code != core::ErrorCode::kNotFound) return category.error();
    return core::Error::NotFound("service_code 未找到：" + code);
  }
  if (!Offered(*category)) return core::Error::NotFound("service_code 未找到：" + code);
  json::object definition{{"service_code", category->code},
                          {"attributes", AttributesOf(*category)}};
  return Reply{200, "service_definition", std::move(definition)};
}

}  // namespace

// --- shared pieces ---------------------------------------------------------------

core::Result<std::pair<std::string, Format>> SplitFormat(std::string_view file) {
  const size_t dot = file.rfind('.');
  if (dot != std::string_view::npos && dot > 0) {
    std::string_view ext = file.substr(dot + 1);
    if (ext == "json") return std::pair{std::string(file.substr(0, dot)), Format::kJson};
    if (ext == "xml") return std::pair{std::string(file.substr(0, dot)), Format::kXml};
  }
  return core::Error::NotFound("未知的格式：请在地址末尾加 .json 或 .xml");
}

Response Render(Format format, const Reply& reply) {
  Response response;
  response.status = reply.status;
  if (format == Format::kJson) {
    response.content_type = std::string(kJsonContentType);
    response.body = WriteJson(reply.body);
  } else {
    response.content_type = std::string(kXmlContentType);
    response.body = XmlText(reply.root, reply.body);
  }
  return response;
}

Response RenderError(Format format, const core::Error& error) {
  const unsigned status = StatusOf(error.code);
  std::string description = error.message;
  if (!error.field.empty() && error.field != kBodyField) {
    description = std::string(WireField(error.field)) + "：" + description;
  }
  json::array errors{json::object{{"code", status}, {"description", description}}};
  return Render(format, Reply{status, "errors", std::move(errors)});
}

std::string BaseUrl(const ApiServices& api, const Request& request) {
  std::string_view host = request.Header("Host");
  const bool sane = !host.empty() && host.size() <= 255 &&
                    host.find_first_not_of(
                        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789.-:[]") == std::string_view::npos;
  const std::string scheme = api.options.secure_cookies ? "https://" : "http://";
  return scheme + (sane ? std::string(host) : std::string("localhost"));
}

core::Result<domain::Jurisdiction> JurisdictionOf(Context& ctx, const Request& request,
                                                  const Form* form) {
  std::optional<std::string> id = form ? form->Get("jurisdiction_id") : std::nullopt;
  if (!id) {
    id = request.Query("jurisdiction_id");
    if (id && id->empty()) id.reset();
  }
  return ctx.directory.FindJurisdiction(id);
}

core::Result<domain::Caller> KeyCaller(Context& ctx, const Form& form,
                                       const domain::Jurisdiction& jurisdiction) {
  std::optional<std::string> key = form.Get("api_key");
  if (!key) return core::Error::Forbidden("缺少 api_key");
  CG_ASSIGN_OR_RETURN(domain::Caller caller, ctx.directory.Authenticate(*key));
  if (!caller.InScope(jurisdiction.path)) {
    return core::Error::Forbidden("该 api_key 不能用于 jurisdiction_id " + jurisdiction.code);
  }
  return caller;
}

core::Result<std::optional<int64_t>> W3cTime(const std::optional<std::string>& text,
                                             std::string_view field) {
  if (!text || text->empty()) return std::optional<int64_t>();
  auto ms = core::ParseTimestamp(*text, field);
  if (!ms.ok()) {
    return core::Error::Invalid(std::string(field),
                                "应为带时区的 W3C 时间，如 2026-01-01T00:00:00+08:00 或 …Z");
  }
  return std::optional<int64_t>(*ms);
}

core::Result<Window> TimeWindow(const Request& request, int64_t now_ms) {
  CG_ASSIGN_OR_RETURN(auto start, W3cTime(request.Query("start_date"), "start_date"));
  CG_ASSIGN_OR_RETURN(auto end, W3cTime(request.Query("end_date"), "end_date"));
  if (start && end) {
    if (*end < *start) return core::Error::Invalid("end_date", "不能早于 start_date");
    if (*end - *start > kSpanMs)
      return core::Error::Invalid("start_date", "时间范围不能超过 90 天");
    return Window{*start, *end + 1};
  }
  if (start) return Window{*start, *start + kSpanMs + 1};
  if (end) return Window{*end - kSpanMs, *end + 1};
  return Window{now_ms - kSpanMs, now_ms + 1};
}

bool Offered(const domain::Category& c) {
  return c.active &&
         (c.group == domain::CategoryGroup::kEvent || c.group == domain::CategoryGroup::kComponent);
}

std::string_view OpenClosed(domain::TicketState state) {
  return domain::IsOpen(state) ? "open" : "closed";
}

std::string MediaUrl(const std::string& base, int64_t attachment_id) {
  return base + "/open311/v2/media/" + std::to_string(attachment_id);
}

void AddFormats(Router& router, const std::shared_ptr<Context>& ctx, const char* method,
                const std::string& path, Handler311 fn, RouteOptions options) {
  for (Format format : {Format::kJson, Format::kXml}) {
    const std::string ext = format == Format::kJson ? ".json" : ".xml";
    router.Add(
        method, path + ext,
        [ctx, fn, format](Request& r) {
          auto reply = fn(*ctx, r, format);
          return reply.ok() ? Render(format, *reply) : RenderError(format, reply.error());
        },
        options);
  }
}

void AddWithId(Router& router, const std::shared_ptr<Context>& ctx, const char* method,
               const std::string& prefix, const std::string& param, IdHandler311 fn) {
  router.Add(method, prefix + "{" + param + "}", [ctx, fn, param](Request& r) {
    auto split = SplitFormat(r.Param(param));
    if (!split.ok()) return RenderError(Format::kJson, split.error());
    const auto& [id, format] = *split;
    auto reply = fn(*ctx, r, format, id);
    return reply.ok() ? Render(format, *reply) : RenderError(format, reply.error());
  });
}

}  // namespace civicgrid::http::open311

namespace civicgrid::http {

void RegisterOpen311Routes(Router& router, ApiServices& services) {
  auto ctx = std::make_shared<open311::Context>(open311::Context{
      services, domain::Open311Directory(services.db, services.clock, services.accounts,
                                         services.audit, services.tickets)});
  const std::string v2 = "/open311/v2/";
  open311::AddFormats(router, ctx, "GET", v2 + "discovery", open311::Discovery);
  open311::AddFormats(router, ctx, "GET", v2 + "services", open311::Services);
  open311::AddWithId(router, ctx, "GET", v2 + "services/", "service_code_format",
                     open311::ServiceDefinition);
  open311::RegisterRequestRoutes(router, ctx);
  open311::RegisterUpdateRoutes(router, ctx);
}

}  // namespace civicgrid::http
