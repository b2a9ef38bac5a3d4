#include "domain/coverage/coverage_schema.h"

#include <string>

namespace civicgrid::domain {
namespace {

constexpr const char* kFundSql = R"sql(
CREATE TABLE fund_account (
  id {{pk}},
  community_id BIGINT NOT NULL REFERENCES org_node(id),
  path {{text}} NOT NULL,
  fund TEXT NOT NULL,
  year INTEGER NOT NULL,
  allocated BIGINT NOT NULL DEFAULT 0,
  spent BIGINT NOT NULL DEFAULT 0,
  balance BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  UNIQUE (community_id, fund, year),
  CHECK (balance >= 0),
  CHECK (balance = allocated - spent)
);
CREATE INDEX fund_account_year_path ON fund_account(year, path, id);

CREATE TABLE fund_entry (
  id {{pk}},
  account_id BIGINT NOT NULL REFERENCES fund_account(id),
  kind TEXT NOT NULL,
  amount BIGINT NOT NULL,
  balance_after BIGINT NOT NULL,
  category TEXT NOT NULL DEFAULT '',
  memo TEXT NOT NULL DEFAULT '',
  spent_on TEXT NOT NULL,
  reverses_id BIGINT UNIQUE REFERENCES fund_entry(id),
  idempotency_key TEXT UNIQUE,
  actor_account_id BIGINT NOT NULL,
  at BIGINT NOT NULL,
  CHECK (amount <> 0),
  CHECK (balance_after >= 0)
);
CREATE INDEX fund_entry_account ON fund_entry(account_id, id);
)sql";

constexpr const char* kGuardSqlite = R"sql(
CREATE TRIGGER fund_entry_no_update BEFORE UPDATE ON fund_entry
BEGIN SELECT RAISE(ABORT, 'fund_entry is append-only'); END;
CREATE TRIGGER fund_entry_no_delete BEFORE DELETE ON fund_entry
BEGIN SELECT RAISE(ABORT, 'fund_entry is append-only'); END;
)sql";

constexpr const char* kGuardPostgres = R"sql(
CREATE FUNCTION fund_entry_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'fund_entry is append-only'; END; $$ LANGUAGE plpgsql;
CREATE TRIGGER fund_entry_no_update BEFORE UPDATE OR DELETE ON fund_entry
FOR EACH ROW EXECUTE FUNCTION fund_entry_append_only();
CREATE TRIGGER fund_entry_no_truncate BEFORE TRUNCATE ON fund_entry
FOR EACH STATEMENT EXECUTE FUNCTION fund_entry_append_only();
)sql";

}  // namespace

store::Migration CoverageMigration() {
  return {23, "community funds: accounts and append-only entries",
          std::string(kFundSql) + kGuardSqlite, std::string(kFundSql) + kGuardPostgres};
}

}  // namespace civicgrid::domain
