#include "domain/registry/common.h"

#include "core/pii.h"

namespace civicgrid::domain {

core::Result<Page> MakePage(std::optional<int64_t> after, std::optional<int64_t> limit) {
  Page page;
  if (after) {
    if (*after < 0) return core::Error::Invalid("after", "分页游标无效");
    page.after = *after;
  }
  if (limit) {
    if (*limit < 1) return core::Error::Invalid("limit", "每页条数至少为 1");
    page.limit = std::min(*limit, kMaxPageSize);
  }
  return page;
}

SealedPii SealIdNumber(const core::PiiCipher& cipher, const std::string& normalized) {
  return SealedPii{store::Blob{cipher.Encrypt(normalized)},
                   store::Blob{cipher.LookupHash("id:" + normalized)},
                   core::MaskIdNumber(normalized)};
}

SealedPii SealPhone(const core::PiiCipher& cipher, const std::string& normalized) {
  return SealedPii{store::Blob{cipher.Encrypt(normalized)},
                   store::Blob{cipher.LookupHash("phone:" + normalized)},
                   core::MaskPhone(normalized)};
}

core::Result<std::string> NodeKindInScope(store::Connection& conn, const Caller& caller,
                                          int64_t id) {
  PathRange scope = caller.Scope();
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query("SELECT kind FROM org_node WHERE id = $1 AND path >= $2 AND "
                                 "path < $3",
                                 {id, scope.lo, scope.hi}));
  if (rows.empty()) return std::string();
  return rows[0].Text(0);
}

core::Result<PathRange> WithinScope(store::Connection& conn, const Caller& caller,
                                    std::optional<int64_t> within) {
  PathRange range = caller.Scope();
  if (!within) return range;
  CG_ASSIGN_OR_RETURN(store::Rows base,
                      conn.Query("SELECT path FROM org_node WHERE id = $1 AND path >= $2 AND "
                                 "path < $3",
                                 {*within, range.lo, range.hi}));
  if (base.empty()) return core::Error::NotFound("节点不存在");
  return SubtreeRange(base[0].Text(0));
}

core::Result<ListScope> ScopeOfList(store::Connection& conn, const Caller& caller,
                                    std::optional<int64_t> within) {
  PathRange scope = caller.Scope();
  int64_t id = within.value_or(caller.scope_node_id);
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query("SELECT kind, path FROM org_node WHERE id = $1 AND path >= $2 AND "
                                 "path < $3",
                                 {id, scope.lo, scope.hi}));
  if (rows.empty()) return core::Error::NotFound("节点不存在");
  return ListScope{id, rows[0].Text(0), SubtreeRange(rows[0].Text(1))};
}

std::string Conditions::Bind(store::Value value) {
  params_.push_back(std::move(value));
  return "$" + std::to_string(params_.size());
}

void Conditions::And(std::string condition) { conditions_.push_back(std::move(condition)); }

std::string Conditions::Sql() const {
  if (conditions_.empty()) return "1 = 1";
  std::string out;
  for (const std::string& c : conditions_) out += (out.empty() ? "" : " AND ") + c;
  return out;
}

namespace {

// Trims `trim` from both ends, then checks length (code points) and control
// characters (newline and tab allowed when multi_line).
core::Result<std::string> Clean(std::string_view raw, std::string_view field, size_t max_chars,
                                bool required, std::string_view trim, bool multi_line) {
  while (!raw.empty() && trim.find(raw.front()) != std::string_view::npos) raw.remove_prefix(1);
  while (!raw.empty() && trim.find(raw.back()) != std::string_view::npos) raw.remove_suffix(1);
  if (raw.empty() && required) return core::Error::Invalid(std::string(field), "不能为空");
  size_t chars = 0;
  for (unsigned char c : raw) {
    const bool allowed = multi_line && (c == '\n' || c == '\t');
    if ((c < 0x20 && !allowed) || c == 0x7f) {
      return core::Error::Invalid(std::string(field), "含有控制字符");
    }
    if ((c & 0xC0) != 0x80) ++chars;  // count lead bytes only
  }
  if (chars > max_chars) {
    return core::Error::Invalid(std::string(field),
                                "过长（最多 " + std::to_string(max_chars) + " 个字）");
  }
  return std::string(raw);
}

}  // namespace

core::Result<std::string> CleanName(std::string_view raw, std::string_view field,
                                    size_t max_chars) {
  return Clean(raw, field, max_chars, true, " \t", false);
}

core::Result<std::string> CleanText(std::string_view raw, std::string_view field, size_t max_chars,
                                    bool required) {
  return Clean(raw, field, max_chars, required, " \t\r\n", true);
}

}  // namespace civicgrid::domain
