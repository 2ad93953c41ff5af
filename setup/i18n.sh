#!/usr/bin/env bash
# Exports each addon's translation template (i18n/<addon>.pot) from a database where both addons
# are installed (the test database, built by setup/test.sh). Run it after changing any string.
source "$(dirname "$0")/lib.sh"
[ $# -eq 0 ] || die "usage: setup/i18n.sh (no option)"

ensure_all
DB="${REVSHARE_TEST_DB:-revshare_test}"
[ "$(addons_installed "$DB")" = 2 ] || die "no database with both addons installed: run setup/test.sh first"
odoo_bin -d "$DB" -u "$OUR_ADDONS" --stop-after-init --log-level=warn --http-port "$(free_port)" >"$LOCAL_DIR/i18n.log" 2>&1 ||
    die "updating the addons failed; see $LOCAL_DIR/i18n.log"
for addon in ${OUR_ADDONS//,/ }; do
    mkdir -p "$ROOT/$addon/i18n"
    odoo_bin -d "$DB" --i18n-export="$ROOT/$addon/i18n/$addon.pot" --modules="$addon" \
        --stop-after-init --log-level=warn >>"$LOCAL_DIR/i18n.log" 2>&1 ||
        die "exporting $addon.pot failed; see $LOCAL_DIR/i18n.log"
    say "wrote $addon/i18n/$addon.pot ($(grep -c '^msgid ' "$ROOT/$addon/i18n/$addon.pot") strings)"
done
