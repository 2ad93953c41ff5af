import csv
import io
import re
from copy import deepcopy

from dateutil.relativedelta import relativedelta
from lxml import html

from odoo import Command, fields
from odoo.tests import HttpCase

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
    values (no-break and zero-width spaces) normalised. The phone-only copies of
    hidden columns (``o_revshare_phone``) are left out: a desktop reads once."""
    phone = _find(node, ".o_revshare_phone")
    if phone:
        node = deepcopy(node)
        for copy in _find(node, ".o_revshare_phone"):
            copy.drop_tree()
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
        cls._create_booked_shares()
        cls._create_periodic_shares()
        cls._create_written_rows()
        cls._create_statements()
        cls._create_portal_users()

    @classmethod
    def _create_booked_shares(cls):
        """Agreements A (reseller) and B (tech partner), booked by entry, a draft
        one of A, and their shares of this month, last month and a year ago."""
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

    @classmethod
    def _create_periodic_shares(cls):
        """A periodic agreement of the reseller with terms (hold days, minimum
        payout, cap) and its share of last month."""
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

    @classmethod
    def _create_written_rows(cls):
        """Rows of agreement A written as the pipeline writes them: a clawback, an
        expected share and a cancelled one."""
        # The ledger is written by code only (sudo).
        Line = cls.env["revshare.line"].sudo()
        common = {
            "agreement_id": cls.agreement_a.id,
            "partner_id": cls.reseller.id,
            "company_id": cls.company.id,
            "currency_id": cls.currency.id,
            "date": cls.this_month,
        }
        cls.row_clawback, cls.row_expected, cls.row_cancelled = Line.create(
            [
                dict(
                    common,
                    kind="clawback",
                    state="earned",
                    amount=-30.0,
                    customer_id=cls.customer.id,
                    invoice_id=cls.invoice_1.id,
                ),
                dict(
                    common,
                    kind="share",
                    state="expected",
                    amount=40.0,
                    base_amount=400.0,
                    rate=10.0,
                    customer_id=cls.customer2.id,
                ),
                dict(
                    common,
                    kind="share",
                    state="cancelled",
                    amount=999.0,
                    customer_id=cls.customer2.id,
                ),
            ]
        )

    @classmethod
    def _create_portal_users(cls):
        """The portal users of both beneficiaries, and an accountant following
        statement A."""
        cls.portal_a = cls._create_portal_user("revshare_portal_a", cls.reseller)
        cls.portal_b = cls._create_portal_user("revshare_portal_b", cls.techpartner)
        cls.accountant = cls._create_user(
            "revshare_accountant",
            "base.group_user,partner_revshare.group_revshare_manager",
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
        user = cls._create_user(login, "base.group_portal")
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

    def _line_ids(self, url, login="revshare_portal_a"):
        tree = self._tree(url, login)
        return [int(tr.get("data-line_id")) for tr in _find(tree, "tr.o_revshare_line")]

    def _csv(self, query="", login="revshare_portal_a"):
        response = self._get(f"/my/revshare/lines/csv{query}", login)
        self.assertIn("text/csv", response.headers["Content-Type"])
        self.assertIn("attachment", response.headers["Content-Disposition"])
        # UTF-8 with a byte-order mark: spreadsheets then read accents right.
        self.assertTrue(response.content.startswith("\ufeff".encode()))
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
