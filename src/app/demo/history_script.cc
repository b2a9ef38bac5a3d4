#include "app/demo/history_script.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numeric>
#include <span>
#include <string_view>

#include <boost/geometry.hpp>

#include "app/demo/history_lifecycle.h"
#include "app/demo/history_mix.h"
#include "app/demo/history_texts.h"
#include "app/demo/rng.h"

namespace civicgrid::app::demo {
namespace {

using domain::Category;
using domain::CategoryHandler;
using domain::TicketChannel;
using domain::TicketKind;
using TT = domain::TicketEventType;

constexpr int64_t kMinute = core::kMsPerMinute;
constexpr int64_t kHour = core::kMsPerHour;
constexpr int64_t kDay = core::kMsPerDay;

// Shares of the arrivals with a special outcome.
constexpr double kRejectShare = 0.002;     // 不予受理
constexpr double kWithdrawShare = 0.0015;  // 撤单
constexpr double kTwinShare = 0.025;       // a second resident reports the same thing
constexpr double kAnonymousShare = 0.12;   // of reports where the category allows it

// The point at (u, v) of a convex quadrilateral by bilinear interpolation.
core::LonLat PointInQuad(const core::Polygon& quad, double u, double v) {
  const auto& ring = quad.outer();
  auto corner = [&](size_t i) { return ring[i % ring.size()]; };
  const double w[4] = {(1 - u) * (1 - v), u * (1 - v), u * v, (1 - u) * v};
  core::LonLat p;
  for (size_t i = 0; i < 4; ++i) {
    p.lon += w[i] * corner(i).x();
    p.lat += w[i] * corner(i).y();
  }
  return p;
}

bool Inside(const core::Polygon& quad, core::LonLat p) {
  return boost::geometry::within(core::GeoPoint(p.lon, p.lat), quad);
}

std::string Replace(std::string_view text, std::string_view key, std::string_view value) {
  std::string out(text);
  for (size_t at = out.find(key); at != std::string::npos; at = out.find(key, at + value.size())) {
    out.replace(at, key.size(), value);
  }
  return out;
}

// Where a demand is: a named place inside a grid.
struct Place {
  std::string name;  // "幸福家园3号楼", "槐树胡同"
  core::LonLat location;
};

struct CommunityTraits {
  double slowness = 1;       // 1 = average; higher: later and less satisfying answers
  int activity = 100;        // relative volume per grid
  std::vector<int> pool;     // residents who report and wish, most active first
  std::vector<int> members;  // in-service members registered here
  std::vector<int> units;    // units paired with the community
};

class Builder {
 public:
  Builder(const DemoPlan& plan, const std::vector<Category>& categories,
          const HistoryScriptOptions& options)
      : plan_(plan), options_(options), rng_(Mix64(options.seed ^ 0x7469636B6574ULL)) {
    for (const Category& c : categories) {
      if (c.active) categories_.emplace(c.code, c);
    }
    Index();
  }

  std::vector<TicketScript> Build() {
    for (int64_t day = LocalDay(options_.start_ms); DayStart(day) < options_.end_ms; ++day) {
      Day(day);
    }
    return Sorted();
  }

 private:
  // --- set-up --------------------------------------------------------------

  void Index() {
    const int communities = static_cast<int>(plan_.communities.size());
    std::vector<double> street_factor;
    for (size_t s = 0; s < plan_.streets.size(); ++s) {
      street_factor.push_back(0.75 + 0.6 * rng_.Unit());
    }
    traits_.resize(communities);
    for (int c = 0; c < communities; ++c) {
      traits_[c].slowness = street_factor[plan_.communities[c].street] * (0.5 + 1.0 * rng_.Unit());
      traits_[c].activity = rng_.Between(75, 130);
    }
    grid_buildings_.resize(plan_.grids.size());
    for (int b = 0; b < static_cast<int>(plan_.buildings.size()); ++b) {
      grid_buildings_[plan_.buildings[b].grid].push_back(b);
    }
    // Demands come in proportion to the people living in the grid.
    std::vector<int> living(plan_.grids.size(), 0);
    for (int r = 0; r < static_cast<int>(plan_.residents.size()); ++r)
      ++living[ResidentGrid(plan_, r)];
    for (int g = 0; g < static_cast<int>(plan_.grids.size()); ++g) {
      community_grids_[plan_.grids[g].community].push_back(g);
      grid_weights_.push_back(traits_[plan_.grids[g].community].activity * std::max(1, living[g]));
    }
    for (int m = 0; m < static_cast<int>(plan_.party_members.size()); ++m) {
      const PlanPartyMember& member = plan_.party_members[m];
      if (member.registered_on && member.unit >= 0) traits_[member.community].members.push_back(m);
    }
    for (const PlanPairing& p : plan_.pairings) {
      if (p.target.kind == NodeKind::kCommunity) traits_[p.target.index].units.push_back(p.unit);
    }
    Pools();
  }

