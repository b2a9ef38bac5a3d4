// The scope walks of the ticket lists (a staff member's subtree by its scope
// column, narrowed by `within`), the scope columns themselves, and what the
// planner picks by itself on a filled, analysed table.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "domain/registry/org_tree.h"
#include "domain/tickets/categories.h"
#include "domain/tickets/ticket_list_plan_fixture.h"
#include "domain/tickets/ticket_list_query.h"
#include "domain/tickets/ticket_store.h"
#include "store/testing/query_plan.h"

namespace civicgrid::domain {
namespace {

using store::testing::Explain;
using store::testing::IsBoundedWalk;

class TicketListScopeTest : public TicketListPlanTest {
 protected:
  // The default categories, seeded once; category_ is 路灯不亮 (E01.01).
  void SeedCategories() {
    if (category_) return;
    CategoryService categories(test_db_->db(), clock_, *audit_);
    ASSERT_TRUE(categories.SeedDefaults().ok());
    auto category = categories.GetByCode("E01.01");
    ASSERT_TRUE(category.ok()) << category.error().message;
    category_ = *category;
  }

  // Inserts a 路灯不亮 on `grid`.
  void Insert(store::Connection& conn, const OrgNode& grid, const std::string& number) {
    ASSERT_NO_FATAL_FAILURE(SeedCategories());
    PreparedTicket p;
    p.category = *category_;
    p.node_id = grid.id;
    p.path = grid.path;
    p.title = "路灯不亮";
    p.description = "路灯不亮";
    auto id = TicketStore(conn).Insert(p, number, 1, 2, 3, 4);
    ASSERT_TRUE(id.ok()) << id.error().message;
  }

  // 30,000 analysed tickets (see OnAFilledTable…); on PostgreSQL `conn` then
  // prices out seq and bitmap scans.
  void Fill(store::Connection& conn) {
    ASSERT_NO_FATAL_FAILURE(SeedCategories());
    auto range = conn.QueryOne("SELECT MIN(id), COUNT(*) FROM ticket_category");
    ASSERT_TRUE(range.ok()) << range.error().message;
    // 30,000 tickets over three grids (4, 48, 48 %): nearly all finished, a backlog of 2 %,
    // 1 in 12 overdue, the categories and kinds spread as a year's would be.
    auto filled = conn.Execute(
        "INSERT INTO ticket (node_id, path, state, category_id, number, kind, channel, title, "
        "description, version, is_public, overdue, created_at, accept_due, respond_due, "
        "resolve_due, updated_at) "
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 30000) "
        "SELECT CASE WHEN (i / 3) % 25 = 0 THEN $1 WHEN i % 2 = 0 THEN $2 ELSE $3 END, "
        "CASE WHEN (i / 3) % 25 = 0 THEN $4 WHEN i % 2 = 0 THEN $5 ELSE $6 END, "
        "CASE WHEN i % 50 = 0 THEN 'submitted' WHEN i % 50 = 1 THEN 'in_progress' "
        "WHEN i % 50 = 2 THEN 'accepted' "
        "WHEN i % 7 = 0 THEN 'resolved' ELSE 'closed' END, "
        "$7 + (i * 7) % $8, 'F-' || i, "
        "CASE WHEN i % 10 = 0 THEN 'wish' WHEN i % 10 = 1 THEN 'complaint' "
        "WHEN i % 20 = 2 THEN 'patrol' ELSE 'report' END, 'h5', 't', 'd', 1, i % 2, "
        "CASE WHEN i % 12 = 0 THEN 1 ELSE 0 END, i, i, i, i, i FROM s",
        {tree_.grid_a1.id, tree_.grid_a2.id, tree_.grid_b1.id, tree_.grid_a1.path,
         tree_.grid_a2.path, tree_.grid_b1.path, range->Int(0), range->Int(1)});
    ASSERT_TRUE(filled.ok()) << filled.error().message;
    const bool pg = test_db_->backend() == store::Backend::kPostgres;
    ASSERT_TRUE(conn.ExecScript(pg ? "VACUUM ANALYZE ticket" : "ANALYZE").ok());
    if (pg) {
      // 30,000 rows are a small table, read whole more cheaply than walked; at
      // city tier they are not. Sorts stay allowed: the planner decides.
      // Nor does a page's join by primary key hash, merge or materialise the
      // table at city tier (as in TicketListPlanTest::ExpectBounded).
      ASSERT_TRUE(conn.ExecScript("SET enable_seqscan = off; SET enable_bitmapscan = off; "
                                  "SET enable_mergejoin = off; SET enable_hashjoin = off; "
                                  "SET enable_material = off")
                      .ok());
    }
  }

