#!/usr/bin/env bash
# Tests of setup/ itself: which Python setup picks and why it refuses the others, the pins for
# every Python the README names, where the private cluster goes when the server's user cannot
# enter the checkout (root in /root or in a mktemp -d folder), the socket of a deep checkout, and
# a second setup/install.sh that reuses everything in seconds. Prints "ok - ..." or
# "not ok - ..." per check, then "N passed, N failed"; setup/test.sh runs it and counts them.
# Needs what setup/install.sh builds (the virtualenv); takes about half a minute.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
VENV="$ROOT/.venv"
# How long a second setup/install.sh may take, in seconds.
REUSE_SECONDS="${REVSHARE_REUSE_SECONDS:-20}"

PASSED=0
FAILED=0
check() { # name, status (0 = pass), [details shown on failure]
    if [ "$2" -eq 0 ]; then
        PASSED=$((PASSED + 1))
        echo "ok - $1"
    else
        FAILED=$((FAILED + 1))
        echo "not ok - $1"
        [ -z "${3:-}" ] || printf '%s\n' "$3" | sed 's/^/    /'
    fi
}
has() { grep -qF -- "$2" <<<"$1"; } # text, fixed string

# A private folder (mktemp -d: mode 700), as a checkout under /root would be.
TMP=$(mktemp -d)
THROWAWAY_PG_HOME=""
cleanup() {
    if [ -x "$TMP/co/setup/pg.sh" ]; then
        "$TMP/co/setup/pg.sh" stop >/dev/null 2>&1 || true
    fi
    if [ -n "$THROWAWAY_PG_HOME" ] && [ "$THROWAWAY_PG_HOME" != / ]; then rm -rf "$THROWAWAY_PG_HOME"; fi
    rm -rf "$TMP"
}
trap cleanup EXIT

# --- 1. which Python setup picks -----------------------------------------------------------
# Fake interpreters answer python_probe's question ("VERSION HAS_VENV HAS_HEADERS").
mkdir -p "$TMP/bin"
fake_python() { # name, version, venv (1/0), headers (1/0)
    printf '#!/bin/sh\necho "%s %s %s"\n' "$2" "$3" "$4" >"$TMP/bin/$1"
    chmod +x "$TMP/bin/$1"
}
fake_python python3.13 3.13.0 1 1
fake_python python3.9 3.9.18 1 1
fake_python python3.11 3.11.2 0 1
fake_python python3.12 3.12.3 1 1
fake_python python3-nohdr 3.10.12 1 0
fake_python python3.11.2 3.11.2 1 1
# pick: PYTHON (or "" to try the candidates), then the candidates; prints stdout, then stderr.
pick() {
    local py="$1"
    shift
    PATH="$TMP/bin:$PATH" PYTHON="$py" bash -c 'source "$1/lib.sh"; shift; [ $# -eq 0 ] || PYTHON_CANDIDATES=("$@"); pick_python' \
        pick "$HERE" "$@" 2>&1
}

out=$(pick "$TMP/bin/python3.13")
[ $? -ne 0 ] && has "$out" "python3.13 (3.13.0): Odoo 18.0 runs on Python 3.10, 3.11 and 3.12 only"
check "PYTHON=python 3.13 is refused, saying which versions Odoo 18.0 runs on" $? "$out"

out=$(pick python3.9)
[ $? -ne 0 ] && has "$out" "(3.9.18): Odoo 18.0 runs on"
check "PYTHON=python 3.9 is refused" $? "$out"

out=$(pick "$TMP/bin/python3.11.2")
[ $? -eq 0 ] && has "$out" "Python: $TMP/bin/python3.11.2 (3.11.2), set by PYTHON" &&
    [ "$(tail -n 1 <<<"$out")" = "$TMP/bin/python3.11.2" ]
check "PYTHON=python 3.11.2 (Debian 12's version) is picked, saying why" $? "$out"

out=$(pick /nonexistent/python3)
[ $? -ne 0 ] && has "$out" "/nonexistent/python3: not found"
check "PYTHON naming no interpreter stops setup" $? "$out"

