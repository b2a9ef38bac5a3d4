// Visits: recording one (with its ticket and the household's flags), reads,
// the audited reveal of a note.
#include <algorithm>

#include "core/crypto.h"
#include "domain/visits/visit_internal.h"

namespace civicgrid::domain {
namespace visits {

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    if (comma > start) out.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

core::Result<std::map<int64_t, int64_t>> EffectiveFlags(
    store::Connection& conn, const std::vector<int64_t>& households,
    const std::map<int64_t, int64_t>& recorded) {
  std::map<int64_t, int64_t> out;
  std::vector<int64_t> missing;
  for (int64_t h : households) {
    auto it = recorded.find(h);
    if (it != recorded.end()) {
      out[h] = it->second;
    } else {
      out[h] = 0;
      missing.push_back(h);
    }
  }
  // In chunks: one statement per 200 households.
  for (size_t i = 0; i < missing.size(); i += 200) {
    Conditions w;
    std::string in;
    for (size_t j = i; j < std::min(missing.size(), i + 200); ++j) {
      in += (in.empty() ? "" : ", ") + w.Bind(missing[j]);
    }
    CG_ASSIGN_OR_RETURN(
        store::Rows rows,
        conn.Query("SELECT household_id, flags FROM resident WHERE household_id IN (" + in + ")",
                   w.params()));
    for (const auto& r : rows) out[r.Int(0)] |= r.Int(1) & kHouseholdFlagMask;
  }
  return out;
}

std::string AccountName(store::Connection& conn, int64_t account_id, const std::string& fallback) {
  auto rows = conn.Query("SELECT display_name FROM account WHERE id = $1", {account_id});
  if (!rows.ok() || rows->empty()) return fallback;
  return (*rows)[0].Text(0);
}

}  // namespace visits

namespace {

using core::Error;
using visits::JoinList;
using visits::SplitList;

constexpr const char* kVisitSelect =
    "SELECT v.id, v.household_id, h.room, b.name AS building_name, v.grid_id, g.name AS "
    "grid_name, v.visitor_account_id, v.visitor_name, v.visited_at, v.outcome, v.needs, v.risks, "
    "v.flags_before, v.flags_after, v.note_chars, v.campaign_id, v.ticket_id, t.number, "
    "v.created_at FROM visit v JOIN household h ON h.id = v.household_id JOIN org_node b ON b.id "
    "= h.building_id LEFT JOIN org_node g ON g.id = v.grid_id LEFT JOIN ticket t ON t.id = "
    "v.ticket_id ";

Visit VisitFromRow(const store::Row& r) {
  Visit v;
  v.id = r.Int("id");
  v.household_id = r.Int("household_id");
  v.room = r.Text("room");
  v.building_name = r.Text("building_name");
  v.grid_id = r.OptInt("grid_id").value_or(0);
  if (auto g = r.OptText("grid_name")) v.grid_name = *g;
  v.visitor_account_id = r.Int("visitor_account_id");
  v.visitor_name = r.Text("visitor_name");
  v.visited_at_ms = r.Int("visited_at");
  v.outcome = r.Text("outcome");
  v.needs = SplitList(r.Text("needs"));
  v.risks = SplitList(r.Text("risks"));
  v.flags_before = r.Int("flags_before");
  v.flags_after = r.Int("flags_after");
  v.note_chars = r.Int("note_chars");
  v.campaign_id = r.OptInt("campaign_id");
  v.ticket_id = r.OptInt("ticket_id");
  if (auto n = r.OptText("number")) v.ticket_number = *n;
  v.created_at_ms = r.Int("created_at");
  return v;
}

int64_t IdOf(const Visit& v) { return v.id; }

core::Result<std::vector<std::string>> CheckNames(const std::vector<std::string>& names,
                                                  const std::vector<std::string_view>& allowed,
                                                  std::string_view field, std::string_view what) {
  std::vector<std::string> out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (std::find(allowed.begin(), allowed.end(), names[i]) == allowed.end()) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return Error::Invalid(std::string(field) + "[" + std::to_string(i) + "]",
                            "未知的" + std::string(what) + "「" + names[i] + "」，可选：" + list);
    }
    if (std::find(out.begin(), out.end(), names[i]) == out.end()) out.push_back(names[i]);
  }
  return out;
}

