"""Rows made before 18.0.2.0.0 get the accounts their agreement books with now
(before this version, booking read them from the agreement anyway)."""

from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    Line = env["revshare.line"].with_context(active_test=False)
    for (agreement,) in Line._read_group(
        [("expense_account_id", "=", False), ("payable_account_id", "=", False)],
        ["agreement_id"],
    ):
        terms = agreement._revshare_row_terms()
        cr.execute(
            """
            UPDATE revshare_line
               SET expense_account_id = %s,
                   payable_account_id = %s
             WHERE agreement_id = %s
               AND expense_account_id IS NULL
               AND payable_account_id IS NULL
            """,
            (
                terms["expense_account_id"] or None,
                terms["payable_account_id"] or None,
                agreement.id,
            ),
        )
