// The audit list with filters (GET /api/v1/audit): by action, by actor, by
// subject, oldest or newest first. Each filter is an index walk in seq order
// (schema migration 13): the subject drives when given, else the actor, else
// the action; the others are checked per row. Implemented in audit_log.cc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "domain/access/audit_log.h"
#include "store/db.h"

namespace civicgrid::domain {

struct AuditFilter {
  std::optional<std::string> action;  // exact: "pii.reveal"
  std::optional<int64_t> account_id;  // the actor
  std::optional<std::string> subject_type;
  std::optional<int64_t> subject_id;  // with subject_type
  bool descending = false;            // newest first
  int64_t cursor = 0;  // ascending: seq > cursor; descending: seq < cursor (0: from the newest)
  int64_t limit = 50;
};

core::Result<std::vector<AuditEntry>> ListAudit(store::Connection& conn, const AuditFilter& filter);
// The SQL and parameters of ListAudit, for the plan tests.
std::pair<std::string, store::Params> AuditListSql(const AuditFilter& filter);

}  // namespace civicgrid::domain
