#include "domain/tickets/webhooks.h"

#include "domain/tickets/json_text.h"

#include <algorithm>

#include <boost/url/parse.hpp>

namespace civicgrid::domain {
namespace {

using core::Error;

constexpr size_t kMaxUrlBytes = 2000;
constexpr size_t kSecretBytes = 32;
constexpr std::string_view kGivenUp = "接收端已删除，停止投递";

// Pending = neither delivered nor given up.
constexpr std::string_view kPending = "o.delivered_at IS NULL AND o.failed_at IS NULL";

constexpr std::string_view kSelectEndpoint =
    "SELECT e.id, e.url, e.node_id, n.name, e.event_types, e.active, e.created_by, e.created_at "
    "FROM webhook_endpoint e JOIN org_node n ON n.id = e.node_id ";

std::vector<TicketEventType> ParseTypeList(std::string_view text) {
  std::vector<TicketEventType> out;
  while (!text.empty()) {
    size_t comma = std::min(text.find(','), text.size());
    if (auto type = ParseTicketEventType(text.substr(0, comma), "event_types"); type.ok()) {
      out.push_back(*type);
    }
    text.remove_prefix(std::min(comma + 1, text.size()));
  }
  return out;
}

bool Matches(std::string_view filter, TicketEventType type) {
  if (filter.empty()) return true;
  for (TicketEventType t : ParseTypeList(filter)) {
    if (t == type) return true;
  }
  return false;
}

WebhookEndpoint EndpointFromRow(const store::Row& row) {
  WebhookEndpoint e;
  e.id = row.Int(0);
  e.url = row.Text(1);
  e.node_id = row.Int(2);
  e.node_name = row.Text(3);
  e.event_types = ParseTypeList(row.Text(4));
  e.active = row.Int(5) != 0;
  e.created_by = row.Int(6);
  e.created_at = row.Int(7);
  return e;
}

WebhookDelivery DeliveryFromRow(const store::Row& row) {
  WebhookDelivery d;
  d.id = row.Int(0);
  d.endpoint_id = row.Int(1);
  d.event_id = row.Int(2);
  d.event_type = row.Text(3);
  d.attempts = row.Int(4);
  d.next_attempt_at = row.Int(5);
  d.delivered_at = row.OptInt(6);
  d.failed_at = row.OptInt(7);
  d.last_error = row.Text(8);
  d.created_at = row.Int(9);
  if (d.delivered_at) {
    d.status = DeliveryStatus::kDelivered;
  } else if (d.failed_at) {
    d.status = DeliveryStatus::kFailed;
  }
  return d;
}

int64_t EndpointId(const WebhookEndpoint& e) { return e.id; }
int64_t DeliveryId(const WebhookDelivery& d) { return d.id; }

// "resolve,close" from the names given, checked and without repeats.
core::Result<std::string> TypeFilter(const std::vector<std::string>& names) {
  std::vector<TicketEventType> seen;
  std::string out;
  for (const std::string& name : names) {
    CG_ASSIGN_OR_RETURN(TicketEventType type, ParseTicketEventType(name, "event_types"));
    if (std::find(seen.begin(), seen.end(), type) != seen.end()) continue;
    seen.push_back(type);
    if (!out.empty()) out += ',';
    out += TicketEventTypeName(type);
  }
  return out;
}

}  // namespace

core::Result<WebhookUrl> ParseWebhookUrl(std::string_view text, std::string_view field) {
  std::string f(field);
  if (text.empty()) return Error::Invalid(f, "请填写接收地址");
  if (text.size() > kMaxUrlBytes) return Error::Invalid(f, "接收地址过长（最多 2000 字节）");
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) return Error::Invalid(f, "接收地址不是合法的 URL");
  const auto& url = *parsed;
  WebhookUrl out;
  if (url.scheme_id() == boost::urls::scheme::https) {
    out.https = true;
  } else if (url.scheme_id() != boost::urls::scheme::http) {
    return Error::Invalid(f, "接收地址只支持 http 或 https");
  }
  if (url.has_userinfo()) return Error::Invalid(f, "接收地址不能包含用户名或密码");
  if (url.has_fragment()) return Error::Invalid(f, "接收地址不能包含 # 片段");
  out.host = url.host_address();
  if (out.host.empty()) return Error::Invalid(f, "接收地址缺少主机名");
  if (url.has_port()) {
    if (url.port_number() == 0) return Error::Invalid(f, "接收地址的端口无效");
    out.port = url.port_number();
  } else {
    out.port = out.https ? 443 : 80;
  }
  out.target = std::string(url.encoded_target());
  if (out.target.empty() || out.target.front() != '/') out.target.insert(0, "/");
  return out;
}

