#include "domain/schema.h"

#include <string>
#include <vector>

#include "domain/access/notices.h"
#include "domain/care/care_schema.h"
#include "domain/coverage/coverage_schema.h"
#include "domain/deliberation/deliberation_schema.h"
#include "domain/duty/duty_schema.h"
#include "domain/governance/governance_schema.h"
#include "domain/partylife/partylife_schema.h"
#include "domain/tickets/stats_rollup.h"
#include "domain/tickets/ticket_list_query.h"
#include "domain/timebank/timebank_schema.h"
#include "domain/visits/visit_schema.h"

namespace civicgrid::domain {
namespace {

// Migration 1: accounts, sessions, API tokens, the audit log.
constexpr const char* kAccessSql = R"sql(
CREATE TABLE account (
  id {{pk}},
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL,
  scope_node_id BIGINT NOT NULL,
  unit_id BIGINT,
  party_member_id BIGINT,
  resident_id BIGINT,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until BIGINT NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  password_changed_at BIGINT NOT NULL
);
CREATE TABLE session (
  token_hash TEXT PRIMARY KEY,
  account_id BIGINT NOT NULL REFERENCES account(id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX session_account ON session(account_id);
CREATE TABLE api_token (
  id {{pk}},
  account_id BIGINT NOT NULL REFERENCES account(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  revoked_at BIGINT
);
CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY,
  at_ms BIGINT NOT NULL,
  account_id BIGINT NOT NULL,
  action TEXT NOT NULL,
  subject_type TEXT NOT NULL,
  subject_id BIGINT NOT NULL,
  detail TEXT NOT NULL,
  request_id TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
)sql";

constexpr const char* kAuditGuardSqlite = R"sql(
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
)sql";

constexpr const char* kAuditGuardPostgres = R"sql(
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
)sql";

// Migration 3: the registry — org tree, people, party, units, staff.
constexpr const char* kRegistrySql = R"sql(
CREATE TABLE org_node (
  id {{pk}},
  parent_id BIGINT REFERENCES org_node(id),
  kind TEXT NOT NULL,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  path {{text}} NOT NULL,
  geometry TEXT,
  center_lon {{real}},
  center_lat {{real}},
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX org_node_path ON org_node(path);
CREATE INDEX org_node_parent ON org_node(parent_id, id);
CREATE INDEX org_node_kind ON org_node(kind, id);

CREATE TABLE household (
  id {{pk}},
  building_id BIGINT NOT NULL REFERENCES org_node(id),
  room TEXT NOT NULL,
  member_household INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  UNIQUE (building_id, room)
);

CREATE TABLE resident (
  id {{pk}},
  node_id BIGINT NOT NULL REFERENCES org_node(id),
  household_id BIGINT REFERENCES household(id),
  name TEXT NOT NULL,
  sex TEXT NOT NULL,
  birth_date TEXT NOT NULL,
  id_number_enc {{blob}} NOT NULL,
  id_number_hash {{blob}} NOT NULL UNIQUE,
  id_number_masked TEXT NOT NULL,
  phone_enc {{blob}},
  phone_hash {{blob}},
  phone_masked TEXT,
  flags BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX resident_node ON resident(node_id, id);
CREATE INDEX resident_household ON resident(household_id);
CREATE INDEX resident_phone ON resident(phone_hash);

CREATE TABLE party_org (
  id {{pk}},
  node_id BIGINT NOT NULL REFERENCES org_node(id),
  parent_id BIGINT REFERENCES party_org(id),
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX party_org_node ON party_org(node_id);

CREATE TABLE unit (
  id {{pk}},
  node_id BIGINT NOT NULL REFERENCES org_node(id),
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  credit_code TEXT UNIQUE,
  address TEXT NOT NULL DEFAULT '',
  contact_name TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE INDEX unit_node ON unit(node_id, id);

CREATE TABLE unit_pairing (
  id {{pk}},
  unit_id BIGINT NOT NULL REFERENCES unit(id),
  node_id BIGINT NOT NULL REFERENCES org_node(id),
  since TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (unit_id, node_id)
);
CREATE INDEX unit_pairing_node ON unit_pairing(node_id);

CREATE TABLE party_member (
  id {{pk}},
  name TEXT NOT NULL,
  sex TEXT NOT NULL,
  id_number_enc {{blob}} NOT NULL,
  id_number_hash {{blob}} NOT NULL UNIQUE,
  id_number_masked TEXT NOT NULL,
  phone_enc {{blob}},
  phone_hash {{blob}},
  phone_masked TEXT,
  party_org_id BIGINT NOT NULL REFERENCES party_org(id),
  unit_id BIGINT REFERENCES unit(id),
  residence_node_id BIGINT REFERENCES org_node(id),
  registered_on TEXT,
  skills TEXT NOT NULL DEFAULT '',
  mobile INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE INDEX party_member_org ON party_member(party_org_id, id);
CREATE INDEX party_member_residence ON party_member(residence_node_id, id);
CREATE INDEX party_member_unit ON party_member(unit_id);

CREATE TABLE staff (
  id {{pk}},
  kind TEXT NOT NULL,
  employment TEXT NOT NULL DEFAULT '',
  node_id BIGINT NOT NULL REFERENCES org_node(id),
  name TEXT NOT NULL,
  phone_enc {{blob}},
  phone_hash {{blob}},
  phone_masked TEXT,
  resident_id BIGINT REFERENCES resident(id),
  created_at BIGINT NOT NULL
);
CREATE INDEX staff_node ON staff(node_id, kind);

CREATE TABLE grid_assignment (
  staff_id BIGINT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
  grid_id BIGINT NOT NULL REFERENCES org_node(id),
  PRIMARY KEY (staff_id, grid_id)
);
CREATE INDEX grid_assignment_grid ON grid_assignment(grid_id);
)sql";

// Migration 4: party-and-people service centres (党群服务中心).
constexpr const char* kServiceCenterSql = R"sql(
CREATE TABLE service_center (
  id {{pk}},
  node_id BIGINT NOT NULL REFERENCES org_node(id),
  name TEXT NOT NULL,
  floor_area_m2 BIGINT NOT NULL,
  lon {{real}} NOT NULL,
  lat {{real}} NOT NULL,
  facilities TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE INDEX service_center_node ON service_center(node_id);
)sql";

// Migration 5: tickets — categories, tickets, their append-only events,
// 吹哨 escalations, attachments, idempotency keys, number counters, webhook
// endpoints and their outbox, Open311 keys.
constexpr const char* kTicketSql = R"sql(
CREATE TABLE ticket_category (
  id {{pk}},
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  name_en TEXT NOT NULL DEFAULT '',
  grp TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  handler TEXT NOT NULL,
  handler_unit_id BIGINT REFERENCES unit(id),
  skill TEXT NOT NULL DEFAULT '',
  accept_minutes BIGINT NOT NULL,
  respond_minutes BIGINT NOT NULL,
  resolve_minutes BIGINT NOT NULL,
  allow_anonymous INTEGER NOT NULL DEFAULT 0,
  public_board INTEGER NOT NULL DEFAULT 0,
  duplicate_radius_m BIGINT NOT NULL DEFAULT 50,
  active INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE ticket_counter (
  prefix TEXT PRIMARY KEY,
  seq BIGINT NOT NULL
);

CREATE TABLE ticket (
  id {{pk}},
  number TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  channel TEXT NOT NULL,
  category_id BIGINT NOT NULL REFERENCES ticket_category(id),
  node_id BIGINT NOT NULL REFERENCES org_node(id),
  path {{text}} NOT NULL,
  title TEXT NOT NULL,
  description TEXT NOT NULL,
  address TEXT NOT NULL DEFAULT '',
  lon {{real}},
  lat {{real}},
  state TEXT NOT NULL,
  version BIGINT NOT NULL,
  anonymous INTEGER NOT NULL DEFAULT 0,
  is_public INTEGER NOT NULL DEFAULT 0,
  submitter_account_id BIGINT REFERENCES account(id),
  submitter_name TEXT NOT NULL DEFAULT '',
  submitter_phone_enc {{blob}},
  submitter_phone_hash {{blob}},
  submitter_phone_masked TEXT,
  assignee_kind TEXT,
  assignee_id BIGINT,
  duplicate_of BIGINT REFERENCES ticket(id),
  reopen_count BIGINT NOT NULL DEFAULT 0,
  rating BIGINT,
  rating_comment TEXT,
  callback_outcome TEXT,
  overdue BIGINT NOT NULL DEFAULT 0,
  supervised INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  accept_due BIGINT NOT NULL,
  respond_due BIGINT NOT NULL,
  resolve_due BIGINT NOT NULL,
  accepted_at BIGINT,
  responded_at BIGINT,
  resolved_at BIGINT,
  closed_at BIGINT,
  rated_at BIGINT,
  updated_at BIGINT NOT NULL
);
CREATE INDEX ticket_path ON ticket(path, id);
CREATE INDEX ticket_path_created ON ticket(path, created_at);
CREATE INDEX ticket_submitter ON ticket(submitter_account_id, id);
CREATE INDEX ticket_assignee ON ticket(assignee_kind, assignee_id, id);
CREATE INDEX ticket_state_due ON ticket(state, resolve_due);
CREATE INDEX ticket_category_state ON ticket(category_id, state, lat);
CREATE INDEX ticket_updated ON ticket(updated_at, id);

CREATE TABLE ticket_event (
  id {{pk}},
  ticket_id BIGINT NOT NULL REFERENCES ticket(id),
  seq BIGINT NOT NULL,
  type TEXT NOT NULL,
  actor_account_id BIGINT,
  actor_label TEXT NOT NULL,
  at BIGINT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  data TEXT NOT NULL DEFAULT '{}',
  state_after TEXT NOT NULL,
  UNIQUE (ticket_id, seq)
);
CREATE INDEX ticket_event_at ON ticket_event(at, id);

CREATE TABLE ticket_follower (
  ticket_id BIGINT NOT NULL REFERENCES ticket(id),
  account_id BIGINT NOT NULL REFERENCES account(id),
  created_at BIGINT NOT NULL,
  PRIMARY KEY (ticket_id, account_id)
);
CREATE INDEX ticket_follower_account ON ticket_follower(account_id, ticket_id);

CREATE TABLE ticket_escalation (
  id {{pk}},
  ticket_id BIGINT NOT NULL REFERENCES ticket(id),
  unit_id BIGINT NOT NULL REFERENCES unit(id),
  called_by BIGINT NOT NULL,
  called_at BIGINT NOT NULL,
  report_due BIGINT NOT NULL,
  resolve_due BIGINT NOT NULL,
  responded_at BIGINT,
  response TEXT,
  overdue INTEGER NOT NULL DEFAULT 0,
  UNIQUE (ticket_id, unit_id)
);
CREATE INDEX ticket_escalation_unit ON ticket_escalation(unit_id, ticket_id);
CREATE INDEX ticket_escalation_due ON ticket_escalation(responded_at, report_due);

CREATE TABLE attachment (
  id {{pk}},
  sha256 TEXT NOT NULL UNIQUE,
  content_type TEXT NOT NULL,
  bytes BIGINT NOT NULL,
  width BIGINT,
  height BIGINT,
  thumb_sha256 TEXT,
  uploaded_by BIGINT,
  created_at BIGINT NOT NULL
);

CREATE TABLE ticket_attachment (
  ticket_id BIGINT NOT NULL REFERENCES ticket(id),
  attachment_id BIGINT NOT NULL REFERENCES attachment(id),
  event_id BIGINT REFERENCES ticket_event(id),
  PRIMARY KEY (ticket_id, attachment_id)
);

CREATE TABLE idempotency_key (
  account_id BIGINT NOT NULL,
  idem_key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  ticket_id BIGINT NOT NULL REFERENCES ticket(id),
  created_at BIGINT NOT NULL,
  PRIMARY KEY (account_id, idem_key)
);

CREATE TABLE webhook_endpoint (
  id {{pk}},
  url TEXT NOT NULL,
  secret_enc {{blob}} NOT NULL,
  node_id BIGINT NOT NULL REFERENCES org_node(id),
  event_types TEXT NOT NULL DEFAULT '',
  active INTEGER NOT NULL DEFAULT 1,
  created_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);

CREATE TABLE webhook_outbox (
  id {{pk}},
  endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoint(id),
  event_id BIGINT NOT NULL REFERENCES ticket_event(id),
  payload TEXT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  delivered_at BIGINT,
  failed_at BIGINT,
  last_error TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE INDEX webhook_outbox_due ON webhook_outbox(delivered_at, failed_at, next_attempt_at);

CREATE TABLE open311_key (
  id {{pk}},
  key_hash TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  account_id BIGINT NOT NULL REFERENCES account(id),
  created_at BIGINT NOT NULL,
  revoked_at BIGINT
);
)sql";

constexpr const char* kTicketEventGuardSqlite = R"sql(
CREATE TRIGGER ticket_event_no_update BEFORE UPDATE ON ticket_event
BEGIN SELECT RAISE(ABORT, 'ticket_event is append-only'); END;
CREATE TRIGGER ticket_event_no_delete BEFORE DELETE ON ticket_event
BEGIN SELECT RAISE(ABORT, 'ticket_event is append-only'); END;
)sql";

constexpr const char* kTicketEventGuardPostgres = R"sql(
CREATE FUNCTION ticket_event_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'ticket_event is append-only'; END; $$ LANGUAGE plpgsql;
CREATE TRIGGER ticket_event_no_update BEFORE UPDATE OR DELETE ON ticket_event
FOR EACH ROW EXECUTE FUNCTION ticket_event_append_only();
)sql";

// Migration 7: everyone who uploaded an attachment. A file is stored once per
// content (sha256), so the same bytes uploaded by two accounts are one
// attachment row; each uploader may read it and link it to their tickets.
constexpr const char* kAttachmentUploadSql = R"sql(
CREATE TABLE attachment_upload (
  attachment_id BIGINT NOT NULL REFERENCES attachment(id),
  account_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (attachment_id, account_id)
);
CREATE INDEX ticket_attachment_attachment ON ticket_attachment(attachment_id);
)sql";

// Migration 8: rollups of the ticket rates (domain/tickets/stats.h,
// docs/rates.md). One row per (grain, period, path): grain 1 = the day of
// created_at in Asia/Shanghai (period yyyymmdd), grain 2 = its month (period
// yyyymm); path = the materialised path of the ticket's node. Every other
// column is a TicketTally counter, kept equal to a recomputation from the
// ticket rows by TicketStats. SQLite keeps the rows clustered by the key
// (WITHOUT ROWID), so a node's period is one range read.
constexpr const char* kTicketRollupSql = R"sql(
CREATE TABLE ticket_rollup (
  grain INTEGER NOT NULL,
  period BIGINT NOT NULL,
  path {{text}} NOT NULL,
  node_id BIGINT NOT NULL,
  received BIGINT NOT NULL DEFAULT 0, rejected BIGINT NOT NULL DEFAULT 0,
  duplicates BIGINT NOT NULL DEFAULT 0, withdrawn BIGINT NOT NULL DEFAULT 0,
  demands BIGINT NOT NULL DEFAULT 0,
  accepted BIGINT NOT NULL DEFAULT 0, accepted_on_time BIGINT NOT NULL DEFAULT 0,
  responded BIGINT NOT NULL DEFAULT 0, responded_on_time BIGINT NOT NULL DEFAULT 0,
  resolved BIGINT NOT NULL DEFAULT 0, resolved_on_time BIGINT NOT NULL DEFAULT 0,
  rated BIGINT NOT NULL DEFAULT 0, satisfied BIGINT NOT NULL DEFAULT 0,
  solved BIGINT NOT NULL DEFAULT 0, unsolved BIGINT NOT NULL DEFAULT 0,
  unreachable BIGINT NOT NULL DEFAULT 0,
  overdue_accept BIGINT NOT NULL DEFAULT 0, overdue_respond BIGINT NOT NULL DEFAULT 0,
  overdue_resolve BIGINT NOT NULL DEFAULT 0, overdue_escalation BIGINT NOT NULL DEFAULT 0,
  overdue_any BIGINT NOT NULL DEFAULT 0, supervised BIGINT NOT NULL DEFAULT 0,
  respond_minutes BIGINT NOT NULL DEFAULT 0, resolve_minutes BIGINT NOT NULL DEFAULT 0,
  respond_b00 BIGINT NOT NULL DEFAULT 0, respond_b01 BIGINT NOT NULL DEFAULT 0,
  respond_b02 BIGINT NOT NULL DEFAULT 0, respond_b03 BIGINT NOT NULL DEFAULT 0,
  respond_b04 BIGINT NOT NULL DEFAULT 0, respond_b05 BIGINT NOT NULL DEFAULT 0,
  respond_b06 BIGINT NOT NULL DEFAULT 0, respond_b07 BIGINT NOT NULL DEFAULT 0,
  respond_b08 BIGINT NOT NULL DEFAULT 0, respond_b09 BIGINT NOT NULL DEFAULT 0,
  respond_b10 BIGINT NOT NULL DEFAULT 0, respond_b11 BIGINT NOT NULL DEFAULT 0,
  respond_b12 BIGINT NOT NULL DEFAULT 0, respond_b13 BIGINT NOT NULL DEFAULT 0,
  respond_b14 BIGINT NOT NULL DEFAULT 0, respond_b15 BIGINT NOT NULL DEFAULT 0,
  resolve_b00 BIGINT NOT NULL DEFAULT 0, resolve_b01 BIGINT NOT NULL DEFAULT 0,
  resolve_b02 BIGINT NOT NULL DEFAULT 0, resolve_b03 BIGINT NOT NULL DEFAULT 0,
  resolve_b04 BIGINT NOT NULL DEFAULT 0, resolve_b05 BIGINT NOT NULL DEFAULT 0,
  resolve_b06 BIGINT NOT NULL DEFAULT 0, resolve_b07 BIGINT NOT NULL DEFAULT 0,
  resolve_b08 BIGINT NOT NULL DEFAULT 0, resolve_b09 BIGINT NOT NULL DEFAULT 0,
  resolve_b10 BIGINT NOT NULL DEFAULT 0, resolve_b11 BIGINT NOT NULL DEFAULT 0,
  resolve_b12 BIGINT NOT NULL DEFAULT 0, resolve_b13 BIGINT NOT NULL DEFAULT 0,
  resolve_b14 BIGINT NOT NULL DEFAULT 0, resolve_b15 BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (grain, period, path)
)sql";

// Migration 10: the driving indexes of the ticket lists (domain/tickets/
// ticket_list_query.h). Each ends in id, so "filter = ? AND id > ? ORDER BY
// id LIMIT n" is one index range walk; the partial ones carry exactly the
// condition the list query writes.
constexpr const char* kTicketListIndexSql = R"sql(
CREATE INDEX ticket_state_id ON ticket(state, id);
CREATE INDEX ticket_category_id ON ticket(category_id, id);
CREATE INDEX ticket_category_state_id ON ticket(category_id, state, id);
CREATE INDEX ticket_kind_id ON ticket(kind, id);
CREATE INDEX ticket_open_id ON ticket(id) WHERE state NOT IN ('resolved', 'closed', 'rejected');
CREATE INDEX ticket_open_category_id ON ticket(category_id, id)
  WHERE state NOT IN ('resolved', 'closed', 'rejected');
CREATE INDEX ticket_overdue_id ON ticket(id) WHERE overdue <> 0;
)sql";

// Migration 11: lists bounded at city scale (docs/architecture.md "List pages"). Residents carry
// the ids of their building's grid, community, street and county, kept by triggers from node_id
// (on insert, on relocation, and when an org move rewrites node_id to itself), so a list scoped
// to any of those nodes is one index range in id order. The other indexes serve the keyset
// walks of the other lists: a phone lookup, a unit's members, a kind of staff, an endpoint's
// deliveries, each in id order.
constexpr const char* kListIndexSql = R"sql(
ALTER TABLE resident ADD COLUMN grid_id BIGINT;
ALTER TABLE resident ADD COLUMN community_id BIGINT;
ALTER TABLE resident ADD COLUMN street_id BIGINT;
ALTER TABLE resident ADD COLUMN county_id BIGINT;
CREATE INDEX resident_grid ON resident(grid_id, id);
CREATE INDEX resident_community ON resident(community_id, id);
CREATE INDEX resident_street ON resident(street_id, id);
CREATE INDEX resident_county ON resident(county_id, id);
DROP INDEX resident_phone;
CREATE INDEX resident_phone ON resident(phone_hash, id);
DROP INDEX party_member_unit;
CREATE INDEX party_member_unit ON party_member(unit_id, id);
CREATE INDEX staff_kind ON staff(kind, id);
CREATE INDEX webhook_outbox_endpoint ON webhook_outbox(endpoint_id, id);
)sql";

constexpr const char* kResidentScopeSqlite = R"sql(
CREATE TRIGGER resident_scope_insert AFTER INSERT ON resident
BEGIN
  UPDATE resident SET
    grid_id = (SELECT g.id FROM org_node b JOIN org_node g ON g.id = b.parent_id
               WHERE b.id = NEW.node_id),
    community_id = (SELECT c.id FROM org_node b JOIN org_node g ON g.id = b.parent_id
                    JOIN org_node c ON c.id = g.parent_id WHERE b.id = NEW.node_id),
    street_id = (SELECT s.id FROM org_node b JOIN org_node g ON g.id = b.parent_id
                 JOIN org_node c ON c.id = g.parent_id JOIN org_node s ON s.id = c.parent_id
                 WHERE b.id = NEW.node_id),
    county_id = (SELECT k.id FROM org_node b JOIN org_node g ON g.id = b.parent_id
                 JOIN org_node c ON c.id = g.parent_id JOIN org_node s ON s.id = c.parent_id
                 JOIN org_node k ON k.id = s.parent_id WHERE b.id = NEW.node_id)
  WHERE id = NEW.id;
END;
CREATE TRIGGER resident_scope_update AFTER UPDATE OF node_id ON resident
BEGIN
  UPDATE resident SET
    grid_id = (SELECT g.id FROM org_node b JOIN org_node g ON g.id = b.parent_id
               WHERE b.id = NEW.node_id),
    community_id = (SELECT c.id FROM org_node b JOIN org_node g ON g.id = b.parent_id
                    JOIN org_node c ON c.id = g.parent_id WHERE b.id = NEW.node_id),
    street_id = (SELECT s.id FROM org_node b JOIN org_node g ON g.id = b.parent_id
                 JOIN org_node c ON c.id = g.parent_id JOIN org_node s ON s.id = c.parent_id
                 WHERE b.id = NEW.node_id),
    county_id = (SELECT k.id FROM org_node b JOIN org_node g ON g.id = b.parent_id
                 JOIN org_node c ON c.id = g.parent_id JOIN org_node s ON s.id = c.parent_id
                 JOIN org_node k ON k.id = s.parent_id WHERE b.id = NEW.node_id)
  WHERE id = NEW.id;
END;
UPDATE resident SET node_id = node_id;
)sql";

constexpr const char* kResidentScopePostgres = R"sql(
CREATE FUNCTION resident_scope() RETURNS trigger AS $$
BEGIN
  SELECT g.id, c.id, s.id, k.id INTO NEW.grid_id, NEW.community_id, NEW.street_id, NEW.county_id
  FROM org_node b LEFT JOIN org_node g ON g.id = b.parent_id
  LEFT JOIN org_node c ON c.id = g.parent_id LEFT JOIN org_node s ON s.id = c.parent_id
  LEFT JOIN org_node k ON k.id = s.parent_id WHERE b.id = NEW.node_id;
  RETURN NEW;
END; $$ LANGUAGE plpgsql;
CREATE TRIGGER resident_scope BEFORE INSERT OR UPDATE OF node_id ON resident
FOR EACH ROW EXECUTE FUNCTION resident_scope();
UPDATE resident SET node_id = node_id;
)sql";

