#include "app/demo/history_lifecycle.h"

#include <algorithm>
#include <optional>
#include <string>

#include "app/demo/history_texts.h"

namespace civicgrid::app::demo {
namespace {

using domain::Category;
using domain::CategoryGroup;
using domain::CategoryHandler;
using domain::TicketKind;
using TT = domain::TicketEventType;

constexpr int64_t kMinute = core::kMsPerMinute;
constexpr int64_t kHour = core::kMsPerHour;
constexpr int64_t kDay = core::kMsPerDay;

// Late shares of an average community (scaled by slowness²).
constexpr double kLateAccept = 0.02;
constexpr double kLateRespond = 0.02;
constexpr double kLateResolve = 0.015;
constexpr double kLateReport = 0.08;  // a department's 报到 after the whistle
constexpr double kMaxLate = 0.35;
// Unsatisfied first ratings of an average community (scaled by slowness²),
// three times as many after a late resolution.
constexpr double kUnsatisfied = 0.012;

constexpr double kStallShare = 0.0015;         // never resolved (×3 for complex categories)
constexpr double kRateShare = 0.8;             // residents who rate
constexpr double kCallbackShare = 0.3;         // staff call back (phone complaints: all)
constexpr double kManagerWorkerShare = 0.35;   // a community worker acts, not the secretary
constexpr double kStreetShareOfGrid = 0.05;    // grid-level issues the street takes over
constexpr double kEscalateShare = 0.5;         // street issues whistled (else dispatched)
constexpr double kDirectToMemberShare = 0.25;  // 社区派单 straight to a member
constexpr double kReturnShare = 0.015;         // a handler sends the ticket back
constexpr double kReopenOnUnsolved = 0.5;      // an unsolved callback reopens the ticket

ActorRef DrawManager(Rng& rng, int community) {
  return rng.Chance(kManagerWorkerShare) ? ActorRef{ActorKind::kCommunityWorker, community}
                                         : ActorRef{ActorKind::kSecretary, community};
}

int HourOf(int64_t ms) {
  return static_cast<int>(((ms + core::kShanghaiOffsetMs) % kDay + kDay) % kDay / kHour);
}

// Writes one ticket's steps.
class TicketWriter {
 public:
  TicketWriter(const DemoPlan& plan, Rng& rng, const HistoryScriptOptions& options, TicketScript& t,
               const Category& c, const Whereabouts& w)
      : plan_(plan), rng_(rng), options_(options), t_(t), c_(c), w_(w), last_(t.created_at) {
    accept_due_ = domain::SlaDeadline(t.created_at, c.accept_minutes);
    respond_due_ = domain::SlaDeadline(t.created_at, c.respond_minutes);
    deadline_ = domain::SlaDeadline(t.created_at, c.resolve_minutes);
    relaxed_ = c.resolve_minutes >= domain::kSlaOrdinaryMinutes;
    urgent_ = c.resolve_minutes <= 4 * 60;
  }

  void Write(Special special, int original) {
    const ActorRef manager = DrawManager(rng_, w_.community);
    const int64_t accept_at = Within(c_.accept_minutes, kLateAccept);
    switch (special) {
      case Special::kReject:
        Add(accept_at, TT::kReject, manager, Note(NoteKind::kReject));
        return;
      case Special::kDuplicate:
        Add(After(5, 90), TT::kClose, manager, Note(NoteKind::kDuplicate)).duplicate_of = original;
        return;
      case Special::kWithdraw:
        if (rng_.Chance(0.5)) Add(accept_at, TT::kAccept, manager, Note(NoteKind::kAccept));
        Add(After(60, 2 * 24 * 60), TT::kClose, manager, Note(NoteKind::kWithdraw));
        return;
      case Special::kNone:
        break;
    }
    Add(accept_at, TT::kAccept, manager, Note(NoteKind::kAccept));
    if (Handle()) Finish();
  }

 private:
  // --- time ----------------------------------------------------------------

  double Late(double base) const { return std::min(kMaxLate, base * w_.slowness * w_.slowness); }
  // A share of an SLA budget: mostly early, sometimes past it.
  double Fraction(double late_share) {
    if (rng_.Chance(late_share)) return 1.03 + 1.2 * rng_.Unit();
    const double u = rng_.Unit();
    return 0.05 + 0.75 * u * u;
  }
  int64_t Scaled(int64_t span, double fraction) const {
    return static_cast<int64_t>(static_cast<double>(span) * fraction);
  }
  // An instant within (or past) the SLA of `minutes` from submission.
  int64_t Within(int64_t minutes, double late_base) {
    const int64_t budget = domain::SlaDeadline(t_.created_at, minutes) - t_.created_at;
    return t_.created_at + Scaled(budget, Fraction(Late(late_base)));
  }
  int64_t ResolveTime() {
    return t_.created_at + Scaled(deadline_ - t_.created_at, Fraction(Late(kLateResolve)));
  }
  // A random gap of [lo, hi] minutes after the last step.
  int64_t After(int lo, int hi) { return last_ + rng_.Between(lo, hi) * kMinute; }
  // The same while handling, but minutes at most for an emergency.
  int64_t Soon(int lo, int hi) { return urgent_ ? After(1, 5) : After(lo, hi); }

