#include "domain/tickets/json_text.h"

#include <charconv>
#include <cmath>

namespace civicgrid::domain {

std::string JsonText::Quote(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
  return out;
}

JsonText& JsonText::Raw(std::string_view key, std::string_view json) {
  if (!body_.empty()) body_ += ',';
  body_ += Quote(key);
  body_ += ':';
  body_ += json;
  return *this;
}

JsonText& JsonText::Int(std::string_view key, int64_t value) {
  return Raw(key, std::to_string(value));
}

JsonText& JsonText::Real(std::string_view key, double value) {
  if (!std::isfinite(value)) return Null(key);
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  (void)ec;
  return Raw(key, std::string_view(buf, static_cast<size_t>(end - buf)));
}

JsonText& JsonText::Bool(std::string_view key, bool value) {
  return Raw(key, value ? "true" : "false");
}

JsonText& JsonText::Str(std::string_view key, std::string_view value) {
  return Raw(key, Quote(value));
}

JsonText& JsonText::Null(std::string_view key) { return Raw(key, "null"); }

JsonText& JsonText::Ints(std::string_view key, const std::vector<int64_t>& values) {
  std::string list = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) list += ',';
    list += std::to_string(values[i]);
  }
  list += ']';
  return Raw(key, list);
}

JsonText& JsonText::Object(std::string_view key, const JsonText& value) {
  return Raw(key, value.str());
}

}  // namespace civicgrid::domain
