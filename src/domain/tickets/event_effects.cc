// What each event validates and sets (the `effect` of its catalogue entry).
#include "domain/tickets/event_effects.h"

#include "core/time.h"

namespace civicgrid::domain {
namespace {

using core::Error;

bool PathWithin(std::string_view path, std::string_view ancestor) {
  return !ancestor.empty() && path.substr(0, ancestor.size()) == ancestor;
}

bool IsDepartment(std::string_view unit_kind) {
  return unit_kind == "government" || unit_kind == "public_institution";
}

core::Result<Assignee> CheckMember(TicketStore& store, const Ticket& t, int64_t id) {
  CG_ASSIGN_OR_RETURN(auto member, store.Member(id));
  if (!member) return Error::Invalid("assignee.id", "党员不存在");
  if (!member->residence_path || !PathWithin(t.path, *member->residence_path)) {
    return Error::Invalid("assignee.id", "该党员未在工单所在社区报到");
  }
  return Assignee{AssigneeKind::kMember, id, member->name};
}

core::Result<Assignee> CheckUnit(TicketStore& store, const Ticket& t, int64_t id) {
  CG_ASSIGN_OR_RETURN(auto unit, store.Unit(id));
  if (!unit) return Error::Invalid("assignee.id", "单位不存在");
  if (!IsDepartment(unit->kind)) {
    CG_ASSIGN_OR_RETURN(bool paired, store.UnitPairedWith(id, t.path));
    bool manages = false;
    if (!paired) {
      CG_ASSIGN_OR_RETURN(manages, store.ManagesCompoundIn(id, t.node_id));
    }
    if (!paired && !manages) {
      return Error::Invalid("assignee.id",
                            "该单位不是部门，未与工单所在社区包联，也不是所在小区的物业公司");
    }
  }
  return Assignee{AssigneeKind::kUnit, id, unit->name};
}

core::Result<Assignee> CheckAccount(TicketStore& store, const Ticket& t, int64_t id) {
  CG_ASSIGN_OR_RETURN(auto account, store.Account(id));
  if (!account || account->disabled) return Error::Invalid("assignee.id", "账号不存在或已停用");
  auto role = ParseRole(account->role, "role");
  if (!role.ok() || !IsTicketStaff(*role) || !PathWithin(t.path, account->scope_path)) {
    // 小事业主治: an owners' committee member of the ticket's compound.
    CG_ASSIGN_OR_RETURN(bool committee, store.OnCommitteeIn(id, t.node_id));
    if (!committee) {
      return Error::Invalid("assignee.id",
                            "该账号不是负责工单所在网格的工作人员，也不是所在小区的业委会成员");
    }
  }
  return Assignee{AssigneeKind::kAccount, id, account->name};
}

// The target of a dispatch, as the dialog of TicketService::Assignees offers.
core::Result<Assignee> CheckAssignee(ActContext& c, const Assignee& a) {
  switch (a.kind) {
    case AssigneeKind::kBoard: {
      CG_ASSIGN_OR_RETURN(Category cat, c.categories.Load(c.store.conn(), c.before.category_id));
      if (!cat.public_board) return Error::Invalid("assignee.kind", "该类别不能上架社区点单栏");
      return Assignee{AssigneeKind::kBoard, 0, "社区点单栏"};
    }
    case AssigneeKind::kMember:
      return CheckMember(c.store, c.before, a.id);
    case AssigneeKind::kUnit:
      return CheckUnit(c.store, c.before, a.id);
    case AssigneeKind::kAccount:
      return CheckAccount(c.store, c.before, a.id);
  }
  return Error::Invalid("assignee.kind", "未知的承办对象类型");
}

// Checks and calls one department of an escalation.
core::Status CallUnit(ActContext& c, int64_t unit, int64_t report_due, int64_t resolve_due) {
  const std::string id = std::to_string(unit);
  CG_ASSIGN_OR_RETURN(auto row, c.store.Unit(unit));
  if (!row) return Error::Invalid("unit_ids", "部门 " + id + " 不存在");
  if (!IsDepartment(row->kind)) return Error::Invalid("unit_ids", "单位 " + id + " 不是职能部门");
  CG_ASSIGN_OR_RETURN(auto called, c.store.EscalationOf(c.before.id, unit));
  if (called) return Error::Invalid("unit_ids", "部门 " + id + " 已被呼叫");
  return c.store.InsertEscalation(c.before.id, unit, c.caller->account_id, c.now, report_due,
                                  resolve_due);
}

}  // namespace

namespace effects {

core::Status Nothing(ActContext& c) {
  (void)c;
  return core::Ok();
}

core::Status Accept(ActContext& c) {
  c.patch.accepted_now = true;
  return core::Ok();
}

core::Status Reject(ActContext& c) {
  if (c.note.empty()) return Error::Invalid("note", "请填写不予受理的理由");
  c.patch.closed = true;
  return core::Ok();
}

core::Status Dispatch(ActContext& c) {
  if (!c.action.assignee) return Error::Invalid("assignee", "派单须指定承办对象");
  CG_ASSIGN_OR_RETURN(Assignee target, CheckAssignee(c, *c.action.assignee));
  c.patch.assignee = target;
  c.patch.accepted_if_unset = true;
  c.data.Str("assignee_kind", AssigneeKindName(target.kind));
  if (target.kind != AssigneeKind::kBoard) c.data.Int("assignee_id", target.id);
  c.data.Str("assignee_name", target.name);
  return core::Ok();
}

core::Status Claim(ActContext& c) {
  Assignee target;
  if (c.caller->role == Role::kUnitAdmin) {
    CG_ASSIGN_OR_RETURN(auto unit, c.store.Unit(*c.caller->unit_id));
    target = Assignee{AssigneeKind::kUnit, *c.caller->unit_id, unit ? unit->name : ""};
  } else {
    CG_ASSIGN_OR_RETURN(auto member, c.store.Member(*c.caller->party_member_id));
    target =
        Assignee{AssigneeKind::kMember, *c.caller->party_member_id, member ? member->name : ""};
  }
  c.patch.assignee = target;
  c.patch.responded_if_unset = true;
  c.data.Str("assignee_kind", AssigneeKindName(target.kind));
  c.data.Int("assignee_id", target.id);
  return core::Ok();
}

core::Status Start(ActContext& c) {
  c.patch.responded_if_unset = true;
  return core::Ok();
}

core::Status Escalate(ActContext& c) {
  const TicketOptions& o = c.options;
  const TicketAction& a = c.action;
  if (a.unit_ids.empty() || a.unit_ids.size() > o.max_escalation_units) {
    return Error::Invalid("unit_ids",
                          "请指定 1–" + std::to_string(o.max_escalation_units) + " 个报到部门");
  }
  const int64_t report = a.report_minutes.value_or(o.escalation_report_minutes);
  const int64_t resolve = a.resolve_minutes.value_or(o.escalation_resolve_minutes);
  if (report < o.min_report_minutes || report > o.max_report_minutes) {
    return Error::Invalid("report_minutes", "报到时限应为 " + std::to_string(o.min_report_minutes) +
                                                " 到 " + std::to_string(o.max_report_minutes) +
                                                " 分钟");
  }
  if (resolve < report || resolve > o.max_resolve_minutes) {
    return Error::Invalid("resolve_minutes", "办结时限应不短于报到时限且不超过 " +
                                                 std::to_string(o.max_resolve_minutes) + " 分钟");
  }
  const int64_t report_due = c.now + report * core::kMsPerMinute;
  const int64_t resolve_due = c.now + resolve * core::kMsPerMinute;
  for (int64_t unit : a.unit_ids) CG_TRY(CallUnit(c, unit, report_due, resolve_due));
  c.patch.accepted_if_unset = true;
  if (resolve_due < c.before.resolve_due) c.patch.resolve_due = resolve_due;
  c.data.Ints("unit_ids", a.unit_ids);
  c.data.Int("report_due", report_due);
  c.data.Int("resolve_due", resolve_due);
  return core::Ok();
}

core::Status Respond(ActContext& c) {
  const bool unit_admin = c.caller->role == Role::kUnitAdmin;
  const int64_t unit = unit_admin ? *c.caller->unit_id : *c.action.unit_id;
  if (unit_admin && c.action.unit_id && *c.action.unit_id != unit) {
    return Error::Forbidden("只能代表本单位报到");
  }
  CG_ASSIGN_OR_RETURN(auto call, c.store.EscalationOf(c.before.id, unit));
  if (!call) {
    if (unit_admin) return Error::Forbidden("本单位未被呼叫处置该工单");
    return Error::Invalid("unit_id", "该部门未被呼叫处置该工单");
  }
  if (call->responded) return Error::Conflict("该部门已经报到", "unit_id");
  if (c.note.empty()) return Error::Invalid("note", "请填写报到处置情况");
  const bool late = c.now > call->report_due;
  CG_TRY(c.store.MarkResponded(call->id, c.now, c.note, late));
  if (late) c.patch.overdue_bits |= kOverdueEscalation;
  c.patch.responded_if_unset = true;
  c.data.Int("unit_id", unit);
  c.data.Bool("late", late);
  return core::Ok();
}

core::Status Resolve(ActContext& c) {
  if (c.note.empty()) return Error::Invalid("note", "请填写办理结果");
  c.patch.resolved = true;
  c.patch.responded_if_unset = true;
  return core::Ok();
}

core::Status Return(ActContext& c) {
  c.patch.assignee = std::optional<Assignee>();
  return core::Ok();
}

core::Status Rate(ActContext& c) {
  const auto& rating = c.action.rating;
  if (!rating || *rating < kMinRating || *rating > kMaxRating) {
    return Error::Invalid("rating", "评价应为 1–5 的整数");
  }
  c.patch.rating = *rating;
  c.patch.rating_comment = c.note;
  c.patch.rated_now = true;
  const bool reopened = c.next.state != TicketState::kClosed;
  if (reopened) {
    c.patch.resolved = false;
    c.patch.assignee = std::optional<Assignee>();
  } else {
    c.patch.closed = true;
  }
  c.data.Int("rating", *rating);
  c.data.Bool("reopened", reopened);
  return core::Ok();
}

core::Status Callback(ActContext& c) {
  const std::string outcome = c.action.outcome.value_or("");
  if (outcome != "solved" && outcome != "unsolved" && outcome != "unreachable") {
    return Error::Invalid("outcome", "回访结果应为 solved、unsolved 或 unreachable");
  }
  c.patch.callback_outcome = outcome;
  c.data.Str("outcome", outcome);
  return core::Ok();
}

core::Status Reopen(ActContext& c) {
  c.patch.resolved = false;
  c.patch.closed = false;
  c.patch.assignee = std::optional<Assignee>();
  return core::Ok();
}

core::Status Supervise(ActContext& c) {
  c.patch.supervised = true;
  return core::Ok();
}

core::Status Close(ActContext& c) {
  c.patch.closed = true;
  const auto& dup = c.action.duplicate_of;
  if (!dup) return core::Ok();
  if (*dup == c.before.id) return Error::Invalid("duplicate_of", "不能与自身重复");
  CG_ASSIGN_OR_RETURN(auto path, c.store.TicketPath(*dup));
  if (!path || (c.caller && !c.caller->InScope(*path))) {
    return Error::Invalid("duplicate_of", "被重复的工单不存在或不在管辖范围内");
  }
  c.patch.duplicate_of = *dup;
  c.data.Int("duplicate_of", *dup);
  return core::Ok();
}

}  // namespace effects
}  // namespace civicgrid::domain
