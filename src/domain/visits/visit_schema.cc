#include "domain/visits/visit_schema.h"

#include <string>

namespace civicgrid::domain {
namespace {

// household_visit: one row per household. grid_id and community_id are the
// building's parent and grandparent when the household was created; the
// "not seen longest" list walks (grid_id | community_id, last_visited_at,
// household_id). flags is NULL until a visit records them.
constexpr const char* kVisitSql = R"sql(
CREATE TABLE household_visit (
  household_id BIGINT PRIMARY KEY REFERENCES household(id),
  grid_id BIGINT,
  community_id BIGINT,
  path {{text}} NOT NULL,
  flags BIGINT,
  last_visited_at BIGINT NOT NULL DEFAULT 0,
  last_visit_id BIGINT
);
CREATE INDEX household_visit_grid ON household_visit(grid_id, last_visited_at, household_id);
CREATE INDEX household_visit_community
  ON household_visit(community_id, last_visited_at, household_id);
CREATE INDEX household_visit_path ON household_visit(path);
CREATE TABLE visit_campaign (
  id {{pk}},
  name TEXT NOT NULL,
  node_id BIGINT NOT NULL REFERENCES org_node(id),
  path {{text}} NOT NULL,
  starts_on TEXT NOT NULL,
  ends_on TEXT NOT NULL,
  starts_at BIGINT NOT NULL,
  ends_at BIGINT NOT NULL,
  created_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX visit_campaign_path ON visit_campaign(path, id);
CREATE TABLE visit_assignment (
  campaign_id BIGINT NOT NULL REFERENCES visit_campaign(id),
  household_id BIGINT NOT NULL REFERENCES household(id),
  visitor_account_id BIGINT NOT NULL,
  visitor_name TEXT NOT NULL,
  PRIMARY KEY (campaign_id, household_id)
);
CREATE INDEX visit_assignment_visitor ON visit_assignment(visitor_account_id, campaign_id);
CREATE TABLE visit (
  id {{pk}},
  household_id BIGINT NOT NULL REFERENCES household(id),
  grid_id BIGINT,
  community_id BIGINT,
  path {{text}} NOT NULL,
  visitor_account_id BIGINT NOT NULL,
  visitor_name TEXT NOT NULL,
  visited_at BIGINT NOT NULL,
  outcome TEXT NOT NULL,
  needs TEXT NOT NULL DEFAULT '',
  risks TEXT NOT NULL DEFAULT '',
  flags_before BIGINT NOT NULL,
  flags_after BIGINT NOT NULL,
  note_enc {{blob}},
  note_chars BIGINT NOT NULL DEFAULT 0,
  campaign_id BIGINT REFERENCES visit_campaign(id),
  ticket_id BIGINT REFERENCES ticket(id),
  client_key TEXT,
  request_hash TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX visit_client_key ON visit(visitor_account_id, client_key);
CREATE INDEX visit_household ON visit(household_id, id);
CREATE INDEX visit_path ON visit(path, id);
CREATE INDEX visit_grid ON visit(grid_id, id);
CREATE INDEX visit_community ON visit(community_id, id);
CREATE INDEX visit_at ON visit(visited_at);
INSERT INTO household_visit (household_id, grid_id, community_id, path)
SELECT h.id, g.id, g.parent_id, b.path FROM household h JOIN org_node b ON b.id = h.building_id
LEFT JOIN org_node g ON g.id = b.parent_id;
)sql";

constexpr const char* kTriggerSqlite = R"sql(
CREATE TRIGGER household_visit_insert AFTER INSERT ON household
BEGIN
  INSERT INTO household_visit (household_id, grid_id, community_id, path)
  SELECT NEW.id, g.id, g.parent_id, b.path FROM org_node b LEFT JOIN org_node g ON g.id = b.parent_id
  WHERE b.id = NEW.building_id;
END;
)sql";

constexpr const char* kTriggerPostgres = R"sql(
CREATE FUNCTION household_visit_insert() RETURNS trigger AS $$
BEGIN
  INSERT INTO household_visit (household_id, grid_id, community_id, path)
  SELECT NEW.id, g.id, g.parent_id, b.path FROM org_node b LEFT JOIN org_node g ON g.id = b.parent_id
  WHERE b.id = NEW.building_id;
  RETURN NEW;
END; $$ LANGUAGE plpgsql;
CREATE TRIGGER household_visit_insert AFTER INSERT ON household
FOR EACH ROW EXECUTE FUNCTION household_visit_insert();
)sql";

}  // namespace

store::Migration VisitMigration() {
  return {21, "visits (民情台账), household visit state, campaigns",
          std::string(kVisitSql) + kTriggerSqlite, std::string(kVisitSql) + kTriggerPostgres};
}

}  // namespace civicgrid::domain