  // Outside working hours, unhurried work waits for the morning.
  int64_t Daytime(int64_t at, bool staff) {
    const int hour = HourOf(at);
    const int open = staff ? 8 : 7;
    const int close = staff ? 21 : 23;
    if (hour >= open && hour < close) return at;
    const int64_t day = LocalDay(at) + (hour >= close ? 1 : 0);
    return DayStart(day) + open * kHour + rng_.Below(staff ? 90 : 180) * kMinute;
  }

  ScriptStep& Add(int64_t at, TT type, ActorRef actor, std::string note = {}) {
    at = std::max(at, last_ + rng_.Between(1, 3) * kMinute);
    const bool resident = actor.kind == ActorKind::kResident;
    if (resident || type == TT::kClose || type == TT::kCallback || type == TT::kReopen) {
      at = Daytime(at, !resident);
    } else if (relaxed_) {
      // Office hours, unless waiting for them would miss a deadline still ahead.
      const int64_t due = DueOf(type);
      const int64_t morning = Daytime(at, true);
      if (morning <= due || at > due) at = morning;
    }
    last_ = at;
    ScriptStep step;
    step.at = at;
    step.type = type;
    step.actor = actor;
    step.note = std::move(note);
    t_.steps.push_back(std::move(step));
    return t_.steps.back();
  }

  // The deadline a handling step counts against.
  int64_t DueOf(TT type) const {
    switch (type) {
      case TT::kAccept:
      case TT::kReject:
        return accept_due_;
      case TT::kResolve:
        return deadline_;
      default:
        return respond_due_;
    }
  }

  std::string Note(NoteKind kind) {
    const auto notes = NotesFor(kind);
    return std::string(notes[rng_.Below(static_cast<int>(notes.size()))]);
  }

  // --- handling --------------------------------------------------------------

  ActorRef Manager() { return DrawManager(rng_, w_.community); }
  ActorRef GridWorker() const { return {ActorKind::kGridWorker, t_.grid}; }

  // Who handles it when nobody special does.
  ActorRef DefaultHandler() {
    if (t_.community_only) return Manager();
    if (c_.handler != CategoryHandler::kCommunity) return GridWorker();
    if (c_.group == CategoryGroup::kUrgent || c_.code == "S-DLY-07") return GridWorker();
    return Manager();
  }

  bool Stalls() {
    const double complex = c_.resolve_minutes >= domain::kSlaComplexMinutes ? 3 : 1;
    return rng_.Chance(kStallShare * complex * w_.slowness);
  }

  // Dispatch … resolve; false when the ticket stalls before resolving.
  bool Handle() {
    const bool by_street = c_.handler == CategoryHandler::kStreet ||
                           c_.handler == CategoryHandler::kDepartment ||
                           (c_.handler == CategoryHandler::kGrid && !t_.community_only &&
                            rng_.Chance(kStreetShareOfGrid));
    if (by_street && !w_.departments->empty()) return StreetRoute();
    if (c_.public_board && t_.kind == TicketKind::kWish) {
      if (std::optional<bool> done = BoardRoute()) return *done;
    }
    return DirectRoute(DefaultHandler());
  }

  bool DirectRoute(ActorRef handler) {
    const ActorRef manager = Manager();
    Add(Soon(1, 30), TT::kDispatch, manager, Note(NoteKind::kDispatch)).target = handler;
    if (rng_.Chance(kReturnShare)) {
      Add(After(30, 240), TT::kReturn, handler, Note(NoteKind::kReturn));
      handler = Manager();
      Add(After(10, 120), TT::kDispatch, manager, Note(NoteKind::kDispatch)).target = handler;
    }
    return Work(handler, Within(c_.respond_minutes, kLateRespond));
  }

  // Start at `start_at` (or just after the last step), then resolve.
  bool Work(ActorRef handler, int64_t start_at) {
    Add(std::max(start_at, Soon(2, 30)), TT::kStart, handler, Note(NoteKind::kStart));
    if (Stalls()) return false;
    Resolve(handler, std::max(ResolveTime(), Soon(10, 90)));
    return true;
  }