  // Each community's reporters: its demo-account residents first, then a
  // random draw of adults with a phone, three per grid.
  void Pools() {
    std::vector<bool> member(plan_.residents.size(), false);
    for (const PlanPartyMember& m : plan_.party_members) member[m.resident] = true;
    std::vector<std::vector<int>> candidates(plan_.communities.size());
    for (int r = 0; r < static_cast<int>(plan_.residents.size()); ++r) {
      const PlanResident& resident = plan_.residents[r];
      if (!resident.phone || member[r] || AgeOn(resident.birth_date, kReferenceDate) < 18) continue;
      candidates[ResidentCommunity(plan_, r)].push_back(r);
    }
    for (const PlanAccount& a : plan_.accounts) {
      if (a.resident >= 0 && a.party_member < 0) {
        traits_[ResidentCommunity(plan_, a.resident)].pool.push_back(a.resident);
      }
    }
    for (size_t c = 0; c < candidates.size(); ++c) {
      auto& list = candidates[c];
      for (size_t i = list.size(); i > 1; --i) {
        std::swap(list[i - 1], list[rng_.Below(static_cast<int>(i))]);
      }
      auto& pool = traits_[c].pool;
      const size_t wanted = 3 * community_grids_[static_cast<int>(c)].size();
      for (int r : list) {
        if (pool.size() >= wanted) break;
        if (std::find(pool.begin(), pool.end(), r) == pool.end()) pool.push_back(r);
      }
    }
  }

  // --- arrivals ------------------------------------------------------------

  void Day(int64_t day) {
    const core::CivilDate date = core::CivilFromDays(day);
    const int wd = core::IsoWeekday(day) % 7;  // 0 Sunday … 6 Saturday
    const bool weekend = wd == 0 || wd == 6;
    const int m = date.month - 1;
    const double per_day = 1.0 / 365.0;
    Arrivals(day, Stream::kReport,
             options_.reports_per_year * per_day * SeasonOf(Stream::kReport)[m] / 100 *
                 (weekend ? 1.1 : 0.96));
    Arrivals(day, Stream::kPatrol,
             options_.patrols_per_year * per_day * SeasonOf(Stream::kPatrol)[m] / 100 *
                 (weekend ? 0.45 : 1.22));
    Arrivals(day, Stream::kComplaint,
             options_.complaints_per_year * per_day * (weekend ? 0.6 : 1.16));
    Arrivals(day, Stream::kWish,
             options_.wishes_per_year * per_day * SeasonOf(Stream::kWish)[m] / 100);
    Arrivals(day, Stream::kUrgent, options_.urgent_per_year * per_day);
    if (date.day % 10 == 4) {  // 逢四说事: the 4th, 14th and 24th
      for (size_t c = 0; c < plan_.communities.size(); ++c) {
        if (rng_.Chance(options_.follow_up_share)) {
          const int64_t at = DayStart(day) + 9 * kHour + rng_.Below(150) * kMinute;
          Arrive(Stream::kFollowUp, at, community_grids_[static_cast<int>(c)].front());
        }
      }
    }
  }

  void Arrivals(int64_t day, Stream stream, double mean) {
    const int n = Poisson(mean);
    const Hours& hours = HoursOf(stream);
    for (int i = 0; i < n; ++i) {
      const int64_t at = DayStart(day) + rng_.Weighted(hours) * kHour + rng_.Below(60) * kMinute +
                         rng_.Below(60) * core::kMsPerSecond;
      Arrive(stream, at, rng_.Weighted(grid_weights_));
    }
  }

  int Poisson(double mean) {
    const double limit = std::exp(-mean);
    int k = 0;
    for (double p = rng_.Unit(); p > limit; p *= rng_.Unit()) ++k;
    return k;
  }

  // A category of the stream's mix in this month; nullptr when the database
  // has none of them.
  const Category* Draw(Stream stream, int month) {
    std::vector<int> weights;
    std::vector<const Category*> found;
    for (const Weighted& w : MixOf(stream)) {
      auto it = categories_.find(std::string(w.code));
      if (it == categories_.end()) continue;
      found.push_back(&it->second);
      weights.push_back(w.weight * CategorySeason(w.code)[month - 1]);
    }
    if (found.empty()) return nullptr;
    return found[rng_.Weighted(weights)];
  }

