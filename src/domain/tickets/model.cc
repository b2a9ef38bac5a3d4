#include "domain/tickets/model.h"

#include "domain/tickets/enum_names.h"
#include "domain/tickets/event_catalogue.h"

#include <array>
#include <utility>

namespace civicgrid::domain {
namespace {

using core::Error;

constexpr NameTable<TicketKind, 6> kKinds{{
    {TicketKind::kReport, "report"},
    {TicketKind::kWish, "wish"},
    {TicketKind::kComplaint, "complaint"},
    {TicketKind::kPatrol, "patrol"},
    {TicketKind::kAlert, "alert"},
    {TicketKind::kFollowUp, "follow_up"},
}};

constexpr NameTable<TicketChannel, 6> kChannels{{
    {TicketChannel::kH5, "h5"},
    {TicketChannel::kPhone, "phone"},
    {TicketChannel::kPatrol, "patrol"},
    {TicketChannel::kOpen311, "open311"},
    {TicketChannel::kSensor, "sensor"},
    {TicketChannel::kMeeting, "meeting"},
}};

constexpr NameTable<TicketState, 9> kStates{{
    {TicketState::kSubmitted, "submitted"},
    {TicketState::kAccepted, "accepted"},
    {TicketState::kPublished, "published"},
    {TicketState::kAssigned, "assigned"},
    {TicketState::kInProgress, "in_progress"},
    {TicketState::kEscalated, "escalated"},
    {TicketState::kResolved, "resolved"},
    {TicketState::kClosed, "closed"},
    {TicketState::kRejected, "rejected"},
}};

constexpr NameTable<TicketState, 9> kStateLabels{{
    {TicketState::kSubmitted, "待受理"},
    {TicketState::kAccepted, "已受理"},
    {TicketState::kPublished, "待认领"},
    {TicketState::kAssigned, "已派单"},
    {TicketState::kInProgress, "处置中"},
    {TicketState::kEscalated, "吹哨处置中"},
    {TicketState::kResolved, "已办结"},
    {TicketState::kClosed, "已关闭"},
    {TicketState::kRejected, "不予受理"},
}};

constexpr NameTable<TicketEventType, 16> kEventTypes{{
    {TicketEventType::kSubmit, "submit"},
    {TicketEventType::kAccept, "accept"},
    {TicketEventType::kReject, "reject"},
    {TicketEventType::kDispatch, "dispatch"},
    {TicketEventType::kClaim, "claim"},
    {TicketEventType::kStart, "start"},
    {TicketEventType::kEscalate, "escalate"},
    {TicketEventType::kRespond, "respond"},
    {TicketEventType::kResolve, "resolve"},
    {TicketEventType::kReturn, "return"},
    {TicketEventType::kRate, "rate"},
    {TicketEventType::kCallback, "callback"},
    {TicketEventType::kReopen, "reopen"},
    {TicketEventType::kSupervise, "supervise"},
    {TicketEventType::kClose, "close"},
    {TicketEventType::kComment, "comment"},
}};

constexpr NameTable<AssigneeKind, 4> kAssignees{{
    {AssigneeKind::kMember, "member"},
    {AssigneeKind::kUnit, "unit"},
    {AssigneeKind::kAccount, "account"},
    {AssigneeKind::kBoard, "board"},
}};

using S = TicketState;

bool In(S s, std::initializer_list<S> set) {
  for (S x : set) {
    if (x == s) return true;
  }
  return false;
}

}  // namespace

std::string_view TicketKindName(TicketKind v) { return NameIn(kKinds, v); }
std::string_view TicketChannelName(TicketChannel v) { return NameIn(kChannels, v); }
std::string_view TicketStateName(TicketState v) { return NameIn(kStates, v); }
std::string_view TicketStateLabel(TicketState v) { return NameIn(kStateLabels, v); }
std::string_view TicketEventTypeName(TicketEventType v) { return NameIn(kEventTypes, v); }
std::string_view AssigneeKindName(AssigneeKind v) { return NameIn(kAssignees, v); }

core::Result<TicketKind> ParseTicketKind(std::string_view name, std::string_view field) {
  return ParseIn(kKinds, name, field, "诉求类型");
}
core::Result<TicketChannel> ParseTicketChannel(std::string_view name, std::string_view field) {
  return ParseIn(kChannels, name, field, "渠道");
}
core::Result<TicketState> ParseTicketState(std::string_view name, std::string_view field) {
  return ParseIn(kStates, name, field, "状态");
}
core::Result<TicketEventType> ParseTicketEventType(std::string_view name, std::string_view field) {
  return ParseIn(kEventTypes, name, field, "事件类型");
}
core::Result<AssigneeKind> ParseAssigneeKind(std::string_view name, std::string_view field) {
  return ParseIn(kAssignees, name, field, "承办对象类型");
}

bool IsOpen(TicketState state) { return !In(state, {S::kResolved, S::kClosed, S::kRejected}); }

// The entry of the event (event_catalogue.h) says in which states it is
// allowed and what state follows.
core::Result<MachineState> Apply(const std::optional<MachineState>& current,
                                 const TransitionInput& input, int64_t max_reopens) {
  if (!current) {
    if (input.type == TicketEventType::kSubmit) return MachineState{S::kSubmitted, 0};
    return Error::Conflict("工单尚未提交", "state");
  }
  const EventEntry& entry = EventEntryFor(input.type);
  const S s = current->state;
  bool ok = entry.any_state || (entry.open_states && IsOpen(s));
  for (S from : entry.from) ok = ok || from == s;
  if (entry.needs_rating && !input.rating) ok = false;
  if (!ok) {
    return Error::Conflict(std::string("当前状态「") + std::string(TicketStateLabel(s)) + "」(" +
                               std::string(TicketStateName(s)) + ")不允许" +
                               std::string(TicketEventTypeName(input.type)),
                           "state");
  }
  if (entry.next) return entry.next(*current, input, max_reopens);
  MachineState next = *current;
  if (entry.to) next.state = *entry.to;
  return next;
}

core::Result<MachineState> Replay(const std::vector<TransitionInput>& events, int64_t max_reopens) {
  std::optional<MachineState> state;
  for (const TransitionInput& e : events) {
    CG_ASSIGN_OR_RETURN(MachineState next, Apply(state, e, max_reopens));
    state = next;
  }
  if (!state) return Error::Conflict("工单没有任何事件");
  return *state;
}

}  // namespace civicgrid::domain
