#include "domain/registry/units.h"

#include <array>

namespace civicgrid::domain {
namespace {

using core::Error;

constexpr std::array<std::pair<UnitKind, std::string_view>, 5> kKinds = {{
    {UnitKind::kGovernment, "government"},
    {UnitKind::kPublicInstitution, "public_institution"},
    {UnitKind::kEnterprise, "enterprise"},
    {UnitKind::kPropertyCompany, "property_company"},
    {UnitKind::kSocialOrganisation, "social_organisation"},
}};

constexpr std::string_view kCreditChars = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr std::array<int, 17> kCreditWeights = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                                29, 25, 13, 8,  24, 10, 30, 28};

// Visible when the unit's node or one of its pairings lies in the scope; a
// unit admin is further held to their own unit ($3).
constexpr std::string_view kVisible =
    "((n.path >= $1 AND n.path < $2) OR EXISTS (SELECT 1 FROM unit_pairing p JOIN org_node pn ON "
    "pn.id = p.node_id WHERE p.unit_id = u.id AND pn.path >= $1 AND pn.path < $2)) AND "
    "(CAST($3 AS BIGINT) IS NULL OR u.id = $3) ";
constexpr std::string_view kSelect =
    "SELECT u.id, u.node_id, u.kind, u.name, u.credit_code, u.address, u.contact_name FROM unit u "
    "JOIN org_node n ON n.id = u.node_id ";

Unit FromRow(const store::Row& row) {
  Unit u;
  u.id = row.Int(0);
  u.node_id = row.Int(1);
  u.kind = ParseUnitKind(row.Text(2), "kind").value();
  u.name = row.Text(3);
  u.credit_code = row.OptText(4);
  u.address = row.Text(5);
  u.contact_name = row.Text(6);
  return u;
}

int64_t IdOf(const Unit& u) { return u.id; }

std::optional<int64_t> OwnUnit(const Caller& caller) {
  if (caller.role == Role::kUnitAdmin) return caller.unit_id.value_or(-1);
  return std::nullopt;
}

// The pairings the caller may see: those with nodes inside their scope (a
// unit admin sees all of their own unit's).
core::Status LoadPairings(store::Connection& conn, const Caller& caller, Unit& unit) {
  PathRange scope = caller.role == Role::kUnitAdmin ? SubtreeRange("/") : caller.Scope();
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query("SELECT p.id, p.node_id, n.name, n.kind, p.since FROM "
                                 "unit_pairing p JOIN org_node n ON n.id = p.node_id WHERE "
                                 "p.unit_id = $1 AND n.path >= $2 AND n.path < $3 ORDER BY p.id",
                                 {unit.id, scope.lo, scope.hi}));
  for (const auto& r : rows) {
    unit.pairings.push_back(UnitPairing{r.Int(0), r.Int(1), r.Text(2), r.Text(3), r.Text(4)});
  }
  return core::Ok();
}

}  // namespace

std::string_view UnitKindName(UnitKind kind) {
  for (const auto& [k, name] : kKinds) {
    if (k == kind) return name;
  }
  return "enterprise";
}

core::Result<UnitKind> ParseUnitKind(std::string_view name, std::string_view field) {
  for (const auto& [k, n] : kKinds) {
    if (n == name) return k;
  }
  return Error::Invalid(std::string(field), "未知的单位类型: " + std::string(name));
}

core::Status ValidateCreditCode(std::string_view code, std::string_view field) {
  std::string f(field);
  if (code.size() != 18) return Error::Invalid(f, "统一社会信用代码应为 18 位");
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) {
    size_t v = kCreditChars.find(code[i]);
    if (v == std::string_view::npos) return Error::Invalid(f, "统一社会信用代码含非法字符");
    sum += static_cast<int>(v) * kCreditWeights[i];
  }
  size_t check = static_cast<size_t>((31 - sum % 31) % 31);
  if (code[17] != kCreditChars[check]) return Error::Invalid(f, "统一社会信用代码校验位错误");
  return core::Ok();
}

core::Result<Unit> UnitService::Load(store::Connection& conn, const Caller& caller, int64_t id) {
  PathRange scope = caller.Scope();
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn.Query(std::string(kSelect) + "WHERE " +
                                                       std::string(kVisible) + "AND u.id = $4",
                                                   {scope.lo, scope.hi, OwnUnit(caller), id}));
  if (rows.empty()) return Error::NotFound("单位不存在");
  Unit unit = FromRow(rows[0]);
  CG_TRY(LoadPairings(conn, caller, unit));
  return unit;
}

