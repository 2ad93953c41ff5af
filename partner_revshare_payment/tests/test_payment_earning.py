from odoo.tests import tagged

from .common import RevsharePaymentCommon


@tagged("post_install", "-at_install")
class TestPaymentEarning(RevsharePaymentCommon):
    """Shares earned pro rata of the cash that pays the invoice, booked and reversed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agreement = cls._create_agreement(cls.reseller, 10.0)

    def test_default_trigger_is_payment(self):
        self.assertEqual(self.agreement.trigger, "payment")

    def test_one_payment(self):
        invoice = self._invoice(1000.0)
        expected = invoice.revshare_line_ids.filtered(lambda r: r.state == "expected")
        self.assertRecordValues(expected, [{"amount": 100.0, "kind": "share"}])
        payment = self._pay(invoice)
        rows = self._earned(invoice)
        self.assertRecordValues(
            rows,
            [
                {
                    "kind": "share",
                    "amount": 100.0,
                    "amount_company": 100.0,
                    "amount_invoice_currency": 100.0,
                    "base_amount": 1000.0,
                    "expected_line_id": expected.id,
                    "payment_id": payment.id,
                    "payment_move_id": payment.move_id.id,
                    "date": self._date("2024-01-20"),
                    "partner_id": self.reseller.id,
                }
            ],
        )
        self.assertTrue(rows.partial_id)
        entry = rows.move_id
        self.assertRecordValues(
            entry, [{"move_type": "entry", "state": "posted", "revshare_origin": True}]
        )
        self.assertEqual(entry.date, self._date("2024-01-20"))
        self.assertRecordValues(
            entry.line_ids.sorted("balance"),
            [
                {"account_id": self.payable_account.id, "balance": -100.0,
                 "partner_id": self.reseller.id},
                {"account_id": self.expense_account.id, "balance": 100.0,
                 "partner_id": self.reseller.id},
            ],
        )
        self.assertEqual(self._payable_balance(self.reseller), 100.0)
        self.assertEqual(payment.revshare_line_count, 1)
        self.assertEqual(self.agreement.payment_line_count, 1)