out=$(pick "" python3.13 python3.11 python3-nohdr python3.12 python3.9)
[ $? -eq 0 ] && [ "$(tail -n 1 <<<"$out")" = "$TMP/bin/python3.12" ] &&
    has "$out" "refused: $TMP/bin/python3.13 (3.13.0): Odoo 18.0 runs on" &&
    has "$out" "refused: $TMP/bin/python3.11 (3.11.2): lacks the venv module (Debian/Ubuntu: apt-get install python3.11-venv)" &&
    has "$out" "refused: $TMP/bin/python3-nohdr (3.10.12): lacks its C headers (Python.h) (Debian/Ubuntu: apt-get install python3.10-dev)" &&
    has "$out" "Python: $TMP/bin/python3.12 (3.12.3), the first of" && ! has "$out" "(3.9.18)"
check "without PYTHON: the first fitting candidate is picked, every refusal says why" $? "$out"

out=$(pick "" python3.13 python3.9)
[ $? -ne 0 ] && has "$out" "set PYTHON=/path/to/python3.x"
check "no fitting candidate stops setup, naming PYTHON" $? "$out"

# The virtualenv's interpreter is one the checks accept.
if [ -x "$VENV/bin/python" ]; then
    out=$(PYTHON="$VENV/bin/python" bash -c 'source "$1/lib.sh"; pick_python' pick "$HERE" 2>&1)
    rc=$?
    check "the virtualenv's Python passes the checks ($(grep -o 'Python: .*' <<<"$out"))" $rc "$out"
else
    check "the virtualenv exists (run setup/install.sh first)" 1
fi

# --- 2. the pins, for every Python the README names ---------------------------------------------
if [ -x "$VENV/bin/python" ]; then
    out=$("$VENV/bin/python" - "$ROOT/setup/requirements.txt" <<'PY' 2>&1
import platform
import sys
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

reqs = []
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.split("#", 1)[0].strip()
    if line:
        reqs.append(Requirement(line))
names = {canonicalize_name(r.name) for r in reqs}
backports = {"tomli", "exceptiongroup"}  # only Python 3.10 installs them
problems = []


def active(version):
    env = {"python_version": ".".join(version.split(".")[:2]), "python_full_version": version}
    return [r for r in reqs if r.marker is None or r.marker.evaluate(env)]


for version in ("3.10.0", "3.10.12", "3.11.0", "3.11.2", "3.11.4", "3.11.5", "3.11.7", "3.12.0", "3.12.3"):
    pins = active(version)
    got = [canonicalize_name(r.name) for r in pins]
    want = names if version < "3.11" else names - backports
    doubled = sorted({n for n in got if got.count(n) > 1})
    missing = sorted(want - set(got))
    if doubled or missing:
        problems.append(f"Python {version}: pinned twice {doubled}, not pinned {missing}")
soupsieve = {v: str(next(r.specifier for r in active(v) if r.name == "soupsieve")) for v in ("3.11.2", "3.11.5")}
if soupsieve != {"3.11.2": "==2.10", "3.11.5": "==4.1.3"}:
    problems.append(f"soupsieve pins by Python: {soupsieve}")
# The virtualenv holds exactly the pins for its own Python.
for r in active(platform.python_version()):
    try:
        installed = metadata.version(r.name)
    except metadata.PackageNotFoundError:
        installed = None
    if installed is None or installed not in r.specifier:
        problems.append(f"{r} but the virtualenv has {installed}")
print("\n".join(problems) or "ok")
PY
    )
    [ "$out" = ok ]
    check "requirements.txt: one pin per package on Python 3.10, 3.11.0-3.11.7, 3.12; the venv matches" $? "$out"
fi

# --- 3. the private cluster of a checkout the server's user cannot enter -------------------------
# A throwaway checkout holding only what the cluster needs, in the private folder $TMP.
mkdir -p "$TMP/co/setup"
cp "$HERE/lib.sh" "$HERE/pg.sh" "$TMP/co/setup/"
nopg=(env -u PGHOST -u PGPORT -u PGUSER -u PGPASSWORD -u REVSHARE_PGDATA)
read -r pg_home pg_moved pg_system_dir < <("${nopg[@]}" bash -c \
    'source "$1/setup/lib.sh"; pg_paths; echo "$PG_HOME $PG_MOVED $PG_SYSTEM_DIR"' pg "$TMP/co")
if [ "$(id -u)" -eq 0 ]; then
    # Only a folder of the system place is ever removed afterwards.
    [ "$pg_moved" = 1 ] && [ "${pg_home#"$pg_system_dir"/}" != "$pg_home" ] && THROWAWAY_PG_HOME="$pg_home"
    check "root, checkout in a mode-700 folder: the cluster goes outside it ($pg_home)" $? "$pg_home"