core::Result<int64_t> UnitService::Insert(store::Connection& conn, const Caller& caller,
                                          const NewUnit& u, std::string_view at) {
  auto field = [&](std::string_view name) {
    return at.empty() ? std::string(name) : std::string(at) + "." + std::string(name);
  };
  CG_ASSIGN_OR_RETURN(std::string name, CleanName(u.name, field("name")));
  if (u.credit_code) CG_TRY(ValidateCreditCode(*u.credit_code, field("credit_code")));
  CG_ASSIGN_OR_RETURN(std::string node_ok, NodeKindInScope(conn, caller, u.node_id));
  if (node_ok.empty()) return Error::Invalid(field("node_id"), "所在节点不存在或不在管辖范围内");
  auto id = conn.QueryInt(
      "INSERT INTO unit (node_id, kind, name, credit_code, address, contact_name, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
      {u.node_id, UnitKindName(u.kind), name, u.credit_code, u.address, u.contact_name,
       clock_.NowMs()});
  if (!id.ok() && id.error().code == core::ErrorCode::kConflict) {
    return Error::Conflict("该统一社会信用代码已登记", field("credit_code"));
  }
  return id;
}

core::Result<Unit> UnitService::Create(const Caller& caller, const NewUnit& unit) {
  CG_TRY(caller.Require(Permission::kUnitsWrite));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(int64_t id, Insert(*conn, caller, unit, ""));
  CG_TRY(audit_.Append(*conn, caller, "unit.create", "unit", id, unit.name));
  CG_TRY(tx.Commit());
  return Load(*conn, caller, id);
}

core::Result<Unit> UnitService::Get(const Caller& caller, int64_t id) {
  CG_TRY(caller.Require(Permission::kUnitsRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  return Load(*conn, caller, id);
}

core::Result<PageOf<Unit>> UnitService::List(const Caller& caller, const UnitFilter& filter) {
  CG_TRY(caller.Require(Permission::kUnitsRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  PathRange scope = caller.Scope();
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query(std::string(kSelect) + "WHERE " + std::string(kVisible) +
                      "AND u.id > $4 AND (CAST($5 AS BIGINT) IS NULL OR EXISTS (SELECT 1 FROM "
                      "unit_pairing q WHERE q.unit_id = u.id AND q.node_id = $5)) ORDER BY u.id "
                      "LIMIT $6",
                  {scope.lo, scope.hi, OwnUnit(caller), filter.page.after, filter.paired_with,
                   filter.page.limit}));
  std::vector<Unit> items;
  for (const auto& row : rows) {
    items.push_back(FromRow(row));
    CG_TRY(LoadPairings(*conn, caller, items.back()));
  }
  return FinishPage(std::move(items), filter.page, &IdOf);
}

core::Result<Unit> UnitService::Pair(const Caller& caller, int64_t unit_id, int64_t node_id,
                                     std::optional<std::string> since) {
  CG_TRY(caller.Require(Permission::kUnitsWrite));
  if (since) {
    CG_TRY(core::ParseDate(*since, "since"));
  } else {
    since = core::FormatDate(core::ShanghaiDate(clock_.NowMs()));
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Unit unit, Load(*conn, caller, unit_id));
  CG_ASSIGN_OR_RETURN(std::string node, NodeKindInScope(*conn, caller, node_id));
  if (node != "community" && node != "compound" && node != "back_street") {
    return Error::Invalid("node_id", "包联对象应为管辖范围内的社区、小区或背街小巷");
  }
  auto inserted = conn->Execute(
      "INSERT INTO unit_pairing (unit_id, node_id, since, created_at) VALUES ($1, $2, $3, $4)",
      {unit.id, node_id, since, clock_.NowMs()});
  if (!inserted.ok() && inserted.error().code == core::ErrorCode::kConflict) {
    return Error::Conflict("该单位已包联此节点", "node_id");
  }
  CG_TRY(inserted);
  CG_TRY(audit_.Append(*conn, caller, "unit.pair", "unit", unit.id, std::to_string(node_id)));
  CG_TRY(tx.Commit());
  return Load(*conn, caller, unit_id);
}

core::Status UnitService::Unpair(const Caller& caller, int64_t unit_id, int64_t node_id) {
  CG_TRY(caller.Require(Permission::kUnitsWrite));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Unit unit, Load(*conn, caller, unit_id));
  PathRange scope = caller.Scope();
  CG_ASSIGN_OR_RETURN(int64_t n,
                      conn->Execute("DELETE FROM unit_pairing WHERE unit_id = $1 AND node_id = $2 "
                                    "AND node_id IN (SELECT id FROM org_node WHERE path >= $3 AND "
                                    "path < $4)",
                                    {unit.id, node_id, scope.lo, scope.hi}));
  if (n == 0) return Error::NotFound("包联关系不存在");
  CG_TRY(audit_.Append(*conn, caller, "unit.unpair", "unit", unit.id, std::to_string(node_id)));
  return tx.Commit();
}

}  // namespace civicgrid::domain
