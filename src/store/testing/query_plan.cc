#include "store/testing/query_plan.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <map>
#include <set>

#include "store/migrate.h"

namespace civicgrid::store::testing {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// The first word of `s` (up to a space).
std::string_view FirstWord(std::string_view s) { return s.substr(0, s.find(' ')); }

// --- SQLite -----------------------------------------------------------------

core::Result<QueryPlan> ExplainSqlite(Connection& conn, std::string_view sql,
                                      const Params& params) {
  CG_ASSIGN_OR_RETURN(Rows rows, conn.Query("EXPLAIN QUERY PLAN " + std::string(sql), params));
  QueryPlan plan{Backend::kSqlite, std::string(sql), {}};
  std::map<int64_t, int> depth;  // plan row id -> depth in the tree
  for (const Row& row : rows) {
    int64_t id = row.Int(0), parent = row.Int(1);
    auto it = depth.find(parent);
    int d = it == depth.end() ? 0 : it->second + 1;
    depth[id] = d;
    plan.lines.push_back(std::string(static_cast<size_t>(2 * d), ' ') + row.Text(3));
  }
  return plan;
}

// Words of the SQL text outside string literals, lower-cased; punctuation as one-character words.
std::vector<std::string> Tokens(std::string_view sql) {
  std::vector<std::string> out;
  for (size_t i = 0; i < sql.size();) {
    unsigned char c = static_cast<unsigned char>(sql[i]);
    if (c == '\'') {
      size_t end = sql.find('\'', i + 1);
      i = end == std::string_view::npos ? sql.size() : end + 1;
    } else if (std::isalnum(c) || c == '_' || c == '$') {
      size_t j = i;
      while (j < sql.size() &&
             (std::isalnum(static_cast<unsigned char>(sql[j])) || sql[j] == '_' || sql[j] == '$')) {
        ++j;
      }
      out.push_back(Lower(sql.substr(i, j - i)));
      i = j;
    } else if (std::isspace(c)) {
      ++i;
    } else {
      out.emplace_back(1, static_cast<char>(c));
      ++i;
    }
  }
  return out;
}

// The names SQLite may print for `table`: the table itself and every alias it gets after
// FROM, JOIN or a comma ("FROM resident r", "JOIN resident AS r2").
std::set<std::string> NamesOf(std::string_view sql, std::string_view table) {
  static const std::set<std::string> kNotAlias = {
      "where", "join",   "left",      "right",   "inner", "outer", "cross",     "natural",
      "on",    "using",  "order",     "group",   "limit", "union", "having",    "window",
      "full",  "except", "intersect", "indexed", "not",   "set",   "returning", "values"};
  std::set<std::string> names = {Lower(table)};
  std::vector<std::string> t = Tokens(sql);
  for (size_t i = 1; i + 1 < t.size(); ++i) {
    if (t[i] != Lower(table)) continue;
    if (t[i - 1] != "from" && t[i - 1] != "join" && t[i - 1] != ",") continue;
    size_t a = i + 1;
    if (t[a] == "as" && a + 1 < t.size()) ++a;
    const std::string& alias = t[a];
    if (!alias.empty() && (std::isalpha(static_cast<unsigned char>(alias[0])) || alias[0] == '_') &&
        kNotAlias.count(alias) == 0) {
      names.insert(alias);
    }
  }
  return names;
}

std::vector<std::string> SqliteFullScans(const QueryPlan& plan, std::string_view table) {
  std::set<std::string> names = NamesOf(plan.sql, table);
  std::vector<std::string> out;
  for (const std::string& line : plan.lines) {
    std::string_view detail = Trim(line);
    if (!StartsWith(detail, "SCAN ")) continue;
    if (names.count(Lower(FirstWord(detail.substr(5)))) > 0) out.push_back(std::string(detail));
  }
  return out;
}

std::vector<std::string> SqliteSorts(const QueryPlan& plan) {
  std::vector<std::string> out;
  for (const std::string& line : plan.lines) {
    std::string_view detail = Trim(line);
    if (StartsWith(detail, "USE TEMP B-TREE FOR") &&
        detail.find("ORDER BY") != std::string_view::npos) {
      out.push_back(std::string(detail));
    }
  }
  return out;
}

// --- PostgreSQL ---------------------------------------------------------------

std::string PgTypeOf(const Value& v) {
  if (v.is_null()) return "unknown";
  if (v.is_int()) return "bigint";
  if (v.is_real()) return "double precision";
  if (v.is_blob()) return "bytea";
  return "text";
}

constexpr std::string_view kSteer =
    "SET LOCAL enable_seqscan = off; SET LOCAL enable_sort = off; "
    "SET LOCAL enable_incremental_sort = off; SET LOCAL enable_bitmapscan = off";

core::Result<std::vector<std::string>> PgPlanLines(Connection& conn, std::string_view sql,
                                                   const Params& params,
                                                   const ExplainOptions& options) {
  CG_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(conn, TxMode::kRead));
  if (options.steer) CG_TRY(conn.ExecScript(kSteer));
  Rows rows;
  if (!options.generic) {
    CG_ASSIGN_OR_RETURN(rows, conn.Query("EXPLAIN (COSTS OFF) " + std::string(sql), params));
  } else {
    // A prepared statement forced onto its generic plan; the arguments do not matter to it.
    // PREPARE is not transactional: the statement is deallocated explicitly.
    static std::atomic<int> counter{0};
    std::string name = "cg_plan_probe_" + std::to_string(counter++);
    std::string types, args;
    for (size_t i = 0; i < params.size(); ++i) {
      types += (i ? ", " : "") + PgTypeOf(params[i]);
      args += i ? ", NULL" : "NULL";
    }
    std::string prepare = "PREPARE " + name + (params.empty() ? "" : " (" + types + ")") + " AS " +
                          TranslateDialect(sql, Backend::kPostgres);
    CG_TRY(conn.ExecScript(prepare));
    CG_TRY(conn.ExecScript("SET LOCAL plan_cache_mode = force_generic_plan"));
    auto explained = conn.Query("EXPLAIN (COSTS OFF) EXECUTE " + name +
                                (params.empty() ? "" : "(" + args + ")"));
    (void)conn.ExecScript("DEALLOCATE " + name);
    CG_ASSIGN_OR_RETURN(rows, std::move(explained));
  }
  std::vector<std::string> lines;
  for (const Row& row : rows) lines.push_back(row.Text(0));
  return lines;
}

