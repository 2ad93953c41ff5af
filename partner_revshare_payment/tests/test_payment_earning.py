import psycopg2

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

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

    def test_missing_account_refused_at_activation(self):
        """Caught when the agreement is activated, never when a customer pays."""
        self.company.revshare_expense_account_id = False
        agreement = self.env["revshare.agreement"].create(
            {
                "name": "No expense account",
                "partner_id": self.agent.id,
                "journal_id": self.misc_journal.id,
                "rule_ids": [Command.create({"compute": "percent", "rate": 5.0})],
            }
        )
        self.assertEqual(agreement.trigger, "payment")
        with self.assertRaises(UserError) as error:
            agreement.action_activate()
        self.assertIn("expense account", error.exception.args[0])
        self.assertEqual(agreement.state, "draft")

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
                {
                    "account_id": self.payable_account.id,
                    "balance": -100.0,
                    "partner_id": self.reseller.id,
                },
                {
                    "account_id": self.expense_account.id,
                    "balance": 100.0,
                    "partner_id": self.reseller.id,
                },
            ],
        )
        self.assertEqual(self._payable_balance(self.reseller), 100.0)
        # Reachable from the payment, the agreement and the document, and back.
        self.assertEqual(payment.revshare_line_count, 1)
        self.assertEqual(payment.move_id.revshare_cash_line_count, 1)
        self.assertEqual(self.agreement.payment_line_count, 1)
        self.assertEqual(self.agreement.revshare_move_count, 1)
        self.assertEqual(entry.revshare_booked_line_count, 1)
        self.assertEqual(
            payment.action_view_revshare_moves()["domain"], [("id", "in", entry.ids)]
        )
        self.assertEqual(
            self.env["revshare.line"].search(
                payment.action_view_revshare_lines()["domain"]
            ),
            rows,
        )

    def test_two_payments_30_70(self):
        invoice = self._invoice(1000.0)
        self._pay(invoice, 300.0)
        self._pay(invoice, 700.0, date="2024-01-25")
        rows = self._earned(invoice)
        self.assertEqual(rows.mapped("amount"), [30.0, 70.0])
        self.assertEqual(rows.mapped("base_amount"), [300.0, 700.0])
        self.assertEqual(
            rows.mapped("date"), [self._date("2024-01-20"), self._date("2024-01-25")]
        )
        self.assertEqual(len(rows.move_id), 2, "one entry per payment event")
        self.assertEqual(self._payable_balance(self.reseller), 100.0)

    def test_two_payments_in_one_reconciliation(self):
        """Two payments reconciled with the invoice at once (one plan, whose
        partials are earned together when it is over): each earns its own part,
        dated and linked as if reconciled one after the other."""
        invoice = self._invoice(1000.0)
        first = self._posted_payment(300.0, "2024-01-20")
        second = self._posted_payment(700.0, "2024-01-25")
        lines = (
            self._receivable(invoice)
            | self._receivable(first.move_id)
            | self._receivable(second.move_id)
        )
        lines.reconcile()
        rows = self._earned(invoice).sorted("id")
        self.assertEqual(rows.mapped("amount"), [30.0, 70.0])
        self.assertEqual(rows.mapped("payment_move_id"), first.move_id + second.move_id)
        self.assertEqual(len(rows.partial_id), 2)
        self.assertEqual(
            rows.mapped("date"), [self._date("2024-01-20"), self._date("2024-01-25")]
        )
        self.assertEqual(self._payable_balance(self.reseller), 100.0)

    def test_partial_removed_in_its_reconciliation_batch(self):
        """A partial removed before its reconciliation batch is over has its
        rows earned first, then reversed: nothing is owed, nothing is left
        unbooked."""
        invoice = self._invoice(1000.0)
        payment = self._posted_payment(1000.0, "2024-01-20")
        Partial = self.env["account.partial.reconcile"]
        with Partial._revshare_booking_batch():
            (self._receivable(invoice) | self._receivable(payment.move_id)).reconcile()
            self.assertFalse(self._earned(invoice), "earned when the batch is over")
            self._receivable(payment.move_id).remove_move_reconcile()
        rows = self._earned(invoice)
        self.assertEqual(sorted(rows.mapped("amount")), [-100.0, 100.0])
        self.assertTrue(all(rows.mapped("move_id")))
        self.assertEqual(self._payable_balance(self.reseller), 0.0)

    def test_expected_remaining_follows_payments(self):
        """What is still expected of a share: the full share until paid, less what
        each payment earned, back up when a payment is undone."""
        invoice = self._invoice(1000.0)  # share 100.00
        expected = invoice.revshare_line_ids.filtered(lambda r: r.state == "expected")
        self.assertEqual(expected._revshare_expected_remaining(), {expected: 100.0})
        first = self._pay(invoice, 300.0)
        self.assertEqual(expected._revshare_expected_remaining(), {expected: 70.0})
        self._pay(invoice, 700.0)
        self.assertEqual(expected._revshare_expected_remaining(), {expected: 0.0})
        first.action_draft()
        self.assertEqual(expected._revshare_expected_remaining(), {expected: 30.0})

    def test_installments_30_70(self):
        """An invoice with two receivable lines (30% now, 70% later): the paid
        fraction is taken on the whole receivable."""
        invoice = self._invoice(1000.0, post=False)
        invoice.invoice_payment_term_id = self.pay_terms_b
        invoice.action_post()
        self.assertEqual(len(self._receivable(invoice)), 2)
        self._pay(invoice, 300.0)
        self.assertEqual(self._earned(invoice).mapped("amount"), [30.0])
        self._pay(invoice, 700.0, date="2024-03-01")
        self.assertEqual(self._earned(invoice).mapped("amount"), [30.0, 70.0])
        self.assertEqual(invoice.payment_state, "paid")

    def test_three_thirds_cent_remainder(self):
        invoice = self._invoice(100.0)  # share 10.00
        for amount in (33.33, 33.33, 33.34):
            self._pay(invoice, amount)
        rows = self._earned(invoice)
        # round(10 x 33.33%) = 3.33, round(10 x 66.66%) = 6.67, then the remainder.
        self.assertEqual(rows.mapped("amount"), [3.33, 3.34, 3.33])
        self.assertEqual(self._earned_total(invoice), 10.0)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(self._payable_balance(self.reseller), 10.0)

    def test_overpayment(self):
        invoice = self._invoice(1000.0)
        payment = self._pay(invoice, 1200.0)
        rows = self._earned(invoice)
        self.assertEqual(rows.mapped("amount"), [100.0])
        self.assertEqual(invoice.payment_state, "paid")
        # The excess stays an outstanding credit of the customer: no share on it.
        other = self._invoice(500.0, date="2024-01-15")
        other.js_assign_outstanding_line(
            self._receivable(payment.move_id)
            .filtered(lambda line: not line.reconciled)
            .id
        )
        self.assertEqual(self._earned(other).mapped("amount"), [20.0])
        self.assertEqual(self._payable_balance(self.reseller), 120.0)

    def test_unreconcile_and_reconcile_again(self):
        invoice = self._invoice(1000.0)
        first = self._pay(invoice, 300.0)
        self._pay(invoice, 700.0)
        first_rows = self._earned(invoice).filtered(lambda r: r.payment_id == first)
        partial = first_rows.partial_id
        invoice.js_remove_outstanding_partial(partial.id)
        rows = self._earned(invoice)
        self.assertEqual(rows.mapped("kind"), ["share", "share", "reversal"])
        self.assertEqual(rows.mapped("amount"), [30.0, 70.0, -30.0])
        reversal = rows[2]
        self.assertEqual(reversal.reversed_line_id, first_rows)
        self.assertEqual(reversal.payment_id, first)
        self.assertFalse(first_rows.partial_id, "the partial is gone")
        self.assertEqual(reversal.move_id.reversed_entry_id, first_rows.move_id)
        self.assertEqual(self._payable_balance(self.reseller), 70.0)
        self.assertEqual(first.revshare_line_count, 2)

        invoice.js_assign_outstanding_line(
            self._receivable(first.move_id)
            .filtered(lambda line: not line.reconciled)
            .id
        )
        rows = self._earned(invoice)
        self.assertEqual(rows.mapped("amount"), [30.0, 70.0, -30.0, 30.0])
        self.assertEqual(self._earned_total(invoice), 100.0)
        self.assertEqual(self._payable_balance(self.reseller), 100.0)

    def test_reset_payment_to_draft(self):
        invoice = self._invoice(1000.0)
        payment = self._pay(invoice)
        share = self._earned(invoice)
        payment.action_draft()
        rows = self._earned(invoice)
        self.assertEqual(rows.mapped("kind"), ["share", "reversal"])
        self.assertEqual(rows.mapped("amount"), [100.0, -100.0])
        self.assertEqual(rows[1].move_id.reversed_entry_id, share.move_id)
        self.assertEqual(self._payable_balance(self.reseller), 0.0)
        # Posted and matched again, it earns again.
        payment.action_post()
        invoice.js_assign_outstanding_line(
            self._receivable(payment.move_id)
            .filtered(lambda line: not line.reconciled)
            .id
        )
        self.assertEqual(self._earned_total(invoice), 100.0)
        self.assertEqual(self._payable_balance(self.reseller), 100.0)

    def test_reset_invoice_to_draft(self):
        invoice = self._invoice(1000.0)
        self._pay(invoice, 400.0)
        invoice.button_draft()
        self.assertEqual(self._earned(invoice).mapped("amount"), [40.0, -40.0])
        self.assertEqual(
            set(
                invoice.revshare_line_ids.filtered(
                    lambda r: not r.expected_line_id
                ).mapped("state")
            ),
            {"cancelled"},
        )
        self.assertEqual(self._payable_balance(self.reseller), 0.0)

    def test_credit_note_before_payment(self):
        invoice = self._invoice(1000.0)
        refund = self._invoice(200.0, move_type="out_refund")
        invoice.js_assign_outstanding_line(self._receivable(refund).id)
        self.assertFalse(self._earned(), "a credit note is no cash")
        self._pay(invoice)
        self.assertEqual(self._earned(invoice).mapped("amount"), [80.0])
        self.assertFalse(self._earned(refund))
        self.assertEqual(self._payable_balance(self.reseller), 80.0)

    def test_credit_note_after_partial_payment(self):
        invoice = self._invoice(1000.0)
        self._pay(invoice, 300.0)
        refund = self._invoice(200.0, move_type="out_refund")
        invoice.js_assign_outstanding_line(self._receivable(refund).id)
        self.assertEqual(self._earned_total(), 30.0)
        self._pay(invoice)  # the remaining 500
        self.assertEqual(self._earned(invoice).mapped("amount"), [30.0, 50.0])
        self.assertFalse(self._earned(refund))
        self.assertEqual(self._payable_balance(self.reseller), 80.0)

    def test_credit_note_after_full_payment_paid_out(self):
        invoice = self._invoice(1000.0)
        self._pay(invoice)
        refund = self._invoice(200.0, move_type="out_refund")
        self.assertEqual(self._earned_total(), 100.0)
        self._pay(refund, date="2024-02-05")
        clawback = self._earned(refund)
        self.assertRecordValues(
            clawback,
            [{"kind": "clawback", "amount": -20.0, "date": self._date("2024-02-05")}],
        )
        self.assertRecordValues(
            clawback.move_id.line_ids.sorted("balance"),
            [
                {"account_id": self.expense_account.id, "balance": -20.0},
                {"account_id": self.payable_account.id, "balance": 20.0},
            ],
        )
        self.assertEqual(self._earned_total(), 80.0)
        self.assertEqual(self._payable_balance(self.reseller), 80.0)

    def test_payment_in_locked_period(self):
        invoice = self._invoice(1000.0)
        payment = self._posted_payment(1000.0)
        self.company.fiscalyear_lock_date = "2024-01-31"
        invoice.js_assign_outstanding_line(self._receivable(payment.move_id).id)
        row = self._earned(invoice)
        # The row is earned at the payment date; its entry goes to the first open date.
        self.assertRecordValues(
            row, [{"amount": 100.0, "date": self._date("2024-01-20")}]
        )
        self.assertEqual(row.move_id.date, self._date("2024-02-01"))
        self.assertEqual(row.move_id.state, "posted")

    def test_bank_statement_line(self):
        invoice = self._invoice(1000.0)
        st_line = self._pay_by_statement(invoice, 1000.0)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertRecordValues(
            self._earned(invoice),
            [
                {
                    "amount": 100.0,
                    "payment_move_id": st_line.move_id.id,
                    "payment_id": False,
                    "date": self._date("2024-01-22"),
                }
            ],
        )
        self.assertEqual(st_line.move_id.revshare_cash_line_count, 1)
        self.assertEqual(self._payable_balance(self.reseller), 100.0)

    def test_write_off_is_no_cash(self):
        """Shares follow the cash received: a payment of 950 with a 50 write-off
        closes the invoice but earns 10% of 950."""
        invoice = self._invoice(1000.0)
        self._pay(
            invoice,
            950.0,
            payment_difference_handling="reconcile",
            writeoff_account_id=self.company_data["default_account_expense"].id,
            writeoff_label="Discount",
        )
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(self._earned(invoice).mapped("amount"), [95.0])

    def test_processing_twice_earns_once(self):
        invoice = self._invoice(1000.0)
        self._pay(invoice, 400.0)
        row = self._earned(invoice)
        row.partial_id._revshare_earn()
        self.assertEqual(
            self._earned(invoice), row, "the second run finds nothing to earn"
        )
        vals = row.copy_data()[0]
        vals.update(
            partial_id=row.partial_id.id, expected_line_id=row.expected_line_id.id
        )
        with self.assertRaises(psycopg2.IntegrityError), mute_logger("odoo.sql_db"):
            self.env["revshare.line"].sudo().create(vals)

    def test_booking_error_rolls_back_the_reconciliation(self):
        invoice = self._invoice(1000.0)
        # The expense account the rows are made with was deprecated since.
        self.expense_account.deprecated = True
        # (assertRaises, unlike assertRaisesRegex, rolls back to a savepoint as the
        # request would roll back its transaction.)
        with self.assertRaises(UserError) as error:
            self._pay(invoice)
        self.assertIn("could not be booked", error.exception.args[0])
        self.assertIn("is deprecated", error.exception.args[0])
        self.assertEqual(invoice.payment_state, "not_paid")
        self.assertFalse(self._receivable(invoice).matched_credit_ids)
        self.assertFalse(self._earned(invoice))

    def test_early_payment_discount_is_no_cash(self):
        """2% early-payment discount: the customer pays 980 for 1000, the partner
        earns on the 980 received."""
        terms = self._discount_terms()
        invoice = self._invoice(1000.0, post=False)
        invoice.invoice_payment_term_id = terms
        invoice.action_post()
        payment = self._pay(invoice, date="2024-01-15")
        self.assertEqual(payment.amount, 980.0)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(self._earned(invoice).mapped("amount"), [98.0])

    def test_our_documents_earn_nothing(self):
        invoice = self._invoice(1000.0)
        self._pay(invoice)
        entry = self._earned(invoice).move_id
        self.assertTrue(entry.revshare_origin)
        self.assertFalse(
            entry.revshare_line_ids.filtered(lambda r: r.invoice_id == entry)
        )


