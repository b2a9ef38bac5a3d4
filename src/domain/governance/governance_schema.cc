#include "domain/governance/governance_schema.h"

namespace civicgrid::domain {
namespace {

constexpr const char* kGovernanceSql = R"sql(
CREATE TABLE compound_governance (
  compound_id BIGINT PRIMARY KEY REFERENCES org_node(id),
  property_unit_id BIGINT REFERENCES unit(id),
  committee_name TEXT NOT NULL DEFAULT '',
  committee_term_start TEXT,
  committee_term_end TEXT,
  committee_party_org_id BIGINT REFERENCES party_org(id),
  version BIGINT NOT NULL DEFAULT 1,
  updated_at BIGINT NOT NULL
);
CREATE INDEX compound_governance_property ON compound_governance(property_unit_id, compound_id);
CREATE TABLE committee_member (
  id {{pk}},
  compound_id BIGINT NOT NULL REFERENCES org_node(id),
  name TEXT NOT NULL,
  duty TEXT NOT NULL,
  resident_id BIGINT REFERENCES resident(id),
  created_at BIGINT NOT NULL
);
CREATE INDEX committee_member_compound ON committee_member(compound_id, id);
CREATE INDEX committee_member_resident ON committee_member(resident_id, compound_id);
CREATE TABLE compound_steward (
  compound_id BIGINT NOT NULL REFERENCES org_node(id),
  staff_id BIGINT NOT NULL REFERENCES staff(id),
  PRIMARY KEY (compound_id, staff_id)
);
CREATE TABLE building_governance (
  building_id BIGINT PRIMARY KEY REFERENCES org_node(id),
  compound_id BIGINT REFERENCES org_node(id),
  chief_staff_id BIGINT REFERENCES staff(id)
);
CREATE INDEX building_governance_compound ON building_governance(compound_id, building_id);
CREATE TABLE ranking_period (
  id {{pk}},
  node_id BIGINT NOT NULL REFERENCES org_node(id),
  name TEXT NOT NULL,
  start_date TEXT NOT NULL,
  end_date TEXT NOT NULL,
  state TEXT NOT NULL,
  weight_community INTEGER NOT NULL,
  weight_owners_committee INTEGER NOT NULL,
  weight_property_company INTEGER NOT NULL,
  weight_grid_workers INTEGER NOT NULL,
  weight_tickets INTEGER NOT NULL,
  red_min {{real}} NOT NULL,
  black_below {{real}} NOT NULL,
  min_groups INTEGER NOT NULL,
  version BIGINT NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  published_at BIGINT
);
CREATE INDEX ranking_period_node ON ranking_period(node_id, id);
CREATE TABLE ranking_criterion (
  id {{pk}},
  period_id BIGINT NOT NULL REFERENCES ranking_period(id),
  grp TEXT NOT NULL,
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  max_points INTEGER NOT NULL
);
CREATE INDEX ranking_criterion_period ON ranking_criterion(period_id, grp, position);
CREATE TABLE score_sheet (
  id {{pk}},
  period_id BIGINT NOT NULL REFERENCES ranking_period(id),
  compound_id BIGINT NOT NULL REFERENCES org_node(id),
  grp TEXT NOT NULL,
  account_id BIGINT NOT NULL,
  points BIGINT NOT NULL,
  max_points BIGINT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  submitted_at BIGINT NOT NULL,
  UNIQUE (period_id, compound_id, grp)
);
CREATE TABLE score_item (
  sheet_id BIGINT NOT NULL REFERENCES score_sheet(id),
  criterion_id BIGINT NOT NULL REFERENCES ranking_criterion(id),
  points BIGINT NOT NULL,
  PRIMARY KEY (sheet_id, criterion_id)
);
CREATE TABLE ranking_result (
  period_id BIGINT NOT NULL REFERENCES ranking_period(id),
  compound_id BIGINT NOT NULL REFERENCES org_node(id),
  period_end TEXT NOT NULL,
  property_unit_id BIGINT,
  standing TEXT NOT NULL,
  score {{real}},
  groups_scored INTEGER NOT NULL,
  pct_community {{real}},
  pct_owners_committee {{real}},
  pct_property_company {{real}},
  pct_grid_workers {{real}},
  ticket_score {{real}},
  tickets_received BIGINT NOT NULL,
  tickets_overdue BIGINT NOT NULL,
  property_complaints BIGINT NOT NULL,
  response_rate {{real}},
  resolution_rate {{real}},
  satisfaction_rate {{real}},
  PRIMARY KEY (period_id, compound_id)
);
CREATE INDEX ranking_result_compound ON ranking_result(compound_id, period_end, period_id);
CREATE INDEX ranking_result_standing ON ranking_result(period_id, standing, compound_id);
)sql";

}  // namespace

const char* GovernanceSchemaSql() { return kGovernanceSql; }

}  // namespace civicgrid::domain
