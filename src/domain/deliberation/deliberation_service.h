// Deliberation meetings (议事协商, issue 10 §3; rules in docs/deliberation.md).
//
// A community holds meetings: one-off, joint with invited parties (its
// property company, an owners' committee, departments), or a series by rule
// (逢四说事 on the 4th, 14th and 24th; 七点半议事厅 on weekdays at 19:30; the
// first Monday) materialised as meetings for a bounded span. People who see a
// meeting register while seats remain and check in with the organiser's
// signed, time-limited code (duty's CheckCodeSigner). Agenda items come from
// a ticket, a resident's proposal or staff, each with a duration. The minutes
// close the meeting with its attendee count. Decisions carry an owner, a due
// date and a weight; each files a follow-up ticket through the ticket
// service's normal submission, and that ticket resolved or closed completes
// the decision (DecisionFollowUp, a ticket observer). A meeting's progress is
// the weighted share of its decisions done (Decidim accountability), each
// decision with its timeline. Sweep() reminds the organiser when the minutes
// are missing 3 and 7 days after the meeting.
//
// Who may do what:
//   manage (meetings, series, agenda, minutes, decisions, codes): county and
//     street admins, community secretaries and workers, the community within
//     their scope;
//   read a meeting: staff and party members whose scope holds its community;
//     residents of its community; the unit admin of an invited unit;
//   propose: a resident, for their own community; a resident reads their own
//     proposals, staff those of communities in scope;
//   register, check in: whoever reads the meeting and has an account.
// Outside what a caller sees → NotFound; seen but not allowed → Forbidden.
// Every change is audited in its transaction. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "core/time.h"
#include "domain/access/audit_log.h"
#include "domain/access/caller.h"
#include "domain/deliberation/deliberation_types.h"
#include "domain/duty/check_code.h"
#include "domain/registry/common.h"
#include "domain/tickets/ticket_service.h"
#include "store/pool.h"

namespace civicgrid::domain {

struct InvitedParty {
  PartyKind kind = PartyKind::kPropertyCompany;
  std::optional<int64_t> unit_id;  // the property company or department (a unit)
  std::string name;                // shown; the unit's name when a unit is named
};

struct NewMeeting {
  int64_t community_id = 0;
  std::string title;
  std::string starts_at;  // RFC 3339 with zone
  int64_t duration_minutes = 90;
  std::string place;
  int64_t capacity = 0;  // 0: no limit
  std::vector<InvitedParty> parties;
};

struct NewSeries {
  int64_t community_id = 0;
  std::string title;
  MeetingRule rule;
  std::string first_date;                // YYYY-MM-DD, local
  std::optional<std::string> last_date;  // default: first + default_series_days
  std::string place;
  int64_t capacity = 0;
  std::vector<InvitedParty> parties;
};

struct AgendaItem {
  int64_t id = 0;
  std::optional<int64_t> meeting_id;
  int64_t community_id = 0;
  ItemSource source = ItemSource::kStaff;
  std::optional<int64_t> ticket_id;
  std::string title;
  std::string body;
  int64_t duration_minutes = 0;
  int64_t position = 0;
  ItemState state = ItemState::kProposed;
  std::string proposer;  // the proposer's display name
  bool mine = false;     // the caller proposed it
  double progress = 0;   // weighted share of its decisions done, 0–1
  int64_t created_at = 0;
};

struct DecisionEvent {
  int64_t at = 0;
  std::string kind;  // created, ticket_resolved, ticket_closed, reopened, done
  std::string note;
};

struct Decision {
  int64_t id = 0;
  int64_t meeting_id = 0;
  std::optional<int64_t> item_id;
  std::string title;
  std::string owner;
  core::CivilDate due;
  int64_t weight = 1;
  std::optional<int64_t> ticket_id;
  std::string ticket_number;
  DecisionState state = DecisionState::kOpen;
  std::optional<int64_t> done_at;
  std::vector<DecisionEvent> timeline;  // filled by GetDecision
};

struct Meeting {
  int64_t id = 0;
  int64_t community_id = 0;
  std::string community_name;
  std::optional<int64_t> series_id;
  std::string rule;  // the series' rule text; "" for a one-off
  std::string title;
  int64_t starts_at = 0;
  int64_t ends_at = 0;
  std::string place;
  int64_t capacity = 0;
  int64_t registered = 0;
  int64_t checked_in = 0;
  MeetingState state = MeetingState::kScheduled;
  std::string minutes;
  std::optional<int64_t> minutes_at;
  std::optional<int64_t> attendee_count;
  int64_t reminders_sent = 0;
  std::vector<InvitedParty> parties;
  std::vector<AgendaItem> agenda;   // by position (Get only)
  std::vector<Decision> decisions;  // (Get only)
  double progress = 0;              // weighted share of decisions done, 0–1
  bool manageable = false;
  bool registered_me = false;
  bool checked_in_me = false;
  bool declined_me = false;   // the caller's registration was declined
  std::string cancel_reason;  // set when cancelled
  int64_t version = 1;
};

struct MeetingFilter {
  std::optional<int64_t> community_id;
  std::optional<int64_t> from;  // starts_at ≥ (epoch ms)
  std::optional<int64_t> to;    // starts_at <
  std::optional<int64_t> series_id;
  Page page;
};

struct Series {
  int64_t id = 0;
  int64_t community_id = 0;
  std::string title;
  std::string rule;
  core::CivilDate first;
  core::CivilDate last;
  int64_t meetings = 0;
  std::optional<int64_t> first_meeting_id;
};

struct NewItem {
  std::optional<int64_t> proposal_id;  // a resident's proposal
  std::optional<int64_t> ticket_id;    // a ticket the caller sees
  std::string title;                   // staff item (or overrides the ticket's title)
  std::string body;
  int64_t duration_minutes = 15;
};

struct NewProposal {
  std::string title;
  std::string body;
  int64_t duration_minutes = 15;
};

struct ProposalFilter {
  std::optional<ItemState> state;
  std::optional<int64_t> community_id;
  Page page;
};

struct NewDecision {
  std::optional<int64_t> item_id;
  std::string title;
  std::string owner;
  std::string due_date;  // YYYY-MM-DD
  int64_t weight = 1;
  std::optional<int64_t> category_id;  // of the follow-up ticket
};

struct Minutes {
  std::string text;
  std::optional<int64_t> attendee_count;  // default: the checked-in count
  std::optional<int64_t> version;
};

struct MeetingCode {
  int64_t meeting_id = 0;
  std::string code;
  std::string qr;  // "cgmeet:<meeting>:<code>"
  int64_t expires_at = 0;
};

struct MeetingRegistration {
  int64_t id = 0;
  int64_t meeting_id = 0;
  std::optional<int64_t> checked_in_at;
};

// A registration as the organiser sees it (Registrations, Decline).
struct RegistrationView {
  int64_t id = 0;
  int64_t meeting_id = 0;
  int64_t account_id = 0;
  std::string name;  // the account's display name
  int64_t registered_at = 0;
  std::optional<int64_t> checked_in_at;
  std::optional<int64_t> declined_at;
  std::string decline_reason;
};

struct Reminder {
  int64_t meeting_id = 0;
  std::string title;
  int64_t starts_at = 0;
  int64_t after_days = 0;
  int64_t created_at = 0;
};

struct ReminderSweep {
  int64_t examined = 0;
  int64_t reminders = 0;
};

class DeliberationService {
 public:
  DeliberationService(store::Db& db, const core::Clock& clock, AuditLog& audit,
                      const core::PiiCipher& key, TicketService& tickets,
                      DeliberationOptions options = {});

