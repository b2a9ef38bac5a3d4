// Outbound webhook endpoints (county and street admins): register, list,
// delete, and read an endpoint's deliveries.
#include <boost/json.hpp>

#include "http/api/api.h"
#include "http/api/views.h"
#include "http/json_body.h"

namespace civicgrid::http {
namespace {

namespace json = boost::json;
using domain::Caller;

constexpr size_t kMaxUrlChars = 2000;
constexpr size_t kMaxEventTypes = 32;

json::value EndpointJson(const domain::WebhookEndpoint& e) {
  json::array types;
  for (domain::TicketEventType t : e.event_types) types.emplace_back(TicketEventTypeName(t));
  json::object out{{"id", e.id},
                   {"url", e.url},
                   {"node_id", e.node_id},
                   {"node_name", e.node_name},
                   {"event_types", std::move(types)},
                   {"active", e.active},
                   {"created_by", e.created_by},
                   {"created_at", core::FormatUtc(e.created_at)}};
  if (e.secret) out["secret"] = *e.secret;
  return out;
}

json::value DeliveryJson(const domain::WebhookDelivery& d) {
  return json::object{{"id", d.id},
                      {"endpoint_id", d.endpoint_id},
                      {"event_id", d.event_id},
                      {"event_type", d.event_type},
                      {"status", domain::DeliveryStatusName(d.status)},
                      {"attempts", d.attempts},
                      {"next_attempt_at", d.status == domain::DeliveryStatus::kPending
                                              ? json::value(core::FormatUtc(d.next_attempt_at))
                                              : json::value(nullptr)},
                      {"delivered_at", OptTimeJson(d.delivered_at)},
                      {"failed_at", OptTimeJson(d.failed_at)},
                      {"last_error", d.last_error},
                      {"created_at", core::FormatUtc(d.created_at)}};
}

core::Result<std::vector<std::string>> EventTypes(const json::object& body) {
  std::vector<std::string> out;
  const json::value* v = body.if_contains("event_types");
  if (v == nullptr || v->is_null()) return out;
  if (!v->is_array() || v->as_array().size() > kMaxEventTypes) {
    return core::Error::Invalid("event_types", "应为事件类型名称的数组");
  }
  for (const auto& item : v->as_array()) {
    if (!item.is_string()) return core::Error::Invalid("event_types", "应为事件类型名称的数组");
    out.emplace_back(item.as_string());
  }
  return out;
}

core::Result<Response> CreateWebhook(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  domain::NewWebhookEndpoint endpoint;
  CG_ASSIGN_OR_RETURN(endpoint.url, RequireString(body, "url", kMaxUrlChars));
  CG_ASSIGN_OR_RETURN(endpoint.node_id, OptionalInt(body, "node_id", 1));
  CG_ASSIGN_OR_RETURN(endpoint.event_types, EventTypes(body));
  CG_ASSIGN_OR_RETURN(domain::WebhookEndpoint created, s.webhooks.Create(c, endpoint));
  return Response::Json(201, EndpointJson(created));
}

core::Result<Response> ListWebhooks(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(auto result, s.webhooks.List(c, page));
  return Response::Json(200, PageJson(result, &EndpointJson));
}

core::Result<Response> DeleteWebhook(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_TRY(s.webhooks.Delete(c, id));
  return Response::NoContent();
}

core::Result<Response> ListDeliveries(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(auto result, s.webhooks.Deliveries(c, id, page));
  return Response::Json(200, PageJson(result, &DeliveryJson));
}

}  // namespace

void RegisterWebhookRoutes(Router& router, ApiServices& s) {
  auto add = [&](const char* method, const char* pattern,
                 core::Result<Response> (*fn)(ApiServices&, Request&, const Caller&)) {
    router.Add(method, pattern,
               Authed(s, [&s, fn](Request& r, const Caller& c) { return fn(s, r, c); }));
  };
  add("POST", "/api/v1/webhooks", CreateWebhook);
  add("GET", "/api/v1/webhooks", ListWebhooks);
  add("DELETE", "/api/v1/webhooks/{id}", DeleteWebhook);
  add("GET", "/api/v1/webhooks/{id}/deliveries", ListDeliveries);
}

}  // namespace civicgrid::http