  std::optional<Category> category_;
};

TEST_P(TicketListScopeTest, StaffBelowTheRootWalkTheirScope) {
  if (skipped_) GTEST_SKIP();
  const Caller worker = As(Role::kGridWorker, tree_.grid_a1);
  TicketFilter f;
  f.category_id = 1;
  f.state = TicketState::kClosed;
  TicketListQuery q = BuildListQuery(worker, f, std::nullopt);
  EXPECT_EQ(q.driver, "scope");
  const std::string column = ScopeColumn(PathDepth(tree_.grid_a1.path));
  EXPECT_NE(q.where.sql().find("t." + column + " = "), std::string::npos) << q.where.sql();
  // The scope column stands for the path range: no path test per walked entry.
  EXPECT_EQ(q.where.sql().find("t.path"), std::string::npos) << q.where.sql();
  if (test_db_->backend() == store::Backend::kSqlite) {
    // SQLite picks the scope index (PostgreSQL's choice on a tiny table says
    // nothing; the bounded-walk test covers it).
    auto plan = Explain(test_db_->db(), TicketStore::PageSql(test_db_->backend(), q.where, q.tail),
                        q.where.params());
    ASSERT_TRUE(plan.ok()) << plan.error().message;
    EXPECT_NE(plan->Text().find("ticket_" + column + "_id"), std::string::npos) << plan->Text();
  }
  // A grid's (or a community's) tickets come before the backlog, whose index
  // spans the whole table; a street's do not; the person drivers come first.
  TicketFilter open;
  open.open = true;
  EXPECT_EQ(BuildListQuery(worker, open, std::nullopt).driver, "scope");
  EXPECT_EQ(
      BuildListQuery(As(Role::kCommunitySecretary, tree_.community_a), open, std::nullopt).driver,
      "scope");
  EXPECT_EQ(BuildListQuery(As(Role::kStreetAdmin, tree_.street), open, std::nullopt).driver,
            "open");
  TicketFilter assigned;
  assigned.assigned = true;
  EXPECT_EQ(BuildListQuery(worker, assigned, std::nullopt).driver, "assigned");
  TicketFilter submitted;
  submitted.state = TicketState::kSubmitted;
  EXPECT_EQ(BuildListQuery(worker, submitted, std::nullopt).driver, "scope");
  EXPECT_EQ(BuildListQuery(As(Role::kStreetAdmin, tree_.street), submitted, std::nullopt).driver,
            "state");
  // The county admin is scoped to the root, which every ticket shares.
  EXPECT_EQ(BuildListQuery(Admin(), f, std::nullopt).driver, "category_state");
  // Staff scoped to a child of the root (here a street of the county; a county
  // of a city) walk a category, not their large scope, when one is given, and
  // filter their path range from the category index.
  const Caller street = As(Role::kStreetAdmin, tree_.street);
  ASSERT_EQ(PathDepth(tree_.street.path), kMinScopeDepth);
  TicketListQuery by_category = BuildListQuery(street, f, std::nullopt);
  EXPECT_EQ(by_category.driver, "category");
  EXPECT_NE(by_category.where.sql().find("t.category_id = "), std::string::npos)
      << by_category.where.sql();
  EXPECT_NE(by_category.where.sql().find("t.path"), std::string::npos) << by_category.where.sql();
  TicketFilter closed;
  closed.state = TicketState::kClosed;
  EXPECT_EQ(BuildListQuery(street, closed, std::nullopt).driver, "scope");
  // Deeper scopes are smaller than a category: they keep their scope walk.
  EXPECT_EQ(
      BuildListQuery(As(Role::kCommunitySecretary, tree_.community_a), f, std::nullopt).driver,
      "scope");
}

// A list `within` a node below the caller's scope walks that node's scope
// column, before the backlog (whose index spans the whole table); `within`
// the caller's own node, or outside the scope, changes nothing.
TEST_P(TicketListScopeTest, WithinBelowTheScopeWalksTheNarrowerScope) {
  if (skipped_) GTEST_SKIP();
  TicketFilter open;
  open.open = true;
  const PathRange community = SubtreeRange(tree_.community_a.path);
  const std::string column = ScopeColumn(PathDepth(tree_.community_a.path));
  for (const Caller& caller : {Admin(), As(Role::kStreetAdmin, tree_.street)}) {
    TicketListQuery q = BuildListQuery(caller, open, community);
    EXPECT_EQ(q.driver, "scope") << RoleName(caller.role);
    EXPECT_NE(q.where.sql().find("t." + column + " = "), std::string::npos) << q.where.sql();
    const int64_t node = tree_.community_a.id;
    EXPECT_TRUE(
        std::any_of(q.where.params().begin(), q.where.params().end(),
                    [node](const store::Value& v) { return v.is_int() && v.AsInt() == node; }))
        << "the community's id is a parameter";
    if (test_db_->backend() == store::Backend::kSqlite) {
      auto plan =
          Explain(test_db_->db(), TicketStore::PageSql(test_db_->backend(), q.where, q.tail),
                  q.where.params());
      ASSERT_TRUE(plan.ok()) << plan.error().message;
      EXPECT_NE(plan->Text().find("ticket_" + column + "_id"), std::string::npos) << plan->Text();
    }
  }
  // Assigned and mine (one person's tickets) still come first.
  TicketFilter assigned;
  assigned.assigned = true;
  EXPECT_EQ(BuildListQuery(Admin(), assigned, community).driver, "assigned");
  // Within the caller's own node, or a node outside the scope (the page is
  // empty anyway): the caller's scope as without it.
  const Caller street = As(Role::kStreetAdmin, tree_.street);
  EXPECT_EQ(BuildListQuery(street, open, SubtreeRange(tree_.street.path)).driver, "open");
  const Caller secretary = As(Role::kCommunitySecretary, tree_.community_a);
  TicketListQuery outside = BuildListQuery(secretary, open, SubtreeRange(tree_.community_b.path));
  EXPECT_EQ(outside.driver, "scope");
  EXPECT_NE(outside.where.sql().find("t." + column + " = "), std::string::npos);
  EXPECT_NE(outside.where.sql().find("t.path"), std::string::npos)
      << "a within outside the walked scope still filters: " << outside.where.sql();
  // Not staff: no scope walk.
  EXPECT_EQ(BuildListQuery(As(Role::kResident, tree_.community_a), open, community).driver, "open");
}

// The narrowed walk lists exactly the tickets of the within node, through the
// store, against the plain path filter.
TEST_P(TicketListScopeTest, WithinBelowTheScopeListsTheSameTickets) {
  if (skipped_) GTEST_SKIP();
  auto conn = test_db_->db().Acquire();
  ASSERT_TRUE(conn.ok());
  const OrgNode* grids[] = {&tree_.grid_a1, &tree_.grid_a2, &tree_.grid_b1};
  for (int i = 0; i < 30; ++i) {
    ASSERT_NO_FATAL_FAILURE(Insert(**conn, *grids[i % 3], "W-" + std::to_string(i)));
  }
  TicketFilter all;
  all.open = true;
  all.page = Page{0, 7};
  std::vector<std::string> seen;
  for (;;) {
    auto page = TicketStore(**conn).ListPage(Admin(), all, SubtreeRange(tree_.community_a.path));
    ASSERT_TRUE(page.ok()) << page.error().message;
    for (const Ticket& t : *page) {
      EXPECT_TRUE(t.path.rfind(tree_.community_a.path, 0) == 0) << t.path;
      seen.push_back(t.number);
    }
    if (page->size() < 7) break;
    all.page.after = page->back().id;
  }
  EXPECT_EQ(seen.size(), 20u);  // grids a1 and a2: two thirds of 30
  // A secretary of community a listing within community b: nothing, though
  // the walk follows the secretary's own scope.
  all.page.after = 0;
  auto other = TicketStore(**conn).ListPage(As(Role::kCommunitySecretary, tree_.community_a), all,
                                            SubtreeRange(tree_.community_b.path));
  ASSERT_TRUE(other.ok()) << other.error().message;
  EXPECT_TRUE(other->empty()) << (*other)[0].path;
}

// The scope columns agree with the path however a ticket row came to be:
// written by the store, inserted in bulk without them (the trigger), and
// after an org move rewrote the paths.
TEST_P(TicketListScopeTest, ScopeColumnsFollowThePath) {
  if (skipped_) GTEST_SKIP();
  auto conn = test_db_->db().Acquire();
  ASSERT_TRUE(conn.ok());
  ASSERT_NO_FATAL_FAILURE(Insert(**conn, tree_.grid_a1, "T-1"));
  auto bulk = (**conn).Execute(
      "INSERT INTO ticket (node_id, path, state, category_id, number, kind, channel, title, "
      "description, version, created_at, accept_due, respond_due, resolve_due, updated_at) "
      "VALUES ($1, $2, 'submitted', $3, 'T-2', 'report', 'h5', 't', 'd', 1, 0, 0, 0, 0, 0)",
      {tree_.grid_b1.id, tree_.grid_b1.path, category_->id});
  ASSERT_TRUE(bulk.ok()) << bulk.error().message;
  auto check = [&](const std::string& when) {
    auto rows = (**conn).Query(
        "SELECT path, scope_2, scope_3, scope_4, scope_5, scope_6 FROM ticket ORDER BY id");
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    ASSERT_EQ(rows->size(), 2u);
    for (const auto& row : *rows) {
      const std::string path = row.Text(0);
      for (int depth = kMinScopeDepth; depth <= kMaxScopeDepth; ++depth) {
        EXPECT_EQ(row.OptInt(static_cast<size_t>(depth - 1)), PathIdAt(path, depth))
            << when << ": " << path << " depth " << depth;
      }
      EXPECT_EQ(row.OptInt(static_cast<size_t>(PathDepth(path) - 1)),
                PathIdAt(path, PathDepth(path)))
          << when << ": the deepest column names the ticket's own node";
    }
  };
  check("inserted");
  // Grid a1 moves from community a to community b: its tickets' community
  // column follows.
  tree_service_->AddPathCopy("ticket");
  auto moved = tree_service_->Update(
      Admin(), tree_.grid_a1.id, OrgNodeChange{std::nullopt, tree_.community_b.id, std::nullopt});
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  check("moved");
  auto community = (**conn).QueryInt("SELECT " + ScopeColumn(PathDepth(tree_.community_b.path)) +
                                     " FROM ticket WHERE number = 'T-1'");
  ASSERT_TRUE(community.ok()) << community.error().message;
  EXPECT_EQ(*community, tree_.community_b.id);
  // A grid worker of the moved grid lists its ticket through the scope walk.
  Caller worker = As(Role::kGridWorker, *moved);
  TicketFilter all;
  all.page = Page{0, 25};
  auto page = TicketStore(**conn).ListPage(worker, all, std::nullopt);
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].number, "T-1");
}

