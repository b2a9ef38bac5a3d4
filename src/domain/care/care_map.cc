// The open alerts on the screen's map, and keeping the subjects' and alerts'
// grid and community current when the org tree moves.
#include <algorithm>

#include "domain/care/care_internal.h"

namespace civicgrid::domain {

core::Result<MapAlerts> CareService::OpenAlerts(const Caller& caller, std::optional<int64_t> within,
                                                int64_t limit) {
  CG_TRY(caller.Require(Permission::kPeopleRead));
  limit = std::clamp<int64_t>(limit, 1, kMaxPageSize);
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(PathRange range, WithinScope(*conn, caller, within));
  // One range of care_alert_open_path (closed_at, path, id): the open alerts
  // of the subtree in index order, one past the limit to tell truncation.
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query("SELECT a.id, a.subject_id, a.rule, a.basis, a.raised_at, a.grid_id, "
                  "a.community_id, a.acknowledged_at, a.escalated_at, a.contacted_at, "
                  "a.assigned_account_id FROM care_alert a WHERE a.closed_at IS NULL AND a.path "
                  ">= $1 AND a.path < $2 ORDER BY a.path, a.id LIMIT $3",
                  {range.lo, range.hi, limit + 1}));
  MapAlerts out;
  for (const auto& r : rows) {
    if (static_cast<int64_t>(out.items.size()) == limit) {
      out.truncated = true;
      break;
    }
    CareAlert a;
    a.id = r.Int("id");
    a.subject_id = r.Int("subject_id");
    a.rule = r.Text("rule") == "flow" ? AlertRule::kFlow : AlertRule::kSilence;
    a.basis = r.Text("basis");
    a.raised_at_ms = r.Int("raised_at");
    a.grid_id = r.OptInt("grid_id").value_or(0);
    a.community_id = r.OptInt("community_id");
    a.acknowledged_at_ms = r.OptInt("acknowledged_at");
    a.escalated_at_ms = r.OptInt("escalated_at");
    a.contacted_at_ms = r.OptInt("contacted_at");
    a.assigned_account_id = r.OptInt("assigned_account_id");
    out.items.push_back(std::move(a));
  }
  return out;
}

core::Status CareService::OnSubtreeMoved(store::Connection& conn,
                                         const OrgTreeService::SubtreeMove& move) {
  const PathRange& moved = move.moved;
  CG_TRY(conn.Execute(
      "UPDATE care_subject SET grid_id = (SELECT b.parent_id FROM org_node b WHERE b.id = "
      "care_subject.node_id) WHERE path >= $1 AND path < $2",
      {moved.lo, moved.hi}));
  CG_TRY(conn.Execute(
      "UPDATE care_alert SET grid_id = (SELECT s.grid_id FROM care_subject s WHERE s.id = "
      "care_alert.subject_id), community_id = (SELECT g.parent_id FROM care_subject s JOIN "
      "org_node g ON g.id = s.grid_id WHERE s.id = care_alert.subject_id) WHERE path >= $1 AND "
      "path < $2",
      {moved.lo, moved.hi}));
  return core::Ok();
}

}  // namespace civicgrid::domain
