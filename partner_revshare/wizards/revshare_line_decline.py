from odoo import models


class RevshareLineDecline(models.TransientModel):
    """Decline the selected earned ledger rows (fraud, a chargeback outside Odoo):
    each gets a reversal row carrying the reason; nothing is deleted."""

    _name = "revshare.line.decline"
    _inherit = "revshare.line.reasoned.action"
    _description = "Decline Revenue Share Rows"

    def action_confirm(self):
        self._revshare_check_group()
        self.ensure_one()
        reversals = self.line_ids._revshare_decline(self.reason)
        return self.env["revshare.line"]._revshare_action(
            [("id", "in", (self.line_ids | reversals).ids)]
        )
