// Internal to duty/: the activity row and the visibility of activities and teams.
#pragma once

#include <string>

#include "domain/access/caller.h"
#include "domain/duty/duty_types.h"
#include "domain/registry/common.h"
#include "store/db.h"

namespace civicgrid::domain::duty {

inline constexpr std::string_view kActivitySelect =
    "SELECT a.id, a.node_id, a.node_path, a.team_id, a.series_id, a.title, a.category, a.lon, "
    "a.lat, a.place_name, a.starts_at, a.ends_at, a.capacity, a.seats_taken, (SELECT COUNT(*) "
    "FROM duty_signup w WHERE w.activity_id = a.id AND w.state = 'waitlisted') AS waitlisted, "
    "a.signup_opens_at, a.signup_closes_at, a.cancel_cutoff_at, a.radius_m, "
    "a.organiser_account_id, a.cancelled FROM duty_activity a ";

Activity ActivityFromRow(const store::Row& r);

// Adds to `where` the condition that a row with `path_col` / `node_col` is
// visible: inside the caller's scope (narrowed to `range`), or — for a party
// member — the community they are registered with.
core::Status AddVisible(store::Connection& conn, const Caller& caller, const PathRange& range,
                        std::string_view path_col, std::string_view node_col, Conditions& where);
// The same for one row.
core::Result<bool> Visible(store::Connection& conn, const Caller& caller, const std::string& path,
                           int64_t node_id);
// Whether `member_id` leads `team_id`.
core::Result<bool> LeadsTeam(store::Connection& conn, int64_t team_id, int64_t member_id);

}  // namespace civicgrid::domain::duty
