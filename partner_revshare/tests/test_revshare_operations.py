from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import RevshareSettlementCommon, d

MANAGER_GROUPS = "account.group_account_invoice,partner_revshare.group_revshare_manager"


@tagged("post_install", "-at_install")
class TestRevshareOperations(RevshareSettlementCommon):
    """Partner operations: manual adjustments in each settlement mode, two-person
    approval, holds, declines, the review queue and the answer to a dispute.
    Managers are billing users who are revenue-share managers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls._create_user("revshare_ops_manager", MANAGER_GROUPS)
        cls.manager_2 = cls._create_user("revshare_ops_manager_2", MANAGER_GROUPS)
        cls.revshare_user = cls._create_user(
            "revshare_ops_user", "base.group_user,partner_revshare.group_revshare_user"
        )
        cls.Line = cls.env["revshare.line"]

    def _adjust(
        self, agreement, amount, note="Goodwill", day="2026-03-20", user=None, **kw
    ):
        Line = self.Line.with_user(user or self.manager)
        return Line._revshare_create_manual_adjustment(
            agreement.with_user(user or self.manager), amount, note, day=d(day), **kw
        )

    def _agreement_messages(self, agreement):
        """Messages with a text (not field tracking), latest first."""
        return agreement.message_ids.filtered("body")

    # ------------------------------------------------------------------
    # Manual adjustments
    # ------------------------------------------------------------------

    def test_adjustment_entry_mode(self):
        agreement = self._create_agreement()
        invoice = self._create_invoice([(self.product_cloud, 1, 100.0)])
        row = self._adjust(agreement, 25.0, "Goodwill for the outage", invoice=invoice)
        self.assertRecordValues(
            row,
            [
                {
                    "kind": "adjustment",
                    "adjustment_reason": "manual",
                    "state": "earned",
                    "note": "Goodwill for the outage",
                    "amount": 25.0,
                    "amount_earned": 25.0,
                    "date": d("2026-03-20"),
                    "invoice_id": invoice.id,
                    "customer_id": self.customer.id,
                    "partner_id": self.reseller.id,
                    "section": "adjustment",
                }
            ],
        )
        move = row.sudo().move_id
        self.assertEqual(move.state, "posted")
        self.assertEqual(move.move_type, "entry")
        self.assertEqual(move.date, d("2026-03-20"))
        expense = move.line_ids.filtered(
            lambda line: line.account_id == self.expense_account
        )
        payable = move.line_ids.filtered(
            lambda line: line.account_id == self.payable_account
        )
        self.assertEqual((expense.debit, payable.credit), (25.0, 25.0))
        self.assertEqual(payable.partner_id, self.reseller)
        message = self._agreement_messages(agreement)[:1]
        self.assertEqual(message.author_id, self.manager.partner_id)
        self.assertIn("Goodwill for the outage", message.body)
        self.assertIn("25.00", message.body)

    def test_adjustment_bill_mode(self):
        agreement = self._create_agreement(mode="bill", product_id=self.bill_product.id)
        bonus = self._adjust(agreement, 40.0, "Launch bonus")
        penalty = self._adjust(agreement, -15.0, "Duplicate lead")
        bill, refund = bonus.sudo().move_id, penalty.sudo().move_id
        self.assertEqual(
            (bill.move_type, bill.amount_total, bill.partner_id),
            ("in_invoice", 40.0, self.reseller),
        )
        self.assertEqual((refund.move_type, refund.amount_total), ("in_refund", 15.0))
        self.assertEqual(bill.state, "posted")
        self.assertEqual(bill.ref, "Launch bonus")

    def test_adjustment_periodic_statement_pdf_portal(self):
        agreement = self._periodic()
        self._create_invoice([(self.product_cloud, 1, 100.0)])
        row = self._adjust(agreement, 5.0, "Goodwill for March")
        self.assertFalse(row.sudo().move_id)
        settlement = self._run("2026-04-01", confirm=True)
        self.assertEqual(len(settlement), 1)
        self.assertIn(row, settlement.line_ids)
        self.assertRecordValues(
            settlement,
            [{"amount_share": 10.0, "amount_adjustment": 5.0, "amount_total": 15.0}],
        )
        self.assertEqual(settlement.bill_id.amount_total, 15.0)
        self.assertEqual(row.state, "settled")
        html = self._statement_html(settlement)
        self.assertIn("Adjustment: Goodwill for March", html)
        [values] = row._revshare_portal_values()
        self.assertEqual(values["note"], "Goodwill for March")

    def test_adjustment_paid_on_top_of_the_period_cap(self):
        """A manager's adjustment is an amount decided for the partner: the period
        cap applies to what the rules earned, not to it (like a period bonus)."""
        agreement = self._periodic(period_cap=120.0)
        self._create_invoice([(self.product_cloud, 15, 100.0)])
        row = self._adjust(agreement, 50.0, "Launch goodwill")
        settlement = self._run("2026-04-01", confirm=True)
        self.assertIn(row, settlement.line_ids)
        cap = settlement.line_ids.filtered(lambda r: r.adjustment_reason == "cap")
        self.assertEqual(cap.amount, -30.0)
        self.assertEqual(settlement.amount_total, 170.0)
        self.assertEqual(settlement.bill_id.amount_total, 170.0)

    def test_adjustment_in_locked_period_dated_first_open_day(self):
        agreement = self._create_agreement()
        self.company.fiscalyear_lock_date = d("2026-03-31")
        row = self._adjust(agreement, 12.0, "Late correction", day="2026-03-15")
        self.assertEqual(row.date, d("2026-04-01"))
        self.assertEqual(row.sudo().move_id.date, d("2026-04-01"))

    def test_adjustment_bad_input_writes_nothing(self):
        agreement = self._create_agreement()
        before = self.Line.search_count([])
        messages = len(agreement.message_ids)
        with self._raises(UserError, "Give the reason"):
            self._adjust(agreement, 10.0, "  ")
        with self._raises(UserError, "other than zero"):
            self._adjust(agreement, 0.0, "Nothing")
        cancelled = self._create_agreement(name="Old terms")
        cancelled.action_cancel()
        with self._raises(UserError, "adjust an active"):
            self._adjust(cancelled, 10.0, "Too late")
        with self.assertRaises(AccessError):
            self._adjust(agreement, 10.0, "Not mine", user=self.revshare_user)
        self.assertEqual(self.Line.search_count([]), before)
        self.assertEqual(len(agreement.message_ids), messages)

    def test_adjustment_never_edited(self):
        row = self._adjust(self._create_agreement(), 10.0)
        with self._raises(UserError, "cannot be changed once earned"):
            row.sudo().write({"amount": 20.0})
        with self._raises(UserError, "cannot be changed once earned"):
            row.sudo().write({"note": "Something else"})

    # ------------------------------------------------------------------
    # Two-person approval
    # ------------------------------------------------------------------

    def test_two_person_approval(self):
        self.company.revshare_adjustment_approval_amount = 100.0
        agreement = self._create_agreement()
        small = self._adjust(agreement, 100.0, "At the threshold")
        self.assertEqual(small.state, "earned")
        big = self._adjust(agreement, -150.0, "Fraudulent lead")
        self.assertEqual(big.state, "to_approve")
        self.assertEqual((big.amount_earned, big.amount_expected), (0.0, 0.0))
        self.assertFalse(big.sudo().move_id)
        # Hidden from the partner until approved.
        portal_domain = self.Line._revshare_portal_domain(self.reseller)
        self.assertNotIn(big, self.Line.search(portal_domain))
        with self._raises(UserError, "another revenue-share manager must approve"):
            big.with_user(self.manager).action_revshare_approve()
        self.assertEqual(big.state, "to_approve")
        with self.assertRaises(AccessError):
            big.with_user(self.revshare_user).action_revshare_approve()
        big.with_user(self.manager_2).action_revshare_approve()
        self.assertRecordValues(
            big, [{"state": "earned", "approver_id": self.manager_2.id}]
        )
        move = big.sudo().move_id
        self.assertEqual(move.state, "posted")
        self.assertEqual(
            move.line_ids.filtered(
                lambda line: line.account_id == self.payable_account
            ).debit,
            150.0,
        )
        message = self._agreement_messages(agreement)[:1]
        self.assertEqual(message.author_id, self.manager_2.partner_id)
        self.assertIn("Approved", message.body)
        with self._raises(UserError, "does not wait for approval"):
            big.with_user(self.manager_2).action_revshare_approve()

    def test_reject_adjustment(self):
        self.company.revshare_adjustment_approval_amount = 50.0
        row = self._adjust(self._create_agreement(), 80.0, "Too generous")
        row.with_user(self.manager).action_revshare_reject()
        self.assertEqual(row.state, "cancelled")
        self.assertFalse(row.sudo().move_id)

    def test_approval_required_periodic_agreement(self):
        with self.assertRaises(ValidationError):
            self._create_agreement(approval_required=True)
        agreement = self._periodic(approval_required=True)
        first = self._create_invoice([(self.product_cloud, 1, 100.0)])
        second = self._create_invoice([(self.product_cloud, 1, 200.0)])
        cancelled = self._create_invoice([(self.product_cloud, 1, 400.0)])
        rows = (first | second).revshare_line_ids
        self.assertEqual(rows.mapped("state"), ["to_approve", "to_approve"])
        self.assertEqual(agreement.amount_earned, 0.0)
        # An undone invoice cancels its row still waiting: nothing to reverse.
        cancelled.button_draft()
        self.assertEqual(cancelled.revshare_line_ids.state, "cancelled")
        self.assertFalse(cancelled.revshare_line_ids.reversal_line_ids)
        self.assertFalse(self._run("2026-04-01"))
        # Any manager approves them in bulk, the one who posted them included.
        rows.with_user(self.manager).action_revshare_approve()
        self.assertEqual(rows.mapped("state"), ["earned", "earned"])
        self.assertEqual(rows.approver_id, self.manager)
        settlement = self._run("2026-04-01")
        self.assertEqual(settlement.line_ids, rows)
        self.assertEqual(settlement.amount_total, 30.0)

    def test_auto_approval_after_hold_days(self):
        agreement = self._periodic(approval_required=True, hold_days=10)
        early = self._create_invoice([(self.product_cloud, 1, 100.0)])
        late = self._create_invoice(
            [(self.product_cloud, 1, 200.0)], invoice_date="2026-03-28"
        )
        settlement = self._run("2026-04-01", confirm=True)
        self.assertEqual(early.revshare_line_ids.state, "settled")
        self.assertEqual(late.revshare_line_ids.state, "to_approve")
        self.assertEqual(settlement.line_ids, early.revshare_line_ids)
        self.assertIn(
            "Approved automatically",
            self._agreement_messages(agreement)[:1].body,
        )

    # ------------------------------------------------------------------
    # Holds and declines
    # ------------------------------------------------------------------

    def test_hold_skips_settlement_then_release_settles(self):
        agreement = self._periodic()
        invoice = self._create_invoice([(self.product_cloud, 1, 100.0)])
        row = invoice.revshare_line_ids
        with self._raises(UserError, "Give the reason of the hold"):
            row.with_user(self.manager)._revshare_hold(" ")
        with self._raises(UserError, "is not on hold"):
            row.with_user(self.manager).action_revshare_release()
        row.with_user(self.manager)._revshare_hold("Checking the customer")
        self.assertEqual(row.hold_reason, "Checking the customer")
        [values] = row._revshare_portal_values()
        self.assertEqual(
            (values["state_label"], values["hold_reason"]),
            ("On hold", "Checking the customer"),
        )
        self.assertFalse(self._run("2026-04-01"))
        self.assertEqual((row.state, row.settlement_id.id), ("earned", False))
        row.with_user(self.manager).action_revshare_release()
        self.assertFalse(row.hold_reason)
        settlement = self._run("2026-04-01", confirm=True)
        self.assertEqual(settlement.line_ids, row)
        self.assertEqual(settlement.amount_total, 10.0)
        self.assertEqual(row.state, "settled")
        with self._raises(UserError, "cannot be put on hold"):
            row.with_user(self.manager)._revshare_hold("Too late")
        bodies = " ".join(self._agreement_messages(agreement).mapped("body"))
        self.assertIn("Put on hold", bodies)
        self.assertIn("Released from hold", bodies)

    def test_decline_writes_reversal(self):
        agreement = self._create_agreement()
        invoice = self._create_invoice([(self.product_cloud, 1, 100.0)])
        row = invoice.revshare_line_ids
        row.with_user(self.manager)._revshare_hold("Suspicious")
        with self._raises(UserError, "Give the reason of the decline"):
            row.with_user(self.manager)._revshare_decline("")
        with freeze_time("2026-04-15"):
            reversal = row.with_user(self.manager)._revshare_decline("Chargeback")
        self.assertRecordValues(
            reversal,
            [
                {
                    "kind": "reversal",
                    "state": "earned",
                    "amount": -10.0,
                    "note": "Chargeback",
                    "reversed_line_id": row.id,
                    "section": "clawback",
                }
            ],
        )
        # The row is still there, released so that both settle together.
        self.assertEqual((row.state, row.hold_reason), ("earned", False))
        self.assertEqual(reversal.sudo().move_id, row.sudo().move_id.reversal_move_ids)
        with self._raises(UserError, "cannot be declined"):
            row.with_user(self.manager)._revshare_decline("Again")
        self.assertEqual(agreement.amount_earned, 0.0)
        # The reversal is dated the day of the decline: settled with the row then.
        self.assertEqual(reversal.date, d("2026-04-15"))
        settlement = self._run("2026-05-01")
        self.assertEqual(settlement.line_ids, row | reversal)
        self.assertEqual(settlement.amount_total, 0.0)

    def test_check_treats_operations_as_ledger_rows(self):
        self.company.revshare_adjustment_approval_amount = 100.0
        entry = self._create_agreement()
        bill = self._create_agreement(mode="bill", product_id=self.bill_product.id)
        invoice = self._create_invoice([(self.product_cloud, 1, 100.0)])
        self._adjust(entry, 30.0, "Goodwill")
        self._adjust(bill, -20.0, "Correction")
        self._adjust(entry, 500.0, "Waiting")
        invoice.revshare_line_ids[0].with_user(self.manager)._revshare_decline("Fraud")
        self.assertEqual(
            self.env["revshare.check"]._revshare_check(
                self.company, "2026-01-01", "2026-12-31"
            ),
            [],
        )

    # ------------------------------------------------------------------
    # Review queue and disputes
    # ------------------------------------------------------------------

    def _disputed_statement(self, agreement):
        self._create_invoice([(self.product_cloud, 1, 100.0)])
        settlement = self._run("2026-04-01", confirm=True)
        self.reseller.email = "reseller@example.com"
        settlement._revshare_dispute(self.reseller, "The March share is missing 5.")
        return settlement

    def test_review_queue_lists_exactly_open_items(self):
        self.company.revshare_adjustment_approval_amount = 100.0
        agreement = self._periodic()
        settlement = self._disputed_statement(agreement)
        held = self._create_invoice(
            [(self.product_cloud, 1, 300.0)], invoice_date="2026-04-05"
        ).revshare_line_ids
        self._create_invoice([(self.product_cloud, 1, 70.0)], invoice_date="2026-04-06")
        held.with_user(self.manager)._revshare_hold("Checking")
        waiting = self._adjust(agreement, 250.0, "Big bonus", day="2026-04-10")
        rejected = self._adjust(agreement, 300.0, "Rejected bonus", day="2026-04-10")
        rejected.with_user(self.manager_2).action_revshare_reject()
        Review = self.env["revshare.review"].with_user(self.revshare_user)
        items = Review.search([], order="review_type")
        self.assertEqual(
            [(i.review_type, i.amount, i.reason) for i in items],
            [
                ("approval", 250.0, "Big bonus"),
                ("dispute", 10.0, settlement.name),
                ("hold", 30.0, "Checking"),
            ],
        )
        self.assertEqual(items.mapped("line_id"), waiting | held)
        self.assertEqual(
            Review.read_group([], ["amount:sum"], ["partner_id"])[0]["amount"],
            290.0,
        )
        # Answered, approved, released: nothing left.
        settlement.with_user(self.manager)._revshare_resolve_dispute("Fixed.")
        waiting.with_user(self.manager_2).action_revshare_approve()
        held.with_user(self.manager).action_revshare_release()
        self.assertFalse(Review.search([]))

    def test_resolve_dispute_with_adjustment_notifies_partner(self):
        agreement = self._periodic()
        settlement = self._disputed_statement(agreement)
        self.assertTrue(settlement.is_disputed)
        self.assertIn(settlement, self.Settlement.search([("is_disputed", "=", True)]))
        with self._raises(UserError, "Write the answer"):
            settlement.with_user(self.manager)._revshare_resolve_dispute(" ")
        wizard = (
            self.env["revshare.settlement.resolve"]
            .with_user(self.manager)
            .create(
                {
                    "settlement_id": settlement.id,
                    "answer": "You are right: 5.00 added.",
                    "amount": 5.0,
                    "agreement_id": agreement.id,
                }
            )
        )
        with freeze_time("2026-04-20"):
            wizard.action_confirm()
        self.assertFalse(settlement.is_disputed)
        adjustment = self.Line.search(
            [("agreement_id", "=", agreement.id), ("adjustment_reason", "=", "manual")]
        )
        self.assertRecordValues(
            adjustment,
            [
                {
                    "amount": 5.0,
                    "state": "earned",
                    "note": "You are right: 5.00 added.",
                    "date": d("2026-04-20"),
                }
            ],
        )
        answer = settlement.message_ids[:1]
        self.assertIn(self.reseller, answer.partner_ids)
        self.assertEqual(answer.author_id, self.manager.partner_id)
        self.assertIn("You are right", answer.body)
        with self._raises(UserError, "has no open dispute"):
            settlement.with_user(self.manager)._revshare_resolve_dispute("Again")
        # The adjustment is on the next statement.
        self.assertEqual(self._run("2026-05-01").line_ids, adjustment)
