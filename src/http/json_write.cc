#include "http/json_write.h"

#include <array>
#include <charconv>
#include <cmath>
#include <string_view>

#include <boost/json/serialize.hpp>

namespace civicgrid::http {

namespace json = boost::json;

namespace {

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
        out += json::serialize(json::string_view(key));
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
    case json::kind::uint64:
    case json::kind::string:
      break;
  }
  out += json::serialize(value);
}

}  // namespace

std::string WriteJson(const json::value& value) {
  std::string out;
  AppendJson(out, value);
  return out;
}

}  // namespace civicgrid::http
