// JSON request bodies: parsing outside input with limits, and typed readers
// for the fields of a body object.
//
// Every error is core::ErrorCode::kInvalid with a zh-CN message. Errors about
// the body as a whole name the field kBodyField ("body", answered with 400);
// errors about one member name that member (answered with 422).
//
// Text rule for strings read here: valid UTF-8, and no control characters
// (C0, DEL, C1). TextKind::kMultiLine additionally allows '\n' and '\t' (for
// descriptions, minutes, notes); '\r' is refused everywhere, since browsers
// send plain '\n' line ends from JSON clients. Length limits count Unicode
// code points, not bytes, so "max 50" means 50 Chinese characters too.
//
// Free functions on values; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/error.h"

namespace civicgrid::http {

struct JsonLimits {
  // Largest body accepted, in bytes. The server enforces its own body limit
  // first; this one protects callers that parse text from elsewhere.
  size_t max_bytes = size_t{1} << 20;
  // Deepest nesting of arrays and objects accepted.
  size_t max_depth = 32;
};

// Parses a request body; no comments, no trailing commas, UTF-8 only.
core::Result<boost::json::value> ParseJsonBody(std::string_view body, JsonLimits limits = {});

// The body as an object, or "请求体必须是 JSON 对象" on kBodyField.
core::Result<const boost::json::object*> RequireObject(const boost::json::value& body);

enum class TextKind {
  kSingleLine,  // names, codes, titles: no control characters at all
  kMultiLine,   // free text: '\n' and '\t' allowed
};

// A required, non-empty string of at most `max_len` code points.
core::Result<std::string> RequireString(const boost::json::object& object, std::string_view field,
                                        size_t max_len, TextKind kind = TextKind::kSingleLine);
// Absent or null gives nullopt; otherwise the same rules as RequireString
// except that an empty string is allowed.
core::Result<std::optional<std::string>> OptionalString(const boost::json::object& object,
                                                        std::string_view field, size_t max_len,
                                                        TextKind kind = TextKind::kSingleLine);

// A required integer in [min, max]. JSON numbers with a fraction or exponent
// (3.0, 1e3) are refused: ids, money in fen and minutes are whole numbers.
core::Result<int64_t> RequireInt(const boost::json::object& object, std::string_view field,
                                 int64_t min = std::numeric_limits<int64_t>::min(),
                                 int64_t max = std::numeric_limits<int64_t>::max());
core::Result<std::optional<int64_t>> OptionalInt(const boost::json::object& object,
                                                 std::string_view field,
                                                 int64_t min = std::numeric_limits<int64_t>::min(),
                                                 int64_t max = std::numeric_limits<int64_t>::max());

core::Result<bool> RequireBool(const boost::json::object& object, std::string_view field);
core::Result<std::optional<bool>> OptionalBool(const boost::json::object& object,
                                               std::string_view field);

// Checks `text` against the text rule above; the error names `field`.
// Returns the number of code points.
core::Result<size_t> CheckText(std::string_view text, std::string_view field, TextKind kind);

}  // namespace civicgrid::http
