// Shared pieces of the duty services: who a member is and who may act for
// them, the encodings of availability and id lists. Internal to duty/.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/access/caller.h"
#include "domain/duty/duty_types.h"
#include "store/db.h"

namespace civicgrid::domain::duty {

struct MemberRef {
  int64_t id = 0;
  std::string name;
  std::optional<int64_t> unit_id;
  std::optional<int64_t> residence_node_id;
  std::string branch_path;     // path of the member's own branch's node
  std::string residence_path;  // "" when not registered
};

// The member, or NotFound; no scope check (see CanSee / CanActFor).
core::Result<MemberRef> LoadMember(store::Connection& conn, int64_t member_id);
bool IsSelf(const Caller& caller, int64_t member_id);
// Reading a member's duty records: themselves, their unit's admin, staff
// with people_read whose scope holds their branch or residence.
bool CanSee(const Caller& caller, const MemberRef& m);
// Acting for a member (requests, profile): themselves, their unit's admin,
// staff with people_write over their branch or residence.
bool CanActFor(const Caller& caller, const MemberRef& m);

struct NodeRef {
  int64_t id = 0;
  std::string kind;
  std::string path;
  std::string name;
};
// The node, or nullopt when it does not exist.
core::Result<std::optional<NodeRef>> LoadNode(store::Connection& conn, int64_t id);

// "1@390-480;6@1080-1260"; validation names `field`.
std::string EncodeSlots(const std::vector<AvailabilitySlot>& slots);
std::vector<AvailabilitySlot> DecodeSlots(const std::string& text);
core::Status ValidateSlots(const std::vector<AvailabilitySlot>& slots, int64_t max,
                           std::string_view field);
std::string EncodeIds(const std::vector<int64_t>& ids);
std::vector<int64_t> DecodeIds(const std::string& text);

// A ?limit clamped like the registry's pages; a negative cursor is invalid.
core::Status CheckPage(int64_t after, int64_t limit);

}  // namespace civicgrid::domain::duty