std::string_view DeliveryStatusName(DeliveryStatus status) {
  switch (status) {
    case DeliveryStatus::kPending:
      return "pending";
    case DeliveryStatus::kDelivered:
      return "delivered";
    case DeliveryStatus::kFailed:
      return "failed";
  }
  return "pending";
}

core::Status WebhookService::RequireAdmin(const Caller& caller) const {
  if (caller.role == Role::kCountyAdmin || caller.role == Role::kStreetAdmin) return core::Ok();
  return Error::Forbidden("只有县级和街道管理员可以配置 Webhook");
}

core::Result<WebhookEndpoint> WebhookService::Load(store::Connection& conn, const Caller& caller,
                                                   int64_t id) {
  PathRange scope = caller.Scope();
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query(std::string(kSelectEndpoint) +
                                     "WHERE e.id = $1 AND e.active = 1 AND n.path >= $2 AND "
                                     "n.path < $3",
                                 {id, scope.lo, scope.hi}));
  if (rows.empty()) return Error::NotFound("Webhook 不存在");
  return EndpointFromRow(rows[0]);
}

core::Result<WebhookEndpoint> WebhookService::Create(const Caller& caller,
                                                     const NewWebhookEndpoint& endpoint) {
  CG_TRY(RequireAdmin(caller));
  CG_ASSIGN_OR_RETURN(WebhookUrl url, ParseWebhookUrl(endpoint.url, "url"));
  CG_ASSIGN_OR_RETURN(std::string filter, TypeFilter(endpoint.event_types));
  int64_t node_id = endpoint.node_id.value_or(caller.scope_node_id);
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(std::string kind, NodeKindInScope(*conn, caller, node_id));
  if (kind.empty()) return Error::Invalid("node_id", "节点不存在或不在管辖范围内");
  std::string secret = core::RandomToken(kSecretBytes);
  CG_ASSIGN_OR_RETURN(
      int64_t id,
      conn->QueryInt("INSERT INTO webhook_endpoint (url, secret_enc, node_id, event_types, active, "
                     "created_by, created_at) VALUES ($1, $2, $3, $4, 1, $5, $6) RETURNING id",
                     {endpoint.url, store::Blob{cipher_.Encrypt(secret)}, node_id, filter,
                      caller.account_id, clock_.NowMs()}));
  // The host only: a query string may carry the receiver's own access key.
  CG_TRY(audit_.Append(*conn, caller, "webhook.create", "webhook_endpoint", id, url.host));
  CG_TRY(tx.Commit());
  CG_ASSIGN_OR_RETURN(WebhookEndpoint created, Load(*conn, caller, id));
  created.secret = std::move(secret);
  return created;
}

core::Result<PageOf<WebhookEndpoint>> WebhookService::List(const Caller& caller, const Page& page) {
  CG_TRY(RequireAdmin(caller));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  PathRange scope = caller.Scope();
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn->Query(std::string(kSelectEndpoint) +
                                      "WHERE e.active = 1 AND n.path >= $1 AND n.path < $2 AND "
                                      "e.id > $3 ORDER BY e.id LIMIT $4",
                                  {scope.lo, scope.hi, page.after, page.limit}));
  std::vector<WebhookEndpoint> items;
  for (const auto& row : rows) items.push_back(EndpointFromRow(row));
  return FinishPage(std::move(items), page, &EndpointId);
}

core::Status WebhookService::Delete(const Caller& caller, int64_t id) {
  CG_TRY(RequireAdmin(caller));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
  CG_ASSIGN_OR_RETURN(WebhookEndpoint endpoint, Load(*conn, caller, id));
  int64_t now = clock_.NowMs();
  CG_TRY(conn->Execute("UPDATE webhook_endpoint SET active = 0 WHERE id = $1", {endpoint.id}));
  CG_TRY(
      conn->Execute("UPDATE webhook_outbox SET failed_at = $1, last_error = $2 WHERE "
                    "endpoint_id = $3 AND delivered_at IS NULL AND failed_at IS NULL",
                    {now, kGivenUp, endpoint.id}));
  CG_TRY(audit_.Append(*conn, caller, "webhook.delete", "webhook_endpoint", id, ""));
  return tx.Commit();
}

