#include "http/open311/wire.h"

#include <array>
#include <charconv>
#include <utility>

#include <boost/json.hpp>

namespace civicgrid::http::open311 {
namespace {

namespace json = boost::json;

void AppendDouble(std::string& out, double v) {
  std::array<char, 32> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  if (ec != std::errc()) {
    out += "0";
    return;
  }
  out.append(buf.data(), end);
}

// XML 1.0 allows tab, newline and carriage return among the C0 controls;
// anything else below 0x20 (which validation keeps out anyway) is dropped.
void AppendEscaped(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') break;
        out.push_back(c);
    }
  }
}

void WriteXml(std::string& out, std::string_view name, const json::value& v) {
  if (v.is_null()) {
    out += "<" + std::string(name) + "/>";
    return;
  }
  out += "<" + std::string(name) + ">";
  switch (v.kind()) {
    case json::kind::object:
      for (const auto& [key, member] : v.get_object()) WriteXml(out, key, member);
      break;
    case json::kind::array:
      for (const auto& item : v.get_array()) WriteXml(out, SingularOf(name), item);
      break;
    case json::kind::string:
      AppendEscaped(out, v.get_string());
      break;
    case json::kind::double_:
      AppendDouble(out, v.get_double());
      break;
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      break;
    default:  // integers
      out += json::serialize(v);
      break;
  }
  out += "</" + std::string(name) + ">";
}

}  // namespace

std::string_view SingularOf(std::string_view list) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kNames{{
      {"services", "service"},
      {"service_requests", "request"},
      {"service_request_updates", "request_update"},
      {"attributes", "attribute"},
      {"values", "value"},
      {"errors", "error"},
      {"endpoints", "endpoint"},
      {"formats", "format"},
  }};
  for (const auto& [plural, singular] : kNames) {
    if (plural == list) return singular;
  }
  if (list.size() > 1 && list.back() == 's') return list.substr(0, list.size() - 1);
  return "item";
}

std::string XmlText(std::string_view root, const json::value& value) {
  std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";
  WriteXml(out, root, value);
  out.push_back('\n');
  return out;
}

}  // namespace civicgrid::http::open311
