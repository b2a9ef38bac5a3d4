// Meetings cancelled and registrations declined by the organiser, with the
// people concerned told by a notice to their account (domain/access/notices.h).
#include "domain/access/notices.h"
#include "domain/deliberation/deliberation_internal.h"

namespace civicgrid::domain {
namespace {

using core::Error;
using namespace deliberation;

constexpr const char* kRegistrationSelect =
    "SELECT g.id, g.meeting_id, g.account_id, COALESCE(a.display_name, '') AS name, "
    "g.registered_at, g.checked_in_at, g.declined_at, g.decline_reason FROM delib_registration g "
    "LEFT JOIN account a ON a.id = g.account_id ";

RegistrationView RegistrationFromRow(const store::Row& r) {
  return RegistrationView{r.Int("id"),
                          r.Int("meeting_id"),
                          r.Int("account_id"),
                          r.Text("name"),
                          r.Int("registered_at"),
                          r.OptInt("checked_in_at"),
                          r.OptInt("declined_at"),
                          r.OptText("decline_reason").value_or("")};
}

core::Result<std::string> Reason(std::string_view raw) {
  CG_ASSIGN_OR_RETURN(std::string reason, CleanText(raw, "reason", 200, false));
  if (reason.empty()) return Error::Invalid("reason", "请填写原因");
  return reason;
}

}  // namespace

core::Result<Meeting> DeliberationService::Cancel(const Caller& caller, int64_t meeting_id,
                                                  std::string_view raw_reason) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  {
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
    CG_ASSIGN_OR_RETURN(MeetingRow m, LoadMeeting(*conn, caller, meeting_id));
    CG_TRY(RequireManage(caller, m));
    CG_ASSIGN_OR_RETURN(std::string reason, Reason(raw_reason));
    if (m.state != MeetingState::kScheduled) {
      return Error::Conflict("只能取消尚未召开的会议", "state");
    }
    const int64_t now = clock_.NowMs();
    CG_ASSIGN_OR_RETURN(
        int64_t n, conn->Execute("UPDATE delib_meeting SET state = 'cancelled', cancel_reason = "
                                 "$1, version = version + 1 WHERE id = $2 AND version = $3",
                                 {reason, meeting_id, m.version}));
    if (n == 0) return Error::Conflict("会议已被他人修改，请刷新", "version");
    CG_ASSIGN_OR_RETURN(store::Rows people,
                        conn->Query("SELECT account_id FROM delib_registration WHERE meeting_id "
                                    "= $1 AND declined_at IS NULL ORDER BY id",
                                    {meeting_id}));
    const std::string text = "您报名的议事会议「" + m.title + "」已取消：" + reason;
    for (const auto& p : people) {
      CG_TRY(AddNotice(*conn, Notice{0, p.Int("account_id"), "meeting_cancelled", "delib_meeting",
                                     meeting_id, text, now}));
    }
    CG_TRY(
        audit_.Append(*conn, caller, "delib_meeting.cancel", "delib_meeting", meeting_id, reason));
    CG_TRY(tx.Commit());
  }
  return Get(caller, meeting_id);
}

core::Result<std::vector<RegistrationView>> DeliberationService::Registrations(const Caller& caller,
                                                                               int64_t meeting_id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(MeetingRow m, LoadMeeting(*conn, caller, meeting_id));
  CG_TRY(RequireManage(caller, m));
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query(std::string(kRegistrationSelect) +
                                      "WHERE g.meeting_id = $1 ORDER BY g.id LIMIT $2",
                                  {meeting_id, options_.max_registrations_listed}));
  std::vector<RegistrationView> out;
  for (const auto& r : rows) out.push_back(RegistrationFromRow(r));
  return out;
}

core::Result<RegistrationView> DeliberationService::Decline(const Caller& caller,
                                                            int64_t meeting_id,
                                                            int64_t registration_id,
                                                            std::string_view raw_reason) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(MeetingRow m, LoadMeeting(*conn, caller, meeting_id));
  CG_TRY(RequireManage(caller, m));
  CG_ASSIGN_OR_RETURN(std::string reason, Reason(raw_reason));
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn->Query(std::string(kRegistrationSelect) +
                                                        "WHERE g.id = $1 AND g.meeting_id = $2",
                                                    {registration_id, meeting_id}));
  if (rows.empty()) return Error::NotFound("报名不存在");
  RegistrationView g = RegistrationFromRow(rows[0]);
  if (m.state != MeetingState::kScheduled) return Error::Conflict("会议已结束或已取消", "state");
  if (g.checked_in_at) return Error::Conflict("已签到的报名不能谢绝", "state");
  if (g.declined_at) return g;  // declined before: the same answer
  const int64_t now = clock_.NowMs();
  CG_TRY(conn->Execute(
      "UPDATE delib_registration SET declined_at = $1, decline_reason = $2 WHERE id = $3",
      {now, reason, registration_id}));
  CG_TRY(
      AddNotice(*conn, Notice{0, g.account_id, "registration_declined", "delib_meeting", meeting_id,
                              "您对议事会议「" + m.title + "」的报名未获通过：" + reason, now}));
  CG_TRY(audit_.Append(*conn, caller, "delib_meeting.decline", "delib_meeting", meeting_id,
                       std::to_string(registration_id)));
  CG_TRY(tx.Commit());
  g.declined_at = now;
  g.decline_reason = reason;
  return g;
}

}  // namespace civicgrid::domain
