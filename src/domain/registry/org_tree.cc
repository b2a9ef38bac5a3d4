#include "domain/registry/org_tree.h"

#include <array>

namespace civicgrid::domain {
namespace {

using core::Error;

struct KindInfo {
  OrgKind kind;
  std::string_view name;
};
constexpr std::array<KindInfo, 9> kKinds = {{
    {OrgKind::kProvince, "province"},
    {OrgKind::kCity, "city"},
    {OrgKind::kCounty, "county"},
    {OrgKind::kStreet, "street"},
    {OrgKind::kCommunity, "community"},
    {OrgKind::kGrid, "grid"},
    {OrgKind::kBuilding, "building"},
    {OrgKind::kCompound, "compound"},
    {OrgKind::kBackStreet, "back_street"},
}};

constexpr std::string_view kColumns =
    "id, parent_id, kind, code, name, path, geometry, center_lon, center_lat, created_at, "
    "updated_at";

OrgNode FromRow(const store::Row& row) {
  OrgNode n;
  n.id = row.Int(0);
  n.parent_id = row.OptInt(1);
  n.kind = ParseOrgKind(row.Text(2), "kind").value();
  n.code = row.Text(3);
  n.name = row.Text(4);
  n.path = row.Text(5);
  n.geometry = row.OptText(6);
  if (!row.IsNull(7)) n.center = core::LonLat{row.Real(7), row.Real(8)};
  n.created_at_ms = row.Int(9);
  n.updated_at_ms = row.Int(10);
  return n;
}

int64_t IdOf(const OrgNode& n) { return n.id; }

Error NodeNotFound() { return Error::NotFound("组织节点不存在"); }

bool IsDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

// Parses and normalises a boundary; returns (stored JSON, centre).
core::Result<std::pair<std::string, core::LonLat>> NormaliseGeometry(const std::string& json) {
  auto parsed = core::ParseGeometryText(json);
  if (!parsed.ok()) {
    Error e = std::move(parsed).error();
    e.field = e.field == "body" || e.field.empty() ? "geometry" : "geometry." + e.field;
    return e;
  }
  return std::make_pair(core::GeometryToGeoJson(*parsed), core::Centroid(*parsed));
}

}  // namespace

std::string_view OrgKindName(OrgKind kind) {
  for (const auto& k : kKinds) {
    if (k.kind == kind) return k.name;
  }
  return "county";
}

core::Result<OrgKind> ParseOrgKind(std::string_view name, std::string_view field) {
  for (const auto& k : kKinds) {
    if (k.name == name) return k.kind;
  }
  return Error::Invalid(std::string(field), "未知节点类型: " + std::string(name));
}

bool KindAllowedUnder(OrgKind child, std::optional<OrgKind> parent) {
  using K = OrgKind;
  if (!parent) return child == K::kProvince || child == K::kCity || child == K::kCounty;
  switch (child) {
    case K::kProvince:
      return false;
    case K::kCity:
      return parent == K::kProvince;
    case K::kCounty:
      return parent == K::kCity || parent == K::kProvince;
    case K::kStreet:
      return parent == K::kCounty;
    case K::kCommunity:
      return parent == K::kStreet;
    case K::kGrid:
    case K::kCompound:
    case K::kBackStreet:
      return parent == K::kCommunity;
    case K::kBuilding:
      return parent == K::kGrid;
  }
  return false;
}

core::Status ValidateCode(OrgKind kind, std::string_view code,
                          const std::optional<std::string>& parent_code) {
  bool division = kind == OrgKind::kProvince || kind == OrgKind::kCity || kind == OrgKind::kCounty;
  if (division) {
    if (code.size() != 6 || !IsDigits(code) || code.substr(0, 2) == "00") {
      return Error::Invalid("code", "省、市、县级节点代码应为 6 位 GB/T 2260 行政区划代码");
    }
    if (kind == OrgKind::kProvince && code.substr(2) != "0000") {
      return Error::Invalid("code", "省级代码应以 0000 结尾");
    }
    if (kind == OrgKind::kCity && (code.substr(4) != "00" || code.substr(2, 2) == "00")) {
      return Error::Invalid("code", "市级代码应以 00 结尾");
    }
    if (parent_code) {
      size_t keep = parent_code->substr(2) == "0000" ? 2 : 4;
      if (code.substr(0, keep) != parent_code->substr(0, keep)) {
        return Error::Invalid("code", "行政区划代码与上级不符");
      }
    }
    return core::Ok();
  }
  if (code.size() > 40) return Error::Invalid("code", "节点代码过长（最多 40 个字符）");
  for (char c : code) {
    bool ok =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
    if (!ok) return Error::Invalid("code", "节点代码只能包含字母、数字和 -");
  }
  if (!parent_code || code.size() <= parent_code->size() ||
      code.substr(0, parent_code->size()) != *parent_code) {
    return Error::Invalid("code", "节点代码应以上级代码开头并更长（层级编码）");
  }
  return core::Ok();
}

core::Result<OrgNode> OrgTreeService::Load(store::Connection& conn, const Caller* caller,
                                           int64_t id) {
  store::Rows rows;
  if (caller == nullptr) {
    CG_ASSIGN_OR_RETURN(
        rows, conn.Query("SELECT " + std::string(kColumns) + " FROM org_node WHERE id = $1", {id}));
  } else {
    PathRange scope = caller->Scope();
    CG_ASSIGN_OR_RETURN(rows, conn.Query("SELECT " + std::string(kColumns) +
                                             " FROM org_node WHERE id = $1 AND path >= $2 AND "
                                             "path < $3",
                                         {id, scope.lo, scope.hi}));
  }
  if (rows.empty()) return NodeNotFound();
  return FromRow(rows[0]);
}

core::Result<OrgNode> OrgTreeService::Insert(store::Connection& conn, const NewOrgNode& node,
                                             const std::optional<OrgNode>& parent) {
  std::optional<OrgKind> parent_kind;
  std::optional<std::string> parent_code;
  if (parent) parent_kind = parent->kind, parent_code = parent->code;
  if (!KindAllowedUnder(node.kind, parent_kind)) {
    return Error::Invalid("kind", std::string(OrgKindName(node.kind)) + " 不能位于 " +
                                      (parent ? std::string(OrgKindName(parent->kind)) : "根") +
                                      " 之下");
  }
  CG_TRY(ValidateCode(node.kind, node.code, parent_code));
  CG_ASSIGN_OR_RETURN(std::string name, CleanName(node.name, "name"));
  std::optional<std::string> geometry;
  std::optional<double> lon, lat;
  if (node.geometry) {
    CG_ASSIGN_OR_RETURN(auto g, NormaliseGeometry(*node.geometry));
    geometry = g.first;
    lon = g.second.lon;
    lat = g.second.lat;
  }
  int64_t now = clock_.NowMs();
  auto id = conn.QueryInt(
      "INSERT INTO org_node (parent_id, kind, code, name, path, geometry, center_lon, center_lat, "
      "created_at, updated_at) VALUES ($1, $2, $3, $4, '', $5, $6, $7, $8, $8) RETURNING id",
      {parent ? store::Value(parent->id) : store::Value(), OrgKindName(node.kind), node.code, name,
       geometry, lon, lat, now});
  if (!id.ok() && id.error().code == core::ErrorCode::kConflict) {
    return Error::Conflict("节点代码已存在: " + node.code, "code");
  }
  CG_TRY(id);
  std::string path = (parent ? parent->path : "/") + std::to_string(*id) + "/";
  CG_ASSIGN_OR_RETURN(auto n,
                      conn.Execute("UPDATE org_node SET path = $1 WHERE id = $2", {path, *id}));
  (void)n;
  return Load(conn, nullptr, *id);
}

core::Result<OrgNode> OrgTreeService::Create(const Caller* caller, const NewOrgNode& node) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  std::optional<OrgNode> parent;
  if (caller != nullptr) {
    CG_TRY(caller->Require(Permission::kOrgWrite));
    if (!node.parent_id) return Error::Invalid("parent_id", "请指定上级节点");
    auto p = Load(*conn, caller, *node.parent_id);
    if (!p.ok()) return Error::Invalid("parent_id", "上级节点不存在");
    parent = std::move(p).value();
  } else if (node.parent_id) {
    CG_ASSIGN_OR_RETURN(parent, Load(*conn, nullptr, *node.parent_id));
  }
  CG_ASSIGN_OR_RETURN(OrgNode created, Insert(*conn, node, parent));
  if (caller != nullptr) {
    CG_TRY(audit_.Append(*conn, *caller, "org.create", "org_node", created.id, created.code));
  }
  CG_TRY(tx.Commit());
  if (created.geometry && created.kind == OrgKind::kGrid && on_geometry_change_) {
    on_geometry_change_();
  }
  return created;
}

