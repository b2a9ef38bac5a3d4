#include "domain/tickets/ticket_sql.h"

namespace civicgrid::domain {

std::string Placeholders(size_t first, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    out += (i == 0 ? "$" : ", $") + std::to_string(first + i);
  }
  return out;
}

std::string SqlWhere::Param(store::Value value) {
  params_.push_back(std::move(value));
  return "$" + std::to_string(params_.size());
}

SqlWhere& SqlWhere::And(const std::string& condition) {
  if (!sql_.empty()) sql_ += " AND ";
  sql_ += condition;
  return *this;
}

std::string Unindexed(const std::string& text_column) {
  return "{{unindexed:" + text_column + "}}";
}

bool IsTicketManager(Role r) {
  return r == Role::kCountyAdmin || r == Role::kStreetAdmin || r == Role::kCommunitySecretary ||
         r == Role::kCommunityWorker;
}

bool IsTicketStaff(Role r) { return IsTicketManager(r) || r == Role::kGridWorker; }

std::string InSubtreeOf(const std::string& node, const std::string& path) {
  return path + " >= " + node + ".path AND " + path + " < substr(" + node + ".path, 1, length(" +
         node + ".path) - 1) || '0'";
}

std::string OnBoardPredicate(const Caller& caller, SqlWhere& w) {
  if (caller.role == Role::kPartyMember && caller.party_member_id) {
    PathRange scope = caller.Scope();
    return "(t.state = 'published' AND t.path >= " + w.Param(scope.lo) + " AND t.path < " +
           w.Param(scope.hi) + ")";
  }
  if (caller.role == Role::kUnitAdmin && caller.unit_id) {
    return "(t.state = 'published' AND EXISTS (SELECT 1 FROM unit_pairing up JOIN org_node pn ON "
           "pn.id = up.node_id WHERE up.unit_id = " +
           w.Param(*caller.unit_id) + " AND " + InSubtreeOf("pn", "t.path") + "))";
  }
  return "";
}

std::string VisiblePredicate(const Caller& caller, SqlWhere& w, bool scope_is_filter) {
  if (IsTicketStaff(caller.role)) {
    PathRange scope = caller.Scope();
    const std::string path = scope_is_filter ? Unindexed("t.path") : "t.path";
    return "(" + path + " >= " + w.Param(scope.lo) + " AND " + path + " < " + w.Param(scope.hi) +
           ")";
  }
  const std::string me = w.Param(caller.account_id);
  std::string sql = "(t.submitter_account_id = " + me + " OR t.is_public = 1" +
                    " OR EXISTS (SELECT 1 FROM ticket_follower f WHERE f.ticket_id = t.id AND "
                    "f.account_id = " +
                    me + ")";
  // An owners' committee member the ticket was routed to (小事业主治).
  sql += " OR (t.assignee_kind = 'account' AND t.assignee_id = " + me + ")";
  if (caller.role == Role::kPartyMember && caller.party_member_id) {
    sql +=
        " OR (t.assignee_kind = 'member' AND t.assignee_id = " + w.Param(*caller.party_member_id) +
        ")";
  }
  if (caller.role == Role::kUnitAdmin && caller.unit_id) {
    const std::string unit = w.Param(*caller.unit_id);
    sql += " OR (t.assignee_kind = 'unit' AND t.assignee_id = " + unit +
           ") OR EXISTS (SELECT 1 FROM ticket_escalation x WHERE x.ticket_id = t.id AND "
           "x.unit_id = " +
           unit + ")";
  }
  if (std::string board = OnBoardPredicate(caller, w); !board.empty()) sql += " OR " + board;
  return sql + ")";
}

int PathDepth(std::string_view path) {
  int depth = 0;
  for (char ch : path) depth += ch == '/' ? 1 : 0;
  return depth > 0 ? depth - 1 : 0;
}

std::optional<int64_t> PathIdAt(std::string_view path, int depth) {
  size_t start = 1;  // after the leading '/'
  for (int d = 1; d <= depth; ++d) {
    const size_t slash = path.find('/', start);
    if (slash == std::string_view::npos || slash == start) return std::nullopt;
    if (d == depth) {
      int64_t id = 0;
      for (char ch : path.substr(start, slash - start)) {
        if (ch < '0' || ch > '9') return std::nullopt;
        id = id * 10 + (ch - '0');
      }
      return id;
    }
    start = slash + 1;
  }
  return std::nullopt;
}

std::string ScopeColumn(int depth) { return "scope_" + std::to_string(depth); }

}  // namespace civicgrid::domain
