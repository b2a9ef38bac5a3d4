#include "domain/schema.h"

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

std::vector<store::Migration> Build() {
  return {
      {1, "accounts, sessions, tokens, audit log", kAccessSql, ""},
      {2, "audit log is append-only", kAuditGuardSqlite, kAuditGuardPostgres},
      {3, "registry", kRegistrySql, ""},
      {4, "service centres", kServiceCenterSql, ""},
  };
}

}  // namespace

const std::vector<store::Migration>& Migrations() {
  static const std::vector<store::Migration> kMigrations = Build();
  return kMigrations;
}

}  // namespace civicgrid::domain