// Migration 12: tickets carry the ids of their node's ancestors by depth, so a
// staff list scoped to a grid, community or street walks one index in id order
// (domain/tickets/ticket_list_query.h). scope_k is the k-th id of the path
// ("/1/7/42/": scope_2 = 7, scope_3 = 42, deeper ones NULL); depth 1 is the
// root, which every ticket shares. The ticket store writes them on insert; a
// trigger fills them for rows inserted without them (bulk loaders) and keeps
// them when an org move rewrites the path.
constexpr int kTicketScopeDepths[] = {2, 3, 4, 5, 6};

// SQL for the id at each depth 2..6 of the text expression `path`, in the
// dialect given by its string functions (SQLite: instr/max, PostgreSQL:
// strpos/GREATEST).
std::vector<std::string> PathIdExpressions(const std::string& path, const std::string& find,
                                           const std::string& greatest) {
  std::vector<std::string> ids;
  std::string rest = "substr(" + path + ", 2)";  // after the leading '/'
  for (int depth = 1; depth <= 6; ++depth) {
    const std::string slash = find + "(" + rest + ", '/')";
    std::string id = "CAST(NULLIF(substr(" + rest + ", 1, " + greatest + "(" + slash +
                     " - 1, 0)), '') AS BIGINT)";
    if (depth >= 2) ids.push_back(id);
    rest = "substr(" + rest + ", " + slash + " + 1)";
  }
  return ids;
}

