#!/usr/bin/env bash
# End-to-end test of the command line on a real database file (and on the
# throwaway PostgreSQL when CIVICGRID_TEST_PG is set): demo county, --if-empty,
# all-or-nothing CSV import with line-numbered errors, masked export, audit
# chain verification and tamper detection, progress quiet when piped.
set -euo pipefail
BIN=${1:?usage: cli_test.sh path/to/civicgrid}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0
fail=0
check() {  # check "description" command...
  local what=$1
  shift
  if "$@"; then pass=$((pass + 1)); else echo "FAILED: $what" >&2; fail=$((fail + 1)); fi
}

# Days of demo ticket history: on SQLite the year `make run` loads (~3,550 tickets, ~40 s in the
# sanitizer build; docs/demo.md has its figures), on PostgreSQL two months. The population is
# scaled down to 0.5 % (about 1,100 residents): 220,000 under the sanitizers would take too long,
# and the seeds' counts of communities, grids, workers, units and centres do not scale.
history_days=365
scale=0.005

run_suite() {
  local db=$1 label=$2 history_days=$3
  local out="$work/$label"
  mkdir -p "$out"
  "$BIN" demo --db "$db" --key-file "$out/pii.key" --population-scale "$scale" --seed 7 \
    --ticket-history-days "$history_days" >"$out/demo.out" 2>"$out/demo.err"
  check "$label: demo prints the nine accounts" grep -q "resident1" "$out/demo.err"
  check "$label: demo reports its ticket history and rates" grep -q "工单历史已生成.*随手拍.*已解决.*满意率" "$out/demo.err"
  check "$label: demo prints its elapsed time and what it built" grep -q "演示数据用时 .* 秒.*名居民.*件工单" "$out/demo.err"
  check "$label: progress is quiet when stderr is not a terminal" \
    bash -c "! grep -q $'\r' '$out/demo.err'"
  "$BIN" demo --db "$db" --key-file "$out/pii.key" --if-empty 2>"$out/again.err"
  check "$label: --if-empty leaves an existing county alone" bash -c "! grep -q '演示县已生成' '$out/again.err'"
  if "$BIN" demo --db "$db" --key-file "$out/pii.key" 2>"$out/dup.err"; then
    check "$label: demo refuses a non-empty database" false
  else
    check "$label: demo refuses a non-empty database" grep -q "空库" "$out/dup.err"
  fi

  # A building code of the demo county, and ID numbers not in it (birth year 2021).
  local building="131022001001001-01"
  printf 'name,id_number,phone,building_code,room\n' >"$out/bad.csv"
  printf '甲,131022202101010018,13700000001,%s,9-901\n' "$building" >>"$out/bad.csv"
  printf '乙,131022202101010020,13700000002,%s,9-902\n' "$building" >>"$out/bad.csv"  # bad check digit
  local status=0
  "$BIN" import residents "$out/bad.csv" --db "$db" --key-file "$out/pii.key" --as admin \
    2>"$out/bad.err" || status=$?
  check "$label: import with a bad row exits 2" test "$status" = 2
  check "$label: the bad row is named by line and field" grep -q "line 3.id_number" "$out/bad.err"
  "$BIN" export residents --db "$db" --key-file "$out/pii.key" --as admin >"$out/before.csv"
  check "$label: nothing from the bad file was written" bash -c "! grep -q '甲' '$out/before.csv'"

  head -n 2 "$out/bad.csv" >"$out/good.csv"
  "$BIN" import residents "$out/good.csv" --db "$db" --key-file "$out/pii.key" --as admin 2>"$out/good.err"
  "$BIN" export residents --db "$db" --key-file "$out/pii.key" --as admin >"$out/after.csv"
  check "$label: the good file went in" grep -q '甲' "$out/after.csv"
  check "$label: export masks the ID number" bash -c "! grep -q '131022202101010018' '$out/after.csv'"
  check "$label: export masks the phone" grep -q '137\*\*\*\*0001' "$out/after.csv"
  "$BIN" export party-members --db "$db" --key-file "$out/pii.key" --as admin >"$out/members.csv"
  check "$label: member export masks phones" grep -q '\*\*\*\*' "$out/members.csv"
  check "$label: member export holds no whole phone number" \
    bash -c "! grep -qE '(^|,)1[3-9][0-9]{9}(,|$)' '$out/members.csv'"
  "$BIN" export units --db "$db" --key-file "$out/pii.key" --as admin >"$out/units.csv"
  check "$label: unit export lists the 64 demo units" test "$(($(wc -l <"$out/units.csv") - 1))" = 64
  check "$label: grid1 may not import into another community" bash -c \
    "! '$BIN' import residents '$out/good.csv' --db '$db' --key-file '$out/pii.key' --as grid2 2>/dev/null"

  "$BIN" audit verify --db "$db" --key-file "$out/pii.key" >"$out/verify.out"
  check "$label: audit chain verifies" grep -q "校验通过" "$out/verify.out"
  "$BIN" ledger verify --db "$db" --key-file "$out/pii.key" >"$out/ledger.out"
  check "$label: the time-bank ledger verifies (exit 0)" grep -q "账本完好" "$out/ledger.out"
  check "$label: ledger verify prints what it checked" grep -q "\[通过\] 账户余额等于其分录之和" "$out/ledger.out"
}

