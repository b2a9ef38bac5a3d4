#include "core/csv.h"

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "core/text_encoding.h"

namespace civicgrid::core {

// Found by GoogleTest through argument-dependent lookup.
void PrintTo(const CsvRecord& record, std::ostream* os) {
  *os << "{line " << record.line << ":";
  for (const std::string& field : record.fields) {
    *os << " [" << field << "]";
  }
  *os << "}";
}

namespace {

using Fields = std::vector<std::string>;

// Names parameterised cases after their `name` member.
struct CaseName {
  template <typename Case>
  std::string operator()(const testing::TestParamInfo<Case>& param_info) const {
    return std::string(param_info.param.name);
  }
};

// ---- Reading ----------------------------------------------------------------

struct ParseCase {
  std::string_view name;
  std::string_view text;
  std::vector<CsvRecord> expected;
};

class ParseCsvTest : public testing::TestWithParam<ParseCase> {};

TEST_P(ParseCsvTest, ReadsRecordsAndTheirStartLines) {
  const Result<std::vector<CsvRecord>> records = ParseCsv(GetParam().text);
  ASSERT_TRUE(records.ok()) << records.error().message;
  EXPECT_EQ(*records, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseCsvTest,
    testing::Values(
        ParseCase{"Empty", "", {}},
        ParseCase{"LfWithoutTrailingNewline", "a,b\nc,d", {{1, {"a", "b"}}, {2, {"c", "d"}}}},
        ParseCase{"CrlfWithTrailingNewline", "a,b\r\nc,d\r\n", {{1, {"a", "b"}}, {2, {"c", "d"}}}},
        ParseCase{"LoneCrEndsLine", "a\rb", {{1, {"a"}}, {2, {"b"}}}},
        ParseCase{"EmptyFields", ",,", {{1, {"", "", ""}}}},
        ParseCase{"TrailingComma", "a,\n", {{1, {"a", ""}}}},
        ParseCase{"WhitespaceKept", " a , b \t", {{1, {" a ", " b \t"}}}},
        ParseCase{"Chinese",
                  "姓名,电话\n张三,13800138000",
                  {{1, {"姓名", "电话"}}, {2, {"张三", "13800138000"}}}},
        ParseCase{"QuotedComma", "\"a,b\",c", {{1, {"a,b", "c"}}}},
        ParseCase{"EscapedQuotes", "\"say \"\"hi\"\"\",x", {{1, {"say \"hi\"", "x"}}}},
        ParseCase{"OnlyEscapedQuote", "\"\"\"\"", {{1, {"\""}}}},
        ParseCase{"EmptyQuoted", "\"\",x", {{1, {"", "x"}}}},
        ParseCase{"QuotedLastFieldAtEnd", "x,\"y\"", {{1, {"x", "y"}}}},
        ParseCase{"EmbeddedLf", "\"1\n2\",x\ny,z", {{1, {"1\n2", "x"}}, {3, {"y", "z"}}}},
        ParseCase{
            "EmbeddedCrlfKeptAsIs", "\"1\r\n2\r\n3\"\r\ny", {{1, {"1\r\n2\r\n3"}}, {4, {"y"}}}},
        ParseCase{"BlankLinesSkipped", "a\n\n\r\nb\n\n", {{1, {"a"}}, {4, {"b"}}}},
        ParseCase{"LeadingBlankLines", "\n\na", {{3, {"a"}}}},
        ParseCase{"BomSkipped",
                  "\xEF\xBB\xBF"
                  "name\nx",
                  {{1, {"name"}}, {2, {"x"}}}},
        ParseCase{"CommaOnlyLineIsNotBlank", "a\n,\n", {{1, {"a"}}, {2, {"", ""}}}}),
    CaseName());

struct ErrorCase {
  std::string_view name;
  std::string_view text;
  std::string_view field;    // "line N"
  std::string_view message;  // a part of the zh-CN message
};

class ParseCsvErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ParseCsvErrorTest, NamesTheLine) {
  const Result<std::vector<CsvRecord>> records = ParseCsv(GetParam().text);
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(records.error().field, GetParam().field);
  EXPECT_NE(records.error().message.find(GetParam().message), std::string::npos)
      << records.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ParseCsvErrorTest,
    testing::Values(
        ErrorCase{"UnterminatedQuote", "a,b\nc,\"open\nmore", "line 2",
                  "第 2 行第 2 列：引号没有闭合"},
        ErrorCase{"UnterminatedAfterMultilineField", "\"x\ny\"\n\n\"z", "line 4", "引号没有闭合"},
        ErrorCase{"QuoteInUnquotedField", "a,b\nc,d\"e\"", "line 2", "未加引号的字段中出现了引号"},
        ErrorCase{"SpaceBeforeQuote", "a, \"b\"", "line 1", "未加引号的字段中出现了引号"},
        ErrorCase{"TextAfterClosingQuote", "\"ab\"c", "line 1", "结束引号后只能是逗号或换行"},
        ErrorCase{"TextAfterMultilineQuotedField", "\"x\ny\"z", "line 2", "结束引号后"}),
    CaseName());

TEST(CsvOptionsTest, KeepsBlankLinesWhenAsked) {
  const Result<std::vector<CsvRecord>> records =
      ParseCsv("a\n\nb", CsvOptions{.skip_blank_lines = false});
  ASSERT_TRUE(records.ok()) << records.error().message;
  EXPECT_EQ(*records, (std::vector<CsvRecord>{{1, {"a"}}, {2, {""}}, {3, {"b"}}}));
}

TEST(CsvOptionsTest, RejectsFieldLongerThanLimit) {
  const CsvOptions options{.max_field_bytes = 4};
  EXPECT_TRUE(ParseCsv("abcd,\"ab\"\"c\"", options).ok());
  for (std::string_view text : {"x\nabcde", "x\n\"abcde\"", "x\n\"ab\"\"cd\""}) {
    const Result<std::vector<CsvRecord>> records = ParseCsv(text, options);
    ASSERT_FALSE(records.ok()) << text;
    EXPECT_EQ(records.error().field, "line 2");
  }
}

TEST(CsvOptionsTest, RejectsTooManyFields) {
  const CsvOptions options{.max_fields_per_record = 3};
  EXPECT_TRUE(ParseCsv("a,b,c", options).ok());
  const Result<std::vector<CsvRecord>> records = ParseCsv("a,b,c\na,b,c,d", options);
  ASSERT_FALSE(records.ok());
  EXPECT_EQ(records.error().field, "line 2");
}

TEST(CsvReaderTest, YieldsRecordsOneByOneThenEnd) {
  CsvReader reader("a\nb\n");
  for (std::string_view expected : {"a", "b"}) {
    Result<std::optional<CsvRecord>> record = reader.Next();
    ASSERT_TRUE(record.ok() && record->has_value());
    EXPECT_EQ((*record)->fields, Fields{std::string(expected)});
  }
  for (int i = 0; i < 2; ++i) {
    Result<std::optional<CsvRecord>> end = reader.Next();
    ASSERT_TRUE(end.ok());
    EXPECT_FALSE(end->has_value());
  }
}

TEST(CsvReaderTest, ErrorIsSticky) {
  CsvReader reader("ok\nb\"ad\nfine\n");
  ASSERT_TRUE(reader.Next().ok());
  for (int i = 0; i < 2; ++i) {
    Result<std::optional<CsvRecord>> record = reader.Next();
    ASSERT_FALSE(record.ok());
    EXPECT_EQ(record.error().field, "line 2");
  }
}

TEST(CsvReaderTest, ParsesHundredThousandRows) {
  constexpr int kRows = 100'000;
  std::string text;
  AppendCsvRow(text, {"序号", "姓名", "电话", "备注"});
  for (int i = 1; i <= kRows; ++i) {
    AppendCsvRow(text, {std::to_string(i), "张三", "13800138000", i % 10 == 0 ? "多行\n备注" : ""});
  }
  CsvReader reader(text);
  int64_t count = 0;
  CsvRecord last;
  while (true) {
    Result<std::optional<CsvRecord>> record = reader.Next();
    ASSERT_TRUE(record.ok()) << record.error().message;
    if (!record->has_value()) {
      break;
    }
    last = std::move(**record);
    ++count;
  }
  EXPECT_EQ(count, kRows + 1);
  EXPECT_EQ(last.fields, (Fields{std::to_string(kRows), "张三", "13800138000", "多行\n备注"}));
  EXPECT_EQ(last.line, 1 + kRows + kRows / 10 - 1);  // header, rows, earlier embedded LFs
}

// ---- Header -----------------------------------------------------------------

TEST(CsvHeaderTest, TrimsNamesAndRequiresInGivenOrder) {
  const CsvHeader header({" 姓名\t", "\xE3\x80\x80身份证号\xE3\x80\x80", "电话", ""});
  const Result<std::vector<size_t>> columns = header.Require({"电话", "姓名", "身份证号"});
  ASSERT_TRUE(columns.ok()) << columns.error().message;
  EXPECT_EQ(*columns, (std::vector<size_t>{2, 0, 1}));
  EXPECT_EQ(header.Find("身份证号"), 1u);
  EXPECT_EQ(header.names()[0], "姓名");
}

TEST(CsvHeaderTest, MissingColumnIsTheErrorField) {
  const CsvHeader header({"姓名", "电话"});
  const Result<std::vector<size_t>> columns = header.Require({"姓名", "身份证号", "住址"});
  ASSERT_FALSE(columns.ok());
  EXPECT_EQ(columns.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(columns.error().field, "身份证号");
  EXPECT_EQ(columns.error().message, "缺少必需的列：身份证号、住址");
}

TEST(CsvHeaderTest, MatchesExactly) {
  const CsvHeader header({"Name"});
  EXPECT_FALSE(header.Find("name").has_value());
  EXPECT_FALSE(header.Require({"name"}).ok());
}

TEST(CsvHeaderTest, DuplicatedColumnIsAmbiguousOnlyWhenRequired) {
  const CsvHeader header({"姓名", "备注", "备注"});
  EXPECT_FALSE(header.Find("备注").has_value());
  EXPECT_TRUE(header.Require({"姓名"}).ok());
  const Result<std::vector<size_t>> columns = header.Require({"备注"});
  ASSERT_FALSE(columns.ok());
  EXPECT_EQ(columns.error().field, "备注");
}

TEST(FieldOrEmptyTest, ReturnsEmptyPastTheEnd) {
  const CsvRecord record{1, {"a"}};
  EXPECT_EQ(FieldOrEmpty(record, 0), "a");
  EXPECT_EQ(FieldOrEmpty(record, 1), "");
}

// ---- Writing ----------------------------------------------------------------

struct EscapeCase {
  std::string_view name;
  std::string_view field;
  std::string_view expected;
};

class CsvEscapeTest : public testing::TestWithParam<EscapeCase> {};

TEST_P(CsvEscapeTest, QuotesAndNeutralisesFormulas) {
  EXPECT_EQ(CsvEscape(GetParam().field), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CsvEscapeTest,
    testing::Values(EscapeCase{"Plain", "张三", "张三"}, EscapeCase{"Empty", "", ""},
                    EscapeCase{"Spaces", " a ", " a "}, EscapeCase{"Comma", "a,b", "\"a,b\""},
                    EscapeCase{"Quote", "say \"hi\"", "\"say \"\"hi\"\"\""},
                    EscapeCase{"Newline", "a\nb", "\"a\nb\""},
                    EscapeCase{"Equals", "=1+1", "'=1+1"},
                    EscapeCase{"Hyperlink", "=HYPERLINK(\"http://x\")",
                               "\"'=HYPERLINK(\"\"http://x\"\")\""},
                    EscapeCase{"Plus", "+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"},
                    EscapeCase{"Minus", "-2+3", "'-2+3"}, EscapeCase{"At", "@SUM(A1)", "'@SUM(A1)"},
                    EscapeCase{"Tab", "\t=1", "'\t=1"}, EscapeCase{"Cr", "\r=1", "\"'\r=1\""},
                    EscapeCase{"FormulaWithComma", "=A1,B1", "\"'=A1,B1\""},
                    EscapeCase{"NegativeNumber", "-12.5", "-12.5"},
                    EscapeCase{"PositiveNumber", "+3", "+3"}, EscapeCase{"SignOnly", "-", "'-"},
                    EscapeCase{"SignDot", "-.", "'-."}, EscapeCase{"EqualsLater", "a=b", "a=b"},
                    EscapeCase{"LeadingBom",
                               "\xEF\xBB\xBF"
                               "a",
                               "\"\xEF\xBB\xBF"
                               "a\""}),
    CaseName());

TEST(AppendCsvRowTest, RoundTripsThroughReader) {
  const std::vector<Fields> rows = {
      {"姓名", "身份证号", "备注"},
      {"张三", "110101199003071234", "住\"东\"区,3 号楼\r\n二单元"},
      {"", " 前后空格 ", "\n"},
      {""},
      {"李四", "", ""},
  };
  std::string text;
  for (const Fields& row : rows) {
    AppendCsvRow(text, row);
  }
  const Result<std::vector<CsvRecord>> records = ParseCsv(text);
  ASSERT_TRUE(records.ok()) << records.error().message;
  ASSERT_EQ(records->size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ((*records)[i].fields, rows[i]) << "row " << i;
  }
  EXPECT_EQ((*records)[3].line, 6);  // rows 1 and 2 each span two lines
}

TEST(AppendCsvRowTest, EndsRowsWithCrlf) {
  std::string out;
  AppendCsvRow(out, {"a", "b"});
  AppendCsvRow(out, {"=x"});
  EXPECT_EQ(out, "a,b\r\n'=x\r\n");
}

// ---- Import pipeline --------------------------------------------------------

TEST(CsvImportTest, GbkFileFromExcelBecomesRecords) {
  // "姓名,电话\r\n张三,13800138000\r\n" in code page 936.
  const std::string_view gbk =
      "\xD0\xD5\xC3\xFB,\xB5\xE7\xBB\xB0\r\n\xD5\xC5\xC8\xFD,13800138000\r\n";
  const Result<std::string> utf8 = ToUtf8(gbk);
  ASSERT_TRUE(utf8.ok()) << utf8.error().message;
  const Result<std::vector<CsvRecord>> records = ParseCsv(*utf8);
  ASSERT_TRUE(records.ok()) << records.error().message;
  ASSERT_EQ(records->size(), 2u);
  const Result<std::vector<size_t>> columns = CsvHeader((*records)[0].fields).Require({"电话"});
  ASSERT_TRUE(columns.ok()) << columns.error().message;
  EXPECT_EQ(FieldOrEmpty((*records)[1], (*columns)[0]), "13800138000");
  EXPECT_EQ((*records)[1].fields[0], "张三");
}

}  // namespace
}  // namespace civicgrid::core