std::string TicketScopeSql(bool postgres) {
  std::string sql;
  for (int depth : kTicketScopeDepths) {
    const std::string col = "scope_" + std::to_string(depth);
    sql += "ALTER TABLE ticket ADD COLUMN " + col + " BIGINT;\n";
    sql += "CREATE INDEX ticket_" + col + "_id ON ticket(" + col + ", id);\n";
  }
  const auto ids = postgres ? PathIdExpressions("NEW.path", "strpos", "GREATEST")
                            : PathIdExpressions("NEW.path", "instr", "max");
  std::string set;
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::string col = "scope_" + std::to_string(kTicketScopeDepths[i]);
    set += postgres ? "  NEW." + col + " := " + ids[i] + ";\n"
                    : std::string(i ? ",\n" : "") + "    " + col + " = " + ids[i];
  }
  if (postgres) {
    sql += "CREATE FUNCTION ticket_scope() RETURNS trigger AS $$\nBEGIN\n" + set +
           "  RETURN NEW;\nEND; $$ LANGUAGE plpgsql;\n"
           "CREATE TRIGGER ticket_scope BEFORE INSERT OR UPDATE OF path ON ticket\n"
           "FOR EACH ROW EXECUTE FUNCTION ticket_scope();\n";
  } else {
    const std::string update = "  UPDATE ticket SET\n" + set + "\n  WHERE id = NEW.id;\n";
    sql +=
        "CREATE TRIGGER ticket_scope_insert AFTER INSERT ON ticket WHEN NEW.scope_2 IS NULL\n"
        "BEGIN\n" +
        update +
        "END;\n"
        "CREATE TRIGGER ticket_scope_path AFTER UPDATE OF path ON ticket\nBEGIN\n" +
        update + "END;\n";
  }
  sql += "UPDATE ticket SET path = path;\n";
  return sql;
}

