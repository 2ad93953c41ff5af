from odoo import api, fields, models

from odoo.addons.partner_revshare.models.base import USER_GROUP


class AccountPayment(models.Model):
    """Reach, from a payment, the revenue shares its cash earned and their documents."""

    _inherit = "account.payment"

    revshare_line_ids = fields.One2many(
        comodel_name="revshare.line",
        inverse_name="payment_id",
        string="Revenue Share Rows",
        readonly=True,
        groups="base.group_user",
    )
    revshare_line_count = fields.Integer(
        compute="_compute_revshare_line_count",
        string="Revenue Shares",
        groups="base.group_user",
    )

    @api.depends("revshare_line_ids")
    def _compute_revshare_line_count(self):
        # Rows of a payment entry point to the entry; rows of a payment settled by a
        # bank statement line point to the payment: count both in one grouped read.
        domain = [
            "|",
            ("payment_id", "in", self.ids),
            ("payment_move_id", "in", self.move_id.ids),
        ]
        counts = {}
        for payment_move, payment, count in self.env["revshare.line"]._read_group(
            domain, ["payment_move_id", "payment_id"], ["__count"]
        ):
            key = payment.id or payment_move.origin_payment_id.id
            counts[key] = counts.get(key, 0) + count
        for pay in self:
            pay.revshare_line_count = counts.get(pay.id, 0)

    def _revshare_rows(self):
        self.ensure_one()
        return self.env["revshare.line"].search(
            [
                "|",
                ("payment_id", "=", self.id),
                ("payment_move_id", "in", self.move_id.ids),
            ]
        )

    def action_view_revshare_lines(self):
        """Open the revenue-share rows this payment earned (and their reversals)."""
        self._revshare_check_group(USER_GROUP)
        self.ensure_one()
        return self.env["revshare.line"]._revshare_action(
            [("id", "in", self._revshare_rows().ids)]
        )

    def action_view_revshare_moves(self):
        """Open the journal entries and vendor bills the payment's shares produced."""
        self._revshare_check_group(USER_GROUP)
        self.ensure_one()
        return self._revshare_rows()._revshare_moves_action()
