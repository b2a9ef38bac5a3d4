#include "http/response.h"

#include "http/json_write.h"

namespace civicgrid::http {

namespace {

constexpr unsigned kBadRequest = 400;
constexpr unsigned kUnprocessable = 422;

}  // namespace

unsigned StatusFor(core::ErrorCode code, std::string_view field) {
  switch (code) {
    case core::ErrorCode::kInvalid:
      // Syntax of the whole body is 400; a well-formed body with a bad field is 422.
      return field == kBodyField ? kBadRequest : kUnprocessable;
    case core::ErrorCode::kNotFound:
      return 404;
    case core::ErrorCode::kUnauthenticated:
      return 401;
    case core::ErrorCode::kForbidden:
      return 403;
    case core::ErrorCode::kConflict:
      return 409;
    case core::ErrorCode::kTooLarge:
      return 413;
    case core::ErrorCode::kLocked:
      return 423;
    case core::ErrorCode::kRateLimited:
      return 429;
    case core::ErrorCode::kPasswordChangeRequired:
      return 403;
    case core::ErrorCode::kUnavailable:
      return 503;
    case core::ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

Response Response::Json(unsigned status, const boost::json::value& value) {
  Response response;
  response.status = status;
  response.body = WriteJson(value);
  return response;
}

Response Response::Text(unsigned status, std::string body, std::string content_type) {
  Response response;
  response.status = status;
  response.content_type = std::move(content_type);
  response.body = std::move(body);
  return response;
}

Response Response::NoContent() {
  Response response;
  response.status = 204;
  response.content_type.clear();
  return response;
}

Response Response::EventStream(std::shared_ptr<StreamSource> source) {
  Response response;
  response.content_type = std::string(kEventStreamContentType);
  response.AddHeader("Cache-Control", "no-cache");
  response.AddHeader("X-Accel-Buffering", "no");
  response.stream = std::move(source);
  return response;
}

Response Response::FromError(const core::Error& error) {
  return FromError(error, StatusFor(error.code, error.field));
}

Response Response::FromError(const core::Error& error, unsigned status) {
  return Json(status, ErrorJson(error));
}

boost::json::value ErrorJson(const core::Error& error) {
  boost::json::object inner;
  inner["code"] = core::ErrorCodeName(error.code);
  inner["message"] = error.message;
  if (!error.field.empty()) {
    inner["field"] = error.field;
  }
  boost::json::object outer;
  outer["error"] = std::move(inner);
  return outer;
}

}  // namespace civicgrid::http
