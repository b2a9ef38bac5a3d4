// CSV reading and writing (RFC 4180) for imports and exports.
//
// The reader works on UTF-8 text (see text_encoding.h: ToUtf8 first). It is
// strict about quotes, because a misplaced quote silently shifts columns, and
// keeps whitespace as-is. Records carry the physical line they start on so
// import errors can say "第 12 行". CsvReader views text it does not own and
// copies only field contents. Readers are not thread-safe; the free
// functions are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace civicgrid::core {

struct CsvOptions {
  // Longest field accepted, in bytes. Excel holds at most 32,767 characters
  // in a cell, at most 4 UTF-8 bytes each. Also stops a stray quote from
  // swallowing the rest of a file into one field.
  size_t max_field_bytes = size_t{128} * 1024;
  // Most fields in one record. Our import templates have a few dozen columns.
  size_t max_fields_per_record = 1024;
  // Lines with no characters at all yield no record (people leave blank
  // lines at the end of files). When false, such a line is one empty field.
  bool skip_blank_lines = true;
};

struct CsvRecord {
  int64_t line = 0;  // 1-based physical line where the record starts
  std::vector<std::string> fields;

  bool operator==(const CsvRecord&) const = default;
};

// Reads records one at a time. Records end at LF, CRLF or a lone CR; the
// last line needs no line break. A leading UTF-8 BOM is skipped.
//
// Errors are Error::Invalid with field "line N" (N is the line of the fault)
// and a zh-CN message: an unterminated quote, a quote inside an unquoted
// field, text after a closing quote, or a limit in CsvOptions exceeded.
class CsvReader {
 public:
  // `text` must outlive the reader.
  explicit CsvReader(std::string_view text, CsvOptions options = {});

  // The next record, or std::nullopt at the end of the text. After an error,
  // every later call returns the same error.
  Result<std::optional<CsvRecord>> Next();

 private:
  Status ReadRecordInto(CsvRecord& record);
  Status ReadField(std::string& field, size_t column);
  Status ReadQuoted(std::string& field, size_t column);
  Status ReadUnquoted(std::string& field, size_t column);
  Status AppendChecked(std::string& field, std::string_view chunk, int64_t line,
                       size_t column) const;
  bool AtLineBreak() const;
  void ConsumeLineBreak();
  void CountLineBreaks(size_t begin, size_t end);
  Error Fail(int64_t line, size_t column, std::string_view what) const;

  std::string_view text_;
  CsvOptions options_;
  size_t pos_ = 0;
  int64_t line_ = 1;  // line of text_[pos_]
  std::optional<Error> error_;
};

// Reads all records of `text` (see CsvReader).
Result<std::vector<CsvRecord>> ParseCsv(std::string_view text, const CsvOptions& options = {});

// The field at `index`, or "" when the record is shorter (hand-edited files
// often drop trailing empty fields).
std::string_view FieldOrEmpty(const CsvRecord& record, size_t index);

// Column names of a header record, mapped to their indices. Names are
// trimmed (ASCII whitespace, U+00A0, U+3000 full-width space, U+FEFF) and
// then matched exactly. Value type; thread-compatible.
class CsvHeader {
 public:
  explicit CsvHeader(const std::vector<std::string>& fields);

  // Index of the column named `name`; std::nullopt when there is no such
  // column or more than one.
  std::optional<size_t> Find(std::string_view name) const;

  // Indices of `names`, in the same order. Missing columns are
  // Error::Invalid with field = the first missing name and a message listing
  // them all; otherwise a required name used by two columns is
  // Error::Invalid with field = that name.
  Result<std::vector<size_t>> Require(std::initializer_list<std::string_view> names) const;

  // Trimmed names, in file order.
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::vector<std::string> names_;
  std::map<std::string, size_t, std::less<>> index_;
  std::set<std::string, std::less<>> duplicates_;
};

// Writing. Exports are opened in Excel; start the file with kUtf8Bom
// (text_encoding.h) or convert it with Utf8ToGb18030, or Excel on Chinese
// Windows shows mojibake.

// `field` as one CSV field: quoted when it holds a comma, quote, CR or LF
// (or starts with a BOM), with quotes doubled. A field starting with = + - @ TAB or CR gets a
// leading apostrophe, because Excel would otherwise run it as a formula (CSV injection:
// "=HYPERLINK(...)" in a resident's name field would run on the official's machine). Plain signed
// numbers such as "-12.5" are left alone: Excel reads them as numbers, not formulas.
std::string CsvEscape(std::string_view field);

// Appends `fields` escaped with CsvEscape, comma-separated, ending in CRLF.
// A row of one empty field is written as "" so the reader does not take it
// for a blank line.
void AppendCsvRow(std::string& out, const std::vector<std::string>& fields);

}  // namespace civicgrid::core
