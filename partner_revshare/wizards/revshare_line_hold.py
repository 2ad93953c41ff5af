from odoo import api, fields, models


class RevshareLineHold(models.TransientModel):
    """Put the selected earned ledger rows on hold, with the reason the partner
    reads; the settlement run skips them until they are released."""

    _name = "revshare.line.hold"
    _description = "Revenue Share Rows on Hold"

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
        self.line_ids._revshare_hold(self.reason)
        return {"type": "ir.actions.act_window_close"}
