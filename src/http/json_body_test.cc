#include "http/json_body.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace civicgrid::http {
namespace {

using core::ErrorCode;

boost::json::object Object(std::string_view text) { return boost::json::parse(text).as_object(); }

TEST(ParseJsonBodyTest, AcceptsAnObject) {
  auto value = ParseJsonBody(R"({"name":"网格一","level":3})");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(value->at("name").as_string(), "网格一");
}

TEST(ParseJsonBodyTest, RefusesBadBodiesOnTheBodyField) {
  struct Case {
    std::string body;
    ErrorCode code;
  };
  const Case cases[] = {
      {"", ErrorCode::kInvalid},
      {"  \n", ErrorCode::kInvalid},
      {"{bad", ErrorCode::kInvalid},
      {R"({"a":1,})", ErrorCode::kInvalid},                                // trailing comma
      {R"({"a":1} // note)", ErrorCode::kInvalid},                         // comment
      {R"({"a":1} {"b":2})", ErrorCode::kInvalid},                         // trailing data
      {"\"\xff\"", ErrorCode::kInvalid},                                   // not UTF-8
      {std::string(33, '[') + std::string(33, ']'), ErrorCode::kInvalid},  // too deep
  };
  for (const Case& c : cases) {
    auto value = ParseJsonBody(c.body);
    ASSERT_FALSE(value.ok()) << c.body;
    EXPECT_EQ(value.error().code, c.code) << c.body;
    EXPECT_EQ(value.error().field, "body") << c.body;
    EXPECT_FALSE(value.error().message.empty());
  }
}

TEST(ParseJsonBodyTest, HonoursLimits) {
  std::string nested = std::string(32, '[') + std::string(32, ']');
  EXPECT_TRUE(ParseJsonBody(nested).ok());
  EXPECT_FALSE(ParseJsonBody(nested, JsonLimits{.max_depth = 31}).ok());
  auto big = ParseJsonBody(R"({"a":"0123456789"})", JsonLimits{.max_bytes = 10});
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().code, ErrorCode::kTooLarge);
}

TEST(RequireObjectTest, RefusesNonObjects) {
  boost::json::value array = boost::json::array{1, 2};
  auto object = RequireObject(array);
  ASSERT_FALSE(object.ok());
  EXPECT_EQ(object.error().field, "body");
  EXPECT_EQ(object.error().message, "请求体必须是 JSON 对象");
  boost::json::value empty = boost::json::object{};
  EXPECT_TRUE(RequireObject(empty).ok());
}

TEST(RequireStringTest, ReadsAndChecksText) {
  struct Case {
    std::string json;
    TextKind kind;
    bool ok;
  };
  const Case cases[] = {
      {R"({"name":"城关街道"})", TextKind::kSingleLine, true},
      {R"({"name":"一二三四五"})", TextKind::kSingleLine, true},     // 5 code points, 15 bytes
      {R"({"name":"一二三四五六"})", TextKind::kSingleLine, false},  // too long
      {R"({"name":""})", TextKind::kSingleLine, false},              // empty
      {R"({"name":null})", TextKind::kSingleLine, false},            // null is missing
      {R"({})", TextKind::kSingleLine, false},                       // missing
      {R"({"name":5})", TextKind::kSingleLine, false},               // not a string
      {R"({"name":"a\tb"})", TextKind::kSingleLine, false},
      {R"({"name":"a\nb"})", TextKind::kSingleLine, false},
      {R"({"name":"a\nb"})", TextKind::kMultiLine, true},
      {R"({"name":"a\tb"})", TextKind::kMultiLine, true},
      {R"({"name":"a\rb"})", TextKind::kMultiLine, false},
      {R"({"name":"a\u0000"})", TextKind::kMultiLine, false},
      {R"({"name":"a\u007f"})", TextKind::kSingleLine, false},
      {R"({"name":"a\u0085"})", TextKind::kSingleLine, false},  // C1 control
  };
  for (const Case& c : cases) {
    auto text = RequireString(Object(c.json), "name", 5, c.kind);
    EXPECT_EQ(text.ok(), c.ok) << c.json;
    if (!text.ok()) {
      EXPECT_EQ(text.error().field, "name") << c.json;
      EXPECT_EQ(text.error().code, ErrorCode::kInvalid);
    }
  }
}

TEST(CheckTextTest, RefusesMalformedUtf8) {
  const std::string bad[] = {
      "\xff",
      "\xc0\xaf",          // overlong '/'
      "\xe4\xb8",          // truncated
      "\xed\xa0\x80",      // surrogate
      "\xf4\x90\x80\x80",  // above U+10FFFF
      "a\x80z",            // stray continuation byte
  };
  for (const std::string& text : bad) {
    EXPECT_FALSE(CheckText(text, "f", TextKind::kMultiLine).ok());
  }
  auto count = CheckText("网格 ok \xf0\x9f\x98\x80", "f", TextKind::kSingleLine);
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 7U);  // 网 格 space o k space 😀
}

TEST(OptionalStringTest, AbsentOrNullIsNulloptAndEmptyIsAllowed) {
  EXPECT_EQ(*OptionalString(Object("{}"), "note", 10), std::nullopt);
  EXPECT_EQ(*OptionalString(Object(R"({"note":null})"), "note", 10), std::nullopt);
  EXPECT_EQ(*OptionalString(Object(R"({"note":""})"), "note", 10), "");
  EXPECT_FALSE(OptionalString(Object(R"({"note":[]})"), "note", 10).ok());
}

TEST(RequireIntTest, AcceptsWholeNumbersInRange) {
  struct Case {
    const char* json;
    bool ok;
  };
  const Case cases[] = {
      {R"({"n":5})", true},     {R"({"n":-5})", false},  {R"({"n":101})", false},
      {R"({"n":5.0})", false},  {R"({"n":1e2})", false}, {R"({"n":"5"})", false},
      {R"({"n":true})", false}, {R"({})", false},        {R"({"n":18446744073709551615})", false},
  };
  for (const Case& c : cases) {
    auto number = RequireInt(Object(c.json), "n", 0, 100);
    EXPECT_EQ(number.ok(), c.ok) << c.json;
    if (!number.ok()) {
      EXPECT_EQ(number.error().field, "n");
    }
  }
  EXPECT_EQ(*RequireInt(Object(R"({"n":-9223372036854775808})"), "n"), INT64_MIN);
}

TEST(OptionalIntTest, AbsentIsNullopt) {
  EXPECT_EQ(*OptionalInt(Object("{}"), "n"), std::nullopt);
  EXPECT_EQ(*OptionalInt(Object(R"({"n":3})"), "n"), 3);
  EXPECT_FALSE(OptionalInt(Object(R"({"n":3})"), "n", 4, 9).ok());
}

TEST(BoolTest, ReadsBooleansOnly) {
  EXPECT_EQ(*RequireBool(Object(R"({"b":true})"), "b"), true);
  EXPECT_FALSE(RequireBool(Object(R"({"b":1})"), "b").ok());
  EXPECT_FALSE(RequireBool(Object("{}"), "b").ok());
  EXPECT_EQ(*OptionalBool(Object("{}"), "b"), std::nullopt);
  EXPECT_EQ(*OptionalBool(Object(R"({"b":false})"), "b"), false);
  auto wrong = OptionalBool(Object(R"({"b":"yes"})"), "b");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().field, "b");
}

}  // namespace
}  // namespace civicgrid::http
