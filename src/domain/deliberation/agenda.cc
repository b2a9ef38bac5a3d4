// Agenda items, residents' proposals, decisions with their follow-up tickets,
// and the shared helpers (scope, loading).
#include <algorithm>

#include "domain/deliberation/deliberation_internal.h"

namespace civicgrid::domain {
namespace deliberation {

using core::Error;

bool IsManagerRole(const Caller& caller) {
  return caller.role == Role::kCountyAdmin || caller.role == Role::kStreetAdmin ||
         caller.role == Role::kCommunitySecretary || caller.role == Role::kCommunityWorker;
}

core::Result<CommunityRow> ManagedCommunity(store::Connection& conn, const Caller& caller,
                                            int64_t id, std::string_view field) {
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query("SELECT id, name, path, kind FROM org_node WHERE id = $1", {id}));
  if (rows.empty() || rows[0].Text("kind") != "community") {
    return Error::Invalid(std::string(field), "应为一个社区");
  }
  CommunityRow c{rows[0].Int("id"), rows[0].Text("name"), rows[0].Text("path")};
  if (!IsManagerRole(caller)) return Error::Forbidden("无权组织议事会议");
  if (!caller.InScope(c.path)) return Error::Invalid(std::string(field), "该社区不在您的管辖范围");
  return c;
}

core::Result<std::optional<int64_t>> ResidentCommunity(store::Connection& conn,
                                                       const Caller& caller) {
  if (!caller.resident_id) return std::optional<int64_t>{};
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn.Query("SELECT community_id FROM resident WHERE id = $1", {*caller.resident_id}));
  if (rows.empty()) return std::optional<int64_t>{};
  return rows[0].OptInt("community_id");
}

core::Result<MeetingRow> LoadMeeting(store::Connection& conn, const Caller& caller, int64_t id) {
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query("SELECT id, community_id, path, title, starts_at, ends_at, "
                                 "capacity, state, organiser_account_id, version FROM "
                                 "delib_meeting WHERE id = $1",
                                 {id}));
  if (rows.empty()) return Error::NotFound("会议不存在");
  const store::Row& r = rows[0];
  MeetingRow m{r.Int("id"),
               r.Int("community_id"),
               r.Text("path"),
               r.Text("title"),
               r.Int("starts_at"),
               r.Int("ends_at"),
               r.Int("capacity"),
               Or(ParseMeetingState(r.Text("state"), "state"), MeetingState::kScheduled),
               r.Int("organiser_account_id"),
               r.Int("version"),
               CanManage(caller, r.Text("path"))};
  bool visible = false;
  if (ReadsByScope(caller)) {
    visible = caller.InScope(m.path);
  } else {
    CG_ASSIGN_OR_RETURN(auto community, ResidentCommunity(conn, caller));
    if (community && *community == m.community_id) visible = true;
    if (!visible && caller.unit_id) {
      CG_ASSIGN_OR_RETURN(store::Rows invited,
                          conn.Query("SELECT 1 FROM delib_party WHERE unit_id = $1 AND "
                                     "meeting_id = $2",
                                     {*caller.unit_id, id}));
      visible = !invited.empty();
    }
  }
  if (!visible) return Error::NotFound("会议不存在");
  return m;
}

core::Status RequireManage(const Caller& caller, const MeetingRow& m) {
  if (!m.manageable) return Error::Forbidden("无权管理该会议");
  (void)caller;
  return core::Ok();
}

double Progress(const std::vector<Decision>& decisions) {
  int64_t total = 0, done = 0;
  for (const auto& d : decisions) {
    total += d.weight;
    if (d.state == DecisionState::kDone) done += d.weight;
  }
  return total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 0;
}

