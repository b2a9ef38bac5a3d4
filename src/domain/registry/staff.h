// Staff of the grid: grid workers (full-time / part-time, assigned to one or
// more grids), community workers, building chiefs and street chiefs; and the
// staffing report per community against the norm of 18 community workers per
// 10,000 residents. Staff are visible when their node or an assigned grid lies
// in the caller's scope. Thread-safe.
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

enum class StaffKind {
  kGridWorker,       // 网格员: node = community, assigned to grids
  kCommunityWorker,  // 社区工作者: node = community
  kBuildingChief,    // 楼长: node = building
  kStreetChief,      // 路长: node = back street
};
std::string_view StaffKindName(StaffKind kind);
core::Result<StaffKind> ParseStaffKind(std::string_view name, std::string_view field);

enum class Employment { kNone, kFullTime, kPartTime };
std::string_view EmploymentName(Employment e);
core::Result<Employment> ParseEmployment(std::string_view name, std::string_view field);

struct NewStaff {
  StaffKind kind = StaffKind::kGridWorker;
  Employment employment = Employment::kNone;  // required for grid workers
  int64_t node_id = 0;
  std::string name;
  std::optional<std::string> phone;
  std::optional<int64_t> resident_id;
  std::vector<int64_t> grid_ids;  // grid workers: the grids they look after
};

struct Staff {
  int64_t id = 0;
  StaffKind kind = StaffKind::kGridWorker;
  Employment employment = Employment::kNone;
  int64_t node_id = 0;
  std::string name;
  std::optional<std::string> phone_masked;
  std::optional<int64_t> resident_id;
  std::vector<int64_t> grid_ids;
};

struct StaffFilter {
  std::optional<StaffKind> kind;
  std::optional<int64_t> within;
  Page page;
};

// 每万城镇常住人口配备不少于 18 名社区工作者.
inline constexpr int64_t kCommunityWorkersPer10k = 18;

struct StaffingRow {
  int64_t community_id = 0;
  std::string community_code;
  std::string community_name;
  int64_t residents = 0;
  int64_t community_workers = 0;
  int64_t grid_workers_full_time = 0;
  int64_t grid_workers_part_time = 0;
  int64_t grids = 0;
  double workers_per_10k = 0;  // community workers per 10,000 residents
  int64_t required = 0;        // ceil(residents × 18 / 10,000)
  int64_t shortfall = 0;       // max(0, required − community_workers)
};

class StaffService {
 public:
  StaffService(store::Db& db, const core::Clock& clock, AuditLog& audit,
               const core::PiiCipher& cipher)
      : db_(db), clock_(clock), audit_(audit), cipher_(cipher) {}

  core::Result<Staff> Create(const Caller& caller, const NewStaff& staff);
  core::Result<Staff> Get(const Caller& caller, int64_t id);
  core::Result<PageOf<Staff>> List(const Caller& caller, const StaffFilter& filter);
  core::Result<Staff> Assign(const Caller& caller, int64_t staff_id, int64_t grid_id);
  core::Status Unassign(const Caller& caller, int64_t staff_id, int64_t grid_id);
  // One row per community in the subtree of `within` (default: the scope).
  core::Result<std::vector<StaffingRow>> Staffing(const Caller& caller,
                                                  std::optional<int64_t> within);

  core::Result<int64_t> Insert(store::Connection& conn, const Caller& caller, const NewStaff& staff,
                               std::string_view at);

 private:
  core::Result<Staff> Load(store::Connection& conn, const Caller& caller, int64_t id);
  core::Status CheckGrid(store::Connection& conn, const Caller& caller, int64_t community_id,
                         int64_t grid_id, const std::string& field);

  store::Db& db_;
  const core::Clock& clock_;
  AuditLog& audit_;
  const core::PiiCipher& cipher_;
};

}  // namespace civicgrid::domain
