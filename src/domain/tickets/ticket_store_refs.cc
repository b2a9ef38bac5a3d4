// TicketStore: the rows a ticket refers to — escalations, followers,
// attachments, contact, idempotency keys, and the people and places an action
// checks (the ticket rows themselves are in ticket_store.cc).
#include "domain/tickets/ticket_store.h"

namespace civicgrid::domain {
namespace {

using core::Error;

// A query's single row, none when absent.
core::Result<std::optional<store::Row>> OptionalRow(store::Connection& conn, std::string_view sql,
                                                    const store::Params& params) {
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn.Query(sql, params));
  if (rows.empty()) return std::optional<store::Row>();
  return std::optional<store::Row>(std::move(rows.front()));
}

}  // namespace

// --- escalations ---------------------------------------------------------------------

core::Result<std::vector<Escalation>> TicketStore::Escalations(int64_t ticket_id) {
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn_.Query("SELECT x.id, x.ticket_id, x.unit_id, u.name AS unit_name, x.called_at, "
                  "x.report_due, x.resolve_due, x.responded_at, x.response, x.overdue FROM "
                  "ticket_escalation x JOIN unit u ON u.id = x.unit_id WHERE x.ticket_id = $1 "
                  "ORDER BY x.id",
                  {ticket_id}));
  std::vector<Escalation> out;
  for (const auto& r : rows) {
    out.push_back(Escalation{r.Int("id"), r.Int("ticket_id"), r.Int("unit_id"), r.Text("unit_name"),
                             r.Int("called_at"), r.Int("report_due"), r.Int("resolve_due"),
                             r.OptInt("responded_at"), r.OptText("response"),
                             r.Int("overdue") != 0});
  }
  return out;
}

core::Result<std::optional<EscalationCall>> TicketStore::EscalationOf(int64_t ticket_id,
                                                                      int64_t unit_id) {
  CG_ASSIGN_OR_RETURN(auto row, OptionalRow(conn_,
                                            "SELECT id, report_due, responded_at FROM "
                                            "ticket_escalation WHERE ticket_id = $1 AND unit_id "
                                            "= $2",
                                            {ticket_id, unit_id}));
  if (!row) return std::optional<EscalationCall>();
  return std::optional<EscalationCall>(
      EscalationCall{row->Int("id"), row->Int("report_due"), !row->IsNull("responded_at")});
}

core::Status TicketStore::InsertEscalation(int64_t ticket_id, int64_t unit_id, int64_t called_by,
                                           int64_t at, int64_t report_due, int64_t resolve_due) {
  CG_TRY(conn_.Execute(
      "INSERT INTO ticket_escalation (ticket_id, unit_id, called_by, called_at, report_due, "
      "resolve_due) VALUES ($1, $2, $3, $4, $5, $6)",
      {ticket_id, unit_id, called_by, at, report_due, resolve_due}));
  return core::Ok();
}

core::Status TicketStore::MarkResponded(int64_t escalation_id, int64_t at,
                                        const std::string& response, bool late) {
  CG_TRY(conn_.Execute(
      "UPDATE ticket_escalation SET responded_at = $1, response = $2, overdue = $3 WHERE id = $4",
      {at, response, late, escalation_id}));
  return core::Ok();
}

core::Status TicketStore::MarkLateEscalations(int64_t now) {
  CG_TRY(conn_.Execute(
      "UPDATE ticket_escalation SET overdue = 1 WHERE responded_at IS NULL AND overdue = 0 AND "
      "report_due < $1",
      {now}));
  return core::Ok();
}

core::Result<std::vector<DueTicket>> TicketStore::DueTickets(int64_t now, int64_t limit) {
  CG_ASSIGN_OR_RETURN(
      store::Rows due,
      conn_.Query(
          "SELECT t.id, "
          "CASE WHEN t.accepted_at IS NULL AND t.accept_due < $1 THEN 1 ELSE 0 END + "
          "CASE WHEN t.responded_at IS NULL AND t.respond_due < $1 THEN 2 ELSE 0 END + "
          "CASE WHEN t.resolved_at IS NULL AND t.resolve_due < $1 THEN 4 ELSE 0 END + "
          "CASE WHEN EXISTS (SELECT 1 FROM ticket_escalation x WHERE x.ticket_id = t.id AND "
          "x.overdue = 1 AND x.responded_at IS NULL) THEN 8 ELSE 0 END AS missed "
          "FROM ticket t WHERE t.state NOT IN " +
              std::string(kFinishedStates) +
              " AND ("
              "(t.accepted_at IS NULL AND t.accept_due < $1 AND (t.overdue & 1) = 0) OR "
              "(t.responded_at IS NULL AND t.respond_due < $1 AND (t.overdue & 2) = 0) OR "
              "(t.resolved_at IS NULL AND t.resolve_due < $1 AND (t.overdue & 4) = 0) OR "
              "(t.state = 'escalated' AND (t.overdue & 8) = 0 AND EXISTS (SELECT 1 FROM "
              "ticket_escalation x WHERE x.ticket_id = t.id AND x.overdue = 1 AND x.responded_at "
              "IS NULL))) ORDER BY t.id LIMIT $2",
          {now, limit}));
  std::vector<DueTicket> out;
  for (const auto& r : due) out.push_back(DueTicket{r.Int("id"), r.Int("missed")});
  return out;
}

