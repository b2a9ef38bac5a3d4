#include "domain/tickets/categories.h"

#include "domain/tickets/enum_names.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <utility>

namespace civicgrid::domain {
namespace {

using core::Error;

constexpr NameTable<CategoryGroup, 5> kGroups{{
    {CategoryGroup::kEvent, "event"},
    {CategoryGroup::kComponent, "component"},
    {CategoryGroup::kUrgent, "urgent"},
    {CategoryGroup::kDaily, "daily"},
    {CategoryGroup::kAspiration, "aspiration"},
}};
constexpr NameTable<CategoryGroup, 5> kGroupLabels{{
    {CategoryGroup::kEvent, "事件"},
    {CategoryGroup::kComponent, "部件"},
    {CategoryGroup::kUrgent, "急难事"},
    {CategoryGroup::kDaily, "生活事"},
    {CategoryGroup::kAspiration, "盼望事"},
}};
constexpr NameTable<CategoryHandler, 4> kHandlers{{
    {CategoryHandler::kGrid, "grid"},
    {CategoryHandler::kCommunity, "community"},
    {CategoryHandler::kStreet, "street"},
    {CategoryHandler::kDepartment, "department"},
}};

constexpr NameTable<FirstRoute, 3> kFirstRoutes{{
    {FirstRoute::kProperty, "property"},
    {FirstRoute::kCommittee, "committee"},
    {FirstRoute::kCommunity, "community"},
}};
constexpr NameTable<FirstRoute, 3> kFirstRouteLabels{{
    {FirstRoute::kProperty, "物业办"},
    {FirstRoute::kCommittee, "业主治"},
    {FirstRoute::kCommunity, "社区议"},
}};

constexpr int64_t kHour = 60;
constexpr int64_t kDay = 24 * 60;

// One row of the shipped taxonomy.
Category Def(std::string code, std::string name, std::string name_en, CategoryGroup group,
             CategoryHandler handler, int64_t resolve_minutes, bool anonymous, bool board,
             int64_t radius_m, std::string skill = "") {
  Category c;
  c.code = std::move(code);
  c.name = std::move(name);
  c.name_en = std::move(name_en);
  c.group = group;
  c.handler = handler;
  c.skill = std::move(skill);
  c.resolve_minutes = resolve_minutes;
  // Accept within a tenth of the resolve time (at least 30 min, at most 1 day);
  // respond within a quarter (at least 1 h, at most 2 days): 12345 practice of
  // 受理 first, then 响应, then 办结.
  c.accept_minutes = std::clamp<int64_t>(resolve_minutes / 10, 30, kDay);
  c.respond_minutes = std::clamp<int64_t>(resolve_minutes / 4, kHour, 2 * kDay);
  c.allow_anonymous = anonymous;
  c.public_board = board;
  c.duplicate_radius_m = radius_m;
  return c;
}

std::vector<Category> BuildDefaults() {
  using G = CategoryGroup;
  using H = CategoryHandler;
  const int64_t em = kSlaEmergencyMinutes, ut = kSlaUtilityMinutes, ord = kSlaOrdinaryMinutes,
                cx = kSlaComplexMinutes;
  return {
      // 事件 — GB/T 30428.2 event classes.
      Def("E01.01", "暴露垃圾", "Exposed rubbish", G::kEvent, H::kGrid, ut, true, false, 50),
      Def("E01.02", "积存垃圾渣土", "Accumulated rubbish and spoil", G::kEvent, H::kGrid, ut, true,
          false, 50),
      Def("E01.03", "道路不洁", "Dirty road surface", G::kEvent, H::kGrid, ut, true, false, 50),
      Def("E01.04", "水域不洁", "Polluted water surface", G::kEvent, H::kStreet, ord, true, false,
          100),
      Def("E01.05", "焚烧垃圾树叶", "Burning rubbish or leaves", G::kEvent, H::kGrid, em, true,
          false, 100),
      Def("E02.01", "非法小广告", "Illegal flyers and graffiti", G::kEvent, H::kGrid, ut, true,
          false, 30),
      Def("E02.02", "违规户外广告", "Non-compliant outdoor advertising", G::kEvent, H::kStreet, ord,
          true, false, 50),
      Def("E03.01", "施工扰民", "Construction disturbance", G::kEvent, H::kStreet, ut, true, false,
          100),
      Def("E03.02", "施工占道", "Construction occupying the road", G::kEvent, H::kStreet, ut, true,
          false, 50),
      Def("E03.03", "违章建筑", "Illegal building", G::kEvent, H::kStreet, cx, true, false, 30),
      Def("E04.01", "路面塌陷", "Road collapse", G::kEvent, H::kStreet, em, true, false, 50),
      Def("E04.02", "供水管道破裂", "Burst water main", G::kEvent, H::kStreet, em, true, false, 50),
      Def("E04.03", "燃气泄漏", "Gas leak", G::kEvent, H::kStreet, em, true, false, 100),
      Def("E04.04", "下水道堵塞或冒溢", "Blocked or overflowing sewer", G::kEvent, H::kGrid, ut,
          true, false, 50),
      Def("E04.05", "道路积水", "Flooded road", G::kEvent, H::kGrid, em, true, false, 100),
      Def("E05.01", "无照经营游商", "Unlicensed street vending", G::kEvent, H::kGrid, ut, true,
          false, 50),
      Def("E05.02", "店外经营", "Trading outside the shop front", G::kEvent, H::kGrid, ut, true,
          false, 30),
      Def("E05.03", "机动车乱停放", "Illegal parking", G::kEvent, H::kGrid, ut, true, false, 30),
      Def("E05.04", "噪声扰民", "Noise nuisance", G::kEvent, H::kGrid, ut, true, false, 100),
      Def("E05.05", "私搭乱建", "Unauthorised structures", G::kEvent, H::kGrid, ord, true, false,
          30),
      Def("E99.01", "其他事件", "Other event", G::kEvent, H::kGrid, ord, true, false, 30),
      // 部件 — GB/T 30428.2 component classes.
      Def("C01.01", "井盖缺失或破损", "Missing or broken manhole cover", G::kComponent, H::kStreet,
          em, true, false, 20),
      Def("C01.02", "消防设施损坏", "Damaged fire equipment", G::kComponent, H::kStreet, ut, true,
          false, 20),
      Def("C01.03", "供电设施故障", "Power supply fault", G::kComponent, H::kStreet, ut, true,
          false, 50),
      Def("C02.01", "路灯不亮", "Street light out", G::kComponent, H::kStreet, ut, true, false, 20),
      Def("C02.02", "交通信号设施损坏", "Damaged traffic signal", G::kComponent, H::kStreet, ut,
          true, false, 20),
      Def("C02.03", "道路破损", "Damaged road surface", G::kComponent, H::kStreet, ord, true, false,
          30),
      Def("C02.04", "护栏隔离设施损坏", "Damaged guard rail", G::kComponent, H::kStreet, ord, true,
          false, 30),
      Def("C03.01", "垃圾箱损坏或满溢", "Broken or overflowing bin", G::kComponent, H::kGrid, ut,
          true, false, 20),
      Def("C03.02", "公厕设施损坏", "Damaged public toilet", G::kComponent, H::kStreet, ut, true,
          false, 20),
      Def("C04.01", "行道树倒伏或缺损", "Fallen or damaged street tree", G::kComponent, H::kStreet,
          ut, true, false, 30),
      Def("C04.02", "绿地毁损", "Damaged green space", G::kComponent, H::kStreet, ord, true, false,
          50),
      Def("C05.01", "危房隐患", "Dangerous building", G::kComponent, H::kStreet, cx, true, false,
          30),
      Def("C05.02", "楼道堆物", "Objects blocking a stairwell", G::kComponent, H::kGrid, ut, true,
          false, 10),
      // 急难事 — urgent help (文安).
      Def("S-URG-01", "独居老人紧急求助", "Elder living alone needs help", G::kUrgent,
          H::kCommunity, em, false, false, 0),
      Def("S-URG-02", "突发困难帮扶", "Sudden hardship", G::kUrgent, H::kCommunity, ut, false,
          false, 0),
      Def("S-URG-03", "水电气暖中断", "Water, power, gas or heating cut", G::kUrgent, H::kCommunity,
          ut, true, false, 100, "维修"),
      // 生活事 — daily needs, on the order board for members to claim.
      Def("S-DLY-01", "家电维修", "Appliance repair", G::kDaily, H::kCommunity, ord, false, true, 0,
          "维修"),
      Def("S-DLY-02", "代买代办", "Errands", G::kDaily, H::kCommunity, ord, false, true, 0, "跑腿"),
      Def("S-DLY-03", "助老陪伴", "Company for the elderly", G::kDaily, H::kCommunity, ord, false,
          true, 0, "助老"),
      Def("S-DLY-04", "法律咨询", "Legal advice", G::kDaily, H::kCommunity, ord, false, true, 0,
          "法律"),
      Def("S-DLY-05", "健康义诊", "Health check", G::kDaily, H::kCommunity, ord, false, true, 0,
          "医疗"),
      Def("S-DLY-06", "邻里纠纷调解", "Neighbour dispute mediation", G::kDaily, H::kCommunity, ord,
          false, false, 0, "调解"),
      Def("S-DLY-07", "物业服务问题", "Property management problem", G::kDaily, H::kCommunity, ord,
          true, false, 30),
      // 盼望事 — aspirations and 微心愿.
      Def("S-ASP-01", "微心愿", "Micro-wish", G::kAspiration, H::kCommunity, cx, false, true, 0),
      Def("S-ASP-02", "学业辅导", "Tutoring", G::kAspiration, H::kCommunity, cx, false, true, 0,
          "教育"),
      Def("S-ASP-03", "文体活动", "Culture and sports activity", G::kAspiration, H::kCommunity, cx,
          false, true, 0, "文体"),
      Def("S-ASP-04", "环境改善建议", "Neighbourhood improvement", G::kAspiration, H::kCommunity,
          cx, true, false, 50),
  };
}

Category FromRow(const store::Row& r) {
  Category c;
  c.id = r.Int(0);
  c.code = r.Text(1);
  c.name = r.Text(2);
  c.name_en = r.Text(3);
  c.group = ParseCategoryGroup(r.Text(4), "grp").value();
  c.description = r.Text(5);
  c.handler = ParseCategoryHandler(r.Text(6), "handler").value();
  c.handler_unit_id = r.OptInt(7);
  c.skill = r.Text(8);
  c.accept_minutes = r.Int(9);
  c.respond_minutes = r.Int(10);
  c.resolve_minutes = r.Int(11);
  c.allow_anonymous = r.Int(12) != 0;
  c.public_board = r.Int(13) != 0;
  c.duplicate_radius_m = r.Int(14);
  c.active = r.Int(15) != 0;
  if (!r.IsNull(16)) c.first_route = ParseFirstRoute(r.Text(16), "first_route").value();
  return c;
}

constexpr const char* kColumns =
    "SELECT id, code, name, name_en, grp, description, handler, handler_unit_id, skill, "
    "accept_minutes, respond_minutes, resolve_minutes, allow_anonymous, public_board, "
    "duplicate_radius_m, active, first_route FROM ticket_category ";

// ParamsOf(c) followed by the creation time.
constexpr const char* kInsert =
    "INSERT INTO ticket_category (code, name, name_en, grp, description, handler, "
    "handler_unit_id, skill, accept_minutes, respond_minutes, resolve_minutes, allow_anonymous, "
    "public_board, duplicate_radius_m, active, first_route, created_at, updated_at) VALUES ($1, "
    "$2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)";

store::Params ParamsOf(const Category& c) {
  return {
      c.code,
      c.name,
      c.name_en,
      std::string(CategoryGroupName(c.group)),
      c.description,
      std::string(CategoryHandlerName(c.handler)),
      c.handler_unit_id,
      c.skill,
      c.accept_minutes,
      c.respond_minutes,
      c.resolve_minutes,
      c.allow_anonymous,
      c.public_board,
      c.duplicate_radius_m,
      c.active,
      c.first_route ? store::Value(std::string(FirstRouteName(*c.first_route))) : store::Value()};
}

}  // namespace

std::string_view CategoryGroupName(CategoryGroup g) { return NameIn(kGroups, g); }
std::string_view CategoryGroupLabel(CategoryGroup g) { return NameIn(kGroupLabels, g); }
core::Result<CategoryGroup> ParseCategoryGroup(std::string_view name, std::string_view field) {
  return ParseIn(kGroups, name, field, "类别分组");
}
std::string_view CategoryHandlerName(CategoryHandler h) { return NameIn(kHandlers, h); }
core::Result<CategoryHandler> ParseCategoryHandler(std::string_view name, std::string_view field) {
  return ParseIn(kHandlers, name, field, "承办方式");
}
std::string_view FirstRouteName(FirstRoute r) { return NameIn(kFirstRoutes, r); }
std::string_view FirstRouteLabel(FirstRoute r) { return NameIn(kFirstRouteLabels, r); }
core::Result<FirstRoute> ParseFirstRoute(std::string_view name, std::string_view field) {
  return ParseIn(kFirstRoutes, name, field, "首办分流");
}

int64_t SlaDeadline(int64_t from_ms, int64_t minutes) {
  if (minutes >= 2 * kDay && minutes % kDay == 0) {
    // Whole days: to the end of the last day, Beijing time.
    const int64_t local = from_ms + core::kShanghaiOffsetMs;
    const int64_t day_start =
        local - (((local % core::kMsPerDay) + core::kMsPerDay) % core::kMsPerDay);
    return day_start + (minutes / kDay + 1) * core::kMsPerDay - core::kShanghaiOffsetMs;
  }
  return from_ms + minutes * core::kMsPerMinute;
}

const std::vector<Category>& DefaultCategories() {
  static const std::vector<Category> kDefaults = BuildDefaults();
  return kDefaults;
}

core::Result<Category> CategoryService::Validate(const Category& category) const {
  Category c = category;
  if (c.code.empty() || c.code.size() > 20) return Error::Invalid("code", "编码应为 1–20 个字符");
  for (char ch : c.code) {
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '-' || ch == '_')) {
      return Error::Invalid("code", "编码只能含字母、数字和 . - _");
    }
  }
  CG_ASSIGN_OR_RETURN(c.name, CleanName(c.name, "name", 40));
  if (c.name_en.size() > 100) return Error::Invalid("name_en", "英文名称过长");
  if (c.description.size() > 2000) return Error::Invalid("description", "说明过长");
  if (c.skill.size() > 40) return Error::Invalid("skill", "技能标签过长");
  constexpr int64_t kMaxMinutes = 90 * kDay;
  if (c.accept_minutes <= 0 || c.accept_minutes > kMaxMinutes) {
    return Error::Invalid("accept_minutes", "受理时限应为 1 分钟到 90 天");
  }
  if (c.respond_minutes < c.accept_minutes || c.respond_minutes > kMaxMinutes) {
    return Error::Invalid("respond_minutes", "响应时限应不短于受理时限且不超过 90 天");
  }
  if (c.resolve_minutes < c.respond_minutes || c.resolve_minutes > kMaxMinutes) {
    return Error::Invalid("resolve_minutes", "办结时限应不短于响应时限且不超过 90 天");
  }
  if (c.duplicate_radius_m < 0 || c.duplicate_radius_m > 5000) {
    return Error::Invalid("duplicate_radius_m", "重复判定半径应为 0–5000 米");
  }
  if (c.handler == CategoryHandler::kDepartment && !c.handler_unit_id) {
    return Error::Invalid("handler_unit_id", "由部门承办的类别须指定承办部门");
  }
  return c;
}

