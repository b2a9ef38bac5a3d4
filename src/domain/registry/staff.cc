#include "domain/registry/staff.h"

#include <array>
#include <map>

#include "core/pii.h"

namespace civicgrid::domain {
namespace {

using core::Error;

constexpr std::array<std::pair<StaffKind, std::string_view>, 4> kKinds = {{
    {StaffKind::kGridWorker, "grid_worker"},
    {StaffKind::kCommunityWorker, "community_worker"},
    {StaffKind::kBuildingChief, "building_chief"},
    {StaffKind::kStreetChief, "street_chief"},
}};

constexpr std::string_view kSelect =
    "SELECT s.id, s.kind, s.employment, s.node_id, s.name, s.phone_masked, s.resident_id FROM "
    "staff s JOIN org_node n ON n.id = s.node_id ";
constexpr std::string_view kVisible =
    "((n.path >= $1 AND n.path < $2) OR EXISTS (SELECT 1 FROM grid_assignment a JOIN org_node g "
    "ON g.id = a.grid_id WHERE a.staff_id = s.id AND g.path >= $1 AND g.path < $2)) ";

std::string_view RequiredNodeKind(StaffKind kind) {
  switch (kind) {
    case StaffKind::kGridWorker:
    case StaffKind::kCommunityWorker:
      return "community";
    case StaffKind::kBuildingChief:
      return "building";
    case StaffKind::kStreetChief:
      return "back_street";
  }
  return "community";
}

Staff FromRow(const store::Row& row) {
  Staff s;
  s.id = row.Int(0);
  s.kind = ParseStaffKind(row.Text(1), "kind").value();
  s.employment =
      row.Text(2).empty() ? Employment::kNone : ParseEmployment(row.Text(2), "employment").value();
  s.node_id = row.Int(3);
  s.name = row.Text(4);
  s.phone_masked = row.OptText(5);
  s.resident_id = row.OptInt(6);
  return s;
}

int64_t IdOf(const Staff& s) { return s.id; }

core::Status LoadGrids(store::Connection& conn, Staff& staff) {
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn.Query("SELECT grid_id FROM grid_assignment WHERE "
                                                   "staff_id = $1 ORDER BY grid_id",
                                                   {staff.id}));
  for (const auto& r : rows) staff.grid_ids.push_back(r.Int(0));
  return core::Ok();
}

}  // namespace

std::string_view StaffKindName(StaffKind kind) {
  for (const auto& [k, n] : kKinds) {
    if (k == kind) return n;
  }
  return "grid_worker";
}

core::Result<StaffKind> ParseStaffKind(std::string_view name, std::string_view field) {
  for (const auto& [k, n] : kKinds) {
    if (n == name) return k;
  }
  return Error::Invalid(std::string(field), "未知的人员类型: " + std::string(name));
}

std::string_view EmploymentName(Employment e) {
  switch (e) {
    case Employment::kFullTime:
      return "full_time";
    case Employment::kPartTime:
      return "part_time";
    case Employment::kNone:
      return "";
  }
  return "";
}

core::Result<Employment> ParseEmployment(std::string_view name, std::string_view field) {
  if (name == "full_time") return Employment::kFullTime;
  if (name == "part_time") return Employment::kPartTime;
  return Error::Invalid(std::string(field), "用工类型应为 full_time 或 part_time");
}

core::Status StaffService::CheckGrid(store::Connection& conn, const Caller& caller,
                                     int64_t community_id, int64_t grid_id,
                                     const std::string& field) {
  PathRange scope = caller.Scope();
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query("SELECT kind, parent_id FROM org_node WHERE id = $1 AND path >= "
                                 "$2 AND path < $3",
                                 {grid_id, scope.lo, scope.hi}));
  if (rows.empty() || rows[0].Text(0) != "grid") {
    return Error::Invalid(field, "网格不存在或不在管辖范围内");
  }
  if (rows[0].Int(1) != community_id) return Error::Invalid(field, "网格不属于该网格员所在社区");
  return core::Ok();
}

