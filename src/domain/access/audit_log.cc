#include "domain/access/audit_log.h"

#include "domain/access/audit_query.h"

#include <limits>

#include "core/crypto.h"

namespace civicgrid::domain {
namespace {

constexpr int64_t kAuditLockKey = 0x6175646974;  // "audit"
constexpr std::string_view kGenesis = "civicgrid-audit-genesis";
constexpr std::string_view kColumns =
    "seq, at_ms, account_id, action, subject_type, subject_id, detail, request_id, prev_hash, "
    "hash";

AuditEntry FromRow(const store::Row& row) {
  return AuditEntry{row.Int(0), row.Int(1),  row.Int(2),  row.Text(3), row.Text(4),
                    row.Int(5), row.Text(6), row.Text(7), row.Text(8), row.Text(9)};
}

void AppendField(std::string& out, std::string_view value) {
  // Length-prefixed so that no two different entries serialise alike.
  out += std::to_string(value.size());
  out.push_back(':');
  out += value;
  out.push_back('|');
}

}  // namespace

std::string AuditLog::ComputeHash(const AuditEntry& e) {
  std::string data;
  for (const std::string& field :
       {std::to_string(e.seq), std::to_string(e.at_ms), std::to_string(e.account_id), e.action,
        e.subject_type, std::to_string(e.subject_id), e.detail, e.request_id, e.prev_hash}) {
    AppendField(data, field);
  }
  return core::Sha256Hex(data);
}

core::Status AuditLog::Append(store::Connection& conn, const Caller& caller,
                              std::string_view action, std::string_view subject_type,
                              int64_t subject_id, std::string_view detail) {
  CG_TRY(conn.LockKey(kAuditLockKey));
  CG_ASSIGN_OR_RETURN(store::Rows last,
                      conn.Query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"));
  AuditEntry e;
  e.seq = last.empty() ? 1 : last[0].Int(0) + 1;
  e.prev_hash = last.empty() ? core::Sha256Hex(kGenesis) : last[0].Text(1);
  e.at_ms = clock_.NowMs();
  e.account_id = caller.account_id;
  e.action = action;
  e.subject_type = subject_type;
  e.subject_id = subject_id;
  e.detail = detail;
  e.request_id = caller.request_id;
  e.hash = ComputeHash(e);
  CG_ASSIGN_OR_RETURN(
      int64_t n, conn.Execute("INSERT INTO audit_log (seq, at_ms, account_id, action, "
                              "subject_type, subject_id, detail, request_id, prev_hash, hash) "
                              "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                              {e.seq, e.at_ms, e.account_id, e.action, e.subject_type, e.subject_id,
                               e.detail, e.request_id, e.prev_hash, e.hash}));
  (void)n;
  return core::Ok();
}

core::Result<AuditVerifyReport> AuditLog::Verify(store::Connection& conn) const {
  AuditVerifyReport report;
  std::string prev = core::Sha256Hex(kGenesis);
  int64_t after = 0;
  constexpr int64_t kBatch = 5000;
  while (true) {
    CG_ASSIGN_OR_RETURN(std::vector<AuditEntry> batch, List(conn, after, kBatch));
    for (const AuditEntry& e : batch) {
      ++report.entries;
      std::string problem;
      if (e.seq != after + 1)
        problem = "序号不连续（缺失记录）";
      else if (e.prev_hash != prev)
        problem = "前序哈希不匹配（记录被删除或篡改）";
      else if (ComputeHash(e) != e.hash)
        problem = "记录哈希不匹配（内容被篡改）";
      if (!problem.empty()) {
        report.ok = false;
        report.first_bad_seq = e.seq;
        report.problem = problem;
        return report;
      }
      prev = e.hash;
      after = e.seq;
    }
    if (static_cast<int64_t>(batch.size()) < kBatch) return report;
  }
}

std::pair<std::string, store::Params> AuditListSql(const AuditFilter& f) {
  store::Params params;
  auto param = [&params](store::Value v) {
    params.push_back(std::move(v));
    return "$" + std::to_string(params.size());
  };
  // The driver's columns plain (its index serves the walk), the others
  // written so that no index is chosen for them (text columns by the
  // {{unindexed:…}} token of store/migrate.h: no string built per walked row
  // on SQLite).
  const bool by_subject = f.subject_type && f.subject_id;
  const bool by_actor = !by_subject && f.account_id;
  const bool by_action = !by_subject && !by_actor && f.action;
  std::string where;
  auto add = [&where](const std::string& term) { where += (where.empty() ? "" : " AND ") + term; };
  if (f.subject_type) {
    add(std::string(by_subject ? "subject_type" : "{{unindexed:subject_type}}") + " = " +
        param(*f.subject_type));
  }
  if (f.subject_id) {
    add(std::string(by_subject ? "subject_id" : "subject_id + 0") + " = " + param(*f.subject_id));
  }
  if (f.account_id) {
    add(std::string(by_actor ? "account_id" : "account_id + 0") + " = " + param(*f.account_id));
  }
  if (f.action)
    add(std::string(by_action ? "action" : "{{unindexed:action}}") + " = " + param(*f.action));
  if (f.descending) {
    // Always bounded, so the walk is an index range from the newest.
    add("seq < " + param(f.cursor > 0 ? f.cursor : std::numeric_limits<int64_t>::max()));
  } else {
    add("seq > " + param(f.cursor));
  }
  std::string sql = "SELECT " + std::string(kColumns) + " FROM audit_log";
  if (!where.empty()) sql += " WHERE " + where;
  sql += std::string(" ORDER BY seq") + (f.descending ? " DESC" : "") + " LIMIT " + param(f.limit);
  return {sql, params};
}

core::Result<std::vector<AuditEntry>> ListAudit(store::Connection& conn,
                                                const AuditFilter& filter) {
  auto [sql, params] = AuditListSql(filter);
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn.Query(sql, params));
  std::vector<AuditEntry> out;
  out.reserve(rows.size());
  for (const auto& row : rows) out.push_back(FromRow(row));
  return out;
}

core::Result<std::vector<AuditEntry>> AuditLog::List(store::Connection& conn, int64_t after_seq,
                                                     int64_t limit) const {
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query("SELECT " + std::string(kColumns) +
                                     " FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2",
                                 {after_seq, limit}));
  std::vector<AuditEntry> out;
  out.reserve(rows.size());
  for (const auto& row : rows) out.push_back(FromRow(row));
  return out;
}

}  // namespace civicgrid::domain
