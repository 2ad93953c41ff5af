from odoo import fields, models


class RevsharePayoutLineReturn(models.TransientModel):
    """Why the bank returned a transfer of a payout: asked before the transfer's
    payment is cancelled (``revshare.payout.line.action_return``)."""

    _name = "revshare.payout.line.return"
    _description = "Return a Payout Transfer"

    line_id = fields.Many2one(
        "revshare.payout.line",
        required=True,
        default=lambda self: self.env.context.get("active_id"),
    )
    reason = fields.Char(required=True)

    def action_confirm(self):
        self._revshare_check_group()
        self.ensure_one()
        self.line_id.action_return(self.reason)
        return {"type": "ir.actions.act_window_close"}
