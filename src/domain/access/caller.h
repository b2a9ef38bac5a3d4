// Who is asking: the account, its role and the org node its role holds for.
// Every service call takes a Caller; repositories turn its scope into SQL
// conditions so that a forgotten check fails closed. Value type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace civicgrid::domain {

enum class Role {
  kCountyAdmin,
  kStreetAdmin,
  kCommunitySecretary,
  kCommunityWorker,
  kGridWorker,
  kUnitAdmin,
  kPartyMember,
  kResident,
};

enum class Permission {
  kOrgRead,        // read the org tree within scope
  kOrgWrite,       // create, rename, move, delete org nodes below scope
  kPeopleRead,     // list and read residents, members, staff within scope
  kPeopleWrite,    // create and import people within scope
  kPiiReveal,      // read unmasked ID numbers and phones (audited)
  kUnitsRead,      // read units and pairings within scope
  kUnitsWrite,     // create units and pairings
  kAccountsAdmin,  // create accounts below scope
  kAuditRead,      // read and verify the audit log
  kStatsRead,      // read ticket rates and rankings within scope (staff only)
};

std::string_view RoleName(Role role);
core::Result<Role> ParseRole(std::string_view name, std::string_view field);
bool RoleHas(Role role, Permission permission);
std::vector<Role> AllRoles();

// Half-open byte range [lo, hi) of materialised paths inside `path`'s subtree
// ("/1/5/" → ["/1/5/", "/1/50")): an index range scan on both backends.
struct PathRange {
  std::string lo;
  std::string hi;
};
PathRange SubtreeRange(std::string_view path);

struct Caller {
  int64_t account_id = 0;
  std::string username;
  Role role = Role::kResident;
  int64_t scope_node_id = 0;
  std::string scope_path;  // "/1/7/42/" of the scope node
  std::optional<int64_t> unit_id;
  std::optional<int64_t> party_member_id;
  std::optional<int64_t> resident_id;
  bool must_change_password = false;  // every call but /me and the change is refused
  std::string request_id;             // for the audit log

  bool Can(Permission p) const { return RoleHas(role, p); }
  PathRange Scope() const { return SubtreeRange(scope_path); }
  bool InScope(std::string_view path) const {
    return path.substr(0, scope_path.size()) == scope_path;
  }
  // Forbidden unless the role has `p`.
  core::Status Require(Permission p) const;
};

}  // namespace civicgrid::domain
