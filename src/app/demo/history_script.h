// HistoryScript: a year (or any span) of the demo county's tickets written out
// in advance — when each demand arrives, where, from whom, about what, and the
// timed steps that will happen to it (accept, dispatch or publish, claim,
// start, 吹哨 and 报到, resolve, rate, callback, reopen, close …). The runner
// (ticket_history.h) plays the steps through the real TicketService in time
// order and stops at the end of the span, so whatever is scheduled later is
// simply still open.
//
// The shape follows the seed documents: 固安's 随手拍 (2,094 reports, 2,080
// solved, 办结率 and 满意率 above 99%), patrol findings of the grid workers,
// 文安's 微心愿 and 急难事/生活事/盼望事 (over 90% done), 12345-style SLAs
// (most steps well inside, a tail beyond), monthly and weekday rhythms, and
// communities and streets that differ in how fast and how well they answer,
// so that the rates and rankings have something to say.
//
// Pure: no database, no clock. The same plan, categories, seed and span give
// the same script. Value types; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/demo/demo_plan.h"
#include "domain/tickets/categories.h"
#include "domain/tickets/model.h"

namespace civicgrid::app::demo {

// Who acts. The runner turns each into an account (a demo account where the
// plan has one, else a plain account it creates).
enum class ActorKind {
  kResident,         // index: plan resident
  kGridWorker,       // index: plan grid — the worker who looks after it
  kSecretary,        // index: plan community — 社区书记
  kCommunityWorker,  // index: plan community — its first community worker
  kStreet,           // index: plan street — 街道管理员
  kMember,           // index: plan party member (in-service, registered there)
  kUnit,             // index: plan unit — its admin (departments, paired units)
};

struct ActorRef {
  ActorKind kind = ActorKind::kResident;
  int index = 0;
  auto operator<=>(const ActorRef&) const = default;
};

// One step after the submission.
struct ScriptStep {
  int64_t at = 0;  // epoch ms
  domain::TicketEventType type = domain::TicketEventType::kComment;
  ActorRef actor;
  std::optional<ActorRef> target;  // dispatch: who gets it (grid worker, staff, member, unit)
  bool board = false;              // dispatch: publish on the community order board
  std::vector<int> units;          // escalate: plan unit indices of the departments called
  int unit = -1;                   // respond: the department reporting
  int64_t rating = 0;              // rate
  std::string outcome;             // callback: solved | unsolved | unreachable
  int duplicate_of = -1;           // close: index (in the script) of the original ticket
  std::string note;
};

struct TicketScript {
  int64_t created_at = 0;  // epoch ms
  domain::TicketKind kind = domain::TicketKind::kReport;
  domain::TicketChannel channel = domain::TicketChannel::kH5;
  std::string category;  // category code
  int grid = 0;          // plan grid the demand is about
  // Filed for the grid's community without a location (meeting follow-ups).
  bool community_only = false;
  // Filed without a location for the grid (phone complaints).
  bool node_only = false;
  core::LonLat location;  // WGS-84, inside `grid`; unused when filed by node
  bool gcj02 = false;     // submitted in GCJ-02, as a phone reports it
  ActorRef submitter;
  bool anonymous = false;
  int caller_resident = -1;  // phone complaints: the resident on the line
  std::string title;
  std::string description;
  std::string address;
  std::vector<ScriptStep> steps;  // strictly increasing times
};

struct HistoryScriptOptions {
  uint64_t seed = 1;
  int64_t start_ms = 0;  // the first arrival is at or after this
  int64_t end_ms = 0;    // and before this
  // Expected tickets per year of each stream (the 固安 and 文安 figures).
  // The 随手拍 and 急难事 streams with their twin reports make about 2,094
  // report-kind h5 tickets a year (固安's figure); the others in proportion.
  double reports_per_year = 1840;    // 随手拍 by residents (h5)
  double patrols_per_year = 736;     // grid workers' findings
  double complaints_per_year = 184;  // taken by phone
  double wishes_per_year = 514;      // 微心愿 and daily services (h5)
  double urgent_per_year = 86;       // 急难事 (h5)
  double follow_up_share = 0.05;     // per community and 逢四说事 meeting day
  // 吹哨报到 defaults, as TicketOptions has them.
  int64_t escalation_resolve_minutes = 3 * 24 * 60;
};

// The tickets in arrival order (a duplicate always after its original).
// `categories` are the active categories of the database; codes the script
// draws from but the database lacks are skipped.
std::vector<TicketScript> MakeHistoryScript(const DemoPlan& plan,
                                            const std::vector<domain::Category>& categories,
                                            const HistoryScriptOptions& options);

}  // namespace civicgrid::app::demo
