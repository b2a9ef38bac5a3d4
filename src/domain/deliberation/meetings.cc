// Meetings: one-off and joint meetings, series by rule, reads and lists,
// registration, check-in codes, minutes, reminders.
#include <algorithm>

#include "domain/deliberation/deliberation_internal.h"

namespace civicgrid::domain {
namespace {

using core::Error;
using namespace deliberation;

constexpr const char* kMeetingSelect =
    "SELECT m.id, m.community_id, n.name AS community_name, m.series_id, s.rule, m.title, "
    "m.starts_at, m.ends_at, m.place, m.capacity, m.state, m.minutes, m.minutes_at, "
    "m.attendee_count, m.reminders_sent, m.version, m.path, m.cancel_reason, "
    "(SELECT COUNT(*) FROM delib_registration g WHERE g.meeting_id = m.id AND g.declined_at IS "
    "NULL) AS registered, "
    "(SELECT COUNT(*) FROM delib_registration g WHERE g.meeting_id = m.id AND g.checked_in_at "
    "IS NOT NULL) AS checked_in, "
    "(SELECT COALESCE(SUM(d.weight), 0) FROM delib_decision d WHERE d.meeting_id = m.id) AS "
    "weight_total, "
    "(SELECT COALESCE(SUM(d.weight), 0) FROM delib_decision d WHERE d.meeting_id = m.id AND "
    "d.state = 'done') AS weight_done "
    "FROM delib_meeting m JOIN org_node n ON n.id = m.community_id "
    "LEFT JOIN delib_series s ON s.id = m.series_id ";

int64_t MeetingId(const Meeting& m) { return m.id; }

Meeting MeetingFromRow(const store::Row& r, const Caller& caller) {
  Meeting m;
  m.id = r.Int("id");
  m.community_id = r.Int("community_id");
  m.community_name = r.Text("community_name");
  m.series_id = r.OptInt("series_id");
  m.rule = r.OptText("rule").value_or("");
  m.title = r.Text("title");
  m.starts_at = r.Int("starts_at");
  m.ends_at = r.Int("ends_at");
  m.place = r.Text("place");
  m.capacity = r.Int("capacity");
  m.state = Or(ParseMeetingState(r.Text("state"), "state"), MeetingState::kScheduled);
  m.minutes = r.Text("minutes");
  m.minutes_at = r.OptInt("minutes_at");
  m.attendee_count = r.OptInt("attendee_count");
  m.reminders_sent = r.Int("reminders_sent");
  m.version = r.Int("version");
  m.registered = r.Int("registered");
  m.checked_in = r.Int("checked_in");
  int64_t total = r.Int("weight_total");
  m.progress =
      total > 0 ? static_cast<double>(r.Int("weight_done")) / static_cast<double>(total) : 0;
  m.manageable = CanManage(caller, r.Text("path"));
  m.cancel_reason = r.OptText("cancel_reason").value_or("");
  return m;
}

core::Result<std::vector<InvitedParty>> CheckParties(store::Connection& conn,
                                                     const std::vector<InvitedParty>& in,
                                                     int64_t max) {
  if (static_cast<int64_t>(in.size()) > max) {
    return Error::Invalid("parties", "参会方最多 " + std::to_string(max) + " 个");
  }
  std::vector<InvitedParty> out;
  for (size_t i = 0; i < in.size(); ++i) {
    std::string at = "parties[" + std::to_string(i) + "]";
    InvitedParty p = in[i];
    if (p.unit_id) {
      CG_ASSIGN_OR_RETURN(store::Rows rows,
                          conn.Query("SELECT name FROM unit WHERE id = $1", {*p.unit_id}));
      if (rows.empty()) return Error::Invalid(at + ".unit_id", "单位不存在");
      if (p.name.empty()) p.name = rows[0].Text("name");
    }
    CG_ASSIGN_OR_RETURN(p.name, CleanName(p.name, at + ".name", 60));
    out.push_back(std::move(p));
  }
  return out;
}

struct MeetingInsert {
  const CommunityRow* community = nullptr;
  std::optional<int64_t> series_id;
  std::string title;
  int64_t starts_at = 0;
  int64_t ends_at = 0;
  std::string place;
  int64_t capacity = 0;
  int64_t organiser = 0;
  const std::vector<InvitedParty>* parties = nullptr;
};

core::Result<int64_t> InsertMeeting(store::Connection& conn, const MeetingInsert& m, int64_t now) {
  CG_ASSIGN_OR_RETURN(
      int64_t id,
      conn.QueryInt("INSERT INTO delib_meeting (community_id, path, series_id, title, starts_at, "
                    "ends_at, place, capacity, organiser_account_id, state, created_at) VALUES "
                    "($1, $2, $3, $4, $5, $6, $7, $8, $9, 'scheduled', $10) RETURNING id",
                    {m.community->id, m.community->path, m.series_id, m.title, m.starts_at,
                     m.ends_at, m.place, m.capacity, m.organiser, now}));
  if (m.parties != nullptr) {
    int position = 0;
    for (const auto& p : *m.parties) {
      CG_TRY(conn.Execute(
          "INSERT INTO delib_party (meeting_id, position, kind, unit_id, name) VALUES ($1, $2, "
          "$3, $4, $5)",
          {id, position++, PartyKindName(p.kind), p.unit_id, p.name}));
    }
  }
  return id;
}

core::Result<int64_t> CheckDuration(int64_t minutes, int64_t max, std::string_view field) {
  if (minutes < 1 || minutes > max) {
    return Error::Invalid(std::string(field), "时长应为 1–" + std::to_string(max) + " 分钟");
  }
  return minutes;
}

}  // namespace

DeliberationService::DeliberationService(store::Db& db, const core::Clock& clock, AuditLog& audit,
                                         const core::PiiCipher& key, TicketService& tickets,
                                         DeliberationOptions options)
    : db_(db),
      clock_(clock),
      audit_(audit),
      tickets_(tickets),
      options_(std::move(options)),
      signer_(key, "civicgrid-deliberation-code-v1", options_.code_window_ms) {}

core::Result<Meeting> DeliberationService::Create(const Caller& caller, const NewMeeting& in) {
  CG_ASSIGN_OR_RETURN(std::string title, CleanName(in.title, "title", options_.max_title_chars));
  CG_ASSIGN_OR_RETURN(int64_t starts, core::ParseTimestamp(in.starts_at, "starts_at"));
  CG_ASSIGN_OR_RETURN(
      int64_t duration,
      CheckDuration(in.duration_minutes, options_.max_duration_minutes, "duration_minutes"));
  CG_ASSIGN_OR_RETURN(std::string place, CleanText(in.place, "place", 100, false));
  if (in.capacity < 0 || in.capacity > options_.max_capacity) {
    return Error::Invalid("capacity", "名额应为 0–" + std::to_string(options_.max_capacity));
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  int64_t id = 0;
  {
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
    CG_ASSIGN_OR_RETURN(CommunityRow community,
                        ManagedCommunity(*conn, caller, in.community_id, "community_id"));
    CG_ASSIGN_OR_RETURN(auto parties, CheckParties(*conn, in.parties, options_.max_parties));
    MeetingInsert m{&community,
                    std::nullopt,
                    title,
                    starts,
                    starts + duration * core::kMsPerMinute,
                    place,
                    in.capacity,
                    caller.account_id,
                    &parties};
    CG_ASSIGN_OR_RETURN(id, InsertMeeting(*conn, m, clock_.NowMs()));
    CG_TRY(audit_.Append(*conn, caller, "delib_meeting.create", "delib_meeting", id, title));
    CG_TRY(tx.Commit());
  }
  return Get(caller, id);
}

core::Result<std::vector<int64_t>> DeliberationService::InsertSeries(
    store::Connection& conn, int64_t community_id, const std::string& path, int64_t organiser,
    const std::string& title, const MeetingRule& rule, core::CivilDate first, core::CivilDate last,
    const std::string& place, int64_t capacity) {
  int64_t now = clock_.NowMs();
  CG_ASSIGN_OR_RETURN(
      int64_t series,
      conn.QueryInt("INSERT INTO delib_series (community_id, title, rule, first_date, last_date, "
                    "organiser_account_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) "
                    "RETURNING id",
                    {community_id, title, RuleText(rule), core::FormatDate(first),
                     core::FormatDate(last), organiser, now}));
  CommunityRow community{community_id, "", path};
  std::vector<int64_t> ids;
  for (int64_t start : Occurrences(rule, first, last)) {
    MeetingInsert m{
        &community, series,   title,     start,  start + rule.duration_minutes * core::kMsPerMinute,
        place,      capacity, organiser, nullptr};
    CG_ASSIGN_OR_RETURN(int64_t id, InsertMeeting(conn, m, now));
    ids.push_back(id);
  }
  return ids;
}

core::Result<Series> DeliberationService::CreateSeries(const Caller& caller, const NewSeries& in) {
  CG_ASSIGN_OR_RETURN(std::string title, CleanName(in.title, "title", options_.max_title_chars));
  CG_TRY(ValidateRule(in.rule));
  CG_ASSIGN_OR_RETURN(core::CivilDate first, core::ParseDate(in.first_date, "first_date"));
  core::CivilDate last =
      core::CivilFromDays(core::DaysFromCivil(first) + options_.default_series_days - 1);
  if (in.last_date) {
    CG_ASSIGN_OR_RETURN(last, core::ParseDate(*in.last_date, "last_date"));
  }
  int64_t span = core::DaysFromCivil(last) - core::DaysFromCivil(first) + 1;
  if (span < 1 || span > options_.max_series_days) {
    return Error::Invalid("last_date", "结束日期应在开始日期之后 " +
                                           std::to_string(options_.max_series_days) + " 天以内");
  }
  CG_ASSIGN_OR_RETURN(std::string place, CleanText(in.place, "place", 100, false));
  if (in.capacity < 0 || in.capacity > options_.max_capacity) {
    return Error::Invalid("capacity", "名额应为 0–" + std::to_string(options_.max_capacity));
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(CommunityRow community,
                      ManagedCommunity(*conn, caller, in.community_id, "community_id"));
  CG_ASSIGN_OR_RETURN(auto parties, CheckParties(*conn, in.parties, options_.max_parties));
  CG_ASSIGN_OR_RETURN(auto ids, InsertSeries(*conn, community.id, community.path, caller.account_id,
                                             title, in.rule, first, last, place, in.capacity));
  if (ids.empty()) return Error::Invalid("rule", "规则在该时间段内没有会议");
  for (int64_t id : ids) {
    int position = 0;
    for (const auto& p : parties) {
      CG_TRY(conn->Execute(
          "INSERT INTO delib_party (meeting_id, position, kind, unit_id, name) VALUES ($1, $2, "
          "$3, $4, $5)",
          {id, position++, PartyKindName(p.kind), p.unit_id, p.name}));
    }
  }
  CG_ASSIGN_OR_RETURN(int64_t series_id, conn->QueryInt("SELECT series_id FROM delib_meeting "
                                                        "WHERE id = $1",
                                                        {ids.front()}));
  CG_TRY(audit_.Append(*conn, caller, "delib_series.create", "delib_series", series_id,
                       RuleText(in.rule)));
  CG_TRY(tx.Commit());
  return Series{series_id,
                community.id,
                title,
                RuleText(in.rule),
                first,
                last,
                static_cast<int64_t>(ids.size()),
                ids.front()};
}

core::Result<Meeting> DeliberationService::Get(const Caller& caller, int64_t id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(MeetingRow row, LoadMeeting(*conn, caller, id));
  CG_ASSIGN_OR_RETURN(store::Row r,
                      conn->QueryOne(std::string(kMeetingSelect) + "WHERE m.id = $1", {row.id}));
  Meeting m = MeetingFromRow(r, caller);
  CG_ASSIGN_OR_RETURN(store::Rows parties,
                      conn->Query("SELECT kind, unit_id, name FROM delib_party WHERE meeting_id "
                                  "= $1 ORDER BY position",
                                  {id}));
  for (const auto& p : parties) {
    m.parties.push_back(
        InvitedParty{Or(ParsePartyKind(p.Text("kind"), "kind"), PartyKind::kDepartment),
                     p.OptInt("unit_id"), p.Text("name")});
  }
  CG_ASSIGN_OR_RETURN(m.decisions, LoadDecisions(*conn, "d.meeting_id = $1", {id}));
  CG_ASSIGN_OR_RETURN(
      m.agenda, LoadItems(*conn, caller, "i.meeting_id = $1", {id}, "ORDER BY i.position, i.id"));
  if (caller.account_id > 0) {
    CG_ASSIGN_OR_RETURN(store::Rows mine,
                        conn->Query("SELECT checked_in_at, declined_at FROM delib_registration "
                                    "WHERE meeting_id = $1 AND account_id = $2",
                                    {id, caller.account_id}));
    m.declined_me = !mine.empty() && !mine[0].IsNull("declined_at");
    m.registered_me = !mine.empty() && !m.declined_me;
    m.checked_in_me = !mine.empty() && !mine[0].IsNull("checked_in_at");
  }
  return m;
}

core::Result<PageOf<Meeting>> DeliberationService::List(const Caller& caller,
                                                        const MeetingFilter& filter) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  Conditions where;
  if (ReadsByScope(caller)) {
    PathRange range = caller.Scope();
    where.And("m.path >= " + where.Bind(range.lo));
    where.And("m.path < " + where.Bind(range.hi));
  } else {
    CG_ASSIGN_OR_RETURN(auto community, ResidentCommunity(*conn, caller));
    if (community) {
      where.And("m.community_id = " + where.Bind(*community));
    } else if (caller.unit_id) {
      where.And("m.id IN (SELECT p.meeting_id FROM delib_party p WHERE p.unit_id = " +
                where.Bind(*caller.unit_id) + ")");
    } else {
      return PageOf<Meeting>{};
    }
  }
  if (filter.community_id) where.And("m.community_id = " + where.Bind(*filter.community_id));
  if (filter.series_id) where.And("m.series_id = " + where.Bind(*filter.series_id));
  if (filter.from) where.And("m.starts_at >= " + where.Bind(*filter.from));
  if (filter.to) where.And("m.starts_at < " + where.Bind(*filter.to));
  where.And("m.id > " + where.Bind(filter.page.after));
  std::string limit = where.Bind(filter.page.limit);
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query(std::string(kMeetingSelect) + "WHERE " + where.Sql() +
                                      " ORDER BY m.id LIMIT " + limit,
                                  where.params()));
  std::vector<Meeting> items;
  for (const auto& r : rows) items.push_back(MeetingFromRow(r, caller));
  return FinishPage(std::move(items), filter.page, &MeetingId);
}

core::Result<MeetingRegistration> DeliberationService::Register(const Caller& caller,
                                                                int64_t meeting_id) {
  if (caller.account_id <= 0) return Error::Forbidden("请先登录");
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(MeetingRow m, LoadMeeting(*conn, caller, meeting_id));
  if (m.state != MeetingState::kScheduled || clock_.NowMs() >= m.ends_at) {
    return Error::Conflict("会议已结束或已取消，不能报名", "state");
  }
  CG_TRY(conn->LockKey(0x44454C4942000000LL + meeting_id));  // seats counted one at a time
  CG_ASSIGN_OR_RETURN(store::Rows mine,
                      conn->Query("SELECT id, checked_in_at, declined_at FROM delib_registration "
                                  "WHERE meeting_id = $1 AND account_id = $2",
                                  {meeting_id, caller.account_id}));
  if (!mine.empty() && !mine[0].IsNull("declined_at")) {
    return Error::Conflict("报名已被组织者谢绝", "state");
  }
  if (!mine.empty()) return MeetingRegistration{mine[0].Int("id"), meeting_id, mine[0].OptInt(1)};
  if (m.capacity > 0) {
    CG_ASSIGN_OR_RETURN(int64_t taken, conn->QueryInt("SELECT COUNT(*) FROM delib_registration "
                                                      "WHERE meeting_id = $1 AND declined_at IS "
                                                      "NULL",
                                                      {meeting_id}));
    if (taken >= m.capacity) return Error::Conflict("名额已满", "capacity");
  }
  CG_ASSIGN_OR_RETURN(int64_t id, conn->QueryInt("INSERT INTO delib_registration (meeting_id, "
                                                 "account_id, registered_at) VALUES ($1, $2, $3) "
                                                 "RETURNING id",
                                                 {meeting_id, caller.account_id, clock_.NowMs()}));
  CG_TRY(audit_.Append(*conn, caller, "delib_meeting.register", "delib_meeting", meeting_id,
                       std::to_string(id)));
  CG_TRY(tx.Commit());
  return MeetingRegistration{id, meeting_id, std::nullopt};
}

core::Result<MeetingCode> DeliberationService::IssueCode(const Caller& caller, int64_t meeting_id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(MeetingRow m, LoadMeeting(*conn, caller, meeting_id));
  CG_TRY(RequireManage(caller, m));
  if (m.state == MeetingState::kCancelled) return Error::Conflict("会议已取消", "state");
  int64_t now = clock_.NowMs();
  MeetingCode c;
  c.meeting_id = meeting_id;
  c.code = signer_.CodeFor(meeting_id, "in", signer_.WindowAt(now));
  c.qr = "cgmeet:" + std::to_string(meeting_id) + ":" + c.code;
  c.expires_at = signer_.ExpiresAt(now);
  return c;
}

core::Result<MeetingRegistration> DeliberationService::CheckIn(const Caller& caller,
                                                               int64_t meeting_id,
                                                               std::string_view code) {
  if (caller.account_id <= 0) return Error::Forbidden("请先登录");
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(MeetingRow m, LoadMeeting(*conn, caller, meeting_id));
  int64_t now = clock_.NowMs();
  if (m.state == MeetingState::kCancelled || !signer_.Verify(meeting_id, "in", code, now)) {
    return Error::Invalid("code", "签到码无效或已过期");
  }
  if (now < m.starts_at - options_.checkin_early_ms || now > m.ends_at) {
    return Error::Invalid("code", "不在签到时间内");
  }
  CG_TRY(conn->LockKey(0x44454C4942000000LL + meeting_id));
  CG_ASSIGN_OR_RETURN(store::Rows mine,
                      conn->Query("SELECT id, checked_in_at, declined_at FROM delib_registration "
                                  "WHERE meeting_id = $1 AND account_id = $2",
                                  {meeting_id, caller.account_id}));
  if (!mine.empty() && !mine[0].IsNull("declined_at")) {
    return Error::Conflict("报名已被组织者谢绝", "state");
  }
  int64_t id = 0;
  if (mine.empty()) {  // a walk-in takes a free seat
    if (m.capacity > 0) {
      CG_ASSIGN_OR_RETURN(int64_t taken,
                          conn->QueryInt("SELECT COUNT(*) FROM delib_registration WHERE "
                                         "meeting_id = $1 AND declined_at IS NULL",
                                         {meeting_id}));
      if (taken >= m.capacity) return Error::Conflict("名额已满", "capacity");
    }
    CG_ASSIGN_OR_RETURN(id, conn->QueryInt("INSERT INTO delib_registration (meeting_id, "
                                           "account_id, registered_at, checked_in_at) VALUES "
                                           "($1, $2, $3, $3) RETURNING id",
                                           {meeting_id, caller.account_id, now}));
  } else {
    if (!mine[0].IsNull("checked_in_at")) return Error::Conflict("已签到", "code");
    id = mine[0].Int("id");
    CG_TRY(
        conn->Execute("UPDATE delib_registration SET checked_in_at = $1 WHERE id = $2", {now, id}));
  }
  CG_TRY(audit_.Append(*conn, caller, "delib_meeting.check_in", "delib_meeting", meeting_id,
                       std::to_string(id)));
  CG_TRY(tx.Commit());
  return MeetingRegistration{id, meeting_id, now};
}

core::Result<Meeting> DeliberationService::SetMinutes(const Caller& caller, int64_t meeting_id,
                                                      const Minutes& in) {
  CG_ASSIGN_OR_RETURN(std::string text,
                      CleanText(in.text, "minutes", options_.max_minutes_chars, true));
  if (in.attendee_count && (*in.attendee_count < 0 || *in.attendee_count > 100000)) {
    return Error::Invalid("attendee_count", "应为 0–100000");
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  {
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
    CG_ASSIGN_OR_RETURN(MeetingRow m, LoadMeeting(*conn, caller, meeting_id));
    CG_TRY(RequireManage(caller, m));
    int64_t now = clock_.NowMs();
    if (m.state == MeetingState::kCancelled) return Error::Conflict("会议已取消", "state");
    if (now < m.starts_at) return Error::Conflict("会议尚未开始", "state");
    if (in.version && *in.version != m.version) {
      return Error::Conflict("会议已被他人修改，请刷新", "version");
    }
    int64_t count = 0;
    if (in.attendee_count) {
      count = *in.attendee_count;
    } else {
      CG_ASSIGN_OR_RETURN(count, conn->QueryInt("SELECT COUNT(*) FROM delib_registration WHERE "
                                                "meeting_id = $1 AND checked_in_at IS NOT NULL",
                                                {meeting_id}));
    }
    CG_ASSIGN_OR_RETURN(
        int64_t n,
        conn->Execute("UPDATE delib_meeting SET minutes = $1, minutes_at = COALESCE(minutes_at, "
                      "$2), attendee_count = $3, state = 'closed', version = version + 1 WHERE "
                      "id = $4 AND version = $5",
                      {text, now, count, meeting_id, m.version}));
    if (n == 0) return Error::Conflict("会议已被他人修改，请刷新", "version");
    CG_TRY(
        conn->Execute("UPDATE delib_item SET state = 'discussed' WHERE meeting_id = $1 AND "
                      "state = 'scheduled'",
                      {meeting_id}));
    CG_TRY(audit_.Append(*conn, caller, "delib_meeting.minutes", "delib_meeting", meeting_id,
                         std::to_string(count)));
    CG_TRY(tx.Commit());
  }
  return Get(caller, meeting_id);
}

core::Result<std::vector<Reminder>> DeliberationService::Reminders(const Caller& caller,
                                                                   int64_t limit) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query("SELECT r.meeting_id, r.after_days, r.created_at, m.title, m.starts_at FROM "
                  "delib_reminder r JOIN delib_meeting m ON m.id = r.meeting_id WHERE "
                  "r.account_id = $1 AND m.state = 'scheduled' ORDER BY r.created_at DESC, "
                  "r.meeting_id DESC LIMIT $2",
                  {caller.account_id, std::clamp<int64_t>(limit, 1, 200)}));
  std::vector<Reminder> out;
  for (const auto& r : rows) {
    out.push_back({r.Int("meeting_id"), r.Text("title"), r.Int("starts_at"), r.Int("after_days"),
                   r.Int("created_at")});
  }
  return out;
}

