from odoo.tests import tagged

from .common import RevsharePaymentDefaultCommon


@tagged("post_install", "-at_install")
class TestPaymentAlert(RevsharePaymentDefaultCommon):
    """A self-dealing invoice of an agreement earned on payment, in a company as
    Odoo ships it: posting raises the alert on expected rows (nothing to hold
    yet); the payment's earned rows join the alert and are held; confirming the
    alert declines them and the payable follows the ledger."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agreement = cls._create_agreement(cls.reseller, 10.0)
        cls.reseller.vat = "BE0477472701"
        cls.customer.vat = "BE 0477 472 701"

    def _alert(self, invoice):
        return self.env["revshare.alert"].search(
            [("invoice_id", "=", invoice.id), ("kind", "=", "self_dealing")]
        )

    def test_payment_rows_join_the_alert_and_are_held(self):
        invoice = self._invoice(1000.0, taxes=self.tax_15)
        alert = self._alert(invoice)
        self.assertEqual(len(alert), 1)
        self.assertEqual(alert.amount, 100.0)
        self.assertIn("same VAT number BE0477472701", alert.reason)
        expected = alert.line_ids
        self.assertEqual(expected.mapped("state"), ["expected"])
        self._pay(invoice, amount=575.0)
        earned = self._earned(invoice)
        self.assertEqual(earned.mapped("amount"), [50.0])
        self.assertEqual(alert.line_ids, expected | earned)
        self.assertIn(alert.display_name, earned.hold_reason)
        self._assert_payable_is_ledger(self.reseller)

        alert.note = "The reseller bought for itself"
        alert.action_confirm()
        reversal = earned.reversal_line_ids
        self.assertEqual(reversal.mapped("amount"), [-50.0])
        self.assertFalse(earned.hold_reason)
        self.assertEqual(self._payable_balance(self.reseller), 0.0)
        self._assert_payable_is_ledger(self.reseller)

    def test_dismissed_alert_holds_nothing_more(self):
        invoice = self._invoice(1000.0, taxes=self.tax_15)
        alert = self._alert(invoice)
        alert.note = "A real customer of its own: allowed by the contract"
        alert.action_dismiss()
        self._pay(invoice)
        earned = self._earned(invoice)
        self.assertEqual(earned.mapped("amount"), [100.0])
        self.assertFalse(earned.hold_reason)