core::Status CategoryService::CheckReferences(store::Connection& conn, const Category& c) {
  CG_ASSIGN_OR_RETURN(int64_t taken,
                      conn.QueryInt("SELECT COUNT(*) FROM ticket_category WHERE code = $1 AND id "
                                    "<> $2",
                                    {c.code, c.id}));
  if (taken > 0) return Error::Conflict("编码已被其他类别使用", "code");
  if (c.handler_unit_id) {
    CG_ASSIGN_OR_RETURN(
        int64_t n, conn.QueryInt("SELECT COUNT(*) FROM unit WHERE id = $1", {*c.handler_unit_id}));
    if (n == 0) return Error::Invalid("handler_unit_id", "承办部门不存在");
  }
  return {};
}

core::Status CategoryService::RequireEditor(const Caller& caller) const {
  if (caller.role != Role::kCountyAdmin) return Error::Forbidden("只有县级管理员可以维护诉求类别");
  return {};
}

core::Result<Category> CategoryService::Load(store::Connection& conn, int64_t id) {
  auto row = conn.QueryOne(std::string(kColumns) + "WHERE id = $1", {id});
  if (!row.ok()) {
    if (row.error().code == core::ErrorCode::kNotFound) return Error::NotFound("诉求类别不存在");
    return row.error();
  }
  return FromRow(*row);
}

