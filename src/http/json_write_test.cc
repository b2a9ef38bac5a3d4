#include "http/json_write.h"

#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <limits>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "http/response.h"

namespace civicgrid::http {
namespace {

namespace json = boost::json;

// The double a JSON number text parses back to, by a correctly rounding
// parser (Boost.JSON 1.81's own parser is not exact in the last bit).
double Reparsed(const std::string& text) {
  EXPECT_TRUE(json::parse(text).is_double()) << text;
  double back = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), back);
  EXPECT_TRUE(ec == std::errc() && end == text.data() + text.size()) << text;
  return back;
}

TEST(JsonWriteTest, DoublesAreShortestRoundTripDecimals) {
  const json::value v = json::object{{"lon", 116.294993}, {"rate", 0.9934}, {"n", 14708}};
  EXPECT_EQ(WriteJson(v), R"({"lon":116.294993,"rate":0.9934,"n":14708})");
}

TEST(JsonWriteTest, ParsingTheOutputGivesTheSameDoubleBitForBit) {
  const double values[] = {116.29499288989494,
                           39.436881119632584,
                           2080.0 / 2094.0,
                           0.1 + 0.2,
                           1e-7,
                           5e-324,
                           std::numeric_limits<double>::max(),
                           -0.0,
                           1.0,
                           123456789012345680.0};
  for (double d : values) {
    const std::string text = WriteJson(json::value(d));
    EXPECT_EQ(text.find('E'), std::string::npos) << text;  // not Boost's 1.16E2 form
    const double back = Reparsed(text);
    EXPECT_EQ(std::bit_cast<uint64_t>(back), std::bit_cast<uint64_t>(d)) << text;
  }
}

TEST(JsonWriteTest, WholeDoublesStayDoublesAndIntegersStayIntegers) {
  EXPECT_EQ(WriteJson(json::value(1.0)), "1.0");
  EXPECT_TRUE(json::parse(WriteJson(json::value(1.0))).is_double());
  EXPECT_EQ(WriteJson(json::value(int64_t{-3})), "-3");
  EXPECT_EQ(WriteJson(json::value(uint64_t{18446744073709551615ULL})), "18446744073709551615");
}

TEST(JsonWriteTest, NonFiniteDoublesAreNeverEmitted) {
  const json::value v = json::array{std::numeric_limits<double>::quiet_NaN(),
                                    std::numeric_limits<double>::infinity(), 2.5};
  EXPECT_EQ(WriteJson(v), "[null,null,2.5]");
}

TEST(JsonWriteTest, StringsKeysAndNestingAreWrittenAsBoostWritesThem) {
  const json::value v = json::object{{"名称", "路灯\"不亮\"\n"},
                                     {"a", json::array{true, false, nullptr, json::object{}}}};
  EXPECT_EQ(WriteJson(v), json::serialize(v));
}

TEST(JsonWriteTest, EveryByteOfAStringIsEscapedAsBoostEscapesIt) {
  for (int c = 0; c < 256; ++c) {
    const std::string text = std::string("a") + static_cast<char>(c) + "b";
    EXPECT_EQ(WriteJson(json::value(text)), json::serialize(json::value(text))) << c;
  }
  const std::string mixed = "\x01路灯\"不亮\"\\\t\r\n\x1f end";
  EXPECT_EQ(WriteJson(json::value(mixed)), json::serialize(json::value(mixed)));
  EXPECT_EQ(WriteJson(json::value(std::numeric_limits<int64_t>::min())),
            json::serialize(json::value(std::numeric_limits<int64_t>::min())));
}

TEST(JsonWriteTest, TheWriterWritesTheSameBytesAsTheTree) {
  const json::value tree = json::object{
      {"items",
       json::array{json::object{{"id", 7}, {"名称", "路灯\"不亮\""}, {"at", nullptr}},
                   json::object{{"lon", 116.294993}, {"ok", false}, {"ids", json::array{}}},
                   json::object{}}},
      {"next_after", -12},
      {"flags", json::array{true, 1.0, json::array{json::array{}, 2}}}};
  std::string out;
  JsonWriter w(out);
  w.BeginObject();
  w.Key("items");
  w.BeginArray();
  w.BeginObject();
  w.Key("id");
  w.Int(7);
  w.Key("名称");
  w.String("路灯\"不亮\"");
  w.Key("at");
  w.Null();
  w.EndObject();
  w.BeginObject();
  w.Key("lon");
  w.Double(116.294993);
  w.Key("ok");
  w.Bool(false);
  w.Key("ids");
  w.BeginArray();
  w.EndArray();
  w.EndObject();
  w.BeginObject();
  w.EndObject();
  w.EndArray();
  w.Key("next_after");
  w.Int(-12);
  w.Key("flags");
  w.BeginArray();
  w.Bool(true);
  w.Double(1.0);
  w.BeginArray();
  w.BeginArray();
  w.EndArray();
  w.Int(2);
  w.EndArray();
  w.EndArray();
  w.EndObject();
  EXPECT_EQ(out, WriteJson(tree));
  EXPECT_EQ(json::parse(out), tree);
}

TEST(JsonWriteTest, ResponsesUseIt) {
  const Response r = Response::Json(200, json::object{{"lat", 39.436881}, {"rate", 0.9934}});
  EXPECT_EQ(r.body, R"({"lat":39.436881,"rate":0.9934})");
}

}  // namespace
}  // namespace civicgrid::http
