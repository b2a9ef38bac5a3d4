#include "domain/registry/service_centers.h"

namespace civicgrid::domain {
namespace {

using core::Error;

std::string JoinFacilities(const std::vector<std::string>& facilities) {
  std::string out;
  for (const auto& f : facilities) out += (out.empty() ? "" : "|") + f;
  return out;
}

std::vector<std::string> SplitFacilities(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('|', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

int64_t IdOf(const ServiceCenter& c) { return c.id; }

}  // namespace

core::Result<int64_t> ServiceCenterService::Insert(store::Connection& conn, const Caller& caller,
                                                   const NewServiceCenter& c) {
  CG_ASSIGN_OR_RETURN(std::string name, CleanName(c.name, "name"));
  if (c.floor_area_m2 <= 0 || c.floor_area_m2 > 1'000'000) {
    return Error::Invalid("floor_area_m2", "使用面积应为正整数平方米");
  }
  CG_TRY(core::ValidateLonLat(c.location, ""));
  for (const auto& f : c.facilities) {
    if (f.empty() || f.find('|') != std::string::npos) {
      return Error::Invalid("facilities", "设施名称不能为空或含 |");
    }
  }
  CG_ASSIGN_OR_RETURN(std::string ok, NodeKindInScope(conn, caller, c.node_id));
  if (ok.empty()) return Error::Invalid("node_id", "所在节点不存在或不在管辖范围内");
  return conn.QueryInt(
      "INSERT INTO service_center (node_id, name, floor_area_m2, lon, lat, facilities, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
      {c.node_id, name, c.floor_area_m2, c.location.lon, c.location.lat,
       JoinFacilities(c.facilities), clock_.NowMs()});
}

core::Result<ServiceCenter> ServiceCenterService::Create(const Caller& caller,
                                                         const NewServiceCenter& center) {
  CG_TRY(caller.Require(Permission::kOrgWrite));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(int64_t id, Insert(*conn, caller, center));
  CG_TRY(audit_.Append(*conn, caller, "service_center.create", "service_center", id, center.name));
  CG_TRY(tx.Commit());
  return ServiceCenter{
      id, center.node_id, center.name, center.floor_area_m2, center.location, center.facilities};
}

core::Result<PageOf<ServiceCenter>> ServiceCenterService::List(const Caller& caller,
                                                               std::optional<int64_t> within,
                                                               const Page& page) {
  CG_TRY(caller.Require(Permission::kOrgRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(PathRange range, WithinScope(*conn, caller, within));
  // Centres walked in id order, each checked against its node's path (CROSS JOIN fixes
  // SQLite's join order): no sort of the scope's centres.
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query(
          "SELECT c.id, c.node_id, c.name, c.floor_area_m2, c.lon, c.lat, c.facilities "
          "FROM service_center c CROSS JOIN org_node n WHERE n.id = c.node_id AND n.path >= $1 "
          "AND n.path < $2 AND c.id > $3 ORDER BY c.id LIMIT $4",
          {range.lo, range.hi, page.after, page.limit}));
  std::vector<ServiceCenter> items;
  for (const auto& r : rows) {
    items.push_back(ServiceCenter{r.Int(0), r.Int(1), r.Text(2), r.Int(3),
                                  core::LonLat{r.Real(4), r.Real(5)}, SplitFacilities(r.Text(6))});
  }
  return FinishPage(std::move(items), page, &IdOf);
}

}  // namespace civicgrid::domain