core::Result<std::vector<Category>> CategoryService::List(bool include_inactive) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query(std::string(kColumns) +
                                      "WHERE active = 1 OR CAST($1 AS BIGINT) = 1 ORDER BY code",
                                  {include_inactive}));
  std::vector<Category> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(FromRow(r));
  return out;
}

core::Result<Category> CategoryService::Get(int64_t id) {
  const int64_t now = clock_.NowMs();
  if (std::optional<Category> hit = cache_.Get(id, now)) return *std::move(hit);
  const uint64_t generation = cache_.generation();
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(Category c, Load(*conn, id));
  cache_.Put(id, c, now, generation);
  return c;
}

core::Result<Category> CategoryService::GetByCode(std::string_view code) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  auto row = conn->QueryOne(std::string(kColumns) + "WHERE code = $1", {code});
  if (!row.ok()) {
    if (row.error().code == core::ErrorCode::kNotFound) return Error::NotFound("诉求类别不存在");
    return row.error();
  }
  return FromRow(*row);
}

core::Result<Category> CategoryService::Create(const Caller& caller, const Category& category) {
  CG_TRY(RequireEditor(caller));
  CG_ASSIGN_OR_RETURN(Category c, Validate(category));
  c.id = 0;
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_TRY(CheckReferences(*conn, c));
  store::Params params = ParamsOf(c);
  params.push_back(clock_.NowMs());
  CG_ASSIGN_OR_RETURN(c.id, conn->QueryInt(std::string(kInsert) + " RETURNING id", params));
  CG_TRY(audit_.Append(*conn, caller, "category.create", "ticket_category", c.id, c.code));
  CG_TRY(tx.Commit());
  cache_.ForgetAll();
  return c;
}

