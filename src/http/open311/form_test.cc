// Form bodies as Open311 clients send them.
#include "http/open311/form.h"

#include <gtest/gtest.h>

namespace civicgrid::http::open311 {
namespace {

TEST(FormTest, DecodesPlusPercentAndRawOrEscapedBrackets) {
  auto form = Form::Parse(
      "api_key=xyz&description=A+large+sinkhole%0A%E8%B7%AF%E9%9D%A2&attribute[coord_sys]=gcj02&"
      "attribute%5Baddress_detail%5D=3%E5%8F%B7%E6%A5%BC");
  ASSERT_TRUE(form.ok()) << form.error().message;
  EXPECT_EQ(form->Get("api_key"), "xyz");
  EXPECT_EQ(form->Get("description"), "A large sinkhole\n路面");
  EXPECT_EQ(form->Get("attribute[coord_sys]"), "gcj02");
  EXPECT_EQ(form->Get("attribute[address_detail]"), "3号楼");
  EXPECT_EQ(form->fields().size(), 4u);
}

TEST(FormTest, EmptyValuesReadAsAbsentButAreKept) {
  auto form = Form::Parse("a=&b&&c=1&a=2");
  ASSERT_TRUE(form.ok());
  EXPECT_EQ(form->Get("a"), "2");  // the first non-empty value
  EXPECT_EQ(form->Get("b"), std::nullopt);
  EXPECT_EQ(form->Get("missing"), std::nullopt);
  ASSERT_EQ(form->fields().size(), 4u);
  EXPECT_EQ(form->fields()[1].first, "b");
}

TEST(FormTest, RefusesBrokenEscapesInvalidUtf8NamelessFieldsAndFloods) {
  for (const char* bad : {"a=%", "a=%4", "a=%zz", "a=%FF%FE", "=1"}) {
    auto form = Form::Parse(bad);
    ASSERT_FALSE(form.ok()) << bad;
    EXPECT_EQ(form.error().field, "body") << bad;
  }
  std::string flood;
  for (size_t i = 0; i <= Form::kMaxFields; ++i) flood += "f" + std::to_string(i) + "=1&";
  EXPECT_FALSE(Form::Parse(flood).ok());
}

}  // namespace
}  // namespace civicgrid::http::open311
