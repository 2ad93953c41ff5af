# Run by setup/test.sh inside `odoo-bin shell` (where `env` is defined): uninstalls
# both addons and checks that their modules, tables and columns are gone.
# Prints "uninstall: ok" on success.
# ruff: noqa: F821
ADDONS = ["partner_revshare", "partner_revshare_payment"]
TABLES = ["revshare_agreement", "revshare_line", "revshare_rule", "revshare_settlement"]

env["ir.module.module"].search([("name", "in", ADDONS)]).button_immediate_uninstall()
cr = env.registry.cursor()
cr.execute(
    "SELECT name FROM ir_module_module WHERE name = ANY(%s) AND state != 'uninstalled'",
    [ADDONS],
)
left = [name for (name,) in cr.fetchall()]
cr.execute("SELECT tablename FROM pg_tables WHERE tablename = ANY(%s)", [TABLES])
left += [f"table {name}" for (name,) in cr.fetchall()]
cr.execute(
    "SELECT table_name || '.' || column_name FROM information_schema.columns "
    "WHERE column_name LIKE 'revshare%%' AND table_schema = 'public'"
)
left += [f"column {name}" for (name,) in cr.fetchall()]
cr.close()
print("uninstall: ok" if not left else f"uninstall: left behind: {', '.join(left)}")
