// Domain values as the API's JSON. Field names follow GLOSSARY.md; ID numbers
// and phones only ever appear in masked form here.
#pragma once

#include <boost/json/value.hpp>

#include "domain/access/account_service.h"
#include "domain/registry/importer.h"
#include "domain/registry/org_tree.h"
#include "domain/registry/party.h"
#include "domain/registry/residents.h"
#include "domain/registry/service_centers.h"
#include "domain/registry/staff.h"
#include "domain/registry/units.h"

namespace civicgrid::http {

boost::json::value ToJson(const domain::OrgNode& node);
boost::json::value ToJson(const domain::Resident& resident);
boost::json::value ToJson(const domain::PartyOrg& org);
boost::json::value ToJson(const domain::PartyMember& member);
boost::json::value ToJson(const domain::Unit& unit);
boost::json::value ToJson(const domain::Staff& staff);
boost::json::value ToJson(const domain::StaffingRow& row);
boost::json::value ToJson(const domain::ServiceCenter& center);
boost::json::value ToJson(const domain::ImportReport& report);
// An optional value as JSON: the value, or null.
boost::json::value OptJson(const std::optional<int64_t>& v);
boost::json::value OptJson(const std::optional<double>& v);
boost::json::value OptJson(const std::optional<std::string>& v);
// An optional instant as ISO 8601 UTC, or null.
boost::json::value OptTimeJson(const std::optional<int64_t>& epoch_ms);

boost::json::value CallerJson(const domain::Caller& caller, const domain::AccountView& view);

// {"items": [to_json(item)…], "next_after": id or null}.
template <typename T, typename ToJsonFn>
boost::json::value PageJson(const domain::PageOf<T>& page, ToJsonFn to_json) {
  boost::json::array items;
  items.reserve(page.items.size());
  for (const T& item : page.items) items.push_back(to_json(item));
  boost::json::object out;
  out["items"] = std::move(items);
  out["next_after"] = page.next_after ? boost::json::value(*page.next_after) : nullptr;
  return out;
}

template <typename T>
boost::json::value PageJson(const domain::PageOf<T>& page) {
  return PageJson(page, [](const T& item) { return ToJson(item); });
}

}  // namespace civicgrid::http
