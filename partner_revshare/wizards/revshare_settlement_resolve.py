from odoo import fields, models


class RevshareSettlementResolve(models.TransientModel):
    """Answer a partner's dispute of a statement, with or without a manual
    adjustment (``revshare.settlement._revshare_resolve_dispute``)."""

    _name = "revshare.settlement.resolve"
    _description = "Resolve a Revenue Share Statement Dispute"

    settlement_id = fields.Many2one("revshare.settlement", required=True)
    currency_id = fields.Many2one(related="settlement_id.currency_id")
    agreement_ids = fields.Many2many(related="settlement_id.agreement_ids")
    answer = fields.Text(required=True, help="Sent to the partner.")
    amount = fields.Monetary(
        string="Adjustment",
        help="Leave 0 to answer without an adjustment. Otherwise a manual "
        "adjustment of this amount, with the answer as its reason, is added to the "
        "partner's account.",
    )
    agreement_id = fields.Many2one(
        "revshare.agreement",
        domain="[('id', 'in', agreement_ids)]",
        help="The agreement the adjustment is for.",
    )

    def action_confirm(self):
        self._revshare_check_group()
        self.ensure_one()
        self.settlement_id._revshare_resolve_dispute(
            self.answer, agreement=self.agreement_id, amount=self.amount
        )
        return {"type": "ir.actions.act_window_close"}
