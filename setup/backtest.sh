#!/usr/bin/env bash
# The forecast's backtest: builds a throwaway database (Odoo's accounting, then our two addons,
# no demo data), replays a year of generated invoices and payments, prints the forecast's
# errors beside the naive forecast's and the time of a pivot by month over many expected rows
# (tests/benchmarks/backtest_forecast.py). Not part of setup/test.sh (it takes minutes).
source "$(dirname "$0")/lib.sh"

usage() {
    cat <<USAGE
Usage: setup/backtest.sh [--keep-db] [-- BACKTEST_OPTIONS]
  --keep-db          keep the database afterwards (default: dropped)
  BACKTEST_OPTIONS   passed to tests/benchmarks/backtest_forecast.py, e.g. --rows 0
                     --customers-per-habit 4 --seed 1 (see its --help)
USAGE
}

KEEP_DB=0
ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
    --keep-db) KEEP_DB=1; shift ;;
    -h | --help) usage; exit 0 ;;
    --) shift; ARGS+=("$@"); break ;;
    *) die "unknown option: $1 (see setup/backtest.sh --help)" ;;
    esac
done

ensure_all

OUT_DIR="$LOCAL_DIR/backtest"
mkdir -p "$OUT_DIR"
CONF="$OUT_DIR/odoo.conf"
sed -e "s#^without_demo = .*#without_demo = all#" "$ODOO_CONF" >"$CONF"
DB="${REVSHARE_BACKTEST_DB:-revshare_backtest}"
run_odoo() { "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$CONF" "$@"; }
drop_db() {
    dropdb --if-exists "$DB"
    rm -rf "$LOCAL_DIR/filestore/filestore/$DB"
}
drop_db
say "installing account,account_payment,$OUR_ADDONS into $DB (no demo data)"
run_odoo -d "$DB" -i "account,account_payment,$OUR_ADDONS" --without-demo=all --stop-after-init \
    --log-level=warn --http-port "$(free_port)" >"$OUT_DIR/install.log" 2>&1 ||
    { drop_db; die "installing failed; see $OUT_DIR/install.log"; }

say "replaying (log: $OUT_DIR/backtest.log)"
set +e
PYTHONPATH="$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/python" "$ROOT/tests/benchmarks/backtest_forecast.py" \
    -c "$CONF" -d "$DB" ${ARGS[@]+"${ARGS[@]}"} 2>"$OUT_DIR/backtest.log" | tee "$OUT_DIR/results.md"
rc=${PIPESTATUS[0]}
set -e
[ "$KEEP_DB" = 1 ] || drop_db
[ "$rc" -eq 0 ] || die "the backtest failed (status $rc); see $OUT_DIR/backtest.log"
