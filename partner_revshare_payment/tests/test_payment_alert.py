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


@tagged("post_install", "-at_install")
class TestPaymentQuickClawback(RevsharePaymentDefaultCommon):
    """A credit note soon after the agent was paid its share, in a company as
    Odoo ships it: the share, earned when the customer paid, is booked by a
    vendor bill (or a journal entry) that the company pays with Odoo's register
    payment wizard; a credit note of the invoice within the company's days (30)
    after that payment is a quick clawback."""

    def _paid_share(self, mode="bill", pay_share=True):
        """An invoice of 1000.00 paid on 2024-01-20, the agent's 10 % booked by a
        document of ``mode`` and, with ``pay_share``, paid on 2024-02-01."""
        self._create_agreement(self.agent, 10.0, mode=mode)
        invoice = self._invoice(1000.0)
        self._pay(invoice)
        document = self._earned(invoice).move_id
        self.assertEqual(len(document), 1)
        payment = self._pay(document, date="2024-02-01") if pay_share else None
        return invoice, document, payment

    def _refund(self, invoice, day):
        refund = invoice._reverse_moves([{"invoice_date": day, "date": day}])
        refund.action_post()
        return self.env["revshare.alert"].search(
            [("invoice_id", "=", refund.id), ("kind", "=", "quick_clawback")]
        )

    def test_credit_note_soon_after_the_bill_is_paid(self):
        invoice, bill, payment = self._paid_share()
        self.assertEqual(bill.move_type, "in_invoice")
        self.assertIn(bill.payment_state, ("paid", "in_payment"))
        alert = self._refund(invoice, "2024-02-11")
        self.assertEqual(len(alert), 1)
        self.assertEqual(alert.partner_id, self.agent)
        self.assertEqual(alert.amount, 100.0)
        self.assertIn(f"10 days after the share of {invoice.name}", alert.reason)
        self.assertIn(f"paid by {payment.name}", alert.reason)

    def test_credit_note_after_the_days_raises_nothing(self):
        invoice, __, __ = self._paid_share()
        self.assertFalse(self._refund(invoice, "2024-03-12"))

    def test_unpaid_bill_raises_nothing(self):
        invoice, bill, __ = self._paid_share(pay_share=False)
        self.assertEqual(bill.payment_state, "not_paid")
        self.assertFalse(self._refund(invoice, "2024-02-11"))

    def test_credit_note_soon_after_the_entry_is_paid(self):
        invoice, entry, payment = self._paid_share(mode="entry")
        self.assertEqual(entry.move_type, "entry")
        payable = entry.line_ids.filtered(
            lambda line: line.account_type == "liability_payable"
        )
        self.assertTrue(payable.reconciled)
        alert = self._refund(invoice, "2024-02-21")
        self.assertEqual(len(alert), 1)
        self.assertEqual(alert.amount, 100.0)
        self.assertIn("20 days after", alert.reason)
        self.assertIn(f"paid by {payment.name}", alert.reason)

    def test_payments_read_in_batch(self):
        """The payments of three paid bills cost the queries of one."""
        self._create_agreement(self.agent, 10.0, mode="bill")
        invoices = self.env["account.move"]
        for __ in range(3):
            invoice = self._invoice(1000.0)
            self._pay(invoice)
            self._pay(self._earned(invoice).move_id, date="2024-02-01")
            invoices |= invoice
        Detection = self.env["revshare.alert.detection"]
        counts = []
        for batch in (invoices, invoices[0], invoices):  # the first: warm-up
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            paid = Detection._revshare_paid_shares(batch)
            counts.append(self.env.cr.sql_log_count - before)
            self.assertEqual(len(paid), len(batch))
        self.assertEqual(counts[1], counts[2])
