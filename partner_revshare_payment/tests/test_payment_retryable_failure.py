import uuid

from odoo import Command
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tests import tagged

from odoo.addons.partner_revshare.tests.common_committed import RevshareCommittedCase


@tagged("-standard", "post_install", "-at_install", "revshare_concurrency")
class TestPaymentRetryableFailure(RevshareCommittedCase):
    """A payment whose earned rows meet a concurrent change fails with the error
    Odoo retries (the request runs again in a new transaction), not with a
    message that stops the retry: here another transaction deletes the expected
    row the payment earns on after the payment's snapshot, so the earned row's
    foreign key cannot be checked.

    Committed data of its own in the main company, its agreement cancelled at
    the end: runs only on demand, ``--test-tags revshare_concurrency``.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tag = uuid.uuid4().hex[:4].upper()
        with cls.registry.cursor() as cr:
            env = cls._committed_env(cr)
            company = env.company
            expense = cls._expense_account(env)
            customer = env["res.partner"].create({"name": f"Customer {tag}"})
            reseller = env["res.partner"].create({"name": f"Reseller {tag}"})
            agreement = env["revshare.agreement"].create(
                {
                    "name": f"Retryable {tag}",
                    "partner_id": reseller.id,
                    "company_id": company.id,
                    "settlement_mode": "entry",
                    "expense_account_id": expense.id,
                    "customer_ids": [Command.set(customer.ids)],
                    "rule_ids": [Command.create({"compute": "percent", "rate": 10.0})],
                }
            )
            agreement.action_activate()
            invoice = cls._post_invoice(env, customer, 1000.0)
            payment = env["account.payment"].create(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": customer.id,
                    "amount": 1000.0,
                }
            )
            payment.action_post()
            expected = env["revshare.line"].search(
                [
                    ("invoice_id", "=", invoice.id),
                    ("agreement_id", "=", agreement.id),
                    ("state", "=", "expected"),
                ]
            )
            cls.agreement_id = agreement.id
            cls.invoice_id = invoice.id
            cls.expected_id = expected.ensure_one().id
            cls.payment_line_id = payment.move_id.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable"
            ).id

    @classmethod
    def tearDownClass(cls):
        cls._retire_agreement(cls.agreement_id)
        super().tearDownClass()

    def _pay(self, env):
        invoice = env["account.move"].browse(self.invoice_id)
        invoice.js_assign_outstanding_line(self.payment_line_id)
        env.flush_all()
        return invoice

    def test_concurrent_change_fails_for_a_retry(self):
        with self.registry.cursor() as pay_cr:
            pay_env = self._worker_env(pay_cr)
            # The payment's transaction has its snapshot (it read the invoice)...
            pay_env["account.move"].browse(self.invoice_id).mapped("amount_residual")
            # ... when another transaction deletes the expected row and commits.
            failure = self._raised_after_other_write(
                pay_cr,
                "DELETE FROM revshare_line WHERE id = %s",
                [self.expected_id],
                lambda: self._pay(pay_env),
            )
        self.assertIsInstance(failure, PG_CONCURRENCY_EXCEPTIONS_TO_RETRY)
        # The retry, in a new transaction, pays the invoice (nothing left to earn
        # under this agreement).
        with self.registry.cursor() as cr:
            env = self._worker_env(cr)
            invoice = self._pay(env)
            self.assertIn(invoice.payment_state, ("paid", "in_payment"))
            self.assertFalse(
                env["revshare.line"].search(
                    [
                        ("invoice_id", "=", invoice.id),
                        ("agreement_id", "=", self.agreement_id),
                    ]
                )
            )
