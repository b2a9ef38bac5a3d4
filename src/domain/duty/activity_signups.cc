// Sign-ups with a waitlist, check-in codes, no-shows and approved hours.
#include <algorithm>
#include <cstdio>
#include <cstring>

#include "domain/duty/activity_common.h"
#include "domain/duty/activity_service.h"
#include "domain/duty/check_code.h"
#include "domain/duty/duty_common.h"

namespace civicgrid::domain {
namespace {

using core::Error;

constexpr std::string_view kSignupSelect =
    "SELECT s.id, s.activity_id, s.member_id, m.name AS member_name, s.state, s.checked_in_at, "
    "s.checked_out_at, s.approved_minutes, s.approved_by, s.created_at, a.starts_at, a.ends_at "
    "FROM duty_signup s JOIN party_member m ON m.id = s.member_id JOIN duty_activity a ON a.id = "
    "s.activity_id ";

constexpr std::array<std::pair<SignupState, std::string_view>, 4> kSignupStates = {{
    {SignupState::kConfirmed, "confirmed"},
    {SignupState::kWaitlisted, "waitlisted"},
    {SignupState::kCancelled, "cancelled"},
    {SignupState::kNoShow, "no_show"},
}};

SignupState ParseSignupState(std::string_view name) {
  for (const auto& [s, n] : kSignupStates) {
    if (n == name) return s;
  }
  return SignupState::kCancelled;
}

// Minutes between check-in and check-out, within the activity's own times.
int64_t Attended(std::optional<int64_t> in, std::optional<int64_t> out, int64_t starts,
                 int64_t ends) {
  if (!in || !out) return 0;
  int64_t from = std::max(*in, starts);
  int64_t to = std::min(*out, ends);
  return to > from ? (to - from) / core::kMsPerMinute : 0;
}

Signup SignupFromRow(const store::Row& r) {
  Signup s;
  s.id = r.Int("id");
  s.activity_id = r.Int("activity_id");
  s.member_id = r.Int("member_id");
  s.member_name = r.Text("member_name");
  s.state = ParseSignupState(r.Text("state"));
  s.checked_in_at = r.OptInt("checked_in_at");
  s.checked_out_at = r.OptInt("checked_out_at");
  s.minutes = Attended(s.checked_in_at, s.checked_out_at, r.Int("starts_at"), r.Int("ends_at"));
  s.approved_minutes = r.OptInt("approved_minutes");
  s.approved_by = r.OptInt("approved_by");
  s.created_at = r.Int("created_at");
  return s;
}

int64_t SignupId(const Signup& s) { return s.id; }

std::string_view KindName(CodeKind kind) { return kind == CodeKind::kCheckIn ? "in" : "out"; }

}  // namespace

std::string_view SignupStateName(SignupState state) {
  for (const auto& [s, n] : kSignupStates) {
    if (s == state) return n;
  }
  return "cancelled";
}

core::Result<Signup> ActivityService::LoadSignup(store::Connection& conn, int64_t id) {
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query(std::string(kSignupSelect) + "WHERE s.id = $1", {id}));
  if (rows.empty()) return Error::NotFound("报名记录不存在");
  return SignupFromRow(rows[0]);
}

