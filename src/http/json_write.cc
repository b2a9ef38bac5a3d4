#include "http/json_write.h"

#include <array>
#include <charconv>
#include <cmath>

namespace civicgrid::http {

namespace json = boost::json;

namespace {

// Escapes exactly as Boost.JSON's serializer does: the quote, the backslash,
// \b \t \n \f \r by name, other control characters as \u00xx (lower-case
// hex); every other byte, UTF-8 included, as it is.
void AppendQuoted(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t plain = 0;  // start of the run of bytes that need no escape
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + plain, i - plain);
    plain = i + 1;
    out.push_back('\\');
    switch (c) {
      case '"':
      case '\\':
        out.push_back(static_cast<char>(c));
        break;
      case '\b':
        out.push_back('b');
        break;
      case '\t':
        out.push_back('t');
        break;
      case '\n':
        out.push_back('n');
        break;
      case '\f':
        out.push_back('f');
        break;
      case '\r':
        out.push_back('r');
        break;
      default:
        out += "u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xf]);
    }
  }
  out.append(text.data() + plain, text.size() - plain);
  out.push_back('"');
}

template <typename Integer>
void AppendInteger(std::string& out, Integer v) {
  std::array<char, 24> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  out.append(buf.data(), static_cast<size_t>(end - buf.data()));
}

void AppendJsonDouble(std::string& out, double v) {
  if (!std::isfinite(v)) {
    out += "null";
    return;
  }
  std::array<char, 32> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  if (ec != std::errc()) {  // cannot happen with 32 characters; stay valid JSON anyway
    out += "null";
    return;
  }
  const std::string_view text(buf.data(), static_cast<size_t>(end - buf.data()));
  out += text;
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

void AppendJson(std::string& out, const json::value& value) {
  switch (value.kind()) {
    case json::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [key, member] : value.get_object()) {
        if (!first) out.push_back(',');
        first = false;
        AppendQuoted(out, std::string_view(key.data(), key.size()));
        out.push_back(':');
        AppendJson(out, member);
      }
      out.push_back('}');
      return;
    }
    case json::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : value.get_array()) {
        if (!first) out.push_back(',');
        first = false;
        AppendJson(out, item);
      }
      out.push_back(']');
      return;
    }
    case json::kind::double_:
      AppendJsonDouble(out, value.get_double());
      return;
    case json::kind::null:
      out += "null";
      return;
    case json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      return;
    case json::kind::int64:
      AppendInteger(out, value.get_int64());
      return;
    case json::kind::uint64:
      AppendInteger(out, value.get_uint64());
      return;
    case json::kind::string:
      AppendQuoted(out, std::string_view(value.get_string().data(), value.get_string().size()));
      return;
  }
}

}  // namespace

std::string WriteJson(const json::value& value) {
  std::string out;
  AppendJson(out, value);
  return out;
}

void JsonWriter::Separate() {
  if (comma_) out_.push_back(',');
  comma_ = true;
}

void JsonWriter::Open(char bracket) {
  Separate();
  out_.push_back(bracket);
  comma_ = false;
}

void JsonWriter::Close(char bracket) {
  out_.push_back(bracket);
  comma_ = true;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  Separate();
  AppendQuoted(out_, key);
  out_.push_back(':');
  comma_ = false;
  return *this;
}

void JsonWriter::String(std::string_view text) {
  Separate();
  AppendQuoted(out_, text);
}

void JsonWriter::Int(int64_t value) {
  Separate();
  AppendInteger(out_, value);
}

void JsonWriter::Double(double value) {
  Separate();
  AppendJsonDouble(out_, value);
}

void JsonWriter::Bool(bool value) {
  Separate();
  out_ += value ? "true" : "false";
}

void JsonWriter::Null() {
  Separate();
  out_ += "null";
}

void JsonWriter::OptInt(const std::optional<int64_t>& value) { value ? Int(*value) : Null(); }

void JsonWriter::OptString(const std::optional<std::string>& text) {
  text ? String(*text) : Null();
}

}  // namespace civicgrid::http