core::Result<PageOf<WebhookDelivery>> WebhookService::Deliveries(const Caller& caller,
                                                                 int64_t endpoint_id,
                                                                 const Page& page) {
  CG_TRY(RequireAdmin(caller));
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(WebhookEndpoint endpoint, Load(*conn, caller, endpoint_id));
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query("SELECT o.id, o.endpoint_id, o.event_id, ev.type, o.attempts, "
                  "o.next_attempt_at, o.delivered_at, o.failed_at, o.last_error, o.created_at "
                  "FROM webhook_outbox o JOIN ticket_event ev ON ev.id = o.event_id WHERE "
                  "o.endpoint_id = $1 AND o.id > $2 ORDER BY o.id LIMIT $3",
                  {endpoint.id, page.after, page.limit}));
  std::vector<WebhookDelivery> items;
  for (const auto& row : rows) items.push_back(DeliveryFromRow(row));
  return FinishPage(std::move(items), page, &DeliveryId);
}

std::string WebhookService::Payload(const TicketChange& change) {
  const Ticket& t = change.after;
  const TicketEvent& ev = change.event;
  JsonText ticket;
  ticket.Int("id", t.id)
      .Str("number", t.number)
      .Str("kind", TicketKindName(t.kind))
      .Str("title", t.title)
      .Object("category", JsonText().Int("id", t.category_id).Str("name", t.category_name))
      .Object("node", JsonText().Int("id", t.node_id).Str("name", t.node_name));
  JsonText out;
  out.Int("event_id", ev.id)
      .Str("event_type", TicketEventTypeName(ev.type))
      .Int("seq", ev.seq)
      .Str("at", core::FormatShanghai(ev.at));
  if (change.before) {
    out.Str("state_before", TicketStateName(change.before->state));
  } else {
    out.Null("state_before");
  }
  out.Str("state_after", TicketStateName(ev.state_after)).Object("ticket", ticket);
  if (!change.notice.empty()) out.Raw("notice", change.notice);
  return out.str();
}

core::Status WebhookService::InTransaction(store::Connection& conn, const TicketChange& change) {
  // Endpoints whose node path is a prefix of the ticket's path: the node
  // holds the ticket. The endpoint table is small (a few per county).
  CG_ASSIGN_OR_RETURN(store::Rows rows,
                      conn.Query("SELECT e.id, e.event_types FROM webhook_endpoint e JOIN "
                                 "org_node n ON n.id = e.node_id WHERE e.active = 1 AND "
                                 "substr(CAST($1 AS TEXT), 1, length(n.path)) = n.path "
                                 "ORDER BY e.id",
                                 {change.after.path}));
  std::optional<std::string> payload;
  int64_t now = clock_.NowMs();
  for (const auto& row : rows) {
    if (!Matches(row.Text(1), change.event.type)) continue;
    if (!payload) payload = Payload(change);
    CG_TRY(
        conn.Execute("INSERT INTO webhook_outbox (endpoint_id, event_id, payload, attempts, "
                     "next_attempt_at, created_at) VALUES ($1, $2, $3, 0, $4, $4)",
                     {row.Int(0), change.event.id, *payload, now}));
  }
  return core::Ok();
}

core::Status WebhookService::InTransactionBatch(store::Connection& conn,
                                                const std::vector<TicketChange>& changes) {
  if (changes.empty()) return core::Ok();
  // The endpoint table is small (a few per county): read it once, match the
  // paths here (the node holds the ticket: its path is a prefix).
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn.Query("SELECT e.id, e.event_types, n.path FROM webhook_endpoint e JOIN "
                 "org_node n ON n.id = e.node_id WHERE e.active = 1 ORDER BY e.id"));
  if (rows.empty()) return core::Ok();
  const int64_t now = clock_.NowMs();
  for (const TicketChange& change : changes) {
    std::optional<std::string> payload;
    for (const auto& row : rows) {
      if (!change.after.path.starts_with(row.Text(2))) continue;
      if (!Matches(row.Text(1), change.event.type)) continue;
      if (!payload) payload = Payload(change);
      CG_TRY(
          conn.Execute("INSERT INTO webhook_outbox (endpoint_id, event_id, payload, attempts, "
                       "next_attempt_at, created_at) VALUES ($1, $2, $3, 0, $4, $4)",
                       {row.Int(0), change.event.id, *payload, now}));
    }
  }
  return core::Ok();
}

void WebhookService::Committed(const TicketChange& change) {
  (void)change;
  if (wake_) wake_();
}