  void Resolve(ActorRef handler, int64_t at) {
    Add(at, TT::kResolve, handler, std::string(ResolveNoteFor(c_.code)));
    late_ = late_ || last_ > deadline_;
  }

  // 群众点单、社区派单、党员接单. Empty when nobody is registered to claim.
  std::optional<bool> BoardRoute() {
    const std::vector<int>& members = *w_.members;
    const std::vector<int>& units = *w_.units;
    if (members.empty() && units.empty()) return std::nullopt;
    const ActorRef manager = Manager();
    if (!members.empty() && rng_.Chance(kDirectToMemberShare)) {
      const ActorRef member{ActorKind::kMember, PickMember()};
      Add(After(5, 120), TT::kDispatch, manager, Note(NoteKind::kDispatch)).target = member;
      return Work(member, Within(c_.respond_minutes, kLateRespond));
    }
    Add(After(5, 120), TT::kDispatch, manager, Note(NoteKind::kPublish)).board = true;
    const ActorRef claimer = PickClaimer();
    Add(std::max(Within(c_.respond_minutes, kLateRespond), After(5, 60)), TT::kClaim, claimer,
        "我来认领");
    return Work(claimer, After(30, 24 * 60));
  }

  // A member registered with the community; those with the category's skill
  // five times as often.
  int PickMember() {
    const std::vector<int>& members = *w_.members;
    std::vector<int> weights;
    for (int m : members) {
      const auto& skills = plan_.party_members[m].skills;
      const bool skilled = std::find(skills.begin(), skills.end(), c_.skill) != skills.end();
      weights.push_back(skilled ? 5 : 1);
    }
    return members[rng_.Weighted(weights)];
  }

  ActorRef PickClaimer() {
    const std::vector<int>& units = *w_.units;
    const int member_weight = static_cast<int>(w_.members->size()) * 3;
    const int unit_weight = static_cast<int>(units.size());
    const int weights[2] = {member_weight, unit_weight};
    if (rng_.Weighted(weights) == 0) return {ActorKind::kMember, PickMember()};
    return {ActorKind::kUnit, units[rng_.Below(static_cast<int>(units.size()))]};
  }

  // 街道吹哨、部门报到, or the street dispatches to the department.
  bool StreetRoute() {
    const ActorRef street{ActorKind::kStreet, w_.street};
    const std::vector<int>& departments = *w_.departments;
    if (!rng_.Chance(kEscalateShare)) {
      const ActorRef department{ActorKind::kUnit, departments.front()};
      Add(Soon(10, 180), TT::kDispatch, street, Note(NoteKind::kDispatch)).target = department;
      return Work(department, Within(c_.respond_minutes, kLateRespond));
    }
    const size_t called = departments.size() > 1 && rng_.Chance(0.35) ? 2 : 1;
    ScriptStep& whistle = Add(Soon(10, 180), TT::kEscalate, street, Note(NoteKind::kEscalate));
    whistle.units.assign(departments.begin(), departments.begin() + static_cast<long>(called));
    const int64_t called_at = whistle.at;
    deadline_ = std::min(deadline_, called_at + options_.escalation_resolve_minutes * kMinute);
    for (size_t i = 0; i < called; ++i) {
      const int64_t report = called_at + Scaled(30 * kMinute, Fraction(Late(kLateReport)));
      const ActorRef department{ActorKind::kUnit, departments[i]};
      Add(report, TT::kRespond, department, Note(NoteKind::kRespond)).unit = departments[i];
    }
    if (Stalls()) return false;
    Resolve(street, std::max(ResolveTime(), Soon(60, 24 * 60)));
    return true;
  }

  // After a reopen: dispatched again, started, resolved.
  void Redo(ActorRef manager) {
    const ActorRef handler = DefaultHandler();
    Add(After(60, 480), TT::kDispatch, manager, Note(NoteKind::kDispatch)).target = handler;
    Add(After(60, 720), TT::kStart, handler, Note(NoteKind::kStart));
    Resolve(handler, After(240, 3 * 24 * 60));
  }

  // --- after resolving -------------------------------------------------------

