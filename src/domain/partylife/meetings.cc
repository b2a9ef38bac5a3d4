// Party life: meetings with their attendance and photos, and the cadence report.
#include <algorithm>
#include <map>
#include <set>

#include "domain/partylife/partylife_internal.h"
#include "domain/tickets/enum_names.h"

namespace civicgrid::domain {
namespace partylife {

std::string Field(std::string_view at, std::string_view field) {
  if (at.empty()) return std::string(field);
  return std::string(at) + "." + std::string(field);
}

int64_t MonthAt(int64_t epoch_ms) { return MonthOf(core::ShanghaiDate(epoch_ms)); }

int64_t MonthStartMs(int64_t month) {
  core::CivilDate d{static_cast<int>(month / 12), static_cast<int>(month % 12) + 1, 1};
  return core::DaysFromCivil(d) * core::kMsPerDay - core::kShanghaiOffsetMs;
}

bool Owes(std::string_view org_kind, MeetingKind kind) {
  const bool group = org_kind == "grid_group" || org_kind == "building_group";
  const bool branch =
      org_kind == "branch" || org_kind == "grid_branch" || org_kind == "functional_branch";
  if (group) return kind == MeetingKind::kGroup;
  return branch && kind != MeetingKind::kGroup;
}

}  // namespace partylife

namespace {

using core::Error;
using partylife::Field;

constexpr NameTable<MeetingKind, 7> kMeetingKinds = {{
    {MeetingKind::kMembersAssembly, "members_assembly"},
    {MeetingKind::kCommittee, "committee"},
    {MeetingKind::kGroup, "group"},
    {MeetingKind::kLecture, "lecture"},
    {MeetingKind::kThemeDay, "theme_day"},
    {MeetingKind::kLifeMeeting, "life_meeting"},
    {MeetingKind::kAppraisal, "appraisal"},
}};

constexpr NameTable<Cadence, 3> kCadences = {{
    {Cadence::kMonthly, "monthly"},
    {Cadence::kQuarterly, "quarterly"},
    {Cadence::kYearly, "yearly"},
}};

constexpr const char* kMeetingSelect =
    "SELECT m.id, m.party_org_id, o.name AS org_name, m.kind, m.held_on, m.title, m.minutes, "
    "m.recorded_by, m.created_at FROM party_meeting m JOIN party_org o ON o.id = m.party_org_id ";

PartyMeeting MeetingFromRow(const store::Row& r) {
  PartyMeeting m;
  m.id = r.Int("id");
  m.party_org_id = r.Int("party_org_id");
  m.party_org_name = r.Text("org_name");
  m.kind = ParseMeetingKind(r.Text("kind"), "kind").value();
  m.held_on = core::ParseDate(r.Text("held_on"), "held_on").value();
  m.title = r.Text("title");
  m.minutes = r.Text("minutes");
  m.recorded_by = r.Int("recorded_by");
  m.created_at_ms = r.Int("created_at");
  return m;
}

core::Status LoadParts(store::Connection& conn, PartyMeeting& m) {
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query("SELECT a.member_id, p.name, a.present, a.reason FROM "
                                 "party_meeting_member a JOIN party_member p ON p.id = a.member_id "
                                 "WHERE a.meeting_id = $1 ORDER BY a.member_id",
                                 {m.id}));
  for (const auto& r : rows) {
    if (r.Int("present") != 0) {
      m.attendees.push_back({r.Int("member_id"), r.Text("name")});
    } else {
      m.absentees.push_back({r.Int("member_id"), r.Text("name"), r.Text("reason")});
    }
  }
  CG_ASSIGN_OR_RETURN(rows, conn.Query("SELECT attachment_id FROM party_meeting_photo WHERE "
                                       "meeting_id = $1 ORDER BY position",
                                       {m.id}));
  for (const auto& r : rows) m.photo_ids.push_back(r.Int(0));
  return core::Ok();
}

int64_t MeetingId(const PartyMeeting& m) { return m.id; }

// The slot a month falls in for a cadence, and its label.
int64_t SlotOf(Cadence c, int64_t month) {
  switch (c) {
    case Cadence::kMonthly:
      return month;
    case Cadence::kQuarterly:
      return month / 3;
    case Cadence::kYearly:
      return month / 12;
  }
  return month;
}
int64_t SlotLastMonth(Cadence c, int64_t slot) {
  switch (c) {
    case Cadence::kMonthly:
      return slot;
    case Cadence::kQuarterly:
      return slot * 3 + 2;
    case Cadence::kYearly:
      return slot * 12 + 11;
  }
  return slot;
}
std::string SlotLabel(Cadence c, int64_t slot) {
  switch (c) {
    case Cadence::kMonthly:
      return FormatMonth(slot);
    case Cadence::kQuarterly:
      return std::to_string(slot / 4) + "-Q" + std::to_string(slot % 4 + 1);
    case Cadence::kYearly:
      return std::to_string(slot);
  }
  return "";
}

}  // namespace

