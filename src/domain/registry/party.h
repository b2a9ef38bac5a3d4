// Party organisations (mirroring the grid tree: community committee → grid
// branch → building group, plus functional branches) and party members,
// including dual registration (双报到): an in-service member of a unit
// registers with the community where they live. Members' ID numbers and
// phones are sealed like residents'. A member is visible to a caller whose
// scope holds the member's branch or the community they registered with.
// Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "core/time.h"
#include "domain/access/audit_log.h"
#include "domain/access/caller.h"
#include "domain/registry/common.h"
#include "store/pool.h"

namespace civicgrid::domain {

enum class PartyOrgKind {
  kCommittee,         // 党委 / 社区大党委
  kGeneralBranch,     // 党总支
  kBranch,            // 党支部
  kGridBranch,        // 网格党支部
  kGridGroup,         // 网格党小组
  kBuildingGroup,     // 楼栋党小组
  kFunctionalBranch,  // 功能型党支部
};
std::string_view PartyOrgKindName(PartyOrgKind kind);
core::Result<PartyOrgKind> ParsePartyOrgKind(std::string_view name, std::string_view field);

struct PartyOrg {
  int64_t id = 0;
  int64_t node_id = 0;
  std::optional<int64_t> parent_id;
  PartyOrgKind kind = PartyOrgKind::kBranch;
  std::string name;
};

struct NewPartyOrg {
  int64_t node_id = 0;
  std::optional<int64_t> parent_id;
  PartyOrgKind kind = PartyOrgKind::kBranch;
  std::string name;
};

struct NewPartyMember {
  std::string name;
  std::string id_number;
  std::optional<std::string> phone;
  int64_t party_org_id = 0;
  std::optional<int64_t> unit_id;            // in-service at this unit
  std::optional<int64_t> residence_node_id;  // community registered with (双报到)
  std::optional<std::string> registered_on;  // YYYY-MM-DD, defaults to today when registering
  std::vector<std::string> skills;
  bool mobile = false;  // 流动党员
};

struct PartyMember {
  int64_t id = 0;
  std::string name;
  std::string sex;
  std::string id_number_masked;
  std::optional<std::string> phone_masked;
  int64_t party_org_id = 0;
  std::optional<int64_t> unit_id;
  std::optional<int64_t> residence_node_id;
  std::optional<std::string> registered_on;
  std::vector<std::string> skills;
  bool mobile = false;
};

struct PartyMemberFilter {
  std::optional<int64_t> within;  // branch node or residence in this subtree
  std::optional<std::string> skill;
  std::optional<int64_t> unit_id;
  Page page;
};

// A validated member ready to insert (Create and CSV import).
struct PartyMemberRecord {
  std::string name;
  std::string sex;
  SealedPii id_number;
  std::optional<SealedPii> phone;
  int64_t party_org_id = 0;
  std::optional<int64_t> unit_id;
  std::optional<int64_t> residence_node_id;
  std::optional<std::string> registered_on;
  std::string skills;  // comma-separated
  bool mobile = false;
};

class PartyService {
 public:
  PartyService(store::Db& db, const core::Clock& clock, AuditLog& audit,
               const core::PiiCipher& cipher)
      : db_(db), clock_(clock), audit_(audit), cipher_(cipher) {}

  core::Result<PartyOrg> CreateOrg(const Caller& caller, const NewPartyOrg& org);
  core::Result<PartyOrg> GetOrg(const Caller& caller, int64_t id);
  core::Result<PageOf<PartyOrg>> ListOrgs(const Caller& caller, std::optional<int64_t> within,
                                          const Page& page);

  core::Result<PartyMember> CreateMember(const Caller& caller, const NewPartyMember& member);
  core::Result<PartyMember> GetMember(const Caller& caller, int64_t id);
  core::Result<PageOf<PartyMember>> ListMembers(const Caller& caller,
                                                const PartyMemberFilter& filter);
  // 双报到: the member registers with the community where they live.
  core::Result<PartyMember> RegisterResidence(const Caller& caller, int64_t member_id,
                                              int64_t community_id);

  // Inserts inside an open transaction; node and parent must be in scope.
  core::Result<int64_t> InsertOrg(store::Connection& conn, const Caller& caller,
                                  const NewPartyOrg& org);

  core::Result<PartyMemberRecord> Validate(const NewPartyMember& member, std::string_view at) const;
  core::Result<int64_t> Insert(store::Connection& conn, const Caller& caller,
                               const PartyMemberRecord& record, std::string_view at);

 private:
  core::Result<PartyMember> LoadMember(store::Connection& conn, const Caller& caller, int64_t id);
  core::Result<PartyOrg> LoadOrg(store::Connection& conn, const Caller& caller, int64_t id);

  store::Db& db_;
  const core::Clock& clock_;
  AuditLog& audit_;
  const core::PiiCipher& cipher_;
};

}  // namespace civicgrid::domain
