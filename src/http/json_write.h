// Serialises a boost::json::value for the wire with every double as its
// shortest round-trip decimal (std::to_chars): 116.294993, not the
// 1.16294993E2 that Boost.JSON 1.81's serializer writes. A double that would
// print without a point or exponent gets ".0" (so it parses back as a double,
// 1.0 not 1); integers, strings, booleans and null are written as Boost.JSON
// writes them; a non-finite double (never produced on purpose) is written as
// null, since JSON has no NaN or infinity. Every JSON body the server sends
// goes through here (Response::Json, Open311, the event stream). Pure;
// thread-safe.
#pragma once

#include <string>

#include <boost/json/value.hpp>

namespace civicgrid::http {

std::string WriteJson(const boost::json::value& value);

}  // namespace civicgrid::http
