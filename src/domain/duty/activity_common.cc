#include "domain/duty/activity_common.h"

namespace civicgrid::domain::duty {
namespace {

// The subtree of the community a party member is registered with.
core::Result<std::optional<PathRange>> Residence(store::Connection& conn, const Caller& caller) {
  if (!caller.party_member_id) return std::optional<PathRange>();
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query("SELECT n.path FROM party_member m JOIN org_node n ON n.id = "
                                 "m.residence_node_id WHERE m.id = $1",
                                 {*caller.party_member_id}));
  if (rows.empty()) return std::optional<PathRange>();
  return std::optional<PathRange>(SubtreeRange(rows[0].Text("path")));
}

}  // namespace

Activity ActivityFromRow(const store::Row& r) {
  Activity a;
  a.id = r.Int("id");
  a.node_id = r.Int("node_id");
  a.team_id = r.OptInt("team_id");
  a.series_id = r.OptInt("series_id");
  a.title = r.Text("title");
  a.category = r.Text("category");
  a.place = core::LonLat{r.Real("lon"), r.Real("lat")};
  a.place_name = r.Text("place_name");
  a.starts_at = r.Int("starts_at");
  a.ends_at = r.Int("ends_at");
  a.capacity = r.Int("capacity");
  a.seats_taken = r.Int("seats_taken");
  a.waitlisted = r.Int("waitlisted");
  a.signup_opens_at = r.Int("signup_opens_at");
  a.signup_closes_at = r.Int("signup_closes_at");
  a.cancel_cutoff_at = r.Int("cancel_cutoff_at");
  a.radius_m = r.OptInt("radius_m");
  a.organiser_account_id = r.Int("organiser_account_id");
  a.cancelled = r.Int("cancelled") != 0;
  return a;
}

core::Status AddVisible(store::Connection& conn, const Caller& caller, const PathRange& range,
                        std::string_view path_col, std::string_view node_col, Conditions& where) {
  std::string in_range = std::string(path_col) + " >= " + where.Bind(range.lo) + " AND " +
                         std::string(path_col) + " < " + where.Bind(range.hi);
  (void)node_col;
  CG_ASSIGN_OR_RETURN(std::optional<PathRange> home, Residence(conn, caller));
  if (!home) {
    where.And(in_range);
  } else {
    where.And("((" + in_range + ") OR (" + std::string(path_col) + " >= " + where.Bind(home->lo) +
              " AND " + std::string(path_col) + " < " + where.Bind(home->hi) + "))");
  }
  return core::Ok();
}

core::Result<bool> Visible(store::Connection& conn, const Caller& caller, const std::string& path,
                           int64_t node_id) {
  if (caller.InScope(path)) return true;
  (void)node_id;
  CG_ASSIGN_OR_RETURN(std::optional<PathRange> home, Residence(conn, caller));
  return home && path >= home->lo && path < home->hi;
}

core::Result<bool> LeadsTeam(store::Connection& conn, int64_t team_id, int64_t member_id) {
  CG_ASSIGN_OR_RETURN(int64_t n, conn.QueryInt("SELECT COUNT(*) FROM duty_team_member WHERE "
                                               "team_id = $1 AND member_id = $2 AND leader = 1",
                                               {team_id, member_id}));
  return n > 0;
}

}  // namespace civicgrid::domain::duty
