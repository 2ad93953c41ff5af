from odoo.exceptions import UserError
from odoo.tests import tagged

from .test_payout import PayoutCommon


@tagged("post_install", "-at_install")
class TestPayoutErrors(PayoutCommon):
    """Each bad input is refused with a clear message and nothing is written."""

    def _count(self):
        self.env.flush_all()
        return (
            self.env["revshare.payout"].search_count([]),
            self.env["account.payment"].search_count([]),
        )

    def _refused(self, text, call):
        before = self._count()
        with self._raises(UserError, text):
            call()
        self.assertEqual(self._count(), before)

    def test_partner_without_bank_account(self):
        partner = self.env["res.partner"].create({"name": "No Bank"})
        statement = self._statement(partner, 30.0, "2026-03")
        self._refused("No Bank has no bank account", statement.action_create_payout)

    def test_invalid_iban(self):
        self.bank_reseller.acc_number = "DE89370400440532013001"
        self._refused("is not valid", self.s_reseller_march.action_create_payout)

    def test_invalid_bic(self):
        self.bank_tech.bank_id.bic = "NWBK1"
        self._refused("BIC NWBK1", self.s_tech.action_create_payout)

    def test_journal_without_company_bank_account(self):
        payout = self._payout(self.statements)
        journal = self.env["account.journal"].create(
            {"name": "Second bank", "code": "BNK9", "type": "bank"}
        )
        payout.write(
            {
                "journal_id": journal.id,
                "payment_method_line_id": journal.outbound_payment_method_line_ids[
                    :1
                ].id,
            }
        )
        self._refused("has no bank account of the company", payout.action_pay)
        self.assertEqual(payout.state, "draft")

    def test_draft_cancelled_and_paid_bills(self):
        draft = self._statement(self.reseller, 20.0, "2026-04", auto_post=False)
        self.assertEqual(draft.bill_id.state, "draft")
        self._refused("is a draft", draft.action_create_payout)
        draft.bill_id.button_cancel()
        self._refused("is cancelled", draft.action_create_payout)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.s_tech.bill_id.ids
        ).create({"payment_date": "2026-04-05"})._create_payments()
        self._refused("is already paid", self.s_tech.action_create_payout)
        # Paid after the payout was made: paying the payout refuses.
        payout = self._payout(self.s_reseller_march)
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.s_reseller_march.bill_id.ids
        ).create({"payment_date": "2026-04-05"})._create_payments()
        self._refused("is already paid", payout.action_pay)

    def test_sepa_of_a_non_eur_batch(self):
        statement = self._statement(self.techpartner, 30.0, "2026-04", self.currency)
        payout = self._payout(statement)
        payout.action_pay()
        before = len(payout.export_ids)
        self._refused("EUR only", payout.action_export_sepa)
        self.assertEqual(len(payout.export_ids), before)
        self.assertEqual(payout.state, "paid")
        payout.action_export_csv()
        self.assertEqual(payout.state, "sent")

    def test_two_batches_paying_the_same_bill(self):
        first = self._payout(self.statements)
        self._refused(
            f"already in the payout {first.name}", self.s_tech.action_create_payout
        )
        second = self.env["revshare.payout"].create(
            {
                "journal_id": self.bank_journal.id,
                "payment_method_line_id": first.payment_method_line_id.id,
                "currency_id": self.eur.id,
                "settlement_ids": [(6, 0, self.s_tech.ids)],
            }
        )
        self._refused(f"already in the payout {first.name}", second.action_pay)
        self._refused(f"already in the payout {second.name}", first.action_pay)
        second.action_cancel()
        first.action_pay()
        self._refused("is already paid", self.s_tech.action_create_payout)
        self.assertEqual(self.s_tech.bill_id.amount_residual, 0.0)

    def test_payout_date_inside_lock_date(self):
        self.company.fiscalyear_lock_date = "2026-01-31"
        payout = self._payout(self.statements, date="2026-01-15")
        self._refused("inside the lock date", payout.action_pay)
        self.assertEqual(payout.state, "draft")

    def test_mixed_currencies(self):
        statement = self._statement(self.techpartner, 30.0, "2026-04", self.currency)
        self._refused("one currency", (statement | self.s_tech).action_create_payout)
