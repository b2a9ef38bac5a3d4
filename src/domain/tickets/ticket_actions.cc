// TicketService: actions — one read of the ticket, the idempotency key, the
// expected version, authorization and the append, all from the event's
// catalogue entry; and the supervision of overdue tickets.
#include <algorithm>

#include "domain/tickets/event_catalogue.h"
#include "domain/tickets/event_effects.h"
#include "domain/tickets/ticket_service.h"
#include "domain/tickets/ticket_service_internal.h"

namespace civicgrid::domain {

using core::Error;
using TT = TicketEventType;

namespace {

bool IsAssignee(const Caller& caller, const Ticket& t) {
  if (!t.assignee) return false;
  switch (t.assignee->kind) {
    case AssigneeKind::kMember:
      return caller.party_member_id == t.assignee->id;
    case AssigneeKind::kUnit:
      return caller.role == Role::kUnitAdmin && caller.unit_id == t.assignee->id;
    case AssigneeKind::kAccount:
      return caller.account_id == t.assignee->id;
    case AssigneeKind::kBoard:
      return false;
  }
  return false;
}

// The note of a supervise event naming the deadlines just missed.
std::string SuperviseNote(int64_t bits) {
  std::string what;
  if (bits & kOverdueAccept) what += " 受理超时";
  if (bits & kOverdueRespond) what += " 响应超时";
  if (bits & kOverdueResolve) what += " 办结超时";
  if (bits & kOverdueEscalation) what += " 部门报到超时";
  return "系统督办：" + (what.empty() ? what : what.substr(1));
}

void AddAttachments(Ticket& t, const std::vector<int64_t>& ids) {
  t.attachment_ids.insert(t.attachment_ids.end(), ids.begin(), ids.end());
  std::sort(t.attachment_ids.begin(), t.attachment_ids.end());
  t.attachment_ids.erase(std::unique(t.attachment_ids.begin(), t.attachment_ids.end()),
                         t.attachment_ids.end());
}

}  // namespace

core::Status TicketService::Authorize(TicketStore& store, const Caller& caller, const Ticket& t,
                                      const TicketAction& a) {
  const EventEntry& entry = EventEntryFor(a.type);
  const Role r = caller.role;
  const bool manager = IsTicketManager(r) && caller.InScope(t.path);
  const bool leader =
      (r == Role::kStreetAdmin || r == Role::kCountyAdmin) && caller.InScope(t.path);
  if ((entry.who & kManager) && manager) return core::Ok();
  if ((entry.who & kAssignee) && IsAssignee(caller, t)) return core::Ok();
  if ((entry.who & kLeader) && leader) return core::Ok();
  if (entry.who & kAnyone) return core::Ok();
  if (entry.authorize) return entry.authorize(AuthContext{store, caller, t, a, manager});
  return Error::Forbidden(std::string(entry.refusal));
}

core::Result<TicketChange> TicketService::Append(TicketStore& store, const Caller* caller,
                                                 const Ticket& before, const TicketAction& a,
                                                 int64_t overdue_bits,
                                                 std::string_view system_label) {
  const int64_t now = clock_.NowMs();
  TransitionInput input{a.type, std::nullopt, a.rating};
  if (a.assignee) input.assignee = a.assignee->kind;
  MachineState current{before.state, before.reopen_count, 0};
  if (a.type == TT::kRate) {  // only ratings are bounded by the ones that reopened before
    CG_ASSIGN_OR_RETURN(current.rating_reopens, store.RatingReopens(before.id));
  }
  CG_ASSIGN_OR_RETURN(MachineState next, Apply(current, input, options_.max_reopens));
  CG_ASSIGN_OR_RETURN(std::string note, CleanText(a.note, "note", options_.max_note_chars, false));
  ActContext ctx{store, categories_, options_, caller, before, a, next, now, note, {}, {}};
  CG_TRY(EventEntryFor(a.type).effect(ctx));
  ctx.patch.state = next.state;
  ctx.patch.reopen_count = next.reopen_count;
  ctx.patch.overdue_bits |= overdue_bits;
  CG_ASSIGN_OR_RETURN(bool updated, store.Update(before, ctx.patch, now));
  if (!updated) return Error::Conflict("工单已被他人处理，请刷新后重试", "version");
  CG_TRY(store.LockEvents());
  TicketChange change;
  change.event = TicketEvent{0,
                             before.id,
                             before.version + 1,
                             a.type,
                             caller ? std::optional(caller->account_id) : std::nullopt,
                             caller ? ActorLabel(store, *caller) : std::string(system_label),
                             now,
                             note,
                             ctx.data.str(),
                             next.state,
                             a.attachment_ids};
  CG_ASSIGN_OR_RETURN(change.event.id, store.AppendEvent(change.event));
  CG_TRY(LinkAttachments(store, caller, before.id, change.event.id, a.attachment_ids));
  change.before = before;
  change.after = before;
  change.notice = a.notice;
  ctx.patch.ApplyTo(change.after, now);
  AddAttachments(change.after, a.attachment_ids);
  for (TicketObserver* o : observers_) CG_TRY(o->InTransaction(store.conn(), change));
  return change;
}

core::Result<Ticket> TicketService::Act(const Caller& caller, int64_t id,
                                        const TicketAction& action) {
  CG_ASSIGN_OR_RETURN(Acted acted, Perform(caller, id, action));
  return std::move(acted.ticket);
}

core::Result<TicketService::Acted> TicketService::Perform(const Caller& caller, int64_t id,
                                                          const TicketAction& action) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  TicketStore store(*conn);
  // The one read of the ticket: unmasked (observers see the stored ticket
  // before and after), with whether the caller may see it.
  CG_ASSIGN_OR_RETURN(SeenTicket seen, store.LoadSeen(caller, id));
  Ticket& before = seen.ticket;
  if (!seen.visible) {
    // A member who could have claimed it while it was on the board learns
    // that someone else was quicker (409), not that it vanished (404).
    if (action.type == TT::kClaim) {
      CG_ASSIGN_OR_RETURN(bool may, MayClaim(store, caller, before.path));
      if (may) {
        return Error::Conflict(std::string("工单已被认领或已撤下，当前状态：") +
                                   std::string(TicketStateName(before.state)),
                               "state");
      }
    }
    return Error::NotFound("工单不存在");
  }
  std::string digest;
  if (action.idempotency_key) {
    digest = ActionDigest(id, action);
    CG_ASSIGN_OR_RETURN(auto use,
                        SeenKey(store, caller.account_id, *action.idempotency_key, digest));
    if (use) {  // a retry of an action that committed: the ticket as it is now
      MaskFor(caller, before);
      return Acted{std::move(before), use->event_id, true};
    }
  }
  if (action.expected_version && *action.expected_version != before.version) {
    return Error::Conflict("工单已更新到版本 " + std::to_string(before.version) + "，请刷新后重试",
                           "version");
  }
  CG_TRY(Authorize(store, caller, before, action));
  CG_ASSIGN_OR_RETURN(TicketChange change, Append(store, &caller, before, action));
  if (action.idempotency_key) {
    CG_TRY(store.RememberKey(caller.account_id, *action.idempotency_key, digest, id,
                             change.event.id, clock_.NowMs()));
  }
  CG_TRY(tx.Commit());
  NotifyCommitted(change);
  // The ticket as this action left it, even when the caller no longer sees it
  // (a member who returns a claim): the action did succeed.
  Acted acted{std::move(change.after), change.event.id, false};
  MaskFor(caller, acted.ticket);
  return acted;
}

