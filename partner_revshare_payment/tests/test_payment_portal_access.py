from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import RevsharePaymentCommon


@tagged("post_install", "-at_install")
class TestPaymentPortalAccess(RevsharePaymentCommon):
    """A portal partner reads, over the ORM as over JSON-RPC, the rows the portal
    shows and how payments earned them (expected row, earned rows), without an
    AccessError; the cash behind them (payment, cash entry, partial reconcile) is
    the company's books, like accounts, journals and company amounts.

    The reseller earns 10% on payment: an invoice of 1,000.00 paid 300.00 (30.00
    earned, 70.00 still expected), then a second payment of 200.00 undone (20.00
    earned and reversed). The agent earns on another customer's paid invoice."""

    # What the portal ledger shows of a row (revshare.line._revshare_portal_values)
    # and the links between the rows of one share.
    PORTAL_FIELDS = (
        "date",
        "agreement_id",
        "kind",
        "state",
        "settlement_id",
        "invoice_id",
        "customer_id",
        "product_id",
        "currency_id",
        "base_amount",
        "rate",
        "amount",
        "amount_earned",
        "amount_expected",
        "section",
        "expected_line_id",
        "earned_line_ids",
        "reversed_line_id",
        "reversal_line_ids",
    )
    BOOKS_FIELDS = (
        "partial_id",
        "payment_id",
        "payment_move_id",
        "move_id",
        "amount_company",
        "amount_earned_company",
        "amount_expected_company",
        "expense_account_id",
        "payable_account_id",
    )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = fields.Date.today()
        other_customer = cls.env["res.partner"].create({"name": "Other Customer"})
        cls.agreement = cls._create_agreement(
            cls.reseller, 10.0, customer_ids=[Command.set(cls.customer.ids)]
        )
        cls._create_agreement(
            cls.agent, 5.0, customer_ids=[Command.set(other_customer.ids)]
        )
        cls.invoice = cls._invoice(1000.0, date=today)
        cls._pay(cls.invoice, 300.0, date=today)
        undone = cls._pay(cls.invoice, 200.0, date=today)
        undone.move_id.button_draft()
        cls.other_invoice = cls._invoice(400.0, date=today, partner=other_customer)
        cls._pay(cls.other_invoice, date=today)
        cls.rows = cls.env["revshare.line"].search(
            [("partner_id", "=", cls.reseller.id)], order="id"
        )
        cls.portal_user = cls._create_user(
            "revshare_payment_portal", "base.group_portal"
        )
        cls.portal_user.partner_id.parent_id = cls.reseller

    def test_dataset(self):
        expected = self.rows.filtered(lambda r: r.state == "expected")
        earned = self.rows - expected
        self.assertEqual(expected.amount, 100.0)
        self.assertEqual(expected.amount_expected, 70.0)
        self.assertEqual(sorted(earned.mapped("amount")), [-20.0, 20.0, 30.0])
        self.assertEqual(len(earned.partial_id), 1, "the undone partial is gone")
        self.assertEqual(len(earned.payment_move_id), 2)

    def test_portal_reads_its_rows_and_their_links(self):
        Line = self.env["revshare.line"].with_user(self.portal_user)
        rows = Line.search([], order="id")
        self.assertEqual(rows, self.rows, "only its own rows, none of the agent's")
        values = {row["id"]: row for row in rows.read(list(self.PORTAL_FIELDS))}
        expected = self.rows.filtered(lambda r: r.state == "expected")
        self.assertEqual(values[expected.id]["amount_expected"], 70.0)
        self.assertEqual(
            sorted(values[expected.id]["earned_line_ids"]),
            sorted((self.rows - expected).ids),
        )
        for row in self.rows - expected:
            self.assertEqual(values[row.id]["expected_line_id"][0], expected.id)
        reversal = self.rows.filtered(lambda r: r.kind == "reversal")
        self.assertEqual(
            values[reversal.id]["reversed_line_id"][0], reversal.reversed_line_id.id
        )
        # Every field the portal user may read, at once, as a JSON-RPC client does:
        # no computed field reaches the books on the way.
        everything = rows.read()
        for fname in self.BOOKS_FIELDS:
            self.assertNotIn(fname, everything[0])
        self.assertNotIn("partial_id", Line.fields_get())
        # The page's own values, searched as the portal user.
        portal_values = rows._revshare_portal_values()
        self.assertEqual(
            {v["id"]: v["amount_expected"] for v in portal_values}[expected.id], 70.0
        )
        # The agreement's figures the portal shows; the backend's stat button
        # counting rows by their cash entry is not one of them.
        agreement = self.agreement.with_user(self.portal_user)
        [figures] = agreement.read(
            ["name", "state", "trigger", "amount_earned", "amount_expected"]
        )
        self.assertEqual(figures["trigger"], "payment")
        self.assertEqual(figures["amount_earned"], 30.0)
        self.assertEqual(figures["amount_expected"], 70.0)
        self.assertNotIn("payment_line_count", agreement.fields_get())

    def test_portal_cannot_read_the_books(self):
        rows = self.rows.with_user(self.portal_user)
        for fname in self.BOOKS_FIELDS:
            with self.subTest(field=fname):
                with self.assertRaises(AccessError):
                    rows.read([fname])
                with self.assertRaises(AccessError):
                    rows.search([(fname, "!=", False)])
        earned = self.rows.filtered("payment_move_id")
        with self.assertRaises(AccessError):
            earned.payment_move_id.with_user(self.portal_user).check_access("read")
        with self.assertRaises(AccessError):
            earned.partial_id.with_user(self.portal_user).check_access("read")
        agreement = self.agreement.with_user(self.portal_user)
        for fname in (
            "journal_id",
            "expense_account_id",
            "payable_account_id",
            "salesperson_ids",
        ):
            with self.subTest(field=fname), self.assertRaises(AccessError):
                agreement.read([fname])
