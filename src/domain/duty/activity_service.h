// Volunteer teams (志愿服务队) and activities (docs/duty.md): capacity with a
// waitlist promoted when someone cancels, sign-up windows and a cancellation
// cut-off, recurring activities materialised for a bounded horizon, check-in
// and check-out by a signed, time-limited code (a keyed hash under the
// server's key, shown as QR and typed as 8 digits), no-shows, and hours
// approved by the organiser — never by the member themselves.
//
// Who may do what:
//   teams, activities   staff with people_write over the node, or a leader
//                       of the activity's team
//   sign up, check in   the party member themselves
//   codes, no-shows,    the activity's organiser, staff with people_write
//   approving hours     over its node, a leader of its team
// Members see activities in their scope and in the community they are
// registered with. Thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <vector>

#include "core/crypto.h"
#include "domain/access/audit_log.h"
#include "domain/access/caller.h"
#include "domain/duty/duty_types.h"
#include "domain/registry/common.h"
#include "store/pool.h"

namespace civicgrid::domain {

class ActivityService {
 public:
  using HoursApprovedSink = std::function<core::Status(store::Connection&, const HoursApproved&)>;

  ActivityService(store::Db& db, const core::Clock& clock, AuditLog& audit,
                  const core::PiiCipher& key, DutyOptions options = {})
      : db_(db), clock_(clock), audit_(audit), key_(key), options_(options) {}

  // Called inside ApproveHours' transaction; an error rolls the approval back.
  // Set once at start-up, before requests.
  void SetHoursApprovedSink(HoursApprovedSink sink) { sink_ = std::move(sink); }

  core::Result<Team> CreateTeam(const Caller& caller, const NewTeam& team);
  core::Result<Team> GetTeam(const Caller& caller, int64_t id);
  core::Result<PageOf<Team>> ListTeams(const Caller& caller, std::optional<int64_t> within,
                                       const Page& page);
  core::Result<Team> AddTeamMember(const Caller& caller, int64_t team_id, int64_t member_id,
                                   bool leader);
  core::Result<Team> RemoveTeamMember(const Caller& caller, int64_t team_id, int64_t member_id);

  core::Result<Activity> Create(const Caller& caller, const NewActivity& in);
  // Materialises the rule's occurrences within the horizon; returns them.
  core::Result<std::vector<Activity>> CreateSeries(const Caller& caller, const NewActivity& first,
                                                   const RecurrenceRule& rule);
  core::Result<Activity> Get(const Caller& caller, int64_t id);
  core::Result<PageOf<Activity>> List(const Caller& caller, const ActivityFilter& filter);
  // The organiser cancels an activity before it starts: its sign-ups are
  // cancelled and every member signed up (or waitlisted) gets a notice.
  core::Result<Activity> Cancel(const Caller& caller, int64_t id);
  // Staff with people_write over the team's node disband it: its upcoming
  // activities are cancelled (members notified); no new ones name it.
  core::Result<Team> DisbandTeam(const Caller& caller, int64_t team_id);
  // The calling party member's notices, in id order.
  core::Result<PageOf<DutyNotice>> Notices(const Caller& caller, const Page& page);
  // Extends every recurring series whose newest occurrence is not cancelled up
  // to the horizon (series_horizon_days from today), copying that occurrence;
  // run by a periodic sweep in `serve`. Returns how many activities it added.
  core::Result<int64_t> ExtendSeries();

  // The member signs up: a seat while there is one, else the waitlist.
  core::Result<Signup> SignUp(const Caller& caller, int64_t activity_id);
  // The member withdraws before the cut-off; the first on the waitlist takes the seat.
  core::Result<Signup> Withdraw(const Caller& caller, int64_t activity_id);
  core::Result<PageOf<Signup>> ListSignups(const Caller& caller, const SignupFilter& filter);

  core::Result<CheckCode> IssueCode(const Caller& caller, int64_t activity_id, CodeKind kind);
  core::Result<Signup> Check(const Caller& caller, int64_t activity_id, CodeKind kind,
                             std::string_view code, std::optional<core::LonLat> position);
  // After the end: confirmed sign-ups without a check-in become no-shows. Returns how many.
  core::Result<int64_t> RecordNoShows(const Caller& caller, int64_t activity_id);
  // Approves a sign-up's hours (the attended minutes, or `minutes` when given).
  core::Result<Signup> ApproveHours(const Caller& caller, int64_t signup_id,
                                    std::optional<int64_t> minutes);

  const DutyOptions& options() const { return options_; }

 private:
  core::Result<Activity> Load(store::Connection& conn, const Caller& caller, int64_t id);
  core::Result<Team> LoadTeam(store::Connection& conn, const Caller& caller, int64_t id);
  core::Status RequireOrganiser(store::Connection& conn, const Caller& caller, const Activity& a);
  core::Status CanManageNode(store::Connection& conn, const Caller& caller, int64_t node_id,
                             std::optional<int64_t> team_id, std::string* path);
  core::Result<Signup> LoadSignup(store::Connection& conn, int64_t id);
  core::Result<int64_t> Insert(store::Connection& conn, const Caller& caller, const NewActivity& in,
                               const std::string& path, std::optional<int64_t> series_id);
  core::Status CancelInTx(store::Connection& conn, const Activity& a, std::string_view action,
                          const Caller& caller);
  std::string CodeFor(int64_t activity_id, CodeKind kind, int64_t window) const;

  store::Db& db_;
  const core::Clock& clock_;
  AuditLog& audit_;
  const core::PiiCipher& key_;
  DutyOptions options_;
  HoursApprovedSink sink_;
};

}  // namespace civicgrid::domain
