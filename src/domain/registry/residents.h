// Residents and their households. A resident lives in a household (a room of
// a building); ID numbers and phones are sealed (encrypted, hashed for
// lookup, masked for display) before they reach the database, and revealing
// them is a separate, audited call. Every read is confined to the caller's
// subtree in SQL. Thread-safe.
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

// Care flags on a resident, stored as a bit set.
enum class ResidentFlag : int64_t {
  kElderAlone = 1,        // 独居老人
  kDisabled = 2,          // 残疾人
  kLowIncome = 4,         // 低保/低收入
  kVeteran = 8,           // 退役军人/优抚对象
  kLeftBehindChild = 16,  // 留守儿童
  kSeriouslyIll = 32,     // 重病
};
// "elder_alone,disabled" ⇄ bits. Unknown names are invalid (field `field`).
core::Result<int64_t> ParseResidentFlags(const std::vector<std::string>& names,
                                         std::string_view field);
std::vector<std::string> ResidentFlagNames(int64_t flags);

struct NewResident {
  int64_t building_id = 0;
  std::string room;  // household within the building, e.g. "2-301"
  std::string name;
  std::string id_number;
  std::optional<std::string> phone;
  int64_t flags = 0;
};

struct Resident {
  int64_t id = 0;
  int64_t node_id = 0;  // the building
  std::optional<int64_t> household_id;
  std::string room;
  std::string name;
  std::string sex;  // "M" / "F", from the ID number
  std::string birth_date;
  std::string id_number_masked;
  std::optional<std::string> phone_masked;
  int64_t flags = 0;
  int64_t created_at_ms = 0;
};

struct RevealedPii {
  std::string id_number;
  std::optional<std::string> phone;
};

struct ResidentFilter {
  std::optional<int64_t> within;         // subtree of this node
  std::optional<int64_t> flag;           // residents with this flag bit
  std::optional<std::string> id_number;  // exact match through the lookup hash
  std::optional<std::string> phone;      // exact match through the lookup hash
  Page page;
};

// A validated resident ready to insert; used by Create and by CSV import.
struct ResidentRecord {
  int64_t building_id = 0;
  std::string room;
  std::string name;
  std::string sex;
  std::string birth_date;
  SealedPii id_number;
  std::optional<SealedPii> phone;
  int64_t flags = 0;
};

class ResidentService {
 public:
  ResidentService(store::Db& db, const core::Clock& clock, AuditLog& audit,
                  const core::PiiCipher& cipher)
      : db_(db), clock_(clock), audit_(audit), cipher_(cipher) {}

  core::Result<Resident> Create(const Caller& caller, const NewResident& resident);
  core::Result<Resident> Get(const Caller& caller, int64_t id);
  core::Result<PageOf<Resident>> List(const Caller& caller, const ResidentFilter& filter);
  // The unmasked ID number and phone; needs kPiiReveal; written to the audit log.
  // `reason` (why the person is looked up, at most 200 characters) is kept in the audit entry.
  core::Result<RevealedPii> Reveal(const Caller& caller, int64_t id, std::string_view reason = {});
  // Moves a resident to another household (building + room) within scope.
  core::Result<Resident> Relocate(const Caller& caller, int64_t id, int64_t building_id,
                                  std::string_view room);
  core::Status Delete(const Caller& caller, int64_t id);

  // Validation without touching the database (field names prefixed by `at`).
  core::Result<ResidentRecord> Validate(const NewResident& resident, std::string_view at) const;
  // Inserts inside an open transaction: the building must be in scope.
  core::Result<int64_t> Insert(store::Connection& conn, const Caller& caller,
                               const ResidentRecord& record, std::string_view at);
  // The household for (building, room), created when absent. The caller has
  // checked the building is in scope.
  core::Result<int64_t> Household(store::Connection& conn, int64_t building_id,
                                  const std::string& room);
  // Inserts a validated record into a known household (bulk import path).
  core::Result<int64_t> InsertRow(store::Connection& conn, const ResidentRecord& record,
                                  int64_t household_id, std::string_view at);

 private:
  core::Result<Resident> Load(store::Connection& conn, const Caller& caller, int64_t id);
  // The household for (building, room) once the building is checked to be a
  // building in the caller's scope (else invalid on `field`).
  core::Result<int64_t> HouseholdInScope(store::Connection& conn, const Caller& caller,
                                         int64_t building_id, const std::string& room,
                                         const std::string& field);

  store::Db& db_;
  const core::Clock& clock_;
  AuditLog& audit_;
  const core::PiiCipher& cipher_;
};

}  // namespace civicgrid::domain
