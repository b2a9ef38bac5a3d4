#include "core/csv.h"

#include <algorithm>
#include <array>
#include <iterator>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>  // fmt::join

#include "core/text_encoding.h"

namespace civicgrid::core {
namespace {

constexpr char kQuote = '"';
constexpr char kComma = ',';
constexpr std::string_view kUnquotedStops = ",\"\r\n";
constexpr std::string_view kNeedsQuoting = ",\"\r\n";
// First characters that make Excel treat a cell as a formula.
constexpr std::string_view kFormulaStarts = "=+-@\t\r";

// Trimmed from header names: ASCII whitespace, NO-BREAK SPACE, IDEOGRAPHIC
// SPACE (typed by Chinese input methods) and a stray BOM.
constexpr std::array<std::string_view, 9> kHeaderBlanks = {
    " ", "\t", "\r", "\n", "\v", "\f", "\xC2\xA0", "\xE3\x80\x80", "\xEF\xBB\xBF"};

bool TrimOnce(std::string_view& name) {
  for (std::string_view blank : kHeaderBlanks) {
    if (name.starts_with(blank)) {
      name.remove_prefix(blank.size());
      return true;
    }
    if (name.ends_with(blank)) {
      name.remove_suffix(blank.size());
      return true;
    }
  }
  return false;
}

std::string_view TrimHeaderName(std::string_view name) {
  while (TrimOnce(name)) {
  }
  return name;
}

bool AllDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "-12", "+3.5": Excel reads these as numbers, so they need no formula guard.
bool IsSignedNumber(std::string_view field) {
  if (field.empty() || (field[0] != '-' && field[0] != '+')) {
    return false;
  }
  const std::string_view number = field.substr(1);
  const size_t dot = number.find('.');
  if (dot == std::string_view::npos) {
    return AllDigits(number);
  }
  return AllDigits(number.substr(0, dot)) && AllDigits(number.substr(dot + 1));
}

bool NeedsFormulaGuard(std::string_view field) {
  return !field.empty() && kFormulaStarts.find(field[0]) != std::string_view::npos &&
         !IsSignedNumber(field);
}

// A leading BOM is quoted too: at the start of a file the reader would skip it.
bool NeedsQuoting(std::string_view field) {
  return field.find_first_of(kNeedsQuoting) != std::string_view::npos ||
         field.starts_with(kUtf8Bom);
}

void AppendCsvField(std::string& out, std::string_view field) {
  const bool quote = NeedsQuoting(field);
  if (quote) {
    out += kQuote;
  }
  if (NeedsFormulaGuard(field)) {
    out += '\'';
  }
  if (!quote) {
    out.append(field);
    return;
  }
  for (char c : field) {
    if (c == kQuote) {
      out += kQuote;
    }
    out += c;
  }
  out += kQuote;
}

}  // namespace

// ---- CsvReader --------------------------------------------------------------

CsvReader::CsvReader(std::string_view text, CsvOptions options) : text_(text), options_(options) {
  if (text_.starts_with(kUtf8Bom)) {
    pos_ = kUtf8Bom.size();
  }
}

Result<std::optional<CsvRecord>> CsvReader::Next() {
  if (error_) {
    return *error_;
  }
  while (options_.skip_blank_lines && AtLineBreak()) {
    ConsumeLineBreak();
  }
  if (pos_ >= text_.size()) {
    return std::optional<CsvRecord>();
  }
  CsvRecord record;
  record.line = line_;
  Status status = ReadRecordInto(record);
  if (!status.ok()) {
    error_ = std::move(status).error();
    return *error_;
  }
  return std::optional<CsvRecord>(std::move(record));
}

Status CsvReader::ReadRecordInto(CsvRecord& record) {
  while (true) {
    const size_t column = record.fields.size() + 1;
    if (column > options_.max_fields_per_record) {
      return Fail(line_, column,
                  fmt::format("一行的字段数超过上限 {}", options_.max_fields_per_record));
    }
    CG_TRY(ReadField(record.fields.emplace_back(), column));
    if (pos_ >= text_.size()) {
      return Ok();
    }
    if (AtLineBreak()) {
      ConsumeLineBreak();
      return Ok();
    }
    ++pos_;  // a comma: fields end only at a comma, a line break or the end
  }
}

Status CsvReader::ReadField(std::string& field, size_t column) {
  if (pos_ < text_.size() && text_[pos_] == kQuote) {
    return ReadQuoted(field, column);
  }
  return ReadUnquoted(field, column);
}

Status CsvReader::ReadUnquoted(std::string& field, size_t column) {
  const size_t end = std::min(text_.find_first_of(kUnquotedStops, pos_), text_.size());
  CG_TRY(AppendChecked(field, text_.substr(pos_, end - pos_), line_, column));
  pos_ = end;
  if (pos_ < text_.size() && text_[pos_] == kQuote) {
    return Fail(line_, column,
                "未加引号的字段中出现了引号 \"。字段内含引号时，整个字段须用引号括起，"
                "内部的引号写成两个 \"\"");
  }
  return Ok();
}

Status CsvReader::ReadQuoted(std::string& field, size_t column) {
  const int64_t open_line = line_;
  ++pos_;  // the opening quote
  while (true) {
    const size_t quote = text_.find(kQuote, pos_);
    if (quote == std::string_view::npos) {
      return Fail(open_line, column,
                  "引号没有闭合：从这里开始的带引号字段直到文件末尾都没有结束引号");
    }
    CG_TRY(AppendChecked(field, text_.substr(pos_, quote - pos_), open_line, column));
    CountLineBreaks(pos_, quote);
    pos_ = quote + 1;
    if (pos_ < text_.size() && text_[pos_] == kQuote) {  // "" stands for one quote
      CG_TRY(AppendChecked(field, "\"", open_line, column));
      ++pos_;
      continue;
    }
    if (pos_ == text_.size() || text_[pos_] == kComma || AtLineBreak()) {
      return Ok();
    }
    return Fail(line_, column, "结束引号后只能是逗号或换行（字段内的引号须写成两个 \"\"）");
  }
}

Status CsvReader::AppendChecked(std::string& field, std::string_view chunk, int64_t line,
                                size_t column) const {
  if (chunk.size() > options_.max_field_bytes - std::min(field.size(), options_.max_field_bytes)) {
    return Fail(
        line, column,
        fmt::format("字段超过 {} 字节的上限（可能有未闭合的引号）", options_.max_field_bytes));
  }
  field.append(chunk);
  return Ok();
}

bool CsvReader::AtLineBreak() const {
  return pos_ < text_.size() && (text_[pos_] == '\r' || text_[pos_] == '\n');
}

void CsvReader::ConsumeLineBreak() {
  const bool crlf = text_[pos_] == '\r' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '\n';
  pos_ += crlf ? 2 : 1;
  ++line_;
}

// Counts LF, CRLF and lone CR in text_[begin, end) the way ConsumeLineBreak does.
void CsvReader::CountLineBreaks(size_t begin, size_t end) {
  for (size_t i = begin; i < end; ++i) {
    const bool lone_cr = text_[i] == '\r' && (i + 1 >= text_.size() || text_[i + 1] != '\n');
    if (text_[i] == '\n' || lone_cr) {
      ++line_;
    }
  }
}

Error CsvReader::Fail(int64_t line, size_t column, std::string_view what) const {
  return Error::Invalid(fmt::format("line {}", line),
                        fmt::format("第 {} 行第 {} 列：{}", line, column, what));
}

// ---- Free functions ---------------------------------------------------------

Result<std::vector<CsvRecord>> ParseCsv(std::string_view text, const CsvOptions& options) {
  CsvReader reader(text, options);
  std::vector<CsvRecord> records;
  while (true) {
    CG_ASSIGN_OR_RETURN(std::optional<CsvRecord> record, reader.Next());
    if (!record) {
      return records;
    }
    records.push_back(std::move(*record));
  }
}

std::string_view FieldOrEmpty(const CsvRecord& record, size_t index) {
  return index < record.fields.size() ? std::string_view(record.fields[index]) : std::string_view();
}

std::string CsvEscape(std::string_view field) {
  std::string out;
  AppendCsvField(out, field);
  return out;
}

void AppendCsvRow(std::string& out, const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) {
      out += kComma;
    }
    AppendCsvField(out, fields[i]);
  }
  if (fields.size() == 1 && fields[0].empty()) {
    out += "\"\"";
  }
  out += "\r\n";
}

