#!/usr/bin/env bash
# Starts, stops or shows the project's private PostgreSQL cluster.
source "$(dirname "$0")/lib.sh"

case "${1:-}" in
start) pg_start; say "PostgreSQL running: PGHOST=$PGHOST PGPORT=$PGPORT PGUSER=$PGUSER" ;;
stop) pg_stop; say "PostgreSQL stopped" ;;
status)
    if use_external_pg; then say "external server: PGHOST=${PGHOST:-} PGPORT=${PGPORT:-}"; exit 0; fi
    pg_paths
    say "private cluster: data $PG_DATA, socket $PG_SOCKET_DIR, log $PG_LOG"
    as_pg_user "$(pg_bindir)/pg_ctl" -D "$PG_DATA" status
    ;;
*) die "usage: setup/pg.sh start|stop|status" ;;
esac
