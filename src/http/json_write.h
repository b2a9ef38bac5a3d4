// Serialises JSON for the wire with every double as its shortest round-trip
// decimal (std::to_chars): 116.294993, not the 1.16294993E2 that Boost.JSON
// 1.81's serializer writes. A double that would print without a point or
// exponent gets ".0" (so it parses back as a double, 1.0 not 1); integers,
// strings, booleans and null are written as Boost.JSON writes them; a
// non-finite double (never produced on purpose) is written as null, since JSON
// has no NaN or infinity. Every JSON body the server sends goes through here
// (Response::Json, Open311, the event stream).
//
// Two ways in: WriteJson() for a boost::json tree, and JsonWriter, which
// appends tokens straight to a string for hot pages that would otherwise build
// a tree per item and throw it away (a ticket list page: 25 tickets of ~45
// fields). Both write the same bytes for the same document. WriteJson is pure
// and thread-safe; a JsonWriter is used by one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace civicgrid::http {

std::string WriteJson(const boost::json::value& value);

// Appends a JSON document to `out` token by token, placing the commas itself:
//   JsonWriter w(body);
//   w.BeginObject();
//   w.Key("id").Int(7);
//   w.EndObject();  // {"id":7}
// The caller keeps the nesting balanced (keys only inside objects).
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  // Returns the writer, so a member is one line: w.Key("id").Int(7).
  JsonWriter& Key(std::string_view key);

  void String(std::string_view text);
  void Int(int64_t value);
  void Double(double value);
  void Bool(bool value);
  void Null();
  // The value, or null when empty.
  void OptInt(const std::optional<int64_t>& value);
  void OptString(const std::optional<std::string>& text);

 private:
  void Separate();
  void Open(char bracket);
  void Close(char bracket);

  std::string& out_;
  bool comma_ = false;  // the next value or key follows another in its container
};

}  // namespace civicgrid::http
