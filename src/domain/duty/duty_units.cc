// Units' registrations with their paired communities, service posts (岗位),
// functional branches and coverage.
#include "domain/duty/dual_registration.h"
#include "domain/duty/duty_common.h"

namespace civicgrid::domain {
namespace {

using core::Error;

constexpr std::string_view kUnitRegSelect =
    "SELECT ur.id, ur.unit_id, u.name AS unit_name, ur.community_id, c.name AS community_name, "
    "c.path AS community_path, ur.created_at FROM duty_unit_registration ur JOIN unit u ON u.id = "
    "ur.unit_id JOIN org_node c ON c.id = ur.community_id ";

UnitRegistration UnitRegFromRow(const store::Row& r) {
  return UnitRegistration{r.Int("id"),           r.Int("unit_id"),         r.Text("unit_name"),
                          r.Int("community_id"), r.Text("community_name"), r.Int("created_at")};
}

bool UnitAdminOf(const Caller& caller, int64_t unit_id) {
  return caller.role == Role::kUnitAdmin && caller.unit_id && *caller.unit_id == unit_id;
}

// Sees a unit registration: the unit's admin, staff reading units over the community.
// A unit admin's account sits at the county and reads through its unit only: its
// units_read does not open other units' registrations.
bool SeesUnitReg(const Caller& caller, int64_t unit_id, const std::string& community_path) {
  if (caller.role == Role::kUnitAdmin) return UnitAdminOf(caller, unit_id);
  return caller.Can(Permission::kUnitsRead) && caller.InScope(community_path);
}

bool ManagesUnitReg(const Caller& caller, int64_t unit_id, const std::string& community_path) {
  return UnitAdminOf(caller, unit_id) ||
         (caller.Can(Permission::kUnitsWrite) && caller.InScope(community_path));
}

}  // namespace

core::Result<UnitRegistration> DualRegistrationService::RegisterUnit(const Caller& caller,
                                                                     int64_t unit_id,
                                                                     int64_t community_id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(auto community, duty::LoadNode(*conn, community_id));
  if (!community || community->kind != "community" ||
      !SeesUnitReg(caller, unit_id, community->path)) {
    return Error::Invalid("community_id", "社区不存在或不在管辖范围内");
  }
  if (!ManagesUnitReg(caller, unit_id, community->path)) {
    return Error::Forbidden("无权为该单位登记报到");
  }
  CG_ASSIGN_OR_RETURN(int64_t paired,
                      conn->QueryInt("SELECT COUNT(*) FROM unit_pairing WHERE unit_id = $1 AND "
                                     "node_id = $2",
                                     {unit_id, community_id}));
  if (paired == 0) return Error::Invalid("community_id", "单位未与该社区结对共建");
  auto id = conn->QueryInt(
      "INSERT INTO duty_unit_registration (unit_id, community_id, created_at) VALUES ($1, $2, $3) "
      "RETURNING id",
      {unit_id, community_id, clock_.NowMs()});
  if (!id.ok() && id.error().code == core::ErrorCode::kConflict) {
    return Error::Conflict("单位已在该社区报到", "community_id");
  }
  if (!id.ok()) return id.error();
  CG_TRY(audit_.Append(*conn, caller, "duty_unit_registration.create", "unit", unit_id,
                       std::to_string(community_id)));
  CG_TRY(tx.Commit());
  CG_ASSIGN_OR_RETURN(store::Row row,
                      conn->QueryOne(std::string(kUnitRegSelect) + "WHERE ur.id = $1", {*id}));
  return UnitRegFromRow(row);
}

core::Result<std::vector<UnitRegistration>> DualRegistrationService::ListUnitRegistrations(
    const Caller& caller, std::optional<int64_t> unit_id) {
  if (caller.role != Role::kUnitAdmin) CG_TRY(caller.Require(Permission::kUnitsRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  Conditions where;
  if (caller.role == Role::kUnitAdmin) {
    where.And("ur.unit_id = " + where.Bind(caller.unit_id.value_or(-1)));
  } else {
    PathRange range = caller.Scope();
    where.And("c.path >= " + where.Bind(range.lo) + " AND c.path < " + where.Bind(range.hi));
  }
  if (unit_id) where.And("ur.unit_id = " + where.Bind(*unit_id));
  // Bounded by the pairings in scope (a unit pairs with a handful of communities).
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn->Query(std::string(kUnitRegSelect) + "WHERE " +
                                                        where.Sql() + " ORDER BY ur.id LIMIT 1000",
                                                    where.params()));
  std::vector<UnitRegistration> out;
  for (const auto& r : rows) out.push_back(UnitRegFromRow(r));
  return out;
}

core::Result<Post> DualRegistrationService::LoadPost(store::Connection& conn, const Caller& caller,
                                                     int64_t id) {
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn.Query("SELECT p.id, p.unit_registration_id, ur.unit_id, ur.community_id, c.path AS "
                 "community_path, p.title, p.skill_id, p.headcount FROM duty_post p JOIN "
                 "duty_unit_registration ur ON ur.id = p.unit_registration_id JOIN org_node c ON "
                 "c.id = ur.community_id WHERE p.id = $1",
                 {id}));
  if (rows.empty()) return Error::NotFound("岗位不存在");
  const store::Row& r = rows[0];
  Post p{r.Int("id"),        r.Int("unit_registration_id"),
         r.Int("unit_id"),   r.Int("community_id"),
         r.Text("title"),    r.Int("skill_id"),
         r.Int("headcount"), {}};
  bool member_of_unit = false;
  if (caller.party_member_id) {
    auto m = duty::LoadMember(conn, *caller.party_member_id);
    member_of_unit = m.ok() && m->unit_id == p.unit_id;
  }
  if (!member_of_unit && !SeesUnitReg(caller, p.unit_id, r.Text("community_path"))) {
    return Error::NotFound("岗位不存在");
  }
  CG_ASSIGN_OR_RETURN(store::Rows members,
                      conn.Query("SELECT member_id FROM duty_post_member WHERE post_id = $1 "
                                 "ORDER BY member_id",
                                 {id}));
  for (const auto& m : members) p.member_ids.push_back(m.Int("member_id"));
  return p;
}

core::Result<Post> DualRegistrationService::CreatePost(const Caller& caller, const NewPost& in) {
  CG_ASSIGN_OR_RETURN(std::string title, CleanName(in.title, "title", 60));
  if (in.headcount < 1 || in.headcount > options_.max_headcount) {
    return Error::Invalid("headcount", "人数应为 1 到 " + std::to_string(options_.max_headcount));
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(store::Rows reg, conn->Query(std::string(kUnitRegSelect) + "WHERE ur.id = $1",
                                                   {in.unit_registration_id}));
  if (reg.empty() || !SeesUnitReg(caller, reg[0].Int("unit_id"), reg[0].Text("community_path"))) {
    return Error::Invalid("unit_registration_id", "单位报到记录不存在");
  }
  if (!ManagesUnitReg(caller, reg[0].Int("unit_id"), reg[0].Text("community_path"))) {
    return Error::Forbidden("无权为该单位设岗");
  }
  CG_TRY(CheckSkills(*conn, {in.skill_id}, "skill_id"));
  CG_ASSIGN_OR_RETURN(
      int64_t id,
      conn->QueryInt("INSERT INTO duty_post (unit_registration_id, title, skill_id, headcount, "
                     "created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                     {in.unit_registration_id, title, in.skill_id, in.headcount, clock_.NowMs()}));
  CG_TRY(audit_.Append(*conn, caller, "duty_post.create", "duty_post", id, title));
  CG_TRY(tx.Commit());
  return LoadPost(*conn, caller, id);
}

core::Result<std::vector<Post>> DualRegistrationService::ListPosts(const Caller& caller,
                                                                   int64_t unit_registration_id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  // The registration itself is scoped like its posts: the unit's members and admin, staff
  // reading units over the community; to anyone else it does not exist, posts or none.
  CG_ASSIGN_OR_RETURN(store::Rows reg, conn->Query(std::string(kUnitRegSelect) + "WHERE ur.id = $1",
                                                   {unit_registration_id}));
  if (reg.empty()) return Error::NotFound("单位报到记录不存在");
  const int64_t unit_id = reg[0].Int("unit_id");
  bool member_of_unit = false;
  if (caller.party_member_id) {
    auto m = duty::LoadMember(*conn, *caller.party_member_id);
    member_of_unit = m.ok() && m->unit_id == unit_id;
  }
  if (!member_of_unit && !SeesUnitReg(caller, unit_id, reg[0].Text("community_path"))) {
    return Error::NotFound("单位报到记录不存在");
  }
  CG_ASSIGN_OR_RETURN(store::Rows ids,
                      conn->Query("SELECT id FROM duty_post WHERE unit_registration_id = $1 "
                                  "ORDER BY id LIMIT 1000",
                                  {unit_registration_id}));
  std::vector<Post> out;
  for (const auto& r : ids) {
    CG_ASSIGN_OR_RETURN(Post post, LoadPost(*conn, caller, r.Int("id")));
    out.push_back(std::move(post));
  }
  return out;
}

core::Result<Post> DualRegistrationService::FillPost(const Caller& caller, int64_t post_id,
                                                     int64_t member_id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Post post, LoadPost(*conn, caller, post_id));
  auto member = duty::LoadMember(*conn, member_id);
  if (!member.ok() || member->unit_id != post.unit_id) {
    return Error::Invalid("member_id", "该党员不在本单位在职");
  }
  if (!duty::IsSelf(caller, member_id) && !UnitAdminOf(caller, post.unit_id)) {
    return Error::Forbidden("只有本人或单位管理员可以认领岗位");
  }
  auto inserted = conn->Execute(
      "INSERT INTO duty_post_member (post_id, member_id, created_at) VALUES ($1, $2, $3)",
      {post_id, member_id, clock_.NowMs()});
  if (!inserted.ok() && inserted.error().code == core::ErrorCode::kConflict) {
    return Error::Conflict("已认领该岗位", "member_id");
  }
  if (!inserted.ok()) return inserted.error();
  // The seat count is guarded in the UPDATE itself: concurrent fills never pass the headcount.
  CG_ASSIGN_OR_RETURN(int64_t n, conn->Execute("UPDATE duty_post SET filled = filled + 1 WHERE id "
                                               "= $1 AND filled < headcount",
                                               {post_id}));
  if (n == 0) return Error::Conflict("岗位人数已满", "headcount");
  CG_TRY(audit_.Append(*conn, caller, "duty_post.fill", "duty_post", post_id,
                       std::to_string(member_id)));
  CG_TRY(tx.Commit());
  return LoadPost(*conn, caller, post_id);
}

core::Result<Post> DualRegistrationService::LeavePost(const Caller& caller, int64_t post_id,
                                                      int64_t member_id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Post post, LoadPost(*conn, caller, post_id));
  if (!duty::IsSelf(caller, member_id) && !UnitAdminOf(caller, post.unit_id)) {
    return Error::Forbidden("只有本人或单位管理员可以退出岗位");
  }
  CG_ASSIGN_OR_RETURN(int64_t n,
                      conn->Execute("DELETE FROM duty_post_member WHERE post_id = $1 AND "
                                    "member_id = $2",
                                    {post_id, member_id}));
  if (n == 0) return Error::Invalid("member_id", "该党员未认领此岗位");
  CG_TRY(conn->Execute("UPDATE duty_post SET filled = filled - 1 WHERE id = $1", {post_id}));
  CG_TRY(audit_.Append(*conn, caller, "duty_post.leave", "duty_post", post_id,
                       std::to_string(member_id)));
  CG_TRY(tx.Commit());
  return LoadPost(*conn, caller, post_id);
}

core::Status DualRegistrationService::AddToBranch(const Caller& caller, int64_t party_org_id,
                                                  int64_t member_id) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(store::Rows org,
                      conn->Query("SELECT o.kind, n.path FROM party_org o JOIN org_node n ON n.id "
                                  "= o.node_id WHERE o.id = $1",
                                  {party_org_id}));
  if (org.empty() || !caller.InScope(org[0].Text("path"))) {
    return Error::NotFound("党组织不存在");
  }
  if (org[0].Text("kind") != "functional_branch") {
    return Error::Invalid("party_org_id", "只有功能型党支部可以吸纳报到党员");
  }
  auto member = duty::LoadMember(*conn, member_id);
  const std::string& branch_path = org[0].Text("path");
  if (!member.ok() || member->residence_path.empty() ||
      member->residence_path.compare(0, branch_path.size(), branch_path) != 0) {
    return Error::Invalid("member_id", "该党员未在此社区报到");
  }
  auto n = conn->Execute(
      "INSERT INTO duty_branch_member (party_org_id, member_id, created_at) VALUES ($1, $2, $3)",
      {party_org_id, member_id, clock_.NowMs()});
  if (!n.ok() && n.error().code == core::ErrorCode::kConflict) {
    return Error::Conflict("已在该功能型党支部", "member_id");
  }
  if (!n.ok()) return n.error();
  CG_TRY(audit_.Append(*conn, caller, "duty_branch.add", "party_org", party_org_id,
                       std::to_string(member_id)));
  return tx.Commit();
}

core::Status DualRegistrationService::RemoveFromBranch(const Caller& caller, int64_t party_org_id,
                                                       int64_t member_id) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(store::Rows org,
                      conn->Query("SELECT n.path FROM party_org o JOIN org_node n ON n.id = "
                                  "o.node_id WHERE o.id = $1",
                                  {party_org_id}));
  if (org.empty() || !caller.InScope(org[0].Text("path"))) return Error::NotFound("党组织不存在");
  CG_ASSIGN_OR_RETURN(int64_t n, conn->Execute("DELETE FROM duty_branch_member WHERE party_org_id "
                                               "= $1 AND member_id = $2",
                                               {party_org_id, member_id}));
  if (n == 0) return Error::NotFound("该党员不在此功能型党支部");
  CG_TRY(audit_.Append(*conn, caller, "duty_branch.remove", "party_org", party_org_id,
                       std::to_string(member_id)));
  return tx.Commit();
}

