from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import RevsharePaymentDefaultCommon


@tagged("post_install", "-at_install")
class TestPaymentOverride(RevsharePaymentDefaultCommon):
    """A distributor's 5 % override on its reseller's 30 %, both earned on
    payment, in a company configured as Odoo ships it (invoices of 1,000 + the
    chart's 15 % tax): the override follows every event of the reseller's
    shares, and each payable follows the ledger."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.distributor = cls.env["res.partner"].create({"name": "Distributor"})
        cls.reseller_agreement = cls._create_agreement(cls.reseller, 30.0)
        cls.distributor_agreement = cls._create_agreement(
            cls.distributor,
            5.0,
            base="shares",
            override_agreement_ids=[Command.set(cls.reseller_agreement.ids)],
        )

    def _assert_earned(self, invoice, reseller, distributor):
        self.assertEqual(
            self._earned(invoice, self.reseller_agreement).mapped("amount"), reseller
        )
        self.assertEqual(
            self._earned(invoice, self.distributor_agreement).mapped("amount"),
            distributor,
        )
        self._assert_payable_is_ledger(self.reseller)
        self._assert_payable_is_ledger(self.distributor)

    def test_payment_unreconcile_credit_note(self):
        invoice = self._invoice(1000.0, taxes=self.tax_15)
        expected = invoice.revshare_line_ids.sorted("id")
        self.assertRecordValues(
            expected,
            [
                {
                    "agreement_id": self.reseller_agreement.id,
                    "state": "expected",
                    "amount": 300.0,
                    "base_amount": 1000.0,
                    "overridden_agreement_id": False,
                },
                {
                    "agreement_id": self.distributor_agreement.id,
                    "state": "expected",
                    "amount": 15.0,
                    "base_amount": 300.0,
                    "overridden_agreement_id": self.reseller_agreement.id,
                },
            ],
        )
        # 40 % paid (460 of 1,150).
        first = self._pay(invoice, 460.0)
        self._assert_earned(invoice, [120.0], [6.0])
        # The payment is unmatched: both are reversed.
        partial = self._earned(invoice, self.reseller_agreement).partial_id
        invoice.js_remove_outstanding_partial(partial.id)
        self._assert_earned(invoice, [120.0, -120.0], [6.0, -6.0])
        # Matched again, then the rest paid.
        invoice.js_assign_outstanding_line(
            self._receivable(first.move_id)
            .filtered(lambda line: not line.reconciled)
            .id
        )
        self._pay(invoice, 690.0, date="2024-01-25")
        self._assert_earned(
            invoice, [120.0, -120.0, 120.0, 180.0], [6.0, -6.0, 6.0, 9.0]
        )
        self.assertEqual(self._earned_total(invoice, self.distributor_agreement), 15.0)
        # A credit note of 200 + tax, refunded in cash: both take back.
        refund = self._invoice(200.0, move_type="out_refund", taxes=self.tax_15)
        self._pay(refund, date="2024-02-05")
        self._assert_earned(refund, [-60.0], [-3.0])
        self.assertEqual(self._payable_balance(self.reseller), 240.0)
        self.assertEqual(self._payable_balance(self.distributor), 12.0)
        self.assertEqual(
            self.env["revshare.check"]._revshare_check(
                self.company, "2024-01-01", "2024-12-31"
            ),
            [],
        )

    def test_override_and_shares_earn_at_the_same_time(self):
        with self.assertRaisesRegex(ValidationError, "same trigger"):
            self._create_agreement(
                self.agent,
                5.0,
                base="shares",
                trigger="invoice",
                override_agreement_ids=[Command.set(self.reseller_agreement.ids)],
            )