// Migration 31 (PostgreSQL): migration 12's trigger ran for every inserted
// row, though the ticket store writes the scope columns itself, and its
// nested substr/strpos expressions cost 85 µs a row: two thirds of a
// submission's INSERT at city tier (docs/benchmarks.md, session 18). It now
// fills only rows inserted without them (as SQLite's trigger always did) and
// follows a path update, with split_part (`split_part('/1/7/42/', '/', 3)` is
// '7': field k + 1 is the k-th id; past the end it is '').
std::string TicketScopeSplitPartSql() {
  std::string set;
  for (int depth : kTicketScopeDepths) {
    set += "  NEW.scope_" + std::to_string(depth) + " := CAST(NULLIF(split_part(NEW.path, '/', " +
           std::to_string(depth + 1) + "), '') AS BIGINT);\n";
  }
  return "DROP TRIGGER ticket_scope ON ticket;\n"
         "CREATE OR REPLACE FUNCTION ticket_scope() RETURNS trigger AS $$\nBEGIN\n" +
         set +
         "  RETURN NEW;\nEND; $$ LANGUAGE plpgsql;\n"
         "CREATE TRIGGER ticket_scope_insert BEFORE INSERT ON ticket FOR EACH ROW\n"
         "WHEN (NEW.scope_2 IS NULL) EXECUTE FUNCTION ticket_scope();\n"
         "CREATE TRIGGER ticket_scope_path BEFORE UPDATE OF path ON ticket FOR EACH ROW\n"
         "EXECUTE FUNCTION ticket_scope();\n";
}

