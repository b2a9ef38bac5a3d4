// libFuzzer entry point for uploaded CSV files: encoding detection, conversion
// to UTF-8 and CSV parsing, plus properties that must hold for any input.
// A broken property calls __builtin_trap() so the fuzzer reports the input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/csv.h"
#include "core/text_encoding.h"

namespace {

using civicgrid::core::AppendCsvRow;
using civicgrid::core::CsvOptions;
using civicgrid::core::CsvReader;
using civicgrid::core::CsvRecord;
using civicgrid::core::ParseCsv;

// Small limits keep each run fast; the rereading side allows the apostrophe
// that the writer may add in front of a formula-like field.
constexpr CsvOptions kReadOptions{.max_field_bytes = 4096, .max_fields_per_record = 256};
constexpr CsvOptions kRereadOptions{.max_field_bytes = 4097, .max_fields_per_record = 256};

void Check(bool condition) {
  if (!condition) {
    __builtin_trap();
  }
}

// Reads every record; checks that start lines increase. Empty on error.
std::vector<CsvRecord> ReadAll(std::string_view text, const CsvOptions& options) {
  CsvReader reader(text, options);
  std::vector<CsvRecord> records;
  while (true) {
    auto record = reader.Next();
    if (!record.ok()) {
      Check(record.error().field.starts_with("line "));
      return {};
    }
    if (!record->has_value()) {
      return records;
    }
    Check(records.empty() ? (*record)->line >= 1 : (*record)->line > records.back().line);
    records.push_back(std::move(**record));
  }
}

// Writing records and reading them back gives the same fields, except for the
// apostrophe the writer puts in front of formula-like fields.
void CheckRoundTrip(const std::vector<CsvRecord>& records) {
  std::string text;
  for (const CsvRecord& record : records) {
    AppendCsvRow(text, record.fields);
  }
  auto again = ParseCsv(text, kRereadOptions);
  Check(again.ok() && again->size() == records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const std::vector<std::string>& before = records[i].fields;
    const std::vector<std::string>& after = (*again)[i].fields;
    Check(before.size() == after.size());
    for (size_t j = 0; j < before.size(); ++j) {
      Check(after[j] == before[j] || after[j] == "'" + before[j]);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto encoding = civicgrid::core::DetectEncoding(bytes);
  const auto utf8 = civicgrid::core::ToUtf8(bytes);
  if (utf8.ok()) {
    Check(civicgrid::core::IsValidUtf8(*utf8));
    Check(encoding != civicgrid::core::TextEncoding::kUtf8 || *utf8 == bytes);
    CheckRoundTrip(ReadAll(*utf8, kReadOptions));
  }
  // The parser only looks at ASCII bytes, so raw input must not trip it either.
  CheckRoundTrip(ReadAll(bytes, kReadOptions));
  return 0;
}
