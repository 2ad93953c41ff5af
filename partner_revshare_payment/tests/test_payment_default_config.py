from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import RevsharePaymentDefaultCommon


@tagged("post_install", "-at_install")
class TestPaymentDefaultConfig(RevsharePaymentDefaultCommon):
    """Every way of paying an invoice of 1,000 + 15% tax, on a 10% agreement, in a
    company configured as Odoo ships it: the partner earns 10% of the untaxed amount
    times the part paid in cash, its payable follows the ledger."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agreement = cls._create_agreement(cls.reseller, 10.0)

    def _taxed_invoice(self, date="2024-01-10", payment_term=None, **kwargs):
        return self._invoice(
            1000.0, date=date, taxes=self.tax_15, payment_term=payment_term, **kwargs
        )

    def _assert_earned(self, invoice, amounts):
        self.assertEqual(self._earned(invoice).mapped("amount"), amounts)
        self._assert_payable_is_ledger(self.reseller)

    def test_configuration_is_odoo_default(self):
        """What the issue is about: "Manual Payment" has no outstanding account, so
        Odoo books payments on the chart's outstanding receipts account."""
        methods = (
            self.bank_journal.inbound_payment_method_line_ids
            | self.bank_journal.outbound_payment_method_line_ids
        )
        self.assertFalse(methods.payment_account_id)
        self.assertEqual(self.tax_15.amount, 15.0)
        invoice = self._taxed_invoice()
        self.assertEqual(invoice.amount_total, 1150.0)
        self.assertEqual(invoice.amount_untaxed, 1000.0)
        payment = self._pay(invoice)
        outstanding = payment._get_outstanding_account("inbound")
        self.assertEqual(payment.outstanding_account_id, outstanding)
        self.assertNotIn(outstanding, payment._get_valid_liquidity_accounts())
        self._assert_earned(invoice, [100.0])

    def test_partial_payments(self):
        invoice = self._taxed_invoice()
        self._pay(invoice, 345.0)
        self._assert_earned(invoice, [30.0])
        self._pay(invoice, 805.0, date="2024-01-25")
        self._assert_earned(invoice, [30.0, 70.0])

    def test_early_payment_discount_default_mode(self):
        """Odoo's default computation for a company without country: the discount
        is 2% of the total, tax included; paid 1,127 within the discount period."""
        terms = self._discount_terms()
        self.assertEqual(terms.early_pay_discount_computation, "included")
        invoice = self._taxed_invoice(payment_term=terms)
        payment = self._pay(invoice, date="2024-01-15")
        self.assertEqual(payment.amount, 1127.0)
        self.assertEqual(invoice.payment_state, "paid")
        self._assert_earned(invoice, [98.0])

    def test_full_amount_within_discount_period(self):
        """A customer who pays the whole 1,150 within the discount period took no
        discount: the partner earns its full share."""
        invoice = self._taxed_invoice(payment_term=self._discount_terms())
        self._pay(invoice, 1150.0, date="2024-01-15")
        self.assertEqual(invoice.payment_state, "paid")
        self._assert_earned(invoice, [100.0])

    def test_early_payment_discount_excluded(self):
        """The discount reduces the untaxed amount only: paid 1,130 of 1,150."""
        invoice = self._taxed_invoice(payment_term=self._discount_terms("excluded"))
        payment = self._pay(invoice, date="2024-01-15")
        self.assertEqual(payment.amount, 1130.0)
        self._assert_earned(invoice, [98.0])

    def test_early_payment_discount_mixed(self):
        """The tax is computed on the discounted base (1,147); paid 1,127."""
        invoice = self._taxed_invoice(payment_term=self._discount_terms("mixed"))
        self.assertEqual(invoice.amount_total, 1147.0)
        payment = self._pay(invoice, date="2024-01-15")
        self.assertEqual(payment.amount, 1127.0)
        self._assert_earned(invoice, [98.0])

    def test_discount_period_over(self):
        invoice = self._taxed_invoice(payment_term=self._discount_terms())
        payment = self._pay(invoice, date="2024-01-25")
        self.assertEqual(payment.amount, 1150.0)
        self._assert_earned(invoice, [100.0])

    def test_write_off(self):
        """Paid 1,100, 50 written off: 10% of 1,000 x 1,100 / 1,150."""
        invoice = self._taxed_invoice()
        self._write_off(invoice, 1100.0)
        self.assertEqual(invoice.payment_state, "paid")
        self._assert_earned(invoice, [95.65])

    def test_partial_payment_then_write_off(self):
        """500, then 600 and 50 written off: 1,100 of 1,150 paid in cash."""
        invoice = self._taxed_invoice()
        self._pay(invoice, 500.0)
        self._write_off(invoice, 600.0, date="2024-01-25")
        self._assert_earned(invoice, [43.48, 52.17])

    def test_grouped_payment_one_discount(self):
        """One payment for two invoices, one within its discount period: only that
        one earns on its discounted amount."""
        terms = self._discount_terms()
        in_period = self._taxed_invoice(payment_term=terms)
        too_late = self._taxed_invoice(date="2023-12-01", payment_term=terms)
        payment = self._pay(in_period | too_late, date="2024-01-15", group_payment=True)
        self.assertEqual(len(payment), 1)
        self.assertEqual(payment.amount, 2277.0)
        self._assert_earned(in_period, [98.0])
        self._assert_earned(too_late, [100.0])

    def test_grouped_payment_write_off(self):
        """A write-off on a grouped payment is shared by its invoices pro rata:
        2,200 received for 2,300."""
        invoices = self._taxed_invoice() | self._taxed_invoice()
        payment = self._write_off(invoices, 2200.0, group_payment=True)
        self.assertEqual(len(payment), 1)
        for invoice in invoices:
            self._assert_earned(invoice, [95.65])

    def test_wizard_run_books_one_entry(self):
        """Three invoices paid by one register-payment run, one payment each: one
        entry for the run, the rows linked to its line; undoing one payment
        reverses its row only, in a new entry."""
        invoices = self._taxed_invoice() | self._taxed_invoice() | self._taxed_invoice()
        payments = self._pay(invoices, group_payment=False)
        self.assertEqual(len(payments), 3)
        rows = self._earned()
        self.assertEqual(rows.mapped("amount"), [100.0, 100.0, 100.0])
        entry = rows.move_id
        self.assertEqual(len(entry), 1)
        self.assertEqual(rows.move_line_id.move_id, entry)
        # One payable line of the beneficiary books the three rows.
        self.assertEqual(len(rows.move_line_id), 1)
        self.assertEqual(rows.move_line_id.balance, -300.0)
        self.assertEqual(rows.move_line_id.partner_id, self.reseller)
        self._assert_payable_is_ledger(self.reseller)

        payments[1].action_draft()
        reversal = self._earned().filtered(lambda r: r.kind == "reversal")
        self.assertEqual(reversal.amount, -100.0)
        self.assertEqual(reversal.reversed_line_id.invoice_id, invoices[1])
        self.assertNotEqual(reversal.move_id, entry)
        self.assertEqual(entry.state, "posted")
        self._assert_payable_is_ledger(self.reseller)

    def test_expense_account_with_default_tax(self):
        """An expense account with a default purchase tax (charts ship some, users
        add them): Odoo gives an entry line its account's default taxes, but a
        share booked by entry bears none. The entry has one expense and one
        payable line of the share, no tax line, and the payment that earned it can
        be undone."""
        expense = self.agreement._revshare_get_expense_account()
        expense.tax_ids = self.company_data["default_tax_purchase"]
        invoice = self._taxed_invoice()
        payment = self._pay(invoice)
        self._assert_earned(invoice, [100.0])
        entry = self._earned(invoice).move_id
        self.assertEqual(entry.state, "posted")
        self.assertEqual(sorted(entry.line_ids.mapped("balance")), [-100.0, 100.0])
        self.assertFalse(entry.line_ids.tax_ids)
        self.assertFalse(entry.line_ids.tax_line_id)
        self.assertEqual(
            entry.line_ids.filtered(lambda line: line.balance > 0).account_id, expense
        )
        self.assertEqual(self._earned(invoice).move_line_id.balance, -100.0)

        payment.action_draft()
        self._assert_earned(invoice, [100.0, -100.0])
        reversal = self._earned(invoice).filtered(lambda r: r.kind == "reversal")
        self.assertFalse(reversal.move_id.line_ids.tax_ids)
        self.assertEqual(reversal.move_line_id.balance, 100.0)

    def test_outstanding_credit(self):
        """A payment registered on its own, then matched from the invoice."""
        invoice = self._taxed_invoice()
        payment = self._posted_payment(575.0)
        invoice.js_assign_outstanding_line(self._receivable(payment.move_id).id)
        self._assert_earned(invoice, [50.0])

    def test_bank_statement_line(self):
        invoice = self._taxed_invoice()
        st_line = self._pay_by_statement(invoice, 1150.0)
        self.assertEqual(invoice.payment_state, "paid")
        self._assert_earned(invoice, [100.0])
        self.assertEqual(self._earned(invoice).payment_move_id, st_line.move_id)

    def test_reset_discounted_payment_to_draft(self):
        invoice = self._taxed_invoice(payment_term=self._discount_terms())
        payment = self._pay(invoice, date="2024-01-15")
        self._assert_earned(invoice, [98.0])
        payment.action_draft()
        self._assert_earned(invoice, [98.0, -98.0])
        self.assertEqual(self._payable_balance(self.reseller), 0.0)

    def test_reset_write_off_to_draft_and_pay_again(self):
        invoice = self._taxed_invoice()
        payment = self._write_off(invoice, 1100.0)
        payment.action_draft()
        self._assert_earned(invoice, [95.65, -95.65])
        self._pay(invoice, date="2024-01-25")
        self._assert_earned(invoice, [95.65, -95.65, 100.0])

    def test_credit_note(self):
        """A credit note of 200 + tax offsets the invoice; the rest is paid, then
        refunded in cash: clawed back."""
        invoice = self._taxed_invoice()
        refund = self._invoice(200.0, move_type="out_refund", taxes=self.tax_15)
        invoice.js_assign_outstanding_line(self._receivable(refund).id)
        self._pay(invoice)
        self.assertEqual(invoice.payment_state, "paid")
        self._assert_earned(invoice, [80.0])
        cash_refund = self._invoice(100.0, move_type="out_refund", taxes=self.tax_15)
        self._pay(cash_refund, date="2024-02-05")
        self.assertEqual(self._earned(cash_refund).mapped("amount"), [-10.0])
        self._assert_payable_is_ledger(self.reseller)
        self.assertEqual(self._payable_balance(self.reseller), 70.0)

    def test_discounted_payment_settled_and_billed(self):
        """The periodic settlement bills what a discounted payment earned, with the
        terms the rows were made with, and the agreement's terms stay fixed."""
        agreement = self._create_agreement(self.agent, 10.0, mode="periodic")
        invoice = self._taxed_invoice(payment_term=self._discount_terms())
        self._pay(invoice, date="2024-01-15")
        rows = self._earned(invoice, agreement)
        self.assertEqual(rows.mapped("amount"), [98.0])
        self.assertEqual(rows.settlement_mode, "periodic")
        with self.assertRaises(UserError):
            agreement.settlement_mode = "entry"
        settlement = self.env["revshare.settlement"]._revshare_run(
            self._date("2024-02-01"), agreements=agreement, confirm=True
        )
        self.assertEqual(settlement.amount_total, 98.0)
        self.assertEqual(settlement.bill_id.amount_total, 98.0)
        self.assertEqual(rows.state, "settled")

    def test_confirm_keeps_figures(self):
        """Confirming a settlement makes its rows settled without changing any
        figure: the earned amounts of the rows, and what the partly paid invoice's
        expected row still expects, are what the computes give from scratch."""
        agreement = self._create_agreement(self.agent, 10.0, mode="periodic")
        invoice = self._taxed_invoice()
        self._pay(invoice, amount=460.0, date="2024-01-15")
        rows = self._earned(invoice, agreement)
        expected = rows.expected_line_id
        self.assertEqual(rows.mapped("amount_earned"), [40.0])
        self.assertEqual(expected.amount_expected, 60.0)
        settlement = self.env["revshare.settlement"]._revshare_run(
            self._date("2024-02-01"), agreements=agreement
        )
        settlement.action_confirm()
        self.assertEqual(rows.state, "settled")
        self.assertEqual(settlement.bill_id.amount_total, 40.0)
        figures = [
            "amount_earned",
            "amount_earned_company",
            "amount_expected",
            "amount_expected_company",
        ]
        records = rows | expected
        stored = records.read(figures)
        for fname in figures:
            self.env.add_to_compute(records._fields[fname], records)
        records.flush_recordset(figures)
        self.assertEqual(records.read(figures), stored)
        self.assertEqual(stored[0]["amount_earned"], 40.0)
        self.assertEqual(stored[1]["amount_expected"], 60.0)