struct PgNode {
  size_t indent = 0;
  std::string head;                // "Index Scan using x on resident r"
  std::vector<std::string> props;  // "Index Cond: (...)", "Filter: ..."
};

std::vector<PgNode> PgNodes(const QueryPlan& plan) {
  std::vector<PgNode> nodes;
  for (size_t i = 0; i < plan.lines.size(); ++i) {
    const std::string& line = plan.lines[i];
    size_t p = line.find_first_not_of(' ');
    if (p == std::string::npos) continue;
    std::string_view text = std::string_view(line).substr(p);
    if (i == 0 || StartsWith(text, "->")) {
      if (StartsWith(text, "->")) text.remove_prefix(2);
      nodes.push_back(PgNode{p, std::string(Trim(text)), {}});
    } else if (!nodes.empty()) {
      nodes.back().props.emplace_back(Trim(text));
    }
  }
  return nodes;
}

// The nodes below nodes[i] (its subtree, without itself).
std::vector<const PgNode*> Below(const std::vector<PgNode>& nodes, size_t i) {
  std::vector<const PgNode*> out;
  for (size_t j = i + 1; j < nodes.size() && nodes[j].indent > nodes[i].indent; ++j) {
    out.push_back(&nodes[j]);
  }
  return out;
}

// Whether the head "… on <table> [alias]" names `table`.
bool OnTable(std::string_view head, std::string_view table) {
  size_t on = head.find(" on ");
  if (on == std::string_view::npos) return false;
  return Lower(FirstWord(head.substr(on + 4))) == Lower(table);
}

bool HasIndexCond(const PgNode& node) {
  return std::any_of(node.props.begin(), node.props.end(),
                     [](const std::string& p) { return StartsWith(p, "Index Cond:"); });
}

