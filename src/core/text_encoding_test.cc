#include "core/text_encoding.h"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace civicgrid::core {
namespace {

// "张三,13800138000" as Excel saves it on Chinese Windows (code page 936):
// 张 = D5 C5, 三 = C8 FD.
constexpr std::string_view kGbkZhangSan = "\xD5\xC5\xC8\xFD,13800138000";
constexpr std::string_view kUtf8ZhangSan = "张三,13800138000";

// Names parameterised cases after their `name` member.
struct CaseName {
  template <typename Case>
  std::string operator()(const testing::TestParamInfo<Case>& param_info) const {
    return std::string(param_info.param.name);
  }
};

struct DetectCase {
  std::string_view name;
  std::string_view bytes;
  TextEncoding expected;
};

class DetectEncodingTest : public testing::TestWithParam<DetectCase> {};

TEST_P(DetectEncodingTest, ClassifiesBytes) {
  EXPECT_EQ(DetectEncoding(GetParam().bytes), GetParam().expected)
      << TextEncodingName(DetectEncoding(GetParam().bytes));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DetectEncodingTest,
    testing::Values(DetectCase{"Empty", "", TextEncoding::kUtf8},
                    DetectCase{"Ascii", "name,phone\r\n", TextEncoding::kUtf8},
                    DetectCase{"Utf8Chinese", kUtf8ZhangSan, TextEncoding::kUtf8},
                    DetectCase{"Utf8Bom",
                               "\xEF\xBB\xBF"
                               "a,b",
                               TextEncoding::kUtf8Bom},
                    DetectCase{"BomOnly", "\xEF\xBB\xBF", TextEncoding::kUtf8Bom},
                    DetectCase{"Gbk", kGbkZhangSan, TextEncoding::kGb18030},
                    // 李四王五 in GBK.
                    DetectCase{"GbkNames", "\xC0\xEE\xCB\xC4\xCD\xF5\xCE\xE5",
                               TextEncoding::kGb18030}),
    CaseName());

struct Utf8Case {
  std::string_view name;
  std::string_view bytes;
  bool valid;
};

class IsValidUtf8Test : public testing::TestWithParam<Utf8Case> {};

TEST_P(IsValidUtf8Test, AcceptsOnlyWellFormedSequences) {
  EXPECT_EQ(IsValidUtf8(GetParam().bytes), GetParam().valid);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, IsValidUtf8Test,
    testing::Values(Utf8Case{"Empty", "", true}, Utf8Case{"Ascii", "abc", true},
                    Utf8Case{"NulByte", std::string_view("a\0b", 3), true},
                    Utf8Case{"TwoBytes", "\xC3\xA9", true},                  // é
                    Utf8Case{"ThreeBytes", "\xE5\xBC\xA0", true},            // 张
                    Utf8Case{"FourBytes", "\xF0\x9F\x98\x80", true},         // 😀
                    Utf8Case{"LastBeforeSurrogates", "\xED\x9F\xBF", true},  // U+D7FF
                    Utf8Case{"FirstAfterSurrogates", "\xEE\x80\x80", true},  // U+E000
                    Utf8Case{"MaxCodePoint", "\xF4\x8F\xBF\xBF", true},      // U+10FFFF
                    Utf8Case{"OverlongNul", "\xC0\x80", false},
                    Utf8Case{"OverlongSlash", "\xC1\xAF", false},
                    Utf8Case{"OverlongThreeBytes", "\xE0\x80\xAF", false},
                    Utf8Case{"OverlongFourBytes", "\xF0\x80\x80\xAF", false},
                    Utf8Case{"HighSurrogate", "\xED\xA0\x80", false},  // U+D800
                    Utf8Case{"LowSurrogate", "\xED\xBF\xBF", false},   // U+DFFF
                    Utf8Case{"AboveMax", "\xF4\x90\x80\x80", false},   // U+110000
                    Utf8Case{"F5Lead", "\xF5\x80\x80\x80", false},
                    Utf8Case{"FFByte", "\xFF", false}, Utf8Case{"LoneContinuation", "\x80", false},
                    Utf8Case{"Truncated", "\xE5\xBC", false},
                    Utf8Case{"BadContinuation",
                             "\xC3"
                             "a",
                             false},
                    Utf8Case{"Gbk", kGbkZhangSan, false}),
    CaseName());

TEST(FindInvalidUtf8Test, ReportsOffsetOfFirstBadByte) {
  EXPECT_EQ(FindInvalidUtf8("张三\xFF"), 6u);
  EXPECT_EQ(FindInvalidUtf8("ok"), std::string_view::npos);
}

TEST(ToUtf8Test, StripsBom) {
  const Result<std::string> text = ToUtf8("\xEF\xBB\xBF姓名,电话\r\n");
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, "姓名,电话\r\n");
}

TEST(ToUtf8Test, KeepsUtf8WithoutBom) {
  const Result<std::string> text = ToUtf8(kUtf8ZhangSan);
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, kUtf8ZhangSan);
}

TEST(ToUtf8Test, ConvertsGbk) {
  const Result<std::string> text = ToUtf8(kGbkZhangSan);
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, kUtf8ZhangSan);
}

TEST(ToUtf8Test, ConvertsCodePage936Euro) {
  const Result<std::string> text = ToUtf8(
      "\xD5\xC5\xC8\xFD\x80"
      "5");
  ASSERT_TRUE(text.ok()) << text.error().message;
  EXPECT_EQ(*text, "张三€5");
}

struct BadBytesCase {
  std::string_view name;
  std::string_view bytes;
  std::string_view offset_text;  // must appear in the message
};

class ToUtf8RejectsTest : public testing::TestWithParam<BadBytesCase> {};

TEST_P(ToUtf8RejectsTest, NamesBodyAndOffset) {
  const Result<std::string> text = ToUtf8(GetParam().bytes);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(text.error().field, "body");
  EXPECT_NE(text.error().message.find(GetParam().offset_text), std::string::npos)
      << text.error().message;
}

INSTANTIATE_TEST_SUITE_P(Cases, ToUtf8RejectsTest,
                         testing::Values(BadBytesCase{"InvalidGbkByte", "\xD5\xC5\xFF\xFF",
                                                      "偏移 2"},
                                         BadBytesCase{"TruncatedGbkAtEnd", "abc\xD5", "偏移 3"},
                                         BadBytesCase{"InvalidAfterBom",
                                                      "\xEF\xBB\xBF"
                                                      "ab\xFF",
                                                      "偏移 5"},
                                         BadBytesCase{"Utf16Le",
                                                      "\xFF\xFE"
                                                      "a",
                                                      "UTF-16"},
                                         BadBytesCase{"Utf16Be",
                                                      "\xFE\xFF"
                                                      "a",
                                                      "UTF-16"}),
                         CaseName());

TEST(Utf8ToGb18030Test, ProducesGbkBytesForCommonChinese) {
  EXPECT_EQ(Utf8ToGb18030(kUtf8ZhangSan), kGbkZhangSan);
}

TEST(Utf8ToGb18030Test, RoundTripsThroughToUtf8IncludingFourByteCharacters) {
  const std::string_view original = "网格员：李四 😀 €";
  const Result<std::string> back = ToUtf8(Utf8ToGb18030(original));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(*back, original);
}

TEST(Utf8ToGb18030Test, ReplacesInvalidUtf8WithQuestionMark) {
  EXPECT_EQ(Utf8ToGb18030("a\xFF"
                          "b"),
            "a?b");
}

}  // namespace
}  // namespace civicgrid::core