core::Result<int64_t> StaffService::Insert(store::Connection& conn, const Caller& caller,
                                           const NewStaff& s, std::string_view at) {
  auto field = [&](std::string_view name) {
    return at.empty() ? std::string(name) : std::string(at) + "." + std::string(name);
  };
  CG_ASSIGN_OR_RETURN(std::string name, CleanName(s.name, field("name"), 60));
  if (s.kind == StaffKind::kGridWorker && s.employment == Employment::kNone) {
    return Error::Invalid(field("employment"), "网格员需注明专职（full_time）或兼职（part_time）");
  }
  std::optional<SealedPii> phone;
  if (s.phone && !s.phone->empty()) {
    std::string normalized = core::NormalizePhone(*s.phone);
    CG_TRY(core::ValidatePhone(normalized, field("phone")));
    phone = SealPhone(cipher_, normalized);
  }
  CG_ASSIGN_OR_RETURN(std::string node, NodeKindInScope(conn, caller, s.node_id));
  if (node != RequiredNodeKind(s.kind)) {
    return Error::Invalid(field("node_id"),
                          "所在节点应为管辖范围内的" + std::string(RequiredNodeKind(s.kind)));
  }
  if (s.resident_id) {
    PathRange scope = caller.Scope();
    CG_ASSIGN_OR_RETURN(
        store::Rows resident,
        conn.Query("SELECT r.id FROM resident r JOIN org_node n ON n.id = r.node_id "
                   "WHERE r.id = $1 AND n.path >= $2 AND n.path < $3",
                   {*s.resident_id, scope.lo, scope.hi}));
    if (resident.empty()) return Error::Invalid(field("resident_id"), "居民不存在或不在管辖范围内");
  }
  for (size_t i = 0; i < s.grid_ids.size(); ++i) {
    CG_TRY(CheckGrid(conn, caller, s.node_id, s.grid_ids[i],
                     field("grid_ids[" + std::to_string(i) + "]")));
  }
  CG_ASSIGN_OR_RETURN(
      int64_t id,
      conn.QueryInt(
          "INSERT INTO staff (kind, employment, node_id, name, phone_enc, phone_hash, "
          "phone_masked, resident_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
          "$8, $9) RETURNING id",
          {StaffKindName(s.kind), EmploymentName(s.employment), s.node_id, name,
           phone ? store::Value(phone->enc) : store::Value(),
           phone ? store::Value(phone->hash) : store::Value(),
           phone ? store::Value(phone->masked) : store::Value(), s.resident_id, clock_.NowMs()}));
  for (int64_t grid : s.grid_ids) {
    CG_ASSIGN_OR_RETURN(auto n, conn.Execute("INSERT INTO grid_assignment (staff_id, grid_id) "
                                             "VALUES ($1, $2)",
                                             {id, grid}));
    (void)n;
  }
  return id;
}

core::Result<Staff> StaffService::Load(store::Connection& conn, const Caller& caller, int64_t id) {
  PathRange scope = caller.Scope();
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn.Query(std::string(kSelect) + "WHERE " +
                                                       std::string(kVisible) + "AND s.id = $3",
                                                   {scope.lo, scope.hi, id}));
  if (rows.empty()) return Error::NotFound("人员不存在");
  Staff staff = FromRow(rows[0]);
  CG_TRY(LoadGrids(conn, staff));
  return staff;
}

core::Result<Staff> StaffService::Create(const Caller& caller, const NewStaff& staff) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(int64_t id, Insert(*conn, caller, staff, ""));
  CG_TRY(audit_.Append(*conn, caller, "staff.create", "staff", id, staff.name));
  CG_TRY(tx.Commit());
  return Load(*conn, caller, id);
}

