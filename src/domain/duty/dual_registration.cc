// Skills, registration requests and decisions, members' profiles.
#include "domain/duty/dual_registration.h"

#include <algorithm>
#include <array>
#include <set>

#include "domain/duty/duty_common.h"

namespace civicgrid::domain {
namespace {

using core::Error;
using duty::MemberRef;

// CROSS JOIN keeps SQLite's join order: pages walk the registrations in id order.
constexpr std::string_view kRegistrationSelect =
    "SELECT r.id, r.member_id, m.name AS member_name, m.unit_id, r.community_id, c.name AS "
    "community_name, r.community_path, r.state, r.skill_ids, r.availability, r.commitment_text, "
    "r.commitment_date, r.requested_by, r.decided_by, r.decided_at, r.decline_reason, "
    "r.created_at, r.version FROM duty_registration r CROSS JOIN party_member m CROSS JOIN "
    "org_node c WHERE m.id = r.member_id AND c.id = r.community_id AND ";

constexpr std::array<std::pair<RegistrationState, std::string_view>, 3> kStates = {{
    {RegistrationState::kRequested, "requested"},
    {RegistrationState::kConfirmed, "confirmed"},
    {RegistrationState::kDeclined, "declined"},
}};

RegistrationState ParseState(std::string_view name) {
  for (const auto& [s, n] : kStates) {
    if (n == name) return s;
  }
  return RegistrationState::kRequested;
}

DualRegistration FromRow(const store::Row& r) {
  DualRegistration d;
  d.id = r.Int("id");
  d.member_id = r.Int("member_id");
  d.member_name = r.Text("member_name");
  d.unit_id = r.OptInt("unit_id");
  d.community_id = r.Int("community_id");
  d.community_name = r.Text("community_name");
  d.state = ParseState(r.Text("state"));
  d.skill_ids = duty::DecodeIds(r.Text("skill_ids"));
  d.availability = duty::DecodeSlots(r.Text("availability"));
  d.commitment_text = r.Text("commitment_text");
  d.commitment_date = r.Text("commitment_date");
  d.requested_by = r.Int("requested_by");
  d.decided_by = r.OptInt("decided_by");
  d.decided_at = r.OptInt("decided_at");
  d.decline_reason = r.Text("decline_reason");
  d.created_at = r.Int("created_at");
  d.version = r.Int("version");
  return d;
}

int64_t RegistrationId(const DualRegistration& r) { return r.id; }

bool IsCountyAdmin(const Caller& caller) { return caller.role == Role::kCountyAdmin; }

core::Result<std::string> CleanSkillName(std::string_view raw) {
  CG_ASSIGN_OR_RETURN(std::string name, CleanName(raw, "name", 30));
  if (name.find(',') != std::string::npos) return Error::Invalid("name", "技能名称不能含逗号");
  return name;
}

}  // namespace

std::string_view RegistrationStateName(RegistrationState state) {
  for (const auto& [s, n] : kStates) {
    if (s == state) return n;
  }
  return "requested";
}

core::Result<std::vector<Skill>> DualRegistrationService::ListSkills(const Caller& caller) {
  (void)caller;  // the taxonomy is shared by everyone signed in
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query("SELECT id, name, retired FROM duty_skill ORDER BY id"));
  std::vector<Skill> out;
  for (const auto& r : rows) out.push_back({r.Int("id"), r.Text("name"), r.Int("retired") != 0});
  return out;
}

core::Result<Skill> DualRegistrationService::CreateSkill(const Caller& caller,
                                                         std::string_view raw) {
  if (!IsCountyAdmin(caller)) return Error::Forbidden("只有县级管理员可以维护技能目录");
  CG_ASSIGN_OR_RETURN(std::string name, CleanSkillName(raw));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  auto id = conn->QueryInt("INSERT INTO duty_skill (name, created_at) VALUES ($1, $2) RETURNING id",
                           {name, clock_.NowMs()});
  if (!id.ok() && id.error().code == core::ErrorCode::kConflict) {
    return Error::Conflict("技能已存在", "name");
  }
  if (!id.ok()) return id.error();
  CG_TRY(audit_.Append(*conn, caller, "duty_skill.create", "duty_skill", *id, name));
  CG_TRY(tx.Commit());
  return Skill{*id, name, false};
}

