// Migration 19: deliberation meetings (议事协商) — series, meetings, invited
// parties, registrations, agenda items and proposals, decisions with their
// timeline, minutes reminders.
#pragma once

namespace civicgrid::domain {

const char* DeliberationSchemaSql();

}  // namespace civicgrid::domain