core::Result<std::vector<int64_t>> WebhookService::DueEndpoints(int64_t now_ms) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn->Query("SELECT DISTINCT o.endpoint_id FROM webhook_outbox o WHERE " +
                      std::string(kPending) + " AND o.next_attempt_at <= $1 ORDER BY o.endpoint_id",
                  {now_ms}));
  std::vector<int64_t> out;
  for (const auto& row : rows) out.push_back(row.Int(0));
  return out;
}

core::Result<std::optional<int64_t>> WebhookService::NextDue() {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_ASSIGN_OR_RETURN(store::Row row,
                      conn->QueryOne("SELECT MIN(o.next_attempt_at) FROM webhook_outbox o WHERE " +
                                     std::string(kPending)));
  return row.OptInt(0);
}

core::Result<std::optional<OutboxItem>> WebhookService::ClaimNext(int64_t endpoint_id,
                                                                  int64_t now_ms,
                                                                  int64_t lease_until_ms) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  for (;;) {
    CG_ASSIGN_OR_RETURN(auto tx, store::Transaction::Begin(*conn));
    CG_ASSIGN_OR_RETURN(
        store::Rows rows,
        conn->Query("SELECT o.id, o.payload, o.attempts, e.url, e.secret_enc, ev.type FROM "
                    "webhook_outbox o JOIN webhook_endpoint e ON e.id = o.endpoint_id JOIN "
                    "ticket_event ev ON ev.id = o.event_id WHERE o.endpoint_id = $1 AND " +
                        std::string(kPending) +
                        " AND o.next_attempt_at <= $2 ORDER BY o.id LIMIT 1",
                    {endpoint_id, now_ms}));
    if (rows.empty()) return std::optional<OutboxItem>();
    const store::Row& row = rows[0];
    OutboxItem item;
    item.id = row.Int(0);
    item.endpoint_id = endpoint_id;
    item.payload = row.Text(1);
    item.attempts = row.Int(2) + 1;
    item.event_type = row.Text(5);
    auto url = ParseWebhookUrl(row.Text(3), "url");
    auto secret = cipher_.Decrypt(row.Text(4));
    if (!url.ok() || !secret.ok()) {
      // Nothing a retry could fix (the key file was replaced?): give up on it.
      CG_TRY(
          conn->Execute("UPDATE webhook_outbox SET failed_at = $1, last_error = $2 WHERE id = $3",
                        {now_ms, "接收地址或签名密钥无法读取", item.id}));
      CG_TRY(tx.Commit());
      continue;
    }
    item.url = std::move(url).value();
    item.secret = std::move(secret).value();
    // The re-check of next_attempt_at makes two senders on one PostgreSQL
    // database claim a row once.
    CG_ASSIGN_OR_RETURN(
        int64_t claimed,
        conn->Execute("UPDATE webhook_outbox SET attempts = attempts + 1, next_attempt_at = $1 "
                      "WHERE id = $2 AND next_attempt_at <= $3 AND delivered_at IS NULL AND "
                      "failed_at IS NULL",
                      {lease_until_ms, item.id, now_ms}));
    CG_TRY(tx.Commit());
    if (claimed == 1) return std::optional<OutboxItem>(std::move(item));
  }
}

core::Result<int64_t> WebhookService::PurgeEnded(int64_t before_ms) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  return conn->Execute("DELETE FROM webhook_outbox WHERE delivered_at < $1 OR failed_at < $1",
                       {before_ms});
}

core::Status WebhookService::MarkDelivered(int64_t id, int64_t now_ms) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  CG_TRY(conn->Execute("UPDATE webhook_outbox SET delivered_at = $1 WHERE id = $2", {now_ms, id}));
  return core::Ok();
}

core::Status WebhookService::MarkAttemptFailed(int64_t id, int64_t now_ms,
                                               std::optional<int64_t> retry_at_ms,
                                               std::string_view error) {
  CG_ASSIGN_OR_RETURN(auto conn, db_.Acquire());
  if (retry_at_ms) {
    CG_TRY(conn->Execute(
        "UPDATE webhook_outbox SET next_attempt_at = $1, last_error = $2 WHERE id = $3",
        {*retry_at_ms, error, id}));
  } else {
    CG_TRY(conn->Execute("UPDATE webhook_outbox SET failed_at = $1, last_error = $2 WHERE id = $3",
                         {now_ms, error, id}));
  }
  return core::Ok();
}

}  // namespace civicgrid::domain
