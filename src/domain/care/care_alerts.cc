// The alerts as people read them (the scoped list, acknowledgement, closing
// by hand), their escalation while nobody acknowledges them, and learning
// the subjects' profiles.
#include <algorithm>

#include "domain/care/care_internal.h"
#include "domain/care/care_profile.h"
#include "domain/care/care_rules.h"
#include "domain/tickets/json_text.h"

namespace civicgrid::domain {
namespace {

using core::Error;

int64_t AlertIdOf(const CareAlert& a) { return a.id; }

constexpr std::string_view kSystemLabel = "系统（云监护）";

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
  if (filter.mine) w.And("a.assigned_account_id = " + w.Bind(caller.account_id));
  w.And("a.id > " + w.Bind(filter.page.after));
  std::string limit = w.Bind(filter.page.limit);
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query(
          "SELECT a.id, a.subject_id, r.name, a.rule, a.meter_id, a.raised_at, "
          "a.ticket_id, t.number, a.acknowledged_at, a.closed_at, a.close_reason, a.basis, "
          "a.assigned_account_id, a.escalated_at, a.contacted_at, a.grid_id, a.community_id FROM "
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
    a.basis = r.Text("basis");
    a.assigned_account_id = r.OptInt("assigned_account_id");
    a.escalated_at_ms = r.OptInt("escalated_at");
    a.contacted_at_ms = r.OptInt("contacted_at");
    a.grid_id = r.OptInt("grid_id").value_or(0);
    a.community_id = r.OptInt("community_id");
    items.push_back(std::move(a));
  }
  return FinishPage(std::move(items), filter.page, &AlertIdOf);
}

core::Result<CareAlert> CareService::Acknowledge(const Caller& caller, int64_t alert_id) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  PathRange scope = caller.Scope();
  std::optional<int64_t> ticket;
  {
    CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
    CG_ASSIGN_OR_RETURN(
        store::Rows rows,
        conn->Query("SELECT id, acknowledged_at, ticket_id FROM care_alert WHERE id = $1 AND "
                    "path >= $2 AND path < $3",
                    {alert_id, scope.lo, scope.hi}));
    if (rows.empty()) return Error::NotFound("预警不存在");
    if (rows[0].IsNull("acknowledged_at")) {
      CG_TRY(
          conn->Execute("UPDATE care_alert SET acknowledged_at = $1, acknowledged_by = $2 "
                        "WHERE id = $3",
                        {clock_.NowMs(), caller.account_id, alert_id}));
      CG_TRY(audit_.Append(*conn, caller, "care.alert.acknowledge", "care_alert", alert_id, ""));
      ticket = rows[0].OptInt("ticket_id");
    }
    CG_TRY(tx.Commit());
  }
  // The step in the ticket's history, by the person who took it up.
  if (ticket) {
    TicketAction note;
    note.type = TicketEventType::kComment;
    note.note = "已确认云监护预警，正在联系或上门";
    auto acted = tickets_.Perform(caller, *ticket, note);
    (void)acted;  // a ticket out of the caller's sight keeps the acknowledgement
  }
  return LoadAlert(caller, alert_id);
}

core::Result<CareAlert> CareService::LoadAlert(const Caller& caller, int64_t alert_id) {
  AlertFilter f;
  f.page.after = alert_id - 1;
  f.page.limit = 1;
  CG_ASSIGN_OR_RETURN(PageOf<CareAlert> page, Alerts(caller, f));
  if (page.items.empty() || page.items[0].id != alert_id) return Error::NotFound("预警不存在");
  return page.items[0];
}

core::Result<CareAlert> CareService::Close(const Caller& caller, int64_t alert_id,
                                           const std::string& note) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  if (note.size() > 500) return Error::Invalid("note", "说明不超过 500 字节");
  PathRange scope = caller.Scope();
  const int64_t now = clock_.NowMs();
  std::optional<int64_t> ticket;
  {
    CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
    CG_ASSIGN_OR_RETURN(store::Rows rows,
                        conn->Query("SELECT id, closed_at, ticket_id, subject_id FROM care_alert "
                                    "WHERE id = $1 AND path >= $2 AND path < $3",
                                    {alert_id, scope.lo, scope.hi}));
    if (rows.empty()) return Error::NotFound("预警不存在");
    if (!rows[0].IsNull("closed_at")) return Error::Conflict("预警已关闭", "state");
    const std::string reason = note.empty() ? "已上门或电话确认老人平安，预警关闭" : note;
    CG_TRY(conn->Execute(
        "UPDATE care_alert SET closed_at = $1, close_reason = $2, closed_by = $3, acknowledged_at "
        "= COALESCE(acknowledged_at, $1), acknowledged_by = COALESCE(acknowledged_by, $3) WHERE "
        "id = $4",
        {now, reason, caller.account_id, alert_id}));
    // Someone saw the elder well: a sign of life, so the silence clocks
    // (fixed and learned) start again now instead of re-raising next minute.
    CG_TRY(
        conn->Execute("UPDATE care_subject SET last_use_at = $1, silence_due = $1 + "
                      "silence_hours * $2 WHERE id = $3 AND last_use_at < $1",
                      {now, core::kMsPerHour, rows[0].Int("subject_id")}));
    CG_TRY(audit_.Append(*conn, caller, "care.alert.close", "care_alert", alert_id, reason));
    CG_TRY(tx.Commit());
    ticket = rows[0].OptInt("ticket_id");
    if (ticket) {
      TicketAction comment;
      comment.type = TicketEventType::kComment;
      comment.note = "关闭云监护预警：" + reason;
      auto acted = tickets_.Perform(caller, *ticket, comment);
      (void)acted;
    }
  }
  return LoadAlert(caller, alert_id);
}