core::Result<Skill> DualRegistrationService::UpdateSkill(const Caller& caller, int64_t id,
                                                         const SkillChange& change) {
  if (!IsCountyAdmin(caller)) return Error::Forbidden("只有县级管理员可以维护技能目录");
  if (!change.name && !change.retired) return Error::Invalid("name", "请填写新名称或停用状态");
  std::optional<std::string> name;
  if (change.name) {
    CG_ASSIGN_OR_RETURN(name, CleanSkillName(*change.name));
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query("SELECT name, retired FROM duty_skill WHERE id = $1", {id}));
  if (rows.empty()) return Error::NotFound("技能不存在");
  Skill skill{id, name.value_or(rows[0].Text("name")),
              change.retired.value_or(rows[0].Int("retired") != 0)};
  auto n = conn->Execute("UPDATE duty_skill SET name = $1, retired = $2 WHERE id = $3",
                         {skill.name, skill.retired, id});
  if (!n.ok() && n.error().code == core::ErrorCode::kConflict) {
    return Error::Conflict("技能已存在", "name");
  }
  if (!n.ok()) return n.error();
  CG_TRY(audit_.Append(*conn, caller, skill.retired ? "duty_skill.retire" : "duty_skill.update",
                       "duty_skill", id, skill.name));
  CG_TRY(tx.Commit());
  return skill;
}

core::Status DualRegistrationService::CheckSkills(store::Connection& conn,
                                                  const std::vector<int64_t>& ids,
                                                  std::string_view field,
                                                  std::optional<int64_t> holder) {
  if (static_cast<int64_t>(ids.size()) > options_.max_skills) {
    return Error::Invalid(std::string(field),
                          "技能至多 " + std::to_string(options_.max_skills) + " 项");
  }
  std::set<int64_t> seen;
  for (int64_t id : ids) {
    if (!seen.insert(id).second) return Error::Invalid(std::string(field), "技能重复");
    // A retired skill is not offered any more, but a member keeps the ones they hold.
    CG_ASSIGN_OR_RETURN(
        int64_t n, conn.QueryInt("SELECT COUNT(*) FROM duty_skill s WHERE s.id = $1 AND (s.retired "
                                 "= 0 OR EXISTS (SELECT 1 FROM duty_member_skill ms WHERE "
                                 "ms.member_id = $2 AND ms.skill_id = s.id))",
                                 {id, holder.value_or(0)}));
    if (n == 0) return Error::Invalid(std::string(field), "技能不存在或已停用");
  }
  return core::Ok();
}

core::Result<DualRegistration> DualRegistrationService::Load(store::Connection& conn,
                                                             const Caller& caller, int64_t id) {
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query(std::string(kRegistrationSelect) + "r.id = $1", {id}));
  if (rows.empty()) return Error::NotFound("报到申请不存在");
  bool staff =
      caller.Can(Permission::kPeopleRead) && caller.InScope(rows[0].Text("community_path"));
  if (!staff) {
    CG_ASSIGN_OR_RETURN(MemberRef m, duty::LoadMember(conn, rows[0].Int("member_id")));
    if (!duty::CanSee(caller, m)) return Error::NotFound("报到申请不存在");
  }
  return FromRow(rows[0]);
}

core::Result<DualRegistration> DualRegistrationService::Request(const Caller& caller,
                                                                const NewDualRegistration& in) {
  CG_ASSIGN_OR_RETURN(std::string text,
                      CleanText(in.commitment_text, "commitment_text",
                                options_.commitment_max_chars, /*required=*/true));
  CG_TRY(core::ParseDate(in.commitment_date, "commitment_date"));
  CG_TRY(duty::ValidateSlots(in.availability, options_.max_slots, "availability"));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  auto member = duty::LoadMember(*conn, in.member_id);
  if (!member.ok() || !duty::CanSee(caller, *member)) {
    return Error::Invalid("member_id", "党员不存在或不在管辖范围内");
  }
  if (!duty::CanActFor(caller, *member)) return Error::Forbidden("无权为该党员申请报到");
  CG_TRY(CheckSkills(*conn, in.skill_ids, "skill_ids"));
  CG_ASSIGN_OR_RETURN(auto community, duty::LoadNode(*conn, in.community_id));
  if (!community || community->kind != "community") {
    return Error::Invalid("community_id", "报到社区不存在");
  }
  if (member->residence_node_id == in.community_id) {
    return Error::Conflict("已在该社区报到", "community_id");
  }
  auto id = conn->QueryInt(
      "INSERT INTO duty_registration (member_id, community_id, community_path, state, skill_ids, "
      "availability, commitment_text, commitment_date, requested_by, created_at) VALUES ($1, $2, "
      "$3, 'requested', $4, $5, $6, $7, $8, $9) RETURNING id",
      {member->id, community->id, community->path, duty::EncodeIds(in.skill_ids),
       duty::EncodeSlots(in.availability), text, in.commitment_date, caller.account_id,
       clock_.NowMs()});
  if (!id.ok() && id.error().code == core::ErrorCode::kConflict) {
    return Error::Conflict("已有待确认的报到申请", "member_id");
  }
  if (!id.ok()) return id.error();
  CG_TRY(audit_.Append(*conn, caller, "duty_registration.request", "duty_registration", *id,
                       std::to_string(community->id)));
  CG_TRY(tx.Commit());
  return Load(*conn, caller, *id);
}

