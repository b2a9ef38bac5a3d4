// Baidu's BD-09 positions. Chinese map SDKs report GCJ-02 (AMap, Tencent,
// WeChat) or BD-09 (Baidu): BD-09 is GCJ-02 shifted once more, by the
// published polar-coordinate formula (about 0.0065° east and 0.006° north).
// The API accepts coord_sys=bd09 and converts such a point to GCJ-02 at the
// edge, so the domain and the grid index keep taking WGS-84 or GCJ-02
// (geo.h). Pure functions; implemented in geo.cc.
#pragma once

#include <string_view>

#include "core/error.h"
#include "core/geo.h"

namespace civicgrid::core {

// Applied everywhere, as Baidu does. The two are inverse to within 0.2 m
// across China (the published inverse is approximate).
LonLat Bd09ToGcj02(LonLat bd09);
LonLat Gcj02ToBd09(LonLat gcj02);

// A coord_sys as the API spells it: the system the domain is told, and
// whether the point must first go from BD-09 to GCJ-02 (AsDatumPoint).
struct ApiDatum {
  CoordSys sys = CoordSys::kWgs84;  // kGcj02 for bd09
  bool bd09 = false;
};
// "wgs84", "gcj02" or "bd09"; any other value is Invalid on "coord_sys".
[[nodiscard]] Result<ApiDatum> ParseApiDatum(std::string_view text);
// The point in datum.sys: BD-09 converted to GCJ-02, others unchanged.
LonLat AsDatumPoint(LonLat point, ApiDatum datum);

}  // namespace civicgrid::core
