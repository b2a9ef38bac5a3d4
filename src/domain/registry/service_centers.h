// Party-and-people service centres (党群服务中心): where they are, how large,
// what they offer. One per community in 固安, each at least 500 m². The
// 15-minute coverage analysis builds on these. Scoped by the centre's node.
// Thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/geo.h"
#include "core/time.h"
#include "domain/access/audit_log.h"
#include "domain/access/caller.h"
#include "domain/registry/common.h"
#include "store/pool.h"

namespace civicgrid::domain {

struct ServiceCenter {
  int64_t id = 0;
  int64_t node_id = 0;
  std::string name;
  int64_t floor_area_m2 = 0;
  core::LonLat location;
  std::vector<std::string> facilities;
};

struct NewServiceCenter {
  int64_t node_id = 0;
  std::string name;
  int64_t floor_area_m2 = 0;
  core::LonLat location;  // WGS-84
  std::vector<std::string> facilities;
};

class ServiceCenterService {
 public:
  ServiceCenterService(store::Db& db, const core::Clock& clock, AuditLog& audit)
      : db_(db), clock_(clock), audit_(audit) {}

  core::Result<ServiceCenter> Create(const Caller& caller, const NewServiceCenter& center);
  core::Result<PageOf<ServiceCenter>> List(const Caller& caller, std::optional<int64_t> within,
                                           const Page& page);
  core::Result<int64_t> Insert(store::Connection& conn, const Caller& caller,
                               const NewServiceCenter& center);

 private:
  store::Db& db_;
  const core::Clock& clock_;
  AuditLog& audit_;
};

}  // namespace civicgrid::domain