core::Result<std::vector<Decision>> LoadDecisions(store::Connection& conn, std::string_view where,
                                                  const store::Params& params) {
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn.Query("SELECT d.id, d.meeting_id, d.item_id, d.title, d.owner, d.due_date, d.weight, "
                 "d.ticket_id, t.number AS ticket_number, d.state, d.done_at FROM delib_decision d "
                 "LEFT JOIN ticket t ON t.id = d.ticket_id WHERE " +
                     std::string(where) + " ORDER BY d.id",
                 params));
  std::vector<Decision> out;
  for (const auto& r : rows) {
    Decision d;
    d.id = r.Int("id");
    d.meeting_id = r.Int("meeting_id");
    d.item_id = r.OptInt("item_id");
    d.title = r.Text("title");
    d.owner = r.Text("owner");
    d.due = Or(core::ParseDate(r.Text("due_date"), "due_date"), core::CivilDate{});
    d.weight = r.Int("weight");
    d.ticket_id = r.OptInt("ticket_id");
    d.ticket_number = r.OptText("ticket_number").value_or("");
    d.state = r.Text("state") == "done" ? DecisionState::kDone : DecisionState::kOpen;
    d.done_at = r.OptInt("done_at");
    out.push_back(std::move(d));
  }
  return out;
}

core::Result<std::vector<AgendaItem>> LoadItems(store::Connection& conn, const Caller& caller,
                                                std::string_view where, const store::Params& params,
                                                std::string_view order_limit) {
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn.Query("SELECT i.id, i.meeting_id, i.community_id, i.source, i.ticket_id, "
                 "i.proposer_account_id, i.proposer, i.title, i.body, i.duration_minutes, "
                 "i.position, i.state, i.created_at, "
                 "(SELECT COALESCE(SUM(d.weight), 0) FROM delib_decision d WHERE d.item_id = i.id) "
                 "AS weight_total, (SELECT COALESCE(SUM(d.weight), 0) FROM delib_decision d WHERE "
                 "d.item_id = i.id AND d.state = 'done') AS weight_done FROM delib_item i WHERE " +
                     std::string(where) + " " + std::string(order_limit),
                 params));
  std::vector<AgendaItem> out;
  for (const auto& r : rows) {
    AgendaItem i;
    i.id = r.Int("id");
    i.meeting_id = r.OptInt("meeting_id");
    i.community_id = r.Int("community_id");
    i.source = Or(ParseItemSource(r.Text("source"), "source"), ItemSource::kStaff);
    i.ticket_id = r.OptInt("ticket_id");
    i.title = r.Text("title");
    i.body = r.Text("body");
    i.duration_minutes = r.Int("duration_minutes");
    i.position = r.Int("position");
    i.state = Or(ParseItemState(r.Text("state"), "state"), ItemState::kProposed);
    i.proposer = r.Text("proposer");
    i.mine = caller.account_id > 0 && r.OptInt("proposer_account_id") == caller.account_id;
    int64_t total = r.Int("weight_total");
    i.progress =
        total > 0 ? static_cast<double>(r.Int("weight_done")) / static_cast<double>(total) : 0;
    i.created_at = r.Int("created_at");
    out.push_back(std::move(i));
  }
  return out;
}

}  // namespace deliberation

namespace {

using core::Error;
using namespace deliberation;

int64_t ItemId(const AgendaItem& i) { return i.id; }

core::Status Event(store::Connection& conn, int64_t decision, int64_t at, std::string_view kind,
                   const std::string& note) {
  CG_TRY(
      conn.Execute("INSERT INTO delib_decision_event (decision_id, at, kind, note) VALUES ($1, "
                   "$2, $3, $4)",
                   {decision, at, kind, note}));
  return core::Ok();
}

// The item is done once every decision on it is; back to discussed otherwise.
core::Status SettleItem(store::Connection& conn, std::optional<int64_t> item) {
  if (!item) return core::Ok();
  CG_ASSIGN_OR_RETURN(int64_t open, conn.QueryInt("SELECT COUNT(*) FROM delib_decision WHERE "
                                                  "item_id = $1 AND state = 'open'",
                                                  {*item}));
  CG_TRY(conn.Execute(open == 0 ? "UPDATE delib_item SET state = 'done' WHERE id = $1 AND state IN "
                                  "('scheduled', 'discussed')"
                                : "UPDATE delib_item SET state = 'discussed' WHERE id = $1 AND "
                                  "state = 'done'",
                      {*item}));
  return core::Ok();
}

}  // namespace

