// The care drop folder (issue 11 §2): utilities export meter readings as
// files into a directory; `civicgrid serve --care-drop-dir DIR` picks up
// every *.csv ("meter,at,value", header optional) and *.json ({"readings":
// [...]}, as POST /api/v1/care/readings) file there, ingests it with the same
// code as HTTP (CareService, as the system over the whole county), and moves
// it to DIR/done/ (with NAME.report.csv listing the refused rows, if any) or
// DIR/failed/ (unreadable, or not one row could be taken; with the report).
//
// Each file is taken once: its SHA-256 digest is recorded in the transaction
// that stores its readings (care_drop_file), so a file found again — the
// process died after the commit and before the move, or the utility sent the
// same export twice — stores nothing and moves to done/ with a note. Names
// starting with '.' or ending in ".tmp" are skipped (write, then rename in).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/error.h"
#include "domain/care/care_service.h"

namespace civicgrid::app {

struct DropScan {
  int64_t files = 0;  // taken this scan (done or failed)
  int64_t done = 0;
  int64_t failed = 0;
  int64_t repeated = 0;  // already ingested: moved to done/, nothing stored
  int64_t stored = 0;    // readings
  int64_t rejected = 0;  // rows
};

class CareDropFolder {
 public:
  CareDropFolder(domain::CareService& care, std::filesystem::path dir);
  // Creates DIR, DIR/done and DIR/failed when missing.
  core::Status Prepare();
  // Takes every waiting file, oldest name first.
  core::Result<DropScan> ScanOnce();

 private:
  core::Status Take(const std::filesystem::path& file, DropScan& scan);

  domain::CareService& care_;
  std::filesystem::path dir_;
  domain::Caller system_;
};

}  // namespace civicgrid::app