run_suite "sqlite:$work/sqlite/civicgrid.db" sqlite "$history_days"
db="$work/sqlite/civicgrid.db"
check "sqlite: key file is owner-only" test "$(stat -c %a "$work/sqlite/pii.key")" = 600
check "sqlite: demo figures: 32 communities" test "$(sqlite3 "$db" "select count(*) from org_node where kind='community'")" = 32
check "sqlite: demo figures: 246 grids" test "$(sqlite3 "$db" "select count(*) from org_node where kind='grid'")" = 246
check "sqlite: demo figures: 245 full-time grid workers" test "$(sqlite3 "$db" "select count(*) from staff where kind='grid_worker' and employment='full_time'")" = 245
check "sqlite: demo figures: 925 part-time grid workers" test "$(sqlite3 "$db" "select count(*) from staff where kind='grid_worker' and employment='part_time'")" = 925
check "sqlite: demo figures: 64 units" test "$(sqlite3 "$db" "select count(*) from unit")" = 64
check "sqlite: demo figures: 108 grid branches" test "$(sqlite3 "$db" "select count(*) from party_org where kind='grid_branch'")" = 108
check "sqlite: demo figures: 138 grid groups" test "$(sqlite3 "$db" "select count(*) from party_org where kind='grid_group'")" = 138
check "sqlite: demo figures: 32 service centres of 500 m² or more" test "$(sqlite3 "$db" "select count(*) from service_center where floor_area_m2 >= 500")" = 32
per_community="select count(*) n from resident r join org_node b on b.id = r.node_id join org_node c on c.kind = 'community' and b.path like c.path || '%' group by c.id"
# Scaled back by 1/0.005 = 200, every community holds 5,000–9,500 residents (± the rounding).
check "sqlite: demo population: every community 5,000–9,500 when scaled back" test \
  "$(sqlite3 "$db" "select min(n) * 200 >= 4900 and max(n) * 200 <= 9600 and count(*) = 32 from ($per_community)")" = 1
check "sqlite: demo population: about 220,000 when scaled back" test \
  "$(sqlite3 "$db" "select abs(count(*) * 200 - 220000) <= 3200 from resident")" = 1
tickets=$(sqlite3 "$db" "select count(*) from ticket")
check "sqlite: demo history: about 10 tickets a day ($tickets in $history_days days)" \
  test "$tickets" -ge $((history_days * 7)) -a "$tickets" -le $((history_days * 13))
reports=$(sqlite3 "$db" "select count(*) from ticket where kind = 'report' and channel = 'h5'")
check "sqlite: demo history: about 2,094 随手拍 a year ($reports)" test "$reports" -ge 1850 -a "$reports" -le 2350
check "sqlite: demo history: most tickets closed" \
  test "$(sqlite3 "$db" "select count(*) from ticket where state = 'closed'")" -ge $((tickets * 6 / 10))
