#include "domain/duty/duty_schema.h"

namespace civicgrid::domain {
namespace {

// Registrations keep what was asked (skills, availability, the commitment)
// and only a confirmation copies it onto the member: a declined request
// changes nothing. One open request per member (partial unique index).
// Activities count their confirmed seats in seats_taken, guarded by
// "seats_taken < capacity" in the UPDATE that takes a seat.
constexpr const char* kDutySql = R"sql(
CREATE TABLE duty_skill (
  id {{pk}},
  name TEXT NOT NULL UNIQUE,
  retired INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE TABLE duty_registration (
  id {{pk}},
  member_id BIGINT NOT NULL REFERENCES party_member(id),
  community_id BIGINT NOT NULL REFERENCES org_node(id),
  community_path {{text}} NOT NULL,
  state TEXT NOT NULL,
  skill_ids TEXT NOT NULL DEFAULT '',
  availability TEXT NOT NULL DEFAULT '',
  commitment_text TEXT NOT NULL,
  commitment_date TEXT NOT NULL,
  requested_by BIGINT NOT NULL,
  decided_by BIGINT,
  decided_at BIGINT,
  decline_reason TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  version BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX duty_registration_state ON duty_registration(state, id);
CREATE INDEX duty_registration_member ON duty_registration(member_id, id);
CREATE INDEX duty_registration_community ON duty_registration(community_id, state);
CREATE UNIQUE INDEX duty_registration_open ON duty_registration(member_id) WHERE state = 'requested';
CREATE TABLE duty_member_skill (
  member_id BIGINT NOT NULL REFERENCES party_member(id),
  skill_id BIGINT NOT NULL REFERENCES duty_skill(id),
  PRIMARY KEY (member_id, skill_id)
);
CREATE TABLE duty_availability (
  member_id BIGINT PRIMARY KEY REFERENCES party_member(id),
  slots TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE duty_unit_registration (
  id {{pk}},
  unit_id BIGINT NOT NULL REFERENCES unit(id),
  community_id BIGINT NOT NULL REFERENCES org_node(id),
  created_at BIGINT NOT NULL,
  UNIQUE (unit_id, community_id)
);
CREATE INDEX duty_unit_registration_community ON duty_unit_registration(community_id);
CREATE TABLE duty_post (
  id {{pk}},
  unit_registration_id BIGINT NOT NULL REFERENCES duty_unit_registration(id),
  title TEXT NOT NULL,
  skill_id BIGINT NOT NULL REFERENCES duty_skill(id),
  headcount BIGINT NOT NULL,
  filled BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE INDEX duty_post_registration ON duty_post(unit_registration_id, id);
CREATE TABLE duty_post_member (
  post_id BIGINT NOT NULL REFERENCES duty_post(id),
  member_id BIGINT NOT NULL REFERENCES party_member(id),
  created_at BIGINT NOT NULL,
  PRIMARY KEY (post_id, member_id)
);
CREATE TABLE duty_branch_member (
  party_org_id BIGINT NOT NULL REFERENCES party_org(id),
  member_id BIGINT NOT NULL REFERENCES party_member(id),
  created_at BIGINT NOT NULL,
  PRIMARY KEY (party_org_id, member_id)
);
CREATE INDEX duty_branch_member_member ON duty_branch_member(member_id);
CREATE TABLE duty_team (
  id {{pk}},
  node_id BIGINT NOT NULL REFERENCES org_node(id),
  node_path {{text}} NOT NULL,
  name TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX duty_team_path ON duty_team(node_path);
CREATE TABLE duty_team_member (
  team_id BIGINT NOT NULL REFERENCES duty_team(id),
  member_id BIGINT NOT NULL REFERENCES party_member(id),
  leader INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (team_id, member_id)
);
CREATE INDEX duty_team_member_member ON duty_team_member(member_id);
CREATE TABLE duty_series (
  id {{pk}},
  rule TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE duty_activity (
  id {{pk}},
  node_id BIGINT NOT NULL REFERENCES org_node(id),
  node_path {{text}} NOT NULL,
  team_id BIGINT REFERENCES duty_team(id),
  series_id BIGINT REFERENCES duty_series(id),
  title TEXT NOT NULL,
  category TEXT NOT NULL,
  lon {{real}} NOT NULL,
  lat {{real}} NOT NULL,
  place_name TEXT NOT NULL DEFAULT '',
  starts_at BIGINT NOT NULL,
  ends_at BIGINT NOT NULL,
  capacity BIGINT NOT NULL,
  seats_taken BIGINT NOT NULL DEFAULT 0,
  signup_opens_at BIGINT NOT NULL,
  signup_closes_at BIGINT NOT NULL,
  cancel_cutoff_at BIGINT NOT NULL,
  radius_m BIGINT,
  organiser_account_id BIGINT NOT NULL,
  cancelled INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE INDEX duty_activity_path ON duty_activity(node_path);
CREATE INDEX duty_activity_team ON duty_activity(team_id, id);
CREATE INDEX duty_activity_series ON duty_activity(series_id);
CREATE TABLE duty_signup (
  id {{pk}},
  activity_id BIGINT NOT NULL REFERENCES duty_activity(id),
  member_id BIGINT NOT NULL REFERENCES party_member(id),
  state TEXT NOT NULL,
  checked_in_at BIGINT,
  checked_out_at BIGINT,
  approved_minutes BIGINT,
  approved_by BIGINT,
  approved_at BIGINT,
  created_at BIGINT NOT NULL,
  UNIQUE (activity_id, member_id)
);
CREATE INDEX duty_signup_activity ON duty_signup(activity_id, id);
CREATE INDEX duty_signup_member ON duty_signup(member_id, id);
)sql";

// A member's notices, read on the phone; a disbanded team keeps its history.
constexpr const char* kDutyNoticesSql = R"sql(
CREATE TABLE duty_notice (
  id {{pk}},
  member_id BIGINT NOT NULL REFERENCES party_member(id),
  activity_id BIGINT REFERENCES duty_activity(id),
  kind TEXT NOT NULL,
  text TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX duty_notice_member ON duty_notice(member_id, id);
ALTER TABLE duty_team ADD COLUMN disbanded_at BIGINT;
)sql";

}  // namespace

store::Migration DutyNoticesMigration() {
  return {24, "duty: notices to members, disbanded teams", kDutyNoticesSql, ""};
}

store::Migration DutyMigration() {
  return {16, "duty: dual registration, teams, activities", kDutySql, ""};
}

}  // namespace civicgrid::domain
