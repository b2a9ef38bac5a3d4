// Shared between the visit service's files (not a public interface).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "domain/visits/visit_service.h"

namespace civicgrid::domain::visits {

// Split "a,b" (the stored form of needs and risks) and join it back.
std::vector<std::string> SplitList(const std::string& text);
std::string JoinList(const std::vector<std::string>& items);

// The flags of each household: its recorded flags, else the OR of its
// residents' flags (masked to the household flags). `recorded` maps a
// household to its household_visit.flags when not NULL.
core::Result<std::map<int64_t, int64_t>> EffectiveFlags(store::Connection& conn,
                                                        const std::vector<int64_t>& households,
                                                        const std::map<int64_t, int64_t>& recorded);

// The display name of an account, or `fallback` when it has none.
std::string AccountName(store::Connection& conn, int64_t account_id, const std::string& fallback);

}  // namespace civicgrid::domain::visits
