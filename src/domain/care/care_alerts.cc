// The alerts as people read them: the scoped list and acknowledgement.
#include "domain/care/care_internal.h"

namespace civicgrid::domain {
namespace {

using core::Error;

int64_t AlertIdOf(const CareAlert& a) { return a.id; }

}  // namespace

core::Result<PageOf<CareAlert>> CareService::Alerts(const Caller& caller,
                                                    const AlertFilter& filter) {
  CG_TRY(caller.Require(Permission::kPeopleRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(PathRange range, WithinScope(*conn, caller, filter.within));
  Conditions w;
  w.And("a.path >= " + w.Bind(range.lo) + " AND a.path < " + w.Bind(range.hi));
  if (filter.subject_id) w.And("a.subject_id = " + w.Bind(*filter.subject_id));
  if (filter.open_only) w.And("a.closed_at IS NULL");
  w.And("a.id > " + w.Bind(filter.page.after));
  std::string limit = w.Bind(filter.page.limit);
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query("SELECT a.id, a.subject_id, r.name, a.rule, a.meter_id, a.raised_at, "
                  "a.ticket_id, t.number, a.acknowledged_at, a.closed_at, a.close_reason FROM "
                  "care_alert a JOIN care_subject s ON s.id = a.subject_id JOIN resident r ON "
                  "r.id = s.resident_id LEFT JOIN ticket t ON t.id = a.ticket_id WHERE " +
                      w.Sql() + " ORDER BY a.id LIMIT " + limit,
                  w.params()));
  std::vector<CareAlert> items;
  for (const auto& r : rows) {
    CareAlert a;
    a.id = r.Int("id");
    a.subject_id = r.Int("subject_id");
    a.resident_name = r.Text("name");
    a.rule = r.Text("rule") == "flow" ? AlertRule::kFlow : AlertRule::kSilence;
    a.meter_id = r.OptInt("meter_id");
    a.raised_at_ms = r.Int("raised_at");
    a.ticket_id = r.OptInt("ticket_id");
    if (auto n = r.OptText("number")) a.ticket_number = *n;
    a.acknowledged_at_ms = r.OptInt("acknowledged_at");
    a.closed_at_ms = r.OptInt("closed_at");
    a.close_reason = r.Text("close_reason");
    items.push_back(std::move(a));
  }
  return FinishPage(std::move(items), filter.page, &AlertIdOf);
}

core::Result<CareAlert> CareService::Acknowledge(const Caller& caller, int64_t alert_id) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  PathRange scope = caller.Scope();
  {
    CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
    CG_ASSIGN_OR_RETURN(store::Rows rows,
                        conn->Query("SELECT id, acknowledged_at FROM care_alert WHERE id = $1 AND "
                                    "path >= $2 AND path < $3",
                                    {alert_id, scope.lo, scope.hi}));
    if (rows.empty()) return Error::NotFound("预警不存在");
    if (rows[0].IsNull("acknowledged_at")) {
      CG_TRY(
          conn->Execute("UPDATE care_alert SET acknowledged_at = $1, acknowledged_by = $2 "
                        "WHERE id = $3",
                        {clock_.NowMs(), caller.account_id, alert_id}));
      CG_TRY(audit_.Append(*conn, caller, "care.alert.acknowledge", "care_alert", alert_id, ""));
    }
    CG_TRY(tx.Commit());
  }
  AlertFilter f;
  f.page.after = alert_id - 1;
  f.page.limit = 1;
  CG_ASSIGN_OR_RETURN(PageOf<CareAlert> page, Alerts(caller, f));
  if (page.items.empty() || page.items[0].id != alert_id) return Error::NotFound("预警不存在");
  return page.items[0];
}

}  // namespace civicgrid::domain
