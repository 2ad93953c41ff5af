# shellcheck shell=bash
# Shared functions of the setup scripts: sourced, never run.
#
# Everything here is idempotent: each step checks what exists and only does what is missing, and
# writes its "done" marker last, so an interrupted run is repaired by running it again.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOCAL_DIR="$ROOT/.local"
VENV="$ROOT/.venv"
REQUIREMENTS="$ROOT/setup/requirements.txt"
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/partner-revshare"
ODOO_CACHE="$CACHE_DIR/odoo-18.0"
ODOO_ARCHIVE_URL="${ODOO_ARCHIVE_URL:-https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz}"
ODOO_CONF="$LOCAL_DIR/odoo.conf"
OUR_ADDONS="partner_revshare,partner_revshare_payment"
# Odoo addons the tests and the demo need besides ours (payment_demo: online payment tests).
EXTRA_ADDONS="payment_demo"

say() { printf '[setup] %s\n' "$*" >&2; }
die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# ---------------------------------------------------------------------------------------------
# System packages
# ---------------------------------------------------------------------------------------------

pg_bindir() {
    # The newest installed PostgreSQL server binaries (Debian keeps them out of PATH).
    local d
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    if [ -n "$d" ] && [ -x "$d/initdb" ]; then
        echo "$d"
    elif command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
    fi
}

# Decided once, before pg_start exports PG* variables for the private cluster.
if [ -n "${PGHOST:-}${PGPORT:-}${PGUSER:-}${PGPASSWORD:-}" ]; then EXTERNAL_PG=1; else EXTERNAL_PG=0; fi
use_external_pg() { [ "$EXTERNAL_PG" = 1 ]; }

missing_system_packages() {
    local missing=()
    if ! use_external_pg && [ -z "$(pg_bindir)" ]; then missing+=(postgresql); fi
    command -v psql >/dev/null 2>&1 || missing+=(postgresql-client)
    command -v pg_config >/dev/null 2>&1 || missing+=(libpq-dev)
    command -v gcc >/dev/null 2>&1 || missing+=(gcc)
    command -v wkhtmltopdf >/dev/null 2>&1 || missing+=(wkhtmltopdf)
    command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 ||
        command -v google-chrome >/dev/null 2>&1 || missing+=(chromium)
    echo "${missing[@]:-}"
}

ensure_system_packages() {
    local missing
    missing=$(missing_system_packages)
    [ -z "$missing" ] && return 0
    if is_root && command -v apt-get >/dev/null 2>&1; then
        say "installing system packages: $missing"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >/dev/null || die "apt-get update failed; install these packages by hand: $missing"
        # shellcheck disable=SC2086
        apt-get install -y -qq --no-install-recommends $missing python3-dev python3-venv >/dev/null ||
            die "apt-get could not install: $missing"
    else
        # Not root: we cannot install; say exactly what is needed. The browser and the PDF
        # renderer only serve tours and PDF reports, so only the rest stops us.
        local essential=""
        for p in $missing; do
            case "$p" in chromium | wkhtmltopdf) ;; *) essential="$essential $p" ;; esac
        done
        if [ -n "$essential" ]; then
            die "missing system packages; run: sudo apt-get install$essential python3-dev python3-venv (and optionally chromium wkhtmltopdf)"
        fi
        say "optional packages missing (tours / PDF reports): sudo apt-get install $missing"
    fi
}

# ---------------------------------------------------------------------------------------------
# Python environment
# ---------------------------------------------------------------------------------------------

# The interpreters tried, in order, when PYTHON is not set.
PYTHON_CANDIDATES=(python3.11 python3.12 python3.10 python3)

# One line about an interpreter: "VERSION HAS_VENV HAS_HEADERS" (1 or 0), nothing if it does not run.
python_probe() {
    "$1" -c 'import importlib.util as u, os, platform, sysconfig
venv = bool(u.find_spec("venv") and u.find_spec("ensurepip"))
headers = os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h"))
print(platform.python_version(), int(venv), int(headers))' 2>/dev/null
}

