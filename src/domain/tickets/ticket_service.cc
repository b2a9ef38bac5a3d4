#include "domain/tickets/ticket_service.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

#include <boost/json.hpp>

#include "core/pii.h"

namespace civicgrid::domain {
namespace {

namespace json = boost::json;
using core::Error;
using TT = TicketEventType;

constexpr const char* kTicketColumns =
    "SELECT t.id, t.number, t.kind, t.channel, t.category_id, c.name, c.grp, t.node_id, n.name, "
    "t.path, t.title, t.description, t.address, t.lon, t.lat, t.state, t.version, t.anonymous, "
    "t.is_public, t.submitter_account_id, t.submitter_name, t.submitter_phone_masked, "
    "t.assignee_kind, t.assignee_id, t.duplicate_of, t.reopen_count, t.rating, t.rating_comment, "
    "t.callback_outcome, t.overdue, t.supervised, t.created_at, t.accept_due, t.respond_due, "
    "t.resolve_due, t.accepted_at, t.responded_at, t.resolved_at, t.closed_at, t.rated_at, "
    "t.updated_at, CASE t.assignee_kind "
    "WHEN 'member' THEN (SELECT m.name FROM party_member m WHERE m.id = t.assignee_id) "
    "WHEN 'unit' THEN (SELECT u.name FROM unit u WHERE u.id = t.assignee_id) "
    "WHEN 'account' THEN (SELECT a.display_name FROM account a WHERE a.id = t.assignee_id) "
    "WHEN 'board' THEN '社区点单栏' END "
    "FROM ticket t JOIN ticket_category c ON c.id = t.category_id "
    "JOIN org_node n ON n.id = t.node_id ";

Ticket TicketFromRow(const store::Row& r) {
  Ticket t;
  t.id = r.Int(0);
  t.number = r.Text(1);
  t.kind = ParseTicketKind(r.Text(2), "kind").value();
  t.channel = ParseTicketChannel(r.Text(3), "channel").value();
  t.category_id = r.Int(4);
  t.category_name = r.Text(5);
  t.category_group = ParseCategoryGroup(r.Text(6), "grp").value();
  t.node_id = r.Int(7);
  t.node_name = r.Text(8);
  t.path = r.Text(9);
  t.title = r.Text(10);
  t.description = r.Text(11);
  t.address = r.Text(12);
  if (!r.IsNull(13) && !r.IsNull(14)) t.location = core::LonLat{r.Real(13), r.Real(14)};
  t.state = ParseTicketState(r.Text(15), "state").value();
  t.version = r.Int(16);
  t.anonymous = r.Int(17) != 0;
  t.is_public = r.Int(18) != 0;
  t.submitter_account_id = r.OptInt(19);
  t.submitter_name = r.Text(20);
  t.submitter_phone_masked = r.OptText(21);
  if (!r.IsNull(22)) {
    t.assignee = Assignee{ParseAssigneeKind(r.Text(22), "assignee_kind").value(),
                          r.OptInt(23).value_or(0), r.Text(41)};
  }
  t.duplicate_of = r.OptInt(24);
  t.reopen_count = r.Int(25);
  t.rating = r.OptInt(26);
  t.rating_comment = r.OptText(27);
  t.callback_outcome = r.OptText(28);
  t.overdue = r.Int(29);
  t.supervised = r.Int(30) != 0;
  t.created_at = r.Int(31);
  t.accept_due = r.Int(32);
  t.respond_due = r.Int(33);
  t.resolve_due = r.Int(34);
  t.accepted_at = r.OptInt(35);
  t.responded_at = r.OptInt(36);
  t.resolved_at = r.OptInt(37);
  t.closed_at = r.OptInt(38);
  t.rated_at = r.OptInt(39);
  t.updated_at = r.Int(40);
  return t;
}

int64_t TicketId(const Ticket& t) { return t.id; }

TicketEvent EventFromRow(const store::Row& r) {
  TicketEvent e;
  e.id = r.Int(0);
  e.ticket_id = r.Int(1);
  e.seq = r.Int(2);
  e.type = ParseTicketEventType(r.Text(3), "type").value();
  e.actor_account_id = r.OptInt(4);
  e.actor_label = r.Text(5);
  e.at = r.Int(6);
  e.note = r.Text(7);
  e.data = r.Text(8);
  e.state_after = ParseTicketState(r.Text(9), "state").value();
  return e;
}

// Advisory lock serialising ticket event appends until their commit.
constexpr int64_t kTicketEventLock = 0x7469636b657431;  // "ticket1"

constexpr const char* kEventColumns =
    "SELECT e.id, e.ticket_id, e.seq, e.type, e.actor_account_id, e.actor_label, e.at, e.note, "
    "e.data, e.state_after FROM ticket_event e ";

bool IsManager(Role r) {
  return r == Role::kCountyAdmin || r == Role::kStreetAdmin || r == Role::kCommunitySecretary ||
         r == Role::kCommunityWorker;
}
bool IsStaff(Role r) { return IsManager(r) || r == Role::kGridWorker; }

// "/1/7/42/" → {1, 7, 42}
std::vector<int64_t> PathIds(std::string_view path) {
  std::vector<int64_t> out;
  int64_t cur = 0;
  bool any = false;
  for (char ch : path) {
    if (ch == '/') {
      if (any) out.push_back(cur);
      cur = 0;
      any = false;
    } else if (ch >= '0' && ch <= '9') {
      cur = cur * 10 + (ch - '0');
      any = true;
    }
  }
  return out;
}

bool PathWithin(std::string_view path, std::string_view ancestor) {
  return !ancestor.empty() && path.substr(0, ancestor.size()) == ancestor;
}

// SQL: the path `path` (a column or a parameter) lies in the subtree of the
// org node aliased `node` (the SQL twin of PathWithin).
std::string InSubtreeOf(const std::string& node, const std::string& path) {
  return path + " >= " + node + ".path AND " + path + " < substr(" + node + ".path, 1, length(" +
         node + ".path) - 1) || '0'";
}

// Whether `unit` is paired (包联) with a node whose subtree holds `path`.
core::Result<bool> UnitPairedWith(store::Connection& conn, int64_t unit, const std::string& path) {
  CG_ASSIGN_OR_RETURN(int64_t n,
                      conn.QueryInt("SELECT COUNT(*) FROM unit_pairing up JOIN org_node "
                                    "pn ON pn.id = up.node_id WHERE up.unit_id = $1 AND " +
                                        InSubtreeOf("pn", "$2"),
                                    {unit, path}));
  return n > 0;
}

// The first `n` code points of `text`.
std::string Prefix(std::string_view text, size_t n) {
  size_t i = 0, count = 0;
  while (i < text.size() && count < n) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    i += len;
    ++count;
  }
  return std::string(text.substr(0, std::min(i, text.size())));
}

std::string MaskName(std::string_view name) {
  std::string first = Prefix(name, 1);
  return first.size() < name.size() ? first + "*" : first;
}

// What a caller may not see of someone else's ticket: staff see the
// submitter's name and masked phone; others only a masked name.
void MaskFor(const Caller& caller, Ticket& t) {
  if (t.submitter_account_id == caller.account_id || IsStaff(caller.role)) return;
  t.submitter_name = MaskName(t.submitter_name);
  t.submitter_phone_masked.reset();
}

// States in which a ticket is finished (the complement of IsOpen()).
constexpr const char* kFinishedStates = "('resolved', 'closed', 'rejected')";

// A WHERE clause under construction: AND-ed conditions over alias t with
// numbered parameters.
struct Where {
  std::string sql;
  store::Params params;
  std::string Param(store::Value value) {
    params.push_back(std::move(value));
    return "$" + std::to_string(params.size());
  }
  void And(const std::string& condition) { sql += (sql.empty() ? "" : " AND ") + condition; }
};

// The tickets matching `where`, then `tail` (ORDER BY / LIMIT), masked for
// `caller`.
core::Result<std::vector<Ticket>> Select(store::Connection& conn, const Caller& caller,
                                         const Where& where, const std::string& tail) {
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn.Query(std::string(kTicketColumns) + "WHERE " + where.sql + " " + tail, where.params));
  std::vector<Ticket> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    out.push_back(TicketFromRow(r));
    MaskFor(caller, out.back());
  }
  return out;
}

