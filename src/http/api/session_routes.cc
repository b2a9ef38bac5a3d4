// POST/DELETE /api/v1/session, GET /api/v1/me, PUT /api/v1/me/password,
// POST /api/v1/tokens.
#include <optional>

#include <boost/json.hpp>

#include "http/api/api.h"
#include "http/api/views.h"
#include "http/json_body.h"

namespace civicgrid::http {
namespace {

namespace json = boost::json;
using domain::Caller;

// SameSite=Strict: a page of another site can neither read nor send them.
std::string SessionCookie(const ApiServices& s, std::string_view value, int64_t max_age_s) {
  return std::string(kSessionCookie) + "=" + std::string(value) + "; Path=/; HttpOnly; " +
         "SameSite=Strict; Max-Age=" + std::to_string(max_age_s) +
         (s.options.secure_cookies ? "; Secure" : "");
}

// Readable by the pages' script (no HttpOnly), which echo it as X-CSRF-Token.
// Without `max_age_s` it lasts as long as the browser session.
std::string CsrfCookie(const ApiServices& s, std::string_view value,
                       std::optional<int64_t> max_age_s) {
  return std::string(kCsrfCookie) + "=" + std::string(value) + "; Path=/; SameSite=Strict" +
         (max_age_s ? "; Max-Age=" + std::to_string(*max_age_s) : "") +
         (s.options.secure_cookies ? "; Secure" : "");
}

void ClearCookies(const ApiServices& s, Response& response) {
  response.AddHeader("Set-Cookie", SessionCookie(s, "", 0));
  response.AddHeader("Set-Cookie", CsrfCookie(s, "", 0));
}

}  // namespace

core::Result<Response> SessionResponse(ApiServices& s, const domain::LoginResult& login) {
  CG_ASSIGN_OR_RETURN(domain::AccountView view, s.accounts.Describe(login.caller));
  json::object out = CallerJson(login.caller, view).as_object();
  std::string csrf = CsrfTokenFor(s, login.session_token);
  out["csrf_token"] = csrf;
  Response response = Response::Json(200, out);
  int64_t max_age = (login.expires_at_ms - s.clock.NowMs()) / 1000;
  response.AddHeader("Set-Cookie", SessionCookie(s, login.session_token, max_age));
  response.AddHeader("Set-Cookie", CsrfCookie(s, csrf, max_age));
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

// Ends the cookie's session; as a change of state it needs the CSRF header
// (else a page of another site could sign the user out).
core::Result<Response> Logout(ApiServices& s, Request& request) {
  if (auto cookie = request.Cookie(kSessionCookie)) {
    if (auto refused = CsrfRefusal(s, request, Credential{false, *cookie})) {
      return std::move(*refused);
    }
    CG_TRY(s.accounts.Logout(*cookie));
  }
  Response response = Response::NoContent();
  ClearCookies(s, response);
  return response;
}

// With a session cookie the body also carries csrf_token, and the cg_csrf
// cookie is set again when the browser lost it.
core::Result<Response> Me(ApiServices& s, Request& request, const Caller& caller) {
  CG_ASSIGN_OR_RETURN(domain::AccountView view, s.accounts.Describe(caller));
  json::object out = CallerJson(caller, view).as_object();
  CG_TRY(AddProfileJson(s, caller, out));
  Credential credential = CredentialOf(request);
  if (credential.bearer) return Response::Json(200, out);
  std::string csrf = CsrfTokenFor(s, credential.token);
  out["csrf_token"] = csrf;
  Response response = Response::Json(200, out);
  response.AddHeader("Cache-Control", "no-store");
  if (request.Cookie(kCsrfCookie) != csrf) {
    response.AddHeader("Set-Cookie", CsrfCookie(s, csrf, std::nullopt));
  }
  return response;
}

core::Result<Response> ChangePassword(ApiServices& s, Request& request, const Caller& caller) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(request));
  CG_ASSIGN_OR_RETURN(std::string old_password, RequireString(body, "old_password", 128));
  CG_ASSIGN_OR_RETURN(std::string new_password, RequireString(body, "new_password", 128));
  CG_TRY(s.accounts.ChangePassword(caller, old_password, new_password));
  Response response = Response::NoContent();
  ClearCookies(s, response);
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
  router.Add("GET", "/api/v1/me",
             Authed(s, [&s](Request& r, const Caller& c) { return Me(s, r, c); }));
  router.Add("PUT", "/api/v1/me/password",
             Authed(s, [&s](Request& r, const Caller& c) { return ChangePassword(s, r, c); }));
  router.Add("POST", "/api/v1/tokens",
             Authed(s, [&s](Request& r, const Caller& c) { return CreateToken(s, r, c); }));
}

}  // namespace civicgrid::http