  core::Result<Meeting> Create(const Caller& caller, const NewMeeting& in);
  core::Result<Series> CreateSeries(const Caller& caller, const NewSeries& in);
  core::Result<Meeting> Get(const Caller& caller, int64_t id);
  core::Result<PageOf<Meeting>> List(const Caller& caller, const MeetingFilter& filter);

  core::Result<MeetingRegistration> Register(const Caller& caller, int64_t meeting_id);
  core::Result<MeetingCode> IssueCode(const Caller& caller, int64_t meeting_id);
  core::Result<MeetingRegistration> CheckIn(const Caller& caller, int64_t meeting_id,
                                            std::string_view code);

  core::Result<AgendaItem> AddItem(const Caller& caller, int64_t meeting_id, const NewItem& in);
  core::Result<AgendaItem> Propose(const Caller& caller, const NewProposal& in);
  core::Result<PageOf<AgendaItem>> Proposals(const Caller& caller, const ProposalFilter& filter);
  core::Result<Meeting> SetMinutes(const Caller& caller, int64_t meeting_id, const Minutes& in);
  core::Result<Decision> Decide(const Caller& caller, int64_t meeting_id, const NewDecision& in);
  core::Result<Decision> GetDecision(const Caller& caller, int64_t id);

  // Cancels a scheduled meeting (organisers; 409 `state` otherwise) with a
  // reason (required); every registered account gets a notice.
  core::Result<Meeting> Cancel(const Caller& caller, int64_t meeting_id, std::string_view reason);
  // The meeting's registrations in id order (organisers), declined ones too.
  core::Result<std::vector<RegistrationView>> Registrations(const Caller& caller,
                                                            int64_t meeting_id);
  // Declines one registration (organisers; not once checked in: 409 `state`)
  // with a reason; its seat is free again and the account gets a notice. A
  // declined account cannot register again (409 `state`).
  core::Result<RegistrationView> Decline(const Caller& caller, int64_t meeting_id,
                                         int64_t registration_id, std::string_view reason);

  // The caller's reminders (minutes missing), newest first.
  core::Result<std::vector<Reminder>> Reminders(const Caller& caller, int64_t limit);
  // Reminds each organiser whose meeting ended reminder_days ago without minutes.
  core::Result<ReminderSweep> Sweep(int64_t now_ms);

  // Inside the ticket's transaction (DecisionFollowUp): a resolved or closed
  // follow-up ticket completes its decision; a reopened one reopens it.
  core::Status TicketChanged(store::Connection& conn, const TicketChange& change);

  // Unscoped inserts inside an open transaction (the demo loader): a series
  // and its meetings; returns the meeting ids in order.
  core::Result<std::vector<int64_t>> InsertSeries(store::Connection& conn, int64_t community_id,
                                                  const std::string& path, int64_t organiser,
                                                  const std::string& title, const MeetingRule& rule,
                                                  core::CivilDate first, core::CivilDate last,
                                                  const std::string& place, int64_t capacity);

  const DeliberationOptions& options() const { return options_; }

 private:
  core::Result<int64_t> FileFollowUp(store::Connection& conn, const Caller& caller,
                                     int64_t community_id, const NewDecision& in,
                                     const std::string& meeting_title,
                                     std::optional<TicketChange>* change);

  store::Db& db_;
  const core::Clock& clock_;
  AuditLog& audit_;
  TicketService& tickets_;
  DeliberationOptions options_;
  CheckCodeSigner signer_;
};

// The ticket observer that completes decisions (registered by the App and the
// demo's history runner, like TicketCredit).
class DecisionFollowUp : public TicketObserver {
 public:
  explicit DecisionFollowUp(DeliberationService& service) : service_(service) {}
  core::Status InTransaction(store::Connection& conn, const TicketChange& change) override {
    return service_.TicketChanged(conn, change);
  }

 private:
  DeliberationService& service_;
};

}  // namespace civicgrid::domain
