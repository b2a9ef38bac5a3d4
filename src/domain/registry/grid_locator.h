// Point → grid: which grid contains a WGS-84 or GCJ-02 position. Holds an
// immutable core::GridIndex built from the grids' stored boundaries and swaps
// in a new one on Reload() (after boundaries change). Locate() takes a shared
// snapshot under a short lock, so lookups never wait for a reload to finish.
// Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <optional>

#include "core/geo.h"
#include "store/pool.h"

namespace civicgrid::domain {

class GridLocator {
 public:
  explicit GridLocator(store::Db& db) : db_(db), index_(std::make_shared<core::GridIndex>()) {}

  // Rebuilds the index from every grid that has a boundary.
  core::Status Reload();
  // The grid containing the point, if any.
  std::optional<int64_t> Locate(core::LonLat point, core::CoordSys coord_sys) const;
  size_t size() const;

 private:
  std::shared_ptr<const core::GridIndex> Snapshot() const;

  store::Db& db_;
  mutable std::mutex mutex_;
  std::shared_ptr<const core::GridIndex> index_;  // GUARDED_BY(mutex_)
};

}  // namespace civicgrid::domain
