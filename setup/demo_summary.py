# Run by setup/demo.sh --no-serve inside `odoo-bin shell` (where `env` is defined):
# prints what the demo data produced, read from the database, for a headless check.
# ruff: noqa: F821
Agreement = env["revshare.agreement"]
Line = env["revshare.line"]
agreements = Agreement.search([])
print(f"Agreements: {len(agreements)}")
for agreement in agreements:
    print(
        f"  {agreement.code or '-'}  {agreement.partner_id.name} ({agreement.role}, "
        f"{agreement.state}, {agreement.trigger}): "
        f"net earned {agreement.amount_earned:.2f} {agreement.currency_id.name}, "
        f"to settle {agreement.amount_to_settle:.2f}, "
        f"still expected {agreement.amount_expected:.2f}"
    )
# Earned rows count their amount, expected rows what they still have to earn.
for state, earned, expected, count in Line._read_group(
    [],
    ["state"],
    ["amount_earned_company:sum", "amount_expected_company:sum", "__count"],
):
    print(
        f"Ledger rows {state}: {count}, {earned + expected:.2f} "
        f"{env.company.currency_id.name}"
    )
if "partial_id" in Line._fields:
    paid = Line.search([("partial_id", "!=", False)])
    print(
        f"Earned on payments: {len(paid)} rows, "
        f"{sum(paid.mapped('amount_company')):.2f} {env.company.currency_id.name}, "
        f"from {len(paid.invoice_id)} invoices"
    )
Settlement = env["revshare.settlement"]
for state, amount, count in Settlement._read_group(
    [], ["state"], ["amount_total:sum", "__count"]
):
    print(f"Statements {state}: {count}, {amount:.2f}")
moves = Line.search([("move_id", "!=", False)]).move_id
bills = moves.filtered(lambda m: m.move_type in ("in_invoice", "in_refund"))
print(
    f"Accounting documents: {len(moves - bills)} journal entries, "
    f"{len(bills)} vendor bills"
)
portal = env["res.users"].search(
    [("share", "=", True), ("login", "=", "reseller@example.com")]
)
print(f"Portal login: {portal.login or 'none'}")
