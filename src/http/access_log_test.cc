#include "http/access_log.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace civicgrid::http {
namespace {

TEST(AccessLogTest, WritesOneJsonObjectPerRequest) {
  Request request;
  request.method = "GET";
  request.route = "/api/v1/org-nodes/{id}";
  request.path = "/api/v1/org-nodes/7";
  request.query = {{"token", "secret"}};
  request.request_id = "abc";
  request.remote_address = "127.0.0.1";
  std::string line = AccessLogLine(request, 200, std::chrono::microseconds(81), 17);
  EXPECT_EQ(boost::json::parse(line), boost::json::parse(R"({
      "method":"GET","route":"/api/v1/org-nodes/{id}","path":"/api/v1/org-nodes/7",
      "status":200,"duration_us":81,"bytes":17,"request_id":"abc","remote":"127.0.0.1"})"));
  EXPECT_EQ(line.find("secret"), std::string::npos);
}

TEST(AccessLogTest, EventLinesNameTheRequestWhenThereIsOne) {
  Request request;
  request.method = "POST";
  request.request_id = "r-1";
  EXPECT_EQ(boost::json::parse(EventLogLine("handler_exception", &request, "boom \"x\"")),
            boost::json::parse(R"({"event":"handler_exception","method":"POST","route":"",)"
                               R"("request_id":"r-1","what":"boom \"x\""})"));
  EXPECT_EQ(boost::json::parse(EventLogLine("accept_failed", nullptr, "EMFILE")),
            boost::json::parse(R"({"event":"accept_failed","what":"EMFILE"})"));
}

}  // namespace
}  // namespace civicgrid::http
