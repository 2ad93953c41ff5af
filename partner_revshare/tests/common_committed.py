from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY
from odoo.tests import TransactionCase
from odoo.tools import mute_logger


class RevshareCommittedCase(TransactionCase):
    """Base of the tests that commit on purpose (tag ``revshare_concurrency``,
    run on demand and last by ``setup/test.sh``): their data is committed in the
    main company, and each worker they play has a cursor of its own."""

    @classmethod
    def _committed_env(cls, cr):
        """The superuser on ``cr``, in the main company."""
        env = api.Environment(cr, SUPERUSER_ID, {})
        return env(context={"allowed_company_ids": env.ref("base.main_company").ids})

    @staticmethod
    def _expense_account(env):
        """An expense account of ``env``'s company, as the chart installs it."""
        return env["account.account"].search(
            [("account_type", "=", "expense"), ("company_ids", "in", env.company.ids)],
            limit=1,
        )

    @staticmethod
    def _post_invoice(env, customer, amount, **vals):
        """A posted customer invoice of one untaxed line of ``amount`` (``vals``:
        more values of the invoice)."""
        invoice = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Subscription",
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
                **vals,
            }
        )
        invoice.action_post()
        return invoice

    def _worker_env(self, cr):
        """The superuser on ``cr``, a worker's own cursor. The test runner holds
        the registry lock: the transaction is bound to the loaded registry
        instead of looking it up."""
        cr.transaction = api.Transaction(self.registry)
        return api.Environment(cr, SUPERUSER_ID, {})

    @classmethod
    def _retire_agreement(cls, agreement_id):
        """Cancel and archive a committed agreement, so that it earns nothing in
        the tests that run after."""
        with cls.registry.cursor() as cr:
            agreement = cls._committed_env(cr)["revshare.agreement"].browse(
                agreement_id
            )
            agreement.action_cancel()
            agreement.active = False

    def _raised_after_other_write(self, cr, sql, params, action):
        """Another transaction runs ``sql`` and commits, after the snapshot of the
        worker's transaction on ``cr``; then ``action()`` runs in it. Returns what
        ``action`` raised, a retryable failure or a UserError (None if nothing);
        the worker's transaction is rolled back."""
        with self.registry.cursor() as other_cr:
            other_cr.execute(sql, params)
        try:
            # Odoo logs the failed query.
            with mute_logger("odoo.sql_db"):
                action()
        except (UserError, *PG_CONCURRENCY_EXCEPTIONS_TO_RETRY) as error:
            return error
        finally:
            cr.rollback()
        return None
