#include "domain/registry/residents.h"

#include <array>

#include "core/pii.h"

namespace civicgrid::domain {
namespace {

using core::Error;

struct FlagInfo {
  ResidentFlag flag;
  std::string_view name;
};
constexpr std::array<FlagInfo, 6> kFlags = {{
    {ResidentFlag::kElderAlone, "elder_alone"},
    {ResidentFlag::kDisabled, "disabled"},
    {ResidentFlag::kLowIncome, "low_income"},
    {ResidentFlag::kVeteran, "veteran"},
    {ResidentFlag::kLeftBehindChild, "left_behind_child"},
    {ResidentFlag::kSeriouslyIll, "seriously_ill"},
}};

// Residents join their building, whose path scopes them.
constexpr std::string_view kSelect =
    "SELECT r.id, r.node_id, r.household_id, COALESCE(h.room, ''), r.name, r.sex, r.birth_date, "
    "r.id_number_masked, r.phone_masked, r.flags, r.created_at FROM resident r JOIN org_node n ON "
    "n.id = r.node_id LEFT JOIN household h ON h.id = r.household_id ";

// The same columns for a list page, without the building: the scope is a column of the row.
constexpr std::string_view kListSelect =
    "SELECT r.id, r.node_id, r.household_id, COALESCE(h.room, ''), r.name, r.sex, r.birth_date, "
    "r.id_number_masked, r.phone_masked, r.flags, r.created_at FROM resident r ";

// The column of a resident row that holds its ancestor of `kind` (schema migration 11), so a
// list scoped to such a node is one index range (column, id) walked in id order. Empty for kinds
// without one: above a county the walk is in id order over the whole table (such a scope holds
// most of it); compounds and back streets hold no buildings, hence no residents.
std::string_view ScopeColumn(std::string_view kind) {
  if (kind == "building") return "r.node_id";
  if (kind == "grid") return "r.grid_id";
  if (kind == "community") return "r.community_id";
  if (kind == "street") return "r.street_id";
  if (kind == "county") return "r.county_id";
  return "";
}

bool HoldsResidents(std::string_view kind) { return kind != "compound" && kind != "back_street"; }

Resident FromRow(const store::Row& row) {
  return Resident{row.Int(0),  row.Int(1),  row.OptInt(2),  row.Text(3), row.Text(4), row.Text(5),
                  row.Text(6), row.Text(7), row.OptText(8), row.Int(9),  row.Int(10)};
}

int64_t IdOf(const Resident& r) { return r.id; }

std::string Field(std::string_view at, std::string_view name) {
  return at.empty() ? std::string(name) : std::string(at) + "." + std::string(name);
}

Error ResidentNotFound() { return Error::NotFound("居民不存在"); }

}  // namespace

core::Result<int64_t> ParseResidentFlags(const std::vector<std::string>& names,
                                         std::string_view field) {
  int64_t bits = 0;
  for (const std::string& name : names) {
    bool found = false;
    for (const auto& f : kFlags) {
      if (f.name == name) {
        bits |= static_cast<int64_t>(f.flag);
        found = true;
      }
    }
    if (!found) return Error::Invalid(std::string(field), "未知的居民标记: " + name);
  }
  return bits;
}

std::vector<std::string> ResidentFlagNames(int64_t flags) {
  std::vector<std::string> names;
  for (const auto& f : kFlags) {
    if (flags & static_cast<int64_t>(f.flag)) names.emplace_back(f.name);
  }
  return names;
}

core::Result<ResidentRecord> ResidentService::Validate(const NewResident& r,
                                                       std::string_view at) const {
  ResidentRecord rec;
  CG_ASSIGN_OR_RETURN(rec.name, CleanName(r.name, Field(at, "name"), 60));
  CG_ASSIGN_OR_RETURN(rec.room, CleanName(r.room, Field(at, "room"), 40));
  std::string id = core::NormalizeIdNumber(r.id_number);
  CG_TRY(core::ValidateIdNumber(id, Field(at, "id_number")));
  rec.sex = std::string(1, core::IdNumberSex(id));
  rec.birth_date = core::FormatDate(core::IdNumberBirthDate(id));
  rec.id_number = SealIdNumber(cipher_, id);
  if (r.phone && !r.phone->empty()) {
    std::string phone = core::NormalizePhone(*r.phone);
    CG_TRY(core::ValidatePhone(phone, Field(at, "phone")));
    rec.phone = SealPhone(cipher_, phone);
  }
  if (r.building_id <= 0) return Error::Invalid(Field(at, "building_id"), "请指定楼栋");
  rec.building_id = r.building_id;
  rec.flags = r.flags;
  return rec;
}

core::Result<int64_t> ResidentService::Household(store::Connection& conn, int64_t building_id,
                                                 const std::string& room) {
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query("SELECT id FROM household WHERE building_id = $1 AND room = $2",
                                 {building_id, room}));
  if (!rows.empty()) return rows[0].Int(0);
  return conn.QueryInt(
      "INSERT INTO household (building_id, room, created_at) VALUES ($1, $2, $3) RETURNING id",
      {building_id, room, clock_.NowMs()});
}

