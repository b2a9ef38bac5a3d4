#include "domain/timebank/timebank_schema.h"

#include <string>

namespace civicgrid::domain {
namespace {

// Accounts (one per holder and currency), postings (one transfer, idempotent
// on its key, a reversal pointing at the posting it reverses at most once) and
// their entries (amounts summing to zero per currency, the account's balance
// after each). `tb_account.balance` is maintained for speed; `ledger verify`
// checks it against the sum of the entries. Rewards carry their stock;
// redemptions name the posting that paid and, once cancelled, its reversal.
constexpr const char* kTimeBankSql = R"sql(
CREATE TABLE tb_account (
  id {{pk}},
  holder_kind TEXT NOT NULL,
  holder_id BIGINT NOT NULL,
  currency TEXT NOT NULL,
  node_id BIGINT NOT NULL REFERENCES org_node(id),
  path {{text}} NOT NULL,
  community_id BIGINT REFERENCES org_node(id),
  name TEXT NOT NULL DEFAULT '',
  allow_negative INTEGER NOT NULL DEFAULT 0,
  balance BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  UNIQUE (holder_kind, holder_id, currency)
);
CREATE INDEX tb_account_path ON tb_account(path, id);
CREATE INDEX tb_account_community ON tb_account(community_id, currency, id);

CREATE TABLE tb_posting (
  id {{pk}},
  kind TEXT NOT NULL,
  idempotency_key TEXT NOT NULL UNIQUE,
  digest TEXT NOT NULL,
  memo TEXT NOT NULL DEFAULT '',
  reverses_id BIGINT UNIQUE REFERENCES tb_posting(id),
  actor_account_id BIGINT,
  ref_type TEXT NOT NULL DEFAULT '',
  ref_id BIGINT,
  day TEXT NOT NULL,
  at BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX tb_posting_ref ON tb_posting(ref_type, ref_id);

CREATE TABLE tb_entry (
  id {{pk}},
  posting_id BIGINT NOT NULL REFERENCES tb_posting(id),
  account_id BIGINT NOT NULL REFERENCES tb_account(id),
  currency TEXT NOT NULL,
  amount BIGINT NOT NULL,
  balance_after BIGINT NOT NULL,
  kind TEXT NOT NULL,
  day TEXT NOT NULL,
  at BIGINT NOT NULL
);
CREATE INDEX tb_entry_account ON tb_entry(account_id, id);
CREATE INDEX tb_entry_posting ON tb_entry(posting_id);
CREATE INDEX tb_entry_day ON tb_entry(account_id, day);
CREATE INDEX tb_entry_year ON tb_entry(day, account_id);

CREATE TABLE tb_reward (
  id {{pk}},
  node_id BIGINT NOT NULL REFERENCES org_node(id),
  path {{text}} NOT NULL,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  currency TEXT NOT NULL,
  cost BIGINT NOT NULL,
  stock BIGINT NOT NULL,
  active INTEGER NOT NULL DEFAULT 1,
  version BIGINT NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  CHECK (stock >= 0),
  CHECK (cost > 0)
);
CREATE INDEX tb_reward_path ON tb_reward(path, id);

CREATE TABLE tb_redemption (
  id {{pk}},
  reward_id BIGINT NOT NULL REFERENCES tb_reward(id),
  account_id BIGINT NOT NULL REFERENCES tb_account(id),
  path {{text}} NOT NULL,
  quantity BIGINT NOT NULL,
  amount BIGINT NOT NULL,
  state TEXT NOT NULL,
  posting_id BIGINT NOT NULL REFERENCES tb_posting(id),
  reversal_posting_id BIGINT REFERENCES tb_posting(id),
  created_by BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  handed_over_by BIGINT,
  handed_over_at BIGINT,
  cancelled_at BIGINT
);
CREATE INDEX tb_redemption_path ON tb_redemption(path, state, id);
CREATE INDEX tb_redemption_account ON tb_redemption(account_id, id);
)sql";

constexpr const char* kGuardSqlite = R"sql(
CREATE TRIGGER tb_entry_no_update BEFORE UPDATE ON tb_entry
BEGIN SELECT RAISE(ABORT, 'tb_entry is append-only'); END;
CREATE TRIGGER tb_entry_no_delete BEFORE DELETE ON tb_entry
BEGIN SELECT RAISE(ABORT, 'tb_entry is append-only'); END;
CREATE TRIGGER tb_posting_no_update BEFORE UPDATE ON tb_posting
BEGIN SELECT RAISE(ABORT, 'tb_posting is append-only'); END;
CREATE TRIGGER tb_posting_no_delete BEFORE DELETE ON tb_posting
BEGIN SELECT RAISE(ABORT, 'tb_posting is append-only'); END;
)sql";

constexpr const char* kGuardPostgres = R"sql(
CREATE FUNCTION tb_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END; $$ LANGUAGE plpgsql;
CREATE TRIGGER tb_entry_no_update BEFORE UPDATE OR DELETE ON tb_entry
FOR EACH ROW EXECUTE FUNCTION tb_append_only();
CREATE TRIGGER tb_entry_no_truncate BEFORE TRUNCATE ON tb_entry
FOR EACH STATEMENT EXECUTE FUNCTION tb_append_only();
CREATE TRIGGER tb_posting_no_update BEFORE UPDATE OR DELETE ON tb_posting
FOR EACH ROW EXECUTE FUNCTION tb_append_only();
CREATE TRIGGER tb_posting_no_truncate BEFORE TRUNCATE ON tb_posting
FOR EACH STATEMENT EXECUTE FUNCTION tb_append_only();
)sql";

}  // namespace

store::Migration TimeBankMigration() {
  return {15, "time bank: accounts, postings, entries, rewards",
          std::string(kTimeBankSql) + kGuardSqlite, std::string(kTimeBankSql) + kGuardPostgres};
}

}  // namespace civicgrid::domain
