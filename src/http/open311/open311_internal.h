// Pieces shared by the Open311 route files (open311.cc, requests.cc,
// updates.cc): the output format, the spec's error list, jurisdiction and key
// checks, and the JSON form of a ticket as a service request. Not part of the
// http API.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <boost/json/value.hpp>

#include "domain/tickets/open311_keys.h"
#include "http/api/api.h"
#include "http/open311/form.h"

namespace civicgrid::http::open311 {

enum class Format { kJson, kXml };

// One successful answer: the JSON form and the XML root element name.
struct Reply {
  unsigned status = 200;
  std::string root;
  boost::json::value body;
};

// What every handler borrows. Owned by the routes (shared by their closures).
struct Context {
  ApiServices& api;
  domain::Open311Directory directory;
};

// The attributes of a service definition (docs/open311.md).
inline constexpr std::string_view kAttrCoordSys = "coord_sys";
inline constexpr std::string_view kAttrAddressDetail = "address_detail";
inline constexpr std::string_view kAttrAnonymous = "anonymous";

// "E01.01.json" → {"E01.01", kJson}; NotFound for any other extension.
core::Result<std::pair<std::string, Format>> SplitFormat(std::string_view file);
Response Render(Format format, const Reply& reply);
// The spec's error list; status 403 (api_key), 404 (not found), 400
// (anything else the client sent), 500/503 for our own failures.
Response RenderError(Format format, const core::Error& error);

// The base URL clients reached us at, from the Host header ("http://host").
std::string BaseUrl(const ApiServices& api, const Request& request);
// jurisdiction_id from the query or the form (absent: the only county).
core::Result<domain::Jurisdiction> JurisdictionOf(Context& ctx, const Request& request,
                                                  const Form* form);
// The caller behind the form's api_key, allowed to act in `jurisdiction`.
core::Result<domain::Caller> KeyCaller(Context& ctx, const Form& form,
                                       const domain::Jurisdiction& jurisdiction);

// A W3C datetime with zone (2010-01-01T00:00:00Z, …+08:00); errors name `field`.
core::Result<std::optional<int64_t>> W3cTime(const std::optional<std::string>& text,
                                             std::string_view field);
// The spec's time window: [start, end] of at most 90 days, by default the
// most recent 90 days; only one end given: 90 days from (or to) it.
struct Window {
  int64_t from = 0;  // inclusive
  int64_t to = 0;    // exclusive
};
core::Result<Window> TimeWindow(const Request& request, int64_t now_ms);
inline constexpr int64_t kMaxResults = 1000;

// Whether a category is offered over Open311: active street-level issues
// (事件 and 部件), which are public tickets. Personal service requests
// (急难事, 生活事, 盼望事) stay on the resident channels.
bool Offered(const domain::Category& category);
// The open|closed status of a ticket.
std::string_view OpenClosed(domain::TicketState state);
// The ticket as a GeoReport v2 service request. `codes` maps category ids to
// service codes; `note` is the latest public note (status_notes).
boost::json::value RequestJson(const domain::Ticket& ticket,
                               const std::map<int64_t, std::string>& codes,
                               const std::optional<std::string>& note, const std::string& base);
std::string MediaUrl(const std::string& base, int64_t attachment_id);

// Pieces requests.cc and updates.cc share.
bool InJurisdiction(const domain::Ticket& ticket, const domain::Jurisdiction& jurisdiction);
// A public ticket of the jurisdiction by number, as `reader` may see it;
// NotFound otherwise.
core::Result<domain::Ticket> OnePublic(Context& ctx, const domain::Caller& reader,
                                       const domain::Jurisdiction& jurisdiction,
                                       const std::string& number);
// Free text from a form: CRLF and CR become '\n', outer blanks trimmed.
std::string Lines(std::string text);
// The form's media_url when it is an http(s) URL of at most 1000 characters.
core::Result<std::optional<std::string>> MediaUrlField(const Form& form);

// Registers `path`.json and `path`.xml.
using Handler311 = std::function<core::Result<Reply>(Context&, Request&, Format)>;
void AddFormats(Router& router, const std::shared_ptr<Context>& ctx, const char* method,
                const std::string& path, Handler311 fn, RouteOptions options = {});
// Registers `prefix`{param}; the parameter's extension picks the format.
using IdHandler311 =
    std::function<core::Result<Reply>(Context&, Request&, Format, const std::string& id)>;
void AddWithId(Router& router, const std::shared_ptr<Context>& ctx, const char* method,
               const std::string& prefix, const std::string& param, IdHandler311 fn);

void RegisterRequestRoutes(Router& router, const std::shared_ptr<Context>& ctx);
void RegisterUpdateRoutes(Router& router, const std::shared_ptr<Context>& ctx);

}  // namespace civicgrid::http::open311
