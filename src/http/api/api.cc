#include "http/api/api.h"

#include <charconv>
#include <exception>
#include <stdexcept>

#include <boost/json.hpp>

#include "core/crypto.h"
#include "http/json_body.h"

namespace civicgrid::http {

Credential CredentialOf(const Request& request) {
  std::string_view auth = request.Header("Authorization");
  if (auth.size() > 7 && EqualsIgnoreCase(auth.substr(0, 7), "Bearer ")) {
    return Credential{true, std::string(auth.substr(7))};
  }
  if (auto cookie = request.Cookie(kSessionCookie)) return Credential{false, *cookie};
  return Credential{};
}

core::Result<domain::Caller> Authenticate(ApiServices& services, const Credential& credential) {
  if (credential.bearer) return services.accounts.AuthenticateBearer(credential.token);
  if (!credential.token.empty()) return services.accounts.AuthenticateSession(credential.token);
  return core::Error{core::ErrorCode::kUnauthenticated, "请先登录", {}};
}

std::string CsrfTokenFor(const ApiServices& services, std::string_view session_token) {
  return services.options.csrf_token(session_token);
}

std::optional<Response> CsrfRefusal(const ApiServices& services, const Request& request,
                                    const Credential& credential) {
  const std::string& m = request.method;
  if (credential.bearer || credential.token.empty() || m == "GET" || m == "HEAD" ||
      m == "OPTIONS") {
    return std::nullopt;
  }
  std::string expected = CsrfTokenFor(services, credential.token);
  std::string_view sent = request.Header(kCsrfHeader);
  if (sent.size() == expected.size() && core::ConstantTimeEquals(sent, expected)) {
    return std::nullopt;
  }
  return Response::Json(
      403,
      boost::json::object{
          {"error", boost::json::object{
                        {"code", "csrf_failed"},
                        {"message", std::string(sent.empty() ? "缺少" : "无效的") +
                                        " X-CSRF-Token 请求头：用会话 Cookie 修改数据时须带上登录"
                                        "返回的 csrf_token（也在 Cookie cg_csrf 中）"}}}});
}

namespace {

// While an account must change its password, only /me, the change itself and
// logging out (not an authed route) are allowed.
core::Status CheckPasswordChange(const domain::Caller& caller, const Request& request) {
  if (!caller.must_change_password) return core::Ok();
  if ((request.method == "GET" && request.path == "/api/v1/me") ||
      (request.method == "PUT" && request.path == "/api/v1/me/password")) {
    return core::Ok();
  }
  return core::Error{core::ErrorCode::kPasswordChangeRequired, "请先修改密码", {}};
}

}  // namespace

Handler Authed(ApiServices& services, AuthedHandler handler) {
  return [&services, handler = std::move(handler)](Request& request) -> Response {
    Credential credential = CredentialOf(request);
    core::Result<domain::Caller> caller = Authenticate(services, credential);
    if (!caller.ok()) return Response::FromError(caller.error());
    if (auto refused = CsrfRefusal(services, request, credential)) return std::move(*refused);
    if (auto gate = CheckPasswordChange(*caller, request); !gate.ok()) {
      return Response::FromError(gate.error());
    }
    caller->request_id = request.request_id;
    auto response = handler(request, *caller);
    if (!response.ok()) return Response::FromError(response.error());
    return std::move(response).value();
  };
}

AsyncHandler AuthedAsync(ApiServices& services, AuthedAsyncHandler handler) {
  return [&services, handler = std::move(handler)](Request& request, Responder respond) {
    Credential credential = CredentialOf(request);
    core::Result<domain::Caller> caller = Authenticate(services, credential);
    if (!caller.ok()) return respond(Response::FromError(caller.error()));
    if (auto refused = CsrfRefusal(services, request, credential)) {
      return respond(std::move(*refused));
    }
    if (auto gate = CheckPasswordChange(*caller, request); !gate.ok()) {
      return respond(Response::FromError(gate.error()));
    }
    caller->request_id = request.request_id;
    handler(request, *caller, std::move(respond));
  };
}

Handler Plain(PlainHandler handler) {
  return [handler = std::move(handler)](Request& request) -> Response {
    auto response = handler(request);
    if (!response.ok()) return Response::FromError(response.error());
    return std::move(response).value();
  };
}

core::Result<boost::json::object> BodyObject(const Request& request) {
  // The server already held the body to the route's limit; parse up to that.
  JsonLimits limits;
  limits.max_bytes = size_t{128} << 20;
  CG_ASSIGN_OR_RETURN(boost::json::value body, ParseJsonBody(request.body, limits));
  CG_ASSIGN_OR_RETURN(const boost::json::object* object, RequireObject(body));
  return *object;
}

core::Result<int64_t> ParseId(std::string_view text, std::string_view field) {
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value <= 0) {
    return core::Error::Invalid(std::string(field), "应为正整数编号");
  }
  return value;
}

