from odoo import api, fields, models


class RevshareLineDecline(models.TransientModel):
    """Decline the selected earned ledger rows (fraud, a chargeback outside Odoo):
    each gets a reversal row carrying the reason; nothing is deleted."""

    _name = "revshare.line.decline"
    _description = "Decline Revenue Share Rows"

    line_ids = fields.Many2many("revshare.line", string="Rows", required=True)
    reason = fields.Char(required=True, help="Shown to the partner.")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "revshare.line":
            values["line_ids"] = [
                fields.Command.set(self.env.context.get("active_ids", []))
            ]
        return values

    def action_confirm(self):
        self.ensure_one()
        reversals = self.line_ids._revshare_decline(self.reason)
        return self.env["revshare.line"]._revshare_action(
            [("id", "in", (self.line_ids | reversals).ids)]
        )
