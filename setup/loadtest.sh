#!/usr/bin/env bash
# The load test: a real Odoo server with --workers=4 and a cron worker on the
# private PostgreSQL, loopback only, driven over JSON-RPC by 8 concurrent clients for a
# bounded time (four equal phases, the payment agreements suspended, active, active,
# suspended: a drift over the run weighs on both sides alike): they post
# invoices, register payments (single and grouped), unreconcile some, issue credit notes,
# and one runs the settlement cron meanwhile. Then a worker is SIGKILLed in the middle of
# a settlement run, the server restarted and the run finished; the integrity check must
# find 0 mismatches and the recount from the partials no missing or duplicated row.
# Prints throughput (payments/s, agreements on vs off), serialization conflicts Odoo
# retried, p50/p95 latency. Any failed RPC other than a serialization conflict fails.
source "$(dirname "$0")/lib.sh"

usage() {
    cat <<USAGE
Usage: setup/loadtest.sh [options]
  --duration SECONDS  load time, in quarters: agreements off, on, on, off (default 120)
  --short             60 seconds of load and 150 settled partners (a quick check)
  --partners N        periodic agreements of the killed settlement run (default 300)
  --keep-db           keep the load test database afterwards (default: dropped)
  --odoo-src PATH     an Odoo 18.0 source tree (see setup/install.sh --help)
Results: .local/loadtest/results.md (raw: *.json, server log: server.log).
USAGE
}

DURATION=120
PARTNERS=300
KEEP_DB=0
while [ $# -gt 0 ]; do
    case "$1" in
    --duration) [ $# -ge 2 ] || die "--duration needs seconds"; DURATION="$2"; shift 2 ;;
    --short) DURATION=60; PARTNERS=150; shift ;;
    --partners) [ $# -ge 2 ] || die "--partners needs a number"; PARTNERS="$2"; shift 2 ;;
    --keep-db) KEEP_DB=1; shift ;;
    --odoo-src) [ $# -ge 2 ] || die "--odoo-src needs a path"; ODOO_SRC="$2"; shift 2 ;;
    --odoo-src=*) ODOO_SRC="${1#*=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option: $1 (see setup/loadtest.sh --help)" ;;
    esac
done

ensure_all

OUT="$LOCAL_DIR/loadtest"
rm -rf "$OUT"
mkdir -p "$OUT"
CONF="$OUT/odoo.conf"
sed -e "s#^without_demo = .*#without_demo = all#" "$ODOO_CONF" >"$CONF"
lt_odoo() { "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$CONF" "$@"; }
driver() { PYTHONPATH="$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/python" "$ROOT/tests/benchmarks/loadtest_revshare.py" "$@"; }

# --- the database: Odoo's accounting without demo data (the benchmark's template), our addons
base_modules="account,account_payment"
base_key=$(printf '%s|%s|%s|nodemo' "$ODOO_SRC" "$(stat -c %Y "$ODOO_SRC/odoo/release.py")" "$base_modules" | sha256sum | cut -c1-8)
BASE_DB="revshare_bench_base_$base_key"
db_comment() { psql -d postgres -Atc "select shobj_description(oid, 'pg_database') from pg_database where datname = '$1'"; }
if ! db_exists "$BASE_DB" || [ "$(db_comment "$BASE_DB")" != complete ]; then
    say "building the template database $BASE_DB ($base_modules, no demo data)"
    dropdb --if-exists "$BASE_DB"
    lt_odoo -d "$BASE_DB" -i "$base_modules" --without-demo=all --stop-after-init --log-level=warn \
        --http-port "$(free_port)" >"$OUT/base.log" 2>&1 || die "building the template failed; see $OUT/base.log"
    psql -d postgres -qc "comment on database $BASE_DB is 'complete'"
fi
DB="${REVSHARE_LOAD_DB:-revshare_load}"
drop_db() { dropdb --if-exists "$DB"; rm -rf "$LOCAL_DIR/filestore/filestore/$DB"; }
drop_db
createdb -T "$BASE_DB" "$DB"
[ -d "$LOCAL_DIR/filestore/filestore/$BASE_DB" ] && cp -a "$LOCAL_DIR/filestore/filestore/$BASE_DB" "$LOCAL_DIR/filestore/filestore/$DB"
say "installing $OUR_ADDONS into $DB and creating the data"
lt_odoo -d "$DB" -i "$OUR_ADDONS" --without-demo=all --stop-after-init --log-level=warn \
    --http-port "$(free_port)" >"$OUT/install.log" 2>&1 || die "installing the addons failed; see $OUT/install.log"
