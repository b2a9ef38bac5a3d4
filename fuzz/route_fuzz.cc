// libFuzzer target: the request target parser and the route matcher
// (http::ParseTarget, http::Router), on the server's real route table (read
// from docs/openapi.json, which the openapi test keeps equal to the router)
// plus routes the input adds.
//
// Input: lines. Every line but the last adds a route "METHOD PATTERN" (at most
// kMaxExtraRoutes); the last line is the request, "METHOD TARGET" ("GET" when
// it has no space). Besides no crash, hang or out-of-bounds read:
//   - Router::Add refuses exactly the patterns a reference reading of
//     router.h refuses (no leading '/', braces outside a whole "{name}"
//     segment, an empty method, the same method and shape twice);
//   - Match answers what a reference matcher written here answers: found with
//     the most specific route of the method (a literal earliest wins, and that
//     route is unique), 405 with every matching method in registration order,
//     or 404; the params name the pattern's parameters in order with the
//     path's segments as values;
//   - a found route round-trips: the path rebuilt from the pattern and the
//     params (percent-encoded) parses to the same segments and matches the
//     same route with the same params.
// A broken property calls __builtin_trap() so the fuzzer reports the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "http/request.h"
#include "http/router.h"

#ifndef CIVICGRID_OPENAPI_JSON
#error "CIVICGRID_OPENAPI_JSON must name docs/openapi.json"
#endif

namespace {

using civicgrid::http::Request;
using civicgrid::http::RouteMatch;
using civicgrid::http::Router;

constexpr size_t kMaxExtraRoutes = 16;

void Check(bool condition) {
  if (!condition) {
    __builtin_trap();
  }
}

struct Segment {
  std::string text;
  bool is_param = false;
};

struct RefRoute {
  std::string method;
  std::string pattern;
  std::vector<Segment> segments;
};

std::vector<RefRoute>& BaseRoutes() {
  static std::vector<RefRoute> routes;
  return routes;
}

// The router with BaseRoutes() only, built once; each input adds to a copy.
Router& BaseRouter() {
  static Router router;
  return router;
}

// The pattern syntax of router.h; nullopt for a pattern Add() must refuse.
std::optional<std::vector<Segment>> ReferenceParse(std::string_view pattern) {
  if (pattern.empty() || pattern[0] != '/') {
    return std::nullopt;
  }
  std::vector<Segment> segments;
  if (pattern == "/") {
    return segments;
  }
  std::string_view rest = pattern.substr(1);
  while (true) {
    const size_t slash = rest.find('/');
    std::string_view text = rest.substr(0, slash);
    Segment segment;
    if (text.size() > 2 && text.front() == '{' && text.back() == '}') {
      segment.is_param = true;
      text = text.substr(1, text.size() - 2);
    }
    if (text.find_first_of("{}") != std::string_view::npos) {
      return std::nullopt;
    }
    segment.text = std::string(text);
    segments.push_back(std::move(segment));
    if (slash == std::string_view::npos) {
      return segments;
    }
    rest = rest.substr(slash + 1);
  }
}

bool SameShape(const std::vector<Segment>& a, const std::vector<Segment>& b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].is_param != b[i].is_param || (!a[i].is_param && a[i].text != b[i].text)) {
      return false;
    }
  }
  return true;
}

bool Matches(const RefRoute& route, const std::vector<std::string>& path) {
  if (route.segments.size() != path.size()) {
    return false;
  }
  for (size_t i = 0; i < path.size(); ++i) {
    const Segment& want = route.segments[i];
    if (want.is_param ? path[i].empty() : want.text != path[i]) {
      return false;
    }
  }
  return true;
}

// -1 when `a` is more specific than `b` (a literal at the first position where
// the kinds differ), 1 when less, 0 when the kinds are the same throughout.
int CompareSpecificity(const RefRoute& a, const RefRoute& b) {
  for (size_t i = 0; i < a.segments.size() && i < b.segments.size(); ++i) {
    if (a.segments[i].is_param != b.segments[i].is_param) {
      return a.segments[i].is_param ? 1 : -1;
    }
  }
  return 0;
}

// Adds `route` to both the router and `accepted`, checking they agree on refusals.
void AddBoth(Router& router, std::vector<RefRoute>& accepted, std::string method,
             std::string pattern) {
  const auto segments = ReferenceParse(pattern);
  bool refuse = !segments.has_value() || method.empty();
  for (const RefRoute& other : accepted) {
    refuse = refuse || (other.method == method && SameShape(other.segments, *segments));
  }
  bool refused = false;
  try {
    router.Add(method, pattern, [](Request&) { return civicgrid::http::Response(); });
  } catch (const std::invalid_argument&) {
    refused = true;
  }
  Check(refused == refuse);
  if (!refused) {
    accepted.push_back(RefRoute{std::move(method), std::move(pattern), *segments});
  }
}