// The tickets `caller` may see, as the start of a WHERE clause.
Where VisibleWhere(const TicketService& service, const Caller& caller) {
  TicketService::Visibility v = service.VisibleTo(caller, 1);
  return Where{v.sql, std::move(v.params)};
}

// One page of Select, in id order after the cursor.
core::Result<PageOf<Ticket>> SelectPage(store::Connection& conn, const Caller& caller, Where where,
                                        const Page& page) {
  where.And("t.id > " + where.Param(page.after));
  const std::string limit = where.Param(page.limit);
  CG_ASSIGN_OR_RETURN(std::vector<Ticket> items,
                      Select(conn, caller, where, "ORDER BY t.id LIMIT " + limit));
  return FinishPage(std::move(items), page, &TicketId);
}

}  // namespace

TicketService::TicketService(store::Db& db, const core::Clock& clock, AuditLog& audit,
                             const core::PiiCipher& cipher, GridLocator& locator,
                             CategoryService& categories, TicketOptions options)
    : db_(db),
      clock_(clock),
      audit_(audit),
      cipher_(cipher),
      locator_(locator),
      categories_(categories),
      options_(options) {}

// --- visibility --------------------------------------------------------------

// The published tickets `caller` may claim (a member: their community's, as
// their account's scope; a unit: those of the communities it is paired with),
// as a condition on alias t with parameters from `p`; empty for other roles.
// MayClaim is the same rule for one ticket.
namespace {
std::string OnBoardOf(const Caller& caller, const std::function<std::string(store::Value)>& p) {
  if (caller.role == Role::kPartyMember && caller.party_member_id) {
    PathRange scope = caller.Scope();
    return "(t.state = 'published' AND t.path >= " + p(scope.lo) + " AND t.path < " + p(scope.hi) +
           ")";
  }
  if (caller.role == Role::kUnitAdmin && caller.unit_id) {
    return "(t.state = 'published' AND EXISTS (SELECT 1 FROM unit_pairing up JOIN org_node pn ON "
           "pn.id = up.node_id WHERE up.unit_id = " +
           p(*caller.unit_id) + " AND " + InSubtreeOf("pn", "t.path") + "))";
  }
  return "";
}
}  // namespace

TicketService::Visibility TicketService::VisibleTo(const Caller& caller, int first_param) const {
  Visibility v;
  auto p = [&](store::Value value) {
    v.params.push_back(std::move(value));
    return "$" + std::to_string(first_param + static_cast<int>(v.params.size()) - 1);
  };
  PathRange scope = caller.Scope();
  if (IsStaff(caller.role)) {
    v.sql = "(t.path >= " + p(scope.lo) + " AND t.path < " + p(scope.hi) + ")";
    return v;
  }
  const std::string me = p(caller.account_id);
  v.sql = "(t.submitter_account_id = " + me + " OR t.is_public = 1" +
          " OR EXISTS (SELECT 1 FROM ticket_follower f WHERE f.ticket_id = t.id AND f.account_id "
          "= " +
          me + ")";
  if (caller.role == Role::kPartyMember && caller.party_member_id) {
    v.sql +=
        " OR (t.assignee_kind = 'member' AND t.assignee_id = " + p(*caller.party_member_id) + ")";
  }
  if (caller.role == Role::kUnitAdmin && caller.unit_id) {
    const std::string unit = p(*caller.unit_id);
    v.sql += " OR (t.assignee_kind = 'unit' AND t.assignee_id = " + unit +
             ") OR EXISTS (SELECT 1 FROM ticket_escalation x WHERE x.ticket_id = t.id AND "
             "x.unit_id = " +
             unit + ")";
  }
  if (std::string board = OnBoardOf(caller, p); !board.empty()) v.sql += " OR " + board;
  v.sql += ")";
  return v;
}

core::Result<Ticket> TicketService::Load(store::Connection& conn, int64_t id) {
  auto row = conn.QueryOne(std::string(kTicketColumns) + "WHERE t.id = $1", {id});
  if (!row.ok()) {
    if (row.error().code == core::ErrorCode::kNotFound) return Error::NotFound("工单不存在");
    return row.error();
  }
  Ticket t = TicketFromRow(*row);
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query("SELECT attachment_id FROM ticket_attachment WHERE ticket_id = $1 "
                                 "ORDER BY attachment_id",
                                 {id}));
  for (const auto& r : rows) t.attachment_ids.push_back(r.Int(0));
  return t;
}

core::Status TicketService::CheckVisible(store::Connection& conn, const Caller& caller,
                                         int64_t id) {
  Visibility v = VisibleTo(caller, 2);
  store::Params params{id};
  params.insert(params.end(), v.params.begin(), v.params.end());
  CG_ASSIGN_OR_RETURN(
      int64_t n,
      conn.QueryInt("SELECT COUNT(*) FROM ticket t WHERE t.id = $1 AND " + v.sql, params));
  if (n == 0) return Error::NotFound("工单不存在");
  return {};
}

core::Result<Ticket> TicketService::LoadVisible(store::Connection& conn, const Caller& caller,
                                                int64_t id) {
  CG_TRY(CheckVisible(conn, caller, id));
  CG_ASSIGN_OR_RETURN(Ticket t, Load(conn, id));
  MaskFor(caller, t);
  return t;
}

std::string TicketService::ActorLabel(store::Connection& conn, const Caller& caller) {
  auto row = conn.QueryOne("SELECT display_name FROM account WHERE id = $1", {caller.account_id});
  std::string name = row.ok() ? row->Text(0) : caller.username;
  static constexpr std::pair<Role, const char*> kLabels[] = {
      {Role::kCountyAdmin, "县级管理员"},
      {Role::kStreetAdmin, "街道"},
      {Role::kCommunitySecretary, "社区书记"},
      {Role::kCommunityWorker, "社区工作者"},
      {Role::kGridWorker, "网格员"},
      {Role::kUnitAdmin, "单位"},
      {Role::kPartyMember, "党员"},
      {Role::kResident, "居民"},
  };
  for (const auto& [role, label] : kLabels) {
    if (role == caller.role) return std::string(label) + " " + name;
  }
  return name;
}

// --- submission --------------------------------------------------------------

