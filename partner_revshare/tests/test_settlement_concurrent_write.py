import uuid
from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tests import tagged

from .common_committed import RevshareCommittedCase


@tagged("-standard", "post_install", "-at_install", "revshare_concurrency")
class TestSettlementConcurrentWrite(RevshareCommittedCase):
    """A settlement run meets a row that another transaction changed after the
    run's snapshot (a payment undone meanwhile empties the row's partial, a
    ``SET NULL`` of PostgreSQL): the run fails with the serialization failure
    that Odoo retries (a request, the cron's next call), not with a message
    that stops the retry and blames another settlement run.

    Committed data of its own in the main company, like the cron resume test:
    runs only on demand, ``--test-tags revshare_concurrency``.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tag = uuid.uuid4().hex[:4].upper()
        with cls.registry.cursor() as cr:
            env = cls._committed_env(cr)
            company = env.company
            expense = cls._expense_account(env)
            partner = env["res.partner"].create({"name": f"Payee {tag}"})
            agreement = env["revshare.agreement"].create(
                {
                    "name": f"Concurrent write {tag}",
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "currency_id": company.currency_id.id,
                    "trigger": "invoice",
                    "settlement_mode": "periodic",
                    "settlement_period": "monthly",
                    "expense_account_id": expense.id,
                    "rule_ids": [Command.create({"rate": 10.0})],
                }
            )
            agreement.action_activate()
            rows = env["revshare.line"].create(
                [
                    {
                        "agreement_id": agreement.id,
                        "partner_id": partner.id,
                        "company_id": company.id,
                        "currency_id": company.currency_id.id,
                        "date": "2033-01-10",
                        "base_amount": 100.0,
                        "rate": 10.0,
                        "amount": 10.0,
                        "amount_company": 10.0,
                        "state": "earned",
                    }
                    for __ in range(2)
                ]
            )
            cls.partner_id = partner.id
            cls.agreement_id = agreement.id
            cls.row_ids = rows.ids

    def _settle(self, env):
        agreement = env["revshare.agreement"].browse(self.agreement_id)
        return env["revshare.settlement"]._revshare_run(
            date(2033, 1, 31), agreements=agreement
        )

    @freeze_time("2033-02-01")
    def test_row_written_meanwhile_fails_for_a_retry(self):
        with self.registry.cursor() as run_cr:
            run_env = self._worker_env(run_cr)
            # The run's transaction has its snapshot (it read the rows)...
            run_env["revshare.line"].browse(self.row_ids).mapped("state")
            # ... when another transaction writes one of them and commits.
            failure = self._raised_after_other_write(
                run_cr,
                "UPDATE revshare_line SET write_date = now() WHERE id = %s",
                [self.row_ids[0]],
                lambda: self._settle(run_env),
            )
        self.assertIsInstance(failure, PG_CONCURRENCY_EXCEPTIONS_TO_RETRY)
        # The retry, in a new transaction, settles both rows once.
        with self.registry.cursor() as cr:
            env = self._worker_env(cr)
            settlement = self._settle(env)
            self.assertEqual(settlement.partner_id.id, self.partner_id)
            self.assertEqual(sorted(settlement.line_ids.ids), sorted(self.row_ids))
            self.assertEqual(settlement.amount_total, 20.0)