core::Result<Category> CategoryService::Update(const Caller& caller, int64_t id,
                                               const Category& category) {
  CG_TRY(RequireEditor(caller));
  CG_ASSIGN_OR_RETURN(Category c, Validate(category));
  c.id = id;
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_TRY(Load(*conn, id));  // NotFound for an unknown id
  CG_TRY(CheckReferences(*conn, c));
  store::Params params = ParamsOf(c);
  params.push_back(clock_.NowMs());
  params.push_back(id);
  CG_TRY(conn->Execute(
      "UPDATE ticket_category SET code = $1, name = $2, name_en = $3, grp = $4, description = $5, "
      "handler = $6, handler_unit_id = $7, skill = $8, accept_minutes = $9, respond_minutes = $10, "
      "resolve_minutes = $11, allow_anonymous = $12, public_board = $13, duplicate_radius_m = $14, "
      "active = $15, first_route = $16, updated_at = $17 WHERE id = $18",
      params));
  CG_TRY(audit_.Append(*conn, caller, "category.update", "ticket_category", id, c.code));
  CG_TRY(tx.Commit());
  cache_.ForgetAll();
  return c;
}

core::Status CategoryService::SeedDefaults() {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(int64_t n, conn->QueryInt("SELECT COUNT(*) FROM ticket_category"));
  if (n > 0) return {};
  const int64_t now = clock_.NowMs();
  for (const Category& c : DefaultCategories()) {
    store::Params params = ParamsOf(c);
    params.push_back(now);
    CG_TRY(conn->Execute(kInsert, params));
  }
  CG_TRY(tx.Commit());
  cache_.ForgetAll();
  return core::Ok();
}

}  // namespace civicgrid::domain