int64_t CodePoints(std::string_view s) {
  return std::count_if(s.begin(), s.end(),
                       [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

// What a visit request holds, checked, with the digest its client key stands for.
struct CleanVisit {
  int64_t visited_at = 0;
  std::vector<std::string> needs, risks;
  std::optional<int64_t> flags;
  std::string note;
  std::optional<std::string> ticket_description;
  std::string digest;
};

}  // namespace

VisitService::VisitService(store::Db& db, const core::Clock& clock, AuditLog& audit,
                           const core::PiiCipher& cipher, TicketService& tickets,
                           VisitOptions options)
    : db_(db),
      clock_(clock),
      audit_(audit),
      cipher_(cipher),
      tickets_(tickets),
      options_(std::move(options)) {}

core::Result<Visit> VisitService::Load(store::Connection& conn, const Caller& caller, int64_t id) {
  PathRange scope = caller.Scope();
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn.Query(std::string(kVisitSelect) + "WHERE v.id = $1 AND v.path >= $2 AND v.path < $3",
                 {id, scope.lo, scope.hi}));
  if (rows.empty()) return Error::NotFound("走访记录不存在");
  return VisitFromRow(rows[0]);
}

core::Result<std::optional<Visit>> VisitService::Replay(const Caller& caller,
                                                        const std::string& key,
                                                        const std::string& hash) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query("SELECT id, request_hash FROM visit WHERE visitor_account_id = "
                                  "$1 AND client_key = $2",
                                  {caller.account_id, key}));
  if (rows.empty()) return std::optional<Visit>();
  if (rows[0].Text(1) != hash) {
    return Error::Conflict("该幂等键已用于另一次不同的走访", "Idempotency-Key");
  }
  CG_ASSIGN_OR_RETURN(Visit v, Load(*conn, caller, rows[0].Int(0)));
  v.replayed = true;
  return std::optional<Visit>(std::move(v));
}

namespace {

core::Result<CleanVisit> Check(const NewVisit& in, const VisitOptions& options, int64_t now) {
  CleanVisit c;
  if (in.household_id <= 0) return Error::Invalid("household_id", "请选择走访的户");
  if (std::find(kVisitOutcomes.begin(), kVisitOutcomes.end(), in.outcome) == kVisitOutcomes.end()) {
    return Error::Invalid("outcome", "走访结果应为 met、absent 或 refused");
  }
  c.visited_at = now;
  if (in.visited_at) {
    CG_ASSIGN_OR_RETURN(c.visited_at, core::ParseTimestamp(*in.visited_at, "visited_at"));
    if (c.visited_at > now + options.future_skew_ms) {
      return Error::Invalid("visited_at", "走访时间不能晚于现在");
    }
    if (c.visited_at < now - options.max_backdate_days * core::kMsPerDay) {
      return Error::Invalid(
          "visited_at",
          "走访时间过早（最多补录 " + std::to_string(options.max_backdate_days) + " 天内的走访）");
    }
  }
  CG_ASSIGN_OR_RETURN(c.needs, CheckNames(in.needs, kVisitNeeds, "needs", "需求"));
  CG_ASSIGN_OR_RETURN(c.risks, CheckNames(in.risks, kVisitRisks, "risks", "风险"));
  if (in.flags) {
    CG_ASSIGN_OR_RETURN(c.flags, ParseHouseholdFlags(*in.flags, "flags"));
  }
  CG_ASSIGN_OR_RETURN(
      c.note, CleanText(in.note, "note", static_cast<size_t>(options.max_note_chars), false));
  if (in.ticket) {
    if (in.ticket->category_id <= 0) return Error::Invalid("ticket.category_id", "请选择类别");
    CG_ASSIGN_OR_RETURN(c.ticket_description,
                        CleanText(in.ticket->description, "ticket.description", 2000, true));
  }
  if (in.campaign_id && *in.campaign_id <= 0) {
    return Error::Invalid("campaign_id", "千户访活动不存在");
  }
  if (in.client_key && (in.client_key->empty() || in.client_key->size() > 200)) {
    return Error::Invalid("Idempotency-Key", "幂等键应为 1–200 个字符");
  }
  // The digest of what the client sent (visited_at as sent: a retry sends the same).
  std::string d = std::to_string(in.household_id) + "|" + in.visited_at.value_or("") + "|" +
                  in.outcome + "|" + JoinList(c.needs) + "|" + JoinList(c.risks) + "|" +
                  (c.flags ? std::to_string(*c.flags) : "-") + "|" + c.note + "|" +
                  (in.campaign_id ? std::to_string(*in.campaign_id) : "-") + "|";
  if (in.ticket) d += std::to_string(in.ticket->category_id) + "|" + *c.ticket_description;
  c.digest = core::Sha256Hex(d);
  return c;
}

}  // namespace

