// libFuzzer target: the JSON request body parser and the typed field readers
// every handler uses. Outside input must never crash, hang or read out of
// bounds; every refusal must be an Error naming a field.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/json_body.h"

namespace {

using civicgrid::http::TextKind;

// Checks an Error names a field; aborts (a finding) when it does not.
template <typename T>
void ExpectFieldOnError(const civicgrid::core::Result<T>& result) {
  if (!result.ok() && result.error().field.empty()) {
    std::abort();
  }
}

void ReadFields(const boost::json::object& object) {
  for (const auto& member : object) {
    std::string_view key = member.key();
    if (key.empty()) {
      continue;  // an error about field "" cannot name it
    }
    ExpectFieldOnError(civicgrid::http::OptionalString(object, key, 64, TextKind::kSingleLine));
    ExpectFieldOnError(civicgrid::http::OptionalString(object, key, 4096, TextKind::kMultiLine));
    ExpectFieldOnError(civicgrid::http::OptionalInt(object, key, -1000, 1000));
    ExpectFieldOnError(civicgrid::http::OptionalBool(object, key));
  }
  ExpectFieldOnError(civicgrid::http::RequireString(object, "name", 50));
  ExpectFieldOnError(civicgrid::http::RequireInt(object, "id"));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  civicgrid::http::JsonLimits limits;
  limits.max_bytes = 64 * 1024;
  auto value = civicgrid::http::ParseJsonBody(body, limits);
  ExpectFieldOnError(value);
  if (!value.ok()) {
    return 0;
  }
  auto object = civicgrid::http::RequireObject(*value);
  ExpectFieldOnError(object);
  if (object.ok()) {
    ReadFields(**object);
  }
  ExpectFieldOnError(civicgrid::http::CheckText(body, "raw", TextKind::kMultiLine));
  return 0;
}