core::Result<AgendaItem> DeliberationService::AddItem(const Caller& caller, int64_t meeting_id,
                                                      const NewItem& in) {
  if (in.duration_minutes < 1 || in.duration_minutes > options_.max_duration_minutes) {
    return Error::Invalid("duration_minutes",
                          "时长应为 1–" + std::to_string(options_.max_duration_minutes) + " 分钟");
  }
  int sources = (in.proposal_id ? 1 : 0) + (in.ticket_id ? 1 : 0);
  if (sources > 1) return Error::Invalid("ticket_id", "议题只能来自一条诉求或一条提议");
  std::string title, body;
  if (!in.title.empty() || sources == 0) {
    CG_ASSIGN_OR_RETURN(title, CleanName(in.title, "title", options_.max_title_chars));
  }
  CG_ASSIGN_OR_RETURN(body, CleanText(in.body, "body", options_.max_text_chars, false));
  std::optional<Ticket> ticket;
  if (in.ticket_id) {
    auto t = tickets_.Get(caller, *in.ticket_id);
    if (!t.ok()) return Error::Invalid("ticket_id", "诉求不存在或您无权查看");
    ticket = *t;
    if (title.empty()) title = ticket->title.substr(0, 180);
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  int64_t id = 0;
  {
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
    CG_ASSIGN_OR_RETURN(MeetingRow m, LoadMeeting(*conn, caller, meeting_id));
    CG_TRY(RequireManage(caller, m));
    if (m.state != MeetingState::kScheduled) return Error::Conflict("会议已结束", "state");
    CG_ASSIGN_OR_RETURN(int64_t position,
                        conn->QueryInt("SELECT COALESCE(MAX(position), 0) + 1 FROM delib_item "
                                       "WHERE meeting_id = $1",
                                       {meeting_id}));
    if (in.proposal_id) {
      CG_ASSIGN_OR_RETURN(
          int64_t n,
          conn->Execute(
              "UPDATE delib_item SET meeting_id = $1, position = $2, state = "
              "'scheduled', duration_minutes = $3, title = CASE WHEN $4 = '' THEN title "
              "ELSE $4 END WHERE id = $5 AND community_id = $6 AND state = 'proposed'",
              {meeting_id, position, in.duration_minutes, title, *in.proposal_id, m.community_id}));
      if (n == 0) return Error::Invalid("proposal_id", "不是本社区待议的居民提议");
      id = *in.proposal_id;
    } else {
      CG_ASSIGN_OR_RETURN(
          id, conn->QueryInt(
                  "INSERT INTO delib_item (community_id, path, meeting_id, source, ticket_id, "
                  "proposer_account_id, proposer, title, body, duration_minutes, position, state, "
                  "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'scheduled', "
                  "$12) RETURNING id",
                  {m.community_id, m.path, meeting_id,
                   ItemSourceName(ticket ? ItemSource::kTicket : ItemSource::kStaff), in.ticket_id,
                   caller.account_id, caller.username, title, body, in.duration_minutes, position,
                   clock_.NowMs()}));
    }
    CG_TRY(audit_.Append(*conn, caller, "delib_item.schedule", "delib_meeting", meeting_id,
                         std::to_string(id)));
    CG_TRY(tx.Commit());
  }
  CG_ASSIGN_OR_RETURN(auto items, LoadItems(*conn, caller, "i.id = $1", {id}, ""));
  return items.at(0);
}

core::Result<AgendaItem> DeliberationService::Propose(const Caller& caller, const NewProposal& in) {
  if (!caller.resident_id || caller.account_id <= 0) {
    return Error::Forbidden("只有居民可以提出议题");
  }
  CG_ASSIGN_OR_RETURN(std::string title, CleanName(in.title, "title", options_.max_title_chars));
  CG_ASSIGN_OR_RETURN(std::string body, CleanText(in.body, "body", options_.max_text_chars, false));
  if (in.duration_minutes < 1 || in.duration_minutes > options_.max_duration_minutes) {
    return Error::Invalid("duration_minutes",
                          "时长应为 1–" + std::to_string(options_.max_duration_minutes) + " 分钟");
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  int64_t id = 0;
  {
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
    CG_ASSIGN_OR_RETURN(auto community, ResidentCommunity(*conn, caller));
    if (!community) return Error::Forbidden("您的住址不在任何社区");
    CG_ASSIGN_OR_RETURN(store::Row node,
                        conn->QueryOne("SELECT path FROM org_node WHERE id = $1", {*community}));
    CG_ASSIGN_OR_RETURN(store::Rows account, conn->Query("SELECT display_name FROM account "
                                                         "WHERE id = $1",
                                                         {caller.account_id}));
    const std::string path = node.Text("path");
    const std::string name = account.empty() ? caller.username : account[0].Text("display_name");
    CG_ASSIGN_OR_RETURN(
        id, conn->QueryInt("INSERT INTO delib_item (community_id, path, source, "
                           "proposer_account_id, proposer, title, body, duration_minutes, state, "
                           "created_at) VALUES ($1, $2, 'proposal', $3, $4, $5, $6, $7, "
                           "'proposed', $8) RETURNING id",
                           {*community, path, caller.account_id, name, title, body,
                            in.duration_minutes, clock_.NowMs()}));
    CG_TRY(audit_.Append(*conn, caller, "delib_item.propose", "delib_item", id, title));
    CG_TRY(tx.Commit());
  }
  CG_ASSIGN_OR_RETURN(auto items, LoadItems(*conn, caller, "i.id = $1", {id}, ""));
  return items.at(0);
}

core::Result<PageOf<AgendaItem>> DeliberationService::Proposals(const Caller& caller,
                                                                const ProposalFilter& filter) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  Conditions where;
  if (IsManagerRole(caller) || caller.Can(Permission::kStatsRead)) {
    PathRange range = caller.Scope();
    where.And("i.path >= " + where.Bind(range.lo));
    where.And("i.path < " + where.Bind(range.hi));
    where.And("i.source = 'proposal'");
  } else if (caller.resident_id && caller.account_id > 0) {
    where.And("i.proposer_account_id = " + where.Bind(caller.account_id));
  } else {
    return Error::Forbidden("无权查看居民提议");
  }
  if (filter.community_id) where.And("i.community_id = " + where.Bind(*filter.community_id));
  if (filter.state) where.And("i.state = " + where.Bind(ItemStateName(*filter.state)));
  where.And("i.id > " + where.Bind(filter.page.after));
  std::string limit = where.Bind(filter.page.limit);
  CG_ASSIGN_OR_RETURN(auto items, LoadItems(*conn, caller, where.Sql(), where.params(),
                                            "ORDER BY i.id LIMIT " + limit));
  return FinishPage(std::move(items), filter.page, &ItemId);
}

core::Result<int64_t> DeliberationService::FileFollowUp(store::Connection& conn,
                                                        const Caller& caller, int64_t community_id,
                                                        const NewDecision& in,
                                                        const std::string& meeting_title,
                                                        std::optional<TicketChange>* change) {
  int64_t category = 0;
  if (in.category_id) {
    category = *in.category_id;
  } else {
    CG_ASSIGN_OR_RETURN(Category c, tickets_.categories().GetByCode(options_.followup_category));
    category = c.id;
  }
  NewTicket t;
  t.kind = TicketKind::kFollowUp;
  t.channel = TicketChannel::kMeeting;
  t.category_id = category;
  t.node_id = community_id;
  t.title = "议事决定：" + in.title;
  t.description = "「" + meeting_title + "」议定：" + in.title + "。责任人：" + in.owner +
                  "，完成时限：" + in.due_date + "。";
  t.contact_name = caller.username;
  t.is_public = false;
  CG_ASSIGN_OR_RETURN(PreparedTicket prepared, tickets_.Prepare(caller, t));
  CG_ASSIGN_OR_RETURN(TicketService::Inserted inserted, tickets_.Insert(conn, caller, prepared));
  *change = inserted.change;
  return inserted.ticket.id;
}

core::Result<Decision> DeliberationService::Decide(const Caller& caller, int64_t meeting_id,
                                                   const NewDecision& in) {
  CG_ASSIGN_OR_RETURN(std::string title, CleanName(in.title, "title", options_.max_title_chars));
  CG_ASSIGN_OR_RETURN(std::string owner, CleanName(in.owner, "owner", 40));
  CG_ASSIGN_OR_RETURN(core::CivilDate due, core::ParseDate(in.due_date, "due_date"));
  if (in.weight < 1 || in.weight > options_.max_weight) {
    return Error::Invalid("weight", "权重应为 1–" + std::to_string(options_.max_weight));
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  int64_t id = 0;
  std::optional<TicketChange> change;
  {
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
    CG_ASSIGN_OR_RETURN(MeetingRow m, LoadMeeting(*conn, caller, meeting_id));
    CG_TRY(RequireManage(caller, m));
    if (m.state == MeetingState::kCancelled) return Error::Conflict("会议已取消", "state");
    if (in.item_id) {
      CG_ASSIGN_OR_RETURN(int64_t n, conn->QueryInt("SELECT COUNT(*) FROM delib_item WHERE id = "
                                                    "$1 AND meeting_id = $2",
                                                    {*in.item_id, meeting_id}));
      if (n == 0) return Error::Invalid("item_id", "不是本次会议的议题");
    }
    NewDecision clean = in;
    clean.title = title;
    clean.owner = owner;
    CG_ASSIGN_OR_RETURN(int64_t ticket,
                        FileFollowUp(*conn, caller, m.community_id, clean, m.title, &change));
    int64_t now = clock_.NowMs();
    CG_ASSIGN_OR_RETURN(
        id, conn->QueryInt("INSERT INTO delib_decision (meeting_id, item_id, title, owner, "
                           "due_date, weight, ticket_id, state, created_at) VALUES ($1, $2, $3, "
                           "$4, $5, $6, $7, 'open', $8) RETURNING id",
                           {meeting_id, in.item_id, title, owner, core::FormatDate(due), in.weight,
                            ticket, now}));
    CG_TRY(Event(*conn, id, now, "created", owner + " · " + core::FormatDate(due)));
    CG_TRY(SettleItem(*conn, in.item_id));
    CG_TRY(audit_.Append(*conn, caller, "delib_decision.create", "delib_meeting", meeting_id,
                         std::to_string(id)));
    CG_TRY(tx.Commit());
  }
  if (change) tickets_.NotifyCommitted(*change);
  return GetDecision(caller, id);
}

core::Result<Decision> DeliberationService::GetDecision(const Caller& caller, int64_t id) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto found, LoadDecisions(*conn, "d.id = $1", {id}));
  if (found.empty()) return Error::NotFound("决定不存在");
  Decision d = found[0];
  CG_TRY(LoadMeeting(*conn, caller, d.meeting_id));  // NotFound when the meeting is out of sight
  CG_ASSIGN_OR_RETURN(store::Rows events,
                      conn->Query("SELECT at, kind, note FROM delib_decision_event WHERE "
                                  "decision_id = $1 ORDER BY id",
                                  {id}));
  for (const auto& e : events) d.timeline.push_back({e.Int("at"), e.Text("kind"), e.Text("note")});
  return d;
}

