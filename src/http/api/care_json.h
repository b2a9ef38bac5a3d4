// The JSON form of a reading batch ({"readings": [{"meter", "at", "value"}]}),
// shared by POST /api/v1/care/readings and the drop folder (app/care_drop.h).
#pragma once

#include <string_view>
#include <vector>

#include "domain/care/care_service.h"

namespace civicgrid::http {

core::Result<std::vector<domain::ReadingRow>> CareReadingsFromJson(std::string_view text);

}  // namespace civicgrid::http