core::Result<std::optional<int64_t>> QueryId(const Request& request, std::string_view name) {
  auto text = request.Query(name);
  if (!text) return std::optional<int64_t>();
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(*text, name));
  return std::optional<int64_t>(id);
}

core::Result<domain::Page> QueryPage(const Request& request) {
  std::optional<int64_t> after, limit;
  if (auto a = request.Query("after")) {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(a->data(), a->data() + a->size(), v);
    if (ec != std::errc() || ptr != a->data() + a->size()) {
      return core::Error::Invalid("after", "分页游标无效");
    }
    after = v;
  }
  if (auto l = request.Query("limit")) {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(l->data(), l->data() + l->size(), v);
    if (ec != std::errc() || ptr != l->data() + l->size()) {
      return core::Error::Invalid("limit", "每页条数应为整数");
    }
    limit = v;
  }
  return domain::MakePage(after, limit);
}

core::Result<bool> QueryFlag(const Request& request, std::string_view name) {
  auto text = request.Query(name);
  if (!text) return false;
  if (*text == "true" || *text == "1") return true;
  if (*text == "false" || *text == "0") return false;
  return core::Error::Invalid(std::string(name), "应为 true 或 false");
}

core::Result<double> QueryNumber(const Request& request, std::string_view name) {
  auto text = request.Query(name);
  if (!text) return core::Error::Invalid(std::string(name), "必填");
  try {
    size_t used = 0;
    double v = std::stod(*text, &used);
    if (used == text->size()) return v;
  } catch (const std::exception&) {
  }
  return core::Error::Invalid(std::string(name), "应为数字");
}

core::Result<core::CoordSys> QueryCoordSys(const Request& request) {
  auto text = request.Query("coord_sys");
  if (!text) return core::CoordSys::kWgs84;
  return core::ParseCoordSys(*text);
}

core::Result<std::vector<int64_t>> IdList(const boost::json::object& body, std::string_view field) {
  std::vector<int64_t> out;
  const boost::json::value* v = body.if_contains(field);
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array()) return core::Error::Invalid(std::string(field), "应为编号数组");
  for (const boost::json::value& item : v->as_array()) {
    if (!item.is_int64() || item.as_int64() <= 0) {
      return core::Error::Invalid(std::string(field), "应为正整数编号数组");
    }
    out.push_back(item.as_int64());
  }
  return out;
}

core::Result<std::optional<core::LonLat>> OptionalLonLat(const boost::json::object& body,
                                                         std::string_view field) {
  const boost::json::value* v = body.if_contains(field);
  if (v == nullptr || v->is_null()) return std::optional<core::LonLat>();
  if (!v->is_array() || v->as_array().size() != 2 || !v->as_array()[0].is_number() ||
      !v->as_array()[1].is_number()) {
    return core::Error::Invalid(std::string(field), std::string(field) + " 应为 [经度, 纬度]");
  }
  return std::optional<core::LonLat>(
      core::LonLat{v->as_array()[0].to_number<double>(), v->as_array()[1].to_number<double>()});
}

void RegisterApi(Router& router, ApiServices& services) {
  if (!services.options.csrf_token) {
    throw std::invalid_argument("ApiOptions::csrf_token is required");
  }
  RegisterSystemRoutes(router, services);
  RegisterSessionRoutes(router, services);
  RegisterAccountRoutes(router, services);
  RegisterOrgRoutes(router, services);
  RegisterPeopleRoutes(router, services);
  RegisterImportRoutes(router, services);
  RegisterTicketRoutes(router, services);
  RegisterStreamRoutes(router, services);
  RegisterStatsRoutes(router, services);
  RegisterAttachmentRoutes(router, services);
  RegisterWebhookRoutes(router, services);
  RegisterTimeBankRoutes(router, services);
  RegisterGovernanceRoutes(router, services);
  RegisterDutyRoutes(router, services);
  RegisterCareRoutes(router, services);
  RegisterPartyLifeRoutes(router, services);
  RegisterVisitRoutes(router, services);
  RegisterCoverageRoutes(router, services);
  RegisterDeliberationRoutes(router, services);
}

}  // namespace civicgrid::http