core::Status DeliberationService::TicketChanged(store::Connection& conn,
                                                const TicketChange& change) {
  TicketEventType type = change.event.type;
  bool done = type == TicketEventType::kResolve || type == TicketEventType::kClose;
  if (!done && type != TicketEventType::kReopen) return core::Ok();
  if (change.after.kind != TicketKind::kFollowUp) return core::Ok();
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query("SELECT id, item_id, state FROM delib_decision WHERE ticket_id "
                                 "= $1",
                                 {change.after.id}));
  for (const auto& r : rows) {
    bool is_done = r.Text("state") == "done";
    const std::string number = change.after.number;
    if (done && !is_done) {
      CG_TRY(conn.Execute("UPDATE delib_decision SET state = 'done', done_at = $1 WHERE id = $2",
                          {change.event.at, r.Int("id")}));
      CG_TRY(Event(conn, r.Int("id"), change.event.at,
                   type == TicketEventType::kResolve ? "ticket_resolved" : "ticket_closed",
                   number));
    } else if (!done && is_done) {
      CG_TRY(conn.Execute("UPDATE delib_decision SET state = 'open', done_at = NULL WHERE id = $1",
                          {r.Int("id")}));
      CG_TRY(Event(conn, r.Int("id"), change.event.at, "reopened", number));
    } else {
      continue;
    }
    CG_TRY(SettleItem(conn, r.OptInt("item_id")));
  }
  return core::Ok();
}

}  // namespace civicgrid::domain
