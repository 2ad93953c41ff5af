#!/usr/bin/env bash
# The test command: installs what is missing, tests setup/ itself (setup/selftest.sh), builds a
# fresh test database with both addons, runs the addons' own tests with Odoo's runner (unit,
# HttpCase, tours), the top-level tests/ with pytest-odoo, and the linters. Ends with "N passed,
# N failed" and a non-zero exit on any failure, any ERROR logged by Odoo, or any lint error.
source "$(dirname "$0")/lib.sh"

usage() {
    cat <<USAGE
Usage: setup/test.sh [options] [PATH ...]
  (no argument)     everything: Odoo's runner on both addons, pytest-odoo on tests/, linters
  PATH ...          only these test files or folders, with pytest-odoo (addon or top-level tests;
                    pytest-odoo skips HttpCase: use --tags for those)
  --tags SPEC       only Odoo's runner, with this --test-tags spec (e.g. /partner_revshare:TestShares)
  --reuse-db        keep the test database of the previous run when it exists (quick loops)
  --no-lint         skip ruff and pylint-odoo
  --odoo-src PATH   an Odoo 18.0 source tree (see setup/install.sh --help)
USAGE
}

TAGS=""
PATHS=()
REUSE_DB=0
LINT=1
while [ $# -gt 0 ]; do
    case "$1" in
    --tags) [ $# -ge 2 ] || die "--tags needs a spec"; TAGS="$2"; shift 2 ;;
    --reuse-db) REUSE_DB=1; shift ;;
    --no-lint) LINT=0; shift ;;
    --odoo-src) [ $# -ge 2 ] || die "--odoo-src needs a path"; ODOO_SRC="$2"; shift 2 ;;
    --odoo-src=*) ODOO_SRC="${1#*=}"; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) die "unknown option: $1 (see setup/test.sh --help)" ;;
    *) [ -e "$1" ] || die "no such test file or folder: $1"; PATHS+=("$1"); shift ;;
    esac