// Migration 13: what the web pages read (issue 8). The counts of the inbox
// tabs (domain/tickets/ticket_counts.h): one counter per (path of the
// ticket's node, state, kind, overdue flag), kept by TicketStats in every
// ticket transaction and filled here from the tickets already stored (rows
// with n = 0 are removed). The grids of a subtree in path order (the map).
// The audit list filtered by action, actor or subject, each in seq order.
constexpr const char* kTicketStateCountSql = R"sql(
CREATE TABLE ticket_state_count (
  path {{text}} NOT NULL,
  node_id BIGINT NOT NULL,
  state TEXT NOT NULL,
  kind TEXT NOT NULL,
  overdue INTEGER NOT NULL,
  n BIGINT NOT NULL,
  PRIMARY KEY (path, state, kind, overdue)
))sql";

constexpr const char* kTicketStateCountFill = R"sql(;
CREATE INDEX org_node_kind_path ON org_node(kind, path);
CREATE INDEX ticket_open_wish_id ON ticket(id)
  WHERE kind = 'wish' AND state NOT IN ('resolved', 'closed', 'rejected');
CREATE INDEX audit_log_action ON audit_log(action, seq);
CREATE INDEX audit_log_account ON audit_log(account_id, seq);
CREATE INDEX audit_log_subject ON audit_log(subject_type, subject_id, seq);
INSERT INTO ticket_state_count (path, node_id, state, kind, overdue, n)
SELECT path, MIN(node_id), state, kind, CASE WHEN overdue <> 0 THEN 1 ELSE 0 END, COUNT(*)
FROM ticket GROUP BY path, state, kind, CASE WHEN overdue <> 0 THEN 1 ELSE 0 END;
)sql";

