// TicketService: reads — one ticket, lists, the board, nearby tickets, the
// history, the dispatch dialog and the audited contact reveal.
#include <algorithm>
#include <cmath>

#include "domain/tickets/ticket_service.h"
#include "domain/tickets/ticket_service_internal.h"

namespace civicgrid::domain {

using core::Error;

namespace {

int64_t TicketId(const Ticket& t) { return t.id; }

// The comma-separated skills of a member, as a list.
std::vector<std::string> SplitSkills(const std::string& skills) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < skills.size()) {
    size_t end = skills.find(',', start);
    if (end == std::string::npos) end = skills.size();
    if (end > start) out.push_back(skills.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

PageOf<Ticket> MaskedPage(const Caller& caller, std::vector<Ticket> items, const Page& page) {
  for (Ticket& t : items) MaskFor(caller, t);
  return FinishPage(std::move(items), page, &TicketId);
}

}  // namespace

core::Result<Ticket> TicketService::LoadVisible(TicketStore& store, const Caller& caller,
                                                int64_t id) {
  CG_ASSIGN_OR_RETURN(SeenTicket seen, store.LoadSeen(caller, id));
  if (!seen.visible) return Error::NotFound("工单不存在");
  MaskFor(caller, seen.ticket);
  return std::move(seen.ticket);
}

core::Result<Ticket> TicketService::Get(const Caller& caller, int64_t id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  TicketStore store(*conn);
  return LoadVisible(store, caller, id);
}

core::Result<Ticket> TicketService::GetByNumber(const Caller& caller, std::string_view number) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  TicketStore store(*conn);
  CG_ASSIGN_OR_RETURN(int64_t id, store.IdByNumber(number));
  return LoadVisible(store, caller, id);
}

core::Result<PageOf<Ticket>> TicketService::List(const Caller& caller, const TicketFilter& f) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  std::optional<PathRange> within;
  if (f.within) {
    CG_ASSIGN_OR_RETURN(PathRange r, WithinScope(*conn, caller, f.within));
    within = r;
  }
  TicketStore store(*conn);
  CG_ASSIGN_OR_RETURN(std::vector<Ticket> items, store.ListPage(caller, f, within));
  return MaskedPage(caller, std::move(items), f.page);
}

core::Result<PageOf<Ticket>> TicketService::Board(const Caller& caller, bool my_skills,
                                                  const Page& page) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  TicketStore store(*conn);
  std::vector<std::string> skills;
  if (my_skills && caller.party_member_id) {
    CG_ASSIGN_OR_RETURN(auto text, store.MemberSkills(*caller.party_member_id));
    if (text) skills = SplitSkills(*text);
  }
  CG_ASSIGN_OR_RETURN(std::vector<Ticket> items, store.BoardPage(caller, skills, my_skills, page));
  return MaskedPage(caller, std::move(items), page);
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
  TicketStore store(*conn);
  CG_ASSIGN_OR_RETURN(std::vector<Ticket> box,
                      store.Nearby(caller, category_id, here.lat - dlat, here.lat + dlat,
                                   here.lon - dlon, here.lon + dlon));
  for (Ticket& t : box) {
    MaskFor(caller, t);
    if (t.location && core::HaversineMeters(here, *t.location) <= radius) {
      out.push_back(std::move(t));
    }
  }
  std::sort(out.begin(), out.end(), [&](const Ticket& a, const Ticket& b) {
    return core::HaversineMeters(here, *a.location) < core::HaversineMeters(here, *b.location);
  });
  return out;
}

core::Status TicketService::Follow(const Caller& caller, int64_t id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  TicketStore store(*conn);
  CG_ASSIGN_OR_RETURN(Ticket t, LoadVisible(store, caller, id));
  return store.Follow(t.id, caller.account_id, clock_.NowMs());
}

core::Result<std::vector<TicketEvent>> TicketService::Events(const Caller& caller, int64_t id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  TicketStore store(*conn);
  CG_ASSIGN_OR_RETURN(Ticket t, LoadVisible(store, caller, id));
  CG_ASSIGN_OR_RETURN(std::vector<TicketEvent> out, store.Events(t.id));
  for (TicketEvent& e : out) {
    // Other people's names stay out of a resident's view of the history.
    if (!IsTicketStaff(caller.role) && e.actor_account_id != caller.account_id &&
        e.type == TicketEventType::kSubmit && t.submitter_account_id != caller.account_id) {
      e.actor_label = "居民";
    }
  }
  return out;
}

core::Result<std::vector<Escalation>> TicketService::Escalations(const Caller& caller, int64_t id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  TicketStore store(*conn);
  CG_ASSIGN_OR_RETURN(Ticket t, LoadVisible(store, caller, id));
  return store.Escalations(t.id);
}

core::Result<std::vector<TicketEvent>> TicketService::EventsAfter(const Caller& caller,
                                                                  int64_t after, int64_t limit) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  TicketStore store(*conn);
  return store.EventsAfter(caller, after, limit);
}

core::Result<std::vector<AssigneeOption>> TicketService::Assignees(const Caller& caller, int64_t id,
                                                                   int64_t per_kind) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  TicketStore store(*conn);
  CG_ASSIGN_OR_RETURN(Ticket t, LoadVisible(store, caller, id));
  if (!IsTicketManager(caller.role) || !caller.InScope(t.path)) {
    return Error::Forbidden("只有管辖该工单的管理人员可以派单");
  }
  std::vector<AssigneeOption> out;
  CG_ASSIGN_OR_RETURN(Category category, categories_.Load(*conn, t.category_id));
  if (category.public_board) out.push_back({Assignee{AssigneeKind::kBoard, 0, "社区点单栏"}, ""});
  for (AssigneeKind kind : {AssigneeKind::kAccount, AssigneeKind::kUnit, AssigneeKind::kMember}) {
    CG_ASSIGN_OR_RETURN(auto some, store.Candidates(kind, t.path, per_kind));
    out.insert(out.end(), some.begin(), some.end());
  }
  return out;
}

core::Result<TicketContact> TicketService::RevealContact(const Caller& caller, int64_t id) {
  CG_TRY(caller.Require(Permission::kPiiReveal));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  TicketStore store(*conn);
  CG_ASSIGN_OR_RETURN(bool visible, store.Visible(caller, id));
  if (!visible) return Error::NotFound("工单不存在");
  CG_ASSIGN_OR_RETURN(TicketStore::ContactRow row, store.Contact(id));
  if (row.anonymous) return Error::NotFound("匿名工单不提供联系方式");
  TicketContact out;
  out.name = row.name;
  if (row.phone_enc) {
    CG_ASSIGN_OR_RETURN(out.phone, cipher_.Decrypt(*row.phone_enc));
  }
  // The read is recorded before the value leaves: no audit entry, no data.
  CG_TRY(audit_.Append(*conn, caller, "pii.reveal", "ticket", id, "submitter_phone"));
  CG_TRY(tx.Commit());
  return out;
}

}  // namespace civicgrid::domain
