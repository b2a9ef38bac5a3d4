#include "domain/access/notices.h"

#include <algorithm>

namespace civicgrid::domain {
namespace {

// Migration 26: notices to accounts; meetings cancelled with a reason,
// registrations declined.
constexpr const char* kNoticesSql = R"sql(
CREATE TABLE account_notice (
  id {{pk}},
  account_id BIGINT NOT NULL,
  kind TEXT NOT NULL,
  subject_kind TEXT NOT NULL,
  subject_id BIGINT NOT NULL,
  text TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX account_notice_account ON account_notice(account_id, id);
ALTER TABLE delib_meeting ADD COLUMN cancel_reason TEXT;
ALTER TABLE delib_registration ADD COLUMN declined_at BIGINT;
ALTER TABLE delib_registration ADD COLUMN decline_reason TEXT;
)sql";

}  // namespace

core::Status AddNotice(store::Connection& conn, const Notice& n) {
  CG_TRY(
      conn.Execute("INSERT INTO account_notice (account_id, kind, subject_kind, subject_id, text, "
                   "created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                   {n.account_id, n.kind, n.subject_kind, n.subject_id, n.text, n.created_at}));
  return core::Ok();
}

core::Result<std::vector<Notice>> NoticesFor(store::Connection& conn, int64_t account_id,
                                             std::optional<int64_t> before, int64_t limit) {
  CG_ASSIGN_OR_RETURN(
      store::Rows rows,
      conn.Query("SELECT id, account_id, kind, subject_kind, subject_id, text, created_at FROM "
                 "account_notice WHERE account_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
                 {account_id, before.value_or(INT64_MAX), std::clamp<int64_t>(limit, 1, 200)}));
  std::vector<Notice> out;
  for (const auto& r : rows) {
    out.push_back(Notice{r.Int("id"), r.Int("account_id"), r.Text("kind"), r.Text("subject_kind"),
                         r.Int("subject_id"), r.Text("text"), r.Int("created_at")});
  }
  return out;
}

store::Migration NoticesMigration() {
  return {26, "notices to accounts, cancelled meetings, declined registrations", kNoticesSql, ""};
}

}  // namespace civicgrid::domain
