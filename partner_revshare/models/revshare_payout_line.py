from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from .base import MANAGER_GROUP


class RevsharePayoutLine(models.Model):
    """One transfer of a payout batch: the Odoo payment to one partner's bank
    account, and the statements whose bills it paid. A transfer the bank
    rejected is returned: its payment is cancelled and the bills are open again
    for the next payout."""

    _name = "revshare.payout.line"
    _description = "Revenue Share Payout Transfer"
    _order = "payout_id, id"
    _check_company_auto = True

    payout_id = fields.Many2one(
        "revshare.payout", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="payout_id.company_id", store=True)
    currency_id = fields.Many2one(related="payout_id.currency_id")
    partner_id = fields.Many2one("res.partner", required=True, readonly=True)
    bank_account_id = fields.Many2one("res.partner.bank", readonly=True)
    amount = fields.Monetary(readonly=True)
    payment_id = fields.Many2one(
        "account.payment", readonly=True, index="btree_not_null"
    )
    settlement_ids = fields.Many2many(
        "revshare.settlement",
        "revshare_payout_line_settlement_rel",
        "line_id",
        "settlement_id",
        string="Statements",
        readonly=True,
    )
    state = fields.Selection(
        [("paid", "Paid"), ("returned", "Returned")],
        required=True,
        default="paid",
        readonly=True,
    )
    return_reason = fields.Char(readonly=True)
    return_date = fields.Date(readonly=True)

    def action_return(self, reason):
        """The bank returned these transfers: cancel their payments (unreconciled
        from the bills first, as Odoo's own cancel does), so that the bills are
        open again and the next payout pays them; each statement says why."""
        self._revshare_check_group(MANAGER_GROUP)
        self.check_access("write")
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Say why the bank returned the transfer."))
        if self.filtered(lambda line: line.state != "paid"):
            raise UserError(self.env._("This transfer was returned already."))
        today = fields.Date.context_today(self)
        # sudo: a revenue-share manager cancels the payments the payout made for
        # them, without needing payment rights.
        payments = self.sudo().payment_id
        payments.move_id.line_ids.remove_move_reconcile()
        payments.action_cancel()
        self.write({"state": "returned", "return_reason": reason, "return_date": today})
        for settlement in self.settlement_ids:
            settlement.message_post(
                body=self.env._(
                    "Payment returned on %(date)s: %(reason)s",
                    date=format_date(self.env, today),
                    reason=reason,
                )
            )
        return True