core::Result<int64_t> TicketService::CheckOverdue() {
  const int64_t now = clock_.NowMs();
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  std::vector<TicketChange> changes;
  {
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
    TicketStore store(*conn);
    CG_TRY(store.MarkLateEscalations(now));
    CG_ASSIGN_OR_RETURN(std::vector<DueTicket> due, store.DueTickets(now, 1000));
    for (const DueTicket& d : due) {
      CG_ASSIGN_OR_RETURN(Ticket before, store.Load(d.id));
      const int64_t bits = d.missed & ~before.overdue;
      TicketAction action;
      action.type = TT::kSupervise;
      action.note = SuperviseNote(bits);
      CG_ASSIGN_OR_RETURN(TicketChange change, Append(store, nullptr, before, action, bits));
      changes.push_back(std::move(change));
    }
    CG_TRY(tx.Commit());
  }
  for (const auto& c : changes) NotifyCommitted(c);
  return static_cast<int64_t>(changes.size());
}

core::Result<TicketChange> TicketService::SystemComment(store::Connection& conn, int64_t id,
                                                        std::string_view note,
                                                        std::string_view label) {
  TicketAction action;
  action.type = TT::kComment;
  action.note = std::string(note);
  return SystemAct(conn, id, action, label);
}

core::Result<TicketChange> TicketService::SystemAct(store::Connection& conn, int64_t id,
                                                    const TicketAction& action,
                                                    std::string_view label) {
  TicketStore store(conn);
  CG_ASSIGN_OR_RETURN(Ticket before, store.Load(id));
  return Append(store, nullptr, before, action, 0, label);
}

}  // namespace civicgrid::domain
