// TicketService: submission (Prepare → Insert) and what every action shares:
// masking, actor labels, attachments and the digests under idempotency keys.
// Reads are in ticket_reads.cc, actions in ticket_actions.cc.
#include "domain/tickets/ticket_service.h"

#include <cstdio>

#include "core/pii.h"
#include "domain/tickets/json_text.h"
#include "domain/tickets/ticket_service_internal.h"

namespace civicgrid::domain {

using core::Error;

namespace {

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

// Who may file through which channel, and which kinds.
core::Status CheckChannel(const Caller& caller, const NewTicket& in) {
  const bool staff = IsTicketStaff(caller.role);
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
  return core::Ok();
}

// For idempotency: a digest of everything that makes the request.
std::string SubmissionDigest(const NewTicket& in) {
  JsonText d;
  d.Str("kind", TicketKindName(in.kind))
      .Str("channel", TicketChannelName(in.channel))
      .Int("category_id", in.category_id)
      .Str("title", in.title)
      .Str("description", in.description)
      .Str("address", in.address);
  if (in.location) d.Real("lon", in.location->lon).Real("lat", in.location->lat);
  d.Bool("gcj02", in.gcj02);
  if (in.node_id) d.Int("node_id", *in.node_id);
  d.Bool("anonymous", in.anonymous).Str("contact_name", in.contact_name);
  if (in.phone) d.Str("phone", *in.phone);
  if (in.is_public) d.Bool("is_public", *in.is_public);
  d.Ints("attachment_ids", in.attachment_ids);
  return core::Sha256Hex(d.str());
}

// First routing (小事业主治、大事物业办、难事社区议): the compound of the
// ticket's grid, its property company or owners' committee as the category
// wants, else the community.
core::Status PrepareRoute(TicketStore& store, PreparedTicket& p) {
  if (!p.category.first_route) return core::Ok();
  const FirstRoute wanted = *p.category.first_route;
  p.first_route_wanted = wanted;
  p.first_route = FirstRoute::kCommunity;
  if (wanted == FirstRoute::kCommunity) return core::Ok();
  CG_ASSIGN_OR_RETURN(auto compound, store.CompoundOf(p.node_id));
  if (compound && wanted == FirstRoute::kProperty && compound->property_unit_id) {
    p.first_route = wanted;
    p.first_assignee = Assignee{AssigneeKind::kUnit, *compound->property_unit_id, ""};
    p.first_route_note = "大事物业办：首先交小区物业公司办理";
  } else if (compound && wanted == FirstRoute::kCommittee && compound->committee_account_id) {
    p.first_route = wanted;
    p.first_assignee = Assignee{AssigneeKind::kAccount, *compound->committee_account_id, ""};
    p.first_route_note = "小事业主治：首先交小区业委会办理";
  }
  return core::Ok();
}

}  // namespace

void MaskFor(const Caller& caller, Ticket& t) {
  if (t.submitter_account_id == caller.account_id || IsTicketStaff(caller.role)) return;
  t.submitter_name = MaskName(t.submitter_name);
  t.submitter_phone_masked.reset();
}

std::string ActionDigest(int64_t id, const TicketAction& a) {
  JsonText d;
  auto opt = [&d](std::string_view key, const std::optional<int64_t>& v) {
    v ? d.Int(key, *v) : d.Null(key);
  };
  d.Int("ticket", id).Str("type", TicketEventTypeName(a.type));
  opt("version", a.expected_version);
  d.Str("note", a.note);
  if (a.assignee) {
    d.Object("assignee",
             JsonText().Str("kind", AssigneeKindName(a.assignee->kind)).Int("id", a.assignee->id));
  } else {
    d.Null("assignee");
  }
  d.Ints("units", a.unit_ids);
  opt("report_minutes", a.report_minutes);
  opt("resolve_minutes", a.resolve_minutes);
  opt("unit_id", a.unit_id);
  opt("rating", a.rating);
  a.outcome ? d.Str("outcome", *a.outcome) : d.Null("outcome");
  opt("duplicate_of", a.duplicate_of);
  d.Ints("attachments", a.attachment_ids);
  return core::Sha256Hex(d.str());
}

core::Result<std::optional<TicketStore::KeyUse>> SeenKey(TicketStore& store, int64_t account,
                                                         const std::string& key,
                                                         const std::string& hash) {
  if (key.empty() || key.size() > 200) {
    return Error::Invalid("Idempotency-Key", "幂等键应为 1–200 个字符");
  }
  CG_ASSIGN_OR_RETURN(auto use, store.FindKey(account, key));
  if (use && use->request_hash != hash) {
    return Error::Conflict("该幂等键已用于另一个不同的请求", "Idempotency-Key");
  }
  return use;
}

TicketService::TicketService(store::Db& db, const core::Clock& clock, AuditLog& audit,
                             const core::PiiCipher& cipher, GridLocator& locator,
                             CategoryService& categories, TicketOptions options)
    : db_(db),
      clock_(clock),
      audit_(audit),
      cipher_(cipher),
      locator_(locator),
      categories_(categories),
      options_(options),
      nodes_(options.prepare_cache),
      county_codes_(options.prepare_cache),
      display_names_(options.prepare_cache) {}

void TicketService::ForgetPlaces() {
  nodes_.ForgetAll();
  county_codes_.ForgetAll();
}

core::Result<std::optional<TicketStore::NodeRow>> TicketService::CachedNode(TicketStore& store,
                                                                            int64_t id) {
  const int64_t now = clock_.NowMs();
  if (auto hit = nodes_.Get(id, now)) return hit;
  const uint64_t generation = nodes_.generation();
  CG_ASSIGN_OR_RETURN(auto node, store.Node(id));
  if (node) nodes_.Put(id, *node, now, generation);
  return node;
}

core::Result<std::optional<std::string>> TicketService::CachedCountyCode(TicketStore& store,
                                                                         const std::string& path) {
  const int64_t now = clock_.NowMs();
  if (auto hit = county_codes_.Get(path, now)) return hit;
  const uint64_t generation = county_codes_.generation();
  CG_ASSIGN_OR_RETURN(auto code, store.CountyCode(path));
  if (code) county_codes_.Put(path, *code, now, generation);
  return code;
}

std::string TicketService::CachedDisplayName(TicketStore& store, const Caller& caller) {
  const int64_t now = clock_.NowMs();
  if (auto hit = display_names_.Get(caller.account_id, now)) return *std::move(hit);
  const uint64_t generation = display_names_.generation();
  std::string name = store.DisplayName(caller.account_id, caller.username);
  // The fallback (no row, or the read failed) is not kept.
  if (name != caller.username) display_names_.Put(caller.account_id, name, now, generation);
  return name;
}

std::string TicketService::ActorLabel(TicketStore& store, const Caller& caller) {
  return RoleLabel(caller, CachedDisplayName(store, caller));
}

std::string TicketService::RoleLabel(const Caller& caller, const std::string& name) {
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
  CG_TRY(CheckChannel(caller, in));
  auto category = categories_.Get(in.category_id);
  if (!category.ok()) {
    if (category.error().code == core::ErrorCode::kNotFound) {
      return Error::Invalid("category_id", "诉求类别不存在");
    }
    return category.error();
  }
  if (!category->active) return Error::Invalid("category_id", "诉求类别已停用");
  p.category = *category;
  const TicketOptions& o = options_;
  CG_ASSIGN_OR_RETURN(p.description,
                      CleanText(in.description, "description", o.max_description_chars, true));
  CG_ASSIGN_OR_RETURN(p.title, CleanText(in.title, "title", o.max_title_chars, false));
  if (p.title.empty()) p.title = Prefix(p.description.substr(0, p.description.find('\n')), 30);
  CG_ASSIGN_OR_RETURN(p.address, CleanText(in.address, "address", o.max_address_chars, false));
  if (p.address.find('\n') != std::string::npos) {
    return Error::Invalid("address", "地址应为单行文字");
  }
  if (in.attachment_ids.size() > o.max_attachments) {
    return Error::Invalid("attachment_ids",
                          "附件不能超过 " + std::to_string(o.max_attachments) + " 个");
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  TicketStore store(*conn);
  CG_TRY(PrepareWhere(store, caller, p));
  CG_TRY(PrepareWho(store, caller, p));
  CG_TRY(PrepareRoute(store, p));
  const bool street_issue =
      p.category.group == CategoryGroup::kEvent || p.category.group == CategoryGroup::kComponent;
  p.is_public = in.is_public.value_or(street_issue);
  p.request_hash = SubmissionDigest(in);
  return p;
}

// Where: a location (preferred) or a named grid/community; staff file only
// inside their own part of the tree.
core::Status TicketService::PrepareWhere(TicketStore& store, const Caller& caller,
                                         PreparedTicket& p) {
  const NewTicket& in = p.input;
  const bool staff = IsTicketStaff(caller.role);
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
    CG_ASSIGN_OR_RETURN(auto node, CachedNode(store, *in.node_id));
    if (!node || (node->kind != "grid" && node->kind != "community")) {
      return Error::Invalid("node_id", "所属网格或社区不存在");
    }
    if (staff && !caller.InScope(node->path)) {
      return Error::Invalid("node_id", "所属网格或社区不在管辖范围内");
    }
    p.node_id = *in.node_id;
  } else {
    return Error::Invalid("location", "请提供位置（经纬度）或所属网格");
  }
  CG_ASSIGN_OR_RETURN(auto node, CachedNode(store, p.node_id));
  if (!node) return Error::Invalid("location", "所属网格或社区不存在");
  p.path = node->path;
  p.node_name = node->name;
  if (staff && !caller.InScope(p.path)) return Error::Invalid("location", "该位置不在管辖范围内");
  CG_ASSIGN_OR_RETURN(auto county, CachedCountyCode(store, p.path));
  if (!county) return Error::Invalid("location", "该位置不属于任何县级节点");
  p.county_code = *county;
  return core::Ok();
}

// Who: anonymous where the category allows it, else an account or a phone.
core::Status TicketService::PrepareWho(TicketStore& store, const Caller& caller,
                                       PreparedTicket& p) {
  const NewTicket& in = p.input;
  if (in.anonymous && !p.category.allow_anonymous) {
    return Error::Invalid("anonymous", "该类别不接受匿名诉求");
  }
  CG_ASSIGN_OR_RETURN(std::string contact, CleanText(in.contact_name, "contact_name",
                                                     options_.max_contact_chars, false));
  if (in.phone && !in.phone->empty()) {
    std::string phone = core::NormalizePhone(*in.phone);
    CG_TRY(core::ValidatePhone(phone, "phone"));
    p.phone = SealPhone(cipher_, phone);
  }
  const bool proxy = in.channel == TicketChannel::kPhone || in.channel == TicketChannel::kOpen311;
  if (!in.anonymous && proxy && !p.phone) return Error::Invalid("phone", "非匿名诉求须留联系电话");
  // An anonymous report still belongs to the account that filed it (so the
  // resident can follow and rate it); its name and phone are not kept.
  p.submitter_account_id = caller.account_id;
  // The caller's name, read once (the submitter's name and the actor label).
  const std::string name = in.anonymous ? "" : CachedDisplayName(store, caller);
  if (in.anonymous) {
    p.submitter_name = "匿名";
    p.phone.reset();
  } else if (!contact.empty()) {
    p.submitter_name = contact;
  } else if (!proxy) {
    p.submitter_name = name;
  }
  // Proxy channels file on someone's behalf: the account is the operator's,
  // not the resident's, so the operator is not the submitter.
  if (proxy) p.submitter_account_id.reset();
  p.actor_label = in.anonymous ? "匿名居民" : RoleLabel(caller, name);
  if (proxy && !in.anonymous) p.actor_label += "（代 " + contact + "）";
  return core::Ok();
}

std::string SerialPrefix(const std::string& county_code, int64_t now) {
  return county_code + "-" + std::to_string(core::ShanghaiDate(now).year);
}

std::string TicketNumber(const std::string& prefix, int64_t seq) {
  char serial[32];
  std::snprintf(serial, sizeof serial, "%06lld", static_cast<long long>(seq));
  return prefix + "-" + serial;
}

TicketEvent SubmitEvent(const Caller& caller, const PreparedTicket& p, int64_t ticket_id,
                        int64_t now) {
  // The system (care alerts, account id 0) files without an account.
  const std::optional<int64_t> actor =
      p.input.anonymous || caller.account_id == 0 ? std::nullopt : std::optional(caller.account_id);
  JsonText data;
  data.Str("category", p.category.code)
      .Str("channel", TicketChannelName(p.input.channel))
      .Str("kind", TicketKindName(p.input.kind));
  if (p.first_route) data.Str("first_route", FirstRouteName(*p.first_route));
  if (p.first_route_wanted && p.first_route_wanted != p.first_route) {
    data.Str("first_route_wanted", FirstRouteName(*p.first_route_wanted));
  }
  return TicketEvent{0,
                     ticket_id,
                     1,
                     TicketEventType::kSubmit,
                     actor,
                     p.actor_label,
                     now,
                     "",
                     data.str(),
                     TicketState::kSubmitted,
                     p.input.attachment_ids};
}

core::Result<TicketService::Inserted> TicketService::Insert(store::Connection& conn,
                                                            const Caller& caller,
                                                            const PreparedTicket& p) {
  TicketStore store(conn);
  const int64_t now = clock_.NowMs();
  if (p.input.idempotency_key) {
    CG_ASSIGN_OR_RETURN(
        auto earlier, SeenKey(store, caller.account_id, *p.input.idempotency_key, p.request_hash));
    if (earlier) {
      CG_ASSIGN_OR_RETURN(Ticket t, store.Load(earlier->ticket_id));
      return Inserted{std::move(t), false, std::nullopt, std::nullopt};
    }
  }
  // Event ids must become visible in id order (the SSE stream and Open311
  // updates page by id): PostgreSQL could otherwise commit a later id first.
  // Every writer takes this lock before the ticket counters.
  CG_TRY(store.LockEvents());
  const std::string prefix = SerialPrefix(p.county_code, now);
  CG_ASSIGN_OR_RETURN(int64_t seq, store.NextSerial(prefix));
  const Category& c = p.category;
  CG_ASSIGN_OR_RETURN(
      int64_t id,
      store.Insert(p, TicketNumber(prefix, seq), now, SlaDeadline(now, c.accept_minutes),
                   SlaDeadline(now, c.respond_minutes), SlaDeadline(now, c.resolve_minutes)));
  TicketEvent event = SubmitEvent(caller, p, id, now);
  CG_ASSIGN_OR_RETURN(event.id, store.AppendEvent(event));
  CG_TRY(LinkAttachments(store, &caller, id, event.id, p.input.attachment_ids));
  if (p.input.idempotency_key) {
    CG_TRY(store.RememberKey(caller.account_id, *p.input.idempotency_key, p.request_hash, id,
                             event.id, now));
  }
  TicketChange change;
  CG_ASSIGN_OR_RETURN(change.after, store.Load(id));
  change.event = std::move(event);
  for (TicketObserver* o : observers_) CG_TRY(o->InTransaction(conn, change));
  Ticket ticket = change.after;
  Inserted inserted{std::move(ticket), true, std::move(change), std::nullopt};
  CG_TRY(RouteFirst(store, p, inserted));
  return inserted;
}

core::Status TicketService::RouteFirst(TicketStore& store, const PreparedTicket& p,
                                       Inserted& inserted) {
  if (!p.first_assignee) return core::Ok();
  TicketAction dispatch;
  dispatch.type = TicketEventType::kDispatch;
  dispatch.assignee = p.first_assignee;
  dispatch.note = p.first_route_note;
  CG_ASSIGN_OR_RETURN(TicketChange routed,
                      Append(store, nullptr, inserted.ticket, dispatch, 0, "首办分流"));
  inserted.ticket = routed.after;
  inserted.routed = std::move(routed);
  return core::Ok();
}

void TicketService::NotifyCommitted(const TicketChange& change) {
  for (TicketObserver* o : observers_) o->Committed(change);
}

void TicketService::NotifyInserted(const Inserted& inserted) {
  if (inserted.change) NotifyCommitted(*inserted.change);
  if (inserted.routed) NotifyCommitted(*inserted.routed);
}

core::Result<Ticket> TicketService::Submit(const Caller& caller, const NewTicket& in) {
  CG_ASSIGN_OR_RETURN(PreparedTicket prepared, Prepare(caller, in));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Inserted inserted, Insert(*conn, caller, prepared));
  CG_TRY(tx.Commit());
  NotifyInserted(inserted);
  return inserted.ticket;
}

