#include "domain/care/care_schema.h"

namespace civicgrid::domain {
namespace {

constexpr const char* kCareSql = R"sql(
CREATE TABLE care_subject (
  id {{pk}},
  resident_id BIGINT NOT NULL UNIQUE REFERENCES resident(id),
  node_id BIGINT NOT NULL REFERENCES org_node(id),
  grid_id BIGINT NOT NULL REFERENCES org_node(id),
  path {{text}} NOT NULL,
  worker_staff_id BIGINT REFERENCES staff(id),
  consent_by TEXT NOT NULL,
  consent_method TEXT NOT NULL,
  consent_at BIGINT NOT NULL,
  silence_hours BIGINT NOT NULL,
  flow_hours BIGINT NOT NULL,
  away_from BIGINT,
  away_until BIGINT,
  last_use_at BIGINT NOT NULL,
  silence_due BIGINT NOT NULL,
  version BIGINT NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX care_subject_path ON care_subject(path, id);
CREATE INDEX care_subject_due ON care_subject(silence_due, id);
CREATE TABLE care_contact (
  id {{pk}},
  subject_id BIGINT NOT NULL REFERENCES care_subject(id),
  name TEXT NOT NULL,
  relation TEXT NOT NULL DEFAULT '',
  phone_enc {{blob}} NOT NULL,
  phone_hash {{blob}} NOT NULL,
  phone_masked TEXT NOT NULL
);
CREATE INDEX care_contact_subject ON care_contact(subject_id, id);
CREATE TABLE care_meter (
  id {{pk}},
  subject_id BIGINT NOT NULL REFERENCES care_subject(id),
  kind TEXT NOT NULL,
  external_id TEXT NOT NULL UNIQUE,
  floor {{real}} NOT NULL,
  last_at BIGINT,
  last_value {{real}},
  mark_value {{real}},
  last_use_at BIGINT,
  flow_since BIGINT,
  readings BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE INDEX care_meter_subject ON care_meter(subject_id, id);
CREATE TABLE care_reading (
  meter_id BIGINT NOT NULL REFERENCES care_meter(id),
  at BIGINT NOT NULL,
  value {{real}} NOT NULL,
  received_at BIGINT NOT NULL,
  PRIMARY KEY (meter_id, at)
);
CREATE TABLE care_alert (
  id {{pk}},
  subject_id BIGINT NOT NULL REFERENCES care_subject(id),
  rule TEXT NOT NULL,
  meter_id BIGINT REFERENCES care_meter(id),
  path {{text}} NOT NULL,
  raised_at BIGINT NOT NULL,
  ticket_id BIGINT REFERENCES ticket(id),
  acknowledged_at BIGINT,
  acknowledged_by BIGINT,
  closed_at BIGINT,
  close_reason TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX care_alert_open ON care_alert(subject_id, rule) WHERE closed_at IS NULL;
CREATE INDEX care_alert_path ON care_alert(path, id);
CREATE INDEX care_alert_subject ON care_alert(subject_id, id);
)sql";

// Migration 22: who holds an alert and how far it escalated, the learned
// profile per subject, and the drop folder's files (each ingested once).
constexpr const char* kCareEscalationSql = R"sql(
ALTER TABLE care_alert ADD COLUMN basis TEXT NOT NULL DEFAULT 'fixed';
ALTER TABLE care_alert ADD COLUMN assigned_account_id BIGINT;
ALTER TABLE care_alert ADD COLUMN escalated_at BIGINT;
ALTER TABLE care_alert ADD COLUMN contacted_at BIGINT;
ALTER TABLE care_alert ADD COLUMN closed_by BIGINT;
CREATE INDEX care_alert_assigned ON care_alert(assigned_account_id, id);
ALTER TABLE care_subject ADD COLUMN profile_on INTEGER NOT NULL DEFAULT 0;
ALTER TABLE care_subject ADD COLUMN profile_threshold {{real}} NOT NULL DEFAULT 0.01;
ALTER TABLE care_subject ADD COLUMN profile TEXT NOT NULL DEFAULT '';
ALTER TABLE care_subject ADD COLUMN profile_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE care_subject ADD COLUMN profile_due BIGINT;
CREATE INDEX care_subject_profile_due ON care_subject(profile_due, id);
CREATE TABLE care_drop_file (
  digest TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  ingested_at BIGINT NOT NULL,
  stored BIGINT NOT NULL,
  rejected BIGINT NOT NULL
);
)sql";

// Migration 27: silence per meter kind (a power meter's standby load; gas
// counts for silence only when enrolled so) and alerts by grid and community
// (the screen's map; kept current by org moves, CareService::OnSubtreeMoved).
constexpr const char* kCareKindsSql = R"sql(
ALTER TABLE care_meter ADD COLUMN standby_w {{real}};
ALTER TABLE care_meter ADD COLUMN for_silence INTEGER NOT NULL DEFAULT 1;
UPDATE care_meter SET standby_w = 80 WHERE kind = 'power';
UPDATE care_meter SET for_silence = 0 WHERE kind = 'gas';
ALTER TABLE care_alert ADD COLUMN grid_id BIGINT;
ALTER TABLE care_alert ADD COLUMN community_id BIGINT;
UPDATE care_alert SET grid_id = (SELECT s.grid_id FROM care_subject s WHERE s.id =
  care_alert.subject_id);
UPDATE care_alert SET community_id = (SELECT g.parent_id FROM org_node g WHERE g.id =
  care_alert.grid_id);
CREATE INDEX care_alert_open_path ON care_alert(closed_at, path, id);
CREATE INDEX care_alert_grid ON care_alert(grid_id, id);
)sql";

}  // namespace

const char* CareKindsSchemaSql() { return kCareKindsSql; }

const char* CareSchemaSql() { return kCareSql; }
const char* CareEscalationSchemaSql() { return kCareEscalationSql; }

}  // namespace civicgrid::domain
