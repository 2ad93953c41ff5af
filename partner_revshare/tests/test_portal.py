import csv
import io
import re
from html import unescape
from unittest.mock import patch

from dateutil.relativedelta import relativedelta
from lxml import html

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tests.common import new_test_user
from odoo.tools import mute_logger

from odoo.addons.partner_revshare.controllers.portal import RevsharePortal

from .common import RevshareCommon


def _find(node, css):
    """Nodes under ``node`` matching a small CSS subset (lxml's cssselect is not
    installed): descendant parts separated by spaces, each ``tag``, ``.class``,
    ``tag.class``, optionally followed by ``[attr='value']``."""
    xpath = "."
    for part in css.split():
        match = re.fullmatch(r"(\w*)(?:\.([\w-]+))?(?:\[([\w-]+)='([^']*)'\])?", part)
        tag, cls, attr, value = match.groups()
        xpath += "//" + (tag or "*")
        if cls:
            xpath += f"[contains(concat(' ', normalize-space(@class), ' '), ' {cls} ')]"
        if attr:
            xpath += f"[@{attr}='{value}']"
    return node.xpath(xpath)


def _text(node):
    """Visible text of an HTML node with the formatting characters of monetary
    values (no-break and zero-width spaces) normalised."""
    text = node.text_content()
    for char in ("\xa0", "\u2060", "\ufeff", "\u200b"):
        text = text.replace(char, " " if char == "\xa0" else "")
    return " ".join(text.split())


