#include "store/postgres/pg_connection.h"

#include "store/deadline.h"
#include "store/migrate.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <string>
#include <unordered_map>

namespace civicgrid::store {
namespace {

using core::Error;
using core::ErrorCode;

// Type OIDs from pg_type.h.
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

Error PgError(PGconn* conn, const PGresult* res, std::string_view what) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state ? state : "";
  std::string msg =
      std::string(what) + ": " + (res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
  while (!msg.empty() && msg.back() == '\n') msg.pop_back();
  if (sqlstate.rfind("23", 0) == 0) return Error{ErrorCode::kConflict, msg, {}};
  if (sqlstate == "57014") return DeadlineError();  // canceled by statement_timeout
  if (sqlstate == "40001" || sqlstate == "40P01" || sqlstate.rfind("08", 0) == 0 ||
      sqlstate == "57P01" || PQstatus(conn) != CONNECTION_OK) {
    return Error{ErrorCode::kUnavailable, "数据库暂不可用，请稍后重试（" + msg + "）", {}};
  }
  return Error::Internal(msg);
}

Value DecodeValue(const PGresult* res, int row, int col) {
  if (PQgetisnull(res, row, col)) return Value();
  const char* text = PQgetvalue(res, row, col);
  size_t len = static_cast<size_t>(PQgetlength(res, row, col));
  switch (PQftype(res, col)) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
      return Value(static_cast<int64_t>(std::strtoll(text, nullptr, 10)));
    case kBoolOid:
      return Value(int64_t{text[0] == 't' ? 1 : 0});
    case kFloat4Oid:
    case kFloat8Oid:
    case kNumericOid:
      return Value(std::strtod(text, nullptr));
    case kByteaOid: {
      size_t out_len = 0;
      unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &out_len);
      Blob blob{std::string(reinterpret_cast<const char*>(raw), out_len)};
      PQfreemem(raw);
      return Value(std::move(blob));
    }
    default:
      return Value(std::string(text, len));
  }
}

Rows RowsOf(const PGresult* res) {
  Rows rows;
  int n = PQntuples(res);
  int cols = PQnfields(res);
  rows.reserve(static_cast<size_t>(n));
  auto names = std::make_shared<std::vector<std::string>>();
  for (int c = 0; c < cols; ++c) names->emplace_back(PQfname(res, c));
  for (int r = 0; r < n; ++r) {
    std::vector<Value> values;
    values.reserve(static_cast<size_t>(cols));
    for (int c = 0; c < cols; ++c) values.push_back(DecodeValue(res, r, c));
    rows.emplace_back(std::move(values), names);
  }
  return rows;
}

// Whether a statement's plan is cached with the connection's prepared
// statement or made for each run's values (see Connection::QueryPlannedEachRun).
enum class Planning { kCached, kEachRun };

class PgConnection final : public Connection {
 public:
  PgConnection(PGconn* conn, size_t cache_size) : conn_(conn), cache_size_(cache_size) {}
  ~PgConnection() override { PQfinish(conn_); }

  Backend backend() const override { return Backend::kPostgres; }
  bool healthy() const override { return PQstatus(conn_) == CONNECTION_OK; }

  Result<Rows> Query(std::string_view sql, const Params& params) override {
    CG_TRY(FollowDeadline());
    CG_ASSIGN_OR_RETURN(PgResult res, Run(sql, params, Planning::kCached));
    return RowsOf(res.get());
  }

  // An unnamed statement: parsed and planned with these values on every run.
  Result<Rows> QueryPlannedEachRun(std::string_view sql, const Params& params) override {
    CG_TRY(FollowDeadline());
    CG_ASSIGN_OR_RETURN(PgResult res, Run(sql, params, Planning::kEachRun));
    return RowsOf(res.get());
  }

  Result<int64_t> Execute(std::string_view sql, const Params& params) override {
    CG_TRY(FollowDeadline());
    CG_ASSIGN_OR_RETURN(PgResult res, Run(sql, params, Planning::kCached));
    const char* affected = PQcmdTuples(res.get());
    return static_cast<int64_t>(affected[0] ? std::strtoll(affected, nullptr, 10) : 0);
  }

  Status ExecScript(std::string_view sql) override {
    std::string text(sql);
    PgResult res(PQexec(conn_, text.c_str()));
    auto status = PQresultStatus(res.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return PgError(conn_, res.get(), "执行 SQL 脚本失败");
    }
    return core::Ok();
  }

  Status Begin(TxMode mode) override {
    // READ COMMITTED for writes keeps row locks and unique checks simple;
    // reads get one snapshot for the whole transaction.
    std::string sql =
        mode == TxMode::kWrite ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    if (session_timeout_ms_ != 0 && !CurrentDeadline()) {
      // A limit left by earlier work; cleared on its own (a SET before BEGIN in
      // the same message would join the transaction and undo with it).
      CG_TRY(ExecScript("SET statement_timeout = 0"));
      session_timeout_ms_ = 0;
      session_deadline_.reset();
    }
    if (auto left = DeadlineMillisLeft()) {
      if (*left == 0) return DeadlineError();
      // Same round trip; ends with the transaction.
      sql += "; SET LOCAL statement_timeout = " + std::to_string(*left);
    }
    return ExecScript(sql);
  }
  Status Commit() override { return ExecScript("COMMIT"); }
  Status Rollback() override {
    if (PQtransactionStatus(conn_) == PQTRANS_IDLE) return core::Ok();
    return ExecScript("ROLLBACK");
  }
  Status LockKey(int64_t key) override {
    auto r = Execute("SELECT pg_advisory_xact_lock($1)", {key});
    if (!r.ok()) return std::move(r).error();
    return core::Ok();
  }