core::Result<DualRegistration> DualRegistrationService::Get(const Caller& caller, int64_t id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  return Load(*conn, caller, id);
}

core::Result<PageOf<DualRegistration>> DualRegistrationService::List(
    const Caller& caller, const RegistrationFilter& filter) {
  CG_TRY(duty::CheckPage(filter.after, filter.limit));
  Page page{filter.after, std::min(filter.limit, kMaxPageSize)};
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  Conditions where;
  if (caller.Can(Permission::kPeopleRead)) {
    CG_ASSIGN_OR_RETURN(PathRange range, WithinScope(*conn, caller, filter.within));
    where.And("r.community_path >= " + where.Bind(range.lo) + " AND r.community_path < " +
              where.Bind(range.hi));
  } else if (caller.role == Role::kUnitAdmin) {
    where.And("m.unit_id = " + where.Bind(caller.unit_id.value_or(-1)));
  } else {
    where.And("r.member_id = " + where.Bind(caller.party_member_id.value_or(-1)));
  }
  if (filter.state) where.And("r.state = " + where.Bind(RegistrationStateName(*filter.state)));
  if (filter.member_id) where.And("r.member_id = " + where.Bind(*filter.member_id));
  where.And("r.id > " + where.Bind(page.after));
  std::string limit = where.Bind(page.limit);
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn->Query(std::string(kRegistrationSelect) + where.Sql() +
                                                        " ORDER BY r.id LIMIT " + limit,
                                                    where.params()));
  std::vector<DualRegistration> items;
  for (const auto& r : rows) items.push_back(FromRow(r));
  return FinishPage(std::move(items), page, &RegistrationId);
}

core::Status DualRegistrationService::ApplyProfile(
    store::Connection& conn, int64_t member_id, const std::vector<int64_t>& skill_ids,
    const std::vector<AvailabilitySlot>& availability) {
  CG_TRY(conn.Execute("DELETE FROM duty_member_skill WHERE member_id = $1", {member_id}));
  for (int64_t skill : skill_ids) {
    CG_TRY(conn.Execute("INSERT INTO duty_member_skill (member_id, skill_id) VALUES ($1, $2)",
                        {member_id, skill}));
  }
  CG_TRY(conn.Execute("DELETE FROM duty_availability WHERE member_id = $1", {member_id}));
  CG_TRY(conn.Execute(
      "INSERT INTO duty_availability (member_id, slots, updated_at) VALUES ($1, $2, $3)",
      {member_id, duty::EncodeSlots(availability), clock_.NowMs()}));
  return core::Ok();
}