// The trigger fills only what an insert leaves out: the store writes the scope
// columns itself, and on PostgreSQL the trigger's work per row cost two thirds
// of a submission's INSERT until migration 31 (docs/benchmarks.md, session
// 18). Written columns are kept as given (here, on purpose, not the path's),
// and a later path update recomputes them on both backends.
TEST_P(TicketListScopeTest, TheScopeTriggerRunsOnlyForRowsInsertedWithoutScopes) {
  if (skipped_) GTEST_SKIP();
  ASSERT_NO_FATAL_FAILURE(SeedCategories());
  auto conn = test_db_->db().Acquire();
  ASSERT_TRUE(conn.ok());
  auto given = (**conn).Execute(
      "INSERT INTO ticket (node_id, path, state, category_id, number, kind, channel, title, "
      "description, version, created_at, accept_due, respond_due, resolve_due, updated_at, "
      "scope_2, scope_3) VALUES ($1, $2, 'submitted', $3, 'T-9', 'report', 'h5', 't', 'd', 1, "
      "0, 0, 0, 0, 0, 777, 888)",
      {tree_.grid_b1.id, tree_.grid_b1.path, category_->id});
  ASSERT_TRUE(given.ok()) << given.error().message;
  auto scopes = [&] {
    auto rows = (**conn).Query("SELECT scope_2, scope_3 FROM ticket WHERE number = 'T-9'");
    EXPECT_TRUE(rows.ok() && rows->size() == 1u);
    return rows.ok() && rows->size() == 1u
               ? std::pair((*rows)[0].OptInt(0), (*rows)[0].OptInt(1))
               : std::pair(std::optional<int64_t>(), std::optional<int64_t>());
  };
  EXPECT_EQ(scopes(), std::pair(std::optional<int64_t>(777), std::optional<int64_t>(888)));
  auto touched = (**conn).Execute("UPDATE ticket SET path = path WHERE number = 'T-9'");
  ASSERT_TRUE(touched.ok()) << touched.error().message;
  EXPECT_EQ(scopes(), std::pair(PathIdAt(tree_.grid_b1.path, 2), PathIdAt(tree_.grid_b1.path, 3)));
}