core::Result<Signup> ActivityService::SignUp(const Caller& caller, int64_t activity_id) {
  if (!caller.party_member_id) return Error::Forbidden("只有党员本人可以报名");
  int64_t member = *caller.party_member_id;
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Activity a, Load(*conn, caller, activity_id));
  int64_t now = clock_.NowMs();
  if (a.cancelled) return Error::Conflict("活动已取消", "state");
  if (now < a.signup_opens_at) return Error::Invalid("signup_opens_at", "报名尚未开始");
  if (now >= a.signup_closes_at) return Error::Invalid("signup_closes_at", "报名已截止");
  CG_ASSIGN_OR_RETURN(store::Rows existing,
                      conn->Query("SELECT id, state FROM duty_signup WHERE activity_id = $1 AND "
                                  "member_id = $2",
                                  {activity_id, member}));
  if (!existing.empty()) {
    if (existing[0].Text("state") != "cancelled") {
      return Error::Conflict("已报名该活动", "activity_id");
    }
    // A new sign-up after a withdrawal queues afresh (a new id orders the waitlist).
    CG_TRY(conn->Execute("DELETE FROM duty_signup WHERE id = $1", {existing[0].Int("id")}));
  }
  // The seat is taken in one guarded UPDATE: concurrent sign-ups for the last
  // seats queue on the row and never pass the capacity; the rest wait.
  CG_ASSIGN_OR_RETURN(int64_t seated,
                      conn->Execute("UPDATE duty_activity SET seats_taken = seats_taken + 1 WHERE "
                                    "id = $1 AND seats_taken < capacity",
                                    {activity_id}));
  auto id = conn->QueryInt(
      "INSERT INTO duty_signup (activity_id, member_id, state, created_at) VALUES ($1, $2, $3, $4) "
      "RETURNING id",
      {activity_id, member, seated == 1 ? "confirmed" : "waitlisted", now});
  if (!id.ok() && id.error().code == core::ErrorCode::kConflict) {
    return Error::Conflict("已报名该活动", "activity_id");
  }
  if (!id.ok()) return id.error();
  CG_TRY(audit_.Append(*conn, caller, "duty_signup.create", "duty_activity", activity_id,
                       seated == 1 ? "confirmed" : "waitlisted"));
  CG_TRY(tx.Commit());
  return LoadSignup(*conn, *id);
}

core::Result<Signup> ActivityService::Withdraw(const Caller& caller, int64_t activity_id) {
  if (!caller.party_member_id) return Error::Forbidden("只有党员本人可以取消报名");
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Activity a, Load(*conn, caller, activity_id));
  int64_t now = clock_.NowMs();
  if (now >= a.cancel_cutoff_at) return Error::Invalid("cancel_cutoff_at", "已过取消截止时间");
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query("SELECT id, state FROM duty_signup WHERE activity_id = $1 AND "
                                  "member_id = $2 AND state IN ('confirmed', 'waitlisted')",
                                  {activity_id, *caller.party_member_id}));
  if (rows.empty()) return Error::NotFound("未报名该活动");
  int64_t id = rows[0].Int("id");
  bool had_seat = rows[0].Text("state") == "confirmed";
  CG_ASSIGN_OR_RETURN(int64_t changed,
                      conn->Execute("UPDATE duty_signup SET state = 'cancelled' WHERE id = $1 AND "
                                    "state = $2",
                                    {id, rows[0].Text("state")}));
  if (changed == 0) return Error::Conflict("报名状态已变化", "state");
  if (had_seat) {
    // Locks the activity row first, so that promotions happen one at a time.
    CG_TRY(conn->Execute("UPDATE duty_activity SET seats_taken = seats_taken - 1 WHERE id = $1",
                         {activity_id}));
    CG_ASSIGN_OR_RETURN(store::Rows next,
                        conn->Query("SELECT id FROM duty_signup WHERE activity_id = $1 AND state "
                                    "= 'waitlisted' ORDER BY id LIMIT 1",
                                    {activity_id}));
    if (!next.empty() && now < a.starts_at) {
      CG_ASSIGN_OR_RETURN(int64_t seated,
                          conn->Execute("UPDATE duty_activity SET seats_taken = seats_taken + 1 "
                                        "WHERE id = $1 AND seats_taken < capacity",
                                        {activity_id}));
      if (seated == 1) {
        CG_TRY(conn->Execute("UPDATE duty_signup SET state = 'confirmed' WHERE id = $1",
                             {next[0].Int("id")}));
        CG_TRY(audit_.Append(*conn, caller, "duty_signup.promote", "duty_activity", activity_id,
                             std::to_string(next[0].Int("id"))));
      }
    }
  }
  CG_TRY(audit_.Append(*conn, caller, "duty_signup.cancel", "duty_activity", activity_id, ""));
  CG_TRY(tx.Commit());
  return LoadSignup(*conn, id);
}

