// The fixture and the filter shapes of the ticket list plan tests
// (ticket_list_plan_test.cc: every shape walks an index; ticket_list_scope_test.cc:
// the scope walks and the planner's own choice on a filled table).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "domain/testing/domain_fixture.h"
#include "domain/tickets/ticket_types.h"
#include "store/testing/query_plan.h"

namespace civicgrid::domain {

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
    auto plan = store::testing::Explain(**conn, sql, params);
    ASSERT_TRUE(plan.ok()) << what << ": " << plan.error().message;
    if (sort_allowed) {
      EXPECT_TRUE(store::testing::HasNoFullScan(*plan, {"ticket", "ticket_event"})) << what;
    } else {
      EXPECT_TRUE(store::testing::IsBoundedWalk(*plan, {"ticket", "ticket_event"})) << what;
    }
  }
};

// Every filter alone and the pairs that choose each driver.
inline std::vector<std::pair<std::string, TicketFilter>> Filters() {
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
  });
  return out;
}

}  // namespace civicgrid::domain