core::Result<Visit> VisitService::Record(const Caller& caller, const NewVisit& in) {
  CG_TRY(caller.Require(Permission::kPeopleWrite));
  CG_ASSIGN_OR_RETURN(CleanVisit c, Check(in, options_, clock_.NowMs()));
  if (in.client_key) {
    CG_ASSIGN_OR_RETURN(auto earlier, Replay(caller, *in.client_key, c.digest));
    if (earlier) return std::move(*earlier);
  }
  PathRange scope = caller.Scope();
  store::Rows found;
  std::string visitor;
  {
    CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
    CG_ASSIGN_OR_RETURN(
        found,
        conn->Query(
            "SELECT hv.grid_id, hv.path, h.room, b.name, hv.community_id FROM household_visit hv "
            "JOIN household h ON h.id = hv.household_id JOIN org_node b ON b.id = "
            "h.building_id WHERE hv.household_id = $1 AND hv.path >= $2 AND "
            "hv.path < $3",
            {in.household_id, scope.lo, scope.hi}));
    visitor = visits::AccountName(*conn, caller.account_id, caller.username);
    if (in.campaign_id) {
      CG_ASSIGN_OR_RETURN(int64_t assigned,
                          conn->QueryInt("SELECT COUNT(*) FROM visit_assignment WHERE "
                                         "campaign_id = $1 AND household_id = $2",
                                         {*in.campaign_id, in.household_id}));
      if (assigned == 0) return Error::Invalid("campaign_id", "该户不在此千户访活动中");
    }
  }
  if (found.empty()) return Error::Invalid("household_id", "该户不存在或不在管辖范围内");
  const store::Row& hh = found[0];
  const std::optional<int64_t> grid = hh.OptInt(0);
  std::optional<PreparedTicket> prepared;
  if (in.ticket) {
    NewTicket t;
    t.kind = TicketKind::kReport;
    t.channel = TicketChannel::kPatrol;  // staff, in person
    t.category_id = in.ticket->category_id;
    t.description = *c.ticket_description;
    t.address = hh.Text(3) + " " + hh.Text(2);
    if (grid) t.node_id = *grid;
    t.is_public = false;
    auto p = tickets_.Prepare(caller, t);
    if (!p.ok()) {
      core::Error e = p.error();
      e.field = "ticket." + (e.field.empty() ? std::string("category_id") : e.field);
      return e;
    }
    prepared = std::move(*p);
  }
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  std::optional<TicketChange> change;
  int64_t id = 0;
  {
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
    CG_ASSIGN_OR_RETURN(store::Row state,
                        conn->QueryOne("SELECT flags, last_visited_at FROM household_visit WHERE "
                                       "household_id = $1",
                                       {in.household_id}));
    std::map<int64_t, int64_t> recorded;
    if (!state.IsNull(0)) recorded[in.household_id] = state.Int(0);
    CG_ASSIGN_OR_RETURN(auto flags, visits::EffectiveFlags(*conn, {in.household_id}, recorded));
    const int64_t before = flags[in.household_id];
    const int64_t after = c.flags.value_or(before);
    std::optional<std::string> sealed;
    if (!c.note.empty()) sealed = cipher_.Encrypt(c.note);
    auto inserted = conn->QueryInt(
        "INSERT INTO visit (household_id, grid_id, path, visitor_account_id, visitor_name, "
        "visited_at, outcome, needs, risks, flags_before, flags_after, note_enc, note_chars, "
        "campaign_id, client_key, request_hash, created_at, community_id) VALUES ($1, $2, $3, $4, "
        "$5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id",
        {in.household_id, grid ? store::Value(*grid) : store::Value(), hh.Text(1),
         caller.account_id, visitor, c.visited_at, in.outcome, JoinList(c.needs), JoinList(c.risks),
         before, after, sealed ? store::Value(store::Blob{*sealed}) : store::Value(),
         CodePoints(c.note), in.campaign_id ? store::Value(*in.campaign_id) : store::Value(),
         in.client_key ? store::Value(*in.client_key) : store::Value(), c.digest, clock_.NowMs(),
         hh.IsNull(4) ? store::Value() : store::Value(hh.Int(4))});
    // A concurrent retry under the same key that committed first: answer with its visit.
    if (!inserted.ok()) {
      if (inserted.error().code != core::ErrorCode::kConflict || !in.client_key) {
        return inserted.error();
      }
      id = 0;
    } else {
      id = *inserted;
      if (prepared) {
        CG_ASSIGN_OR_RETURN(TicketService::Inserted t, tickets_.Insert(*conn, caller, *prepared));
        CG_TRY(conn->Execute("UPDATE visit SET ticket_id = $1 WHERE id = $2", {t.ticket.id, id}));
        change = t.change;
      }
      const bool newest = c.visited_at >= state.Int(1);
      CG_TRY(conn->Execute(
          "UPDATE household_visit SET flags = $1, last_visited_at = $2, last_visit_id = $3 WHERE "
          "household_id = $4",
          {c.flags ? store::Value(after)
                   : (state.IsNull(0) ? store::Value() : store::Value(before)),
           newest ? c.visited_at : state.Int(1), newest ? store::Value(id) : store::Value(),
           in.household_id}));
      CG_TRY(audit_.Append(
          *conn, caller, "visit.record", "household", in.household_id,
          "visit " + std::to_string(id) + (prepared ? "; ticket filed" : "") +
              (after != before ? "; flags " + std::to_string(before) + "→" + std::to_string(after)
                               : "")));
      CG_TRY(tx.Commit());
    }
  }
  if (id == 0) {
    CG_ASSIGN_OR_RETURN(auto earlier, Replay(caller, *in.client_key, c.digest));
    if (earlier) return std::move(*earlier);
    return Error::Conflict("走访记录冲突，请重试", "Idempotency-Key");
  }
  if (change) tickets_.NotifyCommitted(*change);
  return Load(*conn, caller, id);
}

