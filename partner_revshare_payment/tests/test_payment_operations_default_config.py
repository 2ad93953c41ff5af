from odoo.tests import tagged

from .common import RevsharePaymentDefaultCommon

MANAGER_GROUPS = "account.group_account_invoice,partner_revshare.group_revshare_manager"


@tagged("post_install", "-at_install")
class TestPaymentOperationsDefaultConfig(RevsharePaymentDefaultCommon):
    """Partner operations on shares earned by payments, in a company configured as
    Odoo ships it: an invoice of 1,000 + 15% tax paid in full earns 100 on a 10%
    agreement; managers are billing users who manage revenue shares; adjustments
    above 100 need a second manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.revshare_adjustment_approval_amount = 100.0
        cls.manager = cls._create_user("ops_default_manager", MANAGER_GROUPS)
        cls.manager_2 = cls._create_user("ops_default_manager_2", MANAGER_GROUPS)
        cls.Line = cls.env["revshare.line"]

    def _paid_invoice(self, date="2024-01-20"):
        invoice = self._invoice(1000.0, taxes=self.tax_15)
        self._pay(invoice, date=date)
        return invoice

    def _adjust(self, agreement, amount, note, day, user=None):
        user = user or self.manager
        return self.Line.with_user(user)._revshare_create_manual_adjustment(
            agreement.with_user(user), amount, note, day=self._date(day)
        )

    def test_adjust_and_decline_entry_agreement(self):
        agreement = self._create_agreement(self.reseller, 10.0)
        invoice = self._paid_invoice()
        [earned] = self._earned(invoice)
        self.assertEqual(earned.amount, 100.0)
        adjustment = self._adjust(agreement, 20.0, "Goodwill", "2024-01-25")
        self.assertEqual(adjustment.state, "earned")
        self.assertEqual(adjustment.sudo().move_id.state, "posted")
        self.assertEqual(self._payable_balance(self.reseller), 120.0)
        reversal = earned.with_user(self.manager)._revshare_decline("Chargeback")
        self.assertEqual((reversal.amount, reversal.note), (-100.0, "Chargeback"))
        self.assertEqual(self._payable_balance(self.reseller), 20.0)
        self._assert_payable_is_ledger(self.reseller)
        self.assertEqual(
            self.env["revshare.check"]._revshare_check(
                self.company, "2024-01-01", "2024-12-31"
            ),
            [],
        )

    def test_hold_approval_and_settlement_periodic_agreement(self):
        agreement = self._create_agreement(self.agent, 10.0, mode="periodic")
        invoice = self._paid_invoice()
        [earned] = self._earned(invoice, agreement)
        earned.with_user(self.manager)._revshare_hold("Customer under review")
        bonus = self._adjust(agreement, 150.0, "Launch bonus", "2024-01-25")
        self.assertEqual(bonus.state, "to_approve")
        Settlement = self.env["revshare.settlement"]
        day = self._date("2024-02-01")
        self.assertFalse(Settlement._revshare_run(day, agreements=agreement))
        bonus.with_user(self.manager_2).action_revshare_approve()
        earned.with_user(self.manager).action_revshare_release()
        settlement = Settlement._revshare_run(day, agreements=agreement, confirm=True)
        self.assertEqual(settlement.line_ids, earned | bonus)
        self.assertRecordValues(
            settlement,
            [
                {
                    "amount_share": 100.0,
                    "amount_adjustment": 150.0,
                    "amount_total": 250.0,
                }
            ],
        )
        self.assertEqual(settlement.bill_id.amount_total, 250.0)

    def test_approval_required_rows_earned_by_payments(self):
        """Rows earned by payments wait for approval; an unreconciled payment
        cancels its row still waiting, and the next payment earns the whole share
        again (rows waiting count as earned for the next payments)."""
        agreement = self._create_agreement(
            self.agent, 10.0, mode="periodic", approval_required=True
        )
        invoice = self._invoice(1000.0, taxes=self.tax_15)
        payment = self._pay(invoice, 575.0)
        [first] = self.Line.search(
            [("agreement_id", "=", agreement.id), ("state", "=", "to_approve")]
        )
        self.assertEqual(first.amount, 50.0)
        self._pay(invoice, 575.0, date="2024-01-22")
        waiting = self.Line.search(
            [("agreement_id", "=", agreement.id), ("state", "=", "to_approve")]
        )
        self.assertEqual(waiting.mapped("amount"), [50.0, 50.0])
        payment.action_draft()
        self.assertEqual(first.state, "cancelled")
        self.assertFalse(first.reversal_line_ids)
        self._pay(invoice, 575.0, date="2024-01-25")
        waiting = self.Line.search(
            [("agreement_id", "=", agreement.id), ("state", "=", "to_approve")]
        )
        self.assertEqual(sum(waiting.mapped("amount")), 100.0)
        self.assertEqual(
            self.env["revshare.check"]._revshare_check(
                self.company, "2024-01-01", "2024-12-31"
            ),
            [],
        )
        waiting.with_user(self.manager).action_revshare_approve()
        settlement = self.env["revshare.settlement"]._revshare_run(
            self._date("2024-02-01"), agreements=agreement, confirm=True
        )
        self.assertEqual(settlement.amount_total, 100.0)
