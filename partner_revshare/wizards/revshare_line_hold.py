from odoo import models


class RevshareLineHold(models.TransientModel):
    """Put the selected earned ledger rows on hold, with the reason the partner
    reads; the settlement run skips them until they are released."""

    _name = "revshare.line.hold"
    _inherit = "revshare.line.reasoned.action"
    _description = "Revenue Share Rows on Hold"

    def action_confirm(self):
        self._revshare_check_group()
        self.ensure_one()
        self.line_ids._revshare_hold(self.reason)
        return {"type": "ir.actions.act_window_close"}
