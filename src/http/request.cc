#include "http/request.h"

#include <algorithm>
#include <cctype>

#include <boost/url/parse.hpp>

namespace civicgrid::http {

namespace {

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
    text.remove_prefix(1);
  }
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
    text.remove_suffix(1);
  }
  return text;
}

// Looks for `name` in one Cookie header value: "a=1; b=\"2\"".
std::optional<std::string> FindCookie(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t end = header.find(';');
    std::string_view pair = TrimSpaces(header.substr(0, end));
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos || TrimSpaces(pair.substr(0, eq)) != name) {
      continue;
    }
    std::string_view value = TrimSpaces(pair.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return std::string(value);
  }
  return std::nullopt;
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [&](char x, char y) { return lower(x) == lower(y); });
}

std::optional<std::string> Request::Query(std::string_view name) const {
  for (const auto& [key, value] : query) {
    if (key == name) {
      return value;
    }
  }
  return std::nullopt;
}

std::string Request::Param(std::string_view name) const {
  for (const auto& [key, value] : params) {
    if (key == name) {
      return value;
    }
  }
  return {};
}

std::string_view Request::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) {
      return value;
    }
  }
  return {};
}

std::optional<std::string> Request::Cookie(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (!EqualsIgnoreCase(key, "cookie")) {
      continue;
    }
    if (auto found = FindCookie(value, name)) {
      return found;
    }
  }
  return std::nullopt;
}

bool IsSaneRequestId(std::string_view id) {
  constexpr size_t kMaxLength = 64;
  auto allowed = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.' ||
           c == ':';
  };
  return !id.empty() && id.size() <= kMaxLength && std::all_of(id.begin(), id.end(), allowed);
}

std::string PickRequestId(std::string_view incoming, uint64_t random_bits) {
  if (IsSaneRequestId(incoming)) {
    return std::string(incoming);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(16, '0');
  for (char& c : id) {
    c = kHex[random_bits & 0xF];
    random_bits >>= 4;
  }
  return id;
}

core::Result<std::vector<std::string>> ParseTarget(std::string_view target, Request& request) {
  auto url = boost::urls::parse_origin_form(target);
  if (!url) {
    return core::Error::Invalid("path", "请求地址格式不正确");
  }
  request.path = url->path();
  request.query.clear();
  for (auto param : url->params()) {
    request.query.emplace_back(std::move(param.key), std::move(param.value));
  }
  std::vector<std::string> segments;
  for (auto segment : url->segments()) {
    segments.push_back(std::move(segment));
  }
  return segments;
}

}  // namespace civicgrid::http