core::Result<PreparedTicket> TicketService::Prepare(const Caller& caller, const NewTicket& in) {
  PreparedTicket p;
  p.input = in;
  // Who may file through which channel.
  const bool staff = IsStaff(caller.role);
  if ((in.channel == TicketChannel::kPhone || in.channel == TicketChannel::kPatrol ||
       in.channel == TicketChannel::kSensor || in.channel == TicketChannel::kMeeting) &&
      !staff) {
    return Error::Invalid("channel", "只有工作人员可以登记电话、巡查、传感器或会议来源的诉求");
  }
  if ((in.kind == TicketKind::kPatrol || in.kind == TicketKind::kAlert ||
       in.kind == TicketKind::kFollowUp || in.kind == TicketKind::kComplaint) &&
      !staff) {
    return Error::Invalid("kind", "该类型的诉求只能由工作人员登记");
  }
  auto category = categories_.Get(in.category_id);
  if (!category.ok()) {
    if (category.error().code == core::ErrorCode::kNotFound) {
      return Error::Invalid("category_id", "诉求类别不存在");
    }
    return category.error();
  }
  if (!category->active) return Error::Invalid("category_id", "诉求类别已停用");
  p.category = *category;

  CG_ASSIGN_OR_RETURN(p.description, CleanText(in.description, "description",
                                               options_.max_description_chars, true));
  CG_ASSIGN_OR_RETURN(p.title, CleanText(in.title, "title", 60, false));
  if (p.title.empty()) p.title = Prefix(p.description.substr(0, p.description.find('\n')), 30);
  CG_ASSIGN_OR_RETURN(p.address, CleanText(in.address, "address", 200, false));
  if (p.address.find('\n') != std::string::npos) {
    return Error::Invalid("address", "地址应为单行文字");
  }
  if (in.attachment_ids.size() > options_.max_attachments) {
    return Error::Invalid("attachment_ids",
                          "附件不能超过 " + std::to_string(options_.max_attachments) + " 个");
  }

  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  // Where: a location (preferred) or a named grid/community.
  if (in.location) {
    if (auto valid = core::ValidateLonLat(*in.location, ""); !valid.ok()) {
      return Error::Invalid("location", valid.error().message);
    }
    const core::CoordSys sys = in.gcj02 ? core::CoordSys::kGcj02 : core::CoordSys::kWgs84;
    std::optional<int64_t> grid = locator_.Locate(*in.location, sys);
    if (!grid) return Error::Invalid("location", "该位置不在本县任何网格内");
    p.wgs84 = core::ToWgs84(*in.location, sys);
    p.node_id = *grid;
  } else if (in.node_id) {
    auto row = conn->QueryOne("SELECT kind, path FROM org_node WHERE id = $1", {*in.node_id});
    if (!row.ok() || (row->Text(0) != "grid" && row->Text(0) != "community")) {
      return Error::Invalid("node_id", "所属网格或社区不存在");
    }
    if (staff && !caller.InScope(row->Text(1))) {
      return Error::Invalid("node_id", "所属网格或社区不在管辖范围内");
    }
    p.node_id = *in.node_id;
  } else {
    return Error::Invalid("location", "请提供位置（经纬度）或所属网格");
  }
  CG_ASSIGN_OR_RETURN(store::Row node,
                      conn->QueryOne("SELECT path FROM org_node WHERE id = $1", {p.node_id}));
  p.path = node.Text(0);
  // Staff file only inside their own part of the tree.
  if (staff && !caller.InScope(p.path)) {
    return Error::Invalid("location", "该位置不在管辖范围内");
  }
  {
    std::vector<int64_t> ids = PathIds(p.path);
    std::string list;
    store::Params params;
    for (int64_t id : ids) {
      list += (list.empty() ? "$" : ", $") + std::to_string(params.size() + 1);
      params.push_back(id);
    }
    CG_ASSIGN_OR_RETURN(
        store::Rows rows,
        conn->Query("SELECT code FROM org_node WHERE kind = 'county' AND id IN (" + list + ")",
                    params));
    if (rows.empty()) return Error::Invalid("location", "该位置不属于任何县级节点");
    p.county_code = rows.front().Text(0);
  }

  // Who: anonymous where the category allows it, else an account or a phone.
  if (in.anonymous && !p.category.allow_anonymous) {
    return Error::Invalid("anonymous", "该类别不接受匿名诉求");
  }
  CG_ASSIGN_OR_RETURN(std::string contact, CleanText(in.contact_name, "contact_name", 30, false));
  if (in.phone && !in.phone->empty()) {
    std::string phone = core::NormalizePhone(*in.phone);
    CG_TRY(core::ValidatePhone(phone, "phone"));
    p.phone = SealPhone(cipher_, phone);
  }
  const bool proxy = in.channel == TicketChannel::kPhone || in.channel == TicketChannel::kOpen311;
  if (!in.anonymous && proxy && !p.phone) {
    return Error::Invalid("phone", "非匿名诉求须留联系电话");
  }
  if (!in.anonymous) {
    p.submitter_account_id = caller.account_id;
    if (!contact.empty()) {
      p.submitter_name = contact;
    } else if (!proxy) {
      auto row =
          conn->QueryOne("SELECT display_name FROM account WHERE id = $1", {caller.account_id});
      p.submitter_name = row.ok() ? row->Text(0) : caller.username;
    }
  } else {
    p.submitter_name = "匿名";
    p.phone.reset();
    // An anonymous report still belongs to the account that filed it (so the
    // resident can follow and rate it); its name and phone are not kept.
    p.submitter_account_id = caller.account_id;
  }
  // Proxy channels file on someone's behalf: the account is the operator's,
  // not the resident's, so the operator is not the submitter.
  if (proxy) p.submitter_account_id.reset();
  p.actor_label = in.anonymous ? "匿名居民" : ActorLabel(*conn, caller);
  if (proxy && !in.anonymous) p.actor_label = ActorLabel(*conn, caller) + "（代 " + contact + "）";

  const bool street_issue =
      p.category.group == CategoryGroup::kEvent || p.category.group == CategoryGroup::kComponent;
  p.is_public = in.is_public.value_or(street_issue);

  // For idempotency: a digest of everything that makes the request.
  json::object digest;
  digest["kind"] = TicketKindName(in.kind);
  digest["channel"] = TicketChannelName(in.channel);
  digest["category_id"] = in.category_id;
  digest["title"] = in.title;
  digest["description"] = in.description;
  digest["address"] = in.address;
  if (in.location) {
    digest["lon"] = in.location->lon;
    digest["lat"] = in.location->lat;
  }
  digest["gcj02"] = in.gcj02;
  if (in.node_id) digest["node_id"] = *in.node_id;
  digest["anonymous"] = in.anonymous;
  digest["contact_name"] = in.contact_name;
  if (in.phone) digest["phone"] = *in.phone;
  if (in.is_public) digest["is_public"] = *in.is_public;
  json::array attachments;
  for (int64_t id : in.attachment_ids) attachments.push_back(id);
  digest["attachment_ids"] = std::move(attachments);
  p.request_hash = core::Sha256Hex(json::serialize(digest));
  return p;
}

namespace {

// A digest of everything that makes an action on ticket `id` (for its
// idempotency key).
std::string ActionDigest(int64_t id, const TicketAction& a) {
  auto opt = [](const auto& v) { return v ? json::value(*v) : json::value(nullptr); };
  json::array units(a.unit_ids.begin(), a.unit_ids.end());
  json::array files(a.attachment_ids.begin(), a.attachment_ids.end());
  json::object digest{
      {"ticket", id},
      {"type", TicketEventTypeName(a.type)},
      {"version", opt(a.expected_version)},
      {"note", a.note},
      {"assignee",
       a.assignee ? json::value(json::array{AssigneeKindName(a.assignee->kind), a.assignee->id})
                  : json::value(nullptr)},
      {"units", std::move(units)},
      {"report_minutes", opt(a.report_minutes)},
      {"resolve_minutes", opt(a.resolve_minutes)},
      {"unit_id", opt(a.unit_id)},
      {"rating", opt(a.rating)},
      {"outcome", opt(a.outcome)},
      {"duplicate_of", opt(a.duplicate_of)},
      {"attachments", std::move(files)}};
  return core::Sha256Hex(json::serialize(digest));
}

// What an idempotency key was first used for: its ticket and event.
struct KeyUse {
  int64_t ticket_id = 0;
  int64_t event_id = 0;  // 0: stored before migration 9
};

// The earlier use of `key` by `account` when it was for this very request
// (digest `hash`); none when unused; Conflict when it was for another request.
core::Result<std::optional<KeyUse>> SeenKey(store::Connection& conn, int64_t account,
                                            const std::string& key, const std::string& hash) {
  if (key.empty() || key.size() > 200) {
    return Error::Invalid("Idempotency-Key", "幂等键应为 1–200 个字符");
  }
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query("SELECT request_hash, ticket_id, event_id FROM idempotency_key "
                                 "WHERE account_id = $1 AND idem_key = $2",
                                 {account, key}));
  if (rows.empty()) return std::optional<KeyUse>();
  if (rows.front().Text(0) != hash) {
    return Error::Conflict("该幂等键已用于另一个不同的请求", "Idempotency-Key");
  }
  return std::optional<KeyUse>(KeyUse{rows.front().Int(1), rows.front().OptInt(2).value_or(0)});
}