core::Result<ReminderSweep> DeliberationService::Sweep(int64_t now) {
  ReminderSweep report;
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  std::vector<int64_t> days = options_.reminder_days;
  std::sort(days.begin(), days.end());
  for (size_t k = 0; k < days.size(); ++k) {
    const int64_t level = static_cast<int64_t>(k) + 1;
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
    CG_ASSIGN_OR_RETURN(
        store::Rows due,
        conn->Query("SELECT id, organiser_account_id FROM delib_meeting WHERE state = "
                    "'scheduled' AND reminders_sent < $1 AND ends_at <= $2 ORDER BY ends_at "
                    "LIMIT $3",
                    {level, now - days[k] * core::kMsPerDay, options_.sweep_limit}));
    for (const auto& r : due) {
      ++report.examined;
      CG_ASSIGN_OR_RETURN(
          int64_t n, conn->Execute("UPDATE delib_meeting SET reminders_sent = $1 WHERE id = $2 "
                                   "AND reminders_sent < $1",
                                   {level, r.Int("id")}));
      if (n == 0) continue;
      CG_TRY(
          conn->Execute("INSERT INTO delib_reminder (meeting_id, after_days, account_id, "
                        "created_at) VALUES ($1, $2, $3, $4)",
                        {r.Int("id"), days[k], r.Int("organiser_account_id"), now}));
      ++report.reminders;
    }
    CG_TRY(tx.Commit());
  }
  return report;
}

}  // namespace civicgrid::domain