std::vector<std::string> PgFullScans(const QueryPlan& plan, std::string_view table) {
  std::vector<PgNode> nodes = PgNodes(plan);
  std::vector<std::string> out;
  for (size_t i = 0; i < nodes.size(); ++i) {
    std::string_view head = nodes[i].head;
    if (StartsWith(head, "Parallel ")) head.remove_prefix(9);
    if (!OnTable(head, table)) continue;
    bool full = false;
    if (StartsWith(head, "Seq Scan")) {
      full = true;
    } else if (StartsWith(head, "Index Scan") || StartsWith(head, "Index Only Scan")) {
      full = !HasIndexCond(nodes[i]);
    } else if (StartsWith(head, "Bitmap Heap Scan")) {
      auto below = Below(nodes, i);
      full = std::none_of(below.begin(), below.end(), [](const PgNode* n) {
        return StartsWith(n->head, "Bitmap Index Scan") && HasIndexCond(*n);
      });
    }
    if (full) out.push_back(nodes[i].head);
  }
  return out;
}

std::vector<std::string> PgSorts(const QueryPlan& plan) {
  std::vector<PgNode> nodes = PgNodes(plan);
  std::vector<std::string> out;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].head != "Sort" && nodes[i].head != "Incremental Sort") continue;
    auto below = Below(nodes, i);
    bool bounded = std::any_of(below.begin(), below.end(),
                               [](const PgNode* n) { return StartsWith(n->head, "Limit"); });
    if (bounded) continue;
    std::string what = nodes[i].head;
    for (const std::string& p : nodes[i].props) {
      if (StartsWith(p, "Sort Key:")) what += " (" + p + ")";
    }
    out.push_back(what);
  }
  return out;
}

::testing::AssertionResult Failure(const QueryPlan& plan, const std::string& what,
                                   const std::vector<std::string>& findings) {
  auto failure = ::testing::AssertionFailure();
  failure << what << ":";
  for (const std::string& f : findings) failure << "\n    " << f;
  failure << "\n  SQL: " << plan.sql << "\n  plan:\n" << plan.Text();
  return failure;
}

}  // namespace

// Forwards to a connection of the inner pool, recording each Query.
class RecordingConnection final : public Connection {
 public:
  RecordingConnection(PooledConnection inner, StatementRecorder* recorder)
      : inner_(std::move(inner)), recorder_(recorder) {}
  Backend backend() const override { return inner_->backend(); }
  Result<Rows> Query(std::string_view sql, const Params& params) override {
    recorder_->Record(sql, params);
    return inner_->Query(sql, params);
  }
  Result<Rows> QueryPlannedEachRun(std::string_view sql, const Params& params) override {
    recorder_->Record(sql, params);
    return inner_->QueryPlannedEachRun(sql, params);
  }
  Result<int64_t> Execute(std::string_view sql, const Params& params) override {
    return inner_->Execute(sql, params);
  }
  Status ExecScript(std::string_view sql) override { return inner_->ExecScript(sql); }
  Status Begin(TxMode mode) override { return inner_->Begin(mode); }
  Status Commit() override { return inner_->Commit(); }
  Status Rollback() override { return inner_->Rollback(); }
  Status LockKey(int64_t key) override { return inner_->LockKey(key); }
  bool healthy() const override { return inner_->healthy(); }
  Status DeferSync(bool deferred) override { return inner_->DeferSync(deferred); }
  Result<std::unique_ptr<SyncBarrier>> NewSyncBarrier() override {
    return inner_->NewSyncBarrier();
  }

 private:
  mutable PooledConnection inner_;  // PooledConnection hands out its connection non-const only
  StatementRecorder* recorder_;
};

StatementRecorder::StatementRecorder(Db& inner) {
  db_ = std::make_unique<Db>(inner.backend(), inner.url(), DbOptions{.pool_size = 2},
                             [&inner, this]() -> Result<std::unique_ptr<Connection>> {
                               CG_ASSIGN_OR_RETURN(PooledConnection conn, inner.Acquire());
                               return std::unique_ptr<Connection>(
                                   std::make_unique<RecordingConnection>(std::move(conn), this));
                             });
}

