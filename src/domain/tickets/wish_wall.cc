#include "domain/tickets/wish_wall.h"

#include <vector>

#include "domain/tickets/ticket_list_query.h"
#include "domain/tickets/ticket_service_internal.h"
#include "domain/tickets/ticket_store.h"

namespace civicgrid::domain {
namespace {

using core::Error;

int64_t TicketId(const Ticket& t) { return t.id; }

// The community whose subtree holds `path` (or `path` itself): one lookup of
// the path's prefixes on org_node_path; Invalid "community_id" if none.
core::Result<int64_t> CommunityOf(store::Connection& conn, const std::string& path) {
  store::Params prefixes;
  std::string in;
  for (size_t slash = path.find('/', 1); slash != std::string::npos && prefixes.size() < 8;
       slash = path.find('/', slash + 1)) {
    prefixes.emplace_back(path.substr(0, slash + 1));
    in += (in.empty() ? "$" : ", $") + std::to_string(prefixes.size());
  }
  if (!in.empty()) {
    CG_ASSIGN_OR_RETURN(store::Rows rows,
                        conn.Query("SELECT id FROM org_node WHERE path IN (" + in +
                                       ") AND kind = 'community' ORDER BY path DESC LIMIT 1",
                                   prefixes));
    if (!rows.empty()) return rows[0].Int(0);
  }
  return Error::Invalid("community_id", "请指定社区（community_id）");
}

}  // namespace

core::Result<WishWall> ListWishes(store::Db& db, const Caller& caller,
                                  std::optional<int64_t> community_id, const Page& page) {
  CG_ASSIGN_OR_RETURN(auto conn, db.Acquire());
  if (!community_id) {
    CG_ASSIGN_OR_RETURN(community_id, CommunityOf(*conn, caller.scope_path));
  }
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query("SELECT kind, path, name FROM org_node WHERE id = $1", {*community_id}));
  if (rows.empty()) return Error::NotFound("社区不存在");
  const std::string path = rows[0].Text(1);
  // On the caller's line: the community inside the scope, or the scope inside it.
  const bool on_line = caller.InScope(path) || caller.scope_path.rfind(path, 0) == 0;
  if (!on_line) return Error::NotFound("社区不存在");
  if (rows[0].Text(0) != "community") return Error::Invalid("community_id", "应为社区编号");
  // Every open wish: the wall is where a community's wishes are shown (a wish
  // is not is_public by default, which governs the ticket lists, not this).
  TicketListQuery q = BuildWishQuery(SubtreeRange(path), /*all=*/true, page);
  TicketStore store(*conn);
  CG_ASSIGN_OR_RETURN(std::vector<Ticket> items, store.SelectPage(q.where, q.tail));
  for (Ticket& t : items) MaskFor(caller, t);
  WishWall wall;
  wall.community_id = *community_id;
  wall.community_name = rows[0].Text(2);
  wall.page = FinishPage(std::move(items), page, &TicketId);
  return wall;
}

}  // namespace civicgrid::domain
