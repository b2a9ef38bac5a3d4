#include "http/access_log.h"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace civicgrid::http {

std::string AccessLogLine(const Request& request, unsigned status,
                          std::chrono::microseconds duration, size_t bytes) {
  boost::json::object line;
  line["method"] = request.method;
  line["route"] = request.route;
  line["path"] = request.path;
  line["status"] = status;
  line["duration_us"] = duration.count();
  line["bytes"] = bytes;
  line["request_id"] = request.request_id;
  line["remote"] = request.remote_address;
  return boost::json::serialize(line);
}

std::string EventLogLine(std::string_view event, const Request* request, std::string_view what) {
  boost::json::object line;
  line["event"] = event;
  if (request != nullptr) {
    line["method"] = request->method;
    line["route"] = request->route;
    line["request_id"] = request->request_id;
  }
  line["what"] = what;
  return boost::json::serialize(line);
}

}  // namespace civicgrid::http
