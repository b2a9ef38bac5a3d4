// libFuzzer target: the Open311 form parser (application/x-www-form-urlencoded
// bodies, http/open311/form.h), which reads every GeoReport v2 write. Besides
// no crash, hang or out-of-bounds read:
//   - a refusal names the field "body";
//   - a parsed form has at most Form::kMaxFields fields, each with a non-empty
//     name, names and values valid UTF-8 and never longer than the body;
//   - Get(name) answers the first non-empty value of that name, as fields()
//     lists them;
//   - writing the fields back (every byte percent-escaped, or only the ones
//     that must be) and parsing again gives the same fields;
//   - DecodeFormComponent on the whole body agrees with a reference decoder
//     written here.
// A broken property calls __builtin_trap() so the fuzzer reports the input.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/text_encoding.h"
#include "http/open311/form.h"

namespace {

using civicgrid::http::open311::DecodeFormComponent;
using civicgrid::http::open311::Form;

void Check(bool condition) {
  if (!condition) {
    __builtin_trap();
  }
}

constexpr std::string_view kHex = "0123456789ABCDEF";

// Escapes every byte (`all`), or only those the form syntax needs escaped.
std::string Encode(std::string_view text, bool all) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (!all && c == ' ') {
      out.push_back('+');
    } else if (!all && c != '%' && c != '&' && c != '=' && c != '+') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
    }
  }
  return out;
}

std::optional<int> Hex(char c) {
  const auto at = std::string_view("0123456789abcdef0123456789ABCDEF").find(c);
  return at == std::string_view::npos ? std::nullopt : std::optional<int>(int(at % 16));
}

// The decoding form.h describes, written independently.
std::optional<std::string> ReferenceDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] != '%') {
      out.push_back(text[i]);
    } else if (i + 2 < text.size() && Hex(text[i + 1]) && Hex(text[i + 2])) {
      out.push_back(static_cast<char>(*Hex(text[i + 1]) * 16 + *Hex(text[i + 2])));
      i += 2;
    } else {
      return std::nullopt;
    }
  }
  if (!civicgrid::core::IsValidUtf8(out)) {
    return std::nullopt;
  }
  return out;
}

void CheckRoundTrip(const Form& form, bool all) {
  std::string body;
  for (const auto& [name, value] : form.fields()) {
    body += (body.empty() ? "" : "&") + Encode(name, all) + "=" + Encode(value, all);
  }
  auto again = Form::Parse(body);
  Check(again.ok());
  Check(again->fields() == form.fields());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  const auto decoded = DecodeFormComponent(body);
  const auto reference = ReferenceDecode(body);
  Check(decoded.ok() == reference.has_value());
  if (decoded.ok()) {
    Check(*decoded == *reference);
  } else {
    Check(decoded.error().field == "body");
  }

  auto form = Form::Parse(body);
  if (!form.ok()) {
    Check(form.error().field == "body");
    return 0;
  }
  Check(form->fields().size() <= Form::kMaxFields);
  for (const auto& [name, value] : form->fields()) {
    Check(!name.empty() && name.size() <= size && value.size() <= size);
    Check(civicgrid::core::IsValidUtf8(name) && civicgrid::core::IsValidUtf8(value));
    std::optional<std::string> first;
    for (const auto& [other_name, other_value] : form->fields()) {
      if (other_name == name && !other_value.empty()) {
        first = other_value;
        break;
      }
    }
    Check(form->Get(name) == first);
  }
  CheckRoundTrip(*form, true);
  CheckRoundTrip(*form, false);
  return 0;
}
