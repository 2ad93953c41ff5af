from odoo.tests import tagged

from .common import RevsharePaymentDefaultCommon


@tagged("post_install", "-at_install")
class TestPaymentPayee(RevsharePaymentDefaultCommon):
    """Shares earned on payment by a reseller who delegates its payments to an
    agency, in a company as Odoo ships it: invoices of 1,000.00 + 15 % tax, 10 %
    of the untaxed amount. The agency's payable and bills hold what the ledger
    earned, to the cent; the reseller is owed nothing in the books."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agency = cls.env["res.partner"].create({"name": "Agency"})

    def _payable(self, moves):
        return moves.line_ids.filtered(
            lambda line: line.account_type == "liability_payable"
        )

    def _check(self):
        self.env.invalidate_all()
        return self.env["revshare.check"]._revshare_check(
            self.company, "2024-01-01", "2024-12-31"
        )

    def test_entry_payment_books_on_payee_payable(self):
        agreement = self._create_agreement(self.reseller, 10.0, payee_id=self.agency.id)
        invoice = self._invoice(1000.0, taxes=self.tax_15)
        expected = invoice.revshare_line_ids
        self.assertEqual(expected.payee_id, self.agency)
        payment = self._pay(invoice, 345.0)
        self._pay(invoice, 805.0, date="2024-01-25")
        rows = self._earned(invoice, agreement)
        self.assertEqual(rows.mapped("amount"), [30.0, 70.0])
        self.assertEqual(rows.partner_id, self.reseller)
        self.assertEqual(rows.payee_id, self.agency)
        payables = self._payable(rows.move_id)
        self.assertEqual(payables.partner_id, self.agency)
        self.assertEqual(sorted(payables.mapped("balance")), [-70.0, -30.0])
        self.assertEqual(self._payable_balance(self.agency), 100.0)
        self.assertEqual(self._payable_balance(self.reseller), 0.0)
        self.assertEqual(self._check(), [])
        # Undoing a payment takes the share back from the agency's payable.
        payment.action_draft()
        reversal = self._earned(invoice, agreement).filtered(
            lambda r: r.kind == "reversal"
        )
        self.assertEqual(reversal.amount, -30.0)
        self.assertEqual(reversal.payee_id, self.agency)
        self.assertEqual(self._payable_balance(self.agency), 70.0)
        self.assertEqual(self._check(), [])

    def test_periodic_settlement_bills_the_payee(self):
        """Two beneficiaries delegating to the agency: one statement and one
        vendor bill for the agency hold both their rows."""
        reseller = self._create_agreement(
            self.reseller, 10.0, mode="periodic", payee_id=self.agency.id
        )
        agent = self._create_agreement(
            self.agent, 5.0, mode="periodic", payee_id=self.agency.id
        )
        invoice = self._invoice(1000.0, taxes=self.tax_15)
        self._pay(invoice, date="2024-01-15")
        settlement = self.env["revshare.settlement"]._revshare_run(
            self._date("2024-02-01"), agreements=reseller | agent, confirm=True
        )
        self.assertEqual(len(settlement), 1)
        self.assertEqual(settlement.partner_id, self.agency)
        self.assertEqual(
            sorted(settlement.line_ids.mapped(lambda r: (r.partner_id.name, r.amount))),
            [("Agent Smith", 50.0), ("Reseller Ltd", 100.0)],
        )
        self.assertEqual(settlement.amount_total, 150.0)
        bill = settlement.bill_id
        self.assertEqual(bill.partner_id, self.agency)
        self.assertEqual(bill.amount_total, 150.0)
        bill.action_post()
        self.assertEqual(self._payable_balance(self.agency), 150.0)
        self.assertEqual(self._check(), [])