core::Result<DualRegistration> DualRegistrationService::Decide(const Caller& caller, int64_t id,
                                                               bool confirm,
                                                               std::string_view raw_reason,
                                                               std::optional<int64_t> version) {
  std::string reason;
  if (!confirm) {
    CG_ASSIGN_OR_RETURN(reason, CleanText(raw_reason, "reason", options_.reason_max_chars,
                                          /*required=*/true));
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(DualRegistration reg, Load(*conn, caller, id));
  CG_ASSIGN_OR_RETURN(auto community, duty::LoadNode(*conn, reg.community_id));
  if (!caller.Can(Permission::kPeopleWrite) || !community || !caller.InScope(community->path)) {
    return Error::Forbidden("只有报到社区的书记或工作人员可以确认报到");
  }
  if (reg.state != RegistrationState::kRequested) {
    return Error::Conflict("该申请已处理", "state");
  }
  if (version && *version != reg.version) return Error::Conflict("申请已被修改", "version");
  int64_t now = clock_.NowMs();
  CG_ASSIGN_OR_RETURN(
      int64_t n,
      conn->Execute(
          "UPDATE duty_registration SET state = $1, decided_by = $2, decided_at = $3, "
          "decline_reason = $4, version = version + 1 WHERE id = $5 AND version = $6",
          {confirm ? "confirmed" : "declined", caller.account_id, now, reason, id, reg.version}));
  if (n == 0) return Error::Conflict("申请已被修改", "version");
  if (confirm) {
    CG_TRY(conn->Execute(
        "UPDATE party_member SET residence_node_id = $1, registered_on = $2 "
        "WHERE id = $3",
        {reg.community_id, core::FormatDate(core::ShanghaiDate(now)), reg.member_id}));
    CG_TRY(ApplyProfile(*conn, reg.member_id, reg.skill_ids, reg.availability));
  }
  CG_TRY(audit_.Append(*conn, caller,
                       confirm ? "duty_registration.confirm" : "duty_registration.decline",
                       "duty_registration", id, reason));
  CG_TRY(tx.Commit());
  return Load(*conn, caller, id);
}

core::Result<DualRegistration> DualRegistrationService::Confirm(const Caller& caller, int64_t id,
                                                                std::optional<int64_t> version) {
  return Decide(caller, id, true, "", version);
}

core::Result<DualRegistration> DualRegistrationService::Decline(const Caller& caller, int64_t id,
                                                                std::string_view reason,
                                                                std::optional<int64_t> version) {
  return Decide(caller, id, false, reason, version);
}

core::Result<DualRegistration> DualRegistrationService::RegisterByStaff(const Caller& caller,
                                                                        int64_t member_id,
                                                                        int64_t community_id) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  auto member = duty::LoadMember(*conn, member_id);
  if (!member.ok() || !duty::CanSee(caller, *member)) return Error::NotFound("党员不存在");
  CG_ASSIGN_OR_RETURN(std::string kind, NodeKindInScope(*conn, caller, community_id));
  if (kind != "community") return Error::Invalid("community_id", "报到社区不存在或不在管辖范围内");
  CG_ASSIGN_OR_RETURN(auto community, duty::LoadNode(*conn, community_id));
  int64_t now = clock_.NowMs();
  std::string today = core::FormatDate(core::ShanghaiDate(now));
  // A request still open for the member is settled by this registration.
  CG_TRY(
      conn->Execute("UPDATE duty_registration SET state = 'declined', decided_by = $1, "
                    "decided_at = $2, decline_reason = '由工作人员直接登记报到', version = "
                    "version + 1 WHERE member_id = $3 AND state = 'requested'",
                    {caller.account_id, now, member_id}));
  CG_ASSIGN_OR_RETURN(
      int64_t id,
      conn->QueryInt("INSERT INTO duty_registration (member_id, community_id, community_path, "
                     "state, commitment_text, commitment_date, requested_by, decided_by, "
                     "decided_at, created_at) VALUES ($1, $2, $3, 'confirmed', '', $4, $5, $5, "
                     "$6, $6) RETURNING id",
                     {member_id, community_id, community->path, today, caller.account_id, now}));
  CG_TRY(
      conn->Execute("UPDATE party_member SET residence_node_id = $1, registered_on = $2 WHERE "
                    "id = $3",
                    {community_id, today, member_id}));
  CG_TRY(audit_.Append(*conn, caller, "party_member.register", "party_member", member_id,
                       std::to_string(community_id)));
  CG_TRY(tx.Commit());
  return Load(*conn, caller, id);
}

core::Result<MemberProfile> DualRegistrationService::Profile(const Caller& caller,
                                                             int64_t member_id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  auto member = duty::LoadMember(*conn, member_id);
  if (!member.ok() || !duty::CanSee(caller, *member)) return Error::NotFound("党员不存在");
  MemberProfile p;
  p.member_id = member->id;
  p.name = member->name;
  p.unit_id = member->unit_id;
  p.community_id = member->residence_node_id;
  CG_ASSIGN_OR_RETURN(store::Rows skills,
                      conn->Query("SELECT skill_id FROM duty_member_skill WHERE member_id = $1 "
                                  "ORDER BY skill_id",
                                  {member_id}));
  for (const auto& r : skills) p.skill_ids.push_back(r.Int("skill_id"));
  CG_ASSIGN_OR_RETURN(
      store::Rows slots,
      conn->Query("SELECT slots FROM duty_availability WHERE member_id = $1", {member_id}));
  if (!slots.empty()) p.availability = duty::DecodeSlots(slots[0].Text("slots"));
  CG_ASSIGN_OR_RETURN(store::Rows branches,
                      conn->Query("SELECT party_org_id FROM duty_branch_member WHERE member_id = "
                                  "$1 ORDER BY party_org_id",
                                  {member_id}));
  for (const auto& r : branches) p.functional_branch_ids.push_back(r.Int("party_org_id"));
  return p;
}

core::Result<MemberProfile> DualRegistrationService::UpdateProfile(
    const Caller& caller, int64_t member_id, const std::vector<int64_t>& skill_ids,
    const std::vector<AvailabilitySlot>& availability) {
  CG_TRY(duty::ValidateSlots(availability, options_.max_slots, "availability"));
  {
    CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
    auto member = duty::LoadMember(*conn, member_id);
    if (!member.ok() || !duty::CanSee(caller, *member)) return Error::NotFound("党员不存在");
    if (!duty::CanActFor(caller, *member)) return Error::Forbidden("无权修改该党员的服务信息");
    CG_TRY(CheckSkills(*conn, skill_ids, "skill_ids", member_id));
    CG_TRY(ApplyProfile(*conn, member_id, skill_ids, availability));
    CG_TRY(audit_.Append(*conn, caller, "duty_profile.update", "party_member", member_id, ""));
    CG_TRY(tx.Commit());
  }
  return Profile(caller, member_id);
}

}  // namespace civicgrid::domain
