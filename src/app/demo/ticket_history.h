// The demo county's ticket history: about a year of 随手拍 reports, grid
// workers' patrol findings, phone complaints, 微心愿 and daily-service
// requests and meeting follow-ups, ending now, so that the rates and rankings
// mean something on first start.
//
// MakeHistoryScript (history_script.h) writes every ticket and its timed steps
// in advance from the plan and the seed; LoadTicketHistory plays them through
// the real TicketService — Submit and Act, so every rule of the state machine,
// every permission and every SLA deadline applies — in time order on a
// TicketService of its own whose FakeClock it moves to each step, running the
// overdue checker (督办) every simulated hour. Steps scheduled after the end
// never happen: recent tickets are still open, some past their deadlines.
// The rate rollups are rebuilt afterwards (TicketStats::Rebuild); no webhooks
// or stream events are raised for history. The steps commit through a
// connection pool of its own that waits for no disk flush (SQLite
// synchronous=NORMAL, PostgreSQL synchronous_commit=off): a year takes seconds
// instead of minutes, and the durable rebuild at the end flushes it all.
//
// The actors are accounts: the nine demo accounts where the plan has one, and
// plain accounts the loader creates for the rest (a secretary and a worker
// per community, a grid worker per grid, a street admin per street, the
// departments called, the members who claim and the residents who report).
// They get random passwords nobody knows and are not printed.
//
// Deterministic: the same plan, seed and end instant give the same tickets,
// numbers and events. Not thread-safe; run it while nothing else writes
// tickets (the demo command does, before serving). docs/demo.md has the
// figures it yields.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "app/app.h"
#include "app/demo/demo_plan.h"
#include "domain/tickets/stats.h"

namespace civicgrid::app::demo {

// Database ids of the plan's rows, index for index, as the loader made them.
struct PlanIds {
  int64_t county = 0;
  std::vector<int64_t> streets, communities, grids, units, residents, members;
};

struct TicketHistoryOptions {
  uint64_t seed = 1;
  // Days of history before the end; 0 loads none.
  int days = 365;
  // The end of the history; default: the app clock's now.
  std::optional<int64_t> end_ms;
  // How often the overdue checker runs, in simulated minutes.
  int64_t overdue_check_minutes = 60;
};

struct TicketHistoryReport {
  int64_t tickets = 0;
  int64_t events = 0;
  int64_t open = 0;      // not resolved, closed or rejected at the end
  int64_t accounts = 0;  // accounts created for the actors
  // 随手拍: report-kind tickets through the h5 channel, and those solved —
  // resolved (or closed after resolving), or closed as a duplicate of one that is.
  int64_t reports = 0;
  int64_t reports_solved = 0;
  std::optional<domain::NodeRates> county;  // the county's figures over the span
};

core::Result<TicketHistoryReport> LoadTicketHistory(App& app, const DemoPlan& plan,
                                                    const PlanIds& ids,
                                                    const TicketHistoryOptions& options);

}  // namespace civicgrid::app::demo
