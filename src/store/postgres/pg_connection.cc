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
  bool healthy() const override { return !broken_ && PQstatus(conn_) == CONNECTION_OK; }
  int64_t round_trips() const override { return round_trips_; }

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

  Result<std::vector<Rows>> QueryEach(const std::vector<Statement>& statements) override {
    CG_TRY(FollowDeadline());
    if (statements.empty()) {
      CG_TRY(Flush());
      return std::vector<Rows>();
    }
    const size_t already_deferred = deferred_.size();
    for (const Statement& st : statements) {
      // Sent before this call returns: the values may point into `statements`.
      auto sendable = MakeSendable(
          st.sql, st.params, st.planned_each_run ? Planning::kEachRun : Planning::kCached, false);
      if (!sendable.ok()) {
        deferred_.resize(already_deferred);  // what Defer() queued still goes, and fails
        return std::move(sendable).error();
      }
      deferred_.push_back(std::move(sendable).value());
    }
    CG_ASSIGN_OR_RETURN(std::vector<PgResult> results, RunDeferred());
    std::vector<Rows> rows;
    for (size_t i = results.size() - statements.size(); i < results.size(); ++i) {
      rows.push_back(RowsOf(results[i].get()));
    }
    return rows;
  }

  Status Defer(std::string_view sql, const Params& params) override {
    if (!InTransaction()) return Connection::Defer(sql, params);
    CG_TRY(CheckDeadline());
    CG_ASSIGN_OR_RETURN(Sendable sendable, MakeSendable(sql, params, Planning::kCached, true));
    deferred_.push_back(std::move(sendable));
    return core::Ok();
  }

  Status Flush() override {
    if (deferred_.empty()) return core::Ok();
    CG_ASSIGN_OR_RETURN(std::vector<PgResult> results, RunDeferred());
    return core::Ok();
  }

  Status ExecScript(std::string_view sql) override {
    CG_TRY(Flush());
    std::string text(sql);
    ++round_trips_;
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
    // Sent with the transaction's first statement (or its COMMIT): a round
    // trip less for every transaction. The limit goes in the same pipeline
    // and ends with the transaction.
    std::vector<std::string> opening = {sql};
    if (auto left = DeadlineMillisLeft()) {
      if (*left == 0) return DeadlineError();
      opening.push_back("SET LOCAL statement_timeout = " + std::to_string(*left));
    }
    for (const std::string& statement : opening) {
      CG_ASSIGN_OR_RETURN(Sendable sendable, MakeSendable(statement, {}, Planning::kEachRun, true));
      deferred_.push_back(std::move(sendable));
    }
    return core::Ok();
  }
  // The deferred statements and the COMMIT in one round trip. PostgreSQL
  // answers COMMIT of a failed transaction with a rollback, not an error:
  // refused here instead of reported as committed.
  Status Commit() override {
    if (PQtransactionStatus(conn_) == PQTRANS_INERROR) {
      CG_TRY(Rollback());
      return Error::Internal("事务中有语句失败，已回滚");
    }
    CG_ASSIGN_OR_RETURN(PgResult res, Run("COMMIT", {}, Planning::kEachRun));
    return core::Ok();
  }
  Status Rollback() override {
    deferred_.clear();  // a BEGIN not sent yet among them: nothing to undo
    if (PQtransactionStatus(conn_) == PQTRANS_IDLE) return core::Ok();
    return ExecScript("ROLLBACK");
  }
  // Inside a transaction the lock is taken with the next statement (Defer):
  // it still comes before everything that statement and later ones do, and
  // costs no round trip of its own.
  Status LockKey(int64_t key) override { return Defer("SELECT pg_advisory_xact_lock($1)", {key}); }

 private:
  // Outside a transaction, limits each statement by the time left before the
  // calling thread's deadline with a session statement_timeout, set once per
  // deadline and cleared when work without one comes; inside a transaction
  // Begin() has set it already (SET LOCAL). A round trip only on a change.
  Status FollowDeadline() {
    CG_TRY(CheckDeadline());
    if (InTransaction()) return core::Ok();
    auto deadline = CurrentDeadline();
    if (!deadline && session_timeout_ms_ == 0) return core::Ok();
    if (deadline && deadline == session_deadline_) return core::Ok();
    int64_t left = deadline ? std::max<int64_t>(1, DeadlineMillisLeft().value_or(1)) : 0;
    CG_TRY(ExecScript("SET statement_timeout = " + std::to_string(left)));
    session_timeout_ms_ = left;
    session_deadline_ = deadline;
    return core::Ok();
  }

  // One statement ready to send: its prepared statement (or its text, when
  // planned for each run) and its parameters as libpq wants them, pointing
  // into the caller's Params or into `params`, a copy kept for a statement
  // sent later (moving a Sendable keeps the pointers valid: vectors move
  // their buffers).
  struct Sendable {
    std::string name;  // empty: `text` is parsed and planned with these values
    std::string text;
    std::vector<Oid> types;
    std::vector<std::string> texts;
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
    Params params;  // when kept: the values point into it
  };

  // `keep`: copies the parameters, for a statement sent after this call returns.
  Result<Sendable> MakeSendable(std::string_view sql, const Params& caller_params,
                                Planning planning, bool keep) {
    Sendable out;
    std::string signature(sql);
    signature.push_back('\x01');
    for (const Value& v : caller_params) {
      Oid t = v.is_null()   ? 0
              : v.is_int()  ? kInt8Oid
              : v.is_real() ? kFloat8Oid
              : v.is_blob() ? kByteaOid
                            : kTextOid;
      out.types.push_back(t);
      signature += std::to_string(t) + ",";
    }
    if (planning == Planning::kCached) {
      CG_ASSIGN_OR_RETURN(out.name, Prepared(signature, sql, out.types));
    } else {
      out.text = TranslateDialect(sql, Backend::kPostgres);
    }
    if (keep) out.params = caller_params;
    const Params& params = keep ? out.params : caller_params;
    const size_t n = params.size();
    out.texts.resize(n);
    out.values.assign(n, nullptr);
    out.lengths.assign(n, 0);
    out.formats.assign(n, 0);
    for (size_t i = 0; i < n; ++i) {
      const Value& v = params[i];
      if (v.is_null()) continue;
      if (v.is_blob() || v.is_text()) {
        out.values[i] = v.AsText().data();
        out.lengths[i] = static_cast<int>(v.AsText().size());
        out.formats[i] = v.is_blob() ? 1 : 0;  // text is NUL-terminated by std::string
      } else {
        out.texts[i] = v.ToString();
        out.values[i] = out.texts[i].c_str();
      }
    }
    return out;
  }

  // Runs one statement: at once when nothing is deferred, else in one
  // pipeline after the deferred ones (sent before this returns: the values
  // may point into `params`).
  Result<PgResult> Run(std::string_view sql, const Params& params, Planning planning) {
    CG_ASSIGN_OR_RETURN(Sendable statement, MakeSendable(sql, params, planning, false));
    if (!deferred_.empty()) {
      deferred_.push_back(std::move(statement));
      CG_ASSIGN_OR_RETURN(std::vector<PgResult> results, RunDeferred());
      return std::move(results.back());
    }
    const Sendable& st = statement;
    const int count = static_cast<int>(st.values.size());
    ++round_trips_;
    PgResult res(st.name.empty()
                     ? PQexecParams(conn_, st.text.c_str(), count, st.types.data(),
                                    st.values.data(), st.lengths.data(), st.formats.data(), 0)
                     : PQexecPrepared(conn_, st.name.c_str(), count, st.values.data(),
                                      st.lengths.data(), st.formats.data(), 0));
    auto status = PQresultStatus(res.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return PgError(conn_, res.get(), "执行失败");
    }
    return res;
  }

  // Sends every deferred statement in one pipeline with one sync and reads
  // their results in order; the deferred list is empty afterwards, whatever
  // happened. The first failure is the answer (later statements of the
  // pipeline are skipped by the server).
  Result<std::vector<PgResult>> RunDeferred() {
    std::vector<Sendable> batch = std::move(deferred_);
    deferred_.clear();
    if (PQenterPipelineMode(conn_) != 1) return PgError(conn_, nullptr, "进入流水线模式失败");
    ++round_trips_;
    for (const Sendable& st : batch) {
      const int count = static_cast<int>(st.values.size());
      int sent = st.name.empty()
                     ? PQsendQueryParams(conn_, st.text.c_str(), count, st.types.data(),
                                         st.values.data(), st.lengths.data(), st.formats.data(), 0)
                     : PQsendQueryPrepared(conn_, st.name.c_str(), count, st.values.data(),
                                           st.lengths.data(), st.formats.data(), 0);
      if (sent != 1) return AbandonPipeline("发送失败");
    }
    if (PQpipelineSync(conn_) != 1) return AbandonPipeline("发送失败");
    std::vector<PgResult> results;
    std::optional<Error> first_error;
    for (size_t i = 0; i < batch.size(); ++i) {
      PgResult res(PQgetResult(conn_));
      if (!res) return AbandonPipeline("读取结果失败");
      while (PGresult* extra = PQgetResult(conn_)) PQclear(extra);  // the NULL that ends it
      auto status = PQresultStatus(res.get());
      if (!first_error && status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        first_error = PgError(conn_, res.get(), "执行失败");
      }
      results.push_back(std::move(res));
    }
    PgResult sync(PQgetResult(conn_));
    if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) {
      return AbandonPipeline("读取结果失败");
    }
    if (PQexitPipelineMode(conn_) != 1) return AbandonPipeline("退出流水线模式失败");
    if (first_error) return *first_error;
    return results;
  }

  // A pipeline that cannot be finished leaves the connection in an unknown
  // state: it is marked broken, so the pool drops it (healthy() is false).
  Error AbandonPipeline(std::string_view what) {
    broken_ = true;
    Error error = PgError(conn_, nullptr, what);
    return Error{
        ErrorCode::kUnavailable, "数据库暂不可用，请稍后重试（" + error.message + "）", {}};
  }

  Result<std::string> Prepared(const std::string& signature, std::string_view sql,
                               const std::vector<Oid>& types) {
    auto it = prepared_.find(signature);
    if (it != prepared_.end()) return it->second;
    if (prepared_.size() >= cache_size_) {
      // Rare: drop every cached statement rather than track LRU across the wire
      // (never while statements wait to be sent: they may name some).
      if (!InTransaction()) {
        PgResult(PQexec(conn_, "DEALLOCATE ALL"));
        prepared_.clear();
      }
    }
    std::string name = "s" + std::to_string(next_id_++);
    std::string text = TranslateDialect(sql, Backend::kPostgres);
    ++round_trips_;
    PgResult res(
        PQprepare(conn_, name.c_str(), text.c_str(), static_cast<int>(types.size()), types.data()));
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
      return PgError(conn_, res.get(), "SQL 预编译失败 [" + text + "]");
    }
    prepared_.emplace(signature, name);
    return name;
  }

  // Inside a transaction, or one whose BEGIN waits in deferred_: statements
  // wait only inside a transaction (outside one Defer runs at once, and
  // QueryEach sends what it queued before returning).
  bool InTransaction() const {
    return !deferred_.empty() || PQtransactionStatus(conn_) != PQTRANS_IDLE;
  }

  PGconn* conn_;
  bool broken_ = false;  // a pipeline was left unfinished
  int64_t round_trips_ = 0;
  std::vector<Sendable> deferred_;  // see Defer(): sent with the next statement
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
