from lxml import html

from odoo import Command
from odoo.tests import tagged

from .common_portal import RevsharePortalCommon, _find, _text


@tagged("post_install", "-at_install")
class TestPortalTax(RevsharePortalCommon):
    """A self-billed statement with VAT as its partner sees it: the portal page and
    the PDF show the bill's untaxed, tax and total amounts and the self-billing
    number; the running account says it is untaxed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.vat = "FR23334175221"
        cls.reseller.vat = "FR40303265045"
        cls.vat_20 = cls.env["account.tax"].create(
            {"name": "VAT 20%", "amount": 20.0, "type_tax_use": "purchase"}
        )
        cls.vat_product = cls._create_product(
            name="Commission (VAT)",
            type="service",
            taxes_id=[Command.clear()],
            supplier_taxes_id=[Command.set(cls.vat_20.ids)],
        )
        cls.customer4 = cls.env["res.partner"].create({"name": "Taxed Customer"})
        cls.agreement_vat = cls._create_agreement(
            name="Self-billed resale",
            settlement_mode="periodic",
            product_id=cls.vat_product.id,
            bill_auto_post=True,
            self_billing=True,
            self_billing_accepted_date=cls.old_month,
            customer_ids=[Command.set(cls.customer4.ids)],
        )
        invoice = cls._create_invoice(
            [(cls.product_cloud, 1, 1000.0)],
            partner=cls.customer4,
            invoice_date=cls.last_month,
        )
        cls.statement_vat = cls._create_statement(
            cls.reseller,
            cls.last_month,
            cls.agreement_vat,
            invoice.revshare_line_ids,
        )
        cls.number = f"SB/{cls.statement_vat.bill_id.date.year}/0001"

    def test_bill_and_figures(self):
        bill = self.statement_vat.bill_id
        self.assertEqual(bill.state, "posted")
        self.assertEqual(bill.revshare_self_billing_number, self.number)
        self.assertRecordValues(
            self.statement_vat,
            [
                {
                    "amount_total": 100.0,
                    "bill_amount_untaxed": 100.0,
                    "bill_amount_tax": 20.0,
                    "bill_amount_total": 120.0,
                    "bill_self_billing_number": self.number,
                }
            ],
        )
        self.assertEqual(
            self.statement_vat._revshare_tax_breakdown(),
            [
                {
                    "name": "VAT 20%",
                    "base": 100.0,
                    "amount": 20.0,
                    "reverse_charge": False,
                }
            ],
        )

    def test_statement_page(self):
        tree = self._tree(f"/my/revshare/statements/{self.statement_vat.id}")
        [table] = _find(tree, "table.o_revshare_statement_taxes")
        rows = [_text(tr) for tr in _find(table, "tr")]
        self.assertEqual(
            rows,
            [
                f"Self-billing invoice {self.number}, issued by us on your behalf: "
                "the statement below is your copy.",
                "Untaxed amount $ 100.00",
                "Taxes $ 20.00",
                "Bill total, taxes included $ 120.00",
            ],
        )
        # A statement whose bill has no tax shows the same three figures.
        tree = self._tree(f"/my/revshare/statements/{self.statement_a.id}")
        [table] = _find(tree, "table.o_revshare_statement_taxes")
        self.assertEqual(
            [_text(tr) for tr in _find(table, "tr")],
            [
                "Untaxed amount $ 30.00",
                "Taxes $ 0.00",
                "Bill total, taxes included $ 30.00",
            ],
        )

    def test_statement_list_shows_taxes_and_total(self):
        tree = self._tree("/my/revshare/statements")
        [row] = [
            tr
            for tr in _find(tree, "tr.o_revshare_statement_row")
            if self.statement_vat.name in _text(tr)
        ]
        self.assertEqual(
            [_text(td) for td in _find(row, "td.o_revshare_bill_tax")],
            ["$ 20.00", "$ 120.00"],
        )

    def test_running_account_says_untaxed(self):
        tree = self._tree("/my/revshare")
        self.assertTrue(_find(tree, "p.o_revshare_untaxed_note"))

    def test_pdf_is_the_invoice_copy(self):
        page = _text(html.fromstring(self._statement_html(self.statement_vat)))
        for text in (
            f"Self-billing invoice {self.number}",
            "Self-billing: invoice issued by",
            "(VAT FR23334175221)",
            "(VAT FR40303265045)",
            "VAT 20% $ 100.00 $ 20.00",
            "Untaxed amount $ 100.00",
            "Taxes $ 20.00",
            "Bill total, taxes included $ 120.00",
        ):
            self.assertIn(text, page)

    def test_self_billing_mention_in_partner_words(self):
        """The mention is in the partner's language, names a party without a
        VAT number alone (no "VAT -") and dates the acceptance as the partner
        writes dates."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.reseller.write({"lang": "fr_FR", "vat": False})
        self.company.vat = False
        vals = self.env["account.move"]._revshare_self_billing_vals(
            self.agreement_vat, self.company, self.reseller
        )
        # In the partner's language (French here, the shipped translation).
        mention = vals["narration"]
        self.assertNotIn("TVA", mention)
        self.assertIn(f"émise par {self.company.name} au nom", mention)
        accepted = self.agreement_vat.self_billing_accepted_date
        self.assertIn(accepted.strftime("%d/%m/%Y"), mention)