std::string Encode(std::string_view text) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    }
  }
  return out;
}

// The reference decision for one request, checked against the router's.
void CheckMatch(const Router& router, const std::vector<RefRoute>& routes, std::string_view method,
                const std::vector<std::string>& path, bool round_trip) {
  const RefRoute* best_for_method = nullptr;
  const RefRoute* best_any = nullptr;
  std::string allow;
  std::vector<std::string_view> methods;
  for (const RefRoute& route : routes) {
    if (!Matches(route, path)) {
      continue;
    }
    if (best_any == nullptr || CompareSpecificity(route, *best_any) < 0) {
      best_any = &route;
    }
    if (route.method == method) {
      if (best_for_method != nullptr) {
        // Two routes of one method that match one path differ in kind somewhere.
        Check(CompareSpecificity(route, *best_for_method) != 0);
      }
      if (best_for_method == nullptr || CompareSpecificity(route, *best_for_method) < 0) {
        best_for_method = &route;
      }
    }
    bool seen = false;
    for (std::string_view m : methods) {
      seen = seen || m == route.method;
    }
    if (!seen) {
      methods.push_back(route.method);
      allow += (allow.empty() ? "" : ", ") + route.method;
    }
  }

  const RouteMatch match = router.Match(method, path);
  if (best_for_method == nullptr) {
    Check(match.handler == nullptr && match.async_handler == nullptr && match.params.empty());
    if (best_any == nullptr) {
      Check(match.kind == RouteMatch::Kind::kNotFound && match.pattern.empty());
    } else {
      Check(match.kind == RouteMatch::Kind::kMethodNotAllowed);
      Check(match.pattern == best_any->pattern && match.allow == allow);
    }
    return;
  }
  Check(match.kind == RouteMatch::Kind::kFound && match.handler != nullptr);
  Check(match.pattern == best_for_method->pattern);
  civicgrid::http::NameValues params;
  std::string target;
  for (size_t i = 0; i < path.size(); ++i) {
    const Segment& segment = best_for_method->segments[i];
    if (segment.is_param) {
      params.emplace_back(segment.text, path[i]);
    }
    target += "/" + Encode(path[i]);
  }
  Check(match.params == params);
  if (!round_trip) {
    return;
  }
  if (target.empty()) {
    target = "/";
  }
  Request again;
  const auto segments = civicgrid::http::ParseTarget(target, again);
  Check(segments.ok() && *segments == path);
  CheckMatch(router, routes, method, *segments, false);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  std::ifstream file(CIVICGRID_OPENAPI_JSON);
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  boost::system::error_code error;
  const boost::json::value doc = boost::json::parse(text, error);
  if (error || !doc.is_object() || !doc.as_object().contains("paths")) {
    std::fprintf(stderr, "route_fuzz: cannot read the route table from %s\n",
                 CIVICGRID_OPENAPI_JSON);
    std::abort();
  }
  for (const auto& [pattern, item] : doc.at("paths").as_object()) {
    for (const auto& [method, operation] : item.as_object()) {
      if (method == "parameters") {
        continue;
      }
      std::string upper(method);
      for (char& c : upper) {
        c = static_cast<char>(c - ('a' <= c && c <= 'z' ? 'a' - 'A' : 0));
      }
      auto segments = ReferenceParse(pattern);
      Check(segments.has_value());
      BaseRoutes().push_back(RefRoute{upper, std::string(pattern), *segments});
    }
  }
  Check(BaseRoutes().size() > 50);
  std::vector<RefRoute> accepted;
  for (const RefRoute& route : BaseRoutes()) {
    AddBoth(BaseRouter(), accepted, route.method, route.pattern);
  }
  Check(accepted.size() == BaseRoutes().size());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> lines;
  while (true) {
    const size_t newline = input.find('\n');
    lines.push_back(input.substr(0, newline));
    if (newline == std::string_view::npos) {
      break;
    }
    input.remove_prefix(newline + 1);
  }
  auto split = [](std::string_view line) {
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) {
      return std::make_pair(std::string("GET"), std::string(line));
    }
    return std::make_pair(std::string(line.substr(0, space)), std::string(line.substr(space + 1)));
  };

  Router router = BaseRouter();
  std::vector<RefRoute> routes = BaseRoutes();
  for (size_t i = 0; i + 1 < lines.size() && i < kMaxExtraRoutes; ++i) {
    auto [method, pattern] = split(lines[i]);
    AddBoth(router, routes, std::move(method), std::move(pattern));
  }

  const auto [method, target] = split(lines.back());
  Request request;
  const auto segments = civicgrid::http::ParseTarget(target, request);
  if (!segments.ok()) {
    Check(segments.error().field == "path");
    return 0;
  }
  CheckMatch(router, routes, method, *segments, true);
  return 0;
}
