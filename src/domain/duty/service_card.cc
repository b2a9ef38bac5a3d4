// The quarterly service card (一单一表一卡, docs/duty.md): per member and
// quarter, the registration, the posts they fill, the activities they attended,
// approved hours, points earned and board tickets claimed. Read in five grouped
// queries over the member set (one member or a unit's in-service members).
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "domain/duty/dual_registration.h"
#include "domain/duty/duty_common.h"

namespace civicgrid::domain {

using core::Error;

namespace {

constexpr int64_t kMaxCardMembers = 5000;

int64_t LocalMidnightOf(core::CivilDate date) {
  return core::DaysFromCivil(date) * core::kMsPerDay - core::kShanghaiOffsetMs;
}

// Whether unit `unit_id` is the caller's own (a unit admin) or lies in their scope
// (its node or a community it pairs with; the caller holds units_read).
core::Result<bool> CanSeeUnit(store::Connection& conn, const Caller& caller, int64_t unit_id) {
  if (caller.role == Role::kUnitAdmin) return caller.unit_id == unit_id;
  PathRange range = caller.Scope();
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn.Query("SELECT 1 FROM unit u WHERE u.id = $1 AND (EXISTS (SELECT 1 FROM org_node un "
                 "WHERE un.id = u.node_id AND un.path >= $2 AND un.path < $3) OR EXISTS (SELECT "
                 "1 FROM unit_pairing up JOIN org_node pn ON pn.id = up.node_id WHERE up.unit_id "
                 "= u.id AND pn.path >= $2 AND pn.path < $3))",
                 {unit_id, range.lo, range.hi}));
  return !rows.empty();
}

// The cards of one page, indexed by member id. Every query below binds the
// same first three parameters: $1 the member set's key, $2 the page's lower
// bound (exclusive), $3 its upper bound (inclusive); times come after them.
struct CardSet {
  std::string who;  // a condition on party_member m
  store::Value key;
  int64_t lo = 0, hi = 0;
  std::vector<ServiceCard> cards;
  std::map<int64_t, size_t> index;

  std::string Where() const { return who + " AND m.id > $2 AND m.id <= $3"; }
  ServiceCard* Of(int64_t member_id) {
    auto it = index.find(member_id);
    return it == index.end() ? nullptr : &cards[it->second];
  }
};

core::Status LoadMembers(store::Connection& conn, CardSet& set, int64_t limit) {
  CG_ASSIGN_OR_RETURN(
      store::Rows members,
      conn.Query(fmt::format("SELECT m.id, m.name, m.unit_id, u.name AS unit_name, "
                             "m.residence_node_id, n.name AS community_name, m.registered_on "
                             "FROM party_member m LEFT JOIN unit u ON u.id = m.unit_id LEFT JOIN "
                             "org_node n ON n.id = m.residence_node_id WHERE {} AND m.id > $2 "
                             "ORDER BY m.id LIMIT $3",
                             set.who),
                 {set.key, set.lo, limit}));
  for (const auto& r : members) {
    ServiceCard c;
    c.member_id = r.Int("id");
    c.name = r.Text("name");
    c.unit_id = r.OptInt("unit_id");
    c.unit_name = r.IsNull("unit_name") ? "" : r.Text("unit_name");
    c.community_id = r.OptInt("residence_node_id");
    c.community_name = r.IsNull("community_name") ? "" : r.Text("community_name");
    c.registered_on = r.IsNull("registered_on") ? "" : r.Text("registered_on");
    set.index[c.member_id] = set.cards.size();
    set.cards.push_back(std::move(c));
  }
  if (!set.cards.empty()) set.hi = set.cards.back().member_id;
  return core::Ok();
}

core::Status AddPosts(store::Connection& conn, CardSet& set) {
  CG_ASSIGN_OR_RETURN(
      store::Rows posts,
      conn.Query(fmt::format("SELECT pm.member_id, p.title FROM duty_post_member pm JOIN "
                             "duty_post p ON p.id = pm.post_id JOIN party_member m ON m.id = "
                             "pm.member_id WHERE {} ORDER BY pm.member_id, p.id",
                             set.Where()),
                 {set.key, set.lo, set.hi}));
  for (const auto& r : posts) {
    if (ServiceCard* c = set.Of(r.Int("member_id"))) c->posts.push_back(r.Text("title"));
  }
  return core::Ok();
}

core::Status AddServed(store::Connection& conn, CardSet& set, int64_t from, int64_t to) {
  CG_ASSIGN_OR_RETURN(
      store::Rows served,
      conn.Query(
          fmt::format("SELECT s.member_id, SUM(CASE WHEN s.checked_in_at IS NOT NULL THEN 1 ELSE "
                      "0 END) AS attended, SUM(CASE WHEN s.state = 'no_show' THEN 1 ELSE 0 END) "
                      "AS no_shows, CAST(COALESCE(SUM(s.approved_minutes), 0) AS BIGINT) AS "
                      "minutes FROM duty_signup s JOIN party_member m ON m.id = s.member_id JOIN "
                      "duty_activity a ON a.id = s.activity_id WHERE {} AND a.starts_at >= $4 "
                      "AND a.starts_at < $5 GROUP BY s.member_id",
                      set.Where()),
          {set.key, set.lo, set.hi, from, to}));
  for (const auto& r : served) {
    if (ServiceCard* c = set.Of(r.Int("member_id"))) {
      c->activities = r.Int("attended");
      c->no_shows = r.Int("no_shows");
      c->minutes = r.Int("minutes");
    }
  }
  return core::Ok();
}

// Points earned: credits less reversals of credits, as the rankings count them.
core::Status AddPoints(store::Connection& conn, CardSet& set, const std::string& from_day,
                       const std::string& to_day) {
  CG_ASSIGN_OR_RETURN(
      store::Rows points,
      conn.Query(
          fmt::format("SELECT a.holder_id, CAST(COALESCE(SUM(CASE WHEN e.kind IN ('hours', "
                      "'ticket', 'award') THEN e.amount WHEN e.kind = 'reversal' AND e.amount < 0 "
                      "THEN e.amount ELSE 0 END), 0) AS BIGINT) AS earned FROM tb_account a JOIN "
                      "party_member m ON m.id = a.holder_id JOIN tb_entry e ON e.account_id = "
                      "a.id WHERE a.holder_kind = 'member' AND a.currency = 'member_points' AND "
                      "{} AND e.day >= $4 AND e.day < $5 GROUP BY a.holder_id",
                      set.Where()),
          {set.key, set.lo, set.hi, from_day, to_day}));
  for (const auto& r : points) {
    if (ServiceCard* c = set.Of(r.Int("holder_id"))) c->points = r.Int("earned");
  }
  return core::Ok();
}

core::Status AddTickets(store::Connection& conn, CardSet& set, int64_t from, int64_t to) {
  CG_ASSIGN_OR_RETURN(
      store::Rows tickets,
      conn.Query(fmt::format("SELECT t.assignee_id, COUNT(*) AS n FROM ticket t JOIN "
                             "party_member m ON m.id = t.assignee_id WHERE t.assignee_kind = "
                             "'member' AND {} AND EXISTS (SELECT 1 FROM ticket_event e WHERE "
                             "e.ticket_id = t.id AND e.type = 'claim' AND e.at >= $4 AND e.at < "
                             "$5) GROUP BY t.assignee_id",
                             set.Where()),
                 {set.key, set.lo, set.hi, from, to}));
  for (const auto& r : tickets) {
    if (ServiceCard* c = set.Of(r.Int("assignee_id"))) c->tickets = r.Int("n");
  }
  return core::Ok();
}

}  // namespace