core::Result<PageOf<Signup>> ActivityService::ListSignups(const Caller& caller,
                                                          const SignupFilter& filter) {
  CG_TRY(duty::CheckPage(filter.after, filter.limit));
  Page page{filter.after, std::min(filter.limit, kMaxPageSize)};
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  Conditions where;
  if (filter.activity_id) {
    CG_ASSIGN_OR_RETURN(Activity a, Load(*conn, caller, *filter.activity_id));
    // The organiser's side sees everyone; a member sees their own line.
    if (!RequireOrganiser(*conn, caller, a).ok()) {
      where.And("s.member_id = " + where.Bind(caller.party_member_id.value_or(-1)));
    }
    where.And("s.activity_id = " + where.Bind(a.id));
  } else {
    int64_t member = filter.member_id.value_or(caller.party_member_id.value_or(-1));
    auto ref = duty::LoadMember(*conn, member);
    if (!ref.ok() || !duty::CanSee(caller, *ref)) return Error::NotFound("党员不存在");
    where.And("s.member_id = " + where.Bind(member));
  }
  if (filter.awaiting_approval) {
    where.And("s.state = 'confirmed' AND s.checked_in_at IS NOT NULL AND s.approved_at IS NULL");
  }
  where.And("s.id > " + where.Bind(page.after));
  std::string limit = where.Bind(page.limit);
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query(std::string(kSignupSelect) + "WHERE " + where.Sql() +
                                      " ORDER BY s.id LIMIT " + limit,
                                  where.params()));
  std::vector<Signup> items;
  for (const auto& r : rows) items.push_back(SignupFromRow(r));
  return FinishPage(std::move(items), page, &SignupId);
}

std::string ActivityService::CodeFor(int64_t activity_id, CodeKind kind, int64_t window) const {
  return CheckCodeSigner(key_, "civicgrid-duty-code-v1", options_.code_window_ms)
      .CodeFor(activity_id, KindName(kind), window);
}

core::Result<CheckCode> ActivityService::IssueCode(const Caller& caller, int64_t activity_id,
                                                   CodeKind kind) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(Activity a, Load(*conn, caller, activity_id));
  CG_TRY(RequireOrganiser(*conn, caller, a));
  if (a.cancelled) return Error::Conflict("活动已取消", "state");
  int64_t window = clock_.NowMs() / options_.code_window_ms;
  CheckCode c;
  c.activity_id = activity_id;
  c.kind = kind;
  c.code = CodeFor(activity_id, kind, window);
  c.qr = "cgduty:" + std::to_string(activity_id) + ":" + std::string(KindName(kind)) + ":" + c.code;
  c.expires_at = (window + 2) * options_.code_window_ms - 1;
  return c;
}

core::Result<Signup> ActivityService::Check(const Caller& caller, int64_t activity_id,
                                            CodeKind kind, std::string_view code,
                                            std::optional<core::LonLat> position) {
  if (!caller.party_member_id) return Error::Forbidden("只有党员本人可以签到");
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Activity a, Load(*conn, caller, activity_id));
  int64_t now = clock_.NowMs();
  int64_t window = now / options_.code_window_ms;
  bool valid =
      code.size() == 8 && (core::ConstantTimeEquals(code, CodeFor(activity_id, kind, window)) ||
                           core::ConstantTimeEquals(code, CodeFor(activity_id, kind, window - 1)));
  if (!valid || a.cancelled) return Error::Invalid("code", "签到码无效或已过期");
  if (a.radius_m) {
    if (!position) return Error::Invalid("position", "请提供当前位置");
    CG_TRY(core::ValidateLonLat(*position, "position."));
    if (core::HaversineMeters(*position, a.place) > static_cast<double>(*a.radius_m)) {
      return Error::Invalid("position", "不在活动地点附近");
    }
  }
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query("SELECT id, checked_in_at, checked_out_at FROM duty_signup "
                                  "WHERE activity_id = $1 AND member_id = $2 AND state = "
                                  "'confirmed'",
                                  {activity_id, *caller.party_member_id}));
  if (rows.empty()) return Error::Conflict("未报名该活动或仍在候补", "activity_id");
  int64_t id = rows[0].Int("id");
  if (kind == CodeKind::kCheckIn) {
    if (now < a.starts_at - options_.checkin_early_ms || now > a.ends_at) {
      return Error::Invalid("code", "不在签到时间内");
    }
    if (!rows[0].IsNull("checked_in_at")) return Error::Conflict("已签到", "kind");
    CG_TRY(conn->Execute("UPDATE duty_signup SET checked_in_at = $1 WHERE id = $2", {now, id}));
  } else {
    if (rows[0].IsNull("checked_in_at")) return Error::Conflict("尚未签到", "kind");
    if (!rows[0].IsNull("checked_out_at")) return Error::Conflict("已签退", "kind");
    if (now > a.ends_at + options_.checkout_grace_ms) return Error::Invalid("code", "签退已截止");
    CG_TRY(conn->Execute("UPDATE duty_signup SET checked_out_at = $1 WHERE id = $2", {now, id}));
  }
  CG_TRY(audit_.Append(*conn, caller, "duty_signup.check_" + std::string(KindName(kind)),
                       "duty_activity", activity_id, std::to_string(id)));
  CG_TRY(tx.Commit());
  return LoadSignup(*conn, id);
}