core::Result<int64_t> CareService::Escalate(int64_t now, SweepReport& report) {
  const int64_t first = std::min(options_.escalate_minutes, options_.contact_minutes) * 60'000;
  store::Rows rows;
  {
    CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
    CG_ASSIGN_OR_RETURN(
        rows, conn->Query("SELECT a.id, a.raised_at, a.escalated_at FROM care_alert a WHERE "
                          "a.closed_at IS NULL AND a.acknowledged_at IS NULL AND a.contacted_at IS "
                          "NULL AND a.raised_at <= $1 ORDER BY a.id LIMIT $2",
                          {now - first, options_.sweep_limit}));
  }
  std::optional<core::Error> first_error;
  for (const auto& r : rows) {
    const int64_t id = r.Int("id");
    const int64_t raised = r.Int("raised_at");
    if (r.IsNull("escalated_at") && now >= raised + options_.escalate_minutes * 60'000) {
      auto step = EscalateStep(id, false, now);
      if (!step.ok() && !first_error) first_error = step.error();
      if (step.ok() && *step) ++report.escalated;
    }
    if (now >= raised + options_.contact_minutes * 60'000) {
      auto step = EscalateStep(id, true, now);
      if (!step.ok() && !first_error) first_error = step.error();
      if (step.ok() && *step) ++report.contacted;
    }
  }
  if (first_error) return *first_error;
  return report.escalated + report.contacted;
}

core::Result<bool> CareService::EscalateStep(int64_t alert_id, bool contact, int64_t now) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  // The guard makes each step happen once, also when two sweeps race.
  CG_ASSIGN_OR_RETURN(
      int64_t n,
      conn->Execute(std::string("UPDATE care_alert SET ") +
                        (contact ? "contacted_at" : "escalated_at") +
                        " = $1 WHERE id = $2 AND closed_at IS NULL AND acknowledged_at IS NULL "
                        "AND " +
                        (contact ? "contacted_at" : "escalated_at") + " IS NULL",
                    {now, alert_id}));
  if (n == 0) return false;
  CG_ASSIGN_OR_RETURN(
      store::Row a,
      conn->QueryOne("SELECT a.ticket_id, a.subject_id, a.raised_at, r.name, c.name AS community "
                     "FROM care_alert a JOIN care_subject s ON s.id = a.subject_id JOIN resident r "
                     "ON r.id = s.resident_id JOIN org_node g ON g.id = s.grid_id LEFT JOIN "
                     "org_node c ON c.id = g.parent_id WHERE a.id = $1",
                     {alert_id}));
  const int64_t minutes = (now - a.Int("raised_at")) / 60'000;
  TicketAction action;
  JsonText notice;
  notice.Int("care_alert_id", alert_id).Str("resident", a.Text("name"));
  if (!contact) {
    const std::string community = a.IsNull("community") ? "" : a.Text("community");
    action.type = TicketEventType::kSupervise;
    action.note = "云监护预警 " + std::to_string(minutes) + " 分钟无人确认，已升级至社区" +
                  (community.empty() ? "" : "：" + community);
    notice.Str("step", "community").Str("community", community);
  } else {
    // The contacts' phones leave sealed storage only here, for the
    // endpoint that reaches them (an SMS or voice gateway); the audit log
    // records it in the same transaction.
    CG_ASSIGN_OR_RETURN(store::Rows contacts,
                        conn->Query("SELECT name, relation, phone_enc, phone_masked FROM "
                                    "care_contact WHERE subject_id = $1 ORDER BY id",
                                    {a.Int("subject_id")}));
    std::string list = "[";
    std::string names;
    for (const auto& c : contacts) {
      CG_ASSIGN_OR_RETURN(std::string phone, cipher_.Decrypt(c.Text("phone_enc")));
      if (list.size() > 1) list += ',';
      list += JsonText()
                  .Str("name", c.Text("name"))
                  .Str("relation", c.Text("relation"))
                  .Str("phone", phone)
                  .str();
      if (!names.empty()) names += "、";
      names += c.Text("name") + "（" + c.Text("relation") + "，" + c.Text("phone_masked") + "）";
    }
    list += "]";
    action.type = TicketEventType::kComment;
    action.note = "云监护预警 " + std::to_string(minutes) + " 分钟无人确认，" +
                  (contacts.empty() ? "无紧急联系人可通知" : "已通知紧急联系人：" + names);
    notice.Str("step", "emergency_contact").Raw("contacts", list);
    Caller system;
    system.username = "system";
    system.role = Role::kCountyAdmin;
    system.request_id = "care";
    CG_TRY(audit_.Append(*conn, system, "care.contact.notify", "care_alert", alert_id,
                         std::to_string(contacts.size()) + " contacts"));
  }
  action.notice = notice.str();
  std::optional<TicketChange> change;
  if (auto ticket = a.OptInt("ticket_id")) {
    auto acted = tickets_.SystemAct(*conn, *ticket, action, kSystemLabel);
    if (!acted.ok() && acted.error().code == core::ErrorCode::kConflict) {
      // The ticket was finished meanwhile: the step is a note.
      action.type = TicketEventType::kComment;
      acted = tickets_.SystemAct(*conn, *ticket, action, kSystemLabel);
    }
    if (!acted.ok()) return acted.error();
    change = std::move(*acted);
  }
  CG_TRY(tx.Commit());
  if (change) tickets_.NotifyCommitted(*change);
  return true;
}

