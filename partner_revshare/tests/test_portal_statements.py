import re
from html import unescape

from dateutil.relativedelta import relativedelta
from lxml import html

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common_portal import RevsharePortalCommon, _find, _text


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
        # Newest first: statement, period, bill, amount, bill taxes, bill total,
        # status; the bill covers the periodic agreement's 30.00 (the entry
        # agreement's 50.00 was booked when earned); no bill, no bill figures.
        self.assertEqual(len(rows), 2)
        self.assertEqual(
            [rows[0][i] for i in (0, 2, 3, 4, 5, 6)],
            [
                self.statement_a.name,
                self.bill_a.name,
                "$ 80.00",
                "$ 0.00",
                "$ 30.00",
                "Paid",
            ],
        )
        self.assertEqual(
            [rows[1][i] for i in (0, 2, 3, 4, 5, 6)],
            [self.statement_old.name, "", "$ 200.00", "", "", "Confirmed"],
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