// Records the first use of `key` in the transaction of its event.
core::Status RememberKey(store::Connection& conn, int64_t account, const std::string& key,
                         const std::string& hash, int64_t ticket_id, int64_t event_id,
                         int64_t now) {
  CG_TRY(
      conn.Execute("INSERT INTO idempotency_key (account_id, idem_key, request_hash, "
                   "ticket_id, event_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                   {account, key, hash, ticket_id, event_id, now}));
  return core::Ok();
}

}  // namespace

core::Result<TicketService::Inserted> TicketService::Insert(store::Connection& conn,
                                                            const Caller& caller,
                                                            const PreparedTicket& p) {
  const int64_t now = clock_.NowMs();
  if (p.input.idempotency_key) {
    CG_ASSIGN_OR_RETURN(std::optional<KeyUse> earlier_use,
                        SeenKey(conn, caller.account_id, *p.input.idempotency_key, p.request_hash));
    if (earlier_use) {
      CG_ASSIGN_OR_RETURN(Ticket earlier, Load(conn, earlier_use->ticket_id));
      return Inserted{std::move(earlier), false, std::nullopt};
    }
  }
  const core::CivilDate today = core::ShanghaiDate(now);
  const std::string prefix = p.county_code + "-" + std::to_string(today.year);
  CG_ASSIGN_OR_RETURN(int64_t seq,
                      conn.QueryInt("INSERT INTO ticket_counter (prefix, seq) VALUES ($1, 1) "
                                    "ON CONFLICT (prefix) DO UPDATE SET seq = "
                                    "ticket_counter.seq + 1 RETURNING seq",
                                    {prefix}));
  char serial[32];
  std::snprintf(serial, sizeof serial, "%06lld", static_cast<long long>(seq));
  const std::string number = prefix + "-" + serial;
  const Category& c = p.category;
  store::Params params{
      number,
      std::string(TicketKindName(p.input.kind)),
      std::string(TicketChannelName(p.input.channel)),
      c.id,
      p.node_id,
      p.path,
      p.title,
      p.description,
      p.address,
      p.wgs84 ? store::Value(p.wgs84->lon) : store::Value(),
      p.wgs84 ? store::Value(p.wgs84->lat) : store::Value(),
      p.input.anonymous,
      p.is_public,
      p.submitter_account_id,
      p.submitter_name,
      p.phone ? store::Value(p.phone->enc) : store::Value(),
      p.phone ? store::Value(p.phone->hash) : store::Value(),
      p.phone ? store::Value(p.phone->masked) : store::Value(),
      now,
      SlaDeadline(now, c.accept_minutes),
      SlaDeadline(now, c.respond_minutes),
      SlaDeadline(now, c.resolve_minutes),
  };
  CG_ASSIGN_OR_RETURN(
      int64_t id,
      conn.QueryInt(
          "INSERT INTO ticket (number, kind, channel, category_id, node_id, path, title, "
          "description, address, lon, lat, state, version, anonymous, is_public, "
          "submitter_account_id, submitter_name, submitter_phone_enc, submitter_phone_hash, "
          "submitter_phone_masked, created_at, accept_due, respond_due, resolve_due, updated_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'submitted', 1, $12, $13, $14, "
          "$15, $16, $17, $18, $19, $20, $21, $22, $19) RETURNING id",
          params));
  // Event ids must become visible in id order (the SSE stream and Open311
  // updates page by id): PostgreSQL could otherwise commit a later id first.
  CG_TRY(conn.LockKey(kTicketEventLock));
  json::object data;
  data["category"] = c.code;
  data["channel"] = TicketChannelName(p.input.channel);
  data["kind"] = TicketKindName(p.input.kind);
  CG_ASSIGN_OR_RETURN(
      int64_t event_id,
      conn.QueryInt("INSERT INTO ticket_event (ticket_id, seq, type, actor_account_id, "
                    "actor_label, at, note, data, state_after) VALUES ($1, 1, 'submit', $2, $3, "
                    "$4, '', $5, 'submitted') RETURNING id",
                    {id, p.input.anonymous ? store::Value() : store::Value(caller.account_id),
                     p.actor_label, now, json::serialize(data)}));
  CG_TRY(LinkAttachments(conn, &caller, id, event_id, p.input.attachment_ids));
  if (p.input.idempotency_key) {
    CG_TRY(RememberKey(conn, caller.account_id, *p.input.idempotency_key, p.request_hash, id,
                       event_id, now));
  }
  CG_ASSIGN_OR_RETURN(Ticket ticket, Load(conn, id));
  TicketChange change;
  change.after = ticket;
  change.event = TicketEvent{event_id,
                             id,
                             1,
                             TT::kSubmit,
                             p.input.anonymous ? std::nullopt : std::optional(caller.account_id),
                             p.actor_label,
                             now,
                             "",
                             json::serialize(data),
                             TicketState::kSubmitted,
                             p.input.attachment_ids};
  for (TicketObserver* o : observers_) CG_TRY(o->InTransaction(conn, change));
  return Inserted{std::move(ticket), true, std::move(change)};
}

void TicketService::NotifyCommitted(const TicketChange& change) {
  for (TicketObserver* o : observers_) o->Committed(change);
}

core::Result<Ticket> TicketService::Submit(const Caller& caller, const NewTicket& in) {
  CG_ASSIGN_OR_RETURN(PreparedTicket prepared, Prepare(caller, in));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Inserted inserted, Insert(*conn, caller, prepared));
  CG_TRY(tx.Commit());
  if (inserted.change) NotifyCommitted(*inserted.change);
  return inserted.ticket;
}

core::Status TicketService::LinkAttachments(store::Connection& conn, const Caller* caller,
                                            int64_t ticket_id, std::optional<int64_t> event_id,
                                            const std::vector<int64_t>& ids) {
  if (ids.size() > options_.max_attachments) {
    return Error::Invalid("attachment_ids",
                          "附件不能超过 " + std::to_string(options_.max_attachments) + " 个");
  }
  for (int64_t aid : ids) {
    // One attachment row is shared by everyone who uploaded the same bytes;
    // attachment_upload records each uploader.
    auto row = conn.QueryOne(
        "SELECT a.id, CASE WHEN EXISTS (SELECT 1 FROM attachment_upload u WHERE u.attachment_id "
        "= a.id AND u.account_id = $2) THEN 1 ELSE 0 END FROM attachment a WHERE a.id = $1",
        {aid, caller ? store::Value(caller->account_id) : store::Value(int64_t{0})});
    if (!row.ok()) {
      if (row.error().code == core::ErrorCode::kNotFound) {
        return Error::Invalid("attachment_ids", "附件 " + std::to_string(aid) + " 不存在");
      }
      return row.error();
    }
    const bool mine = caller && row->Int(1) != 0;
    if (!mine && !(caller && IsStaff(caller->role))) {
      return Error::Invalid("attachment_ids", "附件 " + std::to_string(aid) + " 不是本人上传的");
    }
    CG_TRY(conn.Execute(
        "INSERT INTO ticket_attachment (ticket_id, attachment_id, event_id) VALUES ($1, $2, $3) "
        "ON CONFLICT DO NOTHING",
        {ticket_id, aid, event_id}));
  }
  return {};
}

// --- reads -------------------------------------------------------------------

core::Result<Ticket> TicketService::Get(const Caller& caller, int64_t id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  return LoadVisible(*conn, caller, id);
}

core::Result<Ticket> TicketService::GetByNumber(const Caller& caller, std::string_view number) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  auto row = conn->QueryOne("SELECT id FROM ticket WHERE number = $1", {number});
  if (!row.ok()) {
    if (row.error().code == core::ErrorCode::kNotFound) return Error::NotFound("工单不存在");
    return row.error();
  }
  return LoadVisible(*conn, caller, row->Int(0));
}

core::Result<std::vector<AssigneeOption>> TicketService::Assignees(const Caller& caller, int64_t id,
                                                                   int64_t per_kind) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(Ticket t, LoadVisible(*conn, caller, id));
  if (!IsManager(caller.role) || !caller.InScope(t.path)) {
    return Error::Forbidden("只有管辖该工单的管理人员可以派单");
  }
  const std::string under = InSubtreeOf("n", "$1");  // the ticket lies under node n
  std::vector<AssigneeOption> out;
  CG_ASSIGN_OR_RETURN(Category category, categories_.Load(*conn, t.category_id));
  if (category.public_board) {
    out.push_back({Assignee{AssigneeKind::kBoard, 0, "社区点单栏"}, ""});
  }
  // Each kind: id, name, detail, as CheckAssignee would accept them.
  const std::pair<AssigneeKind, std::string> kinds[] = {
      {AssigneeKind::kAccount,
       "SELECT a.id, a.display_name, a.role FROM account a JOIN org_node n ON n.id = "
       "a.scope_node_id WHERE a.disabled = 0 AND a.role IN ('county_admin', 'street_admin', "
       "'community_secretary', 'community_worker', 'grid_worker') AND " +
           under + " ORDER BY length(n.path) DESC, a.id LIMIT $2"},
      {AssigneeKind::kUnit,
       "SELECT u.id, u.name, u.kind FROM unit u WHERE (u.kind IN ('government', "
       "'public_institution') AND EXISTS (SELECT 1 FROM org_node n WHERE n.id = u.node_id AND " +
           under +
           ")) OR EXISTS (SELECT 1 FROM unit_pairing up JOIN org_node n ON n.id = up.node_id "
           "WHERE up.unit_id = u.id AND " +
           under + ") ORDER BY u.id LIMIT $2"},
      {AssigneeKind::kMember,
       "SELECT m.id, m.name, m.skills FROM party_member m JOIN org_node n ON n.id = "
       "m.residence_node_id WHERE " +
           under + " ORDER BY m.id LIMIT $2"},
  };
  for (const auto& [kind, sql] : kinds) {
    CG_ASSIGN_OR_RETURN(store::Rows rows, conn->Query(sql, {t.path, per_kind}));
    for (const auto& r : rows) out.push_back({Assignee{kind, r.Int(0), r.Text(1)}, r.Text(2)});
  }
  return out;
}

