#include "http/router.h"

#include <algorithm>
#include <stdexcept>

namespace civicgrid::http {

void Router::Add(std::string method, std::string pattern, Handler handler, RouteOptions options) {
  if (!handler) {
    throw std::invalid_argument("route needs a handler: " + pattern);
  }
  AddRoute(Route{std::move(method), std::move(pattern), {}, std::move(handler), {}, options});
}

void Router::AddAsync(std::string method, std::string pattern, AsyncHandler handler,
                      RouteOptions options) {
  if (!handler) {
    throw std::invalid_argument("route needs a handler: " + pattern);
  }
  AddRoute(Route{std::move(method), std::move(pattern), {}, {}, std::move(handler), options});
}

void Router::SetFallback(Handler handler, RouteOptions options) {
  fallback_ = std::move(handler);
  fallback_options_ = options;
}

void Router::AddRoute(Route route) {
  if (route.method.empty()) {
    throw std::invalid_argument("route needs a method: " + route.pattern);
  }
  route.segments = ParsePattern(route.pattern);
  for (const Route& existing : routes_) {
    if (existing.method == route.method && SameShape(existing, route)) {
      throw std::invalid_argument("duplicate route " + route.method + " " + route.pattern);
    }
  }
  routes_.push_back(std::move(route));
}

std::vector<Router::Segment> Router::ParsePattern(std::string_view pattern) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + std::string(pattern));
  }
  std::vector<Segment> segments;
  if (pattern == "/") {
    return segments;  // the root has no segments, as Boost.URL reports it
  }
  for (size_t start = 1; start <= pattern.size();) {
    size_t end = std::min(pattern.find('/', start), pattern.size());
    std::string_view text = pattern.substr(start, end - start);
    bool is_param = text.size() > 2 && text.front() == '{' && text.back() == '}';
    if (is_param) {
      text = text.substr(1, text.size() - 2);
    }
    if (text.find_first_of("{}") != std::string_view::npos) {
      throw std::invalid_argument("malformed route pattern: " + std::string(pattern));
    }
    segments.push_back(Segment{std::string(text), is_param});
    start = end + 1;
  }
  return segments;
}

bool Router::Matches(const Route& route, const std::vector<std::string>& segments) {
  if (route.segments.size() != segments.size()) {
    return false;
  }
  for (size_t i = 0; i < segments.size(); ++i) {
    const Segment& want = route.segments[i];
    if (want.is_param ? segments[i].empty() : want.text != segments[i]) {
      return false;
    }
  }
  return true;
}

// True when `a` has a literal at the first position where the kinds differ.
bool Router::MoreSpecific(const Route& a, const Route& b) {
  for (size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i) {
    if (a.segments[i].is_param != b.segments[i].is_param) {
      return !a.segments[i].is_param;
    }
  }
  return false;
}

bool Router::SameShape(const Route& a, const Route& b) {
  if (a.segments.size() != b.segments.size()) {
    return false;
  }
  for (size_t i = 0; i < a.segments.size(); ++i) {
    const Segment& x = a.segments[i];
    const Segment& y = b.segments[i];
    if (x.is_param != y.is_param || (!x.is_param && x.text != y.text)) {
      return false;
    }
  }
  return true;
}

RouteMatch Router::Match(std::string_view method, const std::vector<std::string>& segments) const {
  const Route* best_for_method = nullptr;
  const Route* best_any = nullptr;
  std::vector<std::string_view> methods;
  for (const Route& route : routes_) {
    if (!Matches(route, segments)) {
      continue;
    }
    if (best_any == nullptr || MoreSpecific(route, *best_any)) {
      best_any = &route;
    }
    if (route.method == method &&
        (best_for_method == nullptr || MoreSpecific(route, *best_for_method))) {
      best_for_method = &route;
    }
    if (std::find(methods.begin(), methods.end(), route.method) == methods.end()) {
      methods.push_back(route.method);
    }
  }
  if (best_for_method != nullptr) {
    return Found(*best_for_method, segments);
  }
  RouteMatch match;
  if (best_any == nullptr && fallback_ && (method == "GET" || method == "HEAD")) {
    match.kind = RouteMatch::Kind::kFound;
    match.handler = &fallback_;
    match.options = fallback_options_;
    match.pattern = std::string(kFallbackPattern);
    return match;
  }
  if (best_any != nullptr) {
    match.kind = RouteMatch::Kind::kMethodNotAllowed;
    match.pattern = best_any->pattern;
    for (std::string_view name : methods) {
      match.allow += (match.allow.empty() ? "" : ", ") + std::string(name);
    }
  }
  return match;
}

RouteMatch Router::Found(const Route& route, const std::vector<std::string>& segments) {
  RouteMatch match;
  match.kind = RouteMatch::Kind::kFound;
  if (route.async_handler) {
    match.async_handler = &route.async_handler;
  } else {
    match.handler = &route.handler;
  }
  match.options = route.options;
  match.pattern = route.pattern;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (route.segments[i].is_param) {
      match.params.emplace_back(route.segments[i].text, segments[i]);
    }
  }
  return match;
}

Response Router::Refusal(const RouteMatch& match) {
  if (match.kind == RouteMatch::Kind::kMethodNotAllowed) {
    Response response = Response::FromError(
        core::Error{core::ErrorCode::kInvalid, "此地址不支持该请求方法，可用：" + match.allow, {}},
        405);
    response.AddHeader("Allow", match.allow);
    return response;
  }
  return Response::FromError(core::Error::NotFound("请求的地址不存在"));
}

std::vector<RouteInfo> Router::Routes() const {
  std::vector<RouteInfo> infos;
  infos.reserve(routes_.size());
  for (const Route& route : routes_) {
    infos.push_back(RouteInfo{route.method, route.pattern});
  }
  return infos;
}

}  // namespace civicgrid::http