core::Result<int64_t> ResidentService::Insert(store::Connection& conn, const Caller& caller,
                                              const ResidentRecord& rec, std::string_view at) {
  CG_ASSIGN_OR_RETURN(int64_t household, HouseholdInScope(conn, caller, rec.building_id, rec.room,
                                                          Field(at, "building_id")));
  return InsertRow(conn, rec, household, at);
}

core::Result<int64_t> ResidentService::HouseholdInScope(store::Connection& conn,
                                                        const Caller& caller, int64_t building_id,
                                                        const std::string& room,
                                                        const std::string& field) {
  CG_ASSIGN_OR_RETURN(std::string kind, NodeKindInScope(conn, caller, building_id));
  if (kind != "building") return Error::Invalid(field, "楼栋不存在或不在管辖范围内");
  return Household(conn, building_id, room);
}

core::Result<int64_t> ResidentService::InsertRow(store::Connection& conn, const ResidentRecord& rec,
                                                 int64_t household, std::string_view at) {
  int64_t now = clock_.NowMs();
  const std::optional<SealedPii>& ph = rec.phone;
  auto id = conn.QueryInt(
      "INSERT INTO resident (node_id, household_id, name, sex, birth_date, id_number_enc, "
      "id_number_hash, id_number_masked, phone_enc, phone_hash, phone_masked, flags, created_at, "
      "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) "
      "RETURNING id",
      {rec.building_id, household, rec.name, rec.sex, rec.birth_date, rec.id_number.enc,
       rec.id_number.hash, rec.id_number.masked, ph ? store::Value(ph->enc) : store::Value(),
       ph ? store::Value(ph->hash) : store::Value(), ph ? store::Value(ph->masked) : store::Value(),
       rec.flags, now});
  if (!id.ok() && id.error().code == core::ErrorCode::kConflict) {
    return Error::Conflict("该身份证号码已登记", Field(at, "id_number"));
  }
  return id;
}

core::Result<Resident> ResidentService::Load(store::Connection& conn, const Caller& caller,
                                             int64_t id) {
  PathRange scope = caller.Scope();
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn.Query(std::string(kSelect) + "WHERE r.id = $1 AND n.path >= $2 AND n.path < $3",
                 {id, scope.lo, scope.hi}));
  if (rows.empty()) return ResidentNotFound();
  return FromRow(rows[0]);
}

core::Result<Resident> ResidentService::Create(const Caller& caller, const NewResident& r) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  CG_ASSIGN_OR_RETURN(ResidentRecord rec, Validate(r, ""));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(int64_t id, Insert(*conn, caller, rec, ""));
  CG_TRY(audit_.Append(*conn, caller, "resident.create", "resident", id, ""));
  CG_TRY(tx.Commit());
  return Load(*conn, caller, id);
}

