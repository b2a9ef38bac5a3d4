#include "http/request.h"

#include <gtest/gtest.h>

namespace civicgrid::http {
namespace {

TEST(ParseTargetTest, DecodesPathSegmentsAndQuery) {
  Request request;
  auto segments =
      ParseTarget("/api/v1/org-nodes/a%20b?q=%E7%BD%91%E6%A0%BC+1&limit=10&flag", request);
  ASSERT_TRUE(segments.ok());
  EXPECT_EQ(*segments, (std::vector<std::string>{"api", "v1", "org-nodes", "a b"}));
  EXPECT_EQ(request.path, "/api/v1/org-nodes/a b");
  EXPECT_EQ(request.Query("q"), "网格 1");
  EXPECT_EQ(request.Query("limit"), "10");
  EXPECT_EQ(request.Query("flag"), "");
  EXPECT_EQ(request.Query("absent"), std::nullopt);
}

TEST(ParseTargetTest, KeepsAnEncodedSlashInsideItsSegment) {
  Request request;
  auto segments = ParseTarget("/files/a%2Fb", request);
  ASSERT_TRUE(segments.ok());
  EXPECT_EQ(*segments, (std::vector<std::string>{"files", "a/b"}));
}

TEST(ParseTargetTest, RootHasNoSegments) {
  Request request;
  auto segments = ParseTarget("/", request);
  ASSERT_TRUE(segments.ok());
  EXPECT_TRUE(segments->empty());
}

TEST(ParseTargetTest, RefusesWhatIsNotAnOriginForm) {
  for (const char* target : {"", "http://example.com/x", "/a b", "/%zz"}) {
    Request request;
    EXPECT_FALSE(ParseTarget(target, request).ok()) << target;
  }
}

TEST(RequestTest, HeaderLookupIgnoresCase) {
  Request request;
  request.headers = {{"Content-Type", "application/json"}, {"X-Request-Id", "abc"}};
  EXPECT_EQ(request.Header("content-type"), "application/json");
  EXPECT_EQ(request.Header("X-REQUEST-ID"), "abc");
  EXPECT_EQ(request.Header("Accept"), "");
}

TEST(RequestTest, CookieFindsNamedValueAcrossHeaders) {
  Request request;
  request.headers = {{"Cookie", "theme=dark; lang=zh"}, {"cookie", "sid=\"s3cr3t\" ; x=1"}};
  EXPECT_EQ(request.Cookie("lang"), "zh");
  EXPECT_EQ(request.Cookie("sid"), "s3cr3t");
  EXPECT_EQ(request.Cookie("id"), std::nullopt);
}

TEST(RequestTest, ParamReturnsEmptyWhenAbsent) {
  Request request;
  request.params = {{"id", "42"}};
  EXPECT_EQ(request.Param("id"), "42");
  EXPECT_EQ(request.Param("code"), "");
}

TEST(RequestIdTest, KeepsSaneIncomingIdsAndReplacesOthers) {
  EXPECT_EQ(PickRequestId("trace-1.a_b:2", 0), "trace-1.a_b:2");
  EXPECT_EQ(PickRequestId("", 0x0123456789abcdefULL), "fedcba9876543210");
  for (std::string_view bad : {"a b", "<x>", "a\r\nSet-Cookie: x", "\xe7\xbd\x91"}) {
    EXPECT_FALSE(IsSaneRequestId(bad)) << bad;
    EXPECT_EQ(PickRequestId(bad, 1).size(), 16U);
  }
  EXPECT_TRUE(IsSaneRequestId(std::string(64, 'a')));
  EXPECT_FALSE(IsSaneRequestId(std::string(65, 'a')));
}

}  // namespace
}  // namespace civicgrid::http