# Prints the interpreter to build the virtualenv with, and says on stderr which one it picked and
# why each other one was refused. PYTHON, when set, is the only candidate. An interpreter needs
# Odoo 18.0's versions (3.10 to 3.12), the venv module and its C headers (psycopg2 and rjsmin
# build from source); as root, a distribution Python lacking only the last two gets them with apt.
pick_python() {
    local candidates=("${PYTHON_CANDIDATES[@]}") py path real probe ver venv headers minor
    local refused=() seen=" " chosen="" fallback="" fallback_pkgs="" why
    if [ -n "${PYTHON:-}" ]; then
        candidates=("$PYTHON")
        why="set by PYTHON"
    else
        why="the first of ${PYTHON_CANDIDATES[*]} on PATH that fits"
    fi
    for py in "${candidates[@]}"; do
        if ! path=$(command -v "$py" 2>/dev/null); then
            [ -z "${PYTHON:-}" ] || refused+=("$py: not found")
            continue
        fi
        real=$(readlink -f "$path")
        case "$seen" in *" $real "*) continue ;; esac
        seen="$seen$real "
        if ! probe=$(python_probe "$path") || [ -z "$probe" ]; then
            refused+=("$path: does not run")
            continue
        fi
        read -r ver venv headers <<<"$probe"
        minor=$(echo "$ver" | cut -d. -f1,2)
        case "$minor" in
        3.10 | 3.11 | 3.12) ;;
        *)
            refused+=("$path ($ver): Odoo 18.0 runs on Python 3.10, 3.11 and 3.12 only")
            continue
            ;;
        esac
        if [ "$venv" != 1 ] || [ "$headers" != 1 ]; then
            local lacks="" pkgs=""
            [ "$venv" = 1 ] || { lacks="the venv module"; pkgs="python$minor-venv"; }
            [ "$headers" = 1 ] || { lacks="${lacks:+$lacks and }its C headers (Python.h)"; pkgs="${pkgs:+$pkgs }python$minor-dev"; }
            refused+=("$path ($ver): lacks $lacks (Debian/Ubuntu: apt-get install $pkgs)")
            if [ -z "$fallback" ] && [ "${path#/usr/bin/}" != "$path" ]; then
                fallback="$path"
                fallback_pkgs="$pkgs"
            fi
            continue
        fi
        chosen="$path"
        break
    done
    if [ -z "$chosen" ] && [ -n "$fallback" ] && is_root && command -v apt-get >/dev/null 2>&1; then
        say "installing $fallback_pkgs for $fallback"
        # shellcheck disable=SC2086 # two package names
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $fallback_pkgs >/dev/null ||
            die "apt-get could not install $fallback_pkgs"
        read -r ver venv headers <<<"$(python_probe "$fallback")"
        [ "$venv$headers" = 11 ] || die "$fallback still lacks the venv module or its C headers after installing $fallback_pkgs"
        chosen="$fallback"
        why="$why, once $fallback_pkgs installed"
    fi
    local r
    for r in "${refused[@]}"; do say "Python refused: $r"; done
    if [ -z "$chosen" ]; then
        if [ -n "${PYTHON:-}" ]; then die "PYTHON=$PYTHON cannot build the virtualenv (see above)"; fi
        die "no Python 3.10, 3.11 or 3.12 with the venv module and C headers found among ${PYTHON_CANDIDATES[*]} (set PYTHON=/path/to/python3.x)"
    fi
    say "Python: $chosen ($ver), $why"
    echo "$chosen"
}

ensure_venv() {
    local stamp="$VENV/.requirements.sha256" want py
    want=$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)
    if [ -e "$VENV/bin/python" ] && ! "$VENV/bin/python" -c '' 2>/dev/null; then
        # The interpreter the virtualenv was made from is gone (a removed pyenv version, an upgrade).
        say "the Python of $VENV no longer runs; creating it again"
        rm -rf "$VENV"
    fi
    if [ -x "$VENV/bin/python" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
        return 0
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        rm -rf "$VENV"
        py=$(pick_python)
        say "creating $VENV with $py"
        "$py" -m venv "$VENV" || die "could not create the virtualenv with $py"
    fi
    say "installing the pinned Python requirements (setup/requirements.txt) with $("$VENV/bin/python" -c 'import platform; print("Python", platform.python_version())')"
    if ! "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQUIREMENTS" 2>"$LOCAL_DIR/pip.log"; then
        die "pip install failed: $(grep -m 1 '^ERROR' "$LOCAL_DIR/pip.log" || tail -n 1 "$LOCAL_DIR/pip.log") (full log: $LOCAL_DIR/pip.log; system headers: libpq-dev python3-dev gcc)"
    fi
    echo "$want" >"$stamp"
}

# ---------------------------------------------------------------------------------------------
# Odoo 18.0 source
# ---------------------------------------------------------------------------------------------

is_odoo18_tree() {
    local d="$1"
    [ -f "$d/odoo-bin" ] && [ -f "$d/addons/account/__manifest__.py" ] &&
        grep -Eq '^version_info = \(18, 0,' "$d/odoo/release.py" 2>/dev/null
}

download_odoo() {
    command -v curl >/dev/null 2>&1 || return 1
    local tmp="$CACHE_DIR/download.$$"
    mkdir -p "$tmp"
    say "downloading the official Odoo 18.0 source archive into $ODOO_CACHE"
    if curl -fsSL --retry 2 --connect-timeout 20 "$ODOO_ARCHIVE_URL" -o "$tmp/odoo.tar.gz" &&
        tar -xzf "$tmp/odoo.tar.gz" -C "$tmp"; then
        local top
        top=$(find "$tmp" -mindepth 2 -maxdepth 2 -name odoo-bin -printf '%h\n' | head -n 1)
        if [ -n "$top" ] && is_odoo18_tree "$top"; then
            rm -rf "$ODOO_CACHE"
            mv "$top" "$ODOO_CACHE"
            rm -rf "$tmp"
            return 0
        fi
    fi
    rm -rf "$tmp"
    return 1
}