// A created-at window bounds the walk by ids read off the created index, and
// still answers exactly its tickets when ids do not follow creation (history
// imported out of order, a batch's shared clock): here the created times run
// against the ids, in pages of two, for a staff walk and a resident's.
TEST_P(TicketListScopeTest, ACreatedWindowFindsExactlyItsTicketsWhateverTheirIds) {
  if (skipped_) GTEST_SKIP();
  ASSERT_NO_FATAL_FAILURE(SeedCategories());
  auto conn = test_db_->db().Acquire();
  ASSERT_TRUE(conn.ok());
  // Ticket i (in id order) created at 1000 + (7 * i) % 12: times out of id order.
  for (int i = 0; i < 12; ++i) {
    auto added = (**conn).Execute(
        "INSERT INTO ticket (node_id, path, state, category_id, number, kind, channel, title, "
        "description, version, is_public, created_at, accept_due, respond_due, resolve_due, "
        "updated_at) VALUES ($1, $2, 'submitted', $3, $4, 'report', 'h5', 't', 'd', 1, 1, $5, 0, "
        "0, 0, 0)",
        {tree_.grid_a1.id, tree_.grid_a1.path, category_->id, "C-" + std::to_string(i),
         int64_t{1000 + (7 * i) % 12}});
    ASSERT_TRUE(added.ok()) << added.error().message;
  }
  Caller resident = As(Role::kResident, tree_.community_a);
  resident.account_id = 999;  // the tickets are public
  for (const Caller& caller : {Admin(), As(Role::kStreetAdmin, tree_.street), resident}) {
    for (auto [from, to] :
         std::vector<std::pair<int64_t, std::optional<int64_t>>>{{1003, 1007},
                                                                 {1000, 1001},
                                                                 {1011, std::nullopt},
                                                                 {1005, std::nullopt},
                                                                 {2000, std::nullopt},
                                                                 {1004, 1004}}) {
      auto expected = (**conn).Query(
          "SELECT number FROM ticket WHERE created_at >= $1 AND created_at < $2 ORDER BY id",
          {from, to.value_or(int64_t{1} << 40)});
      ASSERT_TRUE(expected.ok()) << expected.error().message;
      std::vector<std::string> want, got;
      for (const auto& row : *expected) want.push_back(row.Text(0));
      TicketFilter f;
      f.created_from = from;
      f.created_to = to;
      f.page = Page{0, 2};
      for (int pages = 0; pages < 20; ++pages) {
        auto page = TicketStore(**conn).ListPage(caller, f, std::nullopt);
        ASSERT_TRUE(page.ok()) << page.error().message;
        for (const Ticket& t : *page) got.push_back(t.number);
        if (page->size() < 2) break;
        f.page.after = page->back().id;
      }
      EXPECT_EQ(got, want) << RoleName(caller.role) << " [" << from << ", "
                           << (to ? std::to_string(*to) : "∞") << ")";
    }
  }
}

