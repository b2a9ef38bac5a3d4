// The OpenAPI 3 document of the API (docs/openapi.json, compiled in).
#pragma once

#include <string_view>

namespace civicgrid::http {

std::string_view OpenApiDocument();

}  // namespace civicgrid::http