core::Result<Resident> ResidentService::Get(const Caller& caller, int64_t id) {
  // A resident may read their own record; staff need kPeopleRead.
  bool self = caller.resident_id && *caller.resident_id == id;
  if (!self) CG_TRY(caller.Require(Permission::kPeopleRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  return Load(*conn, caller, id);
}

core::Result<PageOf<Resident>> ResidentService::List(const Caller& caller,
                                                     const ResidentFilter& filter) {
  CG_TRY(caller.Require(Permission::kPeopleRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(ListScope scope, ScopeOfList(*conn, caller, filter.within));
  if (!HoldsResidents(scope.kind)) return PageOf<Resident>{};
  std::optional<store::Blob> id_hash, phone_hash;
  if (filter.id_number) {
    id_hash = store::Blob{cipher_.LookupHash("id:" + core::NormalizeIdNumber(*filter.id_number))};
  }
  if (filter.phone) {
    phone_hash = store::Blob{cipher_.LookupHash("phone:" + core::NormalizePhone(*filter.phone))};
  }
  // One index walk in id order for every scope (docs/architecture.md "List pages"): the
  // resident's own scope column, or the primary key above a county. An exact id number or phone
  // narrows it to its lookup index ((phone_hash, id) keeps the id order); a flag is checked on
  // the way, so a page reads about limit / (share of residents with the flag) rows.
  Conditions where;
  std::string from = std::string(kListSelect);
  std::string_view column = ScopeColumn(scope.kind);
  if (!column.empty()) {
    where.And(std::string(column) + " = " + where.Bind(scope.id));
  } else {
    // CROSS JOIN fixes SQLite's join order: residents walked in id order, each checked
    // against its building's path.
    from += "CROSS JOIN org_node n ";
    where.And("n.id = r.node_id AND n.path >= " + where.Bind(scope.range.lo) + " AND n.path < " +
              where.Bind(scope.range.hi));
  }
  if (id_hash) where.And("r.id_number_hash = " + where.Bind(*id_hash));
  if (phone_hash) where.And("r.phone_hash = " + where.Bind(*phone_hash));
  if (filter.flag) where.And("(r.flags & " + where.Bind(*filter.flag) + ") <> 0");
  where.And("r.id > " + where.Bind(filter.page.after));
  std::string limit = where.Bind(filter.page.limit);
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query(from + "LEFT JOIN household h ON h.id = r.household_id WHERE " +
                                      where.Sql() + " ORDER BY r.id LIMIT " + limit,
                                  where.params()));
  std::vector<Resident> items;
  items.reserve(rows.size());
  for (const auto& row : rows) items.push_back(FromRow(row));
  return FinishPage(std::move(items), filter.page, &IdOf);
}

core::Result<RevealedPii> ResidentService::Reveal(const Caller& caller, int64_t id,
                                                  std::string_view reason) {
  CG_TRY(caller.Require(Permission::kPiiReveal));
  CG_ASSIGN_OR_RETURN(std::string clean_reason, CleanText(reason, "reason", 200, false));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Resident r, Load(*conn, caller, id));
  CG_ASSIGN_OR_RETURN(store::Row row, conn->QueryOne("SELECT id_number_enc, phone_enc FROM "
                                                     "resident WHERE id = $1",
                                                     {r.id}));
  RevealedPii out;
  CG_ASSIGN_OR_RETURN(out.id_number, cipher_.Decrypt(row.Text(0)));
  if (!row.IsNull(1)) {
    CG_ASSIGN_OR_RETURN(out.phone, cipher_.Decrypt(row.Text(1)));
  }
  // The read is recorded before the value leaves: no audit entry, no data.
  std::string detail = "id_number,phone";
  if (!clean_reason.empty()) detail.append("; reason: ").append(clean_reason);
  CG_TRY(audit_.Append(*conn, caller, "pii.reveal", "resident", id, detail));
  CG_TRY(tx.Commit());
  return out;
}

core::Result<Resident> ResidentService::Relocate(const Caller& caller, int64_t id,
                                                 int64_t building_id, std::string_view room) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  CG_ASSIGN_OR_RETURN(std::string clean_room, CleanName(room, "room", 40));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Resident r, Load(*conn, caller, id));
  CG_ASSIGN_OR_RETURN(int64_t household,
                      HouseholdInScope(*conn, caller, building_id, clean_room, "building_id"));
  CG_ASSIGN_OR_RETURN(auto n, conn->Execute("UPDATE resident SET node_id = $1, household_id = $2, "
                                            "updated_at = $3 WHERE id = $4",
                                            {building_id, household, clock_.NowMs(), r.id}));
  (void)n;
  CG_TRY(audit_.Append(*conn, caller, "resident.relocate", "resident", id, ""));
  CG_TRY(tx.Commit());
  return Load(*conn, caller, id);
}

core::Status ResidentService::Delete(const Caller& caller, int64_t id) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Resident r, Load(*conn, caller, id));
  auto deleted = conn->Execute("DELETE FROM resident WHERE id = $1", {r.id});
  if (!deleted.ok() && deleted.error().code == core::ErrorCode::kConflict) {
    return Error::Conflict("该居民仍被其他记录引用（如网格员、楼长），不能删除");
  }
  CG_TRY(deleted);
  CG_TRY(audit_.Append(*conn, caller, "resident.delete", "resident", id, r.id_number_masked));
  return tx.Commit();
}

}  // namespace civicgrid::domain
