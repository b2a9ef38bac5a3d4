// The org tree: (province →) (city →) county → street → community → grid →
// building, with compounds and back streets under a community. Each node has
// a unique code (GB/T 2260 for county and above, hierarchical below), a name,
// optional GeoJSON geometry, and a materialised path "/1/7/42/" that makes
// "everything in this subtree" one index range scan — the basis of scoping.
// Thread-safe (state lives in the database).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/geo.h"
#include "core/time.h"
#include "domain/access/audit_log.h"
#include "domain/access/caller.h"
#include "domain/registry/common.h"
#include "store/pool.h"

namespace civicgrid::domain {

enum class OrgKind {
  kProvince,
  kCity,
  kCounty,
  kStreet,
  kCommunity,
  kGrid,
  kBuilding,
  kCompound,
  kBackStreet,
};

std::string_view OrgKindName(OrgKind kind);
core::Result<OrgKind> ParseOrgKind(std::string_view name, std::string_view field);
// Whether a node of `child` kind may sit under a node of `parent` kind.
bool KindAllowedUnder(OrgKind child, std::optional<OrgKind> parent);

struct OrgNode {
  int64_t id = 0;
  std::optional<int64_t> parent_id;
  OrgKind kind = OrgKind::kCounty;
  std::string code;
  std::string name;
  std::string path;
  std::optional<std::string> geometry;  // GeoJSON MultiPolygon, WGS-84
  std::optional<core::LonLat> center;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

struct NewOrgNode {
  std::optional<int64_t> parent_id;  // none: a root (bootstrap only)
  OrgKind kind = OrgKind::kCounty;
  std::string code;
  std::string name;
  std::optional<std::string> geometry;  // GeoJSON Polygon or MultiPolygon
};

struct OrgNodeChange {
  std::optional<std::string> name;
  std::optional<int64_t> parent_id;     // move
  std::optional<std::string> geometry;  // replace boundary
};

struct OrgNodeFilter {
  std::optional<int64_t> parent_id;
  std::optional<OrgKind> kind;
  std::optional<int64_t> within;  // subtree of this node (itself included)
  Page page;
};

// A grid boundary from a GeoJSON import, matched to a node by code.
struct GridBoundary {
  std::string code;
  std::string geometry_json;
  core::LonLat center;
  std::string field;  // "features[3]", for error messages
};

class OrgTreeService {
 public:
  // `on_geometry_change` runs after a commit that changed any grid boundary
  // (the grid locator reloads).
  OrgTreeService(store::Db& db, const core::Clock& clock, AuditLog& audit,
                 std::function<void()> on_geometry_change = {})
      : db_(db), clock_(clock), audit_(audit), on_geometry_change_(std::move(on_geometry_change)) {}

  // Creates a node under a parent in the caller's scope. With no caller,
  // creates a root (bootstrap and demo only).
  core::Result<OrgNode> Create(const Caller* caller, const NewOrgNode& node);
  core::Result<OrgNode> Get(const Caller& caller, int64_t id);
  core::Result<OrgNode> GetByCode(const Caller& caller, std::string_view code);
  core::Result<PageOf<OrgNode>> List(const Caller& caller, const OrgNodeFilter& filter);
  // Rename, move (no cycles, kind rules hold) or replace the geometry.
  core::Result<OrgNode> Update(const Caller& caller, int64_t id, const OrgNodeChange& change);
  // Deletes a node that has no children and nothing registered under it.
  core::Status Delete(const Caller& caller, int64_t id);
  // Sets many grids' boundaries at once: all or nothing.
  core::Result<int64_t> SetBoundaries(const Caller& caller, const std::vector<GridBoundary>& grids);
  // Inserts inside an open transaction, unscoped (bootstrap, demo, import).
  core::Result<OrgNode> InsertNode(store::Connection& conn, const NewOrgNode& node);
  // The nodes from the root down to `id` (for breadcrumbs), unscoped names only.
  core::Result<std::vector<OrgNode>> Lineage(store::Connection& conn, int64_t id);
  // Declares a table of a higher layer whose `path` column copies the path of
  // a row's node (tickets, their rollups): a move rewrites it in the same
  // transaction, in the order the tables were added. Call before serving.
  void AddPathCopy(std::string table) { path_copies_.push_back(std::move(table)); }
  const std::vector<std::string>& path_copies() const { return path_copies_; }
  // Declares work a higher layer does when a subtree moved (columns that copy
  // a node's grid or community, not its path; sums kept per parent): called in
  // the move's transaction, after the paths were rewritten. Call before serving.
  struct SubtreeMove {
    PathRange moved;       // the moved subtree's new range
    std::string old_path;  // the moved node's path before and after
    std::string new_path;
  };
  using MoveHook = std::function<core::Status(store::Connection&, const SubtreeMove& move)>;
  void AddMoveHook(MoveHook hook) { move_hooks_.push_back(std::move(hook)); }
  // Runs after a commit that moved a node (paths changed): caches of scope
  // paths (the sessions') forget them. Call before serving.
  void SetOnMove(std::function<void()> on_move) { on_move_ = std::move(on_move); }

 private:
  core::Result<OrgNode> Load(store::Connection& conn, const Caller* caller, int64_t id);
  core::Result<OrgNode> Insert(store::Connection& conn, const NewOrgNode& node,
                               const std::optional<OrgNode>& parent);
  core::Status Move(store::Connection& conn, const Caller& caller, const OrgNode& node,
                    int64_t new_parent_id);

  store::Db& db_;
  const core::Clock& clock_;
  AuditLog& audit_;
  std::function<void()> on_geometry_change_;
  std::vector<std::string> path_copies_;
  std::vector<MoveHook> move_hooks_;
  std::function<void()> on_move_;
};

// Validates a node code for its kind: six GB/T 2260 digits at county level and
// above (province xx0000, city xxxx00); below, the parent's code followed by
// at least one more character from [0-9A-Za-z-].
core::Status ValidateCode(OrgKind kind, std::string_view code,
                          const std::optional<std::string>& parent_code);

}  // namespace civicgrid::domain
