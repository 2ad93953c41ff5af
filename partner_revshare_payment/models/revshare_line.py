from odoo import api, fields, models

from odoo.addons.partner_revshare.models.revshare_line_states import EARNED_STATES


class RevshareLine(models.Model):
    """Ledger rows earned from cash: each links to the partial reconcile earning it."""

    _inherit = "revshare.line"

    # The cash behind a row (partial, payment, cash entry) is the company's books,
    # like the row's accounting document: internal users only. A portal partner
    # reads how much its rows earned, and from which expected row, not whose cash.
    partial_id = fields.Many2one(
        comodel_name="account.partial.reconcile",
        string="Partial Reconcile",
        ondelete="set null",
        index="btree_not_null",
        readonly=True,
        copy=False,
        help="The matching of the invoice with the cash that earned this row. Emptied "
        "when the matching is removed; the row then has a reversal.",
        groups="base.group_user",
    )
    expected_line_id = fields.Many2one(
        comodel_name="revshare.line",
        string="Expected Row",
        # Expected rows are cancelled, not deleted; if one ever is, earned rows stay.
        ondelete="set null",
        index="btree_not_null",
        readonly=True,
        copy=False,
        help="The expected share of the invoice line this row earns a part of.",
    )
    earned_line_ids = fields.One2many(
        comodel_name="revshare.line",
        inverse_name="expected_line_id",
        string="Earned Rows",
        readonly=True,
    )
    payment_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Cash Entry",
        ondelete="set null",
        index="btree_not_null",
        readonly=True,
        copy=False,
        help="The payment or bank statement entry whose cash earned this row. Kept "
        "after the matching is removed.",
        groups="base.group_user",
    )
    payment_id = fields.Many2one(
        comodel_name="account.payment",
        ondelete="set null",
        index="btree_not_null",
        readonly=True,
        copy=False,
        groups="base.group_user",
    )

    def init(self):
        # A partial earns at most one row per expected row, even if processing ran
        # twice. The reversal of such a row carries the same links, so the index
        # covers earned kinds only; a plain SQL constraint cannot express that.
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS revshare_line_partial_expected_uniq
                ON revshare_line (partial_id, expected_line_id)
             WHERE partial_id IS NOT NULL
               AND expected_line_id IS NOT NULL
               AND kind IN ('share', 'clawback')
            """
        )

    @api.model
    def _revshare_terms_source_id(self, vals):
        # A row earned on a payment keeps the terms of the expected row it earns.
        if vals.get("expected_line_id") and not vals.get("reversed_line_id"):
            return vals["expected_line_id"]
        return super()._revshare_terms_source_id(vals)

    @api.model
    def _revshare_base_rows_domain(self):
        # A row earned on a payment is part of its expected row, counted already.
        return super()._revshare_base_rows_domain() + [("expected_line_id", "=", False)]

    def _revshare_reversal_extra_vals(self):
        # A reversal keeps the cash links of the row it negates, so that what an
        # expected row earned nets out and the payment still lists it.
        vals = super()._revshare_reversal_extra_vals()
        vals.update(
            {
                "partial_id": self.partial_id.id,
                "expected_line_id": self.expected_line_id.id,
                "payment_move_id": self.payment_move_id.id,
                "payment_id": self.payment_id.id,
            }
        )
        return vals

    @api.depends(
        "state",
        "amount",
        "amount_company",
        "earned_line_ids.amount",
        "earned_line_ids.amount_company",
        "earned_line_ids.state",
    )
    def _compute_amount_figures(self):
        # An expected row is still expected for what its earned rows have not
        # earned yet: recomputed when a payment earns on it or is undone.
        return super()._compute_amount_figures()

    def _revshare_expected_remaining(self):
        # What each expected row earned through payments (net of reversals) is no
        # longer expected; one grouped read for all rows. sudo: a sum of the
        # ledger's own rows, whoever asks (a portal user reads only its rows).
        remaining = super()._revshare_expected_remaining()
        ids = [row.id for row in remaining if row.id]
        if not ids:
            return remaining
        for expected, amount in self.sudo()._read_group(
            [
                ("expected_line_id", "in", ids),
                ("state", "in", EARNED_STATES),
            ],
            ["expected_line_id"],
            ["amount:sum"],
        ):
            remaining[expected] = expected.currency_id.round(
                remaining[expected] - amount
            )
        return remaining
