#include "core/pii.h"

#include <gtest/gtest.h>

namespace civicgrid::core {
namespace {

TEST(PiiTest, AcceptsValidIdNumbers) {
  // 11010519491231002X is the standard's own example.
  for (const char* id : {"11010519491231002X", "131022199003070012"}) {
    std::string n = NormalizeIdNumber(id);
    EXPECT_TRUE(ValidateIdNumber(n, "id_number").ok()) << id;
  }
  EXPECT_EQ(NormalizeIdNumber(" 11010519491231002x "), "11010519491231002X");
}

TEST(PiiTest, RejectsBadIdNumbersNamingTheField) {
  struct Case {
    const char* id;
    const char* why;
  };
  const Case cases[] = {
      {"110105194912310021", "校验位"},   {"11010519491231002", "18 位"},
      {"1101051949123100AX", "数字"},     {"110105194902300025", "出生日期"},
      {"010105194912310028", "行政区划"},
  };
  for (const auto& c : cases) {
    auto status = ValidateIdNumber(c.id, "residents[3].id_number");
    ASSERT_FALSE(status.ok()) << c.id;
    EXPECT_EQ(status.error().field, "residents[3].id_number");
    EXPECT_NE(status.error().message.find(c.why), std::string::npos) << status.error().message;
  }
}

TEST(PiiTest, CheckCharMatchesStandard) {
  EXPECT_EQ(IdNumberCheckChar("11010519491231002"), 'X');
  EXPECT_EQ(IdNumberCheckChar("13102219900307001"), '2');
}

TEST(PiiTest, ReadsBirthDateAndSex) {
  CivilDate d = IdNumberBirthDate("11010519491231002X");
  EXPECT_EQ(d.year, 1949);
  EXPECT_EQ(d.month, 12);
  EXPECT_EQ(d.day, 31);
  EXPECT_EQ(IdNumberSex("11010519491231002X"), 'F');
  EXPECT_EQ(IdNumberSex("131022199003070012"), 'M');
}

TEST(PiiTest, MasksAsDesigned) {
  EXPECT_EQ(MaskIdNumber("13102219900307123X"), "1310**********123X");
  EXPECT_EQ(MaskPhone("13812345678"), "138****5678");
  EXPECT_EQ(MaskPhone("031612345678"), "031*****5678");
}

TEST(PiiTest, ValidatesPhones) {
  EXPECT_EQ(NormalizePhone("+86 138-1234-5678"), "13812345678");
  EXPECT_TRUE(ValidatePhone("13812345678", "phone").ok());
  EXPECT_TRUE(ValidatePhone("03165512345", "phone").ok());
  EXPECT_FALSE(ValidatePhone("12812345678", "phone").ok());
  EXPECT_FALSE(ValidatePhone("1381234567", "phone").ok());
  EXPECT_FALSE(ValidatePhone("1381234567a", "phone").ok());
  EXPECT_EQ(ValidatePhone("", "phone").error().field, "phone");
}

}  // namespace
}  // namespace civicgrid::core