// What the planner picks by itself, with statistics, on a table where a
// scope holds thousands of tickets (the tests above price out every sort, so
// they ask whether a walk exists). At city tier PostgreSQL estimated each
// unindexed filter (`t.category_id + 0 = $5`) at 0.5 %, expected a handful of
// matches and read a county's 100,000 ticket rows to sort them (260–390 ms a
// page). TicketStore::PageSql selects the page's ids first, so a walk along
// a wide index reads the index alone: an index-only scan, which the check
// below asks for of the backlog drivers (the single-statement form fails it
// in 8 shapes: it needs each walked row). Only seq scans and bitmap scans are priced out (30,000
// rows are cheaper to read whole than a city's million); sorts are the planner's call. The rows
// of a page are then read by primary key (TicketStore::RowsByIdSql), checked at the end.
TEST_P(TicketListScopeTest, OnAFilledTableThePlannerItselfChoosesTheWalk) {
  if (skipped_) GTEST_SKIP();
  auto conn = test_db_->db().Acquire();
  ASSERT_TRUE(conn.ok());
  ASSERT_NO_FATAL_FAILURE(Fill(**conn));
  const bool pg = test_db_->backend() == store::Backend::kPostgres;
  std::vector<Caller> callers = {Admin(), As(Role::kStreetAdmin, tree_.street),
                                 As(Role::kCommunitySecretary, tree_.community_a),
                                 As(Role::kGridWorker, tree_.grid_a1)};
  for (Caller& c : callers) c.account_id = 7;
  for (const Caller& caller : callers) {
    for (const auto& [name, filter] : Filters()) {
      for (bool within : {false, true}) {
        // One assignee's tickets (see the first test), the caller's own and
        // followed tickets (a union, sorted): bounded by one person's tickets.
        if (name == "everything" || name == "mine") continue;
        std::optional<PathRange> in;
        if (within) in = SubtreeRange(tree_.grid_a1.path);
        TicketListQuery q = BuildListQuery(caller, filter, in);
        const std::string sql = TicketStore::PageSql(test_db_->backend(), q.where, q.tail);
        for (bool generic : {false, true}) {
          if (generic && !pg) break;
          auto plan = Explain(**conn, sql, q.where.params(),
                              store::testing::ExplainOptions{.generic = generic, .steer = false});
          ASSERT_TRUE(plan.ok()) << plan.error().message;
          const std::string what = std::string(RoleName(caller.role)) + " ?" + name +
                                   (within ? "&within" : "") + " (driver " + q.driver +
                                   (generic ? ", generic plan)" : ")");
          EXPECT_TRUE(IsBoundedWalk(*plan, {"ticket"})) << what;
          // The backlog drivers' and the category's wide indexes (WideListIndexSql,
          // WideCategoryIndexSql) carry every column these filters read. Custom plans: a generic
          // plan on this small table may walk the primary key, and so may a scope walk here (a grid
          // of 1,200 tickets, the primary key's rows in id order on the same pages); at city tier
          // both walk the index alone.
          const bool wide = q.driver == "state" || q.driver == "open" ||
                            q.driver == "category_open" || q.driver == "category";
          // A created window's id bounds come off the created index (migration 34), not
          // a walk of the history before the window.
          if (name == "created") {
            EXPECT_NE(plan->Text().find("ticket_created"), std::string::npos) << what << "\n"
                                                                              << plan->Text();
          }
          if (pg && !generic && wide && name != "created") {
            EXPECT_NE(plan->Text().find("Index Only Scan using ticket_"), std::string::npos)
                << what << "\n"
                << plan->Text();
          }
        }
      }
    }
  }
  if (!pg) return;
  // Then the page's rows by primary key (TicketStore::SelectPage), in every
  // padded size; the generic plan is the one PostgreSQL keeps after five runs.
  for (size_t n : TicketStore::kRowsByIdSizes) {
    store::Params ids;
    for (size_t i = 0; i < n; ++i) ids.emplace_back(static_cast<int64_t>(100 + 7 * i));
    for (bool generic : {false, true}) {
      auto plan = Explain(**conn, TicketStore::RowsByIdSql(n), ids,
                          store::testing::ExplainOptions{.generic = generic, .steer = false});
      ASSERT_TRUE(plan.ok()) << plan.error().message;
      EXPECT_TRUE(IsBoundedWalk(*plan, {"ticket"})) << n << (generic ? " generic" : "");
      EXPECT_NE(plan->Text().find("ticket_pkey"), std::string::npos) << plan->Text();
    }
  }
}

TEST(TicketScopePath, IdsByDepth) {
  EXPECT_EQ(PathDepth("/1/7/42/"), 3);
  EXPECT_EQ(PathDepth(""), 0);
  EXPECT_EQ(PathIdAt("/1/7/42/", 1), 1);
  EXPECT_EQ(PathIdAt("/1/7/42/", 2), 7);
  EXPECT_EQ(PathIdAt("/1/7/42/", 3), 42);
  EXPECT_EQ(PathIdAt("/1/7/42/", 4), std::nullopt);
  EXPECT_EQ(PathIdAt("/1//42/", 2), std::nullopt);
  EXPECT_EQ(PathIdAt("/1/x/", 2), std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(Backends, TicketListScopeTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
