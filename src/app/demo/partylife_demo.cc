#include "app/demo/partylife_demo.h"

#include <map>
#include <string>
#include <vector>

namespace civicgrid::app::demo {
namespace {

uint64_t Mix(uint64_t x) {  // splitmix64
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}
// A number in [0, n) from the inputs.
int64_t Pick(uint64_t seed, uint64_t a, uint64_t b, uint64_t c, int64_t n) {
  return static_cast<int64_t>(Mix(seed ^ Mix(a ^ Mix(b ^ Mix(c)))) % static_cast<uint64_t>(n));
}

constexpr const char* kReasons[] = {"外出务工", "生病住院", "出差", "家中有事", "照顾老人"};
constexpr const char* kThemes[] = {"学习贯彻党的二十届四中全会精神",
                                   "清洁家园志愿服务",
                                   "重温入党誓词",
                                   "走访慰问困难群众",
                                   "垃圾分类宣传",
                                   "消防安全进楼栋"};

// Rows of one INSERT, flushed every few hundred rows (one statement each).
class Batch {
 public:
  // `first`: a batch whose rows these rows refer to, flushed before them.
  Batch(store::Connection& conn, std::string head, size_t width, Batch* first = nullptr)
      : conn_(conn), head_(std::move(head)), width_(width), first_(first) {}
  core::Status Add(store::Params row) {
    for (auto& v : row) params_.push_back(std::move(v));
    if (params_.size() >= 400 * width_) return Flush();
    return core::Ok();
  }
  core::Status Flush() {
    if (params_.empty()) return core::Ok();
    if (first_ != nullptr) CG_TRY(first_->Flush());
    std::string sql = head_;
    for (size_t i = 0; i < params_.size(); i += width_) {
      sql += i ? ", (" : " (";
      for (size_t k = 0; k < width_; ++k) sql += (k ? ", $" : "$") + std::to_string(i + k + 1);
      sql += ")";
    }
    CG_TRY(conn_.Execute(sql, params_));
    params_.clear();
    return core::Ok();
  }

