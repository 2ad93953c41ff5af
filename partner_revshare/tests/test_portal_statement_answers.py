from freezegun import freeze_time

from odoo.tests import tagged

from .common import RevshareSettlementCommon
from .common_portal import RevsharePortalCommon, _find, _text


@tagged("post_install", "-at_install")
class TestPortalStatementAnswers(RevsharePortalCommon):
    """A partner acknowledges a statement once and disputes it once while the
    dispute is open; the page says which, and the accountant hears of both."""

    def _post(self, action, **data):
        """Post ``action`` on A's statement (the CSRF token of the session is
        read once, while the page still offers its forms)."""
        url = f"/my/revshare/statements/{self.statement_a.id}"
        if not getattr(self, "_token", None):
            self._token = self._csrf(url)
        return self.url_open(f"{url}/{action}", data=dict(data, csrf_token=self._token))

    def test_acknowledged_once(self):
        self._post("acknowledge")
        self._post("acknowledge")
        messages = self._messages(self.statement_a)
        self.assertEqual(len(messages), 1)
        self.assertTrue(self.statement_a.acknowledged_date)
        tree = self._tree(f"/my/revshare/statements/{self.statement_a.id}")
        self.assertFalse(_find(tree, "form.o_revshare_acknowledge"))
        self.assertIn(
            "Acknowledged on", _text(_find(tree, ".o_revshare_acknowledged")[0])
        )
        # A second call of the model posts nothing either.
        self.assertFalse(self.statement_a._revshare_acknowledge(self.reseller))
        self.assertEqual(len(self._messages(self.statement_a)), 1)

    def test_disputed_once_while_open(self):
        self._post("dispute", dispute_message="The rate is wrong.")
        self._post("dispute", dispute_message="Still wrong!")
        self._post("acknowledge")
        messages = self._messages(self.statement_a)
        self.assertEqual(len(messages), 1)
        self.assertIn("The rate is wrong.", messages.body)
        self.assertEqual(len(self.statement_a.activity_ids), 1)
        self.assertFalse(self.statement_a.acknowledged_date)
        url = f"/my/revshare/statements/{self.statement_a.id}"
        tree = self._tree(url)
        self.assertFalse(_find(tree, "form.o_revshare_acknowledge"))
        self.assertFalse(_find(tree, "form.o_revshare_dispute"))
        self.assertTrue(_find(tree, "span.o_revshare_disputed_badge"))
        self.assertTrue(_find(tree, ".o_revshare_dispute_open"))
        tree = self._tree("/my/revshare/statements")
        [row] = [
            tr
            for tr in _find(tree, "tr.o_revshare_statement_row")
            if self.statement_a.name in _text(tr)
        ]
        self.assertTrue(_find(row, "span.o_revshare_disputed_badge"))
        # Answered: the partner may acknowledge, or dispute again.
        self.statement_a.with_user(self.accountant)._revshare_resolve_dispute(
            "The rate is right: see clause 2."
        )
        tree = self._tree(url)
        self.assertFalse(_find(tree, "span.o_revshare_disputed_badge"))
        self.assertTrue(_find(tree, "form.o_revshare_acknowledge"))
        self.assertTrue(_find(tree, "form.o_revshare_dispute"))


@tagged("post_install", "-at_install")
class TestStatementFollowers(RevshareSettlementCommon):
    """Every statement is followed by its responsible accountant from its
    creation, by a manager or by the daily run, so that the partner's
    acknowledgement and dispute notify someone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reseller.email = "reseller@example.com"
        # The partner answers from the portal, as its portal user (the
        # controller's sudo keeps the user: the accountant is not the author).
        cls.portal_user = cls._create_user(
            "revshare_followers_portal", "base.group_portal"
        )
        cls.portal_user.partner_id.parent_id = cls.reseller
        cls.manager = cls._create_user(
            "revshare_followers_manager",
            "base.group_user,account.group_account_invoice,"
            "partner_revshare.group_revshare_manager",
        )

    def _notified(self, settlement):
        """Partners notified of the statement's last comment."""
        message = self.env["mail.message"].search(
            [
                ("model", "=", settlement._name),
                ("res_id", "=", settlement.id),
                ("message_type", "=", "comment"),
            ],
            limit=1,
        )
        return (
            self.env["mail.notification"]
            .sudo()
            .search([("mail_message_id", "=", message.id)])
            .res_partner_id
        )

    def test_statement_of_a_manager(self):
        self._periodic()
        self._create_invoice([(self.product_cloud, 10, 100.0)])
        with freeze_time("2026-04-02"):
            wizard = (
                self.env["revshare.settlement.run"]
                .with_user(self.manager)
                .create({"confirm_settlements": True})
            )
            wizard.action_settle()
        settlement = self.Settlement.search([("partner_id", "=", self.reseller.id)])
        self.assertEqual(len(settlement), 1)
        self.assertIn(self.manager.partner_id, settlement.message_partner_ids)
        settlement.with_user(self.portal_user).sudo()._revshare_acknowledge(
            self.portal_user.partner_id
        )
        self.assertIn(self.manager.partner_id, self._notified(settlement))

    def test_statement_of_the_cron(self):
        self._periodic()
        self._create_invoice([(self.product_cloud, 10, 100.0)])
        with freeze_time("2026-04-01"):
            # As the cron runs: the superuser, not a person to notify.
            self.Settlement.with_user(self.env.ref("base.user_root"))._cron_settle()
        settlement = self.Settlement.search([("partner_id", "=", self.reseller.id)])
        responsible = settlement._revshare_dispute_responsible()
        self.assertTrue(responsible)
        self.assertFalse(responsible._is_superuser())
        self.assertIn(responsible.partner_id, settlement.message_partner_ids)
        settlement.with_user(self.portal_user).sudo()._revshare_dispute(
            self.portal_user.partner_id, "Where is March?"
        )
        self.assertIn(responsible.partner_id, self._notified(settlement))
        self.assertEqual(settlement.activity_ids.user_id, responsible)