// Migration 14: account administration and resident self-registration —
// a forced password change, the account's phone (sealed like other PII, its
// keyed hash unique), the community a self-registered resident chose and the
// state of that registration, and the SMS codes sent to phones (only keyed
// hashes of phone and code are kept).
constexpr const char* kRegistrationSql = R"sql(
ALTER TABLE account ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE account ADD COLUMN phone_enc {{blob}};
ALTER TABLE account ADD COLUMN phone_hash {{blob}};
ALTER TABLE account ADD COLUMN phone_masked TEXT;
ALTER TABLE account ADD COLUMN home_node_id BIGINT REFERENCES org_node(id);
ALTER TABLE account ADD COLUMN registration_state TEXT;
ALTER TABLE account ADD COLUMN registration_note TEXT NOT NULL DEFAULT '';
ALTER TABLE account ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
CREATE UNIQUE INDEX account_phone ON account(phone_hash);
CREATE INDEX account_registration ON account(registration_state, home_node_id, id);
CREATE INDEX account_scope ON account(scope_node_id, id);
CREATE TABLE sms_code (
  id {{pk}},
  phone_hash {{blob}} NOT NULL,
  code_hash {{blob}} NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  used INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sms_code_phone ON sms_code(phone_hash, created_at);
)sql";

std::vector<store::Migration> Build() {
  return {
      {1, "accounts, sessions, tokens, audit log", kAccessSql, ""},
      {2, "audit log is append-only", kAuditGuardSqlite, kAuditGuardPostgres},
      {3, "registry", kRegistrySql, ""},
      {4, "service centres", kServiceCenterSql, ""},
      {5, "tickets", kTicketSql, ""},
      {6, "ticket events are append-only", kTicketEventGuardSqlite, kTicketEventGuardPostgres},
      {7, "attachment uploaders", kAttachmentUploadSql, ""},
      {8, "ticket rate rollups", std::string(kTicketRollupSql) + ") WITHOUT ROWID;",
       std::string(kTicketRollupSql) + ");"},
      {9, "idempotency keys name their event",
       "ALTER TABLE idempotency_key ADD COLUMN event_id BIGINT REFERENCES ticket_event(id);", ""},
      {10, "ticket lists walk an index in id order", kTicketListIndexSql, ""},
      {11, "list keyset indexes, resident scope columns",
       std::string(kListIndexSql) + kResidentScopeSqlite,
       std::string(kListIndexSql) + kResidentScopePostgres},
      {12, "tickets carry their ancestors by depth", TicketScopeSql(false), TicketScopeSql(true)},
      {13, "tab counts, grids by path, audit filters",
       std::string(kTicketStateCountSql) + " WITHOUT ROWID" + kTicketStateCountFill,
       std::string(kTicketStateCountSql) + kTicketStateCountFill},
      {14, "account administration, resident self-registration", kRegistrationSql, ""},
      TimeBankMigration(),
      DutyMigration(),
      {17, "compound governance, red yellow and black lists", GovernanceSchemaSql(), ""},
      {18, "care subjects, meters, readings and silence alerts", CareSchemaSql(), ""},
      {19, "deliberation meetings, agendas, decisions", DeliberationSchemaSql(), ""},
      {20, "party life, first routing of categories", PartyLifeSchemaSql(), ""},
      VisitMigration(),
      CoverageMigration(),
      DutyNoticesMigration(),
      {22, "care alert escalation, learned profiles, drop files", CareEscalationSchemaSql(), ""},
      NoticesMigration(),
      {27, "care silence per meter kind, alerts by grid", CareKindsSchemaSql(), ""},
      {28, "list driver indexes carry the filter columns", WideListIndexSql(), ""},
      // The rate rollup's rows per parent (stats_rollup.h), summed from the rows per node.
      {29, "ticket rollup rows per parent", rollup::ChildrenFromOwnSql(), ""},
      // Two ticket indexes whose keys land at random places in their trees, so each
      // submission dirtied pages of its own in them: (path, created_at), which only a
      // compound's complaint count read (a grid's tickets: ticket_path serves it), and
      // (category_id, state, lat), which the nearby-duplicates lookup read (the open
      // tickets of a category: ticket_open_category_id serves it). And the scope
      // indexes keep only rows with a value (PartialScopeIndexSql). The SQLite intake
      // writes 20 % faster (docs/benchmarks.md, session 16).
      {30, "drop two ticket indexes no list needs",
       "DROP INDEX ticket_path_created;\nDROP INDEX ticket_category_state;\n" +
           PartialScopeIndexSql(),
       ""},
      {31, "the ticket scope trigger only fills what the insert left out", "SELECT 1;",
       TicketScopeSplitPartSql()},
      // The rate rollup's rows per grandparent (stats_rollup.h): a subtree's sums read
      // about a tenth of the rows (docs/rates.md, "Rows per parent"). PostgreSQL
      // analyses the table at once: the new rows are a few percent of it, too few
      // for autovacuum, and until then it planned the new grains as empty and read
      // every grandchildren row of a range (12 ms instead of 0.06 at city tier).
      {32, "ticket rollup rows per grandparent", rollup::GrandchildrenFromOwnSql(),
       rollup::GrandchildrenFromOwnSql() + ";\nANALYZE ticket_rollup;"},
      {33, "the category list index carries the filter columns", WideCategoryIndexSql(), ""},
      // A created-at window's id bounds (tickets.md, "Lists at city scale") come from (created_at,
      // id); (updated_at, id) served no query (Open311 reads requests by creation time).
      {34, "the created-at window index replaces the unused updated-at one",
       "DROP INDEX ticket_updated;\nCREATE INDEX ticket_created ON ticket(created_at, id);", ""},
  };
}

}  // namespace

const std::vector<store::Migration>& Migrations() {
  static const std::vector<store::Migration> kMigrations = Build();
  return kMigrations;
}

}  // namespace civicgrid::domain
