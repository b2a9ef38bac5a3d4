#include "http/api/views.h"

#include <boost/json.hpp>

#include "core/time.h"

namespace civicgrid::http {
namespace {

namespace json = boost::json;

json::array Strings(const std::vector<std::string>& values) {
  json::array out;
  for (const auto& v : values) out.emplace_back(v);
  return out;
}

}  // namespace

json::value OptJson(const std::optional<int64_t>& v) { return v ? json::value(*v) : nullptr; }
json::value OptJson(const std::optional<double>& v) { return v ? json::value(*v) : nullptr; }
json::value OptJson(const std::optional<std::string>& v) { return v ? json::value(*v) : nullptr; }
json::value OptTimeJson(const std::optional<int64_t>& epoch_ms) {
  return epoch_ms ? json::value(core::FormatUtc(*epoch_ms)) : nullptr;
}

json::value ToJson(const domain::OrgNode& n) {
  json::object o{{"id", n.id},
                 {"parent_id", OptJson(n.parent_id)},
                 {"kind", domain::OrgKindName(n.kind)},
                 {"code", n.code},
                 {"name", n.name},
                 {"path", n.path},
                 {"created_at", core::FormatUtc(n.created_at_ms)},
                 {"updated_at", core::FormatUtc(n.updated_at_ms)}};
  o["center"] = n.center ? json::value(json::array{n.center->lon, n.center->lat}) : nullptr;
  o["geometry"] = n.geometry ? json::parse(*n.geometry) : json::value(nullptr);
  return o;
}

json::value ToJson(const domain::Resident& r) {
  return json::object{{"id", r.id},
                      {"building_id", r.node_id},
                      {"household_id", OptJson(r.household_id)},
                      {"room", r.room},
                      {"name", r.name},
                      {"sex", r.sex},
                      {"birth_date", r.birth_date},
                      {"id_number", r.id_number_masked},
                      {"phone", OptJson(r.phone_masked)},
                      {"flags", Strings(domain::ResidentFlagNames(r.flags))},
                      {"created_at", core::FormatUtc(r.created_at_ms)}};
}

json::value ToJson(const domain::PartyOrg& o) {
  return json::object{{"id", o.id},
                      {"node_id", o.node_id},
                      {"parent_id", OptJson(o.parent_id)},
                      {"kind", domain::PartyOrgKindName(o.kind)},
                      {"name", o.name}};
}

json::value ToJson(const domain::PartyMember& m) {
  return json::object{{"id", m.id},
                      {"name", m.name},
                      {"sex", m.sex},
                      {"id_number", m.id_number_masked},
                      {"phone", OptJson(m.phone_masked)},
                      {"party_org_id", m.party_org_id},
                      {"unit_id", OptJson(m.unit_id)},
                      {"residence_node_id", OptJson(m.residence_node_id)},
                      {"registered_on", OptJson(m.registered_on)},
                      {"skills", Strings(m.skills)},
                      {"mobile", m.mobile}};
}

json::value ToJson(const domain::Unit& u) {
  json::array pairings;
  for (const auto& p : u.pairings) {
    pairings.push_back(json::object{{"id", p.id},
                                    {"node_id", p.node_id},
                                    {"node_name", p.node_name},
                                    {"node_kind", p.node_kind},
                                    {"since", p.since}});
  }
  return json::object{{"id", u.id},
                      {"node_id", u.node_id},
                      {"kind", domain::UnitKindName(u.kind)},
                      {"name", u.name},
                      {"credit_code", OptJson(u.credit_code)},
                      {"address", u.address},
                      {"contact_name", u.contact_name},
                      {"pairings", std::move(pairings)}};
}

json::value ToJson(const domain::Staff& s) {
  json::array grids;
  for (int64_t g : s.grid_ids) grids.push_back(g);
  std::string_view employment = domain::EmploymentName(s.employment);
  return json::object{
      {"id", s.id},
      {"kind", domain::StaffKindName(s.kind)},
      {"employment", employment.empty() ? json::value(nullptr) : json::value(employment)},
      {"node_id", s.node_id},
      {"name", s.name},
      {"phone", OptJson(s.phone_masked)},
      {"resident_id", OptJson(s.resident_id)},
      {"grid_ids", std::move(grids)}};
}

json::value ToJson(const domain::StaffingRow& r) {
  return json::object{{"community_id", r.community_id},
                      {"community_code", r.community_code},
                      {"community_name", r.community_name},
                      {"residents", r.residents},
                      {"community_workers", r.community_workers},
                      {"grid_workers_full_time", r.grid_workers_full_time},
                      {"grid_workers_part_time", r.grid_workers_part_time},
                      {"grids", r.grids},
                      {"workers_per_10k", r.workers_per_10k},
                      {"norm_per_10k", domain::kCommunityWorkersPer10k},
                      {"required", r.required},
                      {"shortfall", r.shortfall}};
}

json::value ToJson(const domain::ServiceCenter& c) {
  return json::object{{"id", c.id},
                      {"node_id", c.node_id},
                      {"name", c.name},
                      {"floor_area_m2", c.floor_area_m2},
                      {"location", json::array{c.location.lon, c.location.lat}},
                      {"facilities", Strings(c.facilities)}};
}

json::value ToJson(const domain::ImportReport& report) {
  json::array issues;
  for (const auto& i : report.issues) {
    issues.push_back(json::object{{"line", i.line}, {"field", i.field}, {"message", i.message}});
  }
  return json::object{{"rows", report.rows},
                      {"inserted", report.inserted},
                      {"ok", report.ok()},
                      {"issues", std::move(issues)}};
}

json::value CallerJson(const domain::Caller& caller, const domain::AccountView& view) {
  return json::object{{"account", json::object{{"id", view.id},
                                               {"username", view.username},
                                               {"display_name", view.display_name}}},
                      {"role", domain::RoleName(caller.role)},
                      {"resident_id", OptJson(caller.resident_id)},
                      {"party_member_id", OptJson(caller.party_member_id)},
                      {"unit_id", OptJson(caller.unit_id)},
                      {"scope", json::object{{"node_id", view.scope_node_id},
                                             {"name", view.scope_name},
                                             {"kind", view.scope_kind}}}};
}

}  // namespace civicgrid::http
