// Attachments: photos and videos uploaded as raw request bodies (the
// Content-Type header says what the client thinks they are; the bytes
// decide), read back by id, with a JPEG thumbnail for images.
#include <boost/json.hpp>

#include "core/time.h"
#include "http/api/api.h"

namespace civicgrid::http {
namespace {

namespace json = boost::json;
using domain::Caller;

std::string UrlOf(int64_t id) { return "/api/v1/attachments/" + std::to_string(id); }

json::value AttachmentJson(const domain::Attachment& a) {
  auto optional = [](const std::optional<int64_t>& v) { return v ? json::value(*v) : nullptr; };
  return json::object{
      {"id", a.id},
      {"sha256", a.sha256},
      {"content_type", a.content_type},
      {"bytes", a.bytes},
      {"width", optional(a.width)},
      {"height", optional(a.height)},
      {"has_thumbnail", a.has_thumbnail},
      {"url", UrlOf(a.id)},
      {"thumbnail_url", a.has_thumbnail ? json::value(UrlOf(a.id) + "/thumbnail") : nullptr},
      {"created_at", core::FormatUtc(a.created_at)},
  };
}

// 201 for new bytes, 200 when the same bytes were uploaded before (the same
// attachment comes back).
Response Uploaded(const core::Result<domain::UploadedAttachment>& up) {
  if (!up.ok()) return Response::FromError(up.error());
  Response response = Response::Json(up->created ? 201 : 200, AttachmentJson(up->attachment));
  response.AddHeader("Location", UrlOf(up->attachment.id));
  return response;
}

// Decoding and re-encoding take long: the service's workers do it, off the
// I/O thread.
void Upload(ApiServices& s, Request& r, const Caller& c, Responder respond) {
  s.attachments.UploadAsync(
      c, std::move(r.body), std::string(r.Header("Content-Type")),
      [respond = std::move(respond)](core::Result<domain::UploadedAttachment> up) {
        respond(Uploaded(up));
      });
}

core::Result<Response> Describe(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(domain::Attachment a, s.attachments.Get(c, id));
  return Response::Json(200, AttachmentJson(a));
}

core::Result<Response> Download(ApiServices& s, Request& r, const Caller& c, bool thumbnail) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(domain::AttachmentContent content, s.attachments.Read(c, id, thumbnail));
  std::optional<media::MediaKind> kind = media::KindForContentType(content.content_type);
  std::string ext(kind ? media::ExtensionOf(*kind) : "bin");
  Response response = Response::Text(200, std::move(content.bytes), content.content_type);
  // Stored by content hash: the bytes behind an id never change.
  response.AddHeader("ETag", "\"" + content.sha256 + "\"");
  response.AddHeader("Cache-Control", "private, max-age=86400");
  response.AddHeader("X-Content-Type-Options", "nosniff");
  response.AddHeader("Content-Disposition", "inline; filename=\"attachment-" + std::to_string(id) +
                                                (thumbnail ? "-thumbnail." : ".") + ext + "\"");
  return response;
}

}  // namespace

void RegisterAttachmentRoutes(Router& router, ApiServices& s) {
  // The largest video, plus one byte so the service (not the server) answers
  // a body just over the limit with its own message.
  RouteOptions upload{static_cast<size_t>(s.attachments.options().max_video_bytes) + 1};
  router.AddAsync("POST", "/api/v1/attachments",
                  AuthedAsync(s, [&s](Request& r, const Caller& c,
                                      Responder respond) { Upload(s, r, c, std::move(respond)); }),
                  upload);
  router.Add("GET", "/api/v1/attachments/{id}",
             Authed(s, [&s](Request& r, const Caller& c) { return Download(s, r, c, false); }));
  router.Add("GET", "/api/v1/attachments/{id}/thumbnail",
             Authed(s, [&s](Request& r, const Caller& c) { return Download(s, r, c, true); }));
  router.Add("GET", "/api/v1/attachments/{id}/meta",
             Authed(s, [&s](Request& r, const Caller& c) { return Describe(s, r, c); }));
}

}  // namespace civicgrid::http
