// The audit log: an append-only, hash-chained record of sensitive reads and
// administrative changes (every unmasked PII read lands here). Each entry's
// hash covers its fields and the previous entry's hash, so removing or
// editing any entry breaks the chain from there on; database triggers refuse
// UPDATE and DELETE as a second line. Stateless apart from the clock; safe to
// share between threads (appends serialise in the database).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/time.h"
#include "domain/access/caller.h"
#include "store/db.h"

namespace civicgrid::domain {

struct AuditEntry {
  int64_t seq = 0;
  int64_t at_ms = 0;
  int64_t account_id = 0;
  std::string action;        // "pii.reveal", "org.move", "import.residents" …
  std::string subject_type;  // "resident", "org_node" …
  int64_t subject_id = 0;
  std::string detail;
  std::string request_id;
  std::string prev_hash;
  std::string hash;
};

struct AuditVerifyReport {
  int64_t entries = 0;
  bool ok = true;
  int64_t first_bad_seq = 0;  // 0 when ok
  std::string problem;
};

class AuditLog {
 public:
  explicit AuditLog(const core::Clock& clock) : clock_(clock) {}

  // Appends inside the caller's open write transaction, so the entry commits
  // or rolls back with the change it records.
  core::Status Append(store::Connection& conn, const Caller& caller, std::string_view action,
                      std::string_view subject_type, int64_t subject_id, std::string_view detail);
  core::Result<AuditVerifyReport> Verify(store::Connection& conn) const;
  core::Result<std::vector<AuditEntry>> List(store::Connection& conn, int64_t after_seq,
                                             int64_t limit) const;

  static std::string ComputeHash(const AuditEntry& entry);

 private:
  const core::Clock& clock_;
};

}  // namespace civicgrid::domain