@tagged("post_install", "-at_install")
class TestPaymentEarningDocuments(RevsharePaymentCommon):
    """One document set per reconciliation batch (a register-payment wizard run, a
    reconciliation plan) and date: entry mode one entry per company, its lines per
    beneficiary, accounts and currency; bill mode one bill per beneficiary; each row
    linked to its document line; reversed exactly when a payment goes, in part
    when only some of the batch's payments go."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reseller_agreement = cls._create_agreement(cls.reseller, 10.0)
        cls.platform = cls.env["res.partner"].create({"name": "Platform Inc"})
        cls.platform_agreement = cls._create_agreement(cls.platform, 5.0)
        cls.bill_agreement = cls._create_agreement(cls.agent, 2.5, mode="bill")

    def test_entry_and_bill_and_reversals(self):
        invoices = self._invoice(1000.0) + self._invoice(600.0)
        payment = self._pay(invoices, group_payment=True)
        rows = self._earned()
        self.assertEqual(len(rows), 6)
        entries = rows.filtered(
            lambda r: r.agreement_id.settlement_mode == "entry"
        ).move_id
        self.assertEqual(len(entries), 1, "one entry per payment event and company")
        self.assertEqual(
            sorted(entries.line_ids.mapped("balance")), [-160.0, -80.0, 240.0]
        )
        bill = rows.filtered(lambda r: r.agreement_id == self.bill_agreement).move_id
        self.assertRecordValues(
            bill,
            [
                {
                    "move_type": "in_invoice",
                    "partner_id": self.agent.id,
                    "amount_total": 40.0,
                    "state": "posted",
                    "revshare_origin": True,
                }
            ],
        )
        self.assertEqual(self._payable_balance(self.agent), 40.0)
        self.assertEqual(self._payable_balance(self.reseller), 160.0)
        self.assertEqual(self._payable_balance(self.platform), 80.0)
        self.assertEqual(payment.revshare_line_count, 6)
        self.assertEqual(self.bill_agreement.revshare_move_count, 1)

        payment.action_draft()
        reversals = self._earned().filtered(lambda r: r.kind == "reversal")
        self.assertEqual(len(reversals), 6)
        refund = reversals.filtered(
            lambda r: r.agreement_id == self.bill_agreement
        ).move_id
        self.assertRecordValues(
            refund,
            [
                {
                    "move_type": "in_refund",
                    "amount_total": 40.0,
                    "partner_id": self.agent.id,
                }
            ],
        )
        reversed_entries = reversals.filtered(
            lambda r: r.agreement_id.settlement_mode == "entry"
        ).move_id
        self.assertEqual(reversed_entries.reversed_entry_id, entries)
        for partner in (self.agent, self.reseller, self.platform):
            self.assertEqual(self._payable_balance(partner), 0.0)

    def test_one_document_per_wizard_run(self):
        """Three invoices paid by one wizard run, one payment each: one entry and
        one bill for the run; undoing one payment reverses only its rows."""
        invoices = self._invoice(1000.0) + self._invoice(600.0) + self._invoice(400.0)
        payments = self._pay(invoices, group_payment=False)
        self.assertEqual(len(payments), 3)
        rows = self._earned()
        self.assertEqual(len(rows), 9)
        entry_rows = rows.filtered(lambda r: r.settlement_mode == "entry")
        entry = entry_rows.move_id
        self.assertEqual(len(entry), 1, "one entry per wizard run")
        self.assertEqual(
            sorted(entry.line_ids.mapped("balance")), [-200.0, -100.0, 300.0]
        )
        bill = rows.filtered(lambda r: r.settlement_mode == "bill").move_id
        self.assertEqual(len(bill), 1, "one bill per beneficiary and wizard run")
        self.assertEqual(bill.amount_total, 50.0)
        # Each row links to the payable line booking it (its beneficiary's), and
        # the line books its rows.
        for line, line_rows in entry_rows.grouped("move_line_id").items():
            self.assertEqual(line.move_id, entry)
            self.assertEqual(line.partner_id, line_rows.partner_id)
            self.assertEqual(line.balance, -sum(line_rows.mapped("amount_company")))
        for row in rows.filtered(lambda r: r.settlement_mode == "bill"):
            self.assertEqual(row.move_line_id.move_id, bill)
            self.assertEqual(row.move_line_id.price_subtotal, row.amount)

        # Undo the payment of the 600.00 invoice only: its rows are reversed in a
        # new entry and a credit note, the batch's documents stay as they are.
        payments.filtered(lambda p: p.amount == 600.0).action_draft()
        reversals = self._earned().filtered(lambda r: r.kind == "reversal")
        self.assertEqual(len(reversals), 3)
        self.assertEqual(
            reversals.reversed_line_id.invoice_id.mapped("amount_total"), [600.0]
        )
        reversal_entry = reversals.filtered(
            lambda r: r.settlement_mode == "entry"
        ).move_id
        self.assertEqual(len(reversal_entry), 1)
        self.assertNotEqual(reversal_entry, entry)
        self.assertEqual(entry.state, "posted")
        self.assertEqual(
            sorted(reversal_entry.line_ids.mapped("balance")),
            [-90.0, 30.0, 60.0],
        )
        self.assertTrue(all(reversals.mapped("move_line_id")))
        self.assertEqual(self._payable_balance(self.reseller), 140.0)
        self.assertEqual(self._payable_balance(self.platform), 70.0)
        self.assertEqual(self._payable_balance(self.agent), 35.0)
        for partner in (self.reseller, self.platform):
            self._assert_payable_is_ledger(partner)

    def test_whole_batch_undone_reverses_its_entry(self):
        """All the payments of a batch undone at once: Odoo's reversal of the whole
        entry, each reversal row linked to the copy of its original's line."""
        invoices = self._invoice(1000.0) + self._invoice(600.0)
        payments = self._pay(invoices, group_payment=False)
        entry_rows = self._earned().filtered(lambda r: r.settlement_mode == "entry")
        entry = entry_rows.move_id
        payments.action_draft()
        reversals = self._earned().filtered(
            lambda r: r.kind == "reversal" and r.settlement_mode == "entry"
        )
        self.assertEqual(reversals.move_id.reversed_entry_id, entry)
        for row in reversals:
            self.assertEqual(row.move_line_id.move_id, reversals.move_id)
            self.assertEqual(
                row.move_line_id.balance, -row.reversed_line_id.move_line_id.balance
            )
            self.assertEqual(
                row.move_line_id.account_id,
                row.reversed_line_id.move_line_id.account_id,
            )
        for partner in (self.reseller, self.platform):
            self.assertEqual(self._payable_balance(partner), 0.0)
