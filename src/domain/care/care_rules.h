// The per-reading work of a batch, without the database: checking one row
// and applying a reading to its meter's O(1) detection state. Ingest and
// bench/care_ingest_bench.cc share it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "domain/care/care_service.h"

namespace civicgrid::domain {

// A meter's detection state (one care_meter row).
struct MeterState {
  int64_t id = 0;
  int64_t subject_id = 0;
  bool water = false;
  bool power = false;
  double floor = 0;
  double standby_kw = 0;           // power: energy above this load counts as use
  bool for_silence = true;         // its use moves the subject's last use
  std::optional<int64_t> last_at;  // the newest reading
  double last_value = 0;
  double mark_value = 0;  // the register at the last counted use
  std::optional<int64_t> last_use_at;
  std::optional<int64_t> flow_since;  // start of the current run of rising readings (water)
  int64_t added = 0;                  // readings stored in this batch
};

struct CheckedReading {
  int64_t at = 0;
  double value = 0;
};

// The register value of a row ("12.5", surrounding spaces allowed); nullopt
// unless a finite number.
std::optional<double> ParseReadingValue(std::string_view text);

// Checks a row's meter id, time and value (not whether the meter exists);
// on success fills `out`, else returns the problem (row left 0, field named).
std::optional<RowProblem> CheckReading(const ReadingRow& row, int64_t now_ms,
                                       const CareOptions& options, CheckedReading& out);

// Sets a meter's rule settings: its kind, floor, standby load (power; the
// options' default when absent) and whether its use counts for silence.
void SetMeterKind(MeterState& state, std::string_view kind, double floor,
                  std::optional<double> standby_w, bool for_silence, const CareOptions& options);

// Applies a reading to its meter's state: a reading not newer than the last
// is ignored (the register is cumulative: the later value already holds its
// use); use at or above the floor since the mark moves last_use_at (a power
// meter: the energy above its standby load over the interval, not
// accumulated, so a fridge never adds up to use); a water
// meter rising on consecutive readings (gap ≤ flow_max_gap_ms) extends a run
// of flow. O(1).
void ApplyReading(MeterState& state, const CheckedReading& reading, const CareOptions& options);

}  // namespace civicgrid::domain
