#include "store/db.h"

#include <stdexcept>

#include <charconv>
#include <cmath>

#include "store/deadline.h"

namespace civicgrid::store {

int64_t Value::AsInt() const {
  switch (v_.index()) {
    case 1:
      return std::get<1>(v_);
    case 2:
      return static_cast<int64_t>(std::get<2>(v_));
    case 3: {
      const std::string& s = std::get<3>(v_);
      int64_t out = 0;
      auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
      if (ec == std::errc() && ptr == s.data() + s.size()) return out;
      return static_cast<int64_t>(std::llround(AsReal()));
    }
    default:
      return 0;
  }
}

double Value::AsReal() const {
  switch (v_.index()) {
    case 1:
      return static_cast<double>(std::get<1>(v_));
    case 2:
      return std::get<2>(v_);
    case 3: {
      try {
        return std::stod(std::get<3>(v_));
      } catch (const std::exception&) {
        return 0.0;
      }
    }
    default:
      return 0.0;
  }
}

const std::string& Value::AsText() const {
  static const std::string kEmpty;
  if (v_.index() == 3) return std::get<3>(v_);
  if (v_.index() == 4) return std::get<4>(v_).bytes;
  return kEmpty;
}

std::string Value::ToString() const {
  switch (v_.index()) {
    case 0:
      return "NULL";
    case 1:
      return std::to_string(std::get<1>(v_));
    case 2: {
      // Shortest round-trip text: std::to_string keeps six decimals, which cut
      // coordinates (~0.1 m) and small readings on PostgreSQL's text protocol.
      char buf[32];
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, std::get<2>(v_));
      if (ec != std::errc()) return std::to_string(std::get<2>(v_));
      return std::string(buf, end);
    }
    case 3:
      return std::get<3>(v_);
    default:
      return "<blob " + std::to_string(std::get<4>(v_).bytes.size()) + " bytes>";
  }
}

std::optional<int64_t> Row::OptInt(size_t i) const {
  if (IsNull(i)) return std::nullopt;
  return Int(i);
}

std::optional<std::string> Row::OptText(size_t i) const {
  if (IsNull(i)) return std::nullopt;
  return Text(i);
}

size_t Row::Index(std::string_view name) const {
  if (names_) {
    for (size_t i = 0; i < names_->size(); ++i) {
      if ((*names_)[i] == name) return i;
    }
  }
  throw std::out_of_range("no column named " + std::string(name));
}

Result<Row> Connection::QueryOne(std::string_view sql, const Params& params) {
  CG_ASSIGN_OR_RETURN(Rows rows, Query(sql, params));
  if (rows.empty()) return core::Error::NotFound("记录不存在");
  return std::move(rows.front());
}

Result<int64_t> Connection::QueryInt(std::string_view sql, const Params& params) {
  CG_ASSIGN_OR_RETURN(Row row, QueryOne(sql, params));
  return row.Int(0);
}

Result<std::vector<Rows>> Connection::QueryEach(const std::vector<Statement>& statements) {
  std::vector<Rows> results;
  results.reserve(statements.size());
  for (const Statement& statement : statements) {
    CG_ASSIGN_OR_RETURN(Rows rows, statement.planned_each_run
                                       ? QueryPlannedEachRun(statement.sql, statement.params)
                                       : Query(statement.sql, statement.params));
    results.push_back(std::move(rows));
  }
  return results;
}

Status Connection::Defer(std::string_view sql, const Params& params) {
  auto changed = Execute(sql, params);
  if (!changed.ok()) return std::move(changed).error();
  return core::Ok();
}

Result<Transaction> Transaction::Begin(Connection& conn, TxMode mode) {
  CG_TRY(CheckDeadline());
  CG_TRY(conn.Begin(mode));
  return Transaction(conn);
}

Transaction::Transaction(Transaction&& other) noexcept : conn_(other.conn_), open_(other.open_) {
  other.open_ = false;
}

Transaction::~Transaction() {
  if (open_) (void)conn_->Rollback();
}

Status Transaction::Commit() {
  if (!open_) return core::Error::Internal("事务已结束");
  open_ = false;
  if (DeadlinePassed()) {  // too late: the caller has been answered 503 or is about to be
    (void)conn_->Rollback();
    return DeadlineError();
  }
  auto status = conn_->Commit();
  if (!status.ok()) (void)conn_->Rollback();
  return status;
}

}  // namespace civicgrid::store