core::Result<TicketContact> TicketService::RevealContact(const Caller& caller, int64_t id) {
  CG_TRY(caller.Require(Permission::kPiiReveal));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_TRY(CheckVisible(*conn, caller, id));
  CG_ASSIGN_OR_RETURN(store::Row row,
                      conn->QueryOne("SELECT anonymous, submitter_name, submitter_phone_enc FROM "
                                     "ticket WHERE id = $1",
                                     {id}));
  if (row.Int(0) != 0) return Error::NotFound("匿名工单不提供联系方式");
  TicketContact out;
  out.name = row.Text(1);
  if (!row.IsNull(2)) {
    CG_ASSIGN_OR_RETURN(out.phone, cipher_.Decrypt(row.Text(2)));
  }
  // The read is recorded before the value leaves: no audit entry, no data.
  CG_TRY(audit_.Append(*conn, caller, "pii.reveal", "ticket", id, "submitter_phone"));
  CG_TRY(tx.Commit());
  return out;
}

core::Result<PageOf<Ticket>> TicketService::List(const Caller& caller, const TicketFilter& f) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  Where w = VisibleWhere(*this, caller);
  if (f.within) {
    CG_ASSIGN_OR_RETURN(PathRange r, WithinScope(*conn, caller, f.within));
    w.And("t.path >= " + w.Param(r.lo) + " AND t.path < " + w.Param(r.hi));
  }
  if (f.state) w.And("t.state = " + w.Param(std::string(TicketStateName(*f.state))));
  if (f.open) w.And(std::string(*f.open ? "t.state NOT IN " : "t.state IN ") + kFinishedStates);
  if (f.category_id) w.And("t.category_id = " + w.Param(*f.category_id));
  if (f.kind) w.And("t.kind = " + w.Param(std::string(TicketKindName(*f.kind))));
  if (f.mine) {
    const std::string me = w.Param(caller.account_id);
    w.And("(t.submitter_account_id = " + me +
          " OR EXISTS (SELECT 1 FROM ticket_follower f WHERE f.ticket_id = t.id AND f.account_id "
          "= " +
          me + "))");
  }
  if (f.assigned) {
    if (caller.role == Role::kPartyMember && caller.party_member_id) {
      w.And("t.assignee_kind = 'member' AND t.assignee_id = " + w.Param(*caller.party_member_id));
    } else if (caller.role == Role::kUnitAdmin && caller.unit_id) {
      const std::string unit = w.Param(*caller.unit_id);
      w.And("((t.assignee_kind = 'unit' AND t.assignee_id = " + unit +
            ") OR EXISTS (SELECT 1 FROM ticket_escalation x WHERE x.ticket_id = t.id AND "
            "x.unit_id = " +
            unit + "))");
    } else {
      w.And("t.assignee_kind = 'account' AND t.assignee_id = " + w.Param(caller.account_id));
    }
  }
  if (f.overdue) w.And("t.overdue <> 0");
  if (f.created_from) w.And("t.created_at >= " + w.Param(*f.created_from));
  if (f.created_to) w.And("t.created_at < " + w.Param(*f.created_to));
  if (f.updated_from) w.And("t.updated_at >= " + w.Param(*f.updated_from));
  return SelectPage(*conn, caller, std::move(w), f.page);
}

core::Result<PageOf<Ticket>> TicketService::Board(const Caller& caller, bool my_skills,
                                                  const Page& page) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  // Claimers see what they may claim (not public wishes of other
  // communities); staff and residents the published tickets they may see.
  Where w;
  const std::string board = OnBoardOf(caller, [&w](store::Value v) { return w.Param(v); });
  if (board.empty()) {
    w = VisibleWhere(*this, caller);
    w.And("t.state = 'published'");
  } else {
    w.And(board);
  }
  if (my_skills) {
    std::string skills;
    if (caller.party_member_id) {
      auto row = conn->QueryOne("SELECT skills FROM party_member WHERE id = $1",
                                {*caller.party_member_id});
      if (row.ok()) skills = row->Text(0);
    }
    std::string list;
    size_t start = 0;
    while (start < skills.size()) {
      size_t end = skills.find(',', start);
      if (end == std::string::npos) end = skills.size();
      if (end > start) {
        list += (list.empty() ? "" : ", ") + w.Param(skills.substr(start, end - start));
      }
      start = end + 1;
    }
    w.And(list.empty() ? "1 = 0" : "c.skill IN (" + list + ")");
  }
  return SelectPage(*conn, caller, std::move(w), page);
}

core::Result<std::vector<Ticket>> TicketService::Nearby(const Caller& caller, int64_t category_id,
                                                        core::LonLat location, bool gcj02) {
  CG_TRY(core::ValidateLonLat(location, "location"));
  auto category = categories_.Get(category_id);
  if (!category.ok()) return Error::Invalid("category_id", "诉求类别不存在");
  std::vector<Ticket> out;
  const double radius = static_cast<double>(category->duplicate_radius_m);
  if (radius <= 0) return out;
  const core::LonLat here =
      core::ToWgs84(location, gcj02 ? core::CoordSys::kGcj02 : core::CoordSys::kWgs84);
  const double dlat = radius / 111'320.0;
  const double dlon = radius / (111'320.0 * std::max(0.01, std::cos(here.lat * M_PI / 180.0)));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  Where w = VisibleWhere(*this, caller);
  w.And("t.category_id = " + w.Param(category_id));
  w.And(std::string("t.state NOT IN ") + kFinishedStates);
  w.And("t.lat >= " + w.Param(here.lat - dlat) + " AND t.lat <= " + w.Param(here.lat + dlat));
  w.And("t.lon >= " + w.Param(here.lon - dlon) + " AND t.lon <= " + w.Param(here.lon + dlon));
  CG_ASSIGN_OR_RETURN(std::vector<Ticket> box, Select(*conn, caller, w, "ORDER BY t.id LIMIT 200"));
  for (Ticket& t : box) {
    if (t.location && core::HaversineMeters(here, *t.location) <= radius)
      out.push_back(std::move(t));
  }
  std::sort(out.begin(), out.end(), [&](const Ticket& a, const Ticket& b) {
    return core::HaversineMeters(here, *a.location) < core::HaversineMeters(here, *b.location);
  });
  return out;
}

core::Status TicketService::Follow(const Caller& caller, int64_t id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(Ticket t, LoadVisible(*conn, caller, id));
  CG_TRY(conn->Execute(
      "INSERT INTO ticket_follower (ticket_id, account_id, created_at) VALUES ($1, $2, $3) ON "
      "CONFLICT DO NOTHING",
      {t.id, caller.account_id, clock_.NowMs()}));
  return {};
}

core::Result<std::vector<TicketEvent>> TicketService::Events(const Caller& caller, int64_t id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(Ticket t, LoadVisible(*conn, caller, id));
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query(std::string(kEventColumns) + "WHERE e.ticket_id = $1 ORDER BY e.seq", {t.id}));
  CG_ASSIGN_OR_RETURN(store::Rows links,
                      conn->Query("SELECT event_id, attachment_id FROM ticket_attachment WHERE "
                                  "ticket_id = $1 ORDER BY attachment_id",
                                  {t.id}));
  std::vector<TicketEvent> out;
  for (const auto& r : rows) {
    TicketEvent e = EventFromRow(r);
    for (const auto& l : links) {
      if (l.OptInt(0) == e.id) e.attachment_ids.push_back(l.Int(1));
    }
    // Other people's names stay out of a resident's view of the history.
    if (!IsStaff(caller.role) && e.actor_account_id != caller.account_id && e.type == TT::kSubmit &&
        t.submitter_account_id != caller.account_id) {
      e.actor_label = "居民";
    }
    out.push_back(std::move(e));
  }
  return out;
}

