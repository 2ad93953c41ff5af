from lxml import html

from odoo import Command
from odoo.tests import tagged
from odoo.tools import format_date

from .common_portal import RevsharePortalCommon, _find, _text


@tagged("post_install", "-at_install")
class TestPortalStatementState(RevsharePortalCommon):
    """A statement's state and wording follow its bill wherever it is shown: a
    draft bill is not billed, an unpaid bill is not paid, a paid one says when."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        customer = cls.env["res.partner"].create({"name": "Reviewed Customer"})
        # Bills left in draft for the accountant to review (Odoo's default).
        cls.agreement_q = cls._create_agreement(
            name="Reviewed resale",
            settlement_mode="periodic",
            product_id=cls.bill_product.id,
            customer_ids=[Command.set(customer.ids)],
        )
        invoice = cls._create_invoice(
            [(cls.product_cloud, 1, 200.0)],
            partner=customer,
            invoice_date=cls.last_month,
        )
        cls.statement_q = cls._create_statement(
            cls.reseller, cls.last_month, cls.agreement_q, invoice.revshare_line_ids
        )
        cls.bill_q = cls.statement_q.bill_id

    def _account(self):
        return self.reseller._revshare_running_account()[0]

    def _row(self, statement):
        tree = self._tree("/my/revshare/statements")
        [row] = [
            [_text(td) for td in _find(tr, "td")]
            for tr in _find(tree, "tr.o_revshare_statement_row")
            if statement.name in _text(tr)
        ]
        return row

    def _pdf_text(self, statement):
        return _text(html.fromstring(self._statement_html(statement)))

    def test_draft_bill_is_not_billed(self):
        self.assertEqual(self.bill_q.state, "draft")
        self.assertEqual(self.statement_q.state, "confirmed")
        account = self._account()
        # Owed 270 + 20: nothing billed, the draft bill is not in the books.
        self.assertEqual(account["billed"], 0.0)
        self.assertEqual(account["to_settle"], 290.0)
        self.assertEqual(self.reseller.revshare_amount_billed, 0.0)
        self.assertEqual(self.agreement_q.amount_to_settle, 20.0)
        # Statement, period, bill, amount, bill taxes, bill total, status.
        row = self._row(self.statement_q)
        self.assertEqual(
            [row[i] for i in (2, 3, 4, 5, 6)], ["", "$ 20.00", "", "", "Confirmed"]
        )
        tree = self._tree(f"/my/revshare/statements/{self.statement_q.id}")
        self.assertFalse(_find(tree, "a.o_revshare_bill_link"))
        self.assertFalse(_find(tree, "table.o_revshare_statement_taxes"))
        page = _text(tree)
        self.assertNotIn("Bill:", page)
        self.assertNotIn("paid", page.lower().replace("unpaid", ""))
        pdf = self._pdf_text(self.statement_q)
        for text in ("Draft Bill", "Bill:", "Paid", "paid"):
            self.assertNotIn(text, pdf)

    def test_posted_bill_is_billed_not_paid(self):
        self.bill_q.action_post()
        self.assertEqual(self.statement_q.state, "billed")
        account = self._account()
        self.assertEqual(account["billed"], 20.0)
        self.assertEqual(account["to_settle"], 270.0)
        self.assertEqual(self.agreement_q.amount_to_settle, 0.0)
        row = self._row(self.statement_q)
        self.assertEqual([row[i] for i in (2, 6)], [self.bill_q.name, "Billed"])
        note = f"Billed by bill {self.bill_q.name}, not paid yet."
        self.assertEqual(self.statement_q._revshare_bill_note(), note)
        tree = self._tree(f"/my/revshare/statements/{self.statement_q.id}")
        self.assertEqual(_text(_find(tree, "span.o_revshare_bill_note")[0]), note)
        [table] = _find(tree, "table.o_revshare_statement_taxes")
        self.assertEqual(
            _text(_find(table, "tr")[-1]), "Bill total, taxes included $ 20.00"
        )
        pdf = self._pdf_text(self.statement_q)
        self.assertIn(note, pdf)
        self.assertNotIn("Paid", pdf)

    def test_paid_statement_says_when(self):
        self.assertEqual(self.statement_a.state, "paid")
        note = (
            f"Paid on {format_date(self.env, self.this_month)} "
            f"by bill {self.bill_a.name}."
        )
        self.assertEqual(self.statement_a._revshare_bill_note(), note)
        tree = self._tree(f"/my/revshare/statements/{self.statement_a.id}")
        self.assertEqual(_text(_find(tree, "span.o_revshare_bill_note")[0]), note)
        self.assertIn(note, self._pdf_text(self.statement_a))

    def test_pdf_names_the_company_and_speaks_french(self):
        """The statement's body names the company (whatever the PDF engine does
        with the layout's header), rates and amounts as a French reader writes
        them, and rows brought forward from an earlier period say so."""
        self.company.partner_id.write({"street": "1 Revenue Street", "vat": False})
        self.company.vat = "US123456789"
        self.env["res.lang"]._activate_lang("fr_FR")
        self.reseller.lang = "fr_FR"
        tree = html.fromstring(self._statement_html(self.statement_a))
        [identity] = _find(tree, "div[name='company_identity']")
        for text in (self.company.name, "1 Revenue Street", "US123456789"):
            self.assertIn(text, _text(identity))
        page = _text(tree)
        self.assertIn("10,00 %", page)
        self.assertNotIn("10.00%", page)
        self.assertIn("$ 50,00", page)
        # A row of an earlier period on this month's statement.
        row = (
            self.env["revshare.line"]
            .sudo()
            .create(
                {
                    "agreement_id": self.agreement_q.id,
                    "partner_id": self.reseller.id,
                    "company_id": self.company.id,
                    "currency_id": self.currency.id,
                    "date": self.old_month,
                    "amount": 5.0,
                    "state": "earned",
                }
            )
        )
        statement = self._create_statement(
            self.reseller, self.this_month, self.agreement_q, row, confirm=False
        )
        tree = html.fromstring(self._statement_html(statement))
        self.assertEqual(len(_find(tree, "div[name='brought_forward']")), 1)
        self.assertTrue(_find(tree, "p[name='rows_brought_forward']"))