class RevsharePortalCommon(RevshareCommon, HttpCase):
    """Two partners, A (``reseller``) and B (``techpartner``), each with a portal
    user who is a contact of the partner (so the commercial partner is what
    counts), agreements, posted invoices, hand-made ledger rows (clawback,
    expected, cancelled) and statements, all dated relative to today so that the
    running account is exact whatever the day.

    A's ledger (10% agreements): 200.00 thirteen months ago on a confirmed
    statement; 50.00 (journal-entry agreement) and 30.00 (periodic agreement,
    billed and paid) last month on a paid statement of 80.00; 100.00 this month
    on a draft statement (not issued: earned for the partner); a clawback of
    -30.00, an expected 40.00 and a cancelled 999.00 this month. B: 40.00 this
    month on a confirmed statement. An accountant follows A's paid statement."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        today = fields.Date.today()
        cls.this_month = today.replace(day=1)
        cls.last_month = cls.this_month - relativedelta(months=1)
        cls.old_month = cls.this_month - relativedelta(months=13)
        cls.customer.write(
            {"email": "customer.one@example.com", "phone": "+3212345678"}
        )
        cls.secret_customer = cls.env["res.partner"].create(
            {"name": "Secret Customer Of B", "email": "secret@example.com"}
        )
        cls.agreement_a = cls._create_agreement(
            name="Cloud resale",
            rules=[{"rate": 10.0, "max_amount": 250.0}],
            customer_ids=[Command.set((cls.customer | cls.customer2).ids)],
        )
        cls.agreement_b = cls._create_agreement(
            name="Tech integration",
            partner_id=cls.techpartner.id,
            customer_ids=[Command.set(cls.secret_customer.ids)],
            rules=[{"rate": 5.0}],
        )
        cls.agreement_a_draft = cls._create_agreement(
            name="Draft terms",
            activate=False,
            customer_ids=[Command.set(cls.customer.ids)],
        )
        cls.invoice_1 = cls._create_invoice(
            [(cls.product_cloud, 1, 1000.0)], invoice_date=cls.this_month
        )
        cls.invoice_2 = cls._create_invoice(
            [(cls.product_service, 1, 500.0)],
            partner=cls.customer2,
            invoice_date=cls.last_month,
        )
        cls.invoice_old = cls._create_invoice(
            [(cls.product_cloud, 2, 1000.0)], invoice_date=cls.old_month
        )
        cls.invoice_b = cls._create_invoice(
            [(cls.product_cloud, 1, 800.0)],
            partner=cls.secret_customer,
            invoice_date=cls.this_month,
        )
        cls.row_1 = cls.invoice_1.revshare_line_ids
        cls.row_2 = cls.invoice_2.revshare_line_ids
        cls.row_old = cls.invoice_old.revshare_line_ids
        cls.row_b = cls.invoice_b.revshare_line_ids
        cls.customer3 = cls.env["res.partner"].create({"name": "Periodic Customer"})
        cls.agreement_p = cls._create_agreement(
            name="Periodic resale",
            settlement_mode="periodic",
            product_id=cls.bill_product.id,
            bill_auto_post=True,
            hold_days=15,
            min_payout=100.0,
            period_cap=500.0,
            customer_ids=[Command.set(cls.customer3.ids)],
        )
        cls.invoice_p = cls._create_invoice(
            [(cls.product_cloud, 1, 300.0)],
            partner=cls.customer3,
            invoice_date=cls.last_month,
        )
        cls.row_p = cls.invoice_p.revshare_line_ids
        # The ledger is written by code only (sudo).
        Line = cls.env["revshare.line"].sudo()
        common = {
            "agreement_id": cls.agreement_a.id,
            "partner_id": cls.reseller.id,
            "company_id": cls.company.id,
            "currency_id": cls.currency.id,
        }
        cls.row_clawback = Line.create(
            dict(
                common,
                kind="clawback",
                state="earned",
                date=cls.this_month,
                amount=-30.0,
                customer_id=cls.customer.id,
                invoice_id=cls.invoice_1.id,
            )
        )
        cls.row_expected = Line.create(
            dict(
                common,
                kind="share",
                state="expected",
                date=cls.this_month,
                amount=40.0,
                base_amount=400.0,
                rate=10.0,
                customer_id=cls.customer2.id,
            )
        )
        cls.row_cancelled = Line.create(
            dict(
                common,
                kind="share",
                state="cancelled",
                date=cls.this_month,
                amount=999.0,
                customer_id=cls.customer2.id,
            )
        )
        cls._create_statements()
        cls.portal_a = cls._create_portal_user("revshare_portal_a", cls.reseller)
        cls.portal_b = cls._create_portal_user("revshare_portal_b", cls.techpartner)
        cls.accountant = new_test_user(
            cls.env,
            login="revshare_accountant",
            groups="base.group_user,partner_revshare.group_revshare_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.statement_a.message_subscribe(partner_ids=cls.accountant.partner_id.ids)

    @classmethod
    def _create_statement(cls, partner, date_from, agreements, rows, confirm=True):
        """A monthly statement holding ``rows``, linked as the settlement run links
        them (earned rows, one update that settles them), confirmed when asked."""
        statement = (
            cls.env["revshare.settlement"]
            .sudo()
            .create(
                {
                    "partner_id": partner.id,
                    "company_id": cls.company.id,
                    "currency_id": cls.currency.id,
                    "date_from": date_from,
                    "date_to": date_from + relativedelta(months=1, days=-1),
                    "agreement_ids": [Command.set(agreements.ids)],
                }
            )
        )
        statement._revshare_link_lines([rows.ids])
        if confirm:
            statement.action_confirm()
        return statement

    @classmethod
    def _create_statements(cls):
        cls.statement_old = cls._create_statement(
            cls.reseller, cls.old_month, cls.agreement_a, cls.row_old
        )
        cls.statement_a = cls._create_statement(
            cls.reseller,
            cls.last_month,
            cls.agreement_a | cls.agreement_p,
            cls.row_2 | cls.row_p,
        )
        cls.bill_a = cls.statement_a.bill_id
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=cls.bill_a.ids
        ).create({"payment_date": cls.this_month})._create_payments()
        cls.statement_a_draft = cls._create_statement(
            cls.reseller, cls.this_month, cls.agreement_a, cls.row_1, confirm=False
        )
        cls.statement_b = cls._create_statement(
            cls.techpartner, cls.this_month, cls.agreement_b, cls.row_b
        )

    @classmethod
    def _create_portal_user(cls, login, partner):
        user = new_test_user(
            cls.env,
            login=login,
            groups="base.group_portal",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        user.partner_id.parent_id = partner
        return user

    def _get(self, url, login="revshare_portal_a", **kwargs):
        if login:
            self.authenticate(login, login)
        response = self.url_open(url, **kwargs)
        self.assertEqual(response.status_code, 200, url)
        return response

    def _tree(self, url, login="revshare_portal_a"):
        return html.fromstring(self._get(url, login).content)

    def _csrf(self, url, login="revshare_portal_a"):
        """Open the statement page and return the CSRF token of its forms."""
        tree = self._tree(url, login)
        return tree.xpath(
            "//form[contains(@class, 'o_revshare_dispute')]//input[@name='csrf_token']"
        )[0].get("value")

    def _messages(self, statement):
        return self.env["mail.message"].search(
            [
                ("model", "=", "revshare.settlement"),
                ("res_id", "=", statement.id),
                ("message_type", "=", "comment"),
            ]
        )

    def _assert_redirected_away(self, url, login="revshare_portal_a"):
        """The request ends on another page (portal home or list) with a redirect."""
        if login:
            self.authenticate(login, login)
        response = self.url_open(url, allow_redirects=False)
        self.assertIn(response.status_code, (301, 302, 303), url)
        return response


@tagged("post_install", "-at_install")
class TestPortalPages(RevsharePortalCommon):
    """Home counters, running account, agreements and ledger, and their access."""

    def test_home_counters(self):
        self.authenticate("revshare_portal_a", "revshare_portal_a")
        counters = self.make_jsonrpc_request(
            "/my/counters",
            {"counters": ["revshare_agreement_count", "revshare_statement_count"]},
        )
        # The draft agreement and statement are not counted.
        self.assertEqual(counters["revshare_agreement_count"], 2)
        self.assertEqual(counters["revshare_statement_count"], 2)
        # Once counted, the session remembers the entry and the home shows it.
        tree = html.fromstring(self.url_open("/my").content)
        card = [
            div
            for div in _find(tree, "div.o_portal_index_card")
            if _find(div, "a[href='/my/revshare']")
        ]
        self.assertEqual(len(card), 1)
        self.assertNotIn("d-none", card[0].get("class"))
        # B counts its own agreement only.
        self.authenticate("revshare_portal_b", "revshare_portal_b")
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["revshare_agreement_count"]}
        )
        self.assertEqual(counters["revshare_agreement_count"], 1)

    def test_running_account(self):
        tree = self._tree("/my/revshare")
        sections = _find(tree, "section.o_revshare_account")
        self.assertEqual(len(sections), 1)
        section = sections[0]

        def card(css):
            box = _find(section, css)[0]
            return _text((_find(box, "div.fs-5") or _find(box, "div.fs-4"))[0])

        # 2000 x 10% before the period; 1000, 500 and 300 x 10% in the period.
        self.assertEqual(card(".o_revshare_opening"), "$ 200.00")
        self.assertEqual(card(".o_revshare_earned"), "$ 180.00")
        self.assertEqual(card(".o_revshare_clawbacks"), "$ -30.00")
        self.assertEqual(card(".o_revshare_expected"), "$ 40.00")
        # Last month's statement; this month's is still a draft.
        self.assertEqual(card(".o_revshare_settled"), "$ 80.00")
        self.assertEqual(card(".o_revshare_paid"), "$ 80.00")
        # 200 + 180 - 30 - 80; the cancelled 999 and B's 40 count nowhere.
        self.assertEqual(card(".o_revshare_balance"), "$ 270.00")
        months = _find(section, "tr.o_revshare_month")
        self.assertEqual(len(months), 12)
        # Newest month first: earned, clawbacks, expected, settled, paid out.
        expected = {
            0: ["100.00", "-30.00", "40.00", "0.00", "0.00"],
            1: ["80.00", "0.00", "0.00", "80.00", "80.00"],
            2: ["0.00", "0.00", "0.00", "0.00", "0.00"],
        }
        for index, amounts in expected.items():
            cells = [_text(td) for td in _find(months[index], "td")]
            self.assertEqual([c.split()[-1] for c in cells[1:]], amounts, cells)

    def test_settled_in_draft_statement(self):
        """A row already settled in a statement the accounting team has not
        confirmed yet is earned for the partner: not settled, no statement."""
        self.row_1.sudo().state = "settled"  # linked to the draft statement
        tree = self._tree("/my/revshare")
        self.assertEqual(
            _text(_find(tree, ".o_revshare_settled div.fs-5")[0]), "$ 80.00"
        )
        self.assertNotIn(
            self.row_1.id, self._line_ids("/my/revshare/lines?state=settled")
        )
        self.assertIn(self.row_1.id, self._line_ids("/my/revshare/lines?state=earned"))
        rows = self._csv("?kind=share&sortby=amount")
        self.assertEqual(rows[2][3:5], ["Earned", ""])
        tree = self._tree("/my/revshare/agreements")
        cells = [
            [_text(td) for td in _find(tr, "td")]
            for tr in _find(tree, "tr.o_revshare_agreement_row")
        ]
        self.assertIn(
            [self.agreement_a.display_name, "$ 320.00", "$ 70.00"],
            [[row[0], row[3], row[4]] for row in cells],
        )

    def test_running_account_queries_flat(self):
        """The running account reads grouped sums: more rows, months, kinds and
        states cost no extra query."""
        self.authenticate("revshare_portal_a", "revshare_portal_a")

        def count_queries():
            before = self.cr.sql_log_count
            response = self.url_open("/my/revshare")
            self.assertEqual(response.status_code, 200)
            return self.cr.sql_log_count - before

        count_queries()  # routing map, templates and session caches
        queries = count_queries()
        self.env["revshare.line"].sudo().create(
            [
                {
                    "agreement_id": self.agreement_a.id,
                    "partner_id": self.reseller.id,
                    "company_id": self.company.id,
                    "currency_id": self.currency.id,
                    "kind": ("share", "clawback", "adjustment")[i % 3],
                    "state": ("earned", "expected")[i % 2],
                    "date": self.this_month - relativedelta(months=i % 14),
                    "amount": 1.0,
                }
                for i in range(84)
            ]
        )
        self.env.flush_all()
        self.assertEqual(count_queries(), queries)

    def test_running_account_partner_b(self):
        tree = self._tree("/my/revshare", login="revshare_portal_b")
        balance = _text(_find(tree, ".o_revshare_balance .fs-4")[0])
        self.assertEqual(balance, "$ 40.00")
        self.assertNotIn("270.00", tree.text_content())

    def test_running_account_many_rows(self):
        """Rows spread over fifteen months add up exactly: 50 rows of 1.00, of
        which 12 are dated before the period (opening balance)."""
        rows_before = self.env["revshare.line"].search_count([])
        self.env["revshare.line"].sudo().create(
            [
                {
                    "agreement_id": self.agreement_a.id,
                    "partner_id": self.reseller.id,
                    "company_id": self.company.id,
                    "currency_id": self.currency.id,
                    "kind": "share",
                    "state": "earned",
                    "date": self.last_month - relativedelta(months=i % 15),
                    "amount": 1.0,
                }
                for i in range(50)
            ]
        )
        self.assertEqual(self.env["revshare.line"].search_count([]), rows_before + 50)
        tree = self._tree("/my/revshare")
        opening = _text(_find(tree, ".o_revshare_opening .fs-5")[0])
        self.assertEqual(opening, "$ 212.00")
        self.assertEqual(_text(_find(tree, ".o_revshare_earned .fs-5")[0]), "$ 218.00")
        self.assertEqual(_text(_find(tree, ".o_revshare_balance .fs-4")[0]), "$ 320.00")

    def test_agreements_list(self):
        tree = self._tree("/my/revshare/agreements")
        rows = {
            _text(_find(tr, "a")[0]): [_text(td) for td in _find(tr, "td")]
            for tr in _find(tree, "tr.o_revshare_agreement_row")
        }
        self.assertEqual(
            set(rows), {self.agreement_a.display_name, self.agreement_p.display_name}
        )
        # Earned and not yet on an issued statement: the draft's 100 and the
        # clawback are not settled for the partner.
        self.assertEqual(
            rows[self.agreement_a.display_name][3:5], ["$ 320.00", "$ 70.00"]
        )
        self.assertEqual(
            rows[self.agreement_p.display_name][3:5], ["$ 30.00", "$ 0.00"]
        )
        page = tree.text_content()
        self.assertNotIn("Tech integration", page)
        self.assertNotIn("Draft terms", page)

    def test_agreement_detail_plain_words(self):
        tree = self._tree(f"/my/revshare/agreements/{self.agreement_a.id}")
        terms = {
            _text(dt): _text(dd)
            for dt, dd in zip(
                _find(tree, ".o_revshare_terms dt"),
                _find(tree, ".o_revshare_terms dd"),
                strict=True,
            )
        }
        self.assertEqual(
            terms["Scope"], "Sales to customers Customer One, Customer Two."
        )
        self.assertEqual(
            terms["When"],
            "A share is earned as soon as the customer invoice is issued.",
        )
        rules = [_text(li) for li in _find(tree, ".o_revshare_rules li")]
        self.assertEqual(len(rules), 1)
        self.assertIn("10% of the base", rules[0])
        self.assertIn("250.00 per line", rules[0])
        page = tree.text_content()
        # No internal accounts, journals or codes of the chart.
        for internal in (
            self.expense_account.code,
            self.expense_account.name,
            self.misc_journal.name,
        ):
            self.assertNotIn(internal, page)
        self.assertEqual(
            _text(_find(tree, "div.o_revshare_agreement_earned")[0]), "$ 320.00"
        )
        self.assertEqual(
            _text(_find(tree, "div.o_revshare_agreement_unsettled")[0]), "$ 70.00"
        )

    def test_agreement_detail_settlement_terms(self):
        tree = self._tree(f"/my/revshare/agreements/{self.agreement_p.id}")
        terms = {
            _text(dt): _text(dd)
            for dt, dd in zip(
                _find(tree, ".o_revshare_terms dt"),
                _find(tree, ".o_revshare_terms dd"),
                strict=True,
            )
        }
        self.assertEqual(terms["Payment"], "Shares are paid with a monthly statement.")
        self.assertEqual(
            terms["Holding period"],
            "A share can be paid 15 days after it is earned (refund window).",
        )
        self.assertEqual(
            terms["Minimum payout"],
            "Below $ 100.00, the balance waits for the next statement.",
        )
        self.assertEqual(
            terms["Maximum per period"], "At most $ 500.00 per statement period."
        )
        self.assertEqual(terms["Scope"], "Sales to customers Periodic Customer.")

    def test_agreement_denied(self):
        # B's agreement, a draft agreement of A, a guessed id: back to /my, no data.
        for agreement_id in (
            self.agreement_b.id,
            self.agreement_a_draft.id,
            self.agreement_b.id + 1000,
        ):
            response = self._assert_redirected_away(
                f"/my/revshare/agreements/{agreement_id}"
            )
            self.assertTrue(response.headers["Location"].endswith("/my"))
            self.assertNotIn("Tech integration", response.text)

    def test_public_user_redirected_to_login(self):
        self.authenticate(None, None)
        for url in ("/my/revshare", "/my/revshare/lines", "/my/revshare/lines/csv"):
            response = self.url_open(url, allow_redirects=False)
            self.assertIn(response.status_code, (302, 303), url)
            self.assertIn("/web/login", response.headers["Location"], url)

    def test_internal_users(self):
        """An employee without revenue-share rights gets no page (no error); a
        revenue-share manager opening the portal sees its own (empty) account,
        not every partner's."""
        new_test_user(
            self.env, login="revshare_plain_employee", groups="base.group_user"
        )
        for url in ("/my/revshare", "/my/revshare/lines", "/my/revshare/agreements"):
            response = self._assert_redirected_away(
                url, login="revshare_plain_employee"
            )
            self.assertTrue(response.headers["Location"].endswith("/my"), url)
        new_test_user(
            self.env,
            login="revshare_manager_employee",
            groups="base.group_user,partner_revshare.group_revshare_manager",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        tree = self._tree("/my/revshare", login="revshare_manager_employee")
        self.assertFalse(_find(tree, "section.o_revshare_account"))
        self.assertFalse(
            self._line_ids("/my/revshare/lines", "revshare_manager_employee")
        )
        rows = self._csv(login="revshare_manager_employee")
        self.assertEqual(len(rows), 1)

    def test_portal_record_rules(self):
        """The ORM itself hides B's records from A's portal user."""
        env_a = self.env(user=self.portal_a)
        # A draft agreement is still being negotiated: not the partner's yet.
        self.assertEqual(
            env_a["revshare.agreement"].search([]),
            self.agreement_a | self.agreement_p,
        )
        self.assertEqual(
            env_a["revshare.line"].search([]),
            (
                self.row_1
                | self.row_2
                | self.row_old
                | self.row_p
                | self.row_clawback
                | self.row_expected
                | self.row_cancelled
            ),
        )
        # Drafts are the accounting team's work in progress.
        self.assertEqual(
            env_a["revshare.settlement"].search([]),
            self.statement_old | self.statement_a,
        )
        with self.assertRaises(AccessError):
            env_a["revshare.settlement"].browse(self.statement_b.id).read(["name"])
        with self.assertRaises(AccessError):
            env_a["revshare.settlement"].browse(self.statement_a_draft.id).read(
                ["name"]
            )
        with self.assertRaises(AccessError):
            env_a["revshare.line"].browse(self.row_b.id).read(["amount"])
        with self.assertRaises(AccessError):
            env_a["revshare.agreement"].browse(self.agreement_b.id).read(["name"])
        with self.assertRaises(AccessError):
            env_a["revshare.line"].browse(self.row_1.id).write({"state": "settled"})

    # ------------------------------------------------------------------
    # Ledger
    # ------------------------------------------------------------------

    def _line_ids(self, url, login="revshare_portal_a"):
        tree = self._tree(url, login)
        return [int(tr.get("data-line_id")) for tr in _find(tree, "tr.o_revshare_line")]

    def test_lines_all(self):
        ids = self._line_ids("/my/revshare/lines")
        # Cancelled and B's rows are not shown; newest first.
        self.assertEqual(
            set(ids),
            {
                self.row_1.id,
                self.row_2.id,
                self.row_old.id,
                self.row_p.id,
                self.row_clawback.id,
                self.row_expected.id,
            },
        )
        self.assertEqual(ids[-1], self.row_old.id)
        tree = self._tree("/my/revshare/lines")

        def cells(row):
            tr = _find(tree, f"tr.o_revshare_line[data-line_id='{row.id}']")[0]
            return [_text(td) for td in _find(tr, "td")]

        # Date, agreement, invoice, customer, product, kind, state, statement,
        # base, rate, amount. The draft statement's row is earned for the partner.
        self.assertEqual(
            cells(self.row_1)[2:8],
            [
                self.invoice_1.name,
                "Customer One",
                self.product_cloud.display_name,
                "Share",
                "Earned",
                "",
            ],
        )
        self.assertEqual(cells(self.row_1)[-1], "$ 100.00")
        self.assertEqual(cells(self.row_2)[6:8], ["Settled", self.statement_a.name])
        link = _find(tree, f"tr.o_revshare_line[data-line_id='{self.row_2.id}'] a")
        self.assertEqual(
            link[0].get("href"), f"/my/revshare/statements/{self.statement_a.id}"
        )
        self.assertNotIn("customer.one@example.com", tree.text_content())

    def test_lines_filters(self):
        base = "/my/revshare/lines"
        self.assertEqual(
            self._line_ids(f"{base}?kind=clawback"), [self.row_clawback.id]
        )
        self.assertEqual(
            self._line_ids(f"{base}?state=expected"), [self.row_expected.id]
        )
        # Settled: on an issued statement; the draft statement's row is earned.
        self.assertEqual(
            set(self._line_ids(f"{base}?state=settled")),
            {self.row_2.id, self.row_old.id, self.row_p.id},
        )
        self.assertEqual(
            set(self._line_ids(f"{base}?state=earned")),
            {self.row_1.id, self.row_clawback.id},
        )
        month = self.this_month.strftime("%Y-%m")
        self.assertEqual(
            set(self._line_ids(f"{base}?period={month}")),
            {self.row_1.id, self.row_clawback.id, self.row_expected.id},
        )
        self.assertEqual(
            self._line_ids(f"{base}?period={month}&kind=share&state=earned"),
            [self.row_1.id],
        )
        self.assertEqual(
            set(self._line_ids(f"{base}?period={self.old_month.year}"))
            & {self.row_old.id},
            {self.row_old.id},
        )
        self.assertEqual(
            len(self._line_ids(f"{base}?agreement={self.agreement_a.id}")), 5
        )
        self.assertEqual(
            self._line_ids(f"{base}?agreement={self.agreement_p.id}"), [self.row_p.id]
        )
        # Bad values are ignored rather than failing.
        self.assertEqual(len(self._line_ids(f"{base}?kind=nonsense&period=20x6")), 6)
        # The cancelled state cannot be asked for.
        self.assertEqual(len(self._line_ids(f"{base}?state=cancelled")), 6)

    def test_lines_sorting_and_pages(self):
        base = "/my/revshare/lines"
        ids = self._line_ids(f"{base}?sortby=amount")
        self.assertEqual(ids[0], self.row_old.id)  # 200.00
        self.assertEqual(ids[-1], self.row_clawback.id)  # -30.00
        self.assertEqual(self._line_ids(f"{base}?sortby=date_asc")[0], self.row_old.id)
        with patch.object(RevsharePortal, "_items_per_page", 2):
            page_1 = self._line_ids(f"{base}?sortby=amount")
            page_3 = self._line_ids(f"{base}/page/3?sortby=amount")
            tree = self._tree(f"{base}/page/2?sortby=amount&kind=share")
        self.assertEqual(len(ids), 6)
        self.assertEqual(page_1, ids[:2])
        self.assertEqual(page_3, ids[4:])
        # The pager keeps the filters.
        links = [a.get("href") for a in _find(tree, ".o_portal_pager a")]
        self.assertTrue(any("kind=share" in (link or "") for link in links), links)

    def test_lines_agreement_of_other_partner(self):
        response = self._assert_redirected_away(
            f"/my/revshare/lines?agreement={self.agreement_b.id}"
        )
        self.assertTrue(response.headers["Location"].endswith("/my/revshare/lines"))
        self.assertNotIn(
            self.secret_customer.name, self._get("/my/revshare/lines").text
        )

    def _csv(self, query="", login="revshare_portal_a"):
        response = self._get(f"/my/revshare/lines/csv{query}", login)
        self.assertIn("text/csv", response.headers["Content-Type"])
        self.assertIn("attachment", response.headers["Content-Disposition"])
        # UTF-8 with a byte-order mark: spreadsheets then read accents right.
        self.assertTrue(response.content.startswith("\ufeff".encode()))
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))

    def test_lines_csv(self):
        rows = self._csv("?kind=share&sortby=amount")
        self.assertEqual(
            rows[0],
            [
                "Date",
                "Agreement",
                "Kind",
                "State",
                "Statement",
                "Invoice",
                "Customer",
                "Product",
                "Currency",
                "Base",
                "Rate (%)",
                "Amount",
                "Still Expected",
            ],
        )
        code = self.agreement_a.display_name
        currency = self.currency.name
        self.assertEqual(
            rows[1:],
            [
                [
                    fields.Date.to_string(self.old_month),
                    code,
                    "Share",
                    "Settled",
                    self.statement_old.name,
                    self.invoice_old.name,
                    "Customer One",
                    self.product_cloud.display_name,
                    currency,
                    "2000.00",
                    "10.0000",
                    "200.00",
                    "0.00",
                ],
                [
                    fields.Date.to_string(self.this_month),
                    code,
                    "Share",
                    "Earned",
                    "",
                    self.invoice_1.name,
                    "Customer One",
                    self.product_cloud.display_name,
                    currency,
                    "1000.00",
                    "10.0000",
                    "100.00",
                    "0.00",
                ],
                [
                    fields.Date.to_string(self.last_month),
                    code,
                    "Share",
                    "Settled",
                    self.statement_a.name,
                    self.invoice_2.name,
                    "Customer Two",
                    self.product_service.display_name,
                    currency,
                    "500.00",
                    "10.0000",
                    "50.00",
                    "0.00",
                ],
                [
                    fields.Date.to_string(self.this_month),
                    code,
                    "Share",
                    "Expected",
                    "",
                    "",
                    "Customer Two",
                    "",
                    currency,
                    "400.00",
                    "10.0000",
                    "40.00",
                    "40.00",
                ],
                [
                    fields.Date.to_string(self.last_month),
                    self.agreement_p.display_name,
                    "Share",
                    "Settled",
                    self.statement_a.name,
                    self.invoice_p.name,
                    "Periodic Customer",
                    self.product_cloud.display_name,
                    currency,
                    "300.00",
                    "10.0000",
                    "30.00",
                    "0.00",
                ],
            ],
        )
        content = "\n".join(",".join(r) for r in rows)
        for private in ("customer.one@example.com", "+3212345678", "Secret Customer"):
            self.assertNotIn(private, content)

    def test_lines_csv_all_pages_and_filters(self):
        with patch.object(RevsharePortal, "_items_per_page", 2):
            rows = self._csv()
        self.assertEqual(len(rows), 1 + 6)
        self.assertEqual(len(self._csv("?kind=clawback")), 2)
        rows_b = self._csv(login="revshare_portal_b")
        self.assertEqual(len(rows_b), 2)
        self.assertEqual(rows_b[1][6], "Secret Customer Of B")

    def test_lines_csv_denied(self):
        self.authenticate("revshare_portal_a", "revshare_portal_a")
        for agreement in (self.agreement_b.id, self.agreement_b.id + 1000, "x1"):
            response = self.url_open(f"/my/revshare/lines/csv?agreement={agreement}")
            self.assertEqual(response.status_code, 404, agreement)
            self.assertNotIn("Secret Customer", response.text)

    def test_lines_csv_formula_injection(self):
        self.customer2.name = '=HYPERLINK("http://evil")'
        rows = self._csv("?state=expected")
        self.assertEqual(rows[1][6], '\'=HYPERLINK("http://evil")')
        # Spreadsheets skip leading spaces before a formula: neutralised too.
        for name in (" =1+1", "  +1", " -1", " @SUM(A1)"):
            self.customer2.name = name
            self.assertEqual(self._csv("?state=expected")[1][6], "'" + name)

    def test_lines_csv_accents_and_rates(self):
        """Accented names survive a spreadsheet (BOM) and rates keep decimals."""
        self.customer2.name = "Société Générale"
        self.row_expected.sudo().rate = 7.125
        row = self._csv("?state=expected")[1]
        self.assertEqual(row[6], "Société Générale")
        self.assertEqual(row[10], "7.1250")


