// Bulk import and export of the registry: residents, party members and units
// from CSV (UTF-8 with or without BOM, or GBK as Excel writes it), grid
// boundaries from GeoJSON, residents out to CSV with masked PII.
//
// An import is all-or-nothing: every row is validated first and every bad row
// is reported with its line number and field; if any row is bad nothing is
// written. Rows then go in one transaction, so a failure half-way (a duplicate
// already in the database, a crash) also leaves nothing behind.
// Thread-safe; each call is independent.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "domain/registry/org_tree.h"
#include "domain/registry/party.h"
#include "domain/registry/residents.h"
#include "domain/registry/units.h"

namespace civicgrid::domain {

struct ImportIssue {
  int64_t line = 0;  // 1-based line in the file (0: the file as a whole)
  std::string field;
  std::string message;
};

struct ImportReport {
  int64_t rows = 0;      // data rows read
  int64_t inserted = 0;  // rows written (0 unless every row was good)
  std::vector<ImportIssue> issues;
  bool ok() const { return issues.empty(); }
};

struct ImportOptions {
  // Stop collecting after this many bad rows (the report says so).
  size_t max_issues = 1000;
  // Called now and then with (rows done, rows total) while writing.
  std::function<void(int64_t, int64_t)> progress;
};

// How the exports read (every Export* below).
struct ExportOptions {
  // The share of the time an export spends reading (store::Pacer): after
  // each page of 500 rows it pauses for as long again at 0.5, so the
  // database work it causes leaves most of the cores to interactive
  // requests; 1 reads without pausing.
  double duty = 0.5;
};

class Importer {
 public:
  Importer(store::Db& db, const core::Clock& clock, AuditLog& audit, ResidentService& residents,
           PartyService& party, UnitService& units, OrgTreeService& tree,
           ExportOptions export_options = {})
      : export_options_(export_options),
        db_(db),
        clock_(clock),
        audit_(audit),
        residents_(residents),
        party_(party),
        units_(units),
        tree_(tree) {}

  // Columns (English or Chinese header): name/姓名, id_number/身份证号,
  // phone/手机号 (optional), building_code/楼栋编码, room/房号,
  // flags/标记 (optional, "elder_alone|disabled").
  core::Result<ImportReport> ImportResidents(const Caller& caller, std::string_view bytes,
                                             const ImportOptions& options = {});
  // Columns: name, id_number, phone, party_org_id, unit_id, residence_code,
  // skills ("维修|医疗"), mobile (0/1).
  core::Result<ImportReport> ImportPartyMembers(const Caller& caller, std::string_view bytes,
                                                const ImportOptions& options = {});
  // Columns: name, kind, node_code, credit_code, address, contact_name,
  // paired_codes ("code|code").
  core::Result<ImportReport> ImportUnits(const Caller& caller, std::string_view bytes,
                                         const ImportOptions& options = {});
  // A FeatureCollection whose features carry properties.code of a grid.
  core::Result<ImportReport> ImportGridBoundaries(const Caller& caller, std::string_view geojson);

  // Residents in scope (or under `within`) as CSV with a BOM for Excel; ID
  // numbers and phones masked.
  core::Result<std::string> ExportResidents(const Caller& caller, std::optional<int64_t> within);
  // Party members in scope (or under `within`), masked, with 双报到 data.
  core::Result<std::string> ExportPartyMembers(const Caller& caller, std::optional<int64_t> within);
  // Units visible to the caller with their pairings ("code|code" of paired nodes).
  core::Result<std::string> ExportUnits(const Caller& caller);

 private:
  // Calls `list` page after page, handing each item to `row`: the one paging
  // loop every export shares, paced by export_options_.duty.
  template <typename Filter, typename List, typename Row>
  core::Status ForEachPage(Filter filter, List list, Row row);

  ExportOptions export_options_;
  store::Db& db_;
  const core::Clock& clock_;
  AuditLog& audit_;
  ResidentService& residents_;
  PartyService& party_;
  UnitService& units_;
  OrgTreeService& tree_;
};

}  // namespace civicgrid::domain