core::Result<Staff> StaffService::Get(const Caller& caller, int64_t id) {
  CG_TRY(caller.Require(Permission::kPeopleRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  return Load(*conn, caller, id);
}

core::Result<PageOf<Staff>> StaffService::List(const Caller& caller, const StaffFilter& filter) {
  CG_TRY(caller.Require(Permission::kPeopleRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(PathRange range, WithinScope(*conn, caller, filter.within));
  std::optional<std::string> kind;
  if (filter.kind) kind = std::string(StaffKindName(*filter.kind));
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query(std::string(kSelect) + "WHERE " + std::string(kVisible) +
                      "AND s.id > $3 AND (CAST($4 AS TEXT) IS NULL OR s.kind = $4) "
                      "ORDER BY s.id LIMIT $5",
                  {range.lo, range.hi, filter.page.after, kind, filter.page.limit}));
  std::vector<Staff> items;
  for (const auto& row : rows) {
    items.push_back(FromRow(row));
    CG_TRY(LoadGrids(*conn, items.back()));
  }
  return FinishPage(std::move(items), filter.page, &IdOf);
}

core::Result<Staff> StaffService::Assign(const Caller& caller, int64_t staff_id, int64_t grid_id) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Staff staff, Load(*conn, caller, staff_id));
  if (staff.kind != StaffKind::kGridWorker) {
    return Error::Invalid("staff_id", "只有网格员可以分配网格");
  }
  CG_TRY(CheckGrid(*conn, caller, staff.node_id, grid_id, "grid_id"));
  auto inserted = conn->Execute("INSERT INTO grid_assignment (staff_id, grid_id) VALUES ($1, $2)",
                                {staff_id, grid_id});
  if (!inserted.ok() && inserted.error().code == core::ErrorCode::kConflict) {
    return Error::Conflict("已分配该网格", "grid_id");
  }
  CG_TRY(inserted);
  CG_TRY(audit_.Append(*conn, caller, "staff.assign", "staff", staff_id, std::to_string(grid_id)));
  CG_TRY(tx.Commit());
  return Load(*conn, caller, staff_id);
}

core::Status StaffService::Unassign(const Caller& caller, int64_t staff_id, int64_t grid_id) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Staff staff, Load(*conn, caller, staff_id));
  CG_TRY(CheckGrid(*conn, caller, staff.node_id, grid_id, "grid_id"));
  CG_ASSIGN_OR_RETURN(int64_t n, conn->Execute("DELETE FROM grid_assignment WHERE staff_id = $1 "
                                               "AND grid_id = $2",
                                               {staff_id, grid_id}));
  if (n == 0) return Error::NotFound("未分配该网格");
  CG_TRY(
      audit_.Append(*conn, caller, "staff.unassign", "staff", staff_id, std::to_string(grid_id)));
  return tx.Commit();
}

core::Result<std::vector<StaffingRow>> StaffService::Staffing(const Caller& caller,
                                                              std::optional<int64_t> within) {
  CG_TRY(caller.Require(Permission::kPeopleRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(PathRange range, WithinScope(*conn, caller, within));
  // Communities in range, then one count per measure: residents by the
  // community_id the schema keeps on each resident (migration 11), an
  // index-only range of resident_community(community_id, id).
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query(
          "SELECT c.id, c.code, c.name, "
          "(SELECT COUNT(*) FROM resident r WHERE r.community_id = c.id), "
          "(SELECT COUNT(*) FROM staff s WHERE s.node_id = c.id AND s.kind = 'community_worker'), "
          "(SELECT COUNT(*) FROM staff s WHERE s.node_id = c.id AND s.kind = 'grid_worker' AND "
          "s.employment = 'full_time'), "
          "(SELECT COUNT(*) FROM staff s WHERE s.node_id = c.id AND s.kind = 'grid_worker' AND "
          "s.employment = 'part_time'), "
          "(SELECT COUNT(*) FROM org_node g WHERE g.parent_id = c.id AND g.kind = 'grid') "
          "FROM org_node c WHERE c.kind = 'community' AND c.path >= $1 AND c.path < $2 ORDER BY "
          "c.code",
          {range.lo, range.hi}));
  std::vector<StaffingRow> out;
  for (const auto& r : rows) {
    StaffingRow row{r.Int(0), r.Text(1), r.Text(2), r.Int(3), r.Int(4), r.Int(5),
                    r.Int(6), r.Int(7),  0,         0,        0};
    row.workers_per_10k = row.residents > 0 ? static_cast<double>(row.community_workers) * 10000.0 /
                                                  static_cast<double>(row.residents)
                                            : 0.0;
    row.required = (row.residents * kCommunityWorkersPer10k + 9999) / 10000;
    row.shortfall = std::max<int64_t>(0, row.required - row.community_workers);
    out.push_back(row);
  }
  return out;
}

}  // namespace civicgrid::domain
