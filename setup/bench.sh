#!/usr/bin/env bash
# The benchmark: builds a throwaway database (Odoo's accounting from a template
# database, then our two addons, no demo data), generates its own data and prints one table
# measured side by side in the same run: posting and payment overhead of the revenue share
# engine, queries per invoice and per payment, the settlement run, the integrity check, and
# OCA commission 18.0 settling the same volume. Not part of setup/test.sh (it takes minutes).
source "$(dirname "$0")/lib.sh"

usage() {
    cat <<USAGE
Usage: setup/bench.sh [options] [-- BENCH_OPTIONS]
  --small           small sizes (a couple of minutes; for development)
  --no-oca          skip the OCA commission comparison (no download)
  --keep-db         keep the benchmark database afterwards (default: dropped)
  --million         also the million-row part (issue 30): the settlement cron over
                    1,000,000 earned rows of 10,000 partners, committed chunk by chunk
                    (time, chunks, peak memory), then the integrity check, its share step
                    timed apart; adds about 25 minutes on 2 shared cores (tests/benchmarks/README.md)
  --odoo-src PATH   an Odoo 18.0 source tree (see setup/install.sh --help)
  BENCH_OPTIONS     passed to tests/benchmarks/bench_revshare.py, e.g. --invoices 500
                    --pay 300 --rows 20000 --parts 1,2 (see its --help)
The table is printed and kept in .local/bench/results.md (raw figures: results.json).
USAGE
}

SMALL=0
OCA=1
KEEP_DB=0
MILLION=0
BENCH_ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
    --small) SMALL=1; shift ;;
    --no-oca) OCA=0; shift ;;
    --keep-db) KEEP_DB=1; shift ;;
    --million) MILLION=1; shift ;;
    --odoo-src) [ $# -ge 2 ] || die "--odoo-src needs a path"; ODOO_SRC="$2"; shift 2 ;;
    --odoo-src=*) ODOO_SRC="${1#*=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    --) shift; BENCH_ARGS+=("$@"); break ;;
    *) die "unknown option: $1 (see setup/bench.sh --help)" ;;
    esac
done

ensure_all

BENCH_DIR="$LOCAL_DIR/bench"
mkdir -p "$BENCH_DIR"

# --- OCA commission 18.0, for the peer comparison only ------------------------------------------
# Downloaded from the package registry into .local/bench (never a dependency of our addons) and
# put on the addons path of this run only.
OCA_ADDONS="$BENCH_DIR/oca-addons"
EXTRA_PATH=""
if [ "$OCA" = 1 ]; then
    if [ ! -f "$OCA_ADDONS/account_commission_oca/__manifest__.py" ]; then
        say "downloading OCA commission_oca and account_commission_oca 18.0 into $BENCH_DIR (benchmark only)"
        rm -rf "$BENCH_DIR/wheels" "$OCA_ADDONS"
        if "$VENV/bin/python" -m pip download -q --disable-pip-version-check --no-deps -d "$BENCH_DIR/wheels" \
            "odoo-addon-commission-oca==18.0.*" "odoo-addon-account-commission-oca==18.0.*" >"$BENCH_DIR/pip.log" 2>&1; then
            "$VENV/bin/python" - "$BENCH_DIR/wheels" "$OCA_ADDONS" <<'PY'
import pathlib
import sys
import zipfile

wheels, target = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for wheel in sorted(wheels.glob("*.whl")):
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if name.startswith("odoo/addons/") and not name.endswith("/"):
                dest = target / name[len("odoo/addons/"):]
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(archive.read(name))
PY
        else
            say "could not download OCA commission (see $BENCH_DIR/pip.log): the comparison is skipped"
        fi
    fi
    [ -f "$OCA_ADDONS/account_commission_oca/__manifest__.py" ] && EXTRA_PATH=",$OCA_ADDONS"
fi

BENCH_CONF="$BENCH_DIR/odoo.conf"
sed -e "s#^addons_path = .*#&$EXTRA_PATH#" -e "s#^without_demo = .*#without_demo = all#" "$ODOO_CONF" >"$BENCH_CONF"
bench_odoo() { "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$BENCH_CONF" "$@"; }

# --- the databases: a template with Odoo's accounting (built once), then a throwaway copy ------
base_modules="account,account_payment"
base_key=$(printf '%s|%s|%s|nodemo' "$ODOO_SRC" "$(stat -c %Y "$ODOO_SRC/odoo/release.py")" "$base_modules" | sha256sum | cut -c1-8)
BASE_DB="revshare_bench_base_$base_key"
db_comment() { psql -d postgres -Atc "select shobj_description(oid, 'pg_database') from pg_database where datname = '$1'"; }
if ! db_exists "$BASE_DB" || [ "$(db_comment "$BASE_DB")" != complete ]; then
    for old in $(psql -d postgres -Atc "select datname from pg_database where datname like 'revshare_bench_base_%'"); do
        dropdb "$old"
        rm -rf "$LOCAL_DIR/filestore/filestore/$old"
    done
    say "building the benchmark template database $BASE_DB ($base_modules, no demo data)"
    if ! bench_odoo -d "$BASE_DB" -i "$base_modules" --without-demo=all --stop-after-init --log-level=warn \
        --http-port "$(free_port)" >"$BENCH_DIR/base.log" 2>&1; then
        dropdb --if-exists "$BASE_DB"
        die "building the benchmark template failed; see $BENCH_DIR/base.log"
    fi
    psql -d postgres -qc "comment on database $BASE_DB is 'complete'"
fi

BENCH_DB="${REVSHARE_BENCH_DB:-revshare_bench}"
drop_bench_db() {
    dropdb --if-exists "$BENCH_DB"
    rm -rf "$LOCAL_DIR/filestore/filestore/$BENCH_DB"
}
drop_bench_db
createdb -T "$BASE_DB" "$BENCH_DB"
if [ -d "$LOCAL_DIR/filestore/filestore/$BASE_DB" ]; then
    cp -a "$LOCAL_DIR/filestore/filestore/$BASE_DB" "$LOCAL_DIR/filestore/filestore/$BENCH_DB"
fi
say "installing $OUR_ADDONS into $BENCH_DB"
bench_odoo -d "$BENCH_DB" -i "$OUR_ADDONS" --without-demo=all --stop-after-init --log-level=warn \
    --http-port "$(free_port)" >"$BENCH_DIR/install.log" 2>&1 ||
    { drop_bench_db; die "installing the addons failed; see $BENCH_DIR/install.log"; }

# --- the benchmark ------------------------------------------------------------------------------
args=(-c "$BENCH_CONF" -d "$BENCH_DB" --out "$BENCH_DIR")
[ "$SMALL" = 1 ] && args+=(--small)
[ "$OCA" = 1 ] || args+=(--parts 1,2,check,3,payout)
[ "$MILLION" = 1 ] && args+=(--million)
say "running the benchmark (log: $BENCH_DIR/bench.log)"
set +e
PYTHONPATH="$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/python" "$ROOT/tests/benchmarks/bench_revshare.py" \
    "${args[@]}" ${BENCH_ARGS[@]+"${BENCH_ARGS[@]}"} 2>"$BENCH_DIR/bench.log"
rc=$?
set -e
[ "$KEEP_DB" = 1 ] || drop_bench_db
[ "$rc" -eq 0 ] || die "the benchmark failed (status $rc); see $BENCH_DIR/bench.log"