void StatementRecorder::Record(std::string_view sql, const Params& params) {
  std::lock_guard<std::mutex> lock(mutex_);
  recorded_.push_back(RecordedStatement{std::string(sql), params});
}

std::vector<RecordedStatement> StatementRecorder::Take(std::string_view containing) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<RecordedStatement> out;
  for (auto& s : recorded_) {
    if (s.sql.find(containing) != std::string::npos) out.push_back(std::move(s));
  }
  recorded_.clear();
  return out;
}

std::string QueryPlan::Text() const {
  std::string out;
  for (const std::string& line : lines) out += "    " + line + "\n";
  return out;
}

core::Result<QueryPlan> Explain(Connection& conn, std::string_view sql, const Params& params,
                                const ExplainOptions& options) {
  if (conn.backend() == Backend::kSqlite) return ExplainSqlite(conn, sql, params);
  CG_ASSIGN_OR_RETURN(std::vector<std::string> lines, PgPlanLines(conn, sql, params, options));
  return QueryPlan{Backend::kPostgres, std::string(sql), std::move(lines)};
}

core::Result<QueryPlan> Explain(Db& db, std::string_view sql, const Params& params,
                                const ExplainOptions& options) {
  CG_ASSIGN_OR_RETURN(auto conn, db.Acquire());
  return Explain(*conn, sql, params, options);
}

std::vector<std::string> FullScans(const QueryPlan& plan, std::string_view table) {
  return plan.backend == Backend::kSqlite ? SqliteFullScans(plan, table) : PgFullScans(plan, table);
}

std::vector<std::string> WholeResultSorts(const QueryPlan& plan) {
  return plan.backend == Backend::kSqlite ? SqliteSorts(plan) : PgSorts(plan);
}

::testing::AssertionResult HasNoFullScan(const QueryPlan& plan,
                                         std::initializer_list<std::string_view> tables) {
  std::vector<std::string> found;
  for (std::string_view t : tables) {
    for (auto& f : FullScans(plan, t)) found.push_back(std::move(f));
  }
  return found.empty() ? ::testing::AssertionSuccess() : Failure(plan, "full scan", found);
}

::testing::AssertionResult HasNoWholeSort(const QueryPlan& plan) {
  std::vector<std::string> found = WholeResultSorts(plan);
  return found.empty() ? ::testing::AssertionSuccess()
                       : Failure(plan, "sort of the whole result", found);
}

::testing::AssertionResult IsBoundedWalk(const QueryPlan& plan,
                                         const std::vector<std::string>& tables) {
  std::vector<std::string> found;
  for (const std::string& t : tables) {
    for (auto& f : FullScans(plan, t)) found.push_back("full scan: " + f);
  }
  for (auto& f : WholeResultSorts(plan)) found.push_back("sort of the whole result: " + f);
  return found.empty() ? ::testing::AssertionSuccess()
                       : Failure(plan, "not a bounded index walk", found);
}

::testing::AssertionResult IsBoundedWalk(const QueryPlan& plan,
                                         std::initializer_list<std::string_view> tables) {
  return IsBoundedWalk(plan, std::vector<std::string>(tables.begin(), tables.end()));
}

void ExpectBoundedPages(Db& db, const std::vector<RecordedStatement>& pages,
                        const std::vector<std::string>& large_tables, std::string_view what) {
  EXPECT_FALSE(pages.empty()) << what << ": no page statement recorded";
  for (const auto& page : pages) {
    for (bool generic : {false, true}) {
      if (generic && db.backend() == Backend::kSqlite) break;
      auto plan = Explain(db, page.sql, page.params, ExplainOptions{.generic = generic});
      ASSERT_TRUE(plan.ok()) << what << ": " << plan.error().message;
      EXPECT_TRUE(IsBoundedWalk(*plan, large_tables))
          << what << (generic ? " (generic plan)" : " (custom plan)") << "\n"
          << plan->Text();
    }
  }
}

}  // namespace civicgrid::store::testing