// ---- CsvHeader --------------------------------------------------------------

CsvHeader::CsvHeader(const std::vector<std::string>& fields) {
  names_.reserve(fields.size());
  for (const std::string& field : fields) {
    const std::string& name = names_.emplace_back(TrimHeaderName(field));
    if (!name.empty() && !index_.emplace(name, names_.size() - 1).second) {
      duplicates_.insert(name);
    }
  }
}

std::optional<size_t> CsvHeader::Find(std::string_view name) const {
  const auto it = index_.find(name);
  if (it == index_.end() || duplicates_.contains(name)) {
    return std::nullopt;
  }
  return it->second;
}

Result<std::vector<size_t>> CsvHeader::Require(
    std::initializer_list<std::string_view> names) const {
  std::vector<std::string_view> missing;
  std::copy_if(names.begin(), names.end(), std::back_inserter(missing),
               [this](std::string_view name) { return !index_.contains(name); });
  if (!missing.empty()) {
    return Error::Invalid(std::string(missing.front()),
                          fmt::format("缺少必需的列：{}", fmt::join(missing, "、")));
  }
  std::vector<size_t> indices;
  for (std::string_view name : names) {
    if (duplicates_.contains(name)) {
      return Error::Invalid(std::string(name),
                            fmt::format("表头中有多个名为“{}”的列，无法确定使用哪一列", name));
    }
    indices.push_back(index_.find(name)->second);
  }
  return indices;
}

}  // namespace civicgrid::core
