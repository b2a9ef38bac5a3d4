// 双报到 as a workflow (docs/duty.md): a party member (or their unit's admin)
// asks to register with the community they live in, with skills from a
// shared taxonomy, weekly availability and a signed commitment; the
// community's secretary confirms or declines with a reason. Units register
// with the communities they pair with and offer service posts (岗位) their
// members fill. Functional branches (功能型党支部) hold registered members
// while each keeps their own branch. Coverage per community and per unit.
//
// Who may do what:
//   taxonomy        read: anyone signed in; edit: county admins
//   request         the member themselves, their unit's admin, staff with
//                   people_write over the member
//   confirm/decline staff with people_write over the community
//   profile edits   the member themselves (and staff with people_write)
//   units, posts    the unit's admin, staff with units_write (posts: and
//                   people_write) over the community
// Every read is scoped like the member and community it concerns; outside
// the caller's scope a record does not exist (NotFound). Thread-safe.
#pragma once

#include <optional>
#include <vector>

#include "domain/access/audit_log.h"
#include "domain/access/caller.h"
#include "domain/duty/duty_types.h"
#include "domain/registry/common.h"
#include "store/pool.h"

namespace civicgrid::domain {

class DualRegistrationService {
 public:
  DualRegistrationService(store::Db& db, const core::Clock& clock, AuditLog& audit,
                          DutyOptions options = {})
      : db_(db), clock_(clock), audit_(audit), options_(options) {}

  // The skill taxonomy.
  core::Result<std::vector<Skill>> ListSkills(const Caller& caller);
  core::Result<Skill> CreateSkill(const Caller& caller, std::string_view name);
  // Renames and/or retires (or restores) a skill. A retired skill is no longer
  // offered for requests and new profile entries; members who hold it keep it.
  core::Result<Skill> UpdateSkill(const Caller& caller, int64_t id, const SkillChange& change);

  core::Result<DualRegistration> Request(const Caller& caller, const NewDualRegistration& in);
  core::Result<DualRegistration> Get(const Caller& caller, int64_t id);
  core::Result<PageOf<DualRegistration>> List(const Caller& caller,
                                              const RegistrationFilter& filter);
  // Confirms a request: the member is registered with the community (as the
  // staff PUT did), the request's skills and availability become theirs.
  core::Result<DualRegistration> Confirm(const Caller& caller, int64_t id,
                                         std::optional<int64_t> version);
  core::Result<DualRegistration> Decline(const Caller& caller, int64_t id, std::string_view reason,
                                         std::optional<int64_t> version);
  // Registers directly (the staff PUT of the registry): a confirmed
  // registration without a request of the member's own.
  core::Result<DualRegistration> RegisterByStaff(const Caller& caller, int64_t member_id,
                                                 int64_t community_id);

  core::Result<MemberProfile> Profile(const Caller& caller, int64_t member_id);
  core::Result<MemberProfile> UpdateProfile(const Caller& caller, int64_t member_id,
                                            const std::vector<int64_t>& skill_ids,
                                            const std::vector<AvailabilitySlot>& availability);

  core::Result<UnitRegistration> RegisterUnit(const Caller& caller, int64_t unit_id,
                                              int64_t community_id);
  core::Result<std::vector<UnitRegistration>> ListUnitRegistrations(const Caller& caller,
                                                                    std::optional<int64_t> unit_id);
  core::Result<Post> CreatePost(const Caller& caller, const NewPost& post);
  // The posts of a unit registration, seen by the unit's members and admin and
  // staff reading units over its community; NotFound to anyone else.
  core::Result<std::vector<Post>> ListPosts(const Caller& caller, int64_t unit_registration_id);
  // A member of the post's unit takes a seat (their own, or their unit admin
  // for them); never more than the headcount.
  core::Result<Post> FillPost(const Caller& caller, int64_t post_id, int64_t member_id);
  core::Result<Post> LeavePost(const Caller& caller, int64_t post_id, int64_t member_id);

  // Functional branches of a community hold registered members.
  core::Status AddToBranch(const Caller& caller, int64_t party_org_id, int64_t member_id);
  core::Status RemoveFromBranch(const Caller& caller, int64_t party_org_id, int64_t member_id);
  // The members a functional branch holds, in member id order (staff with
  // people_read over the branch's node).
  core::Result<std::vector<BranchMember>> BranchMembers(const Caller& caller, int64_t party_org_id);

  core::Result<std::vector<CommunityCoverage>> CommunityCoverageOf(const Caller& caller,
                                                                   std::optional<int64_t> within);
  core::Result<std::vector<UnitCoverage>> UnitCoverageOf(const Caller& caller);

  // The quarterly service card (一单一表一卡): of one member (themselves, their
  // unit admin, staff with people_read over them) or of every in-service member
  // of a unit (its admin, staff with units_read over it), in member id order.
  core::Result<std::vector<ServiceCard>> ServiceCards(const Caller& caller,
                                                      const ServiceCardQuery& query);

  const DutyOptions& options() const { return options_; }

 private:
  core::Result<DualRegistration> Load(store::Connection& conn, const Caller& caller, int64_t id);
  core::Result<DualRegistration> Decide(const Caller& caller, int64_t id, bool confirm,
                                        std::string_view reason, std::optional<int64_t> version);
  // Every id names a skill in service, or one `holder` already holds.
  core::Status CheckSkills(store::Connection& conn, const std::vector<int64_t>& ids,
                           std::string_view field, std::optional<int64_t> holder = std::nullopt);
  core::Status ApplyProfile(store::Connection& conn, int64_t member_id,
                            const std::vector<int64_t>& skill_ids,
                            const std::vector<AvailabilitySlot>& availability);
  core::Result<Post> LoadPost(store::Connection& conn, const Caller& caller, int64_t id);

  store::Db& db_;
  const core::Clock& clock_;
  AuditLog& audit_;
  DutyOptions options_;
};

}  // namespace civicgrid::domain
