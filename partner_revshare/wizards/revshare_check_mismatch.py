from odoo import api, fields, models

from ..models.base import USER_GROUP


class RevshareCheckMismatch(models.TransientModel):
    """One disagreement found by the revenue share check, with a link
    (``res_model``, ``res_id``) to the record to look at."""

    _name = "revshare.check.mismatch"
    _description = "Revenue Share Check Mismatch"
    _order = "id"

    check_id = fields.Many2one(
        "revshare.check", required=True, ondelete="cascade", index=True
    )
    kind = fields.Selection(
        [
            ("terms", "Share differs from the rules"),
            ("earned", "Earned differs from the paid part"),
            ("document", "Accounting document"),
            ("payable", "Payable differs from the ledger"),
            ("settlement", "Settlement"),
            ("ledger", "Ledger row"),
            ("payout", "Payout"),
        ],
        required=True,
    )
    res_model = fields.Char(string="Model", required=True)
    res_id = fields.Many2oneReference(string="Record", model_field="res_model")
    record_name = fields.Char()
    message = fields.Text(required=True)
    company_id = fields.Many2one("res.company")
    partner_id = fields.Many2one("res.partner")
    currency_id = fields.Many2one("res.currency")
    expected_amount = fields.Monetary(string="Expected")
    actual_amount = fields.Monetary(string="Found")
    difference = fields.Monetary(compute="_compute_difference")

    @api.depends("expected_amount", "actual_amount")
    def _compute_difference(self):
        for mismatch in self:
            mismatch.difference = mismatch.actual_amount - mismatch.expected_amount

    def action_open_record(self):
        """Open the record the mismatch is about."""
        self._revshare_check_group(USER_GROUP)
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "target": "current",
        }
