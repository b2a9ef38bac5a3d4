// Units in the area (government bodies, enterprises, property companies,
// social organisations) and their pairings (包联) with communities, compounds
// and back streets. A unit is visible to a caller whose scope holds the unit's
// own node or any node it is paired with; a unit admin sees only their unit.
// Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "domain/access/audit_log.h"
#include "domain/access/caller.h"
#include "domain/registry/common.h"
#include "store/pool.h"

namespace civicgrid::domain {

enum class UnitKind {
  kGovernment,          // 机关
  kPublicInstitution,   // 事业单位
  kEnterprise,          // 企业
  kPropertyCompany,     // 物业公司
  kSocialOrganisation,  // 社会组织
};
std::string_view UnitKindName(UnitKind kind);
core::Result<UnitKind> ParseUnitKind(std::string_view name, std::string_view field);
// 统一社会信用代码 (GB 32100-2015): 18 characters with a mod-31 check character.
core::Status ValidateCreditCode(std::string_view code, std::string_view field);

struct UnitPairing {
  int64_t id = 0;
  int64_t node_id = 0;
  std::string node_name;
  std::string node_kind;
  std::string since;
};

struct Unit {
  int64_t id = 0;
  int64_t node_id = 0;
  UnitKind kind = UnitKind::kEnterprise;
  std::string name;
  std::optional<std::string> credit_code;
  std::string address;
  std::string contact_name;
  std::vector<UnitPairing> pairings;
};

struct NewUnit {
  int64_t node_id = 0;  // where the unit sits (county, street…)
  UnitKind kind = UnitKind::kEnterprise;
  std::string name;
  std::optional<std::string> credit_code;
  std::string address;
  std::string contact_name;
};

struct UnitFilter {
  std::optional<int64_t> paired_with;  // units paired with this node
  Page page;
};

class UnitService {
 public:
  UnitService(store::Db& db, const core::Clock& clock, AuditLog& audit)
      : db_(db), clock_(clock), audit_(audit) {}

  core::Result<Unit> Create(const Caller& caller, const NewUnit& unit);
  core::Result<Unit> Get(const Caller& caller, int64_t id);
  core::Result<PageOf<Unit>> List(const Caller& caller, const UnitFilter& filter);
  // Pairs a unit with a community, compound or back street (包联).
  core::Result<Unit> Pair(const Caller& caller, int64_t unit_id, int64_t node_id,
                          std::optional<std::string> since);
  core::Status Unpair(const Caller& caller, int64_t unit_id, int64_t node_id);

  core::Result<int64_t> Insert(store::Connection& conn, const Caller& caller, const NewUnit& unit,
                               std::string_view at);

 private:
  core::Result<Unit> Load(store::Connection& conn, const Caller& caller, int64_t id);

  store::Db& db_;
  const core::Clock& clock_;
  AuditLog& audit_;
};

}  // namespace civicgrid::domain