std::string_view MeetingKindName(MeetingKind kind) { return NameIn(kMeetingKinds, kind); }
core::Result<MeetingKind> ParseMeetingKind(std::string_view name, std::string_view field) {
  return ParseIn(kMeetingKinds, name, field, "会议类型");
}
std::string_view CadenceName(Cadence cadence) { return NameIn(kCadences, cadence); }

Cadence CadenceOf(MeetingKind kind) {
  switch (kind) {
    case MeetingKind::kMembersAssembly:
    case MeetingKind::kLecture:
      return Cadence::kQuarterly;
    case MeetingKind::kLifeMeeting:
    case MeetingKind::kAppraisal:
      return Cadence::kYearly;
    default:
      return Cadence::kMonthly;
  }
}

std::string FormatMonth(int64_t month) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", static_cast<int>(month / 12),
                static_cast<int>(month % 12) + 1);
  return buf;
}

std::string MonthLabel(int64_t month) {
  return std::to_string(month / 12) + "年" + std::to_string(month % 12 + 1) + "月";
}

core::Result<int64_t> ParseMonth(std::string_view text, std::string_view field) {
  auto bad = [&] { return Error::Invalid(std::string(field), "月份应为 YYYY-MM"); };
  if (text.size() != 7 || text[4] != '-') return bad();
  int y = 0, m = 0;
  for (size_t i = 0; i < 7; ++i) {
    if (i == 4) continue;
    if (text[i] < '0' || text[i] > '9') return bad();
    if (i < 4) y = y * 10 + (text[i] - '0');
    if (i > 4) m = m * 10 + (text[i] - '0');
  }
  if (y < 1970 || y > 2200 || m < 1 || m > 12) return bad();
  return int64_t{y} * 12 + (m - 1);
}

int64_t MonthOf(core::CivilDate date) { return int64_t{date.year} * 12 + (date.month - 1); }

core::Result<PartyMeeting> PartyLifeService::LoadMeeting(store::Connection& conn,
                                                         const Caller& caller, int64_t id) {
  PathRange scope = caller.Scope();
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn.Query(std::string(kMeetingSelect) + "WHERE m.id = $1 AND m.path >= $2 AND m.path < $3",
                 {id, scope.lo, scope.hi}));
  if (rows.empty()) return Error::NotFound("会议不存在");
  PartyMeeting m = MeetingFromRow(rows[0]);
  CG_TRY(LoadParts(conn, m));
  return m;
}

