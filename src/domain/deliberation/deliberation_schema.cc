#include "domain/deliberation/deliberation_schema.h"

namespace civicgrid::domain {
namespace {

constexpr const char* kDeliberationSql = R"sql(
CREATE TABLE delib_series (
  id {{pk}},
  community_id BIGINT NOT NULL REFERENCES org_node(id),
  title TEXT NOT NULL,
  rule TEXT NOT NULL,
  first_date TEXT NOT NULL,
  last_date TEXT NOT NULL,
  organiser_account_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX delib_series_community ON delib_series(community_id, id);
CREATE TABLE delib_meeting (
  id {{pk}},
  community_id BIGINT NOT NULL REFERENCES org_node(id),
  path TEXT NOT NULL,
  series_id BIGINT REFERENCES delib_series(id),
  title TEXT NOT NULL,
  starts_at BIGINT NOT NULL,
  ends_at BIGINT NOT NULL,
  place TEXT NOT NULL DEFAULT '',
  capacity BIGINT NOT NULL DEFAULT 0,
  organiser_account_id BIGINT NOT NULL,
  state TEXT NOT NULL,
  minutes TEXT NOT NULL DEFAULT '',
  minutes_at BIGINT,
  attendee_count BIGINT,
  reminders_sent INTEGER NOT NULL DEFAULT 0,
  version BIGINT NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL
);
CREATE INDEX delib_meeting_community ON delib_meeting(community_id, id);
CREATE INDEX delib_meeting_series ON delib_meeting(series_id, id);
CREATE INDEX delib_meeting_unclosed ON delib_meeting(state, reminders_sent, ends_at);
CREATE TABLE delib_party (
  meeting_id BIGINT NOT NULL REFERENCES delib_meeting(id),
  position INTEGER NOT NULL,
  kind TEXT NOT NULL,
  unit_id BIGINT REFERENCES unit(id),
  name TEXT NOT NULL,
  PRIMARY KEY (meeting_id, position)
);
CREATE INDEX delib_party_unit ON delib_party(unit_id, meeting_id);
CREATE TABLE delib_registration (
  id {{pk}},
  meeting_id BIGINT NOT NULL REFERENCES delib_meeting(id),
  account_id BIGINT NOT NULL,
  registered_at BIGINT NOT NULL,
  checked_in_at BIGINT,
  UNIQUE (meeting_id, account_id)
);
CREATE TABLE delib_item (
  id {{pk}},
  community_id BIGINT NOT NULL REFERENCES org_node(id),
  path TEXT NOT NULL,
  meeting_id BIGINT REFERENCES delib_meeting(id),
  source TEXT NOT NULL,
  ticket_id BIGINT REFERENCES ticket(id),
  proposer_account_id BIGINT,
  proposer TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  duration_minutes BIGINT NOT NULL,
  position INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX delib_item_meeting ON delib_item(meeting_id, position, id);
CREATE INDEX delib_item_community ON delib_item(community_id, id);
CREATE INDEX delib_item_proposer ON delib_item(proposer_account_id, id);
CREATE TABLE delib_decision (
  id {{pk}},
  meeting_id BIGINT NOT NULL REFERENCES delib_meeting(id),
  item_id BIGINT REFERENCES delib_item(id),
  title TEXT NOT NULL,
  owner TEXT NOT NULL,
  due_date TEXT NOT NULL,
  weight BIGINT NOT NULL,
  ticket_id BIGINT REFERENCES ticket(id),
  state TEXT NOT NULL,
  done_at BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX delib_decision_meeting ON delib_decision(meeting_id, id);
CREATE INDEX delib_decision_ticket ON delib_decision(ticket_id);
CREATE INDEX delib_decision_item ON delib_decision(item_id);
CREATE TABLE delib_decision_event (
  id {{pk}},
  decision_id BIGINT NOT NULL REFERENCES delib_decision(id),
  at BIGINT NOT NULL,
  kind TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX delib_decision_event_decision ON delib_decision_event(decision_id, id);
CREATE TABLE delib_reminder (
  meeting_id BIGINT NOT NULL REFERENCES delib_meeting(id),
  after_days INTEGER NOT NULL,
  account_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (meeting_id, after_days)
);
CREATE INDEX delib_reminder_account ON delib_reminder(account_id, created_at);
)sql";

}  // namespace

const char* DeliberationSchemaSql() { return kDeliberationSql; }

}  // namespace civicgrid::domain
