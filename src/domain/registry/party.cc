#include "domain/registry/party.h"

#include <array>

#include "core/pii.h"

namespace civicgrid::domain {
namespace {

using core::Error;

constexpr std::array<std::pair<PartyOrgKind, std::string_view>, 7> kOrgKinds = {{
    {PartyOrgKind::kCommittee, "committee"},
    {PartyOrgKind::kGeneralBranch, "general_branch"},
    {PartyOrgKind::kBranch, "branch"},
    {PartyOrgKind::kGridBranch, "grid_branch"},
    {PartyOrgKind::kGridGroup, "grid_group"},
    {PartyOrgKind::kBuildingGroup, "building_group"},
    {PartyOrgKind::kFunctionalBranch, "functional_branch"},
}};

constexpr std::string_view kOrgSelect =
    "SELECT o.id, o.node_id, o.parent_id, o.kind, o.name FROM party_org o JOIN org_node n ON n.id "
    "= o.node_id ";

// A member is in scope through the branch's node or the residence community.
constexpr std::string_view kMemberSelect =
    "SELECT m.id, m.name, m.sex, m.id_number_masked, m.phone_masked, m.party_org_id, m.unit_id, "
    "m.residence_node_id, m.registered_on, m.skills, m.mobile FROM party_member m JOIN party_org "
    "o ON o.id = m.party_org_id JOIN org_node n ON n.id = o.node_id LEFT JOIN org_node rn ON rn.id "
    "= m.residence_node_id ";
// A member is in scope through the branch's node or the residence community;
// a unit admin further sees only the members in service at their unit
// ($unit is NULL for everyone else). `unit` names the placeholder.
std::string MemberScope(std::string_view unit) {
  return "((n.path >= $1 AND n.path < $2) OR (rn.path >= $1 AND rn.path < $2)) AND (CAST(" +
         std::string(unit) + " AS BIGINT) IS NULL OR m.unit_id = " + std::string(unit) + ") ";
}

// Unit admins read their own unit's in-service members (双报到 is theirs to
// follow) without the general people_read permission.
std::optional<int64_t> UnitView(const Caller& caller) {
  if (caller.role == Role::kUnitAdmin) return caller.unit_id.value_or(-1);
  return std::nullopt;
}

core::Status RequireMemberRead(const Caller& caller) {
  if (UnitView(caller)) return core::Ok();
  return caller.Require(Permission::kPeopleRead);
}

std::vector<std::string> SplitSkills(const std::string& csv) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < csv.size()) {
    size_t end = csv.find(',', start);
    if (end == std::string::npos) end = csv.size();
    if (end > start) out.push_back(csv.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

PartyOrg OrgFromRow(const store::Row& row) {
  return PartyOrg{row.Int(0), row.Int(1), row.OptInt(2),
                  ParsePartyOrgKind(row.Text(3), "kind").value(), row.Text(4)};
}

PartyMember MemberFromRow(const store::Row& row) {
  return PartyMember{
      row.Int(0),      row.Text(1),   row.Text(2),   row.Text(3),    row.OptText(4),
      row.Int(5),      row.OptInt(6), row.OptInt(7), row.OptText(8), SplitSkills(row.Text(9)),
      row.Int(10) != 0};
}

int64_t OrgId(const PartyOrg& o) { return o.id; }
int64_t MemberId(const PartyMember& m) { return m.id; }

std::string Field(std::string_view at, std::string_view name) {
  return at.empty() ? std::string(name) : std::string(at) + "." + std::string(name);
}

}  // namespace

std::string_view PartyOrgKindName(PartyOrgKind kind) {
  for (const auto& [k, name] : kOrgKinds) {
    if (k == kind) return name;
  }
  return "branch";
}

core::Result<PartyOrgKind> ParsePartyOrgKind(std::string_view name, std::string_view field) {
  for (const auto& [k, n] : kOrgKinds) {
    if (n == name) return k;
  }
  return Error::Invalid(std::string(field), "未知的党组织类型: " + std::string(name));
}

core::Result<PartyOrg> PartyService::LoadOrg(store::Connection& conn, const Caller& caller,
                                             int64_t id) {
  PathRange scope = caller.Scope();
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn.Query(std::string(kOrgSelect) + "WHERE o.id = $1 AND n.path >= $2 AND n.path < $3",
                 {id, scope.lo, scope.hi}));
  if (rows.empty()) return Error::NotFound("党组织不存在");
  return OrgFromRow(rows[0]);
}

core::Result<int64_t> PartyService::InsertOrg(store::Connection& conn, const Caller& caller,
                                              const NewPartyOrg& org) {
  CG_ASSIGN_OR_RETURN(std::string name, CleanName(org.name, "name"));
  CG_ASSIGN_OR_RETURN(std::string node_ok, NodeKindInScope(conn, caller, org.node_id));
  if (node_ok.empty()) return Error::Invalid("node_id", "组织节点不存在或不在管辖范围内");
  if (org.parent_id && !LoadOrg(conn, caller, *org.parent_id).ok()) {
    return Error::Invalid("parent_id", "上级党组织不存在");
  }
  return conn.QueryInt(
      "INSERT INTO party_org (node_id, parent_id, kind, name, created_at) VALUES ($1, $2, $3, $4, "
      "$5) RETURNING id",
      {org.node_id, org.parent_id, PartyOrgKindName(org.kind), name, clock_.NowMs()});
}

core::Result<PartyOrg> PartyService::CreateOrg(const Caller& caller, const NewPartyOrg& org) {
  CG_TRY(caller.Require(Permission::kOrgWrite));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(int64_t id, InsertOrg(*conn, caller, org));
  CG_TRY(audit_.Append(*conn, caller, "party_org.create", "party_org", id, org.name));
  CG_TRY(tx.Commit());
  return LoadOrg(*conn, caller, id);
}

core::Result<PartyOrg> PartyService::GetOrg(const Caller& caller, int64_t id) {
  CG_TRY(caller.Require(Permission::kOrgRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  return LoadOrg(*conn, caller, id);
}

core::Result<PageOf<PartyOrg>> PartyService::ListOrgs(const Caller& caller,
                                                      std::optional<int64_t> within,
                                                      const Page& page) {
  CG_TRY(caller.Require(Permission::kOrgRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(PathRange range, WithinScope(*conn, caller, within));
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      // Party organisations walked in id order, each checked against its
                      // node's path (CROSS JOIN fixes SQLite's join order): no sort of the scope.
                      conn->Query("SELECT o.id, o.node_id, o.parent_id, o.kind, o.name FROM "
                                  "party_org o CROSS JOIN org_node n WHERE n.id = o.node_id AND "
                                  "n.path >= $1 AND n.path < $2 AND o.id > $3 ORDER BY "
                                  "o.id LIMIT $4",
                                  {range.lo, range.hi, page.after, page.limit}));
  std::vector<PartyOrg> items;
  for (const auto& row : rows) items.push_back(OrgFromRow(row));
  return FinishPage(std::move(items), page, &OrgId);
}

core::Result<PartyMemberRecord> PartyService::Validate(const NewPartyMember& m,
                                                       std::string_view at) const {
  PartyMemberRecord rec;
  CG_ASSIGN_OR_RETURN(rec.name, CleanName(m.name, Field(at, "name"), 60));
  std::string id = core::NormalizeIdNumber(m.id_number);
  CG_TRY(core::ValidateIdNumber(id, Field(at, "id_number")));
  rec.sex = std::string(1, core::IdNumberSex(id));
  rec.id_number = SealIdNumber(cipher_, id);
  if (m.phone && !m.phone->empty()) {
    std::string phone = core::NormalizePhone(*m.phone);
    CG_TRY(core::ValidatePhone(phone, Field(at, "phone")));
    rec.phone = SealPhone(cipher_, phone);
  }
  if (m.party_org_id <= 0) return Error::Invalid(Field(at, "party_org_id"), "请指定所属党组织");
  rec.party_org_id = m.party_org_id;
  rec.unit_id = m.unit_id;
  rec.residence_node_id = m.residence_node_id;
  if (m.registered_on) {
    CG_TRY(core::ParseDate(*m.registered_on, Field(at, "registered_on")));
    rec.registered_on = m.registered_on;
  } else if (m.residence_node_id) {
    rec.registered_on = core::FormatDate(core::ShanghaiDate(clock_.NowMs()));
  }
  for (const std::string& skill : m.skills) {
    if (skill.empty() || skill.find(',') != std::string::npos || skill.size() > 30) {
      return Error::Invalid(Field(at, "skills"), "技能名称应为 1–30 个字符且不含逗号");
    }
    rec.skills += (rec.skills.empty() ? "" : ",") + skill;
  }
  rec.mobile = m.mobile;
  return rec;
}

core::Result<int64_t> PartyService::Insert(store::Connection& conn, const Caller& caller,
                                           const PartyMemberRecord& rec, std::string_view at) {
  if (!LoadOrg(conn, caller, rec.party_org_id).ok()) {
    return Error::Invalid(Field(at, "party_org_id"), "党组织不存在或不在管辖范围内");
  }
  if (rec.residence_node_id) {
    CG_ASSIGN_OR_RETURN(std::string kind, NodeKindInScope(conn, caller, *rec.residence_node_id));
    if (kind != "community") {
      return Error::Invalid(Field(at, "residence_node_id"), "报到社区不存在或不在管辖范围内");
    }
  }
  if (rec.unit_id) {
    CG_ASSIGN_OR_RETURN(int64_t n,
                        conn.QueryInt("SELECT COUNT(*) FROM unit WHERE id = $1", {*rec.unit_id}));
    if (n == 0) return Error::Invalid(Field(at, "unit_id"), "单位不存在");
  }
  const std::optional<SealedPii>& ph = rec.phone;
  auto id = conn.QueryInt(
      "INSERT INTO party_member (name, sex, id_number_enc, id_number_hash, id_number_masked, "
      "phone_enc, phone_hash, phone_masked, party_org_id, unit_id, residence_node_id, "
      "registered_on, skills, mobile, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
      "$11, $12, $13, $14, $15) RETURNING id",
      {rec.name, rec.sex, rec.id_number.enc, rec.id_number.hash, rec.id_number.masked,
       ph ? store::Value(ph->enc) : store::Value(), ph ? store::Value(ph->hash) : store::Value(),
       ph ? store::Value(ph->masked) : store::Value(), rec.party_org_id, rec.unit_id,
       rec.residence_node_id, rec.registered_on, rec.skills, rec.mobile, clock_.NowMs()});
  if (!id.ok() && id.error().code == core::ErrorCode::kConflict) {
    return Error::Conflict("该身份证号码的党员已登记", Field(at, "id_number"));
  }
  return id;
}

core::Result<PartyMember> PartyService::LoadMember(store::Connection& conn, const Caller& caller,
                                                   int64_t id) {
  PathRange scope = caller.Scope();
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn.Query(std::string(kMemberSelect) + "WHERE " +
                                                       MemberScope("$4") + "AND m.id = $3",
                                                   {scope.lo, scope.hi, id, UnitView(caller)}));
  if (rows.empty()) return Error::NotFound("党员不存在");
  return MemberFromRow(rows[0]);
}

core::Result<PartyMember> PartyService::CreateMember(const Caller& caller,
                                                     const NewPartyMember& member) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  CG_ASSIGN_OR_RETURN(PartyMemberRecord rec, Validate(member, ""));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(int64_t id, Insert(*conn, caller, rec, ""));
  CG_TRY(audit_.Append(*conn, caller, "party_member.create", "party_member", id, ""));
  CG_TRY(tx.Commit());
  return LoadMember(*conn, caller, id);
}

core::Result<PartyMember> PartyService::GetMember(const Caller& caller, int64_t id) {
  bool self = caller.party_member_id && *caller.party_member_id == id;
  if (!self) CG_TRY(RequireMemberRead(caller));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  return LoadMember(*conn, caller, id);
}

core::Result<PageOf<PartyMember>> PartyService::ListMembers(const Caller& caller,
                                                            const PartyMemberFilter& filter) {
  CG_TRY(RequireMemberRead(caller));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(PathRange range, WithinScope(*conn, caller, filter.within));
  std::optional<std::string> skill_pattern;
  if (filter.skill) {
    // LIKE wildcards in the skill itself are matched literally.
    std::string escaped;
    for (char ch : *filter.skill) {
      if (ch == '%' || ch == '_' || ch == '!') escaped.push_back('!');
      escaped.push_back(ch);
    }
    skill_pattern = "%," + escaped + ",%";
  }
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query(
          std::string(kMemberSelect) + "WHERE " + MemberScope("$7") +
              "AND m.id > $3 AND (CAST($4 AS TEXT) IS NULL OR ',' || m.skills || ',' LIKE "
              "$4 ESCAPE '!') AND (CAST($5 AS BIGINT) IS NULL OR m.unit_id = $5) ORDER BY m.id "
              "LIMIT $6",
          {range.lo, range.hi, filter.page.after, skill_pattern, filter.unit_id, filter.page.limit,
           UnitView(caller)}));
  std::vector<PartyMember> items;
  for (const auto& row : rows) items.push_back(MemberFromRow(row));
  return FinishPage(std::move(items), filter.page, &MemberId);
}

core::Result<PartyMember> PartyService::RegisterResidence(const Caller& caller, int64_t member_id,
                                                          int64_t community_id) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(PartyMember m, LoadMember(*conn, caller, member_id));
  CG_ASSIGN_OR_RETURN(std::string kind, NodeKindInScope(*conn, caller, community_id));
  if (kind != "community") {
    return Error::Invalid("community_id", "报到社区不存在或不在管辖范围内");
  }
  std::string today = core::FormatDate(core::ShanghaiDate(clock_.NowMs()));
  CG_ASSIGN_OR_RETURN(auto n, conn->Execute("UPDATE party_member SET residence_node_id = $1, "
                                            "registered_on = $2 WHERE id = $3",
                                            {community_id, today, m.id}));
  (void)n;
  CG_TRY(audit_.Append(*conn, caller, "party_member.register", "party_member", m.id,
                       std::to_string(community_id)));
  CG_TRY(tx.Commit());
  return LoadMember(*conn, caller, member_id);
}

}  // namespace civicgrid::domain
