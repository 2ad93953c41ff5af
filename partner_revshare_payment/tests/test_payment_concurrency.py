import threading
import time
import uuid
from collections import namedtuple

from psycopg2 import errors

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.partner_revshare.tests.common_committed import RevshareCommittedCase

RETRYABLE = (
    errors.SerializationFailure,
    errors.LockNotAvailable,
    errors.DeadlockDetected,
)
# The journals of one run: its invoices, our entries and its payments.
Journals = namedtuple("Journals", ["sale", "misc", "bank"])


@tagged("-standard", "post_install", "-at_install", "revshare_concurrency")
class TestPaymentConcurrency(RevshareCommittedCase):
    """Two workers reconcile payments at the same time, for invoices of the same
    customer and beneficiary: the ledger and the payables end up exact.

    Each worker has its own cursor and commits, as two HTTP workers or cron jobs
    would; a serialization failure is retried like Odoo's request retry does. The
    data is committed, in the main company, in journals and partners of its own, and
    the agreement (scoped to its own customer) is cancelled at the end: the test
    runs only on demand, ``--test-tags revshare_concurrency``.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tag = uuid.uuid4().hex[:3].upper()
        with cls.registry.cursor() as cr:
            env = cls._committed_env(cr)
            company = env.company
            journals = cls._create_journals(env, company)
            customer = env["res.partner"].create({"name": f"Customer {cls.tag}"})
            reseller = env["res.partner"].create({"name": f"Reseller {cls.tag}"})
            agreement = cls._create_entry_agreement(
                env, company, journals.misc, customer, reseller
            )
            cls.invoices = [
                cls._post_invoice(
                    env,
                    customer,
                    1000.0,
                    invoice_date="2031-01-10",
                    date="2031-01-10",
                    journal_id=journals.sale.id,
                ).id
                for __ in range(3)
            ]
            cls.lines = [
                cls._post_payment_line(env, journals.bank, customer, amount).id
                for amount in (1000.0, 1000.0)
            ]
            cls.split_lines = [
                cls._post_payment_line(env, journals.bank, customer, amount).id
                for amount in (333.33, 666.67)
            ]
            cls.agreement_id = agreement.id
            cls.reseller_id = reseller.id
            cls.company_id = company.id

    @classmethod
    def _create_journals(cls, env, company):
        """Sales, miscellaneous and bank journals of this run's own."""
        Journal = env["account.journal"]
        income = env["account.account"].search(
            [("account_type", "=", "income"), ("company_ids", "in", company.ids)],
            limit=1,
        )
        sale = Journal.create(
            {
                "name": f"RS sales {cls.tag}",
                "code": f"S{cls.tag}",
                "type": "sale",
                "default_account_id": income.id,
            }
        )
        misc = Journal.create(
            {"name": f"RS misc {cls.tag}", "code": f"M{cls.tag}", "type": "general"}
        )
        bank = Journal.create(
            {"name": f"RS bank {cls.tag}", "code": f"B{cls.tag}", "type": "bank"}
        )
        return Journals(sale, misc, bank)

    @classmethod
    def _create_entry_agreement(cls, env, company, journal, customer, reseller):
        """An active 10 % agreement of ``reseller`` on ``customer``, booked by
        entry in ``journal``."""
        expense = cls._expense_account(env)
        agreement = env["revshare.agreement"].create(
            {
                "name": f"Concurrency {cls.tag}",
                "partner_id": reseller.id,
                "company_id": company.id,
                "settlement_mode": "entry",
                "journal_id": journal.id,
                "expense_account_id": expense.id,
                "customer_ids": [Command.set(customer.ids)],
                "rule_ids": [Command.create({"compute": "percent", "rate": 10.0})],
            }
        )
        agreement.action_activate()
        return agreement

    @staticmethod
    def _post_payment_line(env, journal, customer, amount):
        """The receivable line of a posted customer payment of ``amount``."""
        payment = env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": customer.id,
                "amount": amount,
                "date": "2031-01-20",
                "journal_id": journal.id,
            }
        )
        payment.action_post()
        return payment.move_id.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )

    @classmethod
    def tearDownClass(cls):
        cls._retire_agreement(cls.agreement_id)
        super().tearDownClass()

    def _reconcile(self, invoice_id, line_id, barrier, errors_found):
        try:
            barrier.wait(timeout=60)
            for attempt in range(10):
                try:
                    with self.registry.cursor() as cr:
                        env = self._worker_env(cr)
                        invoice = env["account.move"].browse(invoice_id)
                        invoice.js_assign_outstanding_line(line_id)
                        env.flush_all()
                    return
                except RETRYABLE:
                    time.sleep(0.05 * (attempt + 1))
            errors_found.append(f"{invoice_id}: still failing after 10 attempts")
        except Exception as error:  # reported to the main thread, which fails
            errors_found.append(repr(error))

    def _run_workers(self, jobs):
        """Run the reconciliations in parallel threads, started together."""
        barrier = threading.Barrier(len(jobs))
        errors_found = []
        threads = [
            threading.Thread(
                target=self._reconcile,
                args=(invoice_id, line_id, barrier, errors_found),
            )
            for invoice_id, line_id in jobs
        ]
        # The losing worker's failed query (a serialization failure, or Odoo's own
        # journal numbering retrying a taken name) is logged by the cursor: expected.
        # mute_logger is process-wide, so it covers both threads from start to end.
        with mute_logger("odoo.sql_db"):
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        self.assertFalse([thread for thread in threads if thread.is_alive()])
        self.assertFalse(errors_found)

    def test_two_workers(self):
        inv_a, inv_b, inv_c = self.invoices
        # Two invoices of the same customer and beneficiary, paid at the same time.
        self._run_workers([(inv_a, self.lines[0]), (inv_b, self.lines[1])])
        # One invoice, paid by two payments at the same time.
        self._run_workers([(inv_c, self.split_lines[0]), (inv_c, self.split_lines[1])])
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            rows = env["revshare.line"].search(
                [("agreement_id", "=", self.agreement_id), ("state", "=", "earned")]
            )
            by_invoice = {}
            for row in rows:
                by_invoice[row.invoice_id.id] = by_invoice.get(row.invoice_id.id, 0.0)
                by_invoice[row.invoice_id.id] += row.amount
            self.assertEqual(
                {key: round(value, 2) for key, value in by_invoice.items()},
                {inv_a: 100.0, inv_b: 100.0, inv_c: 100.0},
            )
            self.assertEqual(
                sorted(
                    rows.filtered(lambda r: r.invoice_id.id == inv_c).mapped("amount")
                ),
                [33.33, 66.67],
            )
            self.assertEqual(len(rows), 4)
            self.assertTrue(all(row.move_id.state == "posted" for row in rows))
            payable = env["account.move.line"].search(
                [
                    ("partner_id", "=", self.reseller_id),
                    ("account_type", "=", "liability_payable"),
                    ("parent_state", "=", "posted"),
                ]
            )
            self.assertEqual(round(-sum(payable.mapped("balance")), 2), 300.0)
            invoices = env["account.move"].browse(self.invoices)
            self.assertEqual(set(invoices.mapped("payment_state")), {"paid"})
