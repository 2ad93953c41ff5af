from odoo import api, models
from odoo.osv import expression

from odoo.addons.partner_revshare.models.revshare_line_states import (
    EARNED_OR_WAITING_STATES,
    EARNED_STATES,
)


class RevshareCheck(models.TransientModel):
    """The revenue share check also verifies what payments earned."""

    _inherit = "revshare.check"

    @api.model
    def _revshare_share_domain(self, company, date_from, date_to):
        # Rows earned from an expected row are checked against the paid part of
        # their invoice, not against the rules.
        return super()._revshare_share_domain(company, date_from, date_to) + [
            ("expected_line_id", "=", False)
        ]

    @api.model
    def _revshare_check_earned(self, originals):
        """What each expected share earned = share x paid part of its invoice, in
        the invoice currency. A reversal (unreconciled payment) may leave one
        rounding unit until the next payment absorbs it: each reversal of the row
        allows one unit."""
        mismatches = super()._revshare_check_earned(originals)
        # One query, no row read: a chunk of the check holds thousands of shares.
        expected = self.env["revshare.line"].search(
            [("id", "in", originals.ids), ("state", "=", "expected")]
        )
        if not expected:
            return mismatches
        Line = self.env["revshare.line"]
        earned = {
            row.id: (amount, count)
            for row, amount, count in Line._read_group(
                [
                    ("expected_line_id", "in", expected.ids),
                    ("state", "in", EARNED_OR_WAITING_STATES),
                    # A declined row was earned all the same.
                    "!",
                    *expression.normalize_domain(Line._revshare_decline_domain()),
                ],
                ["expected_line_id"],
                ["amount_invoice_currency:sum", "__count"],
            )
        }
        reversals = dict(
            Line._read_group(
                [
                    ("expected_line_id", "in", expected.ids),
                    ("state", "in", EARNED_STATES),
                    ("kind", "=", "reversal"),
                ],
                ["expected_line_id"],
                ["__count"],
            )
        )
        Partial = self.env["account.partial.reconcile"]
        history = Partial._revshare_cash_history(expected.invoice_id)
        weights = Partial._revshare_discount_weights(expected)
        for row in expected:
            invoice = row.invoice_id
            currency = row.invoice_currency_id or invoice.currency_id
            info = history.get(invoice)
            if not info or currency.is_zero(info["total"]):
                fraction = 0.0
            else:
                cash = Partial._revshare_paid_cash(
                    info, row.agreement_id, weights[row.id]
                )
                fraction = min(cash / info["total"], 1.0)
            want = currency.round(row.amount_invoice_currency * fraction)
            got = earned.get(row.id, (0.0, 0))[0]
            allowed = currency.rounding * reversals.get(row, 0)
            if abs(currency.round(got - want)) - allowed > currency.rounding / 2:
                mismatches.append(
                    self._revshare_mismatch(
                        "earned",
                        row,
                        self.env._(
                            "%(agreement)s on %(invoice)s earned %(actual)s; "
                            "%(paid)s%% of the invoice is paid, so it should have "
                            "earned %(expected)s.",
                            agreement=row.agreement_id.display_name,
                            invoice=invoice.display_name,
                            actual=got,
                            paid=round(fraction * 100, 2),
                            expected=want,
                        ),
                        expected=want,
                        actual=got,
                        currency=currency,
                        partner=row.partner_id,
                        company=row.company_id,
                    )
                )
        return mismatches