  void Finish() {
    const ActorRef manager = Manager();
    if (t_.kind == TicketKind::kPatrol || t_.kind == TicketKind::kFollowUp) {
      Add(After(120, 2 * 24 * 60), TT::kClose, manager, Note(NoteKind::kCloseAfterCheck));
      return;
    }
    if (t_.submitter.kind != ActorKind::kResident) {  // taken by phone: called back
      if (!Callback(manager, After(4 * 60, 3 * 24 * 60), false, false)) {
        Add(After(5, 60), TT::kClose, manager, Note(NoteKind::kCloseAfterCheck));
      }
      return;
    }
    const int64_t resolved_at = last_;
    bool reopened = false;
    bool unhappy = false;
    if (rng_.Chance(kRateShare)) {
      const int64_t rating = Rate(After(20, 72 * 60), Rating());
      if (rating < domain::kSatisfiedRating) {  // reopened to the dispatcher
        reopened = true;
        Redo(manager);
        unhappy = Rate(After(120, 2 * 24 * 60), rng_.Chance(0.85) ? rng_.Between(3, 4) : 2) <
                  domain::kSatisfiedRating;
      }
      if (rng_.Chance(unhappy ? 0.8 : kCallbackShare)) {
        Callback(manager, After(24 * 60, 5 * 24 * 60), unhappy, reopened);
      }
      return;
    }
    if (rng_.Chance(kCallbackShare) &&
        Callback(manager, After(24 * 60, 5 * 24 * 60), false, false)) {
      return;
    }
    const int64_t timeout = resolved_at + 7 * kDay + rng_.Below(20 * 60) * kMinute;
    Add(std::max(timeout, After(1, 60)), TT::kClose, manager, Note(NoteKind::kRatingTimeout));
  }

  int64_t Rating() {
    double unsatisfied = Late(kUnsatisfied) * (late_ ? 3 : 1);
    if (rng_.Chance(unsatisfied)) return rng_.Chance(0.6) ? 2 : 1;
    const int weights[3] = {10, 28, 62};  // 3, 4, 5
    return 3 + rng_.Weighted(weights);
  }

  int64_t Rate(int64_t at, int64_t rating) {
    const bool satisfied = rating >= domain::kSatisfiedRating;
    Add(at, TT::kRate, t_.submitter, Note(satisfied ? NoteKind::kPraise : NoteKind::kComplaint))
        .rating = rating;
    return rating;
  }

  // 回访. Returns true when it reopened the ticket and saw it through again
  // (closed and called back once more), so nothing is left to do.
  bool Callback(ActorRef manager, int64_t at, bool unhappy, bool reopened) {
    const std::string outcome = Outcome(unhappy);
    const NoteKind note = outcome == "solved"     ? NoteKind::kCallbackSolved
                          : outcome == "unsolved" ? NoteKind::kCallbackUnsolved
                                                  : NoteKind::kCallbackUnreachable;
    Add(at, TT::kCallback, manager, Note(note)).outcome = outcome;
    if (outcome != "unsolved" || reopened || !rng_.Chance(kReopenOnUnsolved)) return false;
    Add(After(10, 120), TT::kReopen, manager, Note(NoteKind::kReopen));
    Redo(manager);
    Add(After(60, 24 * 60), TT::kClose, manager, Note(NoteKind::kCloseAfterCheck));
    Add(After(60, 24 * 60), TT::kCallback, manager, Note(NoteKind::kCallbackSolved)).outcome =
        "solved";
    return true;
  }

  std::string Outcome(bool unhappy) {
    const double unsolved = unhappy ? 0.55 : std::min(0.2, 0.02 * w_.slowness * w_.slowness);
    const double unreachable = unhappy ? 0.05 : 0.015;
    const double u = rng_.Unit();
    if (u < unsolved) return "unsolved";
    if (u < unsolved + unreachable) return "unreachable";
    return "solved";
  }

  const DemoPlan& plan_;
  Rng& rng_;
  const HistoryScriptOptions& options_;
  TicketScript& t_;
  const Category& c_;
  const Whereabouts& w_;
  int64_t last_;
  int64_t accept_due_ = 0;
  int64_t respond_due_ = 0;
  int64_t deadline_ = 0;  // resolve by; a whistle may bring it forward
  bool relaxed_ = false;  // a week or more to resolve: work keeps office hours
  bool urgent_ = false;   // hours at most: every hand moves within minutes
  bool late_ = false;     // resolved past the deadline
};

}  // namespace

int64_t LocalDay(int64_t ms) { return core::DaysFromCivil(core::ShanghaiDate(ms)); }

int64_t DayStart(int64_t local_day) { return local_day * kDay - core::kShanghaiOffsetMs; }

ActorRef LifecycleWriter::Manager(int community) { return DrawManager(rng_, community); }

void LifecycleWriter::Write(TicketScript& t, const domain::Category& category,
                            const Whereabouts& where, Special special, int original) {
  TicketWriter(plan_, rng_, options_, t, category, where).Write(special, original);
}

}  // namespace civicgrid::app::demo