 private:
  store::Connection& conn_;
  std::string head_;
  size_t width_;
  Batch* first_;
  store::Params params_;
};

struct Org {
  int64_t id = 0;
  std::string kind;
  std::string path;
  std::vector<int64_t> members;
};

}  // namespace

core::Result<PartyLifeDemoReport> LoadPartyLifeDemo(App& app, uint64_t seed, int64_t end_ms) {
  PartyLifeDemoReport report;
  const int64_t end_month = domain::MonthOf(core::ShanghaiDate(end_ms));
  CG_ASSIGN_OR_RETURN(auto conn, app.db().Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  std::vector<Org> orgs;
  std::map<int64_t, size_t> index;
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query("SELECT o.id, o.kind, n.path FROM party_org o JOIN org_node n "
                                  "ON n.id = o.node_id ORDER BY o.id"));
  for (const auto& r : rows) {
    index[r.Int(0)] = orgs.size();
    orgs.push_back({r.Int(0), r.Text(1), r.Text(2), {}});
  }
  CG_ASSIGN_OR_RETURN(rows, conn->Query("SELECT id, party_org_id FROM party_member ORDER BY id"));
  for (const auto& r : rows) {
    if (auto it = index.find(r.Int(1)); it != index.end())
      orgs[it->second].members.push_back(r.Int(0));
  }
  // The demo's volunteer history is thin: the service rule is off county-wide.
  CG_TRY(conn->Execute(
      "INSERT INTO party_warning_rules (node_id, absence_yellow, absence_orange, absence_red, "
      "dues_yellow, dues_orange, dues_red, service_months, service_min_minutes, service_level, "
      "updated_at) SELECT id, 3, 4, 6, 3, 4, 6, 3, 0, 'yellow', $1 FROM org_node WHERE parent_id "
      "IS NULL",
      {end_ms}));
  int64_t next_id = 0;
  {
    CG_ASSIGN_OR_RETURN(next_id, conn->QueryInt("SELECT COALESCE(MAX(id), 0) FROM party_meeting"));
  }
  Batch meetings(*conn,
                 "INSERT INTO party_meeting (id, party_org_id, path, kind, held_on, month, title, "
                 "minutes, recorded_by, created_at) VALUES",
                 10);
  Batch attendance(*conn,
                   "INSERT INTO party_meeting_member (meeting_id, member_id, present, reason, "
                   "month) VALUES",
                   5, &meetings);
  Batch dues(*conn,
             "INSERT INTO party_dues (member_id, month, amount_cents, recorded_by, created_at) "
             "VALUES",
             5);
  for (size_t o = 0; o < orgs.size(); ++o) {
    const Org& org = orgs[o];
    const bool group = org.kind == "grid_group" || org.kind == "building_group";
    const bool branch =
        org.kind == "branch" || org.kind == "grid_branch" || org.kind == "functional_branch";
    if (!group && !branch) continue;
    const bool behind = o % 6 == 5;
    for (int64_t month = end_month - 12; month < end_month; ++month) {
      std::vector<domain::MeetingKind> kinds;
      if (group) kinds.push_back(domain::MeetingKind::kGroup);
      if (branch) {
        kinds = {domain::MeetingKind::kThemeDay, domain::MeetingKind::kCommittee};
        if (month % 3 == 2) {
          kinds.push_back(domain::MeetingKind::kMembersAssembly);
          kinds.push_back(domain::MeetingKind::kLecture);
        }
        if (month % 12 == 0) {
          kinds.push_back(domain::MeetingKind::kLifeMeeting);
          kinds.push_back(domain::MeetingKind::kAppraisal);
        }
      }
      for (domain::MeetingKind kind : kinds) {
        const auto k = static_cast<uint64_t>(kind);
        if (behind && Pick(seed, org.id, month, k, 2) == 0) continue;
        const int day = 5 + static_cast<int>(Pick(seed, org.id, month, k + 10, 20));
        const core::CivilDate held{static_cast<int>(month / 12), static_cast<int>(month % 12) + 1,
                                   day};
        const int64_t id = ++next_id;
        const std::string title = kind == domain::MeetingKind::kThemeDay
                                      ? std::string(kThemes[Pick(seed, org.id, month, 7, 6)])
                                      : std::string(domain::MeetingKindName(kind));
        CG_TRY(meetings.Add({id, org.id, org.path, std::string(domain::MeetingKindName(kind)),
                             core::FormatDate(held), month, title, "会议按议程进行，形成决议。",
                             int64_t{0}, end_ms}));
        ++report.meetings;
        // Committee meetings list the committee only (not tracked here).
        if (kind == domain::MeetingKind::kCommittee) continue;
        for (int64_t member : org.members) {
          const auto m = static_cast<uint64_t>(member);
          const int64_t gone = member % 17 == 0 ? 7 : member % 11 == 0 ? 4 : 0;  // stopped coming
          const bool away =
              (gone > 0 && month >= end_month - gone) || Pick(seed, m, month, k + 20, 100) < 12;
          const std::string reason = away && Pick(seed, m, month, k + 30, 3) > 0
                                         ? kReasons[Pick(seed, m, month, k + 40, 5)]
                                         : std::string("未请假");
          CG_TRY(attendance.Add({id, member, away ? 0 : 1, away ? reason : "", month}));
          ++report.attendance;
        }
      }
    }
    for (int64_t member : org.members) {
      const int64_t stopped = member % 13 == 0 ? 4 : 0;  // stopped paying dues
      for (int64_t month = end_month - 12; month < end_month - stopped; ++month) {
        CG_TRY(dues.Add({member, month, int64_t{200}, int64_t{0}, end_ms}));
      }
    }
  }
  CG_TRY(meetings.Flush());
  CG_TRY(attendance.Flush());
  CG_TRY(dues.Flush());
  if (conn->backend() == store::Backend::kPostgres && next_id > 0) {
    // The ids were given: move the identity past them.
    CG_ASSIGN_OR_RETURN(store::Rows moved,
                        conn->Query("SELECT setval(pg_get_serial_sequence('party_meeting', "
                                    "'id'), $1)",
                                    {next_id}));
    (void)moved;
  }
  CG_TRY(tx.Commit());
  CG_ASSIGN_OR_RETURN(domain::EvaluationReport evaluated, app.partylife().Sweep(end_ms));
  report.warnings = evaluated.yellow + evaluated.orange + evaluated.red;
  return report;
}

}  // namespace civicgrid::app::demo
