#include "domain/partylife/partylife_schema.h"

namespace civicgrid::domain {
namespace {

constexpr const char* kPartyLifeSql = R"sql(
CREATE TABLE party_meeting (
  id {{pk}},
  party_org_id BIGINT NOT NULL REFERENCES party_org(id),
  path {{text}} NOT NULL,
  kind TEXT NOT NULL,
  held_on TEXT NOT NULL,
  month BIGINT NOT NULL,
  title TEXT NOT NULL,
  minutes TEXT NOT NULL DEFAULT '',
  recorded_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX party_meeting_org ON party_meeting(party_org_id, id);
CREATE INDEX party_meeting_cadence ON party_meeting(party_org_id, kind, month);
CREATE TABLE party_meeting_member (
  meeting_id BIGINT NOT NULL REFERENCES party_meeting(id),
  member_id BIGINT NOT NULL REFERENCES party_member(id),
  present INTEGER NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  month BIGINT NOT NULL,
  PRIMARY KEY (meeting_id, member_id)
);
CREATE INDEX party_meeting_member_member ON party_meeting_member(member_id, present, month);
CREATE TABLE party_meeting_photo (
  meeting_id BIGINT NOT NULL REFERENCES party_meeting(id),
  attachment_id BIGINT NOT NULL REFERENCES attachment(id),
  position INTEGER NOT NULL,
  PRIMARY KEY (meeting_id, attachment_id)
);
CREATE TABLE party_dues (
  member_id BIGINT NOT NULL REFERENCES party_member(id),
  month BIGINT NOT NULL,
  amount_cents BIGINT NOT NULL,
  recorded_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (member_id, month)
);
CREATE TABLE party_member_category (
  member_id BIGINT PRIMARY KEY REFERENCES party_member(id),
  category TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  updated_at BIGINT NOT NULL
);
CREATE TABLE party_warning_rules (
  node_id BIGINT PRIMARY KEY REFERENCES org_node(id),
  absence_yellow BIGINT NOT NULL,
  absence_orange BIGINT NOT NULL,
  absence_red BIGINT NOT NULL,
  dues_yellow BIGINT NOT NULL,
  dues_orange BIGINT NOT NULL,
  dues_red BIGINT NOT NULL,
  service_months BIGINT NOT NULL,
  service_min_minutes BIGINT NOT NULL,
  service_level TEXT NOT NULL,
  version BIGINT NOT NULL DEFAULT 1,
  updated_at BIGINT NOT NULL
);
CREATE TABLE party_warning (
  member_id BIGINT NOT NULL REFERENCES party_member(id),
  month BIGINT NOT NULL,
  party_org_id BIGINT NOT NULL REFERENCES party_org(id),
  path {{text}} NOT NULL,
  level TEXT NOT NULL,
  previous_level TEXT NOT NULL,
  reasons TEXT NOT NULL DEFAULT '',
  evaluated_at BIGINT NOT NULL,
  acknowledged_by BIGINT,
  acknowledged_at BIGINT,
  PRIMARY KEY (member_id, month)
);
CREATE INDEX party_warning_month ON party_warning(month, member_id);
CREATE TABLE party_warning_run (
  month BIGINT PRIMARY KEY,
  evaluated_at BIGINT NOT NULL,
  members BIGINT NOT NULL
);
ALTER TABLE ticket_category ADD COLUMN first_route TEXT;
ALTER TABLE ticket ADD COLUMN first_route TEXT;
)sql";

}  // namespace

const char* PartyLifeSchemaSql() { return kPartyLifeSql; }

}  // namespace civicgrid::domain