core::Result<OrgNode> OrgTreeService::InsertNode(store::Connection& conn, const NewOrgNode& node) {
  std::optional<OrgNode> parent;
  if (node.parent_id) {
    CG_ASSIGN_OR_RETURN(parent, Load(conn, nullptr, *node.parent_id));
  }
  return Insert(conn, node, parent);
}

core::Result<OrgNode> OrgTreeService::Get(const Caller& caller, int64_t id) {
  CG_TRY(caller.Require(Permission::kOrgRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  return Load(*conn, &caller, id);
}

core::Result<OrgNode> OrgTreeService::GetByCode(const Caller& caller, std::string_view code) {
  CG_TRY(caller.Require(Permission::kOrgRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  PathRange scope = caller.Scope();
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query("SELECT " + std::string(kColumns) +
                                      " FROM org_node WHERE code = $1 AND path >= $2 AND path < $3",
                                  {code, scope.lo, scope.hi}));
  if (rows.empty()) return NodeNotFound();
  return FromRow(rows[0]);
}

core::Result<PageOf<OrgNode>> OrgTreeService::List(const Caller& caller,
                                                   const OrgNodeFilter& filter) {
  CG_TRY(caller.Require(Permission::kOrgRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  PathRange range = caller.Scope();
  if (filter.within) {
    auto base = Load(*conn, &caller, *filter.within);
    if (!base.ok()) return NodeNotFound();
    range = SubtreeRange(base->path);
  }
  // Optional filters are bound as NULL and switched off in SQL, so one
  // prepared statement serves every combination.
  std::optional<std::string> kind;
  if (filter.kind) kind = std::string(OrgKindName(*filter.kind));
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query(
          "SELECT " + std::string(kColumns) +
              " FROM org_node WHERE path >= $1 AND path < $2 AND id > $3 AND "
              "(CAST($4 AS BIGINT) IS NULL OR parent_id = $4) AND (CAST($5 AS TEXT) IS NULL OR "
              "kind = $5) "
              "ORDER BY id LIMIT $6",
          {range.lo, range.hi, filter.page.after, filter.parent_id, kind, filter.page.limit}));
  std::vector<OrgNode> nodes;
  nodes.reserve(rows.size());
  for (const auto& row : rows) nodes.push_back(FromRow(row));
  return FinishPage(std::move(nodes), filter.page, &IdOf);
}

core::Status OrgTreeService::Move(store::Connection& conn, const Caller& caller,
                                  const OrgNode& node, int64_t new_parent_id) {
  if (node.id == caller.scope_node_id) {
    return Error::Forbidden("不能移动自己的管辖范围节点");
  }
  auto parent = Load(conn, &caller, new_parent_id);
  if (!parent.ok()) return Error::Invalid("parent_id", "目标上级节点不存在");
  if (parent->path.rfind(node.path, 0) == 0) {
    return Error::Invalid("parent_id", "不能把节点移动到它自己或其下级之下");
  }
  if (!KindAllowedUnder(node.kind, parent->kind)) {
    return Error::Invalid("parent_id", std::string(OrgKindName(node.kind)) + " 不能位于 " +
                                           std::string(OrgKindName(parent->kind)) + " 之下");
  }
  std::string new_path = parent->path + std::to_string(node.id) + "/";
  PathRange subtree = SubtreeRange(node.path);
  const auto prefix_len = static_cast<int64_t>(node.path.size() + 1);
  CG_TRY(
      conn.Execute("UPDATE org_node SET path = CAST($1 AS TEXT) || substr(path, "
                   "CAST($2 AS INTEGER)), updated_at = $3 WHERE path >= $4 AND path < $5",
                   {new_path, prefix_len, clock_.NowMs(), subtree.lo, subtree.hi}));
  for (const std::string& table : path_copies_) {
    CG_TRY(conn.Execute("UPDATE " + table +
                            " SET path = CAST($1 AS TEXT) || substr(path, CAST($2 AS INTEGER)) "
                            "WHERE path >= $3 AND path < $4",
                        {new_path, prefix_len, subtree.lo, subtree.hi}));
  }
  CG_ASSIGN_OR_RETURN(auto n, conn.Execute("UPDATE org_node SET parent_id = $1 WHERE id = $2",
                                           {parent->id, node.id}));
  (void)n;
  // Residents keep their building's grid, community, street and county in scope columns
  // (schema migration 11): writing node_id onto itself makes the trigger recompute them for
  // the moved subtree.
  PathRange moved = SubtreeRange(new_path);
  CG_TRY(
      conn.Execute("UPDATE resident SET node_id = node_id WHERE node_id IN (SELECT id FROM "
                   "org_node WHERE path >= $1 AND path < $2)",
                   {moved.lo, moved.hi}));
  const SubtreeMove move{moved, node.path, new_path};
  for (const MoveHook& hook : move_hooks_) CG_TRY(hook(conn, move));
  return audit_.Append(conn, caller, "org.move", "org_node", node.id,
                       node.path + " -> " + new_path);
}

core::Result<OrgNode> OrgTreeService::Update(const Caller& caller, int64_t id,
                                             const OrgNodeChange& change) {
  CG_TRY(caller.Require(Permission::kOrgWrite));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(OrgNode node, Load(*conn, &caller, id));
  int64_t now = clock_.NowMs();
  if (change.name) {
    CG_ASSIGN_OR_RETURN(std::string name, CleanName(*change.name, "name"));
    CG_ASSIGN_OR_RETURN(auto n, conn->Execute("UPDATE org_node SET name = $1, updated_at = $2 "
                                              "WHERE id = $3",
                                              {name, now, id}));
    (void)n;
    CG_TRY(audit_.Append(*conn, caller, "org.rename", "org_node", id, node.name + " -> " + name));
  }
  if (change.geometry) {
    CG_ASSIGN_OR_RETURN(auto g, NormaliseGeometry(*change.geometry));
    CG_ASSIGN_OR_RETURN(auto n, conn->Execute("UPDATE org_node SET geometry = $1, center_lon = $2, "
                                              "center_lat = $3, updated_at = $4 WHERE id = $5",
                                              {g.first, g.second.lon, g.second.lat, now, id}));
    (void)n;
    CG_TRY(audit_.Append(*conn, caller, "org.geometry", "org_node", id, ""));
  }
  if (change.parent_id && change.parent_id != node.parent_id) {
    CG_TRY(Move(*conn, caller, node, *change.parent_id));
  }
  CG_ASSIGN_OR_RETURN(OrgNode updated, Load(*conn, nullptr, id));
  CG_TRY(tx.Commit());
  if (change.geometry && node.kind == OrgKind::kGrid && on_geometry_change_) on_geometry_change_();
  if (updated.path != node.path && on_move_) on_move_();
  return updated;
}

core::Status OrgTreeService::Delete(const Caller& caller, int64_t id) {
  CG_TRY(caller.Require(Permission::kOrgWrite));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(OrgNode node, Load(*conn, &caller, id));
  if (node.id == caller.scope_node_id) return Error::Forbidden("不能删除自己的管辖范围节点");
  CG_ASSIGN_OR_RETURN(int64_t children,
                      conn->QueryInt("SELECT COUNT(*) FROM org_node WHERE parent_id = $1", {id}));
  if (children > 0) return Error::Conflict("节点下仍有下级节点，不能删除");
  auto deleted = conn->Execute("DELETE FROM org_node WHERE id = $1", {id});
  if (!deleted.ok() && deleted.error().code == core::ErrorCode::kConflict) {
    return Error::Conflict("节点下仍登记有居民、单位、党组织或账号，不能删除");
  }
  CG_TRY(deleted);
  CG_TRY(audit_.Append(*conn, caller, "org.delete", "org_node", id, node.code));
  CG_TRY(tx.Commit());
  if (node.geometry && node.kind == OrgKind::kGrid && on_geometry_change_) on_geometry_change_();
  return core::Ok();
}

core::Result<int64_t> OrgTreeService::SetBoundaries(const Caller& caller,
                                                    const std::vector<GridBoundary>& grids) {
  CG_TRY(caller.Require(Permission::kOrgWrite));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  PathRange scope = caller.Scope();
  int64_t now = clock_.NowMs();
  for (const GridBoundary& g : grids) {
    CG_ASSIGN_OR_RETURN(
        int64_t n, conn->Execute("UPDATE org_node SET geometry = $1, center_lon = $2, center_lat = "
                                 "$3, updated_at = $4 WHERE code = $5 AND kind = 'grid' AND path "
                                 ">= $6 AND path < $7",
                                 {g.geometry_json, g.center.lon, g.center.lat, now, g.code,
                                  scope.lo, scope.hi}));
    if (n != 1) {
      return Error::Invalid(g.field + ".properties.code", "找不到代码为 " + g.code + " 的网格");
    }
  }
  CG_TRY(audit_.Append(*conn, caller, "org.import_boundaries", "org_node", 0,
                       std::to_string(grids.size()) + " grids"));
  CG_TRY(tx.Commit());
  if (on_geometry_change_) on_geometry_change_();
  return static_cast<int64_t>(grids.size());
}

core::Result<std::vector<OrgNode>> OrgTreeService::Lineage(store::Connection& conn, int64_t id) {
  CG_ASSIGN_OR_RETURN(OrgNode node, Load(conn, nullptr, id));
  std::vector<OrgNode> out;
  size_t start = 1;
  while (start < node.path.size()) {
    size_t end = node.path.find('/', start);
    int64_t ancestor = std::stoll(node.path.substr(start, end - start));
    CG_ASSIGN_OR_RETURN(OrgNode a, Load(conn, nullptr, ancestor));
    out.push_back(std::move(a));
    start = end + 1;
  }
  return out;
}

}  // namespace civicgrid::domain
