// The XLSX writer: a zip (PK) holding one worksheet with the rows, numbers as numbers.
#include "core/xlsx.h"

#include <gtest/gtest.h>

namespace civicgrid::core {
namespace {

TEST(Xlsx, WritesAZippedWorkbookWithOneSheet) {
  XlsxSheet sheet;
  sheet.name = "排名";
  sheet.header = {"排名", "名称", "年度累计"};
  sheet.rows = {{"1", "党员四", "90"}, {"2", "党员五", "not a number"}};
  sheet.numeric = {true, false, true};
  auto bytes = XlsxWorkbook(sheet);
  ASSERT_TRUE(bytes.ok()) << bytes.error().message;
  ASSERT_GT(bytes->size(), 100u);
  EXPECT_EQ(bytes->substr(0, 2), "PK");
  // Zip entry names are stored uncompressed.
  EXPECT_NE(bytes->find("xl/worksheets/sheet1.xml"), std::string::npos);
  EXPECT_NE(bytes->find("xl/sharedStrings.xml"), std::string::npos);
}

}  // namespace
}  // namespace civicgrid::core