// --- followers, attachments, contact ---------------------------------------------------

core::Status TicketStore::Follow(int64_t ticket_id, int64_t account_id, int64_t now) {
  CG_TRY(conn_.Execute(
      "INSERT INTO ticket_follower (ticket_id, account_id, created_at) VALUES ($1, $2, $3) ON "
      "CONFLICT DO NOTHING",
      {ticket_id, account_id, now}));
  return core::Ok();
}

core::Result<bool> TicketStore::AttachmentUploadedBy(int64_t id, int64_t account) {
  // One attachment row is shared by everyone who uploaded the same bytes;
  // attachment_upload records each uploader.
  CG_ASSIGN_OR_RETURN(
      auto row, OptionalRow(conn_,
                            "SELECT a.id, CASE WHEN EXISTS (SELECT 1 FROM attachment_upload u "
                            "WHERE u.attachment_id = a.id AND u.account_id = $2) THEN 1 ELSE 0 "
                            "END AS mine FROM attachment a WHERE a.id = $1",
                            {id, account}));
  if (!row) return Error::NotFound("附件不存在");
  return row->Int("mine") != 0;
}

core::Status TicketStore::LinkAttachment(int64_t ticket_id, int64_t attachment_id,
                                         std::optional<int64_t> event_id) {
  // Deferred: nothing reads its answer (sent with the transaction's next statement).
  return conn_.Defer(
      "INSERT INTO ticket_attachment (ticket_id, attachment_id, event_id) VALUES ($1, $2, $3) "
      "ON CONFLICT DO NOTHING",
      {ticket_id, attachment_id, event_id});
}

core::Result<TicketStore::ContactRow> TicketStore::Contact(int64_t id) {
  CG_ASSIGN_OR_RETURN(auto row, OptionalRow(conn_,
                                            "SELECT anonymous, submitter_name, "
                                            "submitter_phone_enc FROM ticket WHERE id = $1",
                                            {id}));
  if (!row) return Error::NotFound("工单不存在");
  return ContactRow{row->Int("anonymous") != 0, row->Text("submitter_name"),
                    row->OptText("submitter_phone_enc")};
}

// --- idempotency keys --------------------------------------------------------------------

core::Result<std::optional<TicketStore::KeyUse>> TicketStore::FindKey(int64_t account,
                                                                      const std::string& key) {
  CG_ASSIGN_OR_RETURN(auto row, OptionalRow(conn_,
                                            "SELECT request_hash, ticket_id, event_id FROM "
                                            "idempotency_key WHERE account_id = $1 AND idem_key "
                                            "= $2",
                                            {account, key}));
  if (!row) return std::optional<KeyUse>();
  return std::optional<KeyUse>(KeyUse{row->Text("request_hash"), row->Int("ticket_id"),
                                      row->OptInt("event_id").value_or(0)});
}

core::Status TicketStore::RememberKey(int64_t account, const std::string& key,
                                      const std::string& hash, int64_t ticket_id, int64_t event_id,
                                      int64_t now) {
  CG_TRY(conn_.Execute(
      "INSERT INTO idempotency_key (account_id, idem_key, request_hash, ticket_id, event_id, "
      "created_at) VALUES ($1, $2, $3, $4, $5, $6)",
      {account, key, hash, ticket_id, event_id, now}));
  return core::Ok();
}

// --- people and places ---------------------------------------------------------------------

std::string TicketStore::DisplayName(int64_t account_id, const std::string& fallback) {
  auto row = OptionalRow(conn_, "SELECT display_name FROM account WHERE id = $1", {account_id});
  return row.ok() && *row ? (*row)->Text("display_name") : fallback;
}

core::Result<std::optional<std::string>> TicketStore::MemberSkills(int64_t member_id) {
  CG_ASSIGN_OR_RETURN(
      auto row, OptionalRow(conn_, "SELECT skills FROM party_member WHERE id = $1", {member_id}));
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(row->Text("skills"));
}

core::Result<std::optional<TicketStore::NodeRow>> TicketStore::Node(int64_t id) {
  CG_ASSIGN_OR_RETURN(
      auto row, OptionalRow(conn_, "SELECT kind, path, name FROM org_node WHERE id = $1", {id}));
  if (!row) return std::optional<NodeRow>();
  return std::optional<NodeRow>(NodeRow{row->Text("kind"), row->Text("path"), row->Text("name")});
}