  void Arrive(Stream stream, int64_t at, int grid) {
    if (at < options_.start_ms || at >= options_.end_ms) return;
    const int community = plan_.grids[grid].community;
    const Category* category = Draw(stream, core::ShanghaiDate(at).month);
    if (category == nullptr) return;
    TicketScript t;
    t.created_at = at;
    t.category = category->code;
    t.grid = grid;
    const Place place = PlaceIn(grid);
    t.location = place.location;
    Describe(t, *category, place);
    if (!Source(t, stream, *category, community)) return;
    Special special = Special::kNone;
    const bool resident_filed = t.submitter.kind == ActorKind::kResident;
    if ((resident_filed || stream == Stream::kComplaint) && rng_.Chance(kRejectShare)) {
      special = Special::kReject;
    } else if (resident_filed && rng_.Chance(kWithdrawShare)) {
      special = Special::kWithdraw;
    }
    const int index = static_cast<int>(scripts_.size());
    Lifecycle(t, *category, special, -1);
    scripts_.push_back(std::move(t));
    if (stream == Stream::kReport && special == Special::kNone &&
        category->duplicate_radius_m > 0 && rng_.Chance(kTwinShare)) {
      Twin(index, *category);
    }
  }

  // Who files it, through which channel; false when nobody can.
  bool Source(TicketScript& t, Stream stream, const Category& category, int community) {
    switch (stream) {
      case Stream::kReport:
      case Stream::kWish:
      case Stream::kUrgent: {
        const std::optional<int> r = Reporter(community);
        if (!r) return false;
        t.kind = stream == Stream::kWish ? TicketKind::kWish : TicketKind::kReport;
        t.channel = TicketChannel::kH5;
        t.submitter = {ActorKind::kResident, *r};
        t.gcj02 = true;
        t.anonymous = category.allow_anonymous && rng_.Chance(kAnonymousShare);
        return true;
      }
      case Stream::kPatrol:
        t.kind = TicketKind::kPatrol;
        t.channel = TicketChannel::kPatrol;
        t.submitter = {ActorKind::kGridWorker, t.grid};
        return true;
      case Stream::kComplaint: {
        const std::optional<int> r = Reporter(community);
        if (!r) return false;
        t.kind = TicketKind::kComplaint;
        t.channel = TicketChannel::kPhone;
        t.submitter = Manager(community);
        t.caller_resident = *r;
        t.node_only = true;
        return true;
      }
      case Stream::kFollowUp:
        t.kind = TicketKind::kFollowUp;
        t.channel = TicketChannel::kMeeting;
        t.submitter = {ActorKind::kSecretary, community};
        t.community_only = true;
        return true;
    }
    return false;
  }

  // A resident of the community's pool, the most active most often.
  std::optional<int> Reporter(int community) {
    const std::vector<int>& pool = traits_[community].pool;
    if (pool.empty()) return std::nullopt;
    std::vector<int> weights;
    for (size_t i = 0; i < pool.size(); ++i) weights.push_back(static_cast<int>(1200 / (i + 2)));
    return pool[rng_.Weighted(weights)];
  }

  // A building of the grid (most often), a back street of its community, or
  // anywhere in the grid.
  Place PlaceIn(int grid) {
    const PlanGrid& g = plan_.grids[grid];
    const auto& buildings = grid_buildings_[grid];
    if (!buildings.empty() && rng_.Chance(0.7)) {
      const PlanBuilding& b =
          plan_.buildings[buildings[rng_.Below(static_cast<int>(buildings.size()))]];
      std::string name = b.compound >= 0 ? plan_.compounds[b.compound].name + b.name
                                         : plan_.communities[g.community].name + b.name;
      core::LonLat p{b.location.lon + (rng_.Unit() - 0.5) * 3e-4,
                     b.location.lat + (rng_.Unit() - 0.5) * 3e-4};
      if (!Inside(g.boundary, p)) p = b.location;
      return {std::move(name), p};
    }
    core::LonLat p = PointInQuad(g.boundary, 0.1 + 0.8 * rng_.Unit(), 0.1 + 0.8 * rng_.Unit());
    std::vector<const PlanBackStreet*> lanes;
    for (const PlanBackStreet& s : plan_.back_streets) {
      if (s.community == g.community) lanes.push_back(&s);
    }
    if (!lanes.empty() && rng_.Chance(0.5)) {
      return {lanes[rng_.Below(static_cast<int>(lanes.size()))]->name, p};
    }
    return {plan_.communities[g.community].name + g.name, p};
  }