@tagged("post_install", "-at_install")
class TestPortalStatements(RevsharePortalCommon):
    """Statements: list, detail, PDF, acknowledge and dispute, and every denial."""

    def test_fixture(self):
        self.assertEqual(self.statement_a.state, "paid")
        self.assertEqual(self.statement_a.amount_total, 80.0)
        self.assertEqual(self.bill_a.amount_total, 30.0)
        self.assertEqual(self.statement_b.state, "confirmed")
        self.assertEqual(self.statement_a_draft.state, "draft")

    def test_counters_and_list(self):
        self.authenticate("revshare_portal_a", "revshare_portal_a")
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["revshare_statement_count"]}
        )
        self.assertEqual(counters["revshare_statement_count"], 2)
        tree = self._tree("/my/revshare/statements")
        rows = [
            [_text(td) for td in _find(tr, "td")]
            for tr in _find(tree, "tr.o_revshare_statement_row")
        ]
        # Newest first: statement, period, bill, amount, status.
        self.assertEqual(len(rows), 2)
        self.assertEqual(
            [rows[0][0], rows[0][2], rows[0][3], rows[0][4]],
            [self.statement_a.name, self.bill_a.name, "$ 80.00", "Paid"],
        )
        self.assertEqual(
            [rows[1][0], rows[1][2], rows[1][3], rows[1][4]],
            [self.statement_old.name, "", "$ 200.00", "Confirmed"],
        )
        page = tree.text_content()
        self.assertNotIn(self.statement_b.name, page)
        self.assertNotIn(self.statement_a_draft.name, page)

    def test_statement_detail(self):
        tree = self._tree(f"/my/revshare/statements/{self.statement_a.id}")
        page = _text(tree)
        self.assertIn(f"Statement {self.statement_a.name}", page)
        self.assertIn(self.bill_a.name, page)
        totals = {
            _text(_find(tr, "td")[0]): _text(_find(tr, "td")[3])
            for tr in _find(tree, "tr.o_revshare_statement_total")
        }
        self.assertEqual(
            {name: value.split()[-1] for name, value in totals.items()},
            {
                self.agreement_a.display_name: "50.00",
                self.agreement_p.display_name: "30.00",
            },
        )
        self.assertTrue(_find(tree, "form.o_revshare_acknowledge"))
        self.assertTrue(_find(tree, "div.o_portal_chatter"))

    def test_statement_pdf(self):
        """In tests the report renders as HTML: check its content."""
        for query in ("report_type=pdf&download=true", "report_type=html"):
            response = self._get(
                f"/my/revshare/statements/{self.statement_a.id}?{query}"
            )
            content = response.content.decode()
            self.assertIn(self.statement_a.name, content)
            self.assertIn("80.00", content)
            self.assertIn("Customer Two", content)
            self.assertNotIn("Secret Customer", content)

    def test_statement_pdf_download_headers(self):
        response = self._get(
            f"/my/revshare/statements/{self.statement_a.id}"
            "?report_type=pdf&download=true"
        )
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertIn("attachment", response.headers["Content-Disposition"])
        self.assertIn(".pdf", response.headers["Content-Disposition"])

    def test_statement_denied(self):
        b_id = self.statement_b.id
        old_token = self.statement_b._portal_ensure_token()
        self.statement_b.access_token = "renewed-token-0001"
        for url in (
            f"/my/revshare/statements/{b_id}",
            f"/my/revshare/statements/{b_id}?report_type=pdf&download=true",
            f"/my/revshare/statements/{b_id}?report_type=html",
            f"/my/revshare/statements/{b_id}?access_token=guess",
            f"/my/revshare/statements/{b_id}?access_token={old_token}",
            f"/my/revshare/statements/{b_id}?access_token={old_token}&report_type=pdf",
            f"/my/revshare/statements/{self.statement_a_draft.id}",
            f"/my/revshare/statements/{self.statement_a_draft.id}?report_type=pdf",
            f"/my/revshare/statements/{b_id + 1000}",
        ):
            response = self._assert_redirected_away(url)
            self.assertTrue(response.headers["Location"].endswith("/my"), url)
            self.assertNotIn(self.statement_b.name, response.text)
        # Not logged in, a stale token gives nothing either.
        self.authenticate(None, None)
        response = self.url_open(
            f"/my/revshare/statements/{b_id}?access_token={old_token}",
            allow_redirects=False,
        )
        self.assertIn(response.status_code, (302, 303))

    def test_statement_token_access(self):
        """The statement email's link (access token) opens it without login."""
        self.authenticate(None, None)
        token = self.statement_b._portal_ensure_token()
        response = self.url_open(
            f"/my/revshare/statements/{self.statement_b.id}?access_token={token}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.statement_b.name, response.text)

    def test_statement_email_link(self):
        """The statement email's button carries the access token and opens the
        statement for a partner who is not logged in."""
        self.reseller.email = "reseller@example.com"
        template = self.env.ref("partner_revshare.mail_template_revshare_statement")
        self.statement_b.with_context(
            mail_notify_force_send=False
        ).message_post_with_source(
            template,
            email_layout_xmlid="mail.mail_notification_light",
            subtype_xmlid="mail.mt_comment",
        )
        # Keep the emails in the queue to read them.
        self.statement_a.with_context(
            mail_notify_force_send=False
        ).message_post_with_source(
            template,
            email_layout_xmlid="mail.mail_notification_light",
            subtype_xmlid="mail.mt_comment",
        )
        mail = self.env["mail.mail"].search(
            [
                ("model", "=", "revshare.settlement"),
                ("res_id", "=", self.statement_a.id),
                ("recipient_ids", "in", self.reseller.ids),
            ]
        )
        self.assertEqual(len(mail), 1)
        links = [
            unescape(link)
            for link in re.findall(r'href="([^"]+)"', mail.body_html)
            if "access_token=" in link
        ]
        self.assertTrue(links, mail.body_html)
        self.assertIn(f"access_token={self.statement_a.access_token}", links[0])
        self.authenticate(None, None)
        response = self.url_open(links[0])
        self.assertEqual(response.status_code, 200)
        self.assertIn(f"/my/revshare/statements/{self.statement_a.id}", response.url)
        self.assertIn(
            f"Statement {self.statement_a.name}",
            _text(html.fromstring(response.content)),
        )
        self.assertNotIn(self.statement_b.name, response.text)

    def test_acknowledge(self):
        url = f"/my/revshare/statements/{self.statement_a.id}"
        csrf = self._csrf(url)
        response = self.url_open(f"{url}/acknowledge", data={"csrf_token": csrf})
        self.assertEqual(response.status_code, 200)
        self.assertIn("your acknowledgement was sent", response.text)
        message = self._messages(self.statement_a)
        self.assertEqual(len(message), 1)
        self.assertEqual(message.author_id, self.portal_a.partner_id)
        self.assertIn("acknowledged this statement", message.body)
        # The accounting team following the statement is notified.
        notified = self.env["mail.notification"].search(
            [("mail_message_id", "=", message.id)]
        )
        self.assertIn(self.accountant.partner_id, notified.res_partner_id)

    def test_dispute(self):
        url = f"/my/revshare/statements/{self.statement_a.id}"
        csrf = self._csrf(url)
        text = "The March invoice of <b>Customer Two</b> is missing."
        response = self.url_open(
            f"{url}/dispute", data={"csrf_token": csrf, "dispute_message": text}
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Your dispute was sent", response.text)
        message = self._messages(self.statement_a)
        self.assertEqual(len(message), 1)
        self.assertEqual(message.author_id, self.portal_a.partner_id)
        self.assertIn("disputes this statement", message.body)
        # The partner's text is escaped, not interpreted.
        self.assertIn("&lt;b&gt;Customer Two&lt;/b&gt;", message.body)
        notified = self.env["mail.notification"].search(
            [("mail_message_id", "=", message.id)]
        )
        self.assertIn(self.accountant.partner_id, notified.res_partner_id)
        activity = self.statement_a.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.statement_a.create_uid)
        self.assertIn("is missing", activity.note)

    def test_dispute_without_message(self):
        url = f"/my/revshare/statements/{self.statement_a.id}"
        csrf = self._csrf(url)
        response = self.url_open(
            f"{url}/dispute", data={"csrf_token": csrf, "dispute_message": "  "}
        )
        self.assertIn("Please tell us what is wrong", response.text)
        self.assertFalse(self._messages(self.statement_a))
        self.assertFalse(self.statement_a.activity_ids)

    def test_dispute_with_token(self):
        """From the email link, not logged in: the message is the partner's."""
        token = self.statement_a._portal_ensure_token()
        url = f"/my/revshare/statements/{self.statement_a.id}"
        self.authenticate(None, None)
        page = html.fromstring(self.url_open(f"{url}?access_token={token}").content)
        csrf = page.xpath(
            "//form[contains(@class, 'o_revshare_dispute')]//input[@name='csrf_token']"
        )[0].get("value")
        self.url_open(
            f"{url}/dispute",
            data={
                "csrf_token": csrf,
                "dispute_message": "Wrong rate",
                "access_token": token,
            },
        )
        message = self._messages(self.statement_a)
        self.assertEqual(message.author_id, self.reseller)
        self.assertIn("Wrong rate", message.body)

    def test_actions_denied(self):
        """Acknowledge or dispute B's statement, a draft, a guessed id or with a
        stale token: nothing is posted."""
        csrf = self._csrf(f"/my/revshare/statements/{self.statement_a.id}")
        old_token = self.statement_b._portal_ensure_token()
        self.statement_b.access_token = "renewed-token-0002"
        for statement_id, token in (
            (self.statement_b.id, None),
            (self.statement_b.id, old_token),
            (self.statement_a_draft.id, None),
            (self.statement_b.id + 1000, None),
        ):
            for action in ("acknowledge", "dispute"):
                data = {"csrf_token": csrf, "dispute_message": "Pay me"}
                if token:
                    data["access_token"] = token
                response = self.url_open(
                    f"/my/revshare/statements/{statement_id}/{action}",
                    data=data,
                    allow_redirects=False,
                )
                self.assertIn(response.status_code, (302, 303))
                self.assertTrue(response.headers["Location"].endswith("/my"))
        for statement in (self.statement_b, self.statement_a_draft):
            self.assertFalse(self._messages(statement))
            self.assertFalse(statement.activity_ids)

    def test_actions_on_cancelled_statement(self):
        """A cancelled statement is shown but cannot be acknowledged or disputed."""
        cancelled = self._create_statement(
            self.reseller,
            self.this_month - relativedelta(months=3),
            self.agreement_a,
            self.env["revshare.line"],
        )
        cancelled.action_cancel()
        self.assertEqual(cancelled.state, "cancelled")
        url = f"/my/revshare/statements/{cancelled.id}"
        tree = self._tree(url)
        self.assertFalse(_find(tree, "form.o_revshare_dispute"))
        csrf = self._csrf(f"/my/revshare/statements/{self.statement_a.id}")
        for action in ("acknowledge", "dispute"):
            response = self.url_open(
                f"{url}/{action}",
                data={"csrf_token": csrf, "dispute_message": "Pay me"},
                allow_redirects=False,
            )
            self.assertIn(response.status_code, (302, 303))
        self.assertFalse(self._messages(cancelled))
        self.assertFalse(cancelled.activity_ids)

    @mute_logger("odoo.http")
    def test_actions_need_csrf(self):
        self.authenticate("revshare_portal_a", "revshare_portal_a")
        response = self.url_open(
            f"/my/revshare/statements/{self.statement_a.id}/dispute",
            data={"dispute_message": "No token"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self._messages(self.statement_a))


@tagged("post_install", "-at_install")
class TestPortalTour(RevsharePortalCommon):
    """A partner walks from the portal home to a statement and disputes it."""

    def test_tour_dispute(self):
        self.start_tour(
            "/my", "partner_revshare_portal_tour", login="revshare_portal_a"
        )
        message = self._messages(self.statement_a)
        self.assertEqual(len(message), 1)
        self.assertEqual(message.author_id, self.portal_a.partner_id)
        self.assertIn("The rate of the March invoice is wrong.", message.body)
        self.assertEqual(len(self.statement_a.activity_ids), 1)


@tagged("post_install", "-at_install")
class TestPortalPhone(RevsharePortalCommon):
    """The running account and the ledger on a phone's screen."""

    browser_size = "375x812"

    def test_tour_phone(self):
        self.start_tour(
            "/my/revshare",
            "partner_revshare_portal_phone_tour",
            login="revshare_portal_a",
        )

    def test_chart_scale(self):
        """The tallest month (100.00 earned this month) fills the chart; last
        month's 80.00 earned, settled and paid out reach 80% of it."""
        tree = self._tree("/my/revshare")
        bars = _find(tree, "rect.o_revshare_bar")
        self.assertEqual(len(bars), 36)
        self.assertEqual(float(bars[-3].get("height")), 140.0)  # this month, earned
        self.assertEqual(
            [float(bar.get("height")) for bar in bars[-6:-3]], [112.0, 112.0, 112.0]
        )
