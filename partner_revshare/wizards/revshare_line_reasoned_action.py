from odoo import api, fields, models


class RevshareLineReasonedAction(models.AbstractModel):
    """What the hold and decline wizards share: the ledger rows selected in the
    list or form they are opened from, and the reason the partner reads."""

    _name = "revshare.line.reasoned.action"
    _description = "Action on Revenue Share Rows with a Reason"

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