else
    [ "$pg_moved" = 0 ] && [ "$pg_home" = "$TMP/co/.local" ]
    check "$(id -un), checkout in a mode-700 folder: the cluster stays in its .local ($pg_home)" $? "$pg_home"
fi
start=$(date +%s)
out=$("${nopg[@]}" "$TMP/co/setup/pg.sh" start 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ "$(id -u)" -eq 0 ]; then
    has "$out" "user 'postgres' cannot enter $TMP/co/.local" && has "$out" "(data, socket, log) goes to $pg_home"
    rc=$?
fi
check "setup/pg.sh start there works and says where the cluster went ($(($(date +%s) - start)) s)" $rc "$out"
if [ $rc -eq 0 ]; then
    sock=$(sed -n 's/.*PGHOST=\([^ ]*\) .*/\1/p' <<<"$out")
    out=$("${nopg[@]}" psql -h "$sock" -p "${REVSHARE_PGPORT:-5432}" -U "$(id -un)" -d postgres -Atc \
        "select current_user, setting from pg_settings where name = 'data_directory'" 2>&1)
    [ "$out" = "$(id -un)|$pg_home/pgdata" ]
    check "the cluster answers on its socket, as role $(id -un)" $? "$out (socket $sock)"
    # Everything the server touches (data, socket, log) is in one place it can reach.
    problems=""
    for p in "$pg_home/pgdata/PG_VERSION" "$sock/.s.PGSQL.${REVSHARE_PGPORT:-5432}" "$pg_home/postgresql.log"; do
        [ -e "$p" ] || problems="$problems missing: $p;"
    done
    [ ${#sock} -le 80 ] || problems="$problems socket path longer than 80 bytes: $sock;"
    if [ "$(id -u)" -eq 0 ]; then
        for p in "$pg_home/pgdata" "$sock" "$pg_home/postgresql.log"; do
            case "$p" in "$TMP"/*) problems="$problems inside the private folder: $p;" ;; esac
            [ "$(stat -c %U "$p")" = postgres ] || problems="$problems not owned by postgres: $p;"
        done
        [ "$(readlink "$TMP/co/.local/pg")" = "$pg_home" ] || problems="$problems no .local/pg link to $pg_home;"
    fi
    [ -z "$problems" ]
    check "data, socket and log are all where the server can reach them, socket path short" $? "$problems"
    out=$("${nopg[@]}" "$TMP/co/setup/pg.sh" status 2>&1)
    [ $? -eq 0 ] && has "$out" "data $pg_home/pgdata"
    check "setup/pg.sh status finds it" $? "$out"
    "${nopg[@]}" "$TMP/co/setup/pg.sh" stop >/dev/null 2>&1
    out=$("${nopg[@]}" "$TMP/co/setup/pg.sh" status 2>&1)
    [ $? -ne 0 ]
    check "setup/pg.sh stop stops it" $? "$out"
fi

# A deep checkout the server's user can enter: the socket (at most 107 bytes) moves to a short folder.
DEEP=$(mktemp -d)
chmod 755 "$DEEP"
deep="$DEEP/$(printf 'd%.0s' {1..90})"
mkdir -p "$deep/setup"
cp "$HERE/lib.sh" "$deep/setup/"
read -r pg_home sock < <("${nopg[@]}" bash -c 'source "$1/setup/lib.sh"; pg_paths; echo "$PG_HOME $PG_SOCKET_DIR"' pg "$deep")
rm -rf "$DEEP"
[ "$pg_home" = "$deep/.local" ] && [ ${#sock} -le 80 ]
check "a deep checkout keeps its cluster in .local, its socket in a short folder ($sock)" $? "$pg_home $sock"

# --- 4. a second run reuses everything -------------------------------------------------------------
# setup/test.sh has just run setup/install.sh's steps: running it again must do nothing but check.
start=$(date +%s)
out=$("$ROOT/setup/install.sh" 2>&1)
rc=$?
took=$(($(date +%s) - start))
redone=$(grep -E 'installing|creating|building|downloading' <<<"$out" || true)
[ $rc -eq 0 ] && [ -z "$redone" ] && [ "$took" -le "$REUSE_SECONDS" ] && has "$out" "ready:"
check "a second setup/install.sh reuses everything: ${took} s (at most ${REUSE_SECONDS} s), nothing rebuilt" $? "$out"

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
