// The duty domain's values (双报到, posts, branches, teams, activities, notices,
// service cards) as the API's JSON; shared by the duty route files.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <vector>

#include "domain/duty/duty_types.h"
#include "http/router.h"

namespace civicgrid::http {

struct ApiServices;

boost::json::array IdsJson(const std::vector<int64_t>& ids);
boost::json::value ToJson(const domain::Skill& skill);
boost::json::value ToJson(const domain::DualRegistration& registration);
boost::json::value ToJson(const domain::MemberProfile& profile);
boost::json::value ToJson(const domain::UnitRegistration& registration);
boost::json::value ToJson(const domain::Post& post);
boost::json::value ToJson(const domain::BranchMember& member);
boost::json::value ToJson(const domain::Team& team);
boost::json::value ToJson(const domain::Activity& activity);
boost::json::value ToJson(const domain::Signup& signup);
boost::json::value ToJson(const domain::DutyNotice& notice);
boost::json::value ToJson(const domain::ServiceCard& card);
// {"items": [member…], "member_ids": [id…]}: a functional branch's members.
boost::json::value BranchMembersJson(const std::vector<domain::BranchMember>& members);

// The routes that manage what 双报到 and activities made (duty_manage_routes.cc):
// renaming and retiring skills, posts, functional branches, cancelling
// activities and disbanding teams, members' notices, the quarterly service card.
void RegisterDutyManageRoutes(Router& router, ApiServices& services);

}  // namespace civicgrid::http
