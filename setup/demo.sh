#!/usr/bin/env bash
# The demo: builds (or reuses) a database with both addons and their demo data, then serves Odoo
# on http://localhost:8069. With --no-serve it prints a short summary of the demo data instead.
source "$(dirname "$0")/lib.sh"

usage() {
    cat <<USAGE
Usage: setup/demo.sh [--no-serve] [--reset] [--update] [--port N] [--odoo-src PATH]
  --no-serve        build the database and print what the demo data produced, then exit
  --reset           drop the demo database and build it again
  --update          update both addons in the existing demo database (after a code change)
  --port N          HTTP port (default 8069)
  --odoo-src PATH   an Odoo 18.0 source tree (see setup/install.sh --help)
USAGE
}

SERVE=1
RESET=0
UPDATE=0
PORT=8069
while [ $# -gt 0 ]; do
    case "$1" in
    --no-serve) SERVE=0; shift ;;
    --reset) RESET=1; shift ;;
    --update) UPDATE=1; shift ;;
    --port) [ $# -ge 2 ] && [[ "$2" =~ ^[0-9]+$ ]] || die "--port needs a number"; PORT="$2"; shift 2 ;;
    --odoo-src) [ $# -ge 2 ] || die "--odoo-src needs a path"; ODOO_SRC="$2"; shift 2 ;;
    --odoo-src=*) ODOO_SRC="${1#*=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option: $1 (see setup/demo.sh --help)" ;;
    esac
done

ensure_all
DEMO_DB="${REVSHARE_DEMO_DB:-revshare_demo}"
modules="$OUR_ADDONS,$EXTRA_ADDONS"
demo_ready() { [ "$(addons_installed "$DEMO_DB")" = 2 ]; }

if [ "$RESET" = 1 ] || { db_exists "$DEMO_DB" && ! demo_ready; }; then
    # A half-built database (an interrupted first run) is dropped and built again.
    dropdb --if-exists "$DEMO_DB"
    rm -rf "$LOCAL_DIR/filestore/filestore/$DEMO_DB"
fi
if ! demo_ready; then
    say "building the demo database $DEMO_DB ($modules, with demo data; about two minutes)"
    odoo_bin -d "$DEMO_DB" -i "$modules" --stop-after-init --log-level=warn --http-port "$(free_port)" >"$LOCAL_DIR/demo-build.log" 2>&1 ||
        { dropdb --if-exists "$DEMO_DB"; die "building the demo database failed; see $LOCAL_DIR/demo-build.log"; }
elif [ "$UPDATE" = 1 ]; then
    say "updating $OUR_ADDONS in $DEMO_DB"
    odoo_bin -d "$DEMO_DB" -u "$OUR_ADDONS" --stop-after-init --log-level=warn --http-port "$(free_port)" >"$LOCAL_DIR/demo-build.log" 2>&1 ||
        die "updating the demo database failed; see $LOCAL_DIR/demo-build.log"
else
    say "reusing the demo database $DEMO_DB (--update after a code change, --reset to rebuild)"
fi

if [ "$SERVE" = 0 ]; then
    odoo_shell -d "$DEMO_DB" --log-level=warn --no-http \
        <"$ROOT/setup/demo_summary.py" 2>"$LOCAL_DIR/demo-summary.log" ||
        die "could not read the demo database; see $LOCAL_DIR/demo-summary.log"
    exit 0
fi

cat <<MSG

  Partner revenue share demo: http://localhost:$PORT/web/login
    accountant:          admin / admin
    partner (portal):    reseller@example.com / reseller
  Stop with Ctrl+C. Logs: $LOCAL_DIR/demo-server.log

MSG
exec "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" -d "$DEMO_DB" --db-filter="^$DEMO_DB\$" \
    --http-port "$PORT" --http-interface 127.0.0.1 --logfile "$LOCAL_DIR/demo-server.log"
