from odoo import api, fields, models


class AccountMove(models.Model):
    """Reach, from a payment or bank statement entry, the shares its cash earned, and
    from one of our documents, the rows it books."""

    _inherit = "account.move"

    revshare_cash_line_ids = fields.One2many(
        comodel_name="revshare.line",
        inverse_name="payment_move_id",
        string="Revenue Shares Earned by this Cash",
        readonly=True,
    )
    revshare_cash_line_count = fields.Integer(
        compute="_compute_revshare_cash_line_count", string="Shares Earned"
    )

    revshare_booked_line_ids = fields.One2many(
        comodel_name="revshare.line",
        inverse_name="move_id",
        string="Revenue Shares Booked",
        readonly=True,
    )
    revshare_booked_line_count = fields.Integer(
        compute="_compute_revshare_booked_line_count", string="Shares Booked"
    )

    @api.depends("revshare_cash_line_ids")
    def _compute_revshare_cash_line_count(self):
        counts = dict(
            self.env["revshare.line"]._read_group(
                [("payment_move_id", "in", self.ids)], ["payment_move_id"], ["__count"]
            )
        )
        for move in self:
            move.revshare_cash_line_count = counts.get(move, 0)

    @api.depends("revshare_booked_line_ids")
    def _compute_revshare_booked_line_count(self):
        counts = dict(
            self.env["revshare.line"]._read_group(
                [("move_id", "in", self.ids)], ["move_id"], ["__count"]
            )
        )
        for move in self:
            move.revshare_booked_line_count = counts.get(move, 0)

    def action_view_revshare_booked_lines(self):
        """Open the revenue-share rows this document books."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "partner_revshare.revshare_line_action"
        )
        action["domain"] = [("move_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def action_view_revshare_cash_lines(self):
        """Open the revenue-share rows earned by this cash entry."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "partner_revshare.revshare_line_action"
        )
        action["domain"] = [("payment_move_id", "=", self.id)]
        action["context"] = {"create": False}
        return action
