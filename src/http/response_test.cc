#include "http/response.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace civicgrid::http {
namespace {

using core::Error;
using core::ErrorCode;

TEST(StatusForTest, MapsEveryErrorCodeToOneStatus) {
  struct Case {
    ErrorCode code;
    unsigned status;
  };
  const Case cases[] = {
      {ErrorCode::kInvalid, 422},         {ErrorCode::kNotFound, 404},
      {ErrorCode::kUnauthenticated, 401}, {ErrorCode::kForbidden, 403},
      {ErrorCode::kConflict, 409},        {ErrorCode::kTooLarge, 413},
      {ErrorCode::kLocked, 423},          {ErrorCode::kUnavailable, 503},
      {ErrorCode::kInternal, 500},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(StatusFor(c.code), c.status) << core::ErrorCodeName(c.code);
  }
}

TEST(StatusForTest, InvalidBodyAsAWholeIsBadRequest) {
  EXPECT_EQ(StatusFor(ErrorCode::kInvalid, "body"), 400U);
  EXPECT_EQ(StatusFor(ErrorCode::kInvalid, "name"), 422U);
  EXPECT_EQ(StatusFor(ErrorCode::kTooLarge, "body"), 413U);
}

TEST(ResponseTest, FromErrorWritesTheErrorDocument) {
  Response response = Response::FromError(Error::Invalid("name", "名称不能为空"));
  EXPECT_EQ(response.status, 422U);
  EXPECT_EQ(response.content_type, "application/json; charset=utf-8");
  EXPECT_EQ(boost::json::parse(response.body),
            boost::json::parse(
                R"({"error":{"code":"invalid","message":"名称不能为空","field":"name"}})"));
}

TEST(ResponseTest, FromErrorLeavesOutAnEmptyField) {
  Response response = Response::FromError(Error::NotFound("不存在"));
  EXPECT_EQ(response.status, 404U);
  EXPECT_EQ(boost::json::parse(response.body),
            boost::json::parse(R"({"error":{"code":"not_found","message":"不存在"}})"));
}

TEST(ResponseTest, FromErrorAcceptsAnExplicitStatus) {
  Response response = Response::FromError(Error::Invalid("path", "bad"), 400);
  EXPECT_EQ(response.status, 400U);
}

TEST(ResponseTest, JsonAndTextSetBodyAndType) {
  Response json = Response::Json(201, boost::json::object{{"id", 7}});
  EXPECT_EQ(json.status, 201U);
  EXPECT_EQ(json.body, R"({"id":7})");
  Response text = Response::Text(200, "ok");
  EXPECT_EQ(text.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(text.body, "ok");
}

}  // namespace
}  // namespace civicgrid::http
