// The Open311 JSON and XML writers: the Spark mapping and plain decimals.
#include "http/open311/wire.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "http/json_write.h"

namespace civicgrid::http::open311 {
namespace {

namespace json = boost::json;

TEST(WireTest, JsonWritesCoordinatesAsPlainDecimals) {
  json::value v = json::object{{"lat", 39.435}, {"long", 116.305}, {"n", 3}, {"s", "路灯\"不亮\""}};
  const std::string text = WriteJson(v);
  EXPECT_EQ(text, R"({"lat":39.435,"long":116.305,"n":3,"s":"路灯\"不亮\""})");
  EXPECT_EQ(json::parse(text), v);  // and it is still the same JSON
}

TEST(WireTest, XmlNamesListMembersAfterTheirParent) {
  json::value services = json::array{
      json::object{{"service_code", "E01.01"}, {"metadata", true}, {"description", nullptr}}};
  EXPECT_EQ(XmlText("services", services),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<services><service><service_code>E01.01"
            "</service_code><metadata>true</metadata><description/></service></services>\n");
  json::value updates = json::array{json::object{{"update_id", "7"}}};
  EXPECT_NE(XmlText("service_request_updates", updates)
                .find("<service_request_updates><request_update><update_id>7</update_id>"),
            std::string::npos);
  json::value requests = json::array{json::object{{"lat", 39.5}}};
  EXPECT_NE(XmlText("service_requests", requests).find("<request><lat>39.5</lat></request>"),
            std::string::npos);
}

TEST(WireTest, XmlEscapesMarkupAndDropsForbiddenControls) {
  json::value v = json::object{{"description", "a<b>&c\x01\nd"}};
  EXPECT_NE(XmlText("x", v).find("<description>a&lt;b&gt;&amp;c\nd</description>"),
            std::string::npos);
}

TEST(WireTest, SingularNames) {
  EXPECT_EQ(SingularOf("service_requests"), "request");
  EXPECT_EQ(SingularOf("attributes"), "attribute");
  EXPECT_EQ(SingularOf("values"), "value");
  EXPECT_EQ(SingularOf("errors"), "error");
  EXPECT_EQ(SingularOf("formats"), "format");
  EXPECT_EQ(SingularOf("endpoints"), "endpoint");
}

}  // namespace
}  // namespace civicgrid::http::open311
