// The duty domain's values as the API's JSON (docs/duty.md, docs/openapi.json).
#include "http/api/duty_views.h"

#include <boost/json.hpp>

#include <cstdio>

#include "core/time.h"
#include "http/api/views.h"

namespace civicgrid::http {
namespace {

namespace json = boost::json;

json::value Time(int64_t ms) { return json::value(core::FormatUtc(ms)); }

std::string Hhmm(int minutes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

json::array SlotsJson(const std::vector<domain::AvailabilitySlot>& slots) {
  json::array a;
  for (const auto& s : slots) {
    a.push_back(json::object{
        {"weekday", s.weekday}, {"start", Hhmm(s.start_minute)}, {"end", Hhmm(s.end_minute)}});
  }
  return a;
}

}  // namespace

json::array IdsJson(const std::vector<int64_t>& ids) {
  json::array a;
  for (int64_t id : ids) a.push_back(id);
  return a;
}

json::value ToJson(const domain::Skill& s) {
  return json::object{{"id", s.id}, {"name", s.name}, {"retired", s.retired}};
}

json::value ToJson(const domain::DualRegistration& r) {
  return json::object{{"id", r.id},
                      {"member_id", r.member_id},
                      {"member_name", r.member_name},
                      {"unit_id", OptJson(r.unit_id)},
                      {"community_id", r.community_id},
                      {"community_name", r.community_name},
                      {"state", domain::RegistrationStateName(r.state)},
                      {"skill_ids", IdsJson(r.skill_ids)},
                      {"availability", SlotsJson(r.availability)},
                      {"commitment_text", r.commitment_text},
                      {"commitment_date", r.commitment_date},
                      {"decided_at", OptTimeJson(r.decided_at)},
                      {"decline_reason", r.decline_reason},
                      {"created_at", Time(r.created_at)},
                      {"version", r.version}};
}

json::value ToJson(const domain::MemberProfile& p) {
  return json::object{{"member_id", p.member_id},
                      {"name", p.name},
                      {"unit_id", OptJson(p.unit_id)},
                      {"community_id", OptJson(p.community_id)},
                      {"skill_ids", IdsJson(p.skill_ids)},
                      {"availability", SlotsJson(p.availability)},
                      {"functional_branch_ids", IdsJson(p.functional_branch_ids)}};
}

json::value ToJson(const domain::UnitRegistration& u) {
  return json::object{{"id", u.id},
                      {"unit_id", u.unit_id},
                      {"unit_name", u.unit_name},
                      {"community_id", u.community_id},
                      {"community_name", u.community_name},
                      {"created_at", Time(u.created_at)}};
}

json::value ToJson(const domain::Post& p) {
  return json::object{{"id", p.id},
                      {"unit_registration_id", p.unit_registration_id},
                      {"unit_id", p.unit_id},
                      {"community_id", p.community_id},
                      {"title", p.title},
                      {"skill_id", p.skill_id},
                      {"headcount", p.headcount},
                      {"member_ids", IdsJson(p.member_ids)}};
}

json::value ToJson(const domain::Team& t) {
  json::array members;
  for (const auto& m : t.members) {
    members.push_back(
        json::object{{"member_id", m.member_id}, {"name", m.name}, {"leader", m.leader}});
  }
  return json::object{{"id", t.id}, {"node_id", t.node_id}, {"name", t.name}, {"members", members}};
}

json::value ToJson(const domain::Activity& a) {
  return json::object{{"id", a.id},
                      {"node_id", a.node_id},
                      {"team_id", OptJson(a.team_id)},
                      {"series_id", OptJson(a.series_id)},
                      {"title", a.title},
                      {"category", a.category},
                      {"place", json::array{a.place.lon, a.place.lat}},
                      {"place_name", a.place_name},
                      {"starts_at", Time(a.starts_at)},
                      {"ends_at", Time(a.ends_at)},
                      {"capacity", a.capacity},
                      {"seats_taken", a.seats_taken},
                      {"waitlisted", a.waitlisted},
                      {"signup_opens_at", Time(a.signup_opens_at)},
                      {"signup_closes_at", Time(a.signup_closes_at)},
                      {"cancel_cutoff_at", Time(a.cancel_cutoff_at)},
                      {"radius_m", OptJson(a.radius_m)},
                      {"cancelled", a.cancelled}};
}

json::value ToJson(const domain::Signup& s) {
  return json::object{{"id", s.id},
                      {"activity_id", s.activity_id},
                      {"member_id", s.member_id},
                      {"member_name", s.member_name},
                      {"state", domain::SignupStateName(s.state)},
                      {"checked_in_at", OptTimeJson(s.checked_in_at)},
                      {"checked_out_at", OptTimeJson(s.checked_out_at)},
                      {"minutes", s.minutes},
                      {"approved_minutes", OptJson(s.approved_minutes)},
                      {"created_at", Time(s.created_at)}};
}

json::value ToJson(const domain::BranchMember& m) {
  return json::object{{"member_id", m.member_id},
                      {"name", m.name},
                      {"home_party_org_id", m.home_party_org_id},
                      {"added_at", Time(m.added_at)}};
}

json::value ToJson(const domain::DutyNotice& n) {
  return json::object{{"id", n.id},
                      {"kind", n.kind},
                      {"activity_id", OptJson(n.activity_id)},
                      {"text", n.text},
                      {"created_at", Time(n.created_at)}};
}

json::value ToJson(const domain::ServiceCard& c) {
  json::array posts;
  for (const auto& title : c.posts) posts.push_back(json::string(title));
  return json::object{{"member_id", c.member_id},
                      {"name", c.name},
                      {"unit_id", OptJson(c.unit_id)},
                      {"unit_name", c.unit_name},
                      {"community_id", OptJson(c.community_id)},
                      {"community_name", c.community_name},
                      {"registered_on", c.registered_on},
                      {"posts", std::move(posts)},
                      {"activities", c.activities},
                      {"no_shows", c.no_shows},
                      {"minutes", c.minutes},
                      {"points", c.points},
                      {"tickets", c.tickets}};
}

json::value BranchMembersJson(const std::vector<domain::BranchMember>& members) {
  json::array items;
  std::vector<int64_t> ids;
  for (const auto& m : members) {
    items.push_back(ToJson(m));
    ids.push_back(m.member_id);
  }
  return json::object{{"items", std::move(items)}, {"member_ids", IdsJson(ids)}};
}

}  // namespace civicgrid::http
