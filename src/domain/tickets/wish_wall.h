// The wish wall (微心愿) of a community: its open wishes in id order, for
// anyone whose scope lies on the community's line (staff above or in it,
// members registered with it, residents living in it; others NotFound). The
// submitter is masked as everywhere (MaskFor); every open wish of the
// community is shown (the wall is where wishes are seen). A keyset walk along the partial index
// ticket_open_wish_id (schema migration 13, BuildWishQuery). Thread-safe (state lives in the
// database).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "domain/access/caller.h"
#include "domain/registry/common.h"
#include "domain/tickets/ticket_types.h"
#include "store/pool.h"

namespace civicgrid::domain {

struct WishWall {
  int64_t community_id = 0;
  std::string community_name;
  PageOf<Ticket> page;
};

// Without `community_id`: the community the caller's scope lies in (a
// resident's, a member's, a grid worker's); Invalid "community_id" when there
// is none (a scope above communities) or the node is not a community.
core::Result<WishWall> ListWishes(store::Db& db, const Caller& caller,
                                  std::optional<int64_t> community_id, const Page& page);

}  // namespace civicgrid::domain