check "sqlite: demo history: some still open at the end" \
  test "$(sqlite3 "$db" "select count(*) from ticket where state not in ('resolved','closed','rejected')")" -gt 0
check "sqlite: demo history: every kind of step happened" test "$(sqlite3 "$db" \
  "select count(distinct type) from ticket_event where type in ('submit','accept','dispatch','claim','start','escalate','respond','resolve','rate','callback','close','supervise')")" = 12
rate() {  # rate NUMERATOR DENOMINATOR: a percentage of the year's rollup, rounded down
  sqlite3 "$db" "select cast(100 * sum($1) / sum($2) as integer) from ticket_rollup where grain = 2"
}
check "sqlite: demo history: 响应率 95% or more" test "$(rate responded_on_time demands)" -ge 95
check "sqlite: demo history: 办结率 99% or more, as the seeds report" test "$(rate resolved demands)" -ge 99
check "sqlite: demo history: 满意率 99% or more, as the seeds report" test "$(rate satisfied rated)" -ge 99
check "sqlite: demo history: communities differ in 响应率" test "$(sqlite3 "$db" \
  "select count(distinct cast(1000 * r.ok / r.n as integer)) from (select sum(u.responded_on_time) ok, sum(u.demands) n from ticket_rollup u join org_node c on c.kind = 'community' and u.path like c.path || '%' where u.grain = 2 group by c.id) r")" -gt 5
check "sqlite: demo history: ticket numbers carry the county code" \
  test "$(sqlite3 "$db" "select count(*) from ticket where number not like '131022-____-______'")" = 0
check "sqlite: demo history: the rate rollups hold every ticket" \
  test "$(sqlite3 "$db" "select sum(received) from ticket_rollup where grain = 2")" = "$tickets"
check "sqlite: grid1 and grid2 are in different communities" test "$(sqlite3 "$db" "select count(distinct n.parent_id) from account a join org_node n on n.id = a.scope_node_id where a.username in ('grid1','grid2')")" = 2

# Tampering with the audit log, even after dropping its guard, is detected.
sqlite3 "$db" "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET detail = 'edited' WHERE seq = 1;"
status=0
"$BIN" audit verify --db "sqlite:$db" --key-file "$work/sqlite/pii.key" >"$work/tamper.out" || status=$?
check "sqlite: a tampered audit log fails verification (exit 3)" test "$status" = 3

# The demo's board tickets claimed by members credited member points (the ticket rule).
check "sqlite: claimed tickets credited member points" \
  test "$(sqlite3 "$db" "select count(*) from tb_posting where kind = 'ticket'")" -gt 0
# Tampering with the ledger, even after dropping its guard, is detected.
sqlite3 "$db" "DROP TRIGGER tb_entry_no_update; UPDATE tb_entry SET amount = amount + 1 WHERE id = (SELECT MIN(id) FROM tb_entry);"
status=0
"$BIN" ledger verify --db "sqlite:$db" --key-file "$work/sqlite/pii.key" >"$work/ledger-tamper.out" || status=$?
check "sqlite: a tampered ledger fails verification (exit 3)" test "$status" = 3
check "sqlite: ledger verify names the broken invariant" grep -q "\[违规\] 每笔记账分录按币种合计为 0" "$work/ledger-tamper.out"

if [ -n "${CIVICGRID_TEST_PG:-}" ]; then
  name="cg_cli_$$"
  psql -q "${CIVICGRID_TEST_PG/\{db\}/postgres}" -c "CREATE DATABASE $name" >/dev/null
  run_suite "${CIVICGRID_TEST_PG/\{db\}/$name}" postgres 60
  psql -q "${CIVICGRID_TEST_PG/\{db\}/postgres}" -c "DROP DATABASE $name WITH (FORCE)" >/dev/null
elif [ "${CIVICGRID_SKIP_PG:-}" != 1 ]; then
  echo "FAILED: CIVICGRID_TEST_PG is not set (run through make test)" >&2
  fail=$((fail + 1))
fi

echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