done
if [ ${#PATHS[@]} -gt 0 ] && [ -n "$TAGS" ]; then die "give either test paths or --tags, not both"; fi

ensure_all

LOG_DIR="$LOCAL_DIR/test-logs"
rm -rf "$LOG_DIR"
mkdir -p "$LOG_DIR"
TEST_DB="${REVSHARE_TEST_DB:-revshare_test}"
RUN_ODOO=1
RUN_PYTEST=1
if [ -n "$TAGS" ]; then RUN_PYTEST=0; LINT=0; fi
# pytest runs the top-level tests/ when it holds test files (the benchmarks, bench_*.py, are
# run by setup/bench.sh).
if [ ${#PATHS[@]} -eq 0 ] && [ -z "$(find "$ROOT/tests" -name 'test_*.py' -print -quit)" ]; then
    RUN_PYTEST=0
fi
if [ ${#PATHS[@]} -gt 0 ]; then RUN_ODOO=0; LINT=0; fi
FULL_RUN=0
if [ -z "$TAGS" ] && [ ${#PATHS[@]} -eq 0 ]; then FULL_RUN=1; fi
[ -n "$TAGS" ] || TAGS="/${OUR_ADDONS//,/,/}"

PASSED=0
FAILED=0
FAILURES=()
check() { # name, status
    if [ "$2" -eq 0 ]; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); FAILURES+=("$1"); fi
}

# --- 0. setup/ itself: Python checks, cluster placement, a second run reusing everything --------
if [ "$FULL_RUN" = 1 ]; then
    say "testing setup/ itself (setup/selftest.sh)"
    # The self-test judges the private cluster as a new user's run would: without the PG*
    # variables pg_start exported above, unless the user named a server of their own.
    selftest_env=(env)
    use_external_pg || selftest_env+=(-u PGHOST -u PGPORT -u PGUSER -u PGPASSWORD)
    selftest_env+=(ODOO_SRC="$ODOO_SRC")
    set +e
    "${selftest_env[@]}" "$ROOT/setup/selftest.sh" >"$LOG_DIR/selftest.log" 2>&1
    set -e
    spassed=$(grep -c '^ok ' "$LOG_DIR/selftest.log" || true)
    sfailed=$(grep -c '^not ok ' "$LOG_DIR/selftest.log" || true)
    PASSED=$((PASSED + spassed))
    FAILED=$((FAILED + sfailed))
    if [ "$sfailed" -gt 0 ] || ! tail -n 1 "$LOG_DIR/selftest.log" | grep -Eq '^[0-9]+ passed, 0 failed$'; then
        grep -A 8 '^not ok ' "$LOG_DIR/selftest.log" | head -n 40 >&2 || true
        [ "$sfailed" -gt 0 ] || check "setup/selftest.sh ran to its end (see $LOG_DIR/selftest.log)" 1
        FAILURES+=("setup/selftest.sh: $sfailed failed (see $LOG_DIR/selftest.log)")
    fi
    say "setup/ itself: $spassed passed, $sfailed failed"
fi

# --- the test database -------------------------------------------------------------------------
# Odoo's own addons are installed once into a template database (about a minute with demo data)
# that later runs copy in seconds; the key changes when the Odoo tree or the addon list changes.
base_modules="account,portal,mail,account_payment,$EXTRA_ADDONS"
base_key=$(printf '%s|%s|%s' "$ODOO_SRC" "$(stat -c %Y "$ODOO_SRC/odoo/release.py")" "$base_modules" | sha256sum | cut -c1-8)
BASE_DB="revshare_base_$base_key"
db_comment() { psql -d postgres -Atc "select shobj_description(oid, 'pg_database') from pg_database where datname = '$1'"; }

if ! db_exists "$BASE_DB" || [ "$(db_comment "$BASE_DB")" != complete ]; then
    for old in $(psql -d postgres -Atc "select datname from pg_database where datname like 'revshare_base_%'"); do
        dropdb "$old"
        rm -rf "$LOCAL_DIR/filestore/filestore/$old"
    done
    say "building the template database $BASE_DB ($base_modules, with demo data)"
    if ! odoo_bin -d "$BASE_DB" -i "$base_modules" --stop-after-init --log-level=warn --http-port "$(free_port)" >"$LOG_DIR/base.log" 2>&1; then
        dropdb --if-exists "$BASE_DB"
        die "building the template database failed; see $LOG_DIR/base.log"
    fi
    psql -d postgres -qc "comment on database $BASE_DB is 'complete'"
fi

fresh_test_db() {
    dropdb --if-exists "$TEST_DB"
    rm -rf "$LOCAL_DIR/filestore/filestore/$TEST_DB"
    createdb -T "$BASE_DB" "$TEST_DB"
    if [ -d "$LOCAL_DIR/filestore/filestore/$BASE_DB" ]; then
        cp -a "$LOCAL_DIR/filestore/filestore/$BASE_DB" "$LOCAL_DIR/filestore/filestore/$TEST_DB"
    fi
}

odoo_errors() { grep -E '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$1" || true; }

# Runs Odoo's test runner with the given arguments, logs to $1, and counts its summary line and
# any ERROR it logged outside a failing test.
run_odoo_tests() {
    local log="$1" rc summary errors nfail=0 nerr=0 ntotal=0
    shift
    set +e
    odoo_bin -d "$TEST_DB" "$@" --test-enable --stop-after-init --log-level=info \
        --http-port "$(free_port)" >"$log" 2>&1
    rc=$?
    set -e
    summary=$(grep -Eo '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$log" | tail -n 1 || true)
    if [ -n "$summary" ]; then
        read -r nfail nerr ntotal < <(echo "$summary" | sed -E 's/([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests/\1 \2 \3/')
        PASSED=$((PASSED + ntotal - nfail - nerr))
        FAILED=$((FAILED + nfail + nerr))
        [ $((nfail + nerr)) -eq 0 ] || FAILURES+=("Odoo runner: $summary (see $log)")
        say "Odoo runner: $summary"
    else
        say "Odoo runner: no test summary in $log"
    fi
    errors=$(odoo_errors "$log")
    if [ -n "$errors" ] && [ $((nfail + nerr)) -eq 0 ]; then
        # An ERROR outside a failing test (a failing test already counts itself).
        printf '%s\n' "$errors" | head -n 40 >&2
        check "no ERROR logged by Odoo (see $log)" 1
    elif [ -z "$summary" ] && [ "$rc" -ne 0 ]; then
        tail -n 30 "$log" >&2
        check "Odoo exited with status $rc (see $log)" 1
    fi
}

# --- 1. Odoo's own runner on the addons: installs them and runs at_install and post_install tests
if [ "$RUN_ODOO" = 1 ]; then
    fresh_test_db
    say "installing $OUR_ADDONS and running their tests with Odoo's runner ($TAGS)"
    run_odoo_tests "$LOG_DIR/odoo.log" -i "$OUR_ADDONS" --test-tags "$TAGS"
    if [ "$FULL_RUN" = 1 ]; then
        # Tests that commit on purpose (two real cursors racing) are kept out of the run
        # above and run last, on this throwaway database.
        say "running the committing tests (two-cursor concurrency)"
        run_odoo_tests "$LOG_DIR/odoo-commit.log" --test-tags "revshare_concurrency"
    fi
elif [ "$REUSE_DB" = 0 ] || [ "$(addons_installed "$TEST_DB")" != 2 ]; then
    fresh_test_db
    say "installing $OUR_ADDONS into $TEST_DB"
    odoo_bin -d "$TEST_DB" -i "$OUR_ADDONS" --stop-after-init --log-level=warn --http-port "$(free_port)" >"$LOG_DIR/install.log" 2>&1 ||
        die "installing the addons failed; see $LOG_DIR/install.log"
fi

# --- 2. pytest-odoo: the top-level tests/ (or the given paths) ----------------------------------
if [ "$RUN_PYTEST" = 1 ]; then
    targets=("${PATHS[@]:-tests}")
    say "running pytest-odoo on ${targets[*]}"
    set +e
    (cd "$ROOT" && PYTHONPATH="$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/python" -m pytest \
        -p no:cacheprovider --odoo-config="$ODOO_CONF" --odoo-database="$TEST_DB" \
        --junitxml="$LOG_DIR/pytest.xml" -q -W ignore::DeprecationWarning "${targets[@]}") >"$LOG_DIR/pytest.log" 2>&1
    pytest_rc=$?
    set -e
    tail -n 15 "$LOG_DIR/pytest.log" >&2
    if [ -f "$LOG_DIR/pytest.xml" ]; then
        read -r ptotal pfail perr pskip < <("$VENV/bin/python" - "$LOG_DIR/pytest.xml" <<'PY'
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
print(*(sum(int(s.get(k, 0)) for s in suites) for k in ("tests", "failures", "errors", "skipped")))
PY
        )
        PASSED=$((PASSED + ptotal - pfail - perr - pskip))
        FAILED=$((FAILED + pfail + perr))
        [ $((pfail + perr)) -eq 0 ] || FAILURES+=("pytest: $pfail failed, $perr errors (see $LOG_DIR/pytest.log)")
    fi
    # 5 = no test collected: not a failure of the run by itself.
    if [ "$pytest_rc" -ne 0 ] && [ "$pytest_rc" -ne 5 ] && [ "${pfail:-0}${perr:-0}" = 00 ]; then
        check "pytest exited with status $pytest_rc (see $LOG_DIR/pytest.log)" 1
    fi
fi

# --- 3. the addons uninstall cleanly ------------------------------------------------------------
if [ "$FULL_RUN" = 1 ]; then
    say "uninstalling both addons (from a copy of the test database)"
    uninstall_db="${TEST_DB}_uninstall"
    dropdb --if-exists "$uninstall_db"
    createdb -T "$TEST_DB" "$uninstall_db"
    set +e
    odoo_shell -d "$uninstall_db" --log-level=warn --no-http <"$ROOT/setup/uninstall_check.py" >"$LOG_DIR/uninstall.log" 2>&1
    set -e
    grep -q '^uninstall: ok$' "$LOG_DIR/uninstall.log"
    check "both addons uninstall cleanly (see $LOG_DIR/uninstall.log)" $?
    dropdb --if-exists "$uninstall_db"
fi

# --- 3b. both addons install from scratch with their demo data, as from Apps --------------------
# Without the template's extra addons (payment_demo): what an accountant installing our addons on
# a new database gets.
if [ "$FULL_RUN" = 1 ]; then
    say "installing both addons with their demo data into a new database (no payment_demo)"
    fresh_db="${TEST_DB}_fresh"
    dropdb --if-exists "$fresh_db"
    set +e
    odoo_bin -d "$fresh_db" -i "$OUR_ADDONS" --stop-after-init --log-level=warn \
        --http-port "$(free_port)" >"$LOG_DIR/fresh-install.log" 2>&1
    status=$?
    set -e
    [ "$status" -eq 0 ] && [ -z "$(odoo_errors "$LOG_DIR/fresh-install.log")" ] &&
        [ "$(addons_installed "$fresh_db")" = 2 ]
    check "both addons install with demo data on a new database (see $LOG_DIR/fresh-install.log)" $?
    dropdb --if-exists "$fresh_db"
fi

# --- 4. linters ---------------------------------------------------------------------------------
if [ "$LINT" = 1 ]; then
    say "linting (ruff, pylint-odoo mandatory checks)"
    lint_paths=(partner_revshare partner_revshare_payment tests setup)
    set +e
    (cd "$ROOT" && "$VENV/bin/ruff" check --no-fix "${lint_paths[@]}") >"$LOG_DIR/ruff.log" 2>&1
    check "ruff check (see $LOG_DIR/ruff.log)" $?
    (cd "$ROOT" && "$VENV/bin/ruff" format --check "${lint_paths[@]}") >"$LOG_DIR/ruff-format.log" 2>&1
    check "ruff format (see $LOG_DIR/ruff-format.log)" $?
    (cd "$ROOT" && PYTHONPATH="$ODOO_SRC" "$VENV/bin/pylint" --rcfile=.pylintrc-mandatory \
        partner_revshare partner_revshare_payment) >"$LOG_DIR/pylint.log" 2>&1
    check "pylint-odoo (see $LOG_DIR/pylint.log)" $?
    # The payment addon builds on the base addon, never the reverse.
    "$VENV/bin/python" - "$ROOT" >"$LOG_DIR/depends.log" 2>&1 <<'PY'
import ast
import pathlib
import sys

root = pathlib.Path(sys.argv[1])
depends = {
    name: ast.literal_eval((root / name / "__manifest__.py").read_text())["depends"]
    for name in ("partner_revshare", "partner_revshare_payment")
}
sys.exit(
    "partner_revshare" not in depends["partner_revshare_payment"]
    or "partner_revshare_payment" in depends["partner_revshare"]
)
PY
    check "partner_revshare_payment depends on partner_revshare, never the reverse (see $LOG_DIR/depends.log)" $?
    "$VENV/bin/python" "$ROOT/setup/size_check.py" "$ROOT" >"$LOG_DIR/size.log" 2>&1
    check "no addon file over 600 lines, no function over 80 (see $LOG_DIR/size.log)" $?
    "$VENV/bin/python" "$ROOT/setup/addon_readme.py" --check "$ROOT/partner_revshare" "$ROOT/partner_revshare_payment" 2>"$LOG_DIR/readme.log"
    check "addon README.rst up to date (see $LOG_DIR/readme.log)" $?
    set -e
fi

if [ ${#FAILURES[@]} -gt 0 ]; then
    printf 'FAILED: %s\n' "${FAILURES[@]}" >&2
fi
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
