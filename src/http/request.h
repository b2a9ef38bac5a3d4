// Request: one parsed HTTP request as a handler sees it.
//
// A plain value the server fills before calling the handler; the handler owns
// it for the duration of the call (it may move the body out). No Beast types.
// Not thread-safe; nothing shares a Request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"

namespace civicgrid::http {

using NameValues = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;  // as sent, e.g. "GET" (methods are case-sensitive)
  std::string path;    // percent-decoded path without the query, e.g. "/api/v1/org-nodes/7"
  NameValues query;    // decoded query parameters in order ('+' reads as a space)
  NameValues params;   // route parameters, e.g. {"id","7"} for "/api/v1/org-nodes/{id}"
  NameValues headers;  // request headers as received
  std::string body;
  std::string remote_address;  // peer IP address (no proxy header is trusted)
  std::string request_id;      // also sent back as X-Request-Id
  std::string route;           // matched pattern, e.g. "/api/v1/org-nodes/{id}"; empty if none

  // First query parameter called `name`, if any.
  std::optional<std::string> Query(std::string_view name) const;
  // Route parameter `name`; empty when the route has no such parameter.
  std::string Param(std::string_view name) const;
  // First header called `name`, compared case-insensitively; empty when absent.
  std::string_view Header(std::string_view name) const;
  // Value of cookie `name` from the Cookie header(s), quotes removed.
  std::optional<std::string> Cookie(std::string_view name) const;
};

// Splits an origin-form request target ("/a/b%20c?x=1") into request.path,
// request.query and the decoded path segments used for routing ({"a","b c"}).
// A decoded '/' (%2F) stays inside its segment. Used by the server; public for tests.
core::Result<std::vector<std::string>> ParseTarget(std::string_view target, Request& request);

// True for an incoming X-Request-Id worth keeping: 1 to 64 characters of
// [A-Za-z0-9._:-], so it cannot smuggle anything into logs or headers.
bool IsSaneRequestId(std::string_view id);

// `incoming` when sane, otherwise 16 hex digits made from `random_bits`.
std::string PickRequestId(std::string_view incoming, uint64_t random_bits);

// ASCII case-insensitive comparison, as HTTP header names need.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace civicgrid::http