core::Status TicketService::LinkAttachments(TicketStore& store, const Caller* caller,
                                            int64_t ticket_id, std::optional<int64_t> event_id,
                                            const std::vector<int64_t>& ids) {
  CG_TRY(CheckAttachments(store, caller, ids));
  for (int64_t aid : ids) CG_TRY(store.LinkAttachment(ticket_id, aid, event_id));
  return core::Ok();
}

core::Status TicketService::CheckAttachments(TicketStore& store, const Caller* caller,
                                             const std::vector<int64_t>& ids) {
  if (ids.size() > options_.max_attachments) {
    return Error::Invalid("attachment_ids",
                          "附件不能超过 " + std::to_string(options_.max_attachments) + " 个");
  }
  for (int64_t aid : ids) {
    auto mine = store.AttachmentUploadedBy(aid, caller ? caller->account_id : 0);
    if (!mine.ok()) {
      if (mine.error().code == core::ErrorCode::kNotFound) {
        return Error::Invalid("attachment_ids", "附件 " + std::to_string(aid) + " 不存在");
      }
      return mine.error();
    }
    if (!(caller && *mine) && !(caller && IsTicketStaff(caller->role))) {
      return Error::Invalid("attachment_ids", "附件 " + std::to_string(aid) + " 不是本人上传的");
    }
  }
  return core::Ok();
}

}  // namespace civicgrid::domain
