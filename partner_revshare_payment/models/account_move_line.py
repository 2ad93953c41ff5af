from odoo import models


class AccountMoveLine(models.Model):
    """Book the revenue shares of a reconciliation once it is over."""

    _inherit = "account.move.line"

    def _reconcile_plan(self, reconciliation_plan):
        # Odoo synchronizes no invoice line during a reconciliation plan (a cursor-wide
        # flag): the shares earned by its partials are booked after it, in the same
        # transaction, all in one batch. A nested plan leaves them to the outermost
        # one (or to the register-payment wizard's run).
        with self.env["account.partial.reconcile"]._revshare_booking_batch():
            return super()._reconcile_plan(reconciliation_plan)