  void Describe(TicketScript& t, const Category& category, const Place& place) {
    const auto texts = DescriptionsFor(category.code);
    t.description =
        Replace(texts[rng_.Below(static_cast<int>(texts.size()))], "{place}", place.name);
    t.title = place.name + " " + category.name;
    const PlanGrid& g = plan_.grids[t.grid];
    const PlanCommunity& c = plan_.communities[g.community];
    const bool named = place.name.rfind(c.name, 0) == 0;  // "东方街北社区3号楼"
    t.address =
        plan_.county.name + plan_.streets[c.street].name + (named ? "" : c.name) + place.name;
  }

  // Another resident reports the same thing a little later, a few metres away;
  // the community closes it as a duplicate of the first.
  void Twin(int original, const Category& category) {
    const TicketScript& first = scripts_[original];
    TicketScript t = first;
    t.steps.clear();
    t.created_at = first.created_at + 10 * kMinute + rng_.Below(8 * 60) * kMinute;
    if (t.created_at >= options_.end_ms) return;
    const std::optional<int> r = Reporter(plan_.grids[first.grid].community);
    if (!r) return;
    t.submitter = {ActorKind::kResident, *r};
    const double metres = 0.35 * static_cast<double>(category.duplicate_radius_m) * rng_.Unit();
    const core::LonLat moved{first.location.lon + metres / 85'000.0, first.location.lat};
    if (Inside(plan_.grids[first.grid].boundary, moved)) t.location = moved;
    Lifecycle(t, category, Special::kDuplicate, original);
    scripts_.push_back(std::move(t));
  }

  void Lifecycle(TicketScript& t, const Category& category, Special special, int original) {
    const int community = plan_.grids[t.grid].community;
    const CommunityTraits& traits = traits_[community];
    Whereabouts where;
    where.community = community;
    where.street = plan_.communities[community].street;
    where.slowness = traits.slowness;
    where.members = &traits.members;
    where.units = &traits.units;
    where.departments = &Departments(category.code);
    lifecycle_.Write(t, category, where, special, original);
  }

  ActorRef Manager(int community) { return lifecycle_.Manager(community); }

  // The departments a street calls for the category (plan unit indices).
  const std::vector<int>& Departments(const std::string& code) {
    auto [it, inserted] = departments_.try_emplace(code);
    if (!inserted) return it->second;
    const std::array<std::string_view, 2> names = DepartmentsFor(code);
    for (std::string_view name : names) {
      for (int u = 0; u < static_cast<int>(plan_.units.size()); ++u) {
        if (!name.empty() && plan_.units[u].name == name) it->second.push_back(u);
      }
    }
    if (it->second.empty()) {
      for (int u = 0; u < static_cast<int>(plan_.units.size()); ++u) {
        if (plan_.units[u].kind == UnitKind::kGovernment) {
          it->second.push_back(u);
          break;
        }
      }
    }
    return it->second;
  }

  std::vector<TicketScript> Sorted() {
    std::vector<int> order(scripts_.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return scripts_[a].created_at < scripts_[b].created_at; });
    std::vector<int> position(scripts_.size());
    for (size_t i = 0; i < order.size(); ++i) position[order[i]] = static_cast<int>(i);
    std::vector<TicketScript> out;
    out.reserve(scripts_.size());
    for (int i : order) {
      out.push_back(std::move(scripts_[i]));
      for (ScriptStep& s : out.back().steps) {
        if (s.duplicate_of >= 0) s.duplicate_of = position[s.duplicate_of];
      }
    }
    return out;
  }

  const DemoPlan& plan_;
  HistoryScriptOptions options_;
  Rng rng_;
  std::map<std::string, Category> categories_;
  std::vector<CommunityTraits> traits_;
  std::vector<std::vector<int>> grid_buildings_;
  std::map<int, std::vector<int>> community_grids_;
  std::vector<int> grid_weights_;
  std::vector<TicketScript> scripts_;
  std::map<std::string, std::vector<int>> departments_;
  LifecycleWriter lifecycle_{plan_, rng_, options_};  // after rng_ and options_
};

}  // namespace

std::vector<TicketScript> MakeHistoryScript(const DemoPlan& plan,
                                            const std::vector<domain::Category>& categories,
                                            const HistoryScriptOptions& options) {
  if (options.end_ms <= options.start_ms || plan.grids.empty()) return {};
  return Builder(plan, categories, options).Build();
}

}  // namespace civicgrid::app::demo
