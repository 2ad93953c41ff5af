from odoo.tests import new_test_user, tagged

from .common import RevsharePaymentDefaultCommon


@tagged("post_install", "-at_install")
class TestPaymentDocumentsChatter(RevsharePaymentDefaultCommon):
    """The documents a payment books are created and posted without chatter: no
    creation message, no tracking values, the paying accountant not made a
    follower; the payee still follows its vendor bill (as Odoo subscribes the
    partner of every posted invoice). Mail is left as a user has it (the test
    base disables it), in a company configured as Odoo ships it."""

    @classmethod
    def default_env_context(cls):
        return {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(
            cls.env,
            login="revshare_chatter_accountant",
            groups="account.group_account_manager",
            company_id=cls.company.id,
            company_ids=cls.company.ids,
        )
        cls.entry_agreement = cls._create_agreement(cls.reseller, 10.0)
        cls.bill_agreement = cls._create_agreement(cls.agent, 5.0, mode="bill")

    def _documents(self, invoice, mode):
        rows = self._earned(invoice).filtered(lambda r: r.settlement_mode == mode)
        self.assertTrue(rows)
        return rows.move_id

    def _pay_as_accountant(self, invoice):
        self._pay(invoice.with_user(self.accountant))
        # Tracking values are written when the transaction commits.
        self.env.flush_all()
        self.env.cr.precommit.run()

    def test_documents_without_chatter(self):
        invoice = self._invoice(1000.0)
        self._pay_as_accountant(invoice)
        entry = self._documents(invoice, "entry")
        bill = self._documents(invoice, "bill")
        self.assertEqual(entry.state, "posted")
        self.assertEqual(bill.state, "posted")
        self.assertEqual(bill.amount_total, 50.0)
        for move in entry | bill:
            self.assertFalse(move.message_ids, move.name)
            self.assertFalse(
                self.env["mail.tracking.value"].search(
                    [("mail_message_id.res_id", "=", move.id)]
                )
            )
        self.assertFalse(entry.message_partner_ids)
        self.assertEqual(bill.message_partner_ids, self.agent)
        # The customer's own documents keep their chatter.
        self.assertTrue(invoice.message_ids)
