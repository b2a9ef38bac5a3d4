// The ticket model: one Ticket for every demand (随手拍, 微心愿, a phone
// complaint, a grid worker's patrol finding, a system alert, a meeting's
// follow-up), its append-only events and the state machine that derives the
// current state from them.
//
// The state machine is a pure function (Apply) used twice: by TicketService to
// check and perform a transition, and by Replay to rebuild a ticket's state
// from its events (a test holds the two equal). Value types; thread-safe.
//
//   submitted ─accept→ accepted ─dispatch→ assigned ─start→ in_progress ─resolve→ resolved ─rate≥3→
//   closed
//       │                 │  └─dispatch(board)→ published ─claim→ assigned        │  └rate≤2
//       (once)→ accepted └reject→ rejected  └escalate (also from submitted, assigned, in_progress)→
//       escalated ─resolve→ resolved
//   return: assigned | in_progress → accepted; reopen: resolved | closed → accepted;
//   close: submitted | accepted | published | resolved → closed (duplicate, withdrawn, rating
//   timeout).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace civicgrid::domain {

enum class TicketKind { kReport, kWish, kComplaint, kPatrol, kAlert, kFollowUp };
enum class TicketChannel { kH5, kPhone, kPatrol, kOpen311, kSensor, kMeeting };

enum class TicketState {
  kSubmitted,   // 待受理
  kAccepted,    // 已受理，待派单
  kPublished,   // 已上架：在社区点单栏等待认领
  kAssigned,    // 已派单/已接单，待处置
  kInProgress,  // 处置中
  kEscalated,   // 吹哨中：部门报到处置
  kResolved,    // 已办结，待评价
  kClosed,      // 已关闭
  kRejected,    // 不予受理
};

enum class TicketEventType {
  kSubmit,
  kAccept,
  kReject,
  kDispatch,
  kClaim,
  kStart,
  kEscalate,
  kRespond,
  kResolve,
  kReturn,
  kRate,
  kCallback,
  kReopen,
  kSupervise,
  kClose,
  kComment,  // a note from the resident or staff (Open311 servicerequestupdates)
};

// Who holds a ticket: a party member, a unit (a paired unit or a department)
// or a staff account (grid worker, community worker); kBoard while published.
enum class AssigneeKind { kMember, kUnit, kAccount, kBoard };

std::string_view TicketKindName(TicketKind v);
std::string_view TicketChannelName(TicketChannel v);
std::string_view TicketStateName(TicketState v);
std::string_view TicketEventTypeName(TicketEventType v);
std::string_view AssigneeKindName(AssigneeKind v);
// Chinese display label of a state (待受理 …).
std::string_view TicketStateLabel(TicketState v);
core::Result<TicketKind> ParseTicketKind(std::string_view name, std::string_view field);
core::Result<TicketChannel> ParseTicketChannel(std::string_view name, std::string_view field);
core::Result<TicketState> ParseTicketState(std::string_view name, std::string_view field);
core::Result<TicketEventType> ParseTicketEventType(std::string_view name, std::string_view field);
core::Result<AssigneeKind> ParseAssigneeKind(std::string_view name, std::string_view field);

bool IsOpen(TicketState state);  // not resolved, closed or rejected

// Ratings: 5 非常满意, 4 满意, 3 基本满意 (all three count as satisfied),
// 2 不满意, 1 非常不满意 (unsatisfied: reopens the ticket while reopens remain).
inline constexpr int64_t kMinRating = 1;
inline constexpr int64_t kMaxRating = 5;
inline constexpr int64_t kSatisfiedRating = 3;

// What the state machine needs to know about one event.
struct TransitionInput {
  TicketEventType type = TicketEventType::kComment;
  std::optional<AssigneeKind> assignee;  // kDispatch: the target kind
  std::optional<int64_t> rating;         // kRate
};

struct MachineState {
  TicketState state = TicketState::kSubmitted;
  int64_t reopen_count = 0;    // every reopen: by staff or by an unsatisfied rating
  int64_t rating_reopens = 0;  // of those, by an unsatisfied rating (what max_reopens bounds)
};

// The state after `input`, or Conflict naming the current state when the
// event is not allowed in it. `max_reopens` bounds how many unsatisfied
// ratings send a ticket back to the dispatcher (staff reopens do not count). `current` is empty
// before the first event (only kSubmit is allowed then).
core::Result<MachineState> Apply(const std::optional<MachineState>& current,
                                 const TransitionInput& input, int64_t max_reopens);

// The state after every event in order; Conflict when the history is not a
// valid sequence.
core::Result<MachineState> Replay(const std::vector<TransitionInput>& events, int64_t max_reopens);

}  // namespace civicgrid::domain