core::Result<int64_t> ActivityService::RecordNoShows(const Caller& caller, int64_t activity_id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Activity a, Load(*conn, caller, activity_id));
  CG_TRY(RequireOrganiser(*conn, caller, a));
  if (clock_.NowMs() < a.ends_at) return Error::Conflict("活动尚未结束", "ends_at");
  CG_ASSIGN_OR_RETURN(int64_t n,
                      conn->Execute("UPDATE duty_signup SET state = 'no_show' WHERE activity_id "
                                    "= $1 AND state = 'confirmed' AND checked_in_at IS NULL",
                                    {activity_id}));
  CG_TRY(audit_.Append(*conn, caller, "duty_activity.no_shows", "duty_activity", activity_id,
                       std::to_string(n)));
  CG_TRY(tx.Commit());
  return n;
}

core::Result<Signup> ActivityService::ApproveHours(const Caller& caller, int64_t signup_id,
                                                   std::optional<int64_t> minutes) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Signup s, LoadSignup(*conn, signup_id));
  auto activity = Load(*conn, caller, s.activity_id);
  if (!activity.ok()) return Error::NotFound("报名记录不存在");
  CG_TRY(RequireOrganiser(*conn, caller, *activity));
  if (duty::IsSelf(caller, s.member_id)) return Error::Forbidden("不能审批自己的服务时长");
  if (s.state != SignupState::kConfirmed || !s.checked_in_at) {
    return Error::Conflict("未签到的报名不能审批时长", "state");
  }
  if (s.approved_minutes) return Error::Conflict("服务时长已审批", "state");
  int64_t longest = (activity->ends_at - activity->starts_at) / core::kMsPerMinute;
  int64_t approved = minutes.value_or(s.minutes);
  if (approved < 1 || approved > longest) {
    return Error::Invalid("minutes", "服务时长应为 1 到 " + std::to_string(longest) + " 分钟");
  }
  int64_t now = clock_.NowMs();
  CG_ASSIGN_OR_RETURN(int64_t n,
                      conn->Execute("UPDATE duty_signup SET approved_minutes = $1, approved_by = "
                                    "$2, approved_at = $3 WHERE id = $4 AND approved_at IS NULL",
                                    {approved, caller.account_id, now, signup_id}));
  if (n == 0) return Error::Conflict("服务时长已审批", "state");
  if (sink_) {
    CG_TRY(sink_(*conn,
                 HoursApproved{s.member_id, s.activity_id, approved, caller.account_id,
                               "duty-signup:" + std::to_string(signup_id), activity->starts_at}));
  }
  CG_TRY(audit_.Append(*conn, caller, "duty_signup.approve", "duty_activity", s.activity_id,
                       std::to_string(signup_id) + ":" + std::to_string(approved)));
  CG_TRY(tx.Commit());
  return LoadSignup(*conn, signup_id);
}

}  // namespace civicgrid::domain