core::Result<std::optional<std::string>> TicketStore::CountyCode(const std::string& path) {
  // The ancestors of "/1/7/42/" are the nodes whose path is a prefix of it.
  SqlWhere w;
  std::string list;
  std::string prefix = "/";
  for (size_t i = 1; i < path.size(); ++i) {
    prefix += path[i];
    if (path[i] == '/') list += (list.empty() ? "" : ", ") + w.Param(prefix);
  }
  if (list.empty()) return std::optional<std::string>();
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn_.Query("SELECT code FROM org_node WHERE kind = 'county' AND path IN (" + list + ")",
                  w.params()));
  if (rows.empty()) return std::optional<std::string>();
  return std::optional<std::string>(rows.front().Text("code"));
}

core::Result<std::optional<std::string>> TicketStore::TicketPath(int64_t id) {
  CG_ASSIGN_OR_RETURN(auto row, OptionalRow(conn_, "SELECT path FROM ticket WHERE id = $1", {id}));
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(row->Text("path"));
}

core::Result<bool> TicketStore::UnitPairedWith(int64_t unit, const std::string& path) {
  SqlWhere w;
  w.And("up.unit_id = " + w.Param(unit));
  w.And(InSubtreeOf("pn", w.Param(path)));
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn_.Query("SELECT up.unit_id FROM unit_pairing up JOIN org_node pn ON "
                                  "pn.id = up.node_id WHERE " +
                                      w.sql() + " LIMIT 1",
                                  w.params()));
  return !rows.empty();
}

core::Result<std::optional<TicketStore::UnitRow>> TicketStore::Unit(int64_t id) {
  CG_ASSIGN_OR_RETURN(auto row,
                      OptionalRow(conn_, "SELECT name, kind FROM unit WHERE id = $1", {id}));
  if (!row) return std::optional<UnitRow>();
  return std::optional<UnitRow>(UnitRow{row->Text("name"), row->Text("kind")});
}

core::Result<std::optional<TicketStore::MemberRow>> TicketStore::Member(int64_t id) {
  CG_ASSIGN_OR_RETURN(auto row, OptionalRow(conn_,
                                            "SELECT m.name, n.path FROM party_member m LEFT JOIN "
                                            "org_node n ON n.id = m.residence_node_id WHERE m.id "
                                            "= $1",
                                            {id}));
  if (!row) return std::optional<MemberRow>();
  return std::optional<MemberRow>(MemberRow{row->Text("name"), row->OptText("path")});
}

core::Result<std::optional<TicketStore::AccountRow>> TicketStore::Account(int64_t id) {
  CG_ASSIGN_OR_RETURN(auto row, OptionalRow(conn_,
                                            "SELECT a.display_name, a.role, n.path, a.disabled "
                                            "FROM account a JOIN org_node n ON n.id = "
                                            "a.scope_node_id WHERE a.id = $1",
                                            {id}));
  if (!row) return std::optional<AccountRow>();
  return std::optional<AccountRow>(AccountRow{row->Text("display_name"), row->Text("role"),
                                              row->Text("path"), row->Int("disabled") != 0});
}

core::Result<std::vector<AssigneeOption>> TicketStore::Candidates(AssigneeKind kind,
                                                                  const std::string& path,
                                                                  int64_t limit) {
  const std::string under = InSubtreeOf("n", "$1");  // the ticket lies under node n
  std::string sql;
  switch (kind) {
    case AssigneeKind::kAccount:
      sql =
          "SELECT a.id, a.display_name AS name, a.role AS detail FROM account a JOIN org_node "
          "n ON n.id = a.scope_node_id WHERE a.disabled = 0 AND a.role IN ('county_admin', "
          "'street_admin', 'community_secretary', 'community_worker', 'grid_worker') AND " +
          under + " ORDER BY length(n.path) DESC, a.id LIMIT $2";
      break;
    case AssigneeKind::kUnit:
      sql =
          "SELECT u.id, u.name, u.kind AS detail FROM unit u WHERE (u.kind IN ('government', "
          "'public_institution') AND EXISTS (SELECT 1 FROM org_node n WHERE n.id = u.node_id "
          "AND " +
          under +
          ")) OR EXISTS (SELECT 1 FROM unit_pairing up JOIN org_node n ON n.id = up.node_id "
          "WHERE up.unit_id = u.id AND " +
          under + ") ORDER BY u.id LIMIT $2";
      break;
    case AssigneeKind::kMember:
      sql =
          "SELECT m.id, m.name, m.skills AS detail FROM party_member m JOIN org_node n ON n.id "
          "= m.residence_node_id WHERE " +
          under + " ORDER BY m.id LIMIT $2";
      break;
    case AssigneeKind::kBoard:
      return std::vector<AssigneeOption>{};
  }
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn_.Query(sql, {path, limit}));
  std::vector<AssigneeOption> out;
  for (const auto& r : rows) {
    out.push_back({Assignee{kind, r.Int("id"), r.Text("name")}, r.Text("detail")});
  }
  return out;
}

}  // namespace civicgrid::domain
