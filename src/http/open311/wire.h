// The two Open311 output formats, written from one JSON value.
//
// GeoReport v2 defines XML and maps it to JSON by the Spark convention: a
// list element (<services>) becomes a JSON array of its children, a leaf
// becomes a string, number, boolean or null. Handlers build the JSON form;
// XmlText() turns it back into the spec's XML: the root element is named by
// the caller, array members are named by singularising their parent
// (services → service, service_requests → request, service_request_updates
// → request_update, attributes → attribute, values → value, errors → error,
// endpoints → endpoint, formats → format), null becomes an empty element.
//
// Both writers print numbers the short way (39.435, not Boost.JSON's
// 3.9435E1), since Open311 clients read coordinates as text in XML and
// expect ordinary decimals in JSON. Free functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace civicgrid::http::open311 {

inline constexpr std::string_view kXmlContentType = "text/xml; charset=utf-8";

// JSON bodies are written by http/json_write.h (WriteJson), like every other response.

// `<?xml version="1.0" encoding="utf-8"?>` and `value` as element `root`.
std::string XmlText(std::string_view root, const boost::json::value& value);

// The element name for the members of list element `list`.
std::string_view SingularOf(std::string_view list);

}  // namespace civicgrid::http::open311
