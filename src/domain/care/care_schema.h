// Migration 18: care (云监护, issue 11 §2) — care subjects with their consent,
// emergency contacts and absences, their meters with the per-meter detection
// state, readings keyed by (meter, time), and alerts (at most one open per
// subject and rule).
#pragma once

namespace civicgrid::domain {

const char* CareSchemaSql();
// Migration 22: alert assignment and escalation, learned profiles, drop files.
const char* CareEscalationSchemaSql();
// Migration 27: silence per meter kind, alerts by grid and community.
const char* CareKindsSchemaSql();

}  // namespace civicgrid::domain
