from odoo import models


class AccountPaymentRegister(models.TransientModel):
    """One booking of the revenue shares per run of the register-payment wizard."""

    _inherit = "account.payment.register"

    def _reconcile_payments(self, to_process, edit_mode=False):
        # The wizard reconciles each payment on its own: booking after all of them
        # makes one document per date and beneficiary set for the whole run (100
        # invoices paid at once: one entry, not 100).
        with self.env["account.partial.reconcile"]._revshare_booking_batch():
            return super()._reconcile_payments(to_process, edit_mode=edit_mode)
