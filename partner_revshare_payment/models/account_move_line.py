from odoo import models

from .account_partial_reconcile import PENDING_KEY


class AccountMoveLine(models.Model):
    """Book the revenue shares of a reconciliation once it is over."""

    _inherit = "account.move.line"

    def _reconcile_plan(self, reconciliation_plan):
        # Odoo synchronizes no invoice line during a reconciliation plan (a cursor-wide
        # flag): the shares earned by its partials are booked after it, in the same
        # transaction. A nested plan leaves them to the outermost one.
        cache = self.env.cr.cache
        if PENDING_KEY in cache:
            return super()._reconcile_plan(reconciliation_plan)
        cache[PENDING_KEY] = pending = []
        try:
            res = super()._reconcile_plan(reconciliation_plan)
        finally:
            del cache[PENDING_KEY]
        for callback in pending:
            callback()
        return res