core::Result<std::vector<Escalation>> TicketService::Escalations(const Caller& caller, int64_t id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(Ticket t, LoadVisible(*conn, caller, id));
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query("SELECT x.id, x.ticket_id, x.unit_id, u.name, x.called_at, x.report_due, "
                  "x.resolve_due, x.responded_at, x.response, x.overdue FROM ticket_escalation x "
                  "JOIN unit u ON u.id = x.unit_id WHERE x.ticket_id = $1 ORDER BY x.id",
                  {t.id}));
  std::vector<Escalation> out;
  for (const auto& r : rows) {
    out.push_back(Escalation{r.Int(0), r.Int(1), r.Int(2), r.Text(3), r.Int(4), r.Int(5), r.Int(6),
                             r.OptInt(7), r.OptText(8), r.Int(9) != 0});
  }
  return out;
}

core::Result<std::vector<TicketEvent>> TicketService::EventsAfter(const Caller& caller,
                                                                  int64_t after, int64_t limit) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  Visibility v = VisibleTo(caller, 3);
  store::Params params{after, std::clamp<int64_t>(limit, 1, kMaxPageSize)};
  params.insert(params.end(), v.params.begin(), v.params.end());
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query(std::string(kEventColumns) +
                                      "JOIN ticket t ON t.id = e.ticket_id WHERE e.id > $1 AND " +
                                      v.sql + " ORDER BY e.id LIMIT $2",
                                  params));
  std::vector<TicketEvent> out;
  for (const auto& r : rows) out.push_back(EventFromRow(r));
  return out;
}

// --- actions -----------------------------------------------------------------

core::Result<bool> TicketService::MayClaim(store::Connection& conn, const Caller& caller,
                                           const std::string& path) {
  if (caller.role == Role::kPartyMember && caller.party_member_id) return caller.InScope(path);
  if (caller.role == Role::kUnitAdmin && caller.unit_id) {
    return UnitPairedWith(conn, *caller.unit_id, path);
  }
  return false;
}

core::Status TicketService::Authorize(store::Connection& conn, const Caller& caller,
                                      const Ticket& t, const TicketAction& a) {
  const Role r = caller.role;
  const bool manager = IsManager(r) && caller.InScope(t.path);
  auto is_assignee = [&] {
    if (!t.assignee) return false;
    switch (t.assignee->kind) {
      case AssigneeKind::kMember:
        return caller.party_member_id == t.assignee->id;
      case AssigneeKind::kUnit:
        return r == Role::kUnitAdmin && caller.unit_id == t.assignee->id;
      case AssigneeKind::kAccount:
        return caller.account_id == t.assignee->id;
      case AssigneeKind::kBoard:
        return false;
    }
    return false;
  };
  const Error forbidden = Error::Forbidden("无权对该工单执行此操作");
  switch (a.type) {
    case TT::kSubmit:
      return Error::Invalid("type", "提交请使用 POST /api/v1/tickets");
    case TT::kClose:
      // 撤单: the submitter may withdraw a demand nobody has taken on yet
      // (the state machine allows closing only before work starts).
      if (!manager && t.submitter_account_id == caller.account_id && !a.duplicate_of &&
          t.state != TicketState::kResolved) {
        return {};
      }
      if (!manager) return forbidden;
      return {};
    case TT::kAccept:
    case TT::kReject:
    case TT::kDispatch:
    case TT::kReopen:
    case TT::kCallback:
      if (!manager) return forbidden;
      return {};
    case TT::kClaim: {
      if (t.state != TicketState::kPublished) return {};  // the state machine answers
      CG_ASSIGN_OR_RETURN(bool may, MayClaim(conn, caller, t.path));
      if (may) return {};
      return Error::Forbidden("只有在该社区报到的党员或包联单位可以认领");
    }
    case TT::kStart:
    case TT::kReturn:
    case TT::kResolve:
      if (manager || is_assignee()) return {};
      return forbidden;
    case TT::kEscalate:
    case TT::kSupervise:
      if ((r == Role::kStreetAdmin || r == Role::kCountyAdmin) && caller.InScope(t.path)) {
        return {};
      }
      return Error::Forbidden("只有街道或县级管理员可以吹哨或督办");
    case TT::kRespond: {
      if (manager && a.unit_id) return {};
      if (r == Role::kUnitAdmin && caller.unit_id) return {};
      if (manager) return Error::Invalid("unit_id", "请指明代哪个部门报到");
      return forbidden;
    }
    case TT::kRate:
      // Staff findings are not rated by their finder: 满意率 is the public's.
      if (t.kind == TicketKind::kPatrol || t.kind == TicketKind::kAlert ||
          t.kind == TicketKind::kFollowUp) {
        return Error::Forbidden("巡查、预警和会议转办的工单不评价，以回访结果为准");
      }
      // A demand taken by phone or through Open311 has no account to rate
      // it: staff record the caller's rating when they call back.
      if (!t.submitter_account_id &&
          (t.channel == TicketChannel::kPhone || t.channel == TicketChannel::kOpen311)) {
        if (manager) return {};
        return Error::Forbidden("电话或 Open311 诉求的评价由回访人员代为记录");
      }
      if (!t.submitter_account_id || t.submitter_account_id != caller.account_id) {
        return Error::Forbidden("只有提交人可以评价");
      }
      return {};
    case TT::kComment:
      return {};
  }
  return forbidden;
}

core::Result<Assignee> TicketService::CheckAssignee(store::Connection& conn, const Ticket& t,
                                                    const Assignee& a) {
  switch (a.kind) {
    case AssigneeKind::kBoard: {
      CG_ASSIGN_OR_RETURN(Category c, categories_.Load(conn, t.category_id));
      if (!c.public_board) return Error::Invalid("assignee.kind", "该类别不能上架社区点单栏");
      return Assignee{AssigneeKind::kBoard, 0, "社区点单栏"};
    }
    case AssigneeKind::kMember: {
      auto row = conn.QueryOne(
          "SELECT m.name, n.path FROM party_member m LEFT JOIN org_node n ON n.id = "
          "m.residence_node_id WHERE m.id = $1",
          {a.id});
      if (!row.ok()) return Error::Invalid("assignee.id", "党员不存在");
      if (row->IsNull(1) || !PathWithin(t.path, row->Text(1))) {
        return Error::Invalid("assignee.id", "该党员未在工单所在社区报到");
      }
      return Assignee{AssigneeKind::kMember, a.id, row->Text(0)};
    }
    case AssigneeKind::kUnit: {
      auto row = conn.QueryOne("SELECT name, kind FROM unit WHERE id = $1", {a.id});
      if (!row.ok()) return Error::Invalid("assignee.id", "单位不存在");
      const bool department = row->Text(1) == "government" || row->Text(1) == "public_institution";
      if (!department) {
        CG_ASSIGN_OR_RETURN(bool paired, UnitPairedWith(conn, a.id, t.path));
        if (!paired) return Error::Invalid("assignee.id", "该单位不是部门，也未与工单所在社区包联");
      }
      return Assignee{AssigneeKind::kUnit, a.id, row->Text(0)};
    }
    case AssigneeKind::kAccount: {
      auto row = conn.QueryOne(
          "SELECT a.display_name, a.role, n.path, a.disabled FROM account a JOIN org_node n ON "
          "n.id = a.scope_node_id WHERE a.id = $1",
          {a.id});
      if (!row.ok() || row->Int(3) != 0) return Error::Invalid("assignee.id", "账号不存在或已停用");
      auto role = ParseRole(row->Text(1), "role");
      if (!role.ok() || !IsStaff(*role) || !PathWithin(t.path, row->Text(2))) {
        return Error::Invalid("assignee.id", "该账号不是负责工单所在网格的工作人员");
      }
      return Assignee{AssigneeKind::kAccount, a.id, row->Text(0)};
    }
  }
  return Error::Invalid("assignee.kind", "未知的承办对象类型");
}

