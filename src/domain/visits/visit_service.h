// 民情台账 (issue 11 §1): household visits, the plan of who is due, coverage,
// and 千户访 campaigns.
//
// A visit is a grid worker's (or a cadre's) call at a household: when, whom
// it found at home, the needs and risks found (fixed vocabularies), a note,
// and the household's care flags as the visit found them (elder alone,
// disabled, low income, 五老). A demand found at the door becomes a ticket at
// once (一呼联动): filed through TicketService's normal submission by the
// visitor, in the visit's transaction, and linked to the visit. A visit
// carries the client's key: a retry with the same key and the same content
// returns the first visit (and its ticket) instead of a second one; the same
// key with other content is a Conflict on `Idempotency-Key`.
//
// The note is personal data: sealed (XChaCha20-Poly1305) at rest, shown in
// reads only by its length, and revealed by a separate call that needs
// kPiiReveal and is written to the audit log before the text leaves.
//
// Each household has one row of visit state (household_visit: its flags, the
// last visit, its grid and community), created with the household by a
// trigger, so "the households not seen longest" is one index walk per grid
// or community.
//
// Plans follow VisitRules: every household weekly (周周看、家家到), flagged
// households more often (an elder living alone twice a week, at least
// min_gap days apart), and campaign households until visited in the
// campaign's window. Weeks run Monday to Sunday in Asia/Shanghai.
//
// Scope: every read and write is confined to the caller's subtree (a grid
// worker sees their grid's households and visits, a secretary their
// community's); outside is NotFound. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/crypto.h"
#include "core/time.h"
#include "domain/access/audit_log.h"
#include "domain/access/caller.h"
#include "domain/registry/common.h"
#include "domain/registry/org_tree.h"
#include "domain/tickets/ticket_service.h"
#include "store/pool.h"

namespace civicgrid::domain {

// The household flags a visit keeps current. The first three share their
// bits with ResidentFlag, so a household that no visit has recorded yet
// takes the OR of its residents' flags.
enum class HouseholdFlag : int64_t {
  kElderAlone = 1,     // 独居老人
  kDisabled = 2,       // 残疾人
  kLowIncome = 4,      // 低保/低收入
  kSeniorTalent = 64,  // 五老 (retired cadres, members, teachers, models, experts)
};
inline constexpr int64_t kHouseholdFlagMask = 1 | 2 | 4 | 64;
core::Result<int64_t> ParseHouseholdFlags(const std::vector<std::string>& names,
                                          std::string_view field);
std::vector<std::string> HouseholdFlagNames(int64_t flags);

// What a visit can find. Names are the wire names.
extern const std::vector<std::string_view> kVisitNeeds;     // care, medical, repair …
extern const std::vector<std::string_view> kVisitRisks;     // fall, fire, health …
extern const std::vector<std::string_view> kVisitOutcomes;  // met, absent, refused

struct VisitRules {
  int64_t weekly = 1;              // every household, each week
  int64_t weekly_elder_alone = 2;  // 独居老人 twice a week
  int64_t weekly_disabled = 2;
  int64_t weekly_low_income = 1;
  int64_t weekly_senior_talent = 1;
  int64_t min_gap_days = 3;  // a second visit in a week comes this many days after the first
};

struct VisitOptions {
  VisitRules rules;
  int64_t max_note_chars = 2000;
  int64_t max_plan_households = 5000;  // households a plan examines at most
  int64_t max_campaign_households = 5000;
  int64_t future_skew_ms = 5 * 60'000;  // visited_at up to 5 min ahead of our clock
  int64_t max_backdate_days = 31;       // an offline visit may arrive this late
};

// Visits required in a week by a household with `flags`.
int64_t RequiredPerWeek(const VisitRules& rules, int64_t flags);
// The Monday 00:00 (Asia/Shanghai, as epoch ms) of the week holding `ms`.
int64_t WeekStartMs(int64_t ms);
// The first day 00:00 (Asia/Shanghai, as epoch ms) of the month holding `ms`.
int64_t MonthStartMs(int64_t ms);

// Whether a household is due on the day holding `now`: fewer visits this week
// than required, and a second visit not sooner than min_gap_days after the
// previous one. `visits_this_week` are the visit times in the week (any order).
bool DueByRule(const VisitRules& rules, int64_t flags, const std::vector<int64_t>& visits_this_week,
               int64_t now_ms);

struct NewVisitTicket {
  int64_t category_id = 0;
  std::string description;
};

struct NewVisit {
  int64_t household_id = 0;
  std::optional<std::string> visited_at;  // RFC 3339; default now (offline visits send theirs)
  std::string outcome = "met";            // met | absent | refused
  std::vector<std::string> needs;
  std::vector<std::string> risks;
  std::optional<std::vector<std::string>> flags;  // the household's flags now; absent: unchanged
  std::string note;
  std::optional<int64_t> campaign_id;
  std::optional<NewVisitTicket> ticket;  // a demand to file at once (一呼联动)
  std::optional<std::string> client_key;
};

struct Visit {
  int64_t id = 0;
  int64_t household_id = 0;
  std::string room;
  std::string building_name;
  int64_t grid_id = 0;
  std::string grid_name;
  int64_t visitor_account_id = 0;
  std::string visitor_name;
  int64_t visited_at_ms = 0;
  std::string outcome;
  std::vector<std::string> needs;
  std::vector<std::string> risks;
  int64_t flags_before = 0;
  int64_t flags_after = 0;
  int64_t note_chars = 0;  // the note's length; its text only through RevealNote
  std::optional<int64_t> campaign_id;
  std::optional<int64_t> ticket_id;
  std::string ticket_number;
  int64_t created_at_ms = 0;
  bool replayed = false;  // a retry under the same client key
};

struct VisitFilter {
  std::optional<int64_t> within;
  std::optional<int64_t> household_id;
  std::optional<int64_t> before;  // newest first: ids below this
  int64_t limit = kDefaultPageSize;
};

struct PlanItem {
  int64_t household_id = 0;
  std::string room;
  std::string building_name;
  int64_t grid_id = 0;
  std::string head_name;  // the household's first resident, "" when none
  int64_t residents = 0;
  int64_t flags = 0;
  std::optional<int64_t> last_visited_at_ms;
  int64_t visits_this_week = 0;
  int64_t required = 0;
  std::vector<std::string> reasons;  // "weekly", "elder_alone" …, "campaign"
  std::optional<int64_t> campaign_id;
};

struct VisitPlan {
  std::string date;  // YYYY-MM-DD, Asia/Shanghai
  int64_t week_start_ms = 0;
  int64_t households = 0;  // examined
  std::vector<PlanItem> items;
};

// A household in the "not seen longest" list. Cursor: (last_visited_at, id).
struct StaleHousehold {
  int64_t household_id = 0;
  std::string room;
  std::string building_name;
  int64_t grid_id = 0;
  std::string grid_name;
  int64_t flags = 0;
  std::optional<int64_t> last_visited_at_ms;
  std::string last_visitor_name;
};

struct StaleFilter {
  std::optional<int64_t> within;  // a grid or community (the caller's own when absent)
  int64_t after_seen_ms = -1;     // cursor: last_visited_at (0: never), -1: from the start
  int64_t after_id = 0;
  int64_t limit = kDefaultPageSize;
};

struct StalePage {
  std::vector<StaleHousehold> items;
  std::optional<std::string> next;  // "<seen_ms>.<household_id>"
};

struct VisitCoverageRow {
  int64_t id = 0;  // grid, community or account
  std::string name;
  std::optional<int64_t> parent_id;  // a grid's community
  int64_t households = 0;
  int64_t seen_week = 0;
  int64_t seen_month = 0;
  int64_t visits_week = 0;
  int64_t visits_month = 0;
};

struct Coverage {
  int64_t week_start_ms = 0;
  int64_t month_start_ms = 0;
  std::vector<VisitCoverageRow> grids;        // least covered this week first
  std::vector<VisitCoverageRow> communities;  // least covered this week first
  std::vector<VisitCoverageRow> workers;      // households seen by each visitor, most first
};

struct CampaignAssignment {
  int64_t visitor_account_id = 0;
  std::string visitor_name;
  std::vector<int64_t> household_ids;
  int64_t visited = 0;  // households visited inside the window
};

struct NewCampaign {
  std::string name;
  int64_t node_id = 0;    // the area it covers
  std::string starts_on;  // YYYY-MM-DD, inclusive
  std::string ends_on;    // YYYY-MM-DD, inclusive
  std::vector<CampaignAssignment> assignments;
};

struct Campaign {
  int64_t id = 0;
  std::string name;
  int64_t node_id = 0;
  std::string starts_on;
  std::string ends_on;
  int64_t households = 0;
  int64_t visited = 0;
  std::vector<CampaignAssignment> assignments;
};

class VisitService {
 public:
  VisitService(store::Db& db, const core::Clock& clock, AuditLog& audit,
               const core::PiiCipher& cipher, TicketService& tickets, VisitOptions options = {});

