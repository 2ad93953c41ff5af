from odoo import fields
from odoo.tests import tagged

from .common import RevshareCommon


@tagged("post_install", "-at_install")
class TestRevshareAccounting(RevshareCommon):
    """Booking earned shares (journal entry, vendor bill, periodic) and undoing them
    when the invoice goes back to draft or is cancelled."""

    def _payable_balance(self, partner):
        lines = self.env["account.move.line"].search(
            [
                ("partner_id", "=", partner.id),
                ("account_id", "=", self.payable_account.id),
                ("parent_state", "=", "posted"),
            ]
        )
        return sum(lines.mapped("balance"))

    def _move_lines(self, move):
        return sorted(
            (line.account_id, line.partner_id, line.debit, line.credit)
            for line in move.line_ids
        )

    def test_entry_booked_at_posting(self):
        agreement = self._create_agreement(rules=[{"rate": 10.0}])
        invoice = self._create_invoice(
            [(self.product_cloud, 3, 100.0), (self.product_service, 2, 50.0)]
        )
        rows = self._rows(invoice)
        self.assertEqual(rows.mapped("amount"), [30.0, 10.0])
        move = rows.move_id
        self.assertEqual(len(move), 1)
        self.assertEqual(move.move_type, "entry")
        self.assertEqual(move.state, "posted")
        self.assertTrue(move.revshare_origin)
        self.assertEqual(move.journal_id, self.misc_journal)
        self.assertEqual(move.date, fields.Date.to_date("2026-03-10"))
        self.assertEqual(move.ref, invoice.name)
        self.assertEqual(
            self._move_lines(move),
            sorted(
                [
                    (self.expense_account, self.reseller, 40.0, 0.0),
                    (self.payable_account, self.reseller, 0.0, 40.0),
                ]
            ),
        )
        self.assertEqual(self._payable_balance(self.reseller), -40.0)
        self.assertFalse(move.revshare_line_ids)  # our entry earns nothing
        self.assertEqual(agreement.amount_to_settle, 40.0)

    def test_entry_of_credit_note_swaps_sides(self):
        self._create_agreement()
        refund = self._create_invoice(
            [(self.product_cloud, 2, 100.0)], move_type="out_refund"
        )
        move = self._rows(refund).move_id
        self.assertEqual(
            self._move_lines(move),
            sorted(
                [
                    (self.expense_account, self.reseller, 0.0, 20.0),
                    (self.payable_account, self.reseller, 20.0, 0.0),
                ]
            ),
        )

    def test_reset_to_draft_reverses(self):
        agreement = self._create_agreement()
        invoice = self._create_invoice([(self.product_cloud, 3, 100.0)])
        original = self._rows(invoice)
        entry = original.move_id
        invoice.button_draft()
        rows = self._rows(invoice)
        self.assertEqual(len(rows), 2)
        reversal = rows - original
        self.assertEqual(reversal.kind, "reversal")
        self.assertEqual(reversal.state, "earned")
        self.assertEqual(reversal.amount, -30.0)
        self.assertEqual(reversal.amount_company, -30.0)
        self.assertEqual(reversal.base_amount, -300.0)
        self.assertEqual(reversal.reversed_line_id, original)
        self.assertEqual(original.state, "earned")  # history is kept as it was
        self.assertEqual(original.amount, 30.0)
        reverse_move = reversal.move_id
        self.assertEqual(reverse_move.reversed_entry_id, entry)
        self.assertTrue(reverse_move.revshare_origin)
        self.assertEqual(reverse_move.state, "posted")
        self.assertEqual(
            self._move_lines(reverse_move),
            sorted(
                [
                    (self.expense_account, self.reseller, 0.0, 30.0),
                    (self.payable_account, self.reseller, 30.0, 0.0),
                ]
            ),
        )
        self.assertEqual(self._payable_balance(self.reseller), 0.0)
        self.assertEqual(invoice.revshare_amount, 0.0)
        self.assertEqual(agreement.amount_earned, 0.0)
        # Posting again earns again, once.
        invoice.action_post()
        rows = self._rows(invoice)
        self.assertEqual(rows.mapped("amount"), [30.0, -30.0, 30.0])
        self.assertEqual(self._payable_balance(self.reseller), -30.0)
        self.assertEqual(agreement.amount_earned, 30.0)
        # A second reset reverses only the new row.
        invoice.button_draft()
        self.assertEqual(
            self._rows(invoice).mapped("amount"), [30.0, -30.0, 30.0, -30.0]
        )
        self.assertEqual(self._payable_balance(self.reseller), 0.0)

    def test_cancel_reverses(self):
        self._create_agreement()
        invoice = self._create_invoice([(self.product_cloud, 1, 100.0)])
        invoice.button_cancel()
        self.assertEqual(invoice.state, "cancel")
        self.assertEqual(self._rows(invoice).mapped("amount"), [10.0, -10.0])
        self.assertEqual(self._rows(invoice).mapped("kind"), ["share", "reversal"])
        self.assertEqual(self._payable_balance(self.reseller), 0.0)

    def test_expected_rows_cancelled_on_reset(self):
        """Rows waiting for another trigger (expected) are cancelled, not reversed."""
        self._create_agreement(
            settlement_mode="periodic", product_id=self.bill_product.id
        )
        invoice = self._create_invoice([(self.product_cloud, 1, 100.0)])
        row = self._rows(invoice)
        # An expected row as the payment trigger leaves it (written by our code).
        expected = row.sudo().copy({"state": "expected", "kind": "share"})
        invoice.button_draft()
        self.assertEqual(expected.state, "cancelled")
        self.assertEqual(expected.reversal_line_ids.ids, [])
        self.assertEqual(len(row.reversal_line_ids), 1)

    def test_bill_mode(self):
        self._create_agreement(settlement_mode="bill", product_id=self.bill_product.id)
        invoice = self._create_invoice(
            [(self.product_cloud, 3, 100.0), (self.product_service, 1, 50.0)]
        )
        rows = self._rows(invoice)
        bill = rows.move_id
        self.assertEqual(len(bill), 1)
        self.assertEqual(bill.move_type, "in_invoice")
        self.assertEqual(bill.state, "posted")
        self.assertEqual(bill.partner_id, self.reseller)
        self.assertEqual(bill.journal_id, self.purchase_journal)
        self.assertTrue(bill.revshare_origin)
        self.assertEqual(bill.amount_total, 35.0)
        self.assertEqual(bill.invoice_line_ids.mapped("price_subtotal"), [30.0, 5.0])
        self.assertEqual(bill.invoice_line_ids.product_id, self.bill_product)
        self.assertEqual(bill.invoice_line_ids.account_id, self.expense_account)
        self.assertEqual(self._payable_balance(self.reseller), -35.0)
        invoice.button_draft()
        refund = self._rows(invoice).filtered(lambda r: r.kind == "reversal").move_id
        self.assertEqual(len(refund), 1)
        self.assertEqual(refund.move_type, "in_refund")
        self.assertEqual(refund.state, "posted")
        self.assertEqual(refund.amount_total, 35.0)
        self.assertEqual(self._payable_balance(self.reseller), 0.0)

    def test_bill_of_credit_note_is_vendor_refund(self):
        self._create_agreement(settlement_mode="bill", product_id=self.bill_product.id)
        refund = self._create_invoice(
            [(self.product_cloud, 1, 100.0)], move_type="out_refund"
        )
        bill = self._rows(refund).move_id
        self.assertEqual(bill.move_type, "in_refund")
        self.assertEqual(bill.amount_total, 10.0)
        self.assertEqual(self._payable_balance(self.reseller), 10.0)

    def test_periodic_mode_books_nothing(self):
        self._create_agreement(
            settlement_mode="periodic", product_id=self.bill_product.id
        )
        invoice = self._create_invoice([(self.product_cloud, 1, 100.0)])
        row = self._rows(invoice)
        self.assertEqual(row.state, "earned")
        self.assertFalse(row.move_id)
        invoice.button_draft()
        self.assertEqual(self._rows(invoice).mapped("amount"), [10.0, -10.0])
        self.assertFalse(self._rows(invoice).move_id)

    def test_locked_period_books_on_first_open_day(self):
        self._create_agreement(settlement_mode="bill", product_id=self.bill_product.id)
        self.company.purchase_lock_date = "2026-03-31"
        invoice = self._create_invoice([(self.product_cloud, 1, 100.0)])
        bill = self._rows(invoice).move_id
        self.assertEqual(bill.date, fields.Date.to_date("2026-04-01"))
        self.assertEqual(bill.state, "posted")

    def test_two_agreements_one_entry(self):
        a = self._create_agreement()
        b = self._create_agreement(
            partner_id=self.techpartner.id, rules=[{"rate": 5.0}]
        )
        invoice = self._create_invoice([(self.product_cloud, 2, 100.0)])
        move = self._rows(invoice).move_id
        self.assertEqual(len(move), 1)
        self.assertEqual(self._rows(invoice, a).move_id, move)
        self.assertEqual(self._rows(invoice, b).move_id, move)
        self.assertEqual(self._payable_balance(self.reseller), -20.0)
        self.assertEqual(self._payable_balance(self.techpartner), -10.0)
        # The entry leads back to the rows it books, and the invoice to its rows.
        self.assertEqual(move.revshare_booked_line_count, 2)
        Line = self.env["revshare.line"]
        self.assertEqual(
            Line.search(move.action_view_revshare_booked_lines()["domain"]),
            self._rows(invoice),
        )
        self.assertEqual(
            Line.search(invoice.action_view_revshare_lines()["domain"]),
            self._rows(invoice),
        )

    def test_payable_and_journal_defaults_from_company(self):
        other_payable = self.payable_account.copy({"code": "211099"})
        self.company.write(
            {
                "revshare_payable_account_id": other_payable.id,
                "revshare_expense_account_id": self.expense_account.id,
            }
        )
        self._create_agreement(expense_account_id=False, journal_id=False)
        invoice = self._create_invoice([(self.product_cloud, 1, 100.0)])
        move = self._rows(invoice).move_id
        self.assertEqual(move.journal_id.type, "general")
        payable_line = move.line_ids.filtered("credit")
        self.assertEqual(payable_line.account_id, other_payable)
        self.assertEqual(payable_line.credit, 10.0)

    def test_entry_in_agreement_currency(self):
        """EUR invoice (3 EUR per USD), partner paid in EUR: the entry is in company
        currency with the EUR amount as amount in currency."""
        eur = self.setup_other_currency("EUR", rates=[("2016-01-01", 3.0)])
        self._create_agreement(currency_id=eur.id)
        invoice = self._create_invoice([(self.product_cloud, 1, 100.0)], currency=eur)
        row = self._rows(invoice)
        self.assertEqual((row.amount, row.amount_company), (10.0, 3.33))
        lines = row.move_id.line_ids.sorted("balance")
        self.assertEqual(lines.mapped("balance"), [-3.33, 3.33])
        self.assertEqual(lines.mapped("amount_currency"), [-10.0, 10.0])
        self.assertEqual(lines.currency_id, eur)
        self.assertEqual(
            [line.account_id for line in lines],
            [self.payable_account, self.expense_account],
        )
        # Reset: Odoo's reversal gives back exactly the same amounts.
        invoice.button_draft()
        reverse_lines = (self._rows(invoice) - row).move_id.line_ids.sorted("balance")
        self.assertEqual(reverse_lines.mapped("balance"), [-3.33, 3.33])
        self.assertEqual(reverse_lines.mapped("amount_currency"), [-10.0, 10.0])
        self.assertEqual(self._payable_balance(self.reseller), 0.0)

    def test_partial_reversal_books_a_new_entry(self):
        """Reversing only some rows of an entry (as a payment event may) books the
        opposite of those rows; the original entry stays as it is."""
        a = self._create_agreement()
        b = self._create_agreement(
            partner_id=self.techpartner.id, rules=[{"rate": 5.0}]
        )
        invoice = self._create_invoice([(self.product_cloud, 2, 100.0)])
        entry = self._rows(invoice).move_id
        reversal = self._rows(invoice, b)._revshare_reverse(date="2026-03-20")
        self.assertEqual(reversal.amount, -10.0)
        self.assertEqual(reversal.kind, "reversal")
        self.assertNotEqual(reversal.move_id, entry)
        self.assertFalse(reversal.move_id.reversed_entry_id)
        self.assertEqual(reversal.move_id.date, fields.Date.to_date("2026-03-20"))
        self.assertEqual(
            self._move_lines(reversal.move_id),
            sorted(
                [
                    (self.expense_account, self.techpartner, 0.0, 10.0),
                    (self.payable_account, self.techpartner, 10.0, 0.0),
                ]
            ),
        )
        self.assertEqual(entry.state, "posted")
        self.assertEqual(self._payable_balance(self.techpartner), 0.0)
        self.assertEqual(self._payable_balance(self.reseller), -20.0)
        # Reversing again is a no-op, and so is reversing a reversal.
        self.assertFalse(self._rows(invoice, b)._revshare_reverse())
        self.assertEqual(len(self._rows(invoice, b)), 2)
        self.assertEqual(self._rows(invoice, a).mapped("amount"), [20.0])

    def test_reversal_in_locked_period(self):
        self._create_agreement()
        invoice = self._create_invoice([(self.product_cloud, 1, 100.0)])
        row = self._rows(invoice)
        self.company.fiscalyear_lock_date = "2026-03-31"
        reversal = row._revshare_reverse(date="2026-03-15")
        self.assertEqual(reversal.date, fields.Date.to_date("2026-03-15"))
        self.assertEqual(reversal.move_id.date, fields.Date.to_date("2026-04-01"))
        self.assertEqual(reversal.move_id.reversed_entry_id, row.move_id)
        self.assertEqual(reversal.move_id.state, "posted")
        self.assertEqual(self._payable_balance(self.reseller), 0.0)