driver setup -c "$CONF" -d "$DB" --partners "$PARTNERS" --out "$OUT/facts.json" 2>>"$OUT/install.log" ||
    die "creating the data failed; see $OUT/install.log"

# --- the server: 4 HTTP workers and a cron worker, loopback only --------------------------
PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
SERVER_PID=""
start_server() {
    # Not through lt_odoo: $! must be Odoo's own pid (the master), which stops its workers.
    "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$CONF" -d "$DB" --db-filter="^$DB\$" --workers=4 --max-cron-threads=1 \
        --http-interface=127.0.0.1 --http-port="$PORT" --gevent-port="$(free_port)" \
        --limit-time-real=900 --limit-time-cpu=900 --log-level=info \
        >>"$OUT/server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 120); do
        if curl -s -o /dev/null "$URL/web/webclient/version_info" -H 'Content-Type: application/json' -d '{}'; then
            return 0
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || die "the server stopped; see $OUT/server.log"
        sleep 1
    done
    die "the server did not answer within 2 minutes; see $OUT/server.log"
}
stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 60); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 1; done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
}
trap stop_server EXIT

FAILED=0
say "starting Odoo ($URL, 4 workers + cron worker); load for ${DURATION}s with 8 clients"
start_server
driver run --url "$URL" -d "$DB" --facts "$OUT/facts.json" --duration "$DURATION" --out "$OUT/run.json" ||
    { FAILED=1; say "some RPC failed (see $OUT/run.json)"; }
say "killing the worker of a settlement run ($PARTNERS partners) mid-run"
driver kill --url "$URL" -d "$DB" --facts "$OUT/facts.json" --out "$OUT/kill.json" ||
    { FAILED=1; say "no worker killed mid-run (see $OUT/kill.json)"; }
say "restarting the server and finishing the settlement run"
stop_server
start_server
driver settle --url "$URL" -d "$DB" --facts "$OUT/facts.json" --out "$OUT/settle.json" ||
    { FAILED=1; say "the settlement run after the restart failed"; }
stop_server
say "integrity check and recount from the partials"
driver check -c "$CONF" -d "$DB" --facts "$OUT/facts.json" --out "$OUT/check.json" 2>>"$OUT/check.log" ||
    { FAILED=1; say "the check found mismatches (see $OUT/check.json)"; }

RETRIES=$(grep -c 'tries left, try again' "$OUT/server.log" || true)
"$VENV/bin/python" - "$OUT" "$RETRIES" "$FAILED" <<'PY' | tee "$OUT/results.md"
import json
import os
import sys

out, retries, failed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
run = json.load(open(os.path.join(out, "run.json")))
kill = json.load(open(os.path.join(out, "kill.json"))) if os.path.exists(os.path.join(out, "kill.json")) else {}
check = json.load(open(os.path.join(out, "check.json"))) if os.path.exists(os.path.join(out, "check.json")) else {}
rate = {p: run["payments"].get(p, 0) / run["seconds"][p] for p in ("off", "on")}
print(f"# Load test: 8 clients, 4 workers + cron worker, {run['duration']:.0f} s "
      f"(load {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} cores)")
print()
print(f"Throughput: {rate['on']:.2f} payments/s with agreements on, {rate['off']:.2f} off "
      f"(ratio {rate['off'] / rate['on'] if rate['on'] else float('nan'):.2f})")
print(f"Serialization conflicts retried by Odoo: {retries}; given up after retries: "
      f"{run['conflicts_given_up']}; failed RPCs: {len(run['failures'])}")
print()
print("| phase action | count | p50 ms | p95 ms |")
print("| --- | --- | --- | --- |")
for key, lat in run["latency"].items():
    print(f"| {key} | {lat['count']} | {lat['p50'] * 1000:.0f} | {lat['p95'] * 1000:.0f} |")
print()
print(f"Kill: worker {kill.get('killed_pid')} killed after {kill.get('settlements_before_kill')} "
      f"settlements committed; the run's RPC: {kill.get('rpc')}")
print(f"Integrity check mismatches: {check.get('integrity_mismatches')}; recount: "
      + ", ".join(f"{k} {v}" for k, v in check.get("recount", {}).items()))
print(f"Earned rows from partials: {check.get('earned_rows')} on {check.get('partials')} partials")
for failure in run["failures"][:10]:
    print(f"FAILED: {failure}")
print()
print("PASSED" if not failed else "FAILED")
PY
[ "$KEEP_DB" = 1 ] || drop_db
exit "$FAILED"
