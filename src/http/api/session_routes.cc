// POST/DELETE /api/v1/session, GET /api/v1/me, PUT /api/v1/me/password,
// POST /api/v1/tokens.
#include <boost/json.hpp>

#include "http/api/api.h"
#include "http/api/views.h"
#include "http/json_body.h"

namespace civicgrid::http {
namespace {

namespace json = boost::json;
using domain::Caller;

std::string SessionCookie(const ApiServices& s, std::string_view value, int64_t max_age_s) {
  return std::string(kSessionCookie) + "=" + std::string(value) + "; Path=/; HttpOnly; " +
         "SameSite=Lax; Max-Age=" + std::to_string(max_age_s) +
         (s.options.secure_cookies ? "; Secure" : "");
}

}  // namespace

core::Result<Response> SessionResponse(ApiServices& s, const domain::LoginResult& login) {
  CG_ASSIGN_OR_RETURN(domain::AccountView view, s.accounts.Describe(login.caller));
  Response response = Response::Json(200, CallerJson(login.caller, view));
  int64_t max_age = (login.expires_at_ms - s.clock.NowMs()) / 1000;
  response.AddHeader("Set-Cookie", SessionCookie(s, login.session_token, max_age));
  response.AddHeader("Cache-Control", "no-store");
  return response;
}

namespace {

core::Result<Response> Login(ApiServices& s, Request& request) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(request));
  CG_ASSIGN_OR_RETURN(std::string username, RequireString(body, "username", 64));
  CG_ASSIGN_OR_RETURN(std::string password, RequireString(body, "password", 128));
  CG_ASSIGN_OR_RETURN(domain::LoginResult login, s.accounts.Login(username, password));
  return SessionResponse(s, login);
}

core::Result<Response> Logout(ApiServices& s, Request& request) {
  if (auto cookie = request.Cookie(kSessionCookie)) CG_TRY(s.accounts.Logout(*cookie));
  Response response = Response::NoContent();
  response.AddHeader("Set-Cookie", SessionCookie(s, "", 0));
  return response;
}

core::Result<Response> Me(ApiServices& s, const Caller& caller) {
  CG_ASSIGN_OR_RETURN(domain::AccountView view, s.accounts.Describe(caller));
  json::value body = CallerJson(caller, view);
  CG_TRY(AddProfileJson(s, caller, body.as_object()));
  return Response::Json(200, body);
}

core::Result<Response> ChangePassword(ApiServices& s, Request& request, const Caller& caller) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(request));
  CG_ASSIGN_OR_RETURN(std::string old_password, RequireString(body, "old_password", 128));
  CG_ASSIGN_OR_RETURN(std::string new_password, RequireString(body, "new_password", 128));
  CG_TRY(s.accounts.ChangePassword(caller, old_password, new_password));
  Response response = Response::NoContent();
  response.AddHeader("Set-Cookie", SessionCookie(s, "", 0));
  return response;
}

core::Result<Response> CreateToken(ApiServices& s, Request& request, const Caller& caller) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(request));
  CG_ASSIGN_OR_RETURN(std::string name, RequireString(body, "name", 100));
  CG_ASSIGN_OR_RETURN(std::optional<std::string> expires, OptionalString(body, "expires_at", 40));
  std::optional<int64_t> expires_ms;
  if (expires) {
    CG_ASSIGN_OR_RETURN(expires_ms, core::ParseTimestamp(*expires, "expires_at"));
  }
  CG_ASSIGN_OR_RETURN(std::string token, s.accounts.CreateApiToken(caller, name, expires_ms));
  Response response = Response::Json(201, json::object{{"token", token}, {"name", name}});
  response.AddHeader("Cache-Control", "no-store");
  return response;
}

}  // namespace

void RegisterSessionRoutes(Router& router, ApiServices& s) {
  router.Add("POST", "/api/v1/session", Plain([&s](Request& r) { return Login(s, r); }));
  router.Add("DELETE", "/api/v1/session", Plain([&s](Request& r) { return Logout(s, r); }));
  router.Add("GET", "/api/v1/me", Authed(s, [&s](Request&, const Caller& c) { return Me(s, c); }));
  router.Add("PUT", "/api/v1/me/password",
             Authed(s, [&s](Request& r, const Caller& c) { return ChangePassword(s, r, c); }));
  router.Add("POST", "/api/v1/tokens",
             Authed(s, [&s](Request& r, const Caller& c) { return CreateToken(s, r, c); }));
}

}  // namespace civicgrid::http
