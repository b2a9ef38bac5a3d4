// The JSON lines the server writes through its spdlog logger: one access
// line per request and one event line per failure. Kept apart from server.cc
// so they can be tested without Beast. Free functions; thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "http/request.h"

namespace civicgrid::http {

// {"method":"GET","route":"/x/{id}","path":"/x/7","status":200,"duration_us":81,
//  "bytes":17,"request_id":"...","remote":"127.0.0.1"}. The query string is left
// out on purpose: it may carry tokens or personal data.
std::string AccessLogLine(const Request& request, unsigned status,
                          std::chrono::microseconds duration, size_t bytes);

// {"event":"handler_exception","method":...,"route":...,"request_id":...,"what":...};
// `request` may be null for failures outside a request (accept errors).
std::string EventLogLine(std::string_view event, const Request* request, std::string_view what);

}  // namespace civicgrid::http
