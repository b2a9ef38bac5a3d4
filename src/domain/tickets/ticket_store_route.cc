// TicketStore: the compound of a grid for first routing (小事业主治、大事物业办、
// 难事社区议). A compound's grids are the grids of its buildings
// (docs/governance.md).
#include "domain/tickets/ticket_store.h"

namespace civicgrid::domain {
namespace {

// The compounds with a building in grid $1, as (compound_id, property_unit_id).
constexpr const char* kCompoundsOfGrid =
    "SELECT DISTINCT cg.compound_id, cg.property_unit_id FROM org_node bn JOIN "
    "building_governance b ON b.building_id = bn.id JOIN compound_governance cg ON "
    "cg.compound_id = b.compound_id WHERE bn.parent_id = $1 AND bn.kind = 'building'";

}  // namespace

core::Result<std::optional<TicketStore::CompoundRoute>> TicketStore::CompoundOf(int64_t node_id) {
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn_.Query(std::string(kCompoundsOfGrid) + " ORDER BY cg.compound_id LIMIT 1", {node_id}));
  if (rows.empty()) return std::optional<CompoundRoute>();
  CompoundRoute route;
  route.compound_id = rows[0].Int("compound_id");
  route.property_unit_id = rows[0].OptInt("property_unit_id");
  CG_ASSIGN_OR_RETURN(
      store::Rows chair,
      conn_.Query("SELECT a.id FROM committee_member m JOIN account a ON a.resident_id = "
                  "m.resident_id WHERE m.compound_id = $1 AND a.disabled = 0 ORDER BY CASE "
                  "WHEN m.duty = 'director' THEN 0 ELSE 1 END, m.id, a.id LIMIT 1",
                  {route.compound_id}));
  if (!chair.empty()) route.committee_account_id = chair[0].Int("id");
  return std::optional<CompoundRoute>(route);
}

core::Result<bool> TicketStore::ManagesCompoundIn(int64_t unit, int64_t node_id) {
  CG_ASSIGN_OR_RETURN(int64_t n,
                      conn_.QueryInt("SELECT COUNT(*) FROM (" + std::string(kCompoundsOfGrid) +
                                         " AND cg.property_unit_id = $2) x",
                                     {node_id, unit}));
  return n > 0;
}

core::Result<bool> TicketStore::OnCommitteeIn(int64_t account, int64_t node_id) {
  CG_ASSIGN_OR_RETURN(
      int64_t n,
      conn_.QueryInt("SELECT COUNT(*) FROM committee_member m JOIN account a ON a.resident_id = "
                     "m.resident_id WHERE a.id = $2 AND m.compound_id IN (SELECT compound_id FROM "
                     "(" +
                         std::string(kCompoundsOfGrid) + ") x)",
                     {node_id, account}));
  return n > 0;
}

}  // namespace civicgrid::domain
