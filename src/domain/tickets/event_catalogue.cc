// The catalogue's entries and the rules of the few events whose actors are
// not a plain role (claim, respond, rate, a submitter's withdrawal).
#include "domain/tickets/event_catalogue.h"

#include "domain/tickets/event_effects.h"

namespace civicgrid::domain {

core::Result<bool> MayClaim(TicketStore& store, const Caller& caller, const std::string& path) {
  if (caller.role == Role::kPartyMember && caller.party_member_id) return caller.InScope(path);
  if (caller.role == Role::kUnitAdmin && caller.unit_id) {
    return store.UnitPairedWith(*caller.unit_id, path);
  }
  return false;
}

namespace {

using core::Error;
using S = TicketState;
using T = TicketEventType;

// --- states after -------------------------------------------------------------------

MachineState DispatchTo(const MachineState& current, const TransitionInput& in, int64_t) {
  MachineState next = current;
  next.state = in.assignee == AssigneeKind::kBoard ? S::kPublished : S::kAssigned;
  return next;
}

// An unsatisfied rating sends the ticket back while the resident's reopens
// last (staff reopens do not count); any other rating closes it.
MachineState Rated(const MachineState& current, const TransitionInput& in, int64_t max_reopens) {
  MachineState next = current;
  if (*in.rating < kSatisfiedRating && current.rating_reopens < max_reopens) {
    next.state = S::kAccepted;
    ++next.reopen_count;
    ++next.rating_reopens;
  } else {
    next.state = S::kClosed;
  }
  return next;
}

MachineState Reopened(const MachineState& current, const TransitionInput&, int64_t) {
  MachineState next = current;
  next.state = S::kAccepted;
  ++next.reopen_count;
  return next;
}

// --- who may act, beyond the role bits ---------------------------------------------------

// 撤单: the submitter may withdraw a demand nobody has taken on yet (the state
// machine allows closing only before work starts).
core::Status SubmitterWithdraws(const AuthContext& c) {
  const Ticket& t = c.ticket;
  if (t.submitter_account_id == c.caller.account_id && !c.action.duplicate_of &&
      t.state != S::kResolved) {
    return core::Ok();
  }
  return Error::Forbidden("无权对该工单执行此操作");
}

core::Status Claimer(const AuthContext& c) {
  if (c.ticket.state != S::kPublished) return core::Ok();  // the state machine answers
  CG_ASSIGN_OR_RETURN(bool may, MayClaim(c.store, c.caller, c.ticket.path));
  if (may) return core::Ok();
  return Error::Forbidden("只有在该社区报到的党员或包联单位可以认领");
}

core::Status Responder(const AuthContext& c) {
  if (c.manager && c.action.unit_id) return core::Ok();
  if (c.caller.role == Role::kUnitAdmin && c.caller.unit_id) return core::Ok();
  if (c.manager) return Error::Invalid("unit_id", "请指明代哪个部门报到");
  return Error::Forbidden("无权对该工单执行此操作");
}

core::Status Rater(const AuthContext& c) {
  const Ticket& t = c.ticket;
  // Staff findings are not rated by their finder: 满意率 is the public's.
  if (t.kind == TicketKind::kPatrol || t.kind == TicketKind::kAlert ||
      t.kind == TicketKind::kFollowUp) {
    return Error::Forbidden("巡查、预警和会议转办的工单不评价，以回访结果为准");
  }
  // A demand taken by phone or through Open311 has no account to rate it:
  // staff record the caller's rating when they call back.
  if (!t.submitter_account_id &&
      (t.channel == TicketChannel::kPhone || t.channel == TicketChannel::kOpen311)) {
    if (c.manager) return core::Ok();
    return Error::Forbidden("电话或 Open311 诉求的评价由回访人员代为记录");
  }
  if (!t.submitter_account_id || t.submitter_account_id != c.caller.account_id) {
    return Error::Forbidden("只有提交人可以评价");
  }
  return core::Ok();
}

core::Status NotAnEvent(const AuthContext&) {
  return Error::Invalid("type", "提交是新建工单，不能作为事件追加");
}

// --- the catalogue ----------------------------------------------------------------------

std::vector<EventEntry> Build() {
  namespace fx = effects;
  std::vector<EventEntry> e(16);
  auto at = [&e](T type) -> EventEntry& {
    EventEntry& entry = e[static_cast<size_t>(type)];
    entry.type = type;
    return entry;
  };
  EventEntry& submit = at(T::kSubmit);  // only as the first event (Apply), never appended
  submit.to = S::kSubmitted;
  submit.authorize = NotAnEvent;
  submit.effect = fx::Nothing;
  EventEntry& accept = at(T::kAccept);
  accept.from = {S::kSubmitted};
  accept.to = S::kAccepted;
  accept.who = kManager;
  accept.effect = fx::Accept;
  EventEntry& reject = at(T::kReject);
  reject.from = {S::kSubmitted, S::kAccepted};
  reject.to = S::kRejected;
  reject.who = kManager;
  reject.effect = fx::Reject;
  EventEntry& dispatch = at(T::kDispatch);
  dispatch.from = {S::kSubmitted, S::kAccepted, S::kPublished, S::kAssigned};
  dispatch.next = DispatchTo;
  dispatch.who = kManager;
  dispatch.effect = fx::Dispatch;
  EventEntry& claim = at(T::kClaim);
  claim.from = {S::kPublished};
  claim.to = S::kAssigned;
  claim.authorize = Claimer;
  claim.effect = fx::Claim;
  EventEntry& start = at(T::kStart);
  start.from = {S::kAssigned};
  start.to = S::kInProgress;
  start.who = kManager | kAssignee;
  start.effect = fx::Start;
  EventEntry& escalate = at(T::kEscalate);
  escalate.from = {S::kSubmitted, S::kAccepted, S::kAssigned, S::kInProgress, S::kEscalated};
  escalate.to = S::kEscalated;
  escalate.who = kLeader;
  escalate.refusal = "只有街道或县级管理员可以吹哨或督办";
  escalate.effect = fx::Escalate;
  return e;
}

// The second half of the table (kept apart to keep each function short).
void BuildRest(std::vector<EventEntry>& e) {
  namespace fx = effects;
  auto at = [&e](T type) -> EventEntry& {
    EventEntry& entry = e[static_cast<size_t>(type)];
    entry.type = type;
    return entry;
  };
  EventEntry& respond = at(T::kRespond);
  respond.from = {S::kEscalated};
  respond.authorize = Responder;
  respond.effect = fx::Respond;
  EventEntry& resolve = at(T::kResolve);
  resolve.from = {S::kAssigned, S::kInProgress, S::kEscalated};
  resolve.to = S::kResolved;
  resolve.who = kManager | kAssignee;
  resolve.effect = fx::Resolve;
  EventEntry& ret = at(T::kReturn);
  ret.from = {S::kAssigned, S::kInProgress};
  ret.to = S::kAccepted;
  ret.who = kManager | kAssignee;
  ret.effect = fx::Return;
  EventEntry& rate = at(T::kRate);
  rate.from = {S::kResolved};
  rate.needs_rating = true;
  rate.next = Rated;
  rate.authorize = Rater;
  rate.effect = fx::Rate;
  EventEntry& callback = at(T::kCallback);
  callback.from = {S::kResolved, S::kClosed};
  callback.who = kManager;
  callback.effect = fx::Callback;
  EventEntry& reopen = at(T::kReopen);
  reopen.from = {S::kResolved, S::kClosed};
  reopen.next = Reopened;
  reopen.who = kManager;
  reopen.effect = fx::Reopen;
  EventEntry& supervise = at(T::kSupervise);
  supervise.open_states = true;
  supervise.who = kLeader;
  supervise.refusal = "只有街道或县级管理员可以吹哨或督办";
  supervise.effect = fx::Supervise;
  EventEntry& close = at(T::kClose);
  close.from = {S::kSubmitted, S::kAccepted, S::kPublished, S::kResolved};
  close.to = S::kClosed;
  close.who = kManager;
  close.authorize = SubmitterWithdraws;
  close.effect = fx::Close;
  EventEntry& comment = at(T::kComment);
  comment.any_state = true;
  comment.who = kAnyone;
  comment.effect = fx::Nothing;
}

}  // namespace

const EventEntry& EventEntryFor(TicketEventType type) {
  static const std::vector<EventEntry> kEntries = [] {
    std::vector<EventEntry> e = Build();
    BuildRest(e);
    return e;
  }();
  return kEntries.at(static_cast<size_t>(type));
}

}  // namespace civicgrid::domain
