// mySociety's servicerequestupdates extension (GET and POST), as FixMyStreet
// uses it to sync a report's status and its users' comments, and the public
// media behind media_url.
#include <algorithm>
#include <array>
#include <string>

#include <boost/json.hpp>

#include "core/time.h"
#include "http/open311/open311_internal.h"

namespace civicgrid::http::open311 {
namespace {

namespace json = boost::json;
using domain::Caller;
using domain::Ticket;
using domain::TicketState;

// Every status mySociety's extension defines (POST servicerequestupdates).
constexpr std::array<std::string_view, 12> kExtendedStatuses{"OPEN",
                                                             "CLOSED",
                                                             "FIXED",
                                                             "IN_PROGRESS",
                                                             "ACTION_SCHEDULED",
                                                             "INVESTIGATING",
                                                             "DUPLICATE",
                                                             "NOT_COUNCILS_RESPONSIBILITY",
                                                             "NO_FURTHER_ACTION",
                                                             "INTERNAL_REFERRAL",
                                                             "REOPEN",
                                                             "FOR_TRIAGE"};

// --- servicerequestupdates (mySociety) -----------------------------------------

std::string_view ExtendedStatus(const domain::Open311Update& u) {
  using T = domain::TicketEventType;
  if (u.type == T::kReopen || (u.type == T::kRate && u.reopened)) return "reopen";
  if (u.type == T::kClose && u.duplicate) return "duplicate";
  switch (u.state_after) {
    case TicketState::kSubmitted:
      return "open";
    case TicketState::kAccepted:
      return "investigating";
    case TicketState::kPublished:
    case TicketState::kAssigned:
      return "action_scheduled";
    case TicketState::kInProgress:
      return "in_progress";
    case TicketState::kEscalated:
      return "internal_referral";
    case TicketState::kResolved:
      return "fixed";
    case TicketState::kClosed:
      return "closed";
    case TicketState::kRejected:
      return "no_further_action";
  }
  return "open";
}

core::Result<Reply> GetUpdates(Context& ctx, Request& r, Format) {
  CG_ASSIGN_OR_RETURN(domain::Jurisdiction j, JurisdictionOf(ctx, r, nullptr));
  const Caller reader = domain::Open311Directory::PublicReader(j);
  CG_ASSIGN_OR_RETURN(Window window, TimeWindow(r, ctx.api.clock.NowMs()));
  CG_ASSIGN_OR_RETURN(auto updates,
                      ctx.directory.Updates(reader, j, window.from, window.to, kMaxResults));
  const std::string base = BaseUrl(ctx.api, r);
  json::array out;
  for (const auto& u : updates) {
    out.push_back(json::object{
        {"update_id", std::to_string(u.event_id)},
        {"service_request_id", u.ticket_number},
        {"status", ExtendedStatus(u)},
        {"updated_datetime", core::FormatShanghai(u.at)},
        {"description", u.note},
        {"media_url", u.attachment_id ? MediaUrl(base, *u.attachment_id) : ""},
        {"external_status_code", domain::TicketStateName(u.state_after)},
    });
  }
  return Reply{200, "service_request_updates", std::move(out)};
}

core::Result<std::string> Required(const Form& form, const char* name) {
  std::optional<std::string> value = form.Get(name);
  if (!value) return core::Error::Invalid(name, "必填");
  return *value;
}

// A comment on the ticket from the integration (a FixMyStreet user's update).
core::Result<Reply> PostUpdate(Context& ctx, Request& r, Format) {
  CG_ASSIGN_OR_RETURN(Form form, Form::Parse(r.body));
  CG_ASSIGN_OR_RETURN(domain::Jurisdiction j, JurisdictionOf(ctx, r, &form));
  CG_ASSIGN_OR_RETURN(Caller caller, KeyCaller(ctx, form, j));
  caller.request_id = r.request_id;
  CG_ASSIGN_OR_RETURN(std::string number, Required(form, "service_request_id"));
  CG_ASSIGN_OR_RETURN(std::string status, Required(form, "status"));
  std::transform(status.begin(), status.end(), status.begin(),
                 [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; });
  if (std::find(kExtendedStatuses.begin(), kExtendedStatuses.end(), status) ==
      kExtendedStatuses.end()) {
    return core::Error::Invalid("status", "应为 OPEN、CLOSED、FIXED 等 Open311 扩展状态之一");
  }
  CG_ASSIGN_OR_RETURN(std::string description, Required(form, "description"));
  CG_ASSIGN_OR_RETURN(std::string updated, Required(form, "updated_datetime"));
  CG_TRY(W3cTime(updated, "updated_datetime"));
  CG_ASSIGN_OR_RETURN(auto media, MediaUrlField(form));
  CG_ASSIGN_OR_RETURN(Ticket t, OnePublic(ctx, caller, j, number));
  // The status a client reports is its view (a resident says "fixed"); only
  // staff change a ticket's state, so it is kept with the comment.
  std::string note = Lines(description);
  if (media) note += "\n图片链接：" + *media;
  if (status != "OPEN") note += "\n（对方标注的状态：" + status + "）";
  domain::TicketAction action;
  action.type = domain::TicketEventType::kComment;
  action.note = note;
  // A client retrying a POST that did commit names the same update_id: the
  // comment is not added twice, and the same update_id answers.
  if (auto client_id = form.Get("update_id"); client_id && !client_id->empty()) {
    action.idempotency_key = "open311-update:" + number + ":" + *client_id;
  }
  CG_ASSIGN_OR_RETURN(auto acted, ctx.api.tickets.Perform(caller, t.id, action));
  if (acted.event_id == 0) return core::Error::Internal("找不到先前写入的更新");
  json::array out{
      json::object{{"update_id", std::to_string(acted.event_id)}, {"account_id", nullptr}}};
  return Reply{200, "service_request_updates", std::move(out)};
}

// --- media -------------------------------------------------------------------------

// The photo behind a public ticket's media_url: readable by anyone exactly
// when the ticket is public (TicketService visibility of the public reader).
Response Media(Context& ctx, Request& r) {
  auto id = ParseId(r.Param("id"), "id");
  if (!id.ok()) return RenderError(Format::kJson, core::Error::NotFound("media 未找到"));
  domain::Jurisdiction everywhere{0, "", "", "/"};
  auto content =
      ctx.api.attachments.Read(domain::Open311Directory::PublicReader(everywhere), *id, false);
  if (!content.ok()) return RenderError(Format::kJson, content.error());
  Response response = Response::Text(200, std::move(content->bytes), content->content_type);
  response.AddHeader("ETag", "\"" + content->sha256 + "\"");
  response.AddHeader("Cache-Control", "public, max-age=86400");
  response.AddHeader("X-Content-Type-Options", "nosniff");
  return response;
}

}  // namespace

void RegisterUpdateRoutes(Router& router, const std::shared_ptr<Context>& ctx) {
  const std::string v2 = "/open311/v2/";
  AddFormats(router, ctx, "GET", v2 + "servicerequestupdates", GetUpdates,
             LongRoute());  // bulk read
  AddFormats(router, ctx, "POST", v2 + "servicerequestupdates", PostUpdate,
             RouteOptions{64 * 1024});
  router.Add("GET", v2 + "media/{id}", [ctx](Request& r) { return Media(*ctx, r); });
}

}  // namespace civicgrid::http::open311
