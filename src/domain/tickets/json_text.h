// JsonText: the ticket domain's own tiny JSON writer, for the few texts the
// domain stores or signs (an event's `data`, a webhook payload, the digest of
// a request under an idempotency key). Objects only, written in the order the
// fields are added; strings escaped per RFC 8259 (UTF-8 passes through).
// Not a JSON library: the domain never parses with it, and the http layer
// maps the stored text with its own. Value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace civicgrid::domain {

class JsonText {
 public:
  JsonText& Int(std::string_view key, int64_t value);
  JsonText& Real(std::string_view key, double value);  // shortest round-trip decimal
  JsonText& Bool(std::string_view key, bool value);
  JsonText& Str(std::string_view key, std::string_view value);
  JsonText& Null(std::string_view key);
  JsonText& Ints(std::string_view key, const std::vector<int64_t>& values);
  JsonText& Object(std::string_view key, const JsonText& value);
  // `json` written as is: the caller's finished JSON value (an array, an
  // object another writer built).
  JsonText& Raw(std::string_view key, std::string_view json);

  bool empty() const { return body_.empty(); }
  std::string str() const { return "{" + body_ + "}"; }

  // `text` as a JSON string literal, with its quotes.
  static std::string Quote(std::string_view text);

 private:
  std::string body_;
};

}  // namespace civicgrid::domain
