import uuid

from freezegun import freeze_time

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import tagged

from .common_committed import RevshareCommittedCase

ROWS_PER_PARTNER = 2


@tagged("-standard", "post_install", "-at_install", "revshare_concurrency")
class TestSettlementCronResume(RevshareCommittedCase):
    """The settlement cron, killed in the middle of a chunk, resumes without
    losing or doubling anything.

    Each call of the cron runs in its own cursor and commits, as Odoo's cron
    runner does; the killed worker is a call whose cursor is rolled back instead
    of committed. The data is committed in the main company (partners and
    periodic agreements of this run's own): the test runs only on demand,
    ``--test-tags revshare_concurrency``. Other committed data of the database
    is settled along (the cron settles everything due).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tag = uuid.uuid4().hex[:4].upper()
        with cls.registry.cursor() as cr:
            env = cls._committed_env(cr)
            company = env.company
            expense = cls._expense_account(env)
            journal = env["account.journal"].create(
                {"name": f"RS bills {tag}", "code": f"B{tag[:3]}", "type": "purchase"}
            )
            product = env["product.product"].create(
                {"name": f"Revenue share fee {tag}", "type": "service"}
            )
            partners = env["res.partner"].create(
                [{"name": f"Payee {tag} {index}"} for index in range(3)]
            )
            agreements = env["revshare.agreement"].create(
                [
                    {
                        "name": f"Resume {tag} {index}",
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "currency_id": company.currency_id.id,
                        "trigger": "invoice",
                        "settlement_mode": "periodic",
                        "settlement_period": "monthly",
                        "expense_account_id": expense.id,
                        "product_id": product.id,
                        "journal_id": journal.id,
                        "rule_ids": [Command.create({"rate": 10.0})],
                    }
                    for index, partner in enumerate(partners)
                ]
            )
            agreements.action_activate()
            env["revshare.line"].create(
                [
                    {
                        "agreement_id": agreement.id,
                        "partner_id": agreement.partner_id.id,
                        "company_id": company.id,
                        "currency_id": company.currency_id.id,
                        "date": "2031-01-10",
                        "base_amount": 100.0,
                        "rate": 10.0,
                        "amount": 10.0,
                        "amount_company": 10.0,
                        "state": "earned",
                    }
                    for agreement in agreements
                    for __ in range(ROWS_PER_PARTNER)
                ]
            )
            cls.partner_ids = partners.ids
            cls.agreement_ids = agreements.ids

    def _call_cron(self, commit=True):
        """One call of the cron in a cursor of its own, committed (or rolled
        back: a worker killed before the cron runner's commit). Returns the
        partners settled and the settlements the progress says remain."""
        with self.registry.cursor() as cr:
            env = self._worker_env(cr)
            cron = env.ref("partner_revshare.ir_cron_revshare_settle")
            __, progress = cron._add_progress()
            settlements = (
                env["revshare.settlement"]
                .with_context(ir_cron_progress_id=progress.id)
                ._cron_settle(chunk_rows=ROWS_PER_PARTNER)
            )
            result = (set(settlements.partner_id.ids), progress.remaining)
            if not commit:
                cr.rollback()
            # Else the cursor commits when the block ends, as the cron runner.
        return result

    @freeze_time("2031-02-01")
    def test_killed_chunk_is_settled_once_on_resume(self):
        # Calls until the first partner of this run is settled (committed).
        for __ in range(1000):
            settled, remaining = self._call_cron()
            if self.partner_ids[0] in settled:
                break
        self.assertEqual(settled, {self.partner_ids[0]})
        self.assertGreaterEqual(remaining, 2)
        # The next chunk settles the second partner, but its worker is killed.
        killed, __ = self._call_cron(commit=False)
        self.assertEqual(killed, {self.partner_ids[1]})
        # The cron runner calls again while settlements remain.
        resumed = set()
        for __ in range(1000):
            settled, remaining = self._call_cron()
            resumed |= settled
            if not remaining:
                break
        self.assertEqual(remaining, 0)
        self.assertLessEqual(set(self.partner_ids[1:]), resumed)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            settlements = env["revshare.settlement"].search(
                [("agreement_ids", "in", self.agreement_ids)], order="partner_id"
            )
            self.assertEqual(settlements.partner_id.ids, self.partner_ids)
            self.assertEqual(settlements.mapped("line_count"), [2, 2, 2])
            self.assertEqual(settlements.mapped("amount_total"), [20.0] * 3)
            self.assertEqual(set(settlements.mapped("state")), {"confirmed"})
            rows = env["revshare.line"].search(
                [("agreement_id", "in", self.agreement_ids)]
            )
            self.assertEqual(len(rows), 6)
            self.assertEqual(set(rows.mapped("state")), {"settled"})
            self.assertEqual(rows.settlement_id, settlements)
            # The killed chunk's bill and statement number were rolled back.
            self.assertEqual(len(settlements.bill_id), 3)