 private:
  // Outside a transaction, limits each statement by the time left before the
  // calling thread's deadline with a session statement_timeout, set once per
  // deadline and cleared when work without one comes; inside a transaction
  // Begin() has set it already (SET LOCAL). A round trip only on a change.
  Status FollowDeadline() {
    CG_TRY(CheckDeadline());
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) return core::Ok();
    auto deadline = CurrentDeadline();
    if (!deadline && session_timeout_ms_ == 0) return core::Ok();
    if (deadline && deadline == session_deadline_) return core::Ok();
    int64_t left = deadline ? std::max<int64_t>(1, DeadlineMillisLeft().value_or(1)) : 0;
    CG_TRY(ExecScript("SET statement_timeout = " + std::to_string(left)));
    session_timeout_ms_ = left;
    session_deadline_ = deadline;
    return core::Ok();
  }

  Result<PgResult> Run(std::string_view sql, const Params& params, Planning planning) {
    std::vector<Oid> types;
    std::string signature(sql);
    signature.push_back('\x01');
    for (const Value& v : params) {
      Oid t = v.is_null()   ? 0
              : v.is_int()  ? kInt8Oid
              : v.is_real() ? kFloat8Oid
              : v.is_blob() ? kByteaOid
                            : kTextOid;
      types.push_back(t);
      signature += std::to_string(t) + ",";
    }
    std::string name;
    if (planning == Planning::kCached) {
      CG_ASSIGN_OR_RETURN(name, Prepared(signature, sql, types));
    }
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    std::vector<int> lengths(params.size(), 0);
    std::vector<int> formats(params.size(), 0);
    for (size_t i = 0; i < params.size(); ++i) {
      const Value& v = params[i];
      if (v.is_null()) continue;
      if (v.is_blob() || v.is_text()) {
        values[i] = v.AsText().data();
        lengths[i] = static_cast<int>(v.AsText().size());
        formats[i] = v.is_blob() ? 1 : 0;  // text is NUL-terminated by std::string
      } else {
        texts[i] = v.ToString();
        values[i] = texts[i].c_str();
      }
    }
    const int count = static_cast<int>(params.size());
    PgResult res(planning == Planning::kCached
                     ? PQexecPrepared(conn_, name.c_str(), count, values.data(), lengths.data(),
                                      formats.data(), 0)
                     : PQexecParams(conn_, TranslateDialect(sql, Backend::kPostgres).c_str(), count,
                                    types.data(), values.data(), lengths.data(), formats.data(),
                                    0));
    auto status = PQresultStatus(res.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return PgError(conn_, res.get(), "执行失败");
    }
    return res;
  }

  Result<std::string> Prepared(const std::string& signature, std::string_view sql,
                               const std::vector<Oid>& types) {
    auto it = prepared_.find(signature);
    if (it != prepared_.end()) return it->second;
    if (prepared_.size() >= cache_size_) {
      // Rare: drop every cached statement rather than track LRU across the wire.
      if (PQtransactionStatus(conn_) == PQTRANS_IDLE) {
        PgResult(PQexec(conn_, "DEALLOCATE ALL"));
        prepared_.clear();
      }
    }
    std::string name = "s" + std::to_string(next_id_++);
    std::string text = TranslateDialect(sql, Backend::kPostgres);
    PgResult res(
        PQprepare(conn_, name.c_str(), text.c_str(), static_cast<int>(types.size()), types.data()));
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
      return PgError(conn_, res.get(), "SQL 预编译失败 [" + text + "]");
    }
    prepared_.emplace(signature, name);
    return name;
  }

  PGconn* conn_;
  size_t cache_size_;
  int64_t session_timeout_ms_ = 0;  // the session's statement_timeout; 0: none
  std::optional<DeadlineClock::time_point> session_deadline_;  // what it was set for
  uint64_t next_id_ = 0;
  std::unordered_map<std::string, std::string> prepared_;
};

}  // namespace

Result<std::unique_ptr<Connection>> OpenPostgres(const std::string& url, const DbOptions& options) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn);
    PQfinish(conn);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    return Error{ErrorCode::kUnavailable, "无法连接 PostgreSQL: " + msg, "db"};
  }
  auto pg = std::make_unique<PgConnection>(conn, options.statement_cache_size);
  CG_TRY(pg->ExecScript(
      "SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'; SET client_min_messages = warning"));
  return std::unique_ptr<Connection>(std::move(pg));
}

}  // namespace civicgrid::store