core::Result<PartyMeeting> PartyLifeService::RecordMeeting(const Caller& caller,
                                                           const NewPartyMeeting& in) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  CG_ASSIGN_OR_RETURN(core::CivilDate held, core::ParseDate(in.held_on, "held_on"));
  const int64_t now = clock_.NowMs();
  const int64_t current = partylife::MonthAt(now);
  if (core::DaysFromCivil(held) > core::DaysFromCivil(core::ShanghaiDate(now))) {
    return Error::Invalid("held_on", "会议日期不能晚于今天");
  }
  if (MonthOf(held) < current - 36) return Error::Invalid("held_on", "只能补录三年内的会议");
  CG_ASSIGN_OR_RETURN(std::string title, CleanName(in.title, "title", 100));
  CG_ASSIGN_OR_RETURN(std::string minutes, CleanText(in.minutes, "minutes", 20000, false));
  if (static_cast<int64_t>(in.attendee_ids.size() + in.absentees.size()) >
      options_.max_attendance) {
    return Error::Invalid("attendee_ids", "参会人员过多");
  }
  if (static_cast<int64_t>(in.photo_ids.size()) > options_.max_photos) {
    return Error::Invalid("photo_ids", "照片最多 " + std::to_string(options_.max_photos) + " 张");
  }
  std::vector<std::string> reasons;
  std::set<int64_t> seen;
  for (size_t i = 0; i < in.attendee_ids.size(); ++i) {
    if (!seen.insert(in.attendee_ids[i]).second) {
      return Error::Invalid("attendee_ids[" + std::to_string(i) + "]", "人员重复");
    }
  }
  for (size_t i = 0; i < in.absentees.size(); ++i) {
    const std::string at = "absentees[" + std::to_string(i) + "]";
    if (!seen.insert(in.absentees[i].member_id).second) {
      return Error::Invalid(Field(at, "member_id"), "人员重复");
    }
    CG_ASSIGN_OR_RETURN(std::string reason,
                        CleanText(in.absentees[i].reason, Field(at, "reason"), 200, true));
    reasons.push_back(std::move(reason));
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  PathRange scope = caller.Scope();
  CG_ASSIGN_OR_RETURN(store::Rows org,
                      conn->Query("SELECT o.kind, n.path FROM party_org o JOIN org_node n ON n.id "
                                  "= o.node_id WHERE o.id = $1 AND n.path >= $2 AND n.path < $3",
                                  {in.party_org_id, scope.lo, scope.hi}));
  if (org.empty()) return Error::Invalid("party_org_id", "党组织不存在或不在管辖范围内");
  if (!partylife::Owes(org[0].Text("kind"), in.kind) && org[0].Text("kind") != "committee" &&
      org[0].Text("kind") != "general_branch") {
    return Error::Invalid("kind", "该党组织不召开此类会议");
  }
  // Members: in the caller's scope (their branch or residence), so a mobile
  // member may attend at the branch where they are.
  auto check_member = [&](int64_t id, const std::string& field) -> core::Status {
    CG_ASSIGN_OR_RETURN(
        int64_t n,
        conn->QueryInt("SELECT COUNT(*) FROM party_member m JOIN party_org o ON o.id = "
                       "m.party_org_id JOIN org_node n ON n.id = o.node_id LEFT JOIN org_node rn "
                       "ON rn.id = m.residence_node_id WHERE m.id = $1 AND ((n.path >= $2 AND "
                       "n.path < $3) OR (rn.path >= $2 AND rn.path < $3))",
                       {id, scope.lo, scope.hi}));
    if (n == 0) return Error::Invalid(field, "党员不存在或不在管辖范围内");
    return core::Ok();
  };
  for (size_t i = 0; i < in.attendee_ids.size(); ++i) {
    CG_TRY(check_member(in.attendee_ids[i], "attendee_ids[" + std::to_string(i) + "]"));
  }
  for (size_t i = 0; i < in.absentees.size(); ++i) {
    CG_TRY(
        check_member(in.absentees[i].member_id, "absentees[" + std::to_string(i) + "].member_id"));
  }
  for (size_t i = 0; i < in.photo_ids.size(); ++i) {
    CG_ASSIGN_OR_RETURN(int64_t n, conn->QueryInt("SELECT COUNT(*) FROM attachment_upload WHERE "
                                                  "attachment_id = $1 AND account_id = $2",
                                                  {in.photo_ids[i], caller.account_id}));
    if (n == 0) return Error::Invalid("photo_ids[" + std::to_string(i) + "]", "照片不存在");
  }
  const int64_t month = MonthOf(held);
  CG_ASSIGN_OR_RETURN(
      int64_t id,
      conn->QueryInt("INSERT INTO party_meeting (party_org_id, path, kind, held_on, month, title, "
                     "minutes, recorded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
                     "$9) RETURNING id",
                     {in.party_org_id, org[0].Text("path"), std::string(MeetingKindName(in.kind)),
                      core::FormatDate(held), month, title, minutes, caller.account_id, now}));
  for (int64_t member : in.attendee_ids) {
    CG_TRY(
        conn->Execute("INSERT INTO party_meeting_member (meeting_id, member_id, present, "
                      "reason, month) VALUES ($1, $2, 1, '', $3)",
                      {id, member, month}));
  }
  for (size_t i = 0; i < in.absentees.size(); ++i) {
    CG_TRY(
        conn->Execute("INSERT INTO party_meeting_member (meeting_id, member_id, present, "
                      "reason, month) VALUES ($1, $2, 0, $3, $4)",
                      {id, in.absentees[i].member_id, reasons[i], month}));
  }
  for (size_t i = 0; i < in.photo_ids.size(); ++i) {
    CG_TRY(
        conn->Execute("INSERT INTO party_meeting_photo (meeting_id, attachment_id, position) "
                      "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                      {id, in.photo_ids[i], static_cast<int64_t>(i)}));
  }
  CG_TRY(audit_.Append(*conn, caller, "partylife.meeting", "party_meeting", id,
                       std::string(MeetingKindName(in.kind)) + " " + core::FormatDate(held)));
  // The attendees' and absentees' warnings of this month follow at once.
  std::vector<int64_t> touched(seen.begin(), seen.end());
  if (!touched.empty()) {
    CG_ASSIGN_OR_RETURN(auto members, MembersIn(*conn, PathRange{"/", "0"}, touched));
    auto evaluated = EvaluateMembers(*conn, members, current);
    if (!evaluated.ok()) return evaluated.error();
  }
  CG_TRY(tx.Commit());
  return LoadMeeting(*conn, caller, id);
}

core::Result<PartyMeeting> PartyLifeService::GetMeeting(const Caller& caller, int64_t id) {
  CG_TRY(caller.Require(Permission::kPeopleRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  return LoadMeeting(*conn, caller, id);
}

core::Result<PageOf<PartyMeeting>> PartyLifeService::ListMeetings(const Caller& caller,
                                                                  const PartyMeetingFilter& f) {
  CG_TRY(caller.Require(Permission::kPeopleRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(PathRange range, WithinScope(*conn, caller, f.within));
  // Newest first: a walk of the primary key (or of party_meeting_org for one
  // organisation) downwards; the path is checked on each row.
  Conditions w;
  if (f.party_org_id) w.And("m.party_org_id = " + w.Bind(*f.party_org_id));
  const std::string lo = w.Bind(range.lo);
  w.And("m.path >= " + lo + " AND m.path < " + w.Bind(range.hi));
  // `after` is the last id of the page before (0: the first page).
  w.And("m.id < " + w.Bind(f.page.after > 0 ? f.page.after : INT64_MAX));
  std::string limit = w.Bind(f.page.limit);
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query(std::string(kMeetingSelect) + "WHERE " + w.Sql() +
                                      " ORDER BY m.id DESC LIMIT " + limit,
                                  w.params()));
  std::vector<PartyMeeting> items;
  for (const auto& r : rows) {
    items.push_back(MeetingFromRow(r));
    CG_TRY(LoadParts(*conn, items.back()));
  }
  return FinishPage(std::move(items), f.page, &MeetingId);
}

core::Result<CadenceReport> PartyLifeService::Cadence(const Caller& caller,
                                                      std::optional<int64_t> within,
                                                      std::optional<std::string> from_text,
                                                      std::optional<std::string> to_text) {
  CG_TRY(caller.Require(Permission::kPeopleRead));
  const int64_t current = partylife::MonthAt(clock_.NowMs());
  int64_t from = current - current % 12, to = current;
  if (from_text) {
    CG_ASSIGN_OR_RETURN(from, ParseMonth(*from_text, "from"));
  }
  if (to_text) {
    CG_ASSIGN_OR_RETURN(to, ParseMonth(*to_text, "to"));
  }
  if (to < from) return Error::Invalid("to", "结束月份不能早于开始月份");
  if (to - from >= 36) return Error::Invalid("to", "一次最多查询三年");
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(PathRange range, WithinScope(*conn, caller, within));
  CG_ASSIGN_OR_RETURN(
      store::Rows orgs,
      conn->Query("SELECT o.id, o.name, o.kind, o.node_id FROM party_org o JOIN org_node n ON "
                  "n.id = o.node_id WHERE n.path >= $1 AND n.path < $2 AND o.kind IN ('branch', "
                  "'grid_branch', 'functional_branch', 'grid_group', 'building_group') ORDER BY "
                  "o.id LIMIT $3",
                  {range.lo, range.hi, options_.max_report_branches}));
  // (org, kind) → months with a meeting in the period.
  CG_ASSIGN_OR_RETURN(
      store::Rows held,
      conn->Query("SELECT m.party_org_id, m.kind, m.month FROM party_meeting m WHERE m.path >= $1 "
                  "AND m.path < $2 AND m.month >= $3 AND m.month <= $4 GROUP BY m.party_org_id, "
                  "m.kind, m.month",
                  {range.lo, range.hi, from, to}));
  std::map<std::pair<int64_t, std::string>, std::set<int64_t>> months;
  for (const auto& r : held) months[{r.Int(0), r.Text(1)}].insert(r.Int(2));
  CadenceReport report{FormatMonth(from), FormatMonth(to), {}};
  for (const auto& o : orgs) {
    BranchCadence b{o.Int("id"), o.Text("name"), o.Int("node_id"), {}, 0};
    for (const auto& [kind, name] : kMeetingKinds) {
      if (!partylife::Owes(o.Text("kind"), kind)) continue;
      CadenceSlot slot{kind, CadenceOf(kind), 0, 0, {}};
      std::set<int64_t> slots_held;
      for (int64_t m : months[{b.party_org_id, std::string(name)}]) {
        slots_held.insert(SlotOf(slot.cadence, m));
      }
      // A slot is owed when it ends inside the period and has ended by now.
      for (int64_t s = SlotOf(slot.cadence, from); s <= SlotOf(slot.cadence, to); ++s) {
        const int64_t last = SlotLastMonth(slot.cadence, s);
        if (last < from || last > to || last >= current) continue;
        ++slot.required;
        if (slots_held.count(s)) {
          ++slot.held;
        } else {
          slot.missing.push_back(SlotLabel(slot.cadence, s));
        }
      }
      b.missing += static_cast<int64_t>(slot.missing.size());
      b.kinds.push_back(std::move(slot));
    }
    report.branches.push_back(std::move(b));
  }
  std::stable_sort(
      report.branches.begin(), report.branches.end(),
      [](const BranchCadence& a, const BranchCadence& b) { return a.missing > b.missing; });
  return report;
}

}  // namespace civicgrid::domain
