#!/usr/bin/env bash
# Installs what the suite needs: system packages (as root), the pinned virtualenv, the Odoo 18.0
# source, and a private PostgreSQL cluster. Safe to re-run: it only does what is missing.
source "$(dirname "$0")/lib.sh"

usage() {
    cat <<USAGE
Usage: setup/install.sh [--odoo-src PATH]
  --odoo-src PATH   an Odoo 18.0 source tree (default: \$ODOO_SRC, then $ODOO_CACHE,
                    then a download of the official archive into that folder)
PostgreSQL: a private cluster in .local/ unless PGHOST/PGPORT/PGUSER/PGPASSWORD name a server.
USAGE
}

while [ $# -gt 0 ]; do
    case "$1" in
    --odoo-src) [ $# -ge 2 ] || die "--odoo-src needs a path"; ODOO_SRC="$2"; shift 2 ;;
    --odoo-src=*) ODOO_SRC="${1#*=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) die "unknown option: $1 (see setup/install.sh --help)" ;;
    esac
done

ensure_all
say "ready: Odoo 18.0 at $ODOO_SRC, venv at $VENV, PostgreSQL at ${PGHOST}:${PGPORT}, config $ODOO_CONF"
