import csv
import io

from dateutil.relativedelta import relativedelta
from lxml import html

from odoo import Command, fields
from odoo.tests import HttpCase, tagged

from .common import RevsharePaymentCommon


def _amount(node):
    """The number of a monetary cell ("$ 1,234.50" -> 1234.5)."""
    text = node.text_content().replace("\xa0", " ")
    for char in ("\u200b", "\ufeff", "\u2060"):
        text = text.replace(char, "")
    return float(text.split()[-1].replace(",", ""))


@tagged("post_install", "-at_install")
class TestPaymentFigures(RevsharePaymentCommon, HttpCase):
    """One dataset, every page: a figure is the same number in the backend
    (grouped read of the analysis, invoice button, partner form, agreement), the
    portal (running account, agreement, CSV) and the statement PDF.

    The reseller earns 10% on payment: invoice A (1,000.00, share 100.00) is paid
    300.00 (30.00 earned, 70.00 still expected); invoice B (500.00, share 50.00) is
    paid in full and its 50.00 is on a statement sent to the reseller (settled;
    not billed: a journal-entry agreement's statement has no bill); a credit
    note of 200.00 (share -20.00) is refunded in cash (a clawback of -20.00, not
    on a statement yet). All this month."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = fields.Date.today()
        cls.agreement = cls._create_agreement(cls.reseller, 10.0)
        cls.invoice_a = cls._invoice(1000.0, date=today)
        cls._pay(cls.invoice_a, 300.0, date=today)
        cls.invoice_b = cls._invoice(500.0, date=today)
        cls._pay(cls.invoice_b, date=today)
        cls.refund = cls._invoice(200.0, date=today, move_type="out_refund")
        cls._pay(cls.refund, date=today)
        rows_b = cls.invoice_b.revshare_line_ids.filtered(lambda r: r.state == "earned")
        cls.statement = (
            cls.env["revshare.settlement"]
            .sudo()
            .create(
                {
                    "partner_id": cls.reseller.id,
                    "company_id": cls.company.id,
                    "currency_id": cls.company.currency_id.id,
                    "date_from": today.replace(day=1),
                    "date_to": today.replace(day=1) + relativedelta(months=1, days=-1),
                    "agreement_ids": [Command.set(cls.agreement.ids)],
                }
            )
        )
        cls.statement._revshare_link_lines([rows_b.ids])
        cls.statement.action_confirm()
        cls.portal_user = cls._create_user(
            "revshare_figures_portal", "base.group_portal"
        )
        cls.portal_user.partner_id.parent_id = cls.reseller

    def test_backend_figures(self):
        self.assertEqual(self.statement.state, "confirmed")
        [(earned, expected)] = self.env["revshare.line"]._read_group(
            [("partner_id", "=", self.reseller.id), ("state", "!=", "cancelled")],
            [],
            ["amount_earned_company:sum", "amount_expected_company:sum"],
        )
        # 30.00 + 50.00 - 20.00 earned; 70.00 of invoice A still expected.
        self.assertAlmostEqual(earned, 60.0)
        self.assertAlmostEqual(expected, 70.0)
        # The invoice button: 30.00 earned + 70.00 still expected, not 130.00.
        self.assertEqual(self.invoice_a.revshare_amount, 100.0)
        self.assertEqual(self.invoice_b.revshare_amount, 50.0)
        self.assertEqual(self.refund.revshare_amount, -20.0)
        partner = self.reseller
        self.assertEqual(partner.revshare_amount_earned, 60.0)
        self.assertEqual(partner.revshare_amount_to_settle, 60.0)
        self.assertEqual(partner.revshare_amount_billed, 0.0)
        self.assertEqual(partner.revshare_amount_expected, 70.0)
        agreement = self.agreement
        self.assertEqual(agreement.amount_earned, 60.0)
        self.assertEqual(agreement.amount_settled, 50.0)
        self.assertEqual(agreement.amount_to_settle, 60.0)
        self.assertEqual(agreement.amount_expected, 70.0)
        # The credit note's cash is a clawback: sections add up.
        self.assertEqual(self.statement.amount_share, 50.0)
        self.assertEqual(self.statement.amount_clawback, 0.0)

    def test_portal_figures(self):
        self.authenticate("revshare_figures_portal", "revshare_figures_portal")
        tree = html.fromstring(self.url_open("/my/revshare").content)

        def card(css):
            return _amount(tree.xpath(f"//div[contains(@class, '{css}')]/div[2]")[0])

        self.assertEqual(card("o_revshare_earned"), 80.0)
        self.assertEqual(card("o_revshare_clawbacks"), -20.0)
        self.assertEqual(card("o_revshare_expected"), 70.0)
        self.assertEqual(card("o_revshare_settled"), 50.0)
        self.assertEqual(card("o_revshare_to_settle"), 60.0)
        self.assertEqual(card("o_revshare_billed"), 0.0)
        self.assertEqual(card("o_revshare_balance"), 60.0)
        page = html.fromstring(
            self.url_open(f"/my/revshare/agreements/{self.agreement.id}").content
        )
        for css, amount in (
            ("o_revshare_agreement_earned", 60.0),
            ("o_revshare_agreement_unsettled", 60.0),
            ("o_revshare_agreement_expected", 70.0),
        ):
            node = page.xpath(f"//div[contains(@class, '{css}')]")[0]
            self.assertEqual(_amount(node), amount, css)
        response = self.url_open("/my/revshare/lines/csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(sum(float(r["Still Expected"]) for r in rows), 70.0)
        self.assertEqual(
            sum(float(r["Amount"]) for r in rows if r["State"] != "Expected"), 60.0
        )
        report = self.url_open(
            f"/my/revshare/statements/{self.statement.id}?report_type=html"
        ).text
        self.assertIn("50.00", report)
