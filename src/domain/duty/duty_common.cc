#include "domain/duty/duty_common.h"

#include <algorithm>
#include <charconv>

namespace civicgrid::domain::duty {

core::Result<MemberRef> LoadMember(store::Connection& conn, int64_t member_id) {
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn.Query("SELECT m.id, m.name, m.unit_id, m.residence_node_id, n.path AS branch_path, "
                 "rn.path AS residence_path FROM party_member m JOIN party_org o ON o.id = "
                 "m.party_org_id JOIN org_node n ON n.id = o.node_id LEFT JOIN org_node rn ON "
                 "rn.id = m.residence_node_id WHERE m.id = $1",
                 {member_id}));
  if (rows.empty()) return core::Error::NotFound("党员不存在");
  const store::Row& r = rows[0];
  return MemberRef{r.Int("id"),           r.Text("name"),
                   r.OptInt("unit_id"),   r.OptInt("residence_node_id"),
                   r.Text("branch_path"), r.OptText("residence_path").value_or("")};
}

bool IsSelf(const Caller& caller, int64_t member_id) {
  return caller.party_member_id && *caller.party_member_id == member_id;
}

namespace {
bool StaffOver(const Caller& caller, const MemberRef& m, Permission p) {
  if (!caller.Can(p)) return false;
  return caller.InScope(m.branch_path) ||
         (!m.residence_path.empty() && caller.InScope(m.residence_path));
}
bool UnitAdminOf(const Caller& caller, const MemberRef& m) {
  return caller.role == Role::kUnitAdmin && caller.unit_id && m.unit_id &&
         *caller.unit_id == *m.unit_id;
}
}  // namespace

bool CanSee(const Caller& caller, const MemberRef& m) {
  return IsSelf(caller, m.id) || UnitAdminOf(caller, m) ||
         StaffOver(caller, m, Permission::kPeopleRead);
}

bool CanActFor(const Caller& caller, const MemberRef& m) {
  return IsSelf(caller, m.id) || UnitAdminOf(caller, m) ||
         StaffOver(caller, m, Permission::kPeopleWrite);
}

core::Result<std::optional<NodeRef>> LoadNode(store::Connection& conn, int64_t id) {
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query("SELECT id, kind, path, name FROM org_node WHERE id = $1", {id}));
  if (rows.empty()) return std::optional<NodeRef>();
  return std::optional<NodeRef>(
      NodeRef{rows[0].Int("id"), rows[0].Text("kind"), rows[0].Text("path"), rows[0].Text("name")});
}

std::string EncodeSlots(const std::vector<AvailabilitySlot>& slots) {
  std::string out;
  for (const auto& s : slots) {
    if (!out.empty()) out += ';';
    out += std::to_string(s.weekday) + "@" + std::to_string(s.start_minute) + "-" +
           std::to_string(s.end_minute);
  }
  return out;
}

std::vector<AvailabilitySlot> DecodeSlots(const std::string& text) {
  std::vector<AvailabilitySlot> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(';', pos);
    if (end == std::string::npos) end = text.size();
    AvailabilitySlot s;
    const char* p = text.data() + pos;
    const char* e = text.data() + end;
    auto r1 = std::from_chars(p, e, s.weekday);
    auto r2 = std::from_chars(r1.ptr + 1, e, s.start_minute);
    std::from_chars(r2.ptr + 1, e, s.end_minute);
    out.push_back(s);
    pos = end + 1;
  }
  return out;
}

core::Status ValidateSlots(const std::vector<AvailabilitySlot>& slots, int64_t max,
                           std::string_view field) {
  if (static_cast<int64_t>(slots.size()) > max) {
    return core::Error::Invalid(std::string(field),
                                "可服务时段至多 " + std::to_string(max) + " 个");
  }
  for (size_t i = 0; i < slots.size(); ++i) {
    const auto& s = slots[i];
    std::string at = std::string(field) + "[" + std::to_string(i) + "]";
    if (s.weekday < 1 || s.weekday > 7) {
      return core::Error::Invalid(at + ".weekday", "星期应为 1（周一）到 7（周日）");
    }
    if (s.start_minute < 0 || s.end_minute > 24 * 60 || s.start_minute >= s.end_minute) {
      return core::Error::Invalid(at + ".end", "结束时间应晚于开始时间，且在当天之内");
    }
  }
  return core::Ok();
}

std::string EncodeIds(const std::vector<int64_t>& ids) {
  std::string out;
  for (int64_t id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

std::vector<int64_t> DecodeIds(const std::string& text) {
  std::vector<int64_t> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    int64_t v = 0;
    std::from_chars(text.data() + pos, text.data() + end, v);
    out.push_back(v);
    pos = end + 1;
  }
  return out;
}

core::Status CheckPage(int64_t after, int64_t limit) {
  if (after < 0) return core::Error::Invalid("after", "分页游标无效");
  if (limit < 1) return core::Error::Invalid("limit", "每页条数至少为 1");
  return core::Ok();
}

}  // namespace civicgrid::domain::duty