core::Result<TicketChange> TicketService::Append(store::Connection& conn, const Caller* caller,
                                                 const Ticket& before, const TicketAction& a) {
  const int64_t now = clock_.NowMs();
  TransitionInput input;
  input.type = a.type;
  if (a.assignee) input.assignee = a.assignee->kind;
  input.rating = a.rating;
  MachineState current{before.state, before.reopen_count, 0};
  if (a.type == TT::kRate) {  // only ratings are bounded by the ones that reopened before
    CG_ASSIGN_OR_RETURN(current.rating_reopens,
                        conn.QueryInt("SELECT COUNT(*) FROM ticket_event WHERE ticket_id = $1 AND "
                                      "type = 'rate' AND state_after = 'accepted'",
                                      {before.id}));
  }
  CG_ASSIGN_OR_RETURN(MachineState next, Apply(current, input, options_.max_reopens));
  CG_ASSIGN_OR_RETURN(std::string note, CleanText(a.note, "note", 1000, false));

  // Column updates of this event.
  std::string set;
  store::Params params;
  auto p = [&](store::Value value) {
    params.push_back(std::move(value));
    return "$" + std::to_string(params.size());
  };
  auto assign = [&](std::string_view column, store::Value value) {
    set += ", " + std::string(column) + " = " + p(std::move(value));
  };
  json::object data;
  const std::string now_p = p(now);
  auto responded = [&] { set += ", responded_at = COALESCE(responded_at, " + now_p + ")"; };
  switch (a.type) {
    case TT::kAccept:
      set += ", accepted_at = " + now_p;
      break;
    case TT::kDispatch: {
      if (!a.assignee) return Error::Invalid("assignee", "派单须指定承办对象");
      CG_ASSIGN_OR_RETURN(Assignee target, CheckAssignee(conn, before, *a.assignee));
      assign("assignee_kind", std::string(AssigneeKindName(target.kind)));
      assign("assignee_id",
             target.kind == AssigneeKind::kBoard ? store::Value() : store::Value(target.id));
      set += ", accepted_at = COALESCE(accepted_at, " + now_p + ")";
      data["assignee_kind"] = AssigneeKindName(target.kind);
      if (target.kind != AssigneeKind::kBoard) data["assignee_id"] = target.id;
      data["assignee_name"] = target.name;
      break;
    }
    case TT::kClaim: {
      Assignee target;
      if (caller->role == Role::kUnitAdmin) {
        target = Assignee{AssigneeKind::kUnit, *caller->unit_id, ""};
      } else {
        target = Assignee{AssigneeKind::kMember, *caller->party_member_id, ""};
      }
      assign("assignee_kind", std::string(AssigneeKindName(target.kind)));
      assign("assignee_id", target.id);
      responded();
      data["assignee_kind"] = AssigneeKindName(target.kind);
      data["assignee_id"] = target.id;
      break;
    }
    case TT::kStart:
      responded();
      break;
    case TT::kEscalate: {
      if (a.unit_ids.empty() || a.unit_ids.size() > 20) {
        return Error::Invalid("unit_ids", "请指定 1–20 个报到部门");
      }
      const int64_t report_minutes = a.report_minutes.value_or(options_.escalation_report_minutes);
      const int64_t resolve_minutes =
          a.resolve_minutes.value_or(options_.escalation_resolve_minutes);
      if (report_minutes < 5 || report_minutes > 7 * 24 * 60) {
        return Error::Invalid("report_minutes", "报到时限应为 5 分钟到 7 天");
      }
      if (resolve_minutes < report_minutes || resolve_minutes > 90 * 24 * 60) {
        return Error::Invalid("resolve_minutes", "办结时限应不短于报到时限且不超过 90 天");
      }
      json::array units;
      for (int64_t unit : a.unit_ids) {
        auto row = conn.QueryOne("SELECT kind FROM unit WHERE id = $1", {unit});
        if (!row.ok())
          return Error::Invalid("unit_ids", "部门 " + std::to_string(unit) + " 不存在");
        if (row->Text(0) != "government" && row->Text(0) != "public_institution") {
          return Error::Invalid("unit_ids", "单位 " + std::to_string(unit) + " 不是职能部门");
        }
        CG_ASSIGN_OR_RETURN(int64_t dup, conn.QueryInt("SELECT COUNT(*) FROM ticket_escalation "
                                                       "WHERE ticket_id = $1 AND unit_id = $2",
                                                       {before.id, unit}));
        if (dup > 0) {
          return Error::Invalid("unit_ids", "部门 " + std::to_string(unit) + " 已被呼叫");
        }
        CG_TRY(conn.Execute(
            "INSERT INTO ticket_escalation (ticket_id, unit_id, called_by, called_at, report_due, "
            "resolve_due) VALUES ($1, $2, $3, $4, $5, $6)",
            {before.id, unit, caller->account_id, now, now + report_minutes * core::kMsPerMinute,
             now + resolve_minutes * core::kMsPerMinute}));
        units.push_back(unit);
      }
      set += ", accepted_at = COALESCE(accepted_at, " + now_p + ")";
      const int64_t resolve_due = now + resolve_minutes * core::kMsPerMinute;
      if (resolve_due < before.resolve_due) assign("resolve_due", resolve_due);
      data["unit_ids"] = std::move(units);
      data["report_due"] = now + report_minutes * core::kMsPerMinute;
      data["resolve_due"] = resolve_due;
      break;
    }
    case TT::kRespond: {
      const int64_t unit = caller->role == Role::kUnitAdmin ? *caller->unit_id : *a.unit_id;
      if (caller->role == Role::kUnitAdmin && a.unit_id && *a.unit_id != unit) {
        return Error::Forbidden("只能代表本单位报到");
      }
      auto row = conn.QueryOne(
          "SELECT id, report_due, responded_at FROM ticket_escalation WHERE ticket_id = $1 AND "
          "unit_id = $2",
          {before.id, unit});
      if (!row.ok()) {
        if (caller->role == Role::kUnitAdmin) return Error::Forbidden("本单位未被呼叫处置该工单");
        return Error::Invalid("unit_id", "该部门未被呼叫处置该工单");
      }
      if (!row->IsNull(2)) return Error::Conflict("该部门已经报到", "unit_id");
      if (note.empty()) return Error::Invalid("note", "请填写报到处置情况");
      const bool late = now > row->Int(1);
      CG_TRY(conn.Execute(
          "UPDATE ticket_escalation SET responded_at = $1, response = $2, overdue = $3 WHERE id "
          "= $4",
          {now, note, late, row->Int(0)}));
      if (late) set += ", overdue = overdue | 8";
      responded();
      data["unit_id"] = unit;
      data["late"] = late;
      break;
    }
    case TT::kResolve:
      if (note.empty()) return Error::Invalid("note", "请填写办理结果");
      set += ", resolved_at = " + now_p;
      responded();
      break;
    case TT::kReturn:
      set += ", assignee_kind = NULL, assignee_id = NULL";
      break;
    case TT::kRate: {
      if (!a.rating || *a.rating < kMinRating || *a.rating > kMaxRating) {
        return Error::Invalid("rating", "评价应为 1–5 的整数");
      }
      assign("rating", *a.rating);
      assign("rating_comment", note);
      set += ", rated_at = " + now_p;
      if (next.state == TicketState::kClosed) {
        set += ", closed_at = " + now_p;
      } else {
        set += ", resolved_at = NULL, assignee_kind = NULL, assignee_id = NULL";
      }
      data["rating"] = *a.rating;
      data["reopened"] = next.state != TicketState::kClosed;
      break;
    }
    case TT::kCallback: {
      const std::string outcome = a.outcome.value_or("");
      if (outcome != "solved" && outcome != "unsolved" && outcome != "unreachable") {
        return Error::Invalid("outcome", "回访结果应为 solved、unsolved 或 unreachable");
      }
      assign("callback_outcome", outcome);
      data["outcome"] = outcome;
      break;
    }
    case TT::kReopen:
      set += ", resolved_at = NULL, closed_at = NULL, assignee_kind = NULL, assignee_id = NULL";
      break;
    case TT::kSupervise:
      set += ", supervised = 1";
      break;
    case TT::kClose:
      set += ", closed_at = " + now_p;
      if (a.duplicate_of) {
        if (*a.duplicate_of == before.id) return Error::Invalid("duplicate_of", "不能与自身重复");
        auto row = conn.QueryOne("SELECT path FROM ticket WHERE id = $1", {*a.duplicate_of});
        if (!row.ok() || (caller && !caller->InScope(row->Text(0)))) {
          return Error::Invalid("duplicate_of", "被重复的工单不存在或不在管辖范围内");
        }
        assign("duplicate_of", *a.duplicate_of);
        data["duplicate_of"] = *a.duplicate_of;
      }
      break;
    case TT::kReject:
      if (note.empty()) return Error::Invalid("note", "请填写不予受理的理由");
      set += ", closed_at = " + now_p;
      break;
    case TT::kSubmit:
    case TT::kComment:
      break;
  }
  assign("state", std::string(TicketStateName(next.state)));
  assign("reopen_count", next.reopen_count);
  const std::string id_p = p(before.id);
  const std::string version_p = p(before.version);
  CG_ASSIGN_OR_RETURN(
      int64_t changed,
      conn.Execute("UPDATE ticket SET version = version + 1, updated_at = " + now_p + set +
                       " WHERE id = " + id_p + " AND version = " + version_p,
                   params));
  if (changed == 0) {
    return Error::Conflict("工单已被他人处理，请刷新后重试", "version");
  }
  CG_TRY(conn.LockKey(kTicketEventLock));
  const std::string actor = caller ? ActorLabel(conn, *caller) : "系统督办";
  const std::string data_text = json::serialize(data);
  CG_ASSIGN_OR_RETURN(
      int64_t event_id,
      conn.QueryInt("INSERT INTO ticket_event (ticket_id, seq, type, actor_account_id, "
                    "actor_label, at, note, data, state_after) VALUES ($1, $2, $3, $4, $5, $6, "
                    "$7, $8, $9) RETURNING id",
                    {before.id, before.version + 1, std::string(TicketEventTypeName(a.type)),
                     caller ? store::Value(caller->account_id) : store::Value(), actor, now, note,
                     data_text, std::string(TicketStateName(next.state))}));
  CG_TRY(LinkAttachments(conn, caller, before.id, event_id, a.attachment_ids));
  TicketChange change;
  change.before = before;
  CG_ASSIGN_OR_RETURN(change.after, Load(conn, before.id));
  change.event = TicketEvent{event_id,
                             before.id,
                             before.version + 1,
                             a.type,
                             caller ? std::optional(caller->account_id) : std::nullopt,
                             actor,
                             now,
                             note,
                             data_text,
                             next.state,
                             a.attachment_ids};
  for (TicketObserver* o : observers_) CG_TRY(o->InTransaction(conn, change));
  return change;
}

