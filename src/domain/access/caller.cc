#include "domain/access/caller.h"

#include <array>

namespace civicgrid::domain {
namespace {

struct RoleInfo {
  Role role;
  std::string_view name;
  std::initializer_list<Permission> permissions;
};

using P = Permission;
// The access model in one table. Scope (the subtree) is applied separately by
// every repository; this says what a role may do inside it.
const RoleInfo kRoles[] = {
    {Role::kCountyAdmin,
     "county_admin",
     {P::kOrgRead, P::kOrgWrite, P::kPeopleRead, P::kPeopleWrite, P::kPiiReveal, P::kUnitsRead,
      P::kUnitsWrite, P::kAccountsAdmin, P::kAuditRead, P::kStatsRead}},
    {Role::kStreetAdmin,
     "street_admin",
     {P::kOrgRead, P::kOrgWrite, P::kPeopleRead, P::kUnitsRead, P::kUnitsWrite, P::kAccountsAdmin,
      P::kStatsRead}},
    {Role::kCommunitySecretary,
     "community_secretary",
     {P::kOrgRead, P::kOrgWrite, P::kPeopleRead, P::kPeopleWrite, P::kPiiReveal, P::kUnitsRead,
      P::kStatsRead}},
    {Role::kCommunityWorker,
     "community_worker",
     {P::kOrgRead, P::kPeopleRead, P::kPeopleWrite, P::kPiiReveal, P::kUnitsRead, P::kStatsRead}},
    {Role::kGridWorker,
     "grid_worker",
     {P::kOrgRead, P::kPeopleRead, P::kPeopleWrite, P::kPiiReveal, P::kStatsRead}},
    {Role::kUnitAdmin, "unit_admin", {P::kOrgRead, P::kUnitsRead}},
    {Role::kPartyMember, "party_member", {P::kOrgRead}},
    {Role::kResident, "resident", {P::kOrgRead}},
};

// A role without a row: no name and no permission (fail closed).
const RoleInfo kUnknownRole{Role::kResident, "unknown", {}};

const RoleInfo& Info(Role role) {
  for (const auto& info : kRoles) {
    if (info.role == role) return info;
  }
  return kUnknownRole;  // never the most powerful row: an unknown role may do nothing
}

}  // namespace

std::string_view RoleName(Role role) { return Info(role).name; }

core::Result<Role> ParseRole(std::string_view name, std::string_view field) {
  for (const auto& info : kRoles) {
    if (info.name == name) return info.role;
  }
  return core::Error::Invalid(std::string(field), "未知角色: " + std::string(name));
}

bool RoleHas(Role role, Permission permission) {
  for (Permission p : Info(role).permissions) {
    if (p == permission) return true;
  }
  return false;
}

std::vector<Role> AllRoles() {
  std::vector<Role> roles;
  for (const auto& info : kRoles) roles.push_back(info.role);
  return roles;
}

PathRange SubtreeRange(std::string_view path) {
  PathRange range{std::string(path), std::string(path)};
  if (!range.hi.empty()) range.hi.back() = static_cast<char>(range.hi.back() + 1);
  return range;
}

core::Status Caller::Require(Permission p) const {
  if (Can(p)) return core::Ok();
  return core::Error::Forbidden("当前角色无权执行此操作");
}

}  // namespace civicgrid::domain
