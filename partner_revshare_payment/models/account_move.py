from odoo import api, fields, models

from odoo.addons.partner_revshare.models.base import USER_GROUP


class AccountMove(models.Model):
    """Reach, from a payment or bank statement entry, the shares its cash earned."""

    _inherit = "account.move"

    revshare_cash_line_ids = fields.One2many(
        comodel_name="revshare.line",
        inverse_name="payment_move_id",
        string="Revenue Shares Earned by this Cash",
        readonly=True,
        groups="base.group_user",
    )
    revshare_cash_line_count = fields.Integer(
        compute="_compute_revshare_cash_line_count",
        string="Shares Earned",
        groups="base.group_user",
    )

    @api.depends("revshare_cash_line_ids")
    def _compute_revshare_cash_line_count(self):
        counts = self.env["revshare.line"]._revshare_counts("payment_move_id", self)
        for move in self:
            move.revshare_cash_line_count = counts.get(move, 0)

    def action_view_revshare_cash_lines(self):
        """Open the revenue-share rows earned by this cash entry."""
        self._revshare_check_group(USER_GROUP)
        self.ensure_one()
        return self.env["revshare.line"]._revshare_action(
            [("payment_move_id", "=", self.id)]
        )
