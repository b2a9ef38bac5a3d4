// Tickets (随手拍, 微心愿 and every other demand), their events, the
// community order board and the category taxonomy.
#include <boost/json.hpp>

#include "core/bd09.h"
#include "domain/tickets/wish_wall.h"
#include "http/api/api.h"
#include "http/api/ticket_views.h"
#include "http/api/views.h"
#include "http/json_body.h"

namespace civicgrid::http {
namespace {

namespace json = boost::json;
using domain::Caller;

core::Result<std::optional<int64_t>> QueryTime(const Request& r, std::string_view name) {
  auto text = r.Query(name);
  if (!text) return std::optional<int64_t>();
  CG_ASSIGN_OR_RETURN(int64_t ms, core::ParseTimestamp(*text, name));
  return std::optional<int64_t>(ms);
}

// --- categories ----------------------------------------------------------------

core::Result<Response> ListCategories(ApiServices& s, Request& r, const Caller& c) {
  (void)c;
  CG_ASSIGN_OR_RETURN(bool all, QueryFlag(r, "include_inactive"));
  CG_ASSIGN_OR_RETURN(auto categories, s.categories.List(all));
  json::array items;
  for (const auto& cat : categories) items.push_back(ToJson(cat));
  return Response::Json(200, json::object{{"items", std::move(items)}});
}

// Reads category fields from `body` over `base` (all required when creating).
core::Result<domain::Category> CategoryFromBody(const json::object& body, domain::Category base,
                                                bool create) {
  auto str = [&](std::string_view field, size_t max, std::string& out) -> core::Status {
    if (create && (field == "code" || field == "name")) {
      CG_ASSIGN_OR_RETURN(out, RequireString(body, field, max));
      return {};
    }
    CG_ASSIGN_OR_RETURN(auto v, OptionalString(body, field, max, TextKind::kMultiLine));
    if (v) out = *v;
    return {};
  };
  CG_TRY(str("code", 20, base.code));
  CG_TRY(str("name", 40, base.name));
  CG_TRY(str("name_en", 100, base.name_en));
  CG_TRY(str("description", 2000, base.description));
  CG_TRY(str("skill", 40, base.skill));
  if (create || body.contains("group")) {
    CG_ASSIGN_OR_RETURN(std::string g, RequireString(body, "group", 20));
    CG_ASSIGN_OR_RETURN(base.group, domain::ParseCategoryGroup(g, "group"));
  }
  if (create || body.contains("handler")) {
    CG_ASSIGN_OR_RETURN(std::string h, RequireString(body, "handler", 20));
    CG_ASSIGN_OR_RETURN(base.handler, domain::ParseCategoryHandler(h, "handler"));
  }
  if (body.contains("handler_unit_id")) {
    CG_ASSIGN_OR_RETURN(base.handler_unit_id, OptionalInt(body, "handler_unit_id", 1));
  }
  if (body.contains("first_route")) {  // null: no first routing
    CG_ASSIGN_OR_RETURN(auto route, OptionalString(body, "first_route", 20));
    base.first_route.reset();
    if (route) {
      CG_ASSIGN_OR_RETURN(base.first_route, domain::ParseFirstRoute(*route, "first_route"));
    }
  }
  auto minutes = [&](std::string_view field, int64_t& out) -> core::Status {
    if (create) {
      CG_ASSIGN_OR_RETURN(out, RequireInt(body, field, 1, 90 * 24 * 60));
    } else {
      CG_ASSIGN_OR_RETURN(auto v, OptionalInt(body, field, 1, 90 * 24 * 60));
      if (v) out = *v;
    }
    return {};
  };
  CG_TRY(minutes("accept_minutes", base.accept_minutes));
  CG_TRY(minutes("respond_minutes", base.respond_minutes));
  CG_TRY(minutes("resolve_minutes", base.resolve_minutes));
  auto flag = [&](std::string_view field, bool& out) -> core::Status {
    CG_ASSIGN_OR_RETURN(auto v, OptionalBool(body, field));
    if (v) out = *v;
    return {};
  };
  CG_TRY(flag("allow_anonymous", base.allow_anonymous));
  CG_TRY(flag("public_board", base.public_board));
  CG_TRY(flag("active", base.active));
  CG_ASSIGN_OR_RETURN(auto radius, OptionalInt(body, "duplicate_radius_m", 0, 5000));
  if (radius) base.duplicate_radius_m = *radius;
  return base;
}

core::Result<Response> CreateCategory(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(domain::Category cat, CategoryFromBody(body, {}, true));
  CG_ASSIGN_OR_RETURN(domain::Category created, s.categories.Create(c, cat));
  return Response::Json(201, ToJson(created));
}

core::Result<Response> UpdateCategory(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_TRY(s.categories.RequireEditor(c));  // before reading: 403, not 404, for others
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(domain::Category current, s.categories.Get(id));
  CG_ASSIGN_OR_RETURN(domain::Category cat, CategoryFromBody(body, current, false));
  CG_ASSIGN_OR_RETURN(domain::Category updated, s.categories.Update(c, id, cat));
  return Response::Json(200, ToJson(updated));
}

// --- tickets -------------------------------------------------------------------

// The Idempotency-Key header, if sent (the domain checks its length).
std::optional<std::string> IdempotencyKey(const Request& r) {
  std::string_view key = r.Header("Idempotency-Key");
  if (key.empty()) return std::nullopt;
  return std::string(key);
}

}  // namespace

// Text limits are the domain's (TicketOptions): the route reads strings with a
// transport bound only and the service checks the length.
constexpr size_t kAnyLength = 64 * 1024;

core::Result<domain::NewTicket> NewTicketFromBody(const Request& r, const json::object& body) {
  domain::NewTicket t;
  CG_ASSIGN_OR_RETURN(t.category_id, RequireInt(body, "category_id", 1));
  if (auto kind = body.if_contains("kind"); kind != nullptr && !kind->is_null()) {
    CG_ASSIGN_OR_RETURN(std::string k, RequireString(body, "kind", 20));
    CG_ASSIGN_OR_RETURN(t.kind, domain::ParseTicketKind(k, "kind"));
  }
  if (auto ch = body.if_contains("channel"); ch != nullptr && !ch->is_null()) {
    CG_ASSIGN_OR_RETURN(std::string k, RequireString(body, "channel", 20));
    CG_ASSIGN_OR_RETURN(t.channel, domain::ParseTicketChannel(k, "channel"));
  }
  CG_ASSIGN_OR_RETURN(auto title, OptionalString(body, "title", kAnyLength));
  t.title = title.value_or("");
  CG_ASSIGN_OR_RETURN(t.description,
                      RequireString(body, "description", kAnyLength, TextKind::kMultiLine));
  CG_ASSIGN_OR_RETURN(auto address, OptionalString(body, "address", kAnyLength));
  t.address = address.value_or("");
  CG_ASSIGN_OR_RETURN(t.location, OptionalLonLat(body, "location"));
  CG_ASSIGN_OR_RETURN(auto sys, OptionalString(body, "coord_sys", 10));
  if (sys) {
    CG_ASSIGN_OR_RETURN(core::ApiDatum datum, core::ParseApiDatum(*sys));
    t.gcj02 = datum.sys == core::CoordSys::kGcj02;
    if (datum.bd09 && t.location) {
      CG_TRY(core::ValidateLonLat(*t.location, ""));
      t.location = core::AsDatumPoint(*t.location, datum);
    }
  }
  CG_ASSIGN_OR_RETURN(t.node_id, OptionalInt(body, "node_id", 1));
  CG_ASSIGN_OR_RETURN(auto anonymous, OptionalBool(body, "anonymous"));
  t.anonymous = anonymous.value_or(false);
  CG_ASSIGN_OR_RETURN(auto contact, OptionalString(body, "contact_name", kAnyLength));
  t.contact_name = contact.value_or("");
  CG_ASSIGN_OR_RETURN(t.phone, OptionalString(body, "phone", 20));
  CG_ASSIGN_OR_RETURN(t.is_public, OptionalBool(body, "is_public"));
  CG_ASSIGN_OR_RETURN(t.attachment_ids, IdList(body, "attachment_ids"));
  t.idempotency_key = IdempotencyKey(r);
  return t;
}

namespace {

// Validated and prepared here, on the I/O thread (reads only); written by the
// IntakeWriter in one transaction with whatever else was submitted meanwhile
// (group commit), and answered from its thread once that transaction committed.
void SubmitTicket(ApiServices& s, Request& r, const Caller& c, Responder respond) {
  auto prepared = [&]() -> core::Result<domain::PreparedTicket> {
    CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
    CG_ASSIGN_OR_RETURN(domain::NewTicket t, NewTicketFromBody(r, body));
    return s.tickets.Prepare(c, t);
  }();
  if (!prepared.ok()) return respond(Response::FromError(prepared.error()));
  s.intake.Submit(
      c, std::move(prepared).value(),
      [c, respond = std::move(respond)](core::Result<domain::TicketService::Inserted> inserted) {
        if (!inserted.ok()) return respond(Response::FromError(inserted.error()));
        respond(SubmittedResponse(inserted->ticket, inserted->created, c));
      });
}

core::Result<Response> ListTickets(ApiServices& s, Request& r, const Caller& c) {
  domain::TicketFilter f;
  CG_ASSIGN_OR_RETURN(f.page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(f.within, QueryId(r, "within"));
  CG_ASSIGN_OR_RETURN(f.category_id, QueryId(r, "category_id"));
  if (auto state = r.Query("state")) {
    CG_ASSIGN_OR_RETURN(f.state, domain::ParseTicketState(*state, "state"));
  }
  if (auto kind = r.Query("kind")) {
    CG_ASSIGN_OR_RETURN(f.kind, domain::ParseTicketKind(*kind, "kind"));
  }
  if (r.Query("open")) {
    CG_ASSIGN_OR_RETURN(bool open, QueryFlag(r, "open"));
    f.open = open;
  }
  CG_ASSIGN_OR_RETURN(f.mine, QueryFlag(r, "mine"));
  CG_ASSIGN_OR_RETURN(f.assigned, QueryFlag(r, "assigned"));
  CG_ASSIGN_OR_RETURN(f.overdue, QueryFlag(r, "overdue"));
  if (auto route = r.Query("first_route")) {
    CG_ASSIGN_OR_RETURN(f.first_route, domain::ParseFirstRoute(*route, "first_route"));
  }
  CG_ASSIGN_OR_RETURN(f.created_from, QueryTime(r, "created_from"));
  CG_ASSIGN_OR_RETURN(f.created_to, QueryTime(r, "created_to"));
  CG_ASSIGN_OR_RETURN(auto page, s.tickets.List(c, f));
  return TicketPageResponse(page, c);
}

core::Result<Response> GetTicket(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(domain::Ticket t, s.tickets.Get(c, id));
  return TicketResponse(200, t, c);
}

core::Result<Response> TicketEvents(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(auto events, s.tickets.Events(c, id));
  json::array items;
  for (const auto& e : events) items.push_back(ToJson(e));
  return Response::Json(200, json::object{{"items", std::move(items)}});
}

core::Result<Response> TicketEscalations(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(auto escalations, s.tickets.Escalations(c, id));
  json::array items;
  for (const auto& e : escalations) items.push_back(ToJson(e));
  return Response::Json(200, json::object{{"items", std::move(items)}});
}

core::Result<Response> TicketAssignees(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(std::vector<domain::AssigneeOption> options, s.tickets.Assignees(c, id));
  json::array items;
  for (const auto& o : options) {
    items.push_back(json::object{{"kind", domain::AssigneeKindName(o.assignee.kind)},
                                 {"id", o.assignee.id},
                                 {"name", o.assignee.name},
                                 {"detail", o.detail}});
  }
  return Response::Json(200, json::object{{"items", std::move(items)}});
}

core::Result<Response> TicketContact(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(domain::TicketContact contact, s.tickets.RevealContact(c, id));
  Response response = Response::Json(
      200, json::object{{"id", id}, {"name", contact.name}, {"phone", OptJson(contact.phone)}});
  response.AddHeader("Cache-Control", "no-store");
  return response;
}

core::Result<domain::TicketAction> ActionFromBody(const json::object& body) {
  domain::TicketAction a;
  CG_ASSIGN_OR_RETURN(std::string type, RequireString(body, "type", 20));
  CG_ASSIGN_OR_RETURN(a.type, domain::ParseTicketEventType(type, "type"));
  CG_ASSIGN_OR_RETURN(a.expected_version, OptionalInt(body, "version", 1));
  CG_ASSIGN_OR_RETURN(auto note, OptionalString(body, "note", kAnyLength, TextKind::kMultiLine));
  a.note = note.value_or("");
  if (const json::value* v = body.if_contains("assignee"); v != nullptr && !v->is_null()) {
    if (!v->is_object()) return core::Error::Invalid("assignee", "应为 {kind, id}");
    const json::object& o = v->as_object();
    CG_ASSIGN_OR_RETURN(std::string kind, RequireString(o, "kind", 20));
    domain::Assignee assignee;
    CG_ASSIGN_OR_RETURN(assignee.kind, domain::ParseAssigneeKind(kind, "assignee.kind"));
    if (assignee.kind != domain::AssigneeKind::kBoard) {
      auto id = RequireInt(o, "id", 1);
      if (!id.ok()) return core::Error::Invalid("assignee.id", "应为正整数编号");
      assignee.id = *id;
    }
    a.assignee = assignee;
  }
  CG_ASSIGN_OR_RETURN(a.unit_ids, IdList(body, "unit_ids"));
  // Bounds are the domain's (TicketOptions): passed through as given.
  CG_ASSIGN_OR_RETURN(a.report_minutes, OptionalInt(body, "report_minutes"));
  CG_ASSIGN_OR_RETURN(a.resolve_minutes, OptionalInt(body, "resolve_minutes"));
  CG_ASSIGN_OR_RETURN(a.unit_id, OptionalInt(body, "unit_id", 1));
  CG_ASSIGN_OR_RETURN(a.rating,
                      OptionalInt(body, "rating", domain::kMinRating, domain::kMaxRating));
  CG_ASSIGN_OR_RETURN(a.outcome, OptionalString(body, "outcome", 20));
  CG_ASSIGN_OR_RETURN(a.duplicate_of, OptionalInt(body, "duplicate_of", 1));
  CG_ASSIGN_OR_RETURN(a.attachment_ids, IdList(body, "attachment_ids"));
  return a;
}

core::Result<Response> ActOnTicket(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_ASSIGN_OR_RETURN(json::object body, BodyObject(r));
  CG_ASSIGN_OR_RETURN(domain::TicketAction action, ActionFromBody(body));
  action.idempotency_key = IdempotencyKey(r);
  auto acted = s.tickets.Perform(c, id, action);
  if (!acted.ok() && acted.error().code == core::ErrorCode::kConflict) {
    // 409 with the current state, so the client can show what happened. A
    // lost race (the domain's field "version") and a transition the state
    // machine refuses (field "state") get distinct codes: the first is worth
    // a retry after re-reading, the second is not.
    json::object out = ErrorJson(acted.error()).as_object();
    json::object& error = out["error"].as_object();
    if (acted.error().field == "version") error["code"] = "version_conflict";
    if (acted.error().field == "state") error["code"] = "invalid_transition";
    if (auto current = s.tickets.Get(c, id); current.ok()) {
      out["current_state"] = domain::TicketStateName(current->state);
      out["current_version"] = current->version;
    }
    return Response::Json(409, out);
  }
  if (!acted.ok()) return acted.error();
  Response response = TicketResponse(200, acted->ticket, c);
  if (acted->replayed) response.AddHeader("Idempotent-Replayed", "true");
  return response;
}

core::Result<Response> FollowTicket(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t id, ParseId(r.Param("id"), "id"));
  CG_TRY(s.tickets.Follow(c, id));
  return Response::NoContent();
}

core::Result<Response> NearbyTickets(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(auto category, QueryId(r, "category_id"));
  if (!category) return core::Error::Invalid("category_id", "必填");
  CG_ASSIGN_OR_RETURN(double lon, QueryNumber(r, "lon"));
  CG_ASSIGN_OR_RETURN(double lat, QueryNumber(r, "lat"));
  core::ApiDatum datum;
  if (auto sys = r.Query("coord_sys")) {
    CG_ASSIGN_OR_RETURN(datum, core::ParseApiDatum(*sys));
  }
  core::LonLat point{lon, lat};
  if (datum.bd09) {
    CG_TRY(core::ValidateLonLat(point, ""));
    point = core::AsDatumPoint(point, datum);
  }
  CG_ASSIGN_OR_RETURN(auto tickets,
                      s.tickets.Nearby(c, *category, point, datum.sys == core::CoordSys::kGcj02));
  json::array items;
  for (const auto& t : tickets) items.push_back(ToJson(t, c));
  return Response::Json(200, json::object{{"items", std::move(items)}});
}

// The wish wall (微心愿) of a community: its open wishes, each with "claimed".
core::Result<Response> Wishes(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  CG_ASSIGN_OR_RETURN(std::optional<int64_t> community_id, QueryId(r, "community_id"));
  CG_ASSIGN_OR_RETURN(domain::WishWall wall, domain::ListWishes(s.db, c, community_id, page));
  json::value out = PageJson(wall.page, [&](const domain::Ticket& t) {
    json::value v = ToJson(t, c);
    const bool claimed = t.assignee && t.assignee->kind != domain::AssigneeKind::kBoard;
    v.as_object()["claimed"] = claimed;
    // Neighbours read the wall: no phone, not even masked, for non-staff.
    if (!c.Can(domain::Permission::kStatsRead)) v.as_object()["submitter_phone"] = nullptr;
    return v;
  });
  out.as_object()["community"] =
      json::object{{"id", wall.community_id}, {"name", wall.community_name}};
  return Response::Json(200, out);
}

core::Result<Response> Board(ApiServices& s, Request& r, const Caller& c) {
  CG_ASSIGN_OR_RETURN(domain::Page page, QueryPage(r));
  bool mine = false;
  if (auto skills = r.Query("skills")) {
    if (*skills != "mine" && *skills != "all") {
      return core::Error::Invalid("skills", "应为 mine 或 all");
    }
    mine = *skills == "mine";
  }
  CG_ASSIGN_OR_RETURN(auto board, s.tickets.Board(c, mine, page));
  return TicketPageResponse(board, c);
}

}  // namespace

void RegisterTicketRoutes(Router& router, ApiServices& s) {
  auto add = [&](const char* method, const char* pattern,
                 core::Result<Response> (*fn)(ApiServices&, Request&, const Caller&),
                 RouteOptions options = {}) {
    router.Add(method, pattern,
               Authed(s, [&s, fn](Request& r, const Caller& c) { return fn(s, r, c); }), options);
  };
  add("GET", "/api/v1/categories", ListCategories);
  add("POST", "/api/v1/categories", CreateCategory);
  add("PATCH", "/api/v1/categories/{id}", UpdateCategory);
  auto submit = [&s](Request& r, const Caller& c, Responder respond) {
    SubmitTicket(s, r, c, std::move(respond));
  };
  // Ahead of queued reads: the handler only validates and hands over to the
  // intake writer, and a resident waits on it (docs/benchmarks.md, session 17).
  router.AddAsync("POST", "/api/v1/tickets", AuthedAsync(s, submit),
                  RouteOptions{.max_body_bytes = 64 * 1024, .ahead = true});
  add("GET", "/api/v1/tickets", ListTickets);
  add("GET", "/api/v1/tickets/nearby", NearbyTickets);
  add("GET", "/api/v1/tickets/{id}", GetTicket);
  add("GET", "/api/v1/tickets/{id}/events", TicketEvents);
  add("POST", "/api/v1/tickets/{id}/events", ActOnTicket, RouteOptions{64 * 1024});
  add("GET", "/api/v1/tickets/{id}/escalations", TicketEscalations);
  add("GET", "/api/v1/tickets/{id}/contact", TicketContact);
  add("GET", "/api/v1/tickets/{id}/assignees", TicketAssignees);
  add("POST", "/api/v1/tickets/{id}/follow", FollowTicket);
  add("GET", "/api/v1/board", Board);
  add("GET", "/api/v1/wishes", Wishes);
}

}  // namespace civicgrid::http