core::Result<std::vector<BranchMember>> DualRegistrationService::BranchMembers(
    const Caller& caller, int64_t party_org_id) {
  CG_TRY(caller.Require(Permission::kPeopleRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(store::Rows org,
                      conn->Query("SELECT n.path FROM party_org o JOIN org_node n ON n.id = "
                                  "o.node_id WHERE o.id = $1",
                                  {party_org_id}));
  if (org.empty() || !caller.InScope(org[0].Text("path"))) return Error::NotFound("党组织不存在");
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query("SELECT bm.member_id, m.name, m.party_org_id, bm.created_at FROM "
                  "duty_branch_member bm JOIN party_member m ON m.id = bm.member_id WHERE "
                  "bm.party_org_id = $1 ORDER BY bm.member_id LIMIT 5000",
                  {party_org_id}));
  std::vector<BranchMember> out;
  for (const auto& r : rows) {
    out.push_back({r.Int("member_id"), r.Text("name"), r.Int("party_org_id"), r.Int("created_at")});
  }
  return out;
}

core::Result<std::vector<CommunityCoverage>> DualRegistrationService::CommunityCoverageOf(
    const Caller& caller, std::optional<int64_t> within) {
  CG_TRY(caller.Require(Permission::kPeopleRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(PathRange range, WithinScope(*conn, caller, within));
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query(
          "SELECT c.id, c.name, (SELECT COUNT(*) FROM party_member m WHERE m.residence_node_id = "
          "c.id) AS registered, (SELECT COUNT(*) FROM duty_registration r WHERE r.community_id = "
          "c.id AND r.state = 'requested') AS pending, (SELECT COUNT(*) FROM "
          "duty_unit_registration ur WHERE ur.community_id = c.id) AS units, (SELECT "
          "CAST(COALESCE(SUM(p.headcount), 0) AS BIGINT) FROM duty_post p JOIN "
          "duty_unit_registration ur ON ur.id "
          "= p.unit_registration_id WHERE ur.community_id = c.id) AS headcount, (SELECT "
          "CAST(COALESCE(SUM(p.filled), 0) AS BIGINT) FROM duty_post p JOIN duty_unit_registration "
          "ur ON ur.id = "
          "p.unit_registration_id WHERE ur.community_id = c.id) AS filled FROM org_node c WHERE "
          "c.kind = 'community' AND c.path >= $1 AND c.path < $2 ORDER BY c.path LIMIT 2000",
          {range.lo, range.hi}));
  std::vector<CommunityCoverage> out;
  for (const auto& r : rows) {
    out.push_back({r.Int("id"), r.Text("name"), r.Int("registered"), r.Int("pending"),
                   r.Int("units"), r.Int("headcount"), r.Int("filled")});
  }
  return out;
}

core::Result<std::vector<UnitCoverage>> DualRegistrationService::UnitCoverageOf(
    const Caller& caller) {
  if (caller.role != Role::kUnitAdmin) CG_TRY(caller.Require(Permission::kUnitsRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  Conditions where;
  if (caller.role == Role::kUnitAdmin) {
    where.And("u.id = " + where.Bind(caller.unit_id.value_or(-1)));
  } else {
    PathRange range = caller.Scope();
    std::string lo = where.Bind(range.lo), hi = where.Bind(range.hi);
    where.And("(EXISTS (SELECT 1 FROM org_node un WHERE un.id = u.node_id AND un.path >= " + lo +
              " AND un.path < " + hi +
              ") OR EXISTS (SELECT 1 FROM unit_pairing up JOIN org_node pn ON pn.id = up.node_id "
              "WHERE up.unit_id = u.id AND pn.path >= " +
              lo + " AND pn.path < " + hi + "))");
  }
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query(
          "SELECT u.id, u.name, (SELECT COUNT(*) FROM party_member m WHERE m.unit_id = u.id) AS "
          "expected, (SELECT COUNT(*) FROM party_member m WHERE m.unit_id = u.id AND "
          "m.residence_node_id IS NOT NULL) AS registered, (SELECT COUNT(*) FROM "
          "duty_registration r JOIN party_member m ON m.id = r.member_id WHERE m.unit_id = u.id "
          "AND r.state = 'requested') AS pending, (SELECT CAST(COALESCE(SUM(p.headcount), 0) AS "
          "BIGINT) FROM "
          "duty_post p JOIN duty_unit_registration ur ON ur.id = p.unit_registration_id WHERE "
          "ur.unit_id = u.id) AS headcount, (SELECT CAST(COALESCE(SUM(p.filled), 0) AS BIGINT) "
          "FROM duty_post p "
          "JOIN duty_unit_registration ur ON ur.id = p.unit_registration_id WHERE ur.unit_id = "
          "u.id) AS filled FROM unit u WHERE " +
              where.Sql() + " ORDER BY u.id LIMIT 2000",
          where.params()));
  std::vector<UnitCoverage> out;
  for (const auto& r : rows) {
    out.push_back({r.Int("id"), r.Text("name"), r.Int("expected"), r.Int("registered"),
                   r.Int("pending"), r.Int("headcount"), r.Int("filled")});
  }
  return out;
}

}  // namespace civicgrid::domain