core::Result<int64_t> CareService::LearnProfiles(int64_t now) {
  store::Rows rows;
  {
    CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
    CG_ASSIGN_OR_RETURN(rows,
                        conn->Query("SELECT id FROM care_subject WHERE profile_on = 1 AND "
                                    "profile_at <= $1 ORDER BY profile_at, id LIMIT $2",
                                    {now - options_.profile_relearn_ms, options_.sweep_limit}));
  }
  int64_t learned = 0;
  for (const auto& r : rows) {
    auto ok = RelearnProfile(r.Int(0), now);
    if (!ok.ok() || !*ok) continue;
    ++learned;
    auto evaluated = Evaluate(r.Int(0), now);  // the new profile moves profile_due
    (void)evaluated;
  }
  return learned;
}

core::Result<bool> CareService::RelearnProfile(int64_t subject_id, int64_t now) {
  const int64_t end = now / core::kMsPerHour * core::kMsPerHour;
  const int64_t start = end - options_.profile_weeks * 7 * core::kMsPerDay;
  const size_t hours = static_cast<size_t>((end - start) / core::kMsPerHour);
  std::vector<std::optional<bool>> use(hours);
  {
    CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
    CG_ASSIGN_OR_RETURN(store::Row s,
                        conn->QueryOne("SELECT away_from, away_until FROM care_subject WHERE id "
                                       "= $1",
                                       {subject_id}));
    CG_ASSIGN_OR_RETURN(store::Rows meters,
                        conn->Query("SELECT id, kind, floor, standby_w FROM care_meter WHERE "
                                    "subject_id = $1 AND for_silence = 1 ORDER BY id",
                                    {subject_id}));
    for (const auto& m : meters) {
      // Replays the window's readings through the meter's rule state: an
      // hour saw use when the rule counted use in it; the hours between the
      // first and the last reading are observed.
      CG_ASSIGN_OR_RETURN(store::Rows readings,
                          conn->Query("SELECT at, value FROM care_reading WHERE meter_id = $1 AND "
                                      "at >= $2 AND at < $3 ORDER BY at",
                                      {m.Int("id"), start, end}));
      MeterState state;
      SetMeterKind(state, m.Text("kind"), m.Real("floor"),
                   m.IsNull("standby_w") ? std::nullopt : std::optional(m.Real("standby_w")), true,
                   options_);
      std::optional<int64_t> first;
      for (const auto& rd : readings) {
        const int64_t at = rd.Int("at");
        const std::optional<int64_t> before = state.last_use_at;
        ApplyReading(state, CheckedReading{at, rd.Real("value")}, options_);
        if (!first) first = at;
        const size_t i = static_cast<size_t>((at - 1 - start) / core::kMsPerHour);
        if (at - 1 < start || i >= hours) continue;
        if (state.last_use_at != before) use[i] = true;
      }
      if (!first || !state.last_at) continue;
      for (int64_t t = *first; t < *state.last_at; t += core::kMsPerHour) {
        const size_t i = static_cast<size_t>((t - start) / core::kMsPerHour);
        if (i < hours && !use[i]) use[i] = false;
      }
    }
    // The days away teach nothing about the days at home.
    if (auto from = s.OptInt("away_from"), until = s.OptInt("away_until"); from && until) {
      for (int64_t t = std::max(*from, start); t < std::min(*until, end); t += core::kMsPerHour) {
        use[static_cast<size_t>((t - start) / core::kMsPerHour)].reset();
      }
    }
  }
  UseProfile profile = domain::LearnProfile(start, use);
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_TRY(conn->Execute("UPDATE care_subject SET profile = $1, profile_at = $2 WHERE id = $3",
                       {profile.Encode(), now, subject_id}));
  return true;
}

}  // namespace civicgrid::domain
