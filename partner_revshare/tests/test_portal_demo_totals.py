import csv
import io
from unittest.mock import patch

from dateutil.relativedelta import relativedelta
from lxml import html

from odoo import fields
from odoo.tests import HttpCase, tagged

from odoo.addons.partner_revshare.controllers.portal import RevsharePortal

from .common_portal import _find, _text


def _amount(text):
    """The number of a displayed amount ("$ 1,007.50", "$ -80.00")."""
    return float(text.split()[-1].replace(",", ""))


@tagged("post_install", "-at_install")
class TestPortalDemoTotals(HttpCase):
    """On the demo data, as its reseller and its accountant see it: every list
    adds up to the running account's figure it stands for (ledger, CSV, kind
    filters, statements, agreements, partner form, analysis)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reseller = cls.env.ref(
            "partner_revshare.revshare_demo_partner_reseller",
            raise_if_not_found=False,
        )
        if cls.reseller:
            [cls.account] = cls.reseller._revshare_running_account()
            cls.currency = cls.account["currency"]

    def setUp(self):
        super().setUp()
        if not self.reseller:
            self.skipTest("installed without demo data")
        self.authenticate("reseller@example.com", "reseller")

    def _page(self, url):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, url)
        return html.fromstring(response.content)

    def _csv(self, query=""):
        response = self.url_open(f"/my/revshare/lines/csv{query}")
        self.assertEqual(response.status_code, 200)
        return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))

    def _ledger(self, query=""):
        """(kind, amount) of every ledger row of the portal, on one page."""
        with patch.object(RevsharePortal, "_items_per_page", 1000):
            tree = self._page(f"/my/revshare/lines{query}")
        rows = []
        for tr in _find(tree, "tr.o_revshare_line"):
            kind = (_find(tr, "td")[5].text or "").strip()
            amount = _text(_find(tr, "span.o_revshare_amount")[0])
            rows.append((kind, _amount(amount)))
        return rows

    def assertSum(self, amounts, figure, message=None):
        self.assertEqual(self.currency.round(sum(amounts)), figure, message)

    def test_ledger_and_csv_add_up(self):
        account = self.account
        # Net earned and still expected: each row counted once.
        total = self.currency.round(account["earned_total"] + account["expected"])
        rows = self._csv()
        self.assertTrue(rows)
        self.assertSum([float(r["Amount"]) for r in rows], total)
        self.assertSum([float(r["Still Expected"]) for r in rows], account["expected"])
        self.assertSum([amount for __, amount in self._ledger()], total)

    def test_every_kind_filter_finds_its_rows(self):
        """The kind of a row is its statement section: filtering on each finds
        the rows the running account sums (clawbacks: the credit note's too)."""
        month_from = self.account["date_from"].strftime("%Y-%m")
        kinds = dict(
            self.env["revshare.line"]
            ._fields["section"]
            ._description_selection(self.env)
        )
        for kind, label in kinds.items():
            rows = self._csv(f"?kind={kind}")
            self.assertEqual({r["Kind"] for r in rows} - {label}, set(), kind)
            self.assertEqual(
                {k for k, __ in self._ledger(f"?kind={kind}")} - {label}, set(), kind
            )
            if kind == "clawback":
                in_period = [
                    float(r["Amount"]) for r in rows if r["Date"][:7] >= month_from
                ]
                self.assertTrue(in_period)
                self.assertSum(in_period, self.account["clawbacks"])

    def test_statements_add_up(self):
        Settlement = self.env["revshare.settlement"]
        states = dict(Settlement._fields["state"]._description_selection(self.env))
        tree = self._page("/my/revshare/statements")
        billed, paid = [], []
        for tr in _find(tree, "tr.o_revshare_statement_row"):
            cells = [_text(td) for td in _find(tr, "td")]
            if cells[-1] == states["billed"]:
                billed.append(_amount(cells[3]))
            elif cells[-1] == states["paid"]:
                paid.append(_amount(cells[3]))
        self.assertSum(billed, self.account["billed"])
        self.assertSum(paid, self.account["paid"] + self._paid_before())

    def _paid_before(self):
        statements = self.env["revshare.settlement"].search(
            [
                ("partner_id", "child_of", self.reseller.ids),
                ("state", "=", "paid"),
                ("date_to", "<", self.account["date_from"]),
            ]
        )
        return sum(statements.mapped("amount_total"))

    def test_agreements_add_up(self):
        tree = self._page("/my/revshare/agreements")
        earned, to_settle = [], []
        for tr in _find(tree, "tr.o_revshare_agreement_row"):
            cells = [_text(td) for td in _find(tr, "td")]
            earned.append(_amount(cells[3]))
            to_settle.append(_amount(cells[4]))
        self.assertSum(earned, self.account["earned_total"])
        self.assertSum(to_settle, self.account["to_settle"])

    def test_partner_form_and_analysis_add_up(self):
        account = self.account
        self.assertRecordValues(
            self.reseller,
            [
                {
                    "revshare_amount_earned": account["earned_total"],
                    "revshare_amount_to_settle": account["to_settle"],
                    "revshare_amount_billed": account["billed"],
                    "revshare_amount_expected": account["expected"],
                }
            ],
        )
        # The analysis (pivot) sums the same two measures.
        [(earned, expected)] = self.env["revshare.line"]._read_group(
            [
                ("partner_id", "child_of", self.reseller.ids),
                ("state", "!=", "cancelled"),
                ("currency_id", "=", self.currency.id),
            ],
            [],
            ["amount_earned:sum", "amount_expected:sum"],
        )
        self.assertEqual(self.currency.round(earned), account["earned_total"])
        self.assertEqual(self.currency.round(expected), account["expected"])

    def test_demo_cron_has_nothing_to_do(self):
        """The demo settles what it shows as settled: the daily cron, on the day
        of the install, plans no statement (the demo stays as documented)."""
        Settlement = self.env["revshare.settlement"]
        day = fields.Date.context_today(Settlement) - relativedelta(days=1)
        companies = self.env["res.company"].search([])
        plan = Settlement._revshare_plan(day, companies=companies)
        self.assertEqual(plan.settlements, [])
