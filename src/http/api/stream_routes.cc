// GET /api/v1/tickets/stream: Server-Sent Events of the ticket events the
// caller may see, for the console's live views.
//
// The stream holds no copy of the events: each commit wakes it through the
// EventHub, and it reads what is new with TicketService::EventsAfter, which
// applies the caller's visibility, so a grid worker's stream carries exactly
// the events of the tickets that worker could read. Each event is
//
//   id: 1234
//   event: ticket
//   data: {"id":1234,"ticket_id":7,"ticket_number":"131022-2026-000007",
//          "type":"dispatch","state_after":"assigned","at":"2026-11-23T20:05:06+08:00","note":""}
//
// A client resumes with the standard Last-Event-ID header (EventSource sends
// it on reconnect) or ?after=<event id>; without either it gets what happens
// from now on. The credential is checked again every minute while events
// flow: a logged-out or disabled account's stream ends.
#include <boost/json/object.hpp>

#include <charconv>
#include <functional>
#include <map>
#include <memory>

#include "core/time.h"
#include "domain/tickets/event_hub.h"
#include "http/api/api.h"
#include "http/json_write.h"

namespace civicgrid::http {
namespace {

namespace json = boost::json;

// Events read per query; a full page asks to be pulled again at once, so a
// long backlog goes out in slices that let the I/O thread serve others.
constexpr int64_t kPageSize = 100;
// How often the credential is checked again.
constexpr int64_t kReauthMs = 60'000;
// Ticket numbers remembered per stream (ticket id → number).
constexpr size_t kNumberCacheSize = 4096;

core::Result<int64_t> ParseCursor(std::string_view text, std::string_view field) {
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < 0) {
    return core::Error::Invalid(std::string(field), "应为事件编号（非负整数）");
  }
  return value;
}

// Where the stream starts: after Last-Event-ID, else after ?after=, else now.
core::Result<int64_t> StartCursor(ApiServices& s, const Request& r) {
  if (std::string_view last = r.Header("Last-Event-ID"); !last.empty()) {
    return ParseCursor(last, "Last-Event-ID");
  }
  if (auto after = r.Query("after")) return ParseCursor(*after, "after");
  return domain::LatestTicketEventId(s.db);
}

class TicketEventSource : public StreamSource {
 public:
  TicketEventSource(ApiServices& services, domain::Caller caller, Credential credential,
                    int64_t after)
      : services_(services),
        caller_(std::move(caller)),
        credential_(std::move(credential)),
        after_(after),
        checked_at_(services.clock.NowMs()) {}

  void Start(std::function<void()> wake) override {
    wake_ = wake;
    subscription_ = services_.events.Subscribe(std::move(wake));
  }

  StreamChunk Pull() override {
    if (!StillAuthenticated()) return StreamChunk{"", true};
    auto events = services_.tickets.EventsAfter(caller_, after_, kPageSize);
    if (!events.ok()) {
      // The client reconnects (EventSource does by itself) and resumes from
      // the last id it received; nothing is skipped.
      return StreamChunk{"", true};
    }
    std::string out;
    for (const domain::TicketEvent& e : *events) {
      out += Format(e);
      after_ = e.id;
    }
    if (static_cast<int64_t>(events->size()) == kPageSize) wake_();
    return StreamChunk{std::move(out), false};
  }

 private:
  bool StillAuthenticated() {
    int64_t now = services_.clock.NowMs();
    if (now - checked_at_ < kReauthMs) return true;
    auto caller = Authenticate(services_, credential_);
    if (!caller.ok()) return false;
    caller->request_id = caller_.request_id;
    caller_ = std::move(caller).value();
    checked_at_ = now;
    return true;
  }

  std::string Format(const domain::TicketEvent& e) {
    json::object data{
        {"id", e.id},
        {"ticket_id", e.ticket_id},
        {"ticket_number", Number(e.ticket_id)},
        {"type", domain::TicketEventTypeName(e.type)},
        {"state_after", domain::TicketStateName(e.state_after)},
        {"at", core::FormatShanghai(e.at)},
        {"note", e.note},
    };
    // JSON escapes line breaks inside strings, so `data` is one line.
    return "id: " + std::to_string(e.id) + "\nevent: ticket\ndata: " + WriteJson(data) + "\n\n";
  }

  // The ticket's number, read through the caller's own view of the ticket.
  std::string Number(int64_t ticket_id) {
    if (auto it = numbers_.find(ticket_id); it != numbers_.end()) return it->second;
    auto ticket = services_.tickets.Get(caller_, ticket_id);
    if (!ticket.ok()) return "";
    if (numbers_.size() >= kNumberCacheSize) numbers_.clear();
    return numbers_.emplace(ticket_id, ticket->number).first->second;
  }

  ApiServices& services_;
  domain::Caller caller_;
  Credential credential_;
  int64_t after_;
  int64_t checked_at_;
  std::function<void()> wake_;
  std::map<int64_t, std::string> numbers_;
  domain::EventHub::Subscription subscription_;  // last: unsubscribes before the rest goes
};

core::Result<Response> TicketStream(ApiServices& s, Request& r, const domain::Caller& c) {
  CG_ASSIGN_OR_RETURN(int64_t after, StartCursor(s, r));
  return Response::EventStream(std::make_shared<TicketEventSource>(s, c, CredentialOf(r), after));
}

}  // namespace

void RegisterStreamRoutes(Router& router, ApiServices& services) {
  router.Add("GET", "/api/v1/tickets/stream",
             Authed(services, [&services](Request& r, const domain::Caller& c) {
               return TicketStream(services, r, c);
             }));
}

}  // namespace civicgrid::http
