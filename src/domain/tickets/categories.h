// Ticket categories: what a demand is about, who handles it by default, how
// fast (SLA), and what the public may see. The default taxonomy follows
// GB/T 30428.2 (city-management 事件 and 部件) plus the community service
// groups of 文安 (急难事, 生活事, 盼望事); the county admin edits it.
// Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/time.h"
#include "domain/access/audit_log.h"
#include "domain/access/caller.h"
#include "domain/registry/common.h"
#include "domain/tickets/expiring_cache.h"
#include "store/pool.h"

namespace civicgrid::domain {

enum class CategoryGroup {
  kEvent,       // 事件 (GB/T 30428.2)
  kComponent,   // 部件 (GB/T 30428.2)
  kUrgent,      // 急难事
  kDaily,       // 生活事
  kAspiration,  // 盼望事
};
std::string_view CategoryGroupName(CategoryGroup g);
std::string_view CategoryGroupLabel(CategoryGroup g);  // 事件, 部件, 急难事 …
core::Result<CategoryGroup> ParseCategoryGroup(std::string_view name, std::string_view field);

// The default handler: the grid worker of the ticket's grid, the community,
// the street, or a named department (handler_unit_id).
enum class CategoryHandler { kGrid, kCommunity, kStreet, kDepartment };
std::string_view CategoryHandlerName(CategoryHandler h);
core::Result<CategoryHandler> ParseCategoryHandler(std::string_view name, std::string_view field);

// 小事业主治、大事物业办、难事社区议: where a new ticket of the category goes
// first — the compound's owners' committee, its property company, or the
// community (no automatic dispatch). Unset: no first routing.
enum class FirstRoute { kProperty, kCommittee, kCommunity };
std::string_view FirstRouteName(FirstRoute r);
std::string_view FirstRouteLabel(FirstRoute r);  // 物业办, 业主治, 社区议
core::Result<FirstRoute> ParseFirstRoute(std::string_view name, std::string_view field);

// SLA defaults modelled on 12345: emergencies 2 h, utilities 24 h, ordinary
// 7 days, complex 15 days.
inline constexpr int64_t kSlaEmergencyMinutes = 2 * 60;
inline constexpr int64_t kSlaUtilityMinutes = 24 * 60;
inline constexpr int64_t kSlaOrdinaryMinutes = 7 * 24 * 60;
inline constexpr int64_t kSlaComplexMinutes = 15 * 24 * 60;

struct Category {
  int64_t id = 0;
  std::string code;  // "E01.02", "S-URG-01"
  std::string name;
  std::string name_en;
  CategoryGroup group = CategoryGroup::kEvent;
  std::string description;
  CategoryHandler handler = CategoryHandler::kCommunity;
  std::optional<int64_t> handler_unit_id;
  std::string skill;  // matched against party members' skills on the order board
  int64_t accept_minutes = 0;
  int64_t respond_minutes = 0;
  int64_t resolve_minutes = 0;
  bool allow_anonymous = false;
  bool public_board = false;
  int64_t duplicate_radius_m = 50;
  bool active = true;
  std::optional<FirstRoute> first_route;
};

// A deadline `minutes` after `from_ms`. SLAs of two or more whole days run to
// the end of the last day in Asia/Shanghai (a 7-day ticket filed Monday 10:00
// is due the next Monday 24:00 Beijing time); 24 hours and anything shorter or
// not a whole number of days are exact.
int64_t SlaDeadline(int64_t from_ms, int64_t minutes);

// The shipped taxonomy (codes, names, SLAs, handlers).
const std::vector<Category>& DefaultCategories();

// Get answers from an ExpiringCache (every submission reads its category);
// this service's own writes forget it.
class CategoryService {
 public:
  CategoryService(store::Db& db, const core::Clock& clock, AuditLog& audit,
                  ExpiringCacheOptions cache = {})
      : db_(db), clock_(clock), audit_(audit), cache_(cache) {}

  // Active categories (all of them with include_inactive); anyone may read.
  core::Result<std::vector<Category>> List(bool include_inactive = false);
  core::Result<Category> Get(int64_t id);
  core::Result<Category> GetByCode(std::string_view code);
  // County admin only (kOrgWrite at county scope or above).
  core::Result<Category> Create(const Caller& caller, const Category& category);
  core::Result<Category> Update(const Caller& caller, int64_t id, const Category& category);

  // Inserts DefaultCategories() when the table is empty (migrate, demo, tests).
  core::Status SeedDefaults();

  core::Result<Category> Load(store::Connection& conn, int64_t id);
  // Forbidden unless `caller` may edit the taxonomy (the county admin).
  core::Status RequireEditor(const Caller& caller) const;
  // The category with its name cleaned, or Invalid naming the field.
  core::Result<Category> Validate(const Category& c) const;

 private:
  // The code is free (another category than c.id holds it: Conflict) and the
  // handler unit exists.
  core::Status CheckReferences(store::Connection& conn, const Category& c);

  store::Db& db_;
  const core::Clock& clock_;
  AuditLog& audit_;
  ExpiringCache<int64_t, Category> cache_;  // by id
};

}  // namespace civicgrid::domain