core::Result<std::vector<ServiceCard>> DualRegistrationService::ServiceCards(
    const Caller& caller, const ServiceCardQuery& query) {
  if (query.year < 2000 || query.year > 2100) return Error::Invalid("year", "年份应为 2000–2100");
  if (query.quarter < 1 || query.quarter > 4) return Error::Invalid("quarter", "季度应为 1–4");
  if (query.after < 0) return Error::Invalid("after", "游标无效");
  std::optional<int64_t> member_id = query.member_id;
  if (!member_id && !query.unit_id) {
    if (!caller.party_member_id) return Error::Invalid("member_id", "请指定党员或单位");
    member_id = caller.party_member_id;
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CardSet set;
  if (member_id) {
    CG_ASSIGN_OR_RETURN(duty::MemberRef m, duty::LoadMember(*conn, *member_id));
    if (!duty::CanSee(caller, m)) return Error::NotFound("党员不存在");
    if (query.unit_id && m.unit_id != query.unit_id) return Error::NotFound("党员不存在");
    set.who = "m.id = $1";
    set.key = *member_id;
  } else {
    if (caller.role != Role::kUnitAdmin) CG_TRY(caller.Require(Permission::kUnitsRead));
    CG_ASSIGN_OR_RETURN(bool visible, CanSeeUnit(*conn, caller, *query.unit_id));
    if (!visible) return Error::NotFound("单位不存在");
    set.who = "m.unit_id = $1";
    set.key = *query.unit_id;
  }
  set.lo = query.after;
  CG_TRY(LoadMembers(*conn, set, std::clamp<int64_t>(query.limit, 1, kMaxCardMembers)));
  if (set.cards.empty()) return std::move(set.cards);

  const core::CivilDate first{query.year, 3 * query.quarter - 2, 1};
  const core::CivilDate next = query.quarter == 4
                                   ? core::CivilDate{query.year + 1, 1, 1}
                                   : core::CivilDate{query.year, 3 * query.quarter + 1, 1};
  const int64_t from = LocalMidnightOf(first), to = LocalMidnightOf(next);
  CG_TRY(AddPosts(*conn, set));
  CG_TRY(AddServed(*conn, set, from, to));
  CG_TRY(AddPoints(*conn, set, core::FormatDate(first), core::FormatDate(next)));
  CG_TRY(AddTickets(*conn, set, from, to));
  return std::move(set.cards);
}

}  // namespace civicgrid::domain
