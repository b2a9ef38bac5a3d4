// Shared helpers of the deliberation service (internal to domain/deliberation).
#pragma once

#include <optional>
#include <string>

#include "domain/deliberation/deliberation_service.h"
#include "store/db.h"

namespace civicgrid::domain::deliberation {

// The value, or `fallback` when the stored text no longer parses.
template <typename T>
T Or(const core::Result<T>& r, T fallback) {
  return r.ok() ? *r : fallback;
}

// County and street admins, community secretaries and workers.
bool IsManagerRole(const Caller& caller);
// Reads the meetings of its scope: staff, and party members (their community).
inline bool ReadsByScope(const Caller& caller) {
  return IsManagerRole(caller) || caller.Can(Permission::kStatsRead) ||
         caller.role == Role::kPartyMember;
}
inline bool CanManage(const Caller& caller, std::string_view path) {
  return IsManagerRole(caller) && caller.InScope(path);
}

struct CommunityRow {
  int64_t id = 0;
  std::string name;
  std::string path;
};
// The community `id` when the caller may manage it; Invalid(field) when it is
// no community, NotFound outside scope, Forbidden without the right.
core::Result<CommunityRow> ManagedCommunity(store::Connection& conn, const Caller& caller,
                                            int64_t id, std::string_view field);
// The community of the caller's resident record, if any.
core::Result<std::optional<int64_t>> ResidentCommunity(store::Connection& conn,
                                                       const Caller& caller);

struct MeetingRow {
  int64_t id = 0;
  int64_t community_id = 0;
  std::string path;
  std::string title;
  int64_t starts_at = 0;
  int64_t ends_at = 0;
  int64_t capacity = 0;
  MeetingState state = MeetingState::kScheduled;
  int64_t organiser = 0;
  int64_t version = 1;
  bool manageable = false;
};
// The meeting when the caller sees it; NotFound otherwise.
core::Result<MeetingRow> LoadMeeting(store::Connection& conn, const Caller& caller, int64_t id);
core::Status RequireManage(const Caller& caller, const MeetingRow& m);

// Weighted share of done decisions (0–1; 0 without decisions).
double Progress(const std::vector<Decision>& decisions);
core::Result<std::vector<Decision>> LoadDecisions(store::Connection& conn, std::string_view where,
                                                  const store::Params& params);
core::Result<std::vector<AgendaItem>> LoadItems(store::Connection& conn, const Caller& caller,
                                                std::string_view where, const store::Params& params,
                                                std::string_view order_limit);

}  // namespace civicgrid::domain::deliberation
