// One worksheet as an XLSX file (libxlsxwriter), for the exports that year-end
// evaluation opens in a spreadsheet (time-bank rankings). The header row is bold
// and frozen; cells of the numeric columns are written as numbers.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace civicgrid::core {

struct XlsxSheet {
  std::string name;  // the worksheet's name (at most 31 characters; no []:*?/\)
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<bool> numeric;  // per column: write as a number (empty cell when not one)
};

// The .xlsx bytes of a workbook holding `sheet`.
Result<std::string> XlsxWorkbook(const XlsxSheet& sheet);

}  // namespace civicgrid::core
