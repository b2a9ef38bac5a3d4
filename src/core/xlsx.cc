#include "core/xlsx.h"

#include <unistd.h>
#include <xlsxwriter.h>

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace civicgrid::core {
namespace {

// libxlsxwriter writes to a file; a private temp file, removed on every path.
struct TempFile {
  std::string path;
  ~TempFile() {
    if (!path.empty()) ::unlink(path.c_str());
  }
};

}  // namespace

Result<std::string> XlsxWorkbook(const XlsxSheet& sheet) {
  TempFile tmp;
  std::string pattern = (std::filesystem::temp_directory_path() / "civicgrid-XXXXXX.xlsx").string();
  int fd = ::mkstemps(pattern.data(), 5);
  if (fd < 0) return Error::Internal("无法创建临时文件");
  ::close(fd);
  tmp.path = pattern;
  lxw_workbook* workbook = workbook_new(tmp.path.c_str());
  if (workbook == nullptr) return Error::Internal("无法创建 XLSX 文件");
  lxw_worksheet* ws =
      workbook_add_worksheet(workbook, sheet.name.empty() ? nullptr : sheet.name.c_str());
  lxw_format* bold = workbook_add_format(workbook);
  format_set_bold(bold);
  for (size_t c = 0; c < sheet.header.size(); ++c) {
    worksheet_write_string(ws, 0, static_cast<lxw_col_t>(c), sheet.header[c].c_str(), bold);
    worksheet_set_column(ws, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c), 14, nullptr);
  }
  worksheet_freeze_panes(ws, 1, 0);
  for (size_t r = 0; r < sheet.rows.size(); ++r) {
    const auto row_index = static_cast<lxw_row_t>(r + 1);
    for (size_t c = 0; c < sheet.rows[r].size(); ++c) {
      const std::string& text = sheet.rows[r][c];
      const auto col = static_cast<lxw_col_t>(c);
      if (c < sheet.numeric.size() && sheet.numeric[c]) {
        int64_t n = 0;
        auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec == std::errc() && ptr == text.data() + text.size() && !text.empty()) {
          worksheet_write_number(ws, row_index, col, static_cast<double>(n), nullptr);
        }
        continue;
      }
      worksheet_write_string(ws, row_index, col, text.c_str(), nullptr);
    }
  }
  lxw_error closed = workbook_close(workbook);
  if (closed != LXW_NO_ERROR) {
    return Error::Internal(std::string("XLSX 写入失败: ") + lxw_strerror(closed));
  }
  std::ifstream in(tmp.path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (!in) return Error::Internal("无法读回 XLSX 文件");
  return bytes.str();
}

}  // namespace civicgrid::core