core::Result<Ticket> TicketService::Act(const Caller& caller, int64_t id,
                                        const TicketAction& action) {
  CG_ASSIGN_OR_RETURN(Acted acted, Perform(caller, id, action));
  return std::move(acted.ticket);
}

core::Result<TicketService::Acted> TicketService::Perform(const Caller& caller, int64_t id,
                                                          const TicketAction& action) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  auto visible = CheckVisible(*conn, caller, id);
  if (!visible.ok() && visible.error().code == core::ErrorCode::kNotFound &&
      action.type == TT::kClaim) {
    // A member who could have claimed it while it was on the board learns
    // that someone else was quicker (409), not that it vanished (404).
    auto raw = Load(*conn, id);
    if (raw.ok()) {
      CG_ASSIGN_OR_RETURN(bool may, MayClaim(*conn, caller, raw->path));
      if (may) {
        return Error::Conflict(std::string("工单已被认领或已撤下，当前状态：") +
                                   std::string(TicketStateName(raw->state)),
                               "state");
      }
    }
  }
  if (!visible.ok()) return visible.error();
  // Unmasked: observers see the stored ticket before and after.
  CG_ASSIGN_OR_RETURN(Ticket before, Load(*conn, id));
  std::string digest;
  if (action.idempotency_key) {
    digest = ActionDigest(id, action);
    CG_ASSIGN_OR_RETURN(std::optional<KeyUse> seen,
                        SeenKey(*conn, caller.account_id, *action.idempotency_key, digest));
    if (seen) {  // a retry of an action that committed: the ticket as it is now
      MaskFor(caller, before);
      return Acted{std::move(before), seen->event_id, true};
    }
  }
  if (action.expected_version && *action.expected_version != before.version) {
    return Error::Conflict("工单已更新到版本 " + std::to_string(before.version) + "，请刷新后重试",
                           "version");
  }
  CG_TRY(Authorize(*conn, caller, before, action));
  CG_ASSIGN_OR_RETURN(TicketChange change, Append(*conn, &caller, before, action));
  if (action.idempotency_key) {
    CG_TRY(RememberKey(*conn, caller.account_id, *action.idempotency_key, digest, id,
                       change.event.id, clock_.NowMs()));
  }
  CG_TRY(tx.Commit());
  NotifyCommitted(change);
  // The ticket as this action left it, even when the caller no longer sees it
  // (a member who returns a claim): the action did succeed.
  Acted acted{std::move(change.after), change.event.id, false};
  MaskFor(caller, acted.ticket);
  return acted;
}

core::Result<int64_t> TicketService::CheckOverdue() {
  const int64_t now = clock_.NowMs();
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  std::vector<TicketChange> changes;
  {
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
    // Departments that missed their report deadline.
    CG_ASSIGN_OR_RETURN(store::Rows late,
                        conn->Query("SELECT id, ticket_id FROM ticket_escalation WHERE "
                                    "responded_at IS NULL AND overdue = 0 AND report_due < $1",
                                    {now}));
    for (const auto& r : late) {
      CG_TRY(conn->Execute("UPDATE ticket_escalation SET overdue = 1 WHERE id = $1", {r.Int(0)}));
    }
    CG_ASSIGN_OR_RETURN(
        store::Rows due,
        conn->Query(
            "SELECT t.id, "
            "CASE WHEN t.accepted_at IS NULL AND t.accept_due < $1 THEN 1 ELSE 0 END + "
            "CASE WHEN t.responded_at IS NULL AND t.respond_due < $1 THEN 2 ELSE 0 END + "
            "CASE WHEN t.resolved_at IS NULL AND t.resolve_due < $1 THEN 4 ELSE 0 END + "
            "CASE WHEN EXISTS (SELECT 1 FROM ticket_escalation x WHERE x.ticket_id = t.id AND "
            "x.overdue = 1 AND x.responded_at IS NULL) THEN 8 ELSE 0 END "
            "FROM ticket t WHERE t.state NOT IN " +
                std::string(kFinishedStates) +
                " AND ("
                "(t.accepted_at IS NULL AND t.accept_due < $1 AND (t.overdue & 1) = 0) OR "
                "(t.responded_at IS NULL AND t.respond_due < $1 AND (t.overdue & 2) = 0) OR "
                "(t.resolved_at IS NULL AND t.resolve_due < $1 AND (t.overdue & 4) = 0) OR "
                "(t.state = 'escalated' AND (t.overdue & 8) = 0 AND EXISTS (SELECT 1 FROM "
                "ticket_escalation x WHERE x.ticket_id = t.id AND x.overdue = 1 AND x.responded_at "
                "IS NULL))) ORDER BY t.id LIMIT 1000",
            {now}));
    for (const auto& r : due) {
      CG_ASSIGN_OR_RETURN(Ticket before, Load(*conn, r.Int(0)));
      const int64_t bits = r.Int(1) & ~before.overdue;
      CG_TRY(conn->Execute("UPDATE ticket SET overdue = overdue | $1 WHERE id = $2",
                           {bits, before.id}));
      TicketAction action;
      action.type = TT::kSupervise;
      std::string what;
      if (bits & kOverdueAccept) what += "受理超时 ";
      if (bits & kOverdueRespond) what += "响应超时 ";
      if (bits & kOverdueResolve) what += "办结超时 ";
      if (bits & kOverdueEscalation) what += "部门报到超时 ";
      action.note = "系统督办：" + what;
      while (!action.note.empty() && action.note.back() == ' ') action.note.pop_back();
      CG_ASSIGN_OR_RETURN(TicketChange change, Append(*conn, nullptr, before, action));
      changes.push_back(std::move(change));
    }
    CG_TRY(tx.Commit());
  }
  for (const auto& c : changes) NotifyCommitted(c);
  return static_cast<int64_t>(changes.size());
}

}  // namespace civicgrid::domain