# Sets ODOO_SRC: --odoo-src / ODOO_SRC first, then the per-user cache, then a download.
resolve_odoo_src() {
    if [ -n "${ODOO_SRC:-}" ]; then
        [ -d "$ODOO_SRC" ] || die "ODOO_SRC / --odoo-src: no such folder: $ODOO_SRC"
        ODOO_SRC=$(cd "$ODOO_SRC" && pwd)
        is_odoo18_tree "$ODOO_SRC" || die "not an Odoo 18.0 source tree (needs odoo-bin, odoo/release.py at 18.0, addons/account): $ODOO_SRC"
        return 0
    fi
    if is_odoo18_tree "$ODOO_CACHE"; then
        ODOO_SRC="$ODOO_CACHE"
        return 0
    fi
    mkdir -p "$CACHE_DIR"
    if download_odoo; then
        ODOO_SRC="$ODOO_CACHE"
        return 0
    fi
    die "Odoo 18.0 source not found. Give it one of three ways: (1) --odoo-src PATH or ODOO_SRC=PATH \
pointing at an Odoo 18.0 tree (odoo-bin, odoo/, addons/); (2) put that tree at $ODOO_CACHE; \
(3) on a machine with internet, let setup download $ODOO_ARCHIVE_URL into that folder."
}

# ---------------------------------------------------------------------------------------------
# PostgreSQL: a private cluster owned by the project, unless PG* variables name a server
# ---------------------------------------------------------------------------------------------

# Where a root-run cluster goes when 'postgres' cannot enter the checkout.
PG_SYSTEM_DIR="${REVSHARE_PG_SYSTEM_DIR:-/var/lib/partner-revshare}"

# Can the server's OS user reach this folder (every folder above it searchable)?
pg_user_can_enter() { (cd / && runuser -u postgres -- test -x "$1") 2>/dev/null; }

