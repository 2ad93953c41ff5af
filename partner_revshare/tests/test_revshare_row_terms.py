from odoo import sql_db
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from ..models.revshare_settlement_engine import RUN_LOCK_KEY
from .common import RevshareCommon, d


@tagged("post_install", "-at_install")
class TestRevshareRowTerms(RevshareCommon):
    """A row holds the terms it was made with; an agreement with rows cannot change
    them; the ledger only moves forward; settlement runs do not collide."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_expense = cls.env["account.account"].create(
            {"name": "Other share expense", "code": "611991", "account_type": "expense"}
        )
        cls.usd = cls.company.currency_id
        cls.eur = cls.setup_other_currency("EUR", rates=[("2016-01-01", 2.0)])

    def _periodic(self, **vals):
        return self._create_agreement(
            settlement_mode="periodic",
            product_id=self.bill_product.id,
            journal_id=self.purchase_journal.id,
            **vals,
        )

    def _run(self, day, **kwargs):
        return self.env["revshare.settlement"]._revshare_run(d(day), **kwargs)

    # --- the row keeps its terms ---------------------------------------------

    def test_row_holds_agreement_terms(self):
        agreement = self._create_agreement()
        invoice = self._create_invoice([(self.product_cloud, 1, 1000.0)])
        row = self._rows(invoice, agreement)
        self.assertEqual(row.settlement_mode, "entry")
        self.assertEqual(row.expense_account_id, self.expense_account)
        self.assertEqual(row.payable_account_id, self.payable_account)
        reversal = row._revshare_reverse()
        self.assertEqual(
            (reversal.settlement_mode, reversal.expense_account_id),
            ("entry", self.expense_account),
        )

    def test_booking_reads_the_row_not_the_company_default(self):
        """An agreement without its own expense account uses the company default
        when the row is made; changing the default later books the row's."""
        self.company.revshare_expense_account_id = self.expense_account
        agreement = self._create_agreement(expense_account_id=False)
        invoice = self._create_invoice([(self.product_cloud, 1, 1000.0)], post=False)
        # The row is made at posting; the default changes before the reversal.
        invoice.action_post()
        row = self._rows(invoice, agreement)
        self.company.revshare_expense_account_id = self.other_expense
        invoice.button_draft()
        reversal = row.reversal_line_ids
        self.assertEqual(reversal.expense_account_id, self.expense_account)
        expense_lines = reversal.move_id.line_ids.filtered(
            lambda line: line.account_id.account_type == "expense"
        )
        self.assertEqual(expense_lines.account_id, self.expense_account)
        self.assertEqual(expense_lines.balance, -100.0)

    def test_terms_fixed_once_agreement_has_rows(self):
        agreement = self._create_agreement()
        other = self.env["res.partner"].create({"name": "New beneficiary"})
        # No rows yet: the terms may change.
        agreement.write({"base": "total"})
        self._create_invoice([(self.product_cloud, 1, 1000.0)])
        changes = {
            "partner_id": other.id,
            "currency_id": self.eur.id,
            "settlement_mode": "periodic",
            "trigger": "invoice" if agreement.trigger != "invoice" else False,
            "base": "untaxed",
            "expense_account_id": self.other_expense.id,
            "payable_account_id": self.company_data["default_account_payable"]
            .copy()
            .id,
        }
        for fname, value in changes.items():
            if value is False:
                continue
            with self.subTest(field=fname), self.assertRaises(UserError) as catcher:
                agreement.write({fname: value})
            self.assertIn("New Version", str(catcher.exception))
        # The same value, and terms rows do not depend on, still save.
        agreement.write({"partner_id": self.reseller.id, "name": "Renamed"})
        agreement.write({"min_payout": 10.0, "hold_days": 3})
        self.assertEqual(agreement.name, "Renamed")

    def test_mode_changed_behind_our_back_never_bills_twice(self):
        """Rows booked as journal entries are not billed again by a settlement,
        even if the agreement's mode was changed in the database (and the check
        names it)."""
        agreement = self._create_agreement()
        self._create_invoice([(self.product_cloud, 1, 1000.0)])
        self.env.cr.execute(
            "UPDATE revshare_agreement SET settlement_mode = 'periodic', "
            "product_id = %s WHERE id = %s",
            (self.bill_product.id, agreement.id),
        )
        agreement.invalidate_recordset()
        settlement = self._run("2026-04-05", confirm=True)
        self.assertEqual(settlement.amount_total, 100.0)
        self.assertEqual(settlement.amount_billable, 0.0)
        self.assertFalse(settlement.bill_id)
        mismatches = self.env["revshare.check"]._revshare_check(self.company)
        self.assertIn(
            "its terms were changed after it earned",
            " ".join(m["message"] for m in mismatches if m["kind"] == "ledger"),
        )

    def test_periodic_rows_billed_after_mode_changed_behind_our_back(self):
        agreement = self._periodic()
        self._create_invoice([(self.product_cloud, 1, 1000.0)])
        self.env.cr.execute(
            "UPDATE revshare_agreement SET settlement_mode = 'entry' WHERE id = %s",
            (agreement.id,),
        )
        agreement.invalidate_recordset()
        settlement = self._run("2026-04-05", confirm=True)
        self.assertEqual(settlement.amount_billable, 100.0)
        self.assertEqual(settlement.bill_id.amount_total, 100.0)

    # --- bad terms -----------------------------------------------------------

    def test_negative_period_terms_refused(self):
        for fname, value in (
            ("period_cap", -50.0),
            ("min_payout", -1.0),
            ("hold_days", -3),
        ):
            with self.subTest(field=fname), self.assertRaises(ValidationError):
                self._periodic(**{fname: value})

    def test_periodic_without_bill_product_refused_at_activation(self):
        self.company.revshare_product_id = False
        agreement = self._create_agreement(
            settlement_mode="periodic", product_id=False, activate=False
        )
        with self.assertRaisesRegex(UserError, "service product"):
            agreement.action_activate()
        self.assertEqual(agreement.state, "draft")

    # --- the ledger only moves forward ----------------------------------------

    def test_state_transitions(self):
        agreement = self._periodic()
        invoice = self._create_invoice([(self.product_cloud, 1, 1000.0)])
        row = self._rows(invoice, agreement).sudo()
        self.assertEqual(row.state, "earned")
        for state in ("expected", "cancelled"):
            with self.subTest(state=state), self.assertRaises(UserError):
                row.write({"state": state})
        settlement = self._run("2026-04-05", confirm=True)
        self.assertEqual(row.state, "settled")
        for state in ("expected", "earned", "cancelled"):
            with self.subTest(state=state), self.assertRaises(UserError):
                row.write({"state": state})
        settlement.action_cancel()
        self.assertEqual(
            (row.state, row.settlement_id), ("earned", self.env["revshare.settlement"])
        )
        with self.assertRaises(UserError):
            row.unlink()

    # --- tiers ---------------------------------------------------------------

    def test_period_of_clawbacks_reaches_no_tier(self):
        agreement = self._periodic(rules=[self._tiered_rule(10.0, (1000.0, 20.0))])
        refund = self._create_invoice(
            [(self.product_cloud, 1, 2000.0)], move_type="out_refund"
        )
        row = self._rows(refund, agreement)
        self.assertEqual((row.rate, row.amount), (10.0, -200.0))
        settlement = self._run("2026-04-05")
        self.assertEqual(settlement.amount_adjustment, 0.0)
        self.assertEqual(settlement.amount_total, -200.0)

    # --- settlement runs ---------------------------------------------------------

    def test_second_run_at_once_is_told(self):
        self._periodic()
        self._create_invoice([(self.product_cloud, 1, 1000.0)])
        # Another connection (another worker) holds a run in progress.
        with sql_db.db_connect(self.env.cr.dbname).cursor() as other_cr:
            other_cr.execute("SELECT pg_advisory_xact_lock(%s)", (RUN_LOCK_KEY,))
            with self.assertRaisesRegex(UserError, "Another settlement run"):
                self._run("2026-04-05")
            other_cr.rollback()
        self.assertEqual(len(self._run("2026-04-05")), 1)

    def test_rolled_back_run_leaves_no_gap(self):
        self._periodic()
        self._create_invoice([(self.product_cloud, 1, 1000.0)])
        # The run fails after its settlement is numbered (e.g. a confirmation
        # error): the transaction is rolled back.
        with self.assertRaises(ZeroDivisionError), self.env.cr.savepoint():
            name = self._run("2026-04-05").name
            _ = 1 / 0
        self.assertEqual(self._run("2026-04-05").name, name)
