// The plans of every ticket list query shape, on both backends: GET /tickets
// under each filter (alone and in the combinations that pick each driver)
// for every role, the board, the SSE stream (EventsAfter), the per-ticket
// history and Open311's window. Each must be a keyset walk along an index:
// no full scan of ticket or ticket_event and no sort of the whole result.
// On PostgreSQL the checker prices out seq scans and sorts
// (store/testing/query_plan.h), so the question asked is "can an index walk
// answer this page?", not what the planner picks for a tiny test table.
#include <gtest/gtest.h>

#include "domain/testing/domain_fixture.h"
#include "domain/tickets/ticket_list_query.h"
#include "domain/tickets/ticket_store.h"
#include "store/testing/query_plan.h"

namespace civicgrid::domain {
namespace {

using store::testing::Explain;
using store::testing::IsBoundedWalk;

class TicketListPlanTest : public testing::DomainFixture {
 protected:
  std::vector<Caller> Callers() const {
    std::vector<Caller> out;
    for (Role role : AllRoles()) {
      Caller c = As(role, role == Role::kCountyAdmin || role == Role::kStreetAdmin ? tree_.county
                                                                                   : tree_.grid_a1);
      c.account_id = 7;
      if (role == Role::kPartyMember) c.party_member_id = 3;
      if (role == Role::kUnitAdmin) c.unit_id = 4;
      out.push_back(c);
    }
    return out;
  }

  // On PostgreSQL the checker prices out seq scans and sorts; for joins on
  // empty test tables the planner also prefers materialising or hashing the
  // whole joined table, which at city scale it would not (a page joins its
  // rows by primary key), so this session prices those out too.
  void ExpectBounded(const std::string& sql, const store::Params& params, const std::string& what,
                     bool sort_allowed = false) {
    auto conn = test_db_->db().Acquire();
    ASSERT_TRUE(conn.ok());
    if ((*conn)->backend() == store::Backend::kPostgres) {
      for (const char* set : {"SET enable_material = off", "SET enable_hashjoin = off",
                              "SET enable_mergejoin = off"}) {
        ASSERT_TRUE((*conn)->Execute(set).ok()) << set;
      }
    }
    auto plan = Explain(**conn, sql, params);
    ASSERT_TRUE(plan.ok()) << what << ": " << plan.error().message;
    if (sort_allowed) {
      EXPECT_TRUE(store::testing::HasNoFullScan(*plan, {"ticket", "ticket_event"})) << what;
    } else {
      EXPECT_TRUE(IsBoundedWalk(*plan, {"ticket", "ticket_event"})) << what;
    }
  }
};

// Every filter alone and the pairs that choose each driver.
std::vector<std::pair<std::string, TicketFilter>> Filters() {
  std::vector<std::pair<std::string, TicketFilter>> out;
  auto add = [&out](std::string name, auto set) {
    TicketFilter f;
    f.page = Page{100, 25};
    set(f);
    out.emplace_back(std::move(name), f);
  };
  add("none", [](TicketFilter&) {});
  add("state", [](TicketFilter& f) { f.state = TicketState::kSubmitted; });
  add("open", [](TicketFilter& f) { f.open = true; });
  add("finished", [](TicketFilter& f) { f.open = false; });
  add("category", [](TicketFilter& f) { f.category_id = 1; });
  add("kind", [](TicketFilter& f) { f.kind = TicketKind::kWish; });
  add("mine", [](TicketFilter& f) { f.mine = true; });
  add("assigned", [](TicketFilter& f) { f.assigned = true; });
  add("overdue", [](TicketFilter& f) { f.overdue = true; });
  add("created", [](TicketFilter& f) {
    f.created_from = 1;
    f.created_to = 2;
  });
  add("updated", [](TicketFilter& f) { f.updated_from = 1; });
  add("category+state", [](TicketFilter& f) {
    f.category_id = 1;
    f.state = TicketState::kSubmitted;
  });
  add("category+open", [](TicketFilter& f) {
    f.category_id = 1;
    f.open = true;
  });
  add("state+overdue+kind", [](TicketFilter& f) {
    f.state = TicketState::kAccepted;
    f.overdue = true;
    f.kind = TicketKind::kReport;
  });
  add("everything", [](TicketFilter& f) {
    f.state = TicketState::kAccepted;
    f.open = true;
    f.category_id = 2;
    f.kind = TicketKind::kReport;
    f.mine = true;
    f.assigned = true;
    f.overdue = true;
    f.created_from = 1;
    f.created_to = 2;
    f.updated_from = 1;
  });
  return out;
}

TEST_P(TicketListPlanTest, EveryListShapeWalksAnIndexForEveryRole) {
  if (skipped_) GTEST_SKIP();
  for (const Caller& caller : Callers()) {
    for (const auto& [name, filter] : Filters()) {
      for (bool within : {false, true}) {
        std::optional<PathRange> range;
        if (within) range = SubtreeRange(tree_.community_a.path);
        TicketListQuery q = BuildListQuery(caller, filter, range);
        // Known gap: with every filter at once SQLite walks ticket_assignee
        // (one assignee's tickets) and then sorts those rows instead of
        // reading them in id order. The sort is bounded by one assignee's
        // tickets, not by the table, so only full scans are checked there.
        const bool sort_allowed =
            name == "everything" && test_db_->backend() == store::Backend::kSqlite;
        ExpectBounded(TicketStore::SelectSql(q.where, q.tail), q.where.params(),
                      std::string(RoleName(caller.role)) + " ?" + name + (within ? "&within" : "") +
                          " (driver " + q.driver + ")",
                      sort_allowed);
      }
    }
  }
}

TEST_P(TicketListPlanTest, TheBoardAndTheStreamWalkAnIndex) {
  if (skipped_) GTEST_SKIP();
  for (const Caller& caller : Callers()) {
    for (bool skills : {false, true}) {
      TicketListQuery q = BuildBoardQuery(caller, {"plumbing", "care"}, skills, Page{0, 25});
      ExpectBounded(TicketStore::SelectSql(q.where, q.tail), q.where.params(),
                    std::string("board ") + std::string(RoleName(caller.role)));
    }
    auto [sql, params] = TicketStore::EventsAfterSql(caller, 100, 50);
    ExpectBounded(sql, params, std::string("events after ") + std::string(RoleName(caller.role)));
  }
}

TEST_P(TicketListPlanTest, TheDriverIsTheMostSelectiveFilter) {
  if (skipped_) GTEST_SKIP();
  const Caller admin = Admin();
  TicketFilter f;
  f.category_id = 1;
  f.state = TicketState::kSubmitted;
  EXPECT_EQ(BuildListQuery(admin, f, std::nullopt).driver, "category_state");
  f.assigned = true;
  EXPECT_EQ(BuildListQuery(admin, f, std::nullopt).driver, "assigned");
  TicketFilter open;
  open.open = true;
  open.category_id = 1;
  EXPECT_EQ(BuildListQuery(admin, open, std::nullopt).driver, "category_open");
  EXPECT_EQ(BuildListQuery(admin, TicketFilter{}, std::nullopt).driver, "id");
}

INSTANTIATE_TEST_SUITE_P(Backends, TicketListPlanTest,
                         ::testing::ValuesIn(store::testing::AllBackends()),
                         store::testing::BackendParamName());

}  // namespace
}  // namespace civicgrid::domain