  core::Result<Visit> Record(const Caller& caller, const NewVisit& visit);
  core::Result<Visit> Get(const Caller& caller, int64_t id);
  // Newest first.
  core::Result<PageOf<Visit>> List(const Caller& caller, const VisitFilter& filter);
  // The note in clear; needs kPiiReveal; audited before it is returned.
  core::Result<std::string> RevealNote(const Caller& caller, int64_t id, std::string_view reason);

  // Who is due on `date` (default today) in a grid or community (the
  // caller's scope, or `within`); campaign households assigned to the caller
  // come too.
  core::Result<VisitPlan> Plan(const Caller& caller, std::optional<int64_t> within,
                               std::optional<std::string> date);
  core::Result<StalePage> Stale(const Caller& caller, const StaleFilter& filter);
  core::Result<Coverage> CoverageOf(const Caller& caller, std::optional<int64_t> within);

  core::Result<Campaign> CreateCampaign(const Caller& caller, const NewCampaign& campaign);
  core::Result<PageOf<Campaign>> Campaigns(const Caller& caller, const Page& page);

  // A subtree moved in the org tree (OrgTreeService::AddMoveHook): its
  // households take their building's grid and community as they are now, and
  // so do their visits, so plans, the "not seen longest" lists and coverage
  // follow the household, not the grid it left.
  static core::Status OnSubtreeMoved(store::Connection& conn,
                                     const OrgTreeService::SubtreeMove& move);

  const VisitOptions& options() const { return options_; }

 private:
  core::Result<Visit> Load(store::Connection& conn, const Caller& caller, int64_t id);
  core::Result<std::optional<Visit>> Replay(const Caller& caller, const std::string& key,
                                            const std::string& hash);
  core::Result<Campaign> LoadCampaign(store::Connection& conn, int64_t id);

  store::Db& db_;
  const core::Clock& clock_;
  AuditLog& audit_;
  const core::PiiCipher& cipher_;
  TicketService& tickets_;
  VisitOptions options_;
};

}  // namespace civicgrid::domain
