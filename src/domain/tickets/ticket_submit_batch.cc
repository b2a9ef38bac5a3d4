// TicketService::InsertBatch: a batch of submissions in a few multi-row
// statements (see ticket_service.h), with a one-by-one fallback that keeps
// one item's failure its own.
#include <chrono>
#include <exception>
#include <map>

#include "domain/tickets/ticket_service.h"
#include "domain/tickets/ticket_service_internal.h"

namespace civicgrid::domain {
namespace {

using core::Error;
using Inserted = TicketService::Inserted;
using KeyOf = std::pair<int64_t, std::string>;

constexpr const char* kBatchSavepoint = "SAVEPOINT intake_batch";
constexpr const char* kBatchRelease = "RELEASE SAVEPOINT intake_batch";
constexpr const char* kBatchRollbackTo = "ROLLBACK TO SAVEPOINT intake_batch";
// One item's savepoint (the fallback), released before the next item starts.
constexpr const char* kItemSavepoint = "SAVEPOINT intake_item";
constexpr const char* kItemRelease = "RELEASE SAVEPOINT intake_item";
constexpr const char* kItemRollbackTo = "ROLLBACK TO SAVEPOINT intake_item";

// Adds the time since construction (or the last Lap) to a counter.
class Lap {
 public:
  void To(int64_t& ns) {
    auto now = std::chrono::steady_clock::now();
    ns += std::chrono::duration_cast<std::chrono::nanoseconds>(now - last_).count();
    last_ = now;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// What the checks decided for the items of a batch.
struct Plan {
  std::vector<size_t> fresh;                        // items to create, in order
  std::vector<std::pair<size_t, int64_t>> replays;  // item, stored ticket id
  std::vector<std::pair<size_t, size_t>> same_as;   // item, earlier item of the batch
};

bool BadKey(const std::string& key) { return key.empty() || key.size() > 200; }

// The idempotency keys (one read for the batch) and the attachments decide
// each item: created, replayed, or refused (its result set here). No write.
template <typename CheckAttachments>
core::Result<Plan> PlanBatch(TicketStore& store,
                             const std::vector<TicketService::Submission>& items,
                             std::vector<core::Result<Inserted>>& results,
                             CheckAttachments check_attachments) {
  std::vector<KeyOf> keys;
  for (const auto& item : items) {
    const auto& key = item.prepared->input.idempotency_key;
    if (key && !BadKey(*key)) keys.emplace_back(item.caller->account_id, *key);
  }
  CG_ASSIGN_OR_RETURN(auto stored, store.FindKeys(keys));
  Plan plan;
  std::map<KeyOf, size_t> first_with_key;
  for (size_t i = 0; i < items.size(); ++i) {
    const PreparedTicket& p = *items[i].prepared;
    if (const auto& key = p.input.idempotency_key) {
      if (BadKey(*key)) {
        results[i] = Error::Invalid("Idempotency-Key", "幂等键应为 1–200 个字符");
        continue;
      }
      const KeyOf k{items[i].caller->account_id, *key};
      const std::string* earlier_hash = nullptr;
      if (auto it = stored.find(k); it != stored.end()) {
        earlier_hash = &it->second.request_hash;
        if (*earlier_hash == p.request_hash) plan.replays.emplace_back(i, it->second.ticket_id);
      } else if (auto in = first_with_key.find(k); in != first_with_key.end()) {
        earlier_hash = &items[in->second].prepared->request_hash;
        if (*earlier_hash == p.request_hash) plan.same_as.emplace_back(i, in->second);
      }
      if (earlier_hash) {
        if (*earlier_hash != p.request_hash) {
          results[i] = Error::Conflict("该幂等键已用于另一个不同的请求", "Idempotency-Key");
        }
        continue;
      }
      first_with_key.emplace(k, i);
    }
    if (core::Status ok = check_attachments(items[i]); !ok.ok()) {
      results[i] = ok.error();
      continue;
    }
    plan.fresh.push_back(i);
  }
  return plan;
}

// The rows of the items to create, numbered (one counter update per county
// and year) and with their ids and their submit events' ids: all in one
// round trip (TicketStore::Reserve).
struct Numbered {
  std::vector<TicketStore::NewRow> rows;
  std::vector<int64_t> event_ids;
};

core::Result<Numbered> NumberRows(TicketStore& store,
                                  const std::vector<TicketService::Submission>& items,
                                  const std::vector<size_t>& fresh, int64_t now) {
  Numbered out;
  out.rows.resize(fresh.size());
  std::map<std::string, std::vector<size_t>> by_prefix;
  for (size_t k = 0; k < fresh.size(); ++k) {
    by_prefix[SerialPrefix(items[fresh[k]].prepared->county_code, now)].push_back(k);
  }
  std::map<std::string, int64_t> wanted;
  for (const auto& [prefix, positions] : by_prefix) {
    wanted[prefix] = static_cast<int64_t>(positions.size());
  }
  CG_ASSIGN_OR_RETURN(TicketStore::Reserved reserved, store.Reserve(wanted, fresh.size()));
  for (const auto& [prefix, positions] : by_prefix) {
    const int64_t first = reserved.first_serial.at(prefix);
    for (size_t m = 0; m < positions.size(); ++m) {
      const size_t k = positions[m];
      const PreparedTicket& p = *items[fresh[k]].prepared;
      const Category& c = p.category;
      out.rows[k] = TicketStore::NewRow{&p,
                                        reserved.ticket_ids[k],
                                        TicketNumber(prefix, first + static_cast<int64_t>(m)),
                                        now,
                                        SlaDeadline(now, c.accept_minutes),
                                        SlaDeadline(now, c.respond_minutes),
                                        SlaDeadline(now, c.resolve_minutes)};
    }
  }
  out.event_ids = std::move(reserved.event_ids);
  return out;
}

// Writes the items to create: tickets, their submit events, attachment
// links, idempotency keys, all deferred (sent with the batch's next read or
// its commit). Returns the tickets as written (TicketStore::AsInserted): on
// PostgreSQL, reading them back cost a fifth of a batch's time in the city
// mix (docs/benchmarks.md, session 18).
core::Result<std::vector<Ticket>> WriteRows(TicketStore& store,
                                            const std::vector<TicketService::Submission>& items,
                                            const std::vector<size_t>& fresh, int64_t now,
                                            std::vector<TicketEvent>& events) {
  events.clear();
  if (fresh.empty()) return std::vector<Ticket>();
  // Event ids must become visible in id order (see TicketService::Insert);
  // every writer takes this lock before the ticket counters.
  CG_TRY(store.LockEvents());
  CG_ASSIGN_OR_RETURN(Numbered numbered, NumberRows(store, items, fresh, now));
  const std::vector<TicketStore::NewRow>& rows = numbered.rows;
  CG_TRY(store.InsertMany(rows));
  for (size_t k = 0; k < fresh.size(); ++k) {
    const TicketService::Submission& item = items[fresh[k]];
    events.push_back(SubmitEvent(*item.caller, *item.prepared, rows[k].id, now));
    events.back().id = numbered.event_ids[k];
  }
  CG_TRY(store.AppendSubmitEvents(events));
  std::vector<TicketStore::KeyRow> key_rows;
  for (size_t k = 0; k < fresh.size(); ++k) {
    const TicketService::Submission& item = items[fresh[k]];
    const PreparedTicket& p = *item.prepared;
    for (int64_t aid : p.input.attachment_ids) {
      CG_TRY(store.LinkAttachment(rows[k].id, aid, events[k].id));
    }
    if (p.input.idempotency_key) {
      key_rows.push_back(TicketStore::KeyRow{item.caller->account_id, *p.input.idempotency_key,
                                             p.request_hash, rows[k].id, events[k].id, now});
    }
  }
  CG_TRY(store.RememberKeys(key_rows));
  std::vector<Ticket> written;
  written.reserve(rows.size());
  for (const TicketStore::NewRow& row : rows) written.push_back(TicketStore::AsInserted(row));
  return written;
}

}  // namespace

core::Result<std::vector<core::Result<Inserted>>> TicketService::InsertBatch(
    store::Connection& conn, const std::vector<Submission>& items, BatchPhases* phases) {
  BatchPhases local;
  BatchPhases& timed = phases ? *phases : local;
  std::vector<core::Result<Inserted>> results;
  // Deferred (store::Connection::Defer): sent with the batch's first read.
  CG_TRY(conn.Defer(kBatchSavepoint));
  core::Status together = core::Ok();
  try {
    together = InsertTogether(conn, items, results, timed);
  } catch (const std::exception& e) {  // a bug: fall back like any other failure
    together = Error::Internal(std::string("诉求写入失败：") + e.what());
  }
  if (!together.ok()) {
    // A statement failed although the checks passed (a constraint, a bug):
    // undo the batch and write its items one by one, so that only the
    // failing one fails.
    (void)conn.Flush();  // whatever still waits goes (or fails) before the undo
    CG_TRY(conn.Execute(kBatchRollbackTo));
    ++timed.fallbacks;
    results.clear();
    for (const Submission& item : items) CG_TRY(InsertAlone(conn, item, results));
  }
  // Sent with the COMMIT; its failure fails the commit.
  CG_TRY(conn.Defer(kBatchRelease));
  return results;
}

core::Status TicketService::InsertTogether(store::Connection& conn,
                                           const std::vector<Submission>& items,
                                           std::vector<core::Result<Inserted>>& results,
                                           BatchPhases& phases) {
  TicketStore store(conn);
  const int64_t now = clock_.NowMs();
  Lap lap;
  results.assign(items.size(), Error::Internal("诉求写入失败"));
  CG_ASSIGN_OR_RETURN(Plan plan, PlanBatch(store, items, results, [&](const Submission& item) {
                        return CheckAttachments(store, item.caller,
                                                item.prepared->input.attachment_ids);
                      }));
  lap.To(phases.check_ns);
  std::vector<TicketEvent> events;
  CG_ASSIGN_OR_RETURN(std::vector<Ticket> written,
                      WriteRows(store, items, plan.fresh, now, events));
  lap.To(phases.write_ns);
  // The answers to replays: their earlier tickets, in one read.
  std::vector<int64_t> load;
  for (const auto& [item, ticket_id] : plan.replays) load.push_back(ticket_id);
  std::vector<Ticket> loaded;
  if (!load.empty()) {
    CG_ASSIGN_OR_RETURN(loaded, store.LoadMany(load));
  }
  lap.To(phases.read_ns);
  const size_t n = plan.fresh.size();
  std::vector<TicketChange> changes(n);
  for (size_t k = 0; k < n; ++k) {
    changes[k].after = std::move(written[k]);
    changes[k].event = std::move(events[k]);
  }
  for (TicketObserver* o : observers_) CG_TRY(o->InTransactionBatch(conn, changes));
  // What the observers deferred fails here, inside the batch's savepoint.
  CG_TRY(conn.Flush());
  lap.To(phases.observe_ns);
  for (size_t k = 0; k < n; ++k) {
    Ticket ticket = changes[k].after;
    results[plan.fresh[k]] = Inserted{std::move(ticket), true, std::move(changes[k]), std::nullopt};
    CG_TRY(RouteFirst(store, *items[plan.fresh[k]].prepared, *results[plan.fresh[k]]));
  }
  for (size_t m = 0; m < plan.replays.size(); ++m) {
    results[plan.replays[m].first] =
        Inserted{std::move(loaded[m]), false, std::nullopt, std::nullopt};
  }
  for (const auto& [item, earlier] : plan.same_as) {
    const core::Result<Inserted>& first = results[earlier];
    results[item] =
        first.ok()
            ? core::Result<Inserted>(Inserted{first->ticket, false, std::nullopt, std::nullopt})
            : core::Result<Inserted>(first.error());
  }
  return core::Ok();
}

// One item inside its own savepoint; its failure rolls back to the savepoint
// and is only its result. An error return means a savepoint statement failed.
core::Status TicketService::InsertAlone(store::Connection& conn, const Submission& item,
                                        std::vector<core::Result<Inserted>>& results) {
  CG_TRY(conn.Execute(kItemSavepoint));
  core::Result<Inserted> inserted = Error::Internal("诉求写入失败");
  try {
    inserted = Insert(conn, *item.caller, *item.prepared);
  } catch (const std::exception& e) {  // a bug: the item fails, the batch goes on
    inserted = Error::Internal(std::string("诉求写入失败：") + e.what());
  }
  if (!inserted.ok()) CG_TRY(conn.Execute(kItemRollbackTo));
  CG_TRY(conn.Execute(kItemRelease));
  results.push_back(std::move(inserted));
  return core::Ok();
}

}  // namespace civicgrid::domain
