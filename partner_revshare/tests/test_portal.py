from dateutil.relativedelta import relativedelta
from lxml import html

from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tests.common import new_test_user

from .common_portal import RevsharePortalCommon, _find, _text


@tagged("post_install", "-at_install")
class TestPortalPages(RevsharePortalCommon):
    """Home counters, running account, agreements, and their access."""

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
            [self.agreement_a.display_name, "$ 320.00", "$ 270.00"],
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
        # Earned and not billed yet: the draft's 100, the clawback, and the
        # 200 of the old statement (confirmed, no bill: a journal-entry
        # agreement's statement); the paid statement's 50 is not to settle.
        self.assertEqual(
            rows[self.agreement_a.display_name][3:5], ["$ 320.00", "$ 270.00"]
        )
        self.assertEqual(
            rows[self.agreement_p.display_name][3:5], ["$ 30.00", "$ 0.00"]
        )
        page = tree.text_content()
        self.assertNotIn("Tech integration", page)
        self.assertNotIn("Draft terms", page)

    @staticmethod
    def _terms(tree):
        """{term: its plain words} of an agreement page."""
        return {
            _text(dt): _text(dd)
            for dt, dd in zip(
                _find(tree, ".o_revshare_terms dt"),
                _find(tree, ".o_revshare_terms dd"),
                strict=True,
            )
        }

    def test_agreement_detail_plain_words(self):
        tree = self._tree(f"/my/revshare/agreements/{self.agreement_a.id}")
        terms = self._terms(tree)
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
            _text(_find(tree, "div.o_revshare_agreement_unsettled")[0]), "$ 270.00"
        )

    def test_agreement_detail_settlement_terms(self):
        tree = self._tree(f"/my/revshare/agreements/{self.agreement_p.id}")
        terms = self._terms(tree)
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
        self._create_user(
            "revshare_manager_employee",
            "base.group_user,partner_revshare.group_revshare_manager",
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
            ),
        )
        # A cancelled row is not the partner's (ARCHITECTURE.md, "Security").
        with self.assertRaises(AccessError):
            env_a["revshare.line"].browse(self.row_cancelled.id).read(["amount"])
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


@tagged("post_install", "-at_install")
class TestPortalPhone(RevsharePortalCommon):
    """Every page of the portal on a 390 px phone: amounts on the screen."""

    browser_size = "390x844"

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


@tagged("post_install", "-at_install")
class TestPortalDesktop(RevsharePortalCommon):
    """The same pages on a 1280 px laptop screen: no column of amounts pushed
    out of view either (the tour is the phone's, its checks hold at any size)."""

    browser_size = "1280x900"

    def test_tour_desktop(self):
        self.start_tour(
            "/my/revshare",
            "partner_revshare_portal_phone_tour",
            login="revshare_portal_a",
        )

    def test_tour_desktop_french(self):
        """French month names are longer: the chart's labels still do not
        overlap, the amounts stay in view."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.portal_a.lang = "fr_FR"
        self.start_tour(
            "/my/revshare",
            "partner_revshare_portal_phone_tour",
            login="revshare_portal_a",
        )
