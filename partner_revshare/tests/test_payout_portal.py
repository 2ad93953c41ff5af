from odoo.tests import tagged
from odoo.tools.misc import format_date

from .common_portal import RevsharePortalCommon, _find, _text


@tagged("post_install", "-at_install")
class TestPayoutPortal(RevsharePortalCommon):
    """A statement paid by a payout says on the portal when it was paid: the
    date of the payment reconciled with its bill (``paid_date``)."""

    def test_paid_on(self):
        statement = self.statement_a
        # The fixture paid its bill on the first of this month: undo that payment
        # and pay the statement with a payout dated last month.
        payment = statement.bill_id.matched_payment_ids
        payment.move_id.line_ids.remove_move_reconcile()
        payment.action_cancel()
        self.assertEqual(statement.state, "billed")
        self.assertFalse(statement.paid_date)
        self.env["res.partner.bank"].create(
            {"acc_number": "DE89370400440532013000", "partner_id": self.reseller.id}
        )
        journal = self.company_data["default_journal_bank"]
        journal.bank_acc_number = "FR7630006000011234567890189"
        action = statement.action_create_payout()
        payout = self.env["revshare.payout"].browse(action["res_id"])
        payout.date = self.last_month
        payout.action_pay()
        self.assertEqual(statement.state, "paid")
        self.assertEqual(statement.paid_date, payout.payment_ids.date)
        self.assertEqual(statement.paid_date, self.last_month)
        note = (
            f"Paid on {format_date(self.env, self.last_month)} "
            f"by bill {statement.bill_id.name}."
        )
        tree = self._tree(f"/my/revshare/statements/{statement.id}")
        self.assertEqual(_text(_find(tree, "span.o_revshare_bill_note")[0]), note)