# Sets where the private cluster lives. Everything the server touches (data, socket, log) is in
# one folder, PG_HOME: .local/ of this checkout, or, when running as root and the server's user
# 'postgres' cannot enter .local/ (a checkout in /root or in a mktemp -d folder, both mode 700),
# $PG_SYSTEM_DIR/<hash of the checkout path>/. The decision depends only on the checkout, so
# start, stop and status always find the same cluster.
pg_paths() {
    local key
    key=$(printf '%s' "$ROOT" | sha256sum | cut -c1-10)
    PG_HOME="$LOCAL_DIR"
    PG_MOVED=0
    if is_root; then
        pg_os_user >/dev/null
        local probe="$LOCAL_DIR"
        [ -d "$probe" ] || probe="$ROOT"
        if ! pg_user_can_enter "$probe"; then
            PG_HOME="$PG_SYSTEM_DIR/$key"
            PG_MOVED=1
        fi
    fi
    PG_DATA="${REVSHARE_PGDATA:-$PG_HOME/pgdata}"
    PG_SOCKET_DIR="$PG_HOME/pgrun"
    # A Unix socket path is limited to 107 bytes: fall back to a short per-checkout folder.
    if [ ${#PG_SOCKET_DIR} -gt 80 ]; then
        PG_SOCKET_DIR="/tmp/revshare-pg-$key"
    fi
    PG_LOG="$PG_HOME/postgresql.log"
    PG_PORT_PRIVATE="${REVSHARE_PGPORT:-5432}"
}

# The OS user the private server runs as: PostgreSQL refuses to run as root.
pg_os_user() {
    if is_root; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres ||
            die "could not create the system user 'postgres' to run PostgreSQL"
        echo postgres
    else
        id -un
    fi
}

# Runs a server command as the server's user; from / since that user may not enter the current
# folder (the checkout).
as_pg_user() {
    if is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# The database role: the running user's name (Odoo refuses to connect as 'postgres').
db_role() {
    local me
    me=$(id -un)
    [ "$me" = postgres ] && me=odoo
    echo "$me"
}

pg_start() {
    if use_external_pg; then
        say "using the PostgreSQL server named by PGHOST/PGPORT/PGUSER"
        psql -d postgres -Atc 'select 1' >/dev/null 2>&1 ||
            die "cannot connect to the PostgreSQL server named by PGHOST=${PGHOST:-} PGPORT=${PGPORT:-} PGUSER=${PGUSER:-}"
        return 0
    fi
    mkdir -p "$LOCAL_DIR"
    pg_paths
    local bindir user
    bindir=$(pg_bindir)
    [ -n "$bindir" ] || die "PostgreSQL server binaries not found (install the 'postgresql' package)"
    user=$(pg_os_user)
    if [ "$PG_MOVED" = 1 ] && [ ! -d "$PG_HOME" ]; then
        say "user 'postgres' cannot enter $LOCAL_DIR (a folder above it is private, as /root and mktemp -d folders are); the private cluster (data, socket, log) goes to $PG_HOME"
    fi
    if [ "$PG_MOVED" = 1 ]; then
        mkdir -p "$PG_SYSTEM_DIR" "$PG_HOME"
        chmod 755 "$PG_SYSTEM_DIR" # root's umask may be 077: 'postgres' must get through
        chown "$user" "$PG_HOME"
        chmod 700 "$PG_HOME"
        # The checkout shows where its cluster is.
        ln -sfn "$PG_HOME" "$LOCAL_DIR/pg"
    fi
    mkdir -p "$PG_SOCKET_DIR"
    is_root && chown "$user" "$PG_SOCKET_DIR"
    if [ ! -f "$PG_DATA/PG_VERSION" ]; then
        say "creating a private PostgreSQL cluster in $PG_DATA"
        rm -rf "$PG_DATA"
        mkdir -p "$PG_DATA"
        is_root && chown "$user" "$PG_DATA"
        as_pg_user "$bindir/initdb" -D "$PG_DATA" -U "$(db_role)" -A trust -E UTF8 --locale=C.UTF-8 >"$LOCAL_DIR/initdb.log" 2>&1 ||
            { rm -rf "$PG_DATA"; die "initdb failed; see $LOCAL_DIR/initdb.log"; }
    fi
    touch "$PG_LOG"
    is_root && chown "$user" "$PG_LOG"
    if ! as_pg_user "$bindir/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
        local seen reason out
        seen=$(wc -l <"$PG_LOG")
        if ! out=$(as_pg_user "$bindir/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
            -o "-k $PG_SOCKET_DIR -p $PG_PORT_PRIVATE -c listen_addresses='' -c fsync=off -c full_page_writes=off -c synchronous_commit=off" \
            start 2>&1); then
            # The first fatal line this start wrote says why; else what pg_ctl said.
            reason=$(tail -n +"$((seen + 1))" "$PG_LOG" | grep -m 1 -E 'FATAL|PANIC|ERROR' || true)
            [ -n "$reason" ] || reason=$(printf '%s\n' "$out" | grep -v '^waiting\|^ *$' | tail -n 1)
            die "PostgreSQL could not start: ${reason:-no message} (full log: $PG_LOG)"
        fi
    fi
    export PGHOST="$PG_SOCKET_DIR" PGPORT="$PG_PORT_PRIVATE" PGUSER
    PGUSER=$(db_role)
}

# Our own psql/createdb/dropdb calls: no NOTICE chatter ("does not exist, skipping").
export PGOPTIONS="${PGOPTIONS:--c client_min_messages=warning}"

pg_stop() {
    use_external_pg && return 0
    pg_paths
    [ -f "$PG_DATA/PG_VERSION" ] || return 0
    local bindir
    bindir=$(pg_bindir)
    as_pg_user "$bindir/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------------------------------------
# Odoo configuration and databases
# ---------------------------------------------------------------------------------------------

write_odoo_conf() {
    mkdir -p "$LOCAL_DIR/filestore"
    cat >"$ODOO_CONF" <<EOF
; generated by setup/ on each run: edit setup/lib.sh, not this file
[options]
addons_path = $ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$ROOT
data_dir = $LOCAL_DIR/filestore
db_host = ${PGHOST:-}
db_port = ${PGPORT:-5432}
db_user = ${PGUSER:-$(db_role)}
db_password = ${PGPASSWORD:-False}
list_db = False
without_demo = False
EOF
}

odoo_bin() { "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" "$@"; }
# Odoo's shell wants its subcommand before the options.
odoo_shell() { "$VENV/bin/python" "$ODOO_SRC/odoo-bin" shell -c "$ODOO_CONF" "$@"; }

# How many of our two addons are installed in a database (0 when it does not exist).
addons_installed() {
    db_exists "$1" || { echo 0; return; }
    psql -d "$1" -Atc "select count(*) from ir_module_module where name in ('partner_revshare', 'partner_revshare_payment') and state = 'installed'"
}

db_exists() { [ "$(psql -d postgres -Atc "select 1 from pg_database where datname = '$1'")" = 1 ]; }

free_port() { "$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Everything install.sh does, for the other scripts.
ensure_all() {
    mkdir -p "$LOCAL_DIR"
    ensure_system_packages
    resolve_odoo_src
    ensure_venv
    pg_start
    write_odoo_conf
}
