// Form bodies (application/x-www-form-urlencoded), as Open311 clients POST
// them: "api_key=…&service_code=E01.01&attribute[anonymous]=true".
//
// '+' reads as a space and %XX as a byte; names and values must be valid
// UTF-8 after decoding. Brackets may come raw or escaped (%5B %5D), since the
// GeoReport v2 examples send them raw. Open311 says an empty optional value
// means the same as an absent one, so Get() answers nullopt for both.
// Value type; thread-compatible.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "http/request.h"

namespace civicgrid::http::open311 {

class Form {
 public:
  // Most fields accepted in one body; more is an error, not a truncation.
  static constexpr size_t kMaxFields = 200;

  // Errors name the field "body".
  static core::Result<Form> Parse(std::string_view body);

  // The first non-empty value of `name`, if any.
  std::optional<std::string> Get(std::string_view name) const;
  // Every (name, value) in order, empty values included.
  const NameValues& fields() const { return fields_; }

 private:
  NameValues fields_;
};

// Decodes one name or value: '+' → ' ', %XX → byte. Invalid on a malformed
// escape or when the result is not UTF-8.
core::Result<std::string> DecodeFormComponent(std::string_view text);

}  // namespace civicgrid::http::open311