core::Result<Visit> VisitService::Get(const Caller& caller, int64_t id) {
  CG_TRY(caller.Require(Permission::kPeopleRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  return Load(*conn, caller, id);
}

core::Result<PageOf<Visit>> VisitService::List(const Caller& caller, const VisitFilter& filter) {
  CG_TRY(caller.Require(Permission::kPeopleRead));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(ListScope scope, ScopeOfList(*conn, caller, filter.within));
  // Each filter walks its index in id order: a household's visits, a grid's,
  // a community's; above a community, the visits themselves newest first.
  Conditions w;
  if (filter.household_id) {
    w.And("v.household_id = " + w.Bind(*filter.household_id));
  } else if (scope.kind == "grid") {
    w.And("v.grid_id = " + w.Bind(scope.id));
  } else if (scope.kind == "community") {
    w.And("v.community_id = " + w.Bind(scope.id));
  }
  w.And("v.path >= " + w.Bind(scope.range.lo) + " AND v.path < " + w.Bind(scope.range.hi));
  if (filter.before) w.And("v.id < " + w.Bind(*filter.before));
  const int64_t limit = std::clamp<int64_t>(filter.limit, 1, kMaxPageSize);
  std::string lim = w.Bind(limit);
  CG_ASSIGN_OR_RETURN(store::Rows rows, conn->Query(std::string(kVisitSelect) + "WHERE " + w.Sql() +
                                                        " ORDER BY v.id DESC LIMIT " + lim,
                                                    w.params()));
  std::vector<Visit> items;
  for (const auto& r : rows) items.push_back(VisitFromRow(r));
  return FinishPage(std::move(items), Page{0, limit}, &IdOf);
}

core::Result<std::string> VisitService::RevealNote(const Caller& caller, int64_t id,
                                                   std::string_view reason) {
  CG_TRY(caller.Require(Permission::kPiiReveal));
  CG_ASSIGN_OR_RETURN(std::string clean_reason, CleanText(reason, "reason", 200, false));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(Visit v, Load(*conn, caller, id));
  CG_ASSIGN_OR_RETURN(store::Row row,
                      conn->QueryOne("SELECT note_enc FROM visit WHERE id = $1", {v.id}));
  std::string note;
  if (!row.IsNull(0)) {
    CG_ASSIGN_OR_RETURN(note, cipher_.Decrypt(row.Text(0)));
  }
  // The read is recorded before the text leaves: no audit entry, no note.
  std::string detail = "note";
  if (!clean_reason.empty()) detail.append("; reason: ").append(clean_reason);
  CG_TRY(audit_.Append(*conn, caller, "pii.reveal", "visit", id, detail));
  CG_TRY(tx.Commit());
  return note;
}

core::Status VisitService::OnSubtreeMoved(store::Connection& conn,
                                          const OrgTreeService::SubtreeMove& move) {
  const PathRange& moved = move.moved;
  // As the household trigger sets them: the building's parent and its parent.
  CG_TRY(conn.Execute(
      "UPDATE household_visit SET grid_id = (SELECT b.parent_id FROM household h JOIN org_node b "
      "ON b.id = h.building_id WHERE h.id = household_visit.household_id), community_id = (SELECT "
      "g.parent_id FROM household h JOIN org_node b ON b.id = h.building_id JOIN org_node g ON "
      "g.id = b.parent_id WHERE h.id = household_visit.household_id) WHERE path >= $1 AND path < "
      "$2",
      {moved.lo, moved.hi}));
  CG_TRY(conn.Execute(
      "UPDATE visit SET grid_id = (SELECT hv.grid_id FROM household_visit hv WHERE "
      "hv.household_id = visit.household_id), community_id = (SELECT hv.community_id FROM "
      "household_visit hv WHERE hv.household_id = visit.household_id) WHERE path >= $1 AND path "
      "< $2",
      {moved.lo, moved.hi}));
  return core::Ok();
}

}  // namespace civicgrid::domain
