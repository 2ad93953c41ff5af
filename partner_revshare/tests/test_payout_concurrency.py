import uuid

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common_committed import RevshareCommittedCase


@tagged("-standard", "post_install", "-at_install", "revshare_concurrency")
class TestPayoutConcurrency(RevshareCommittedCase):
    """Two cursors make a payout of the same statement at the same time: the
    second is refused at once (the first holds the statement's row), and once
    the first committed, the second sees its draft payout and is refused again.

    The data is committed in the main company with a partner, customer and
    agreement of its own (scoped to its own customer); the payout is cancelled at
    the end: the test runs only on demand, ``--test-tags revshare_concurrency``."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tag = uuid.uuid4().hex[:4].upper()
        with cls.registry.cursor() as cr:
            env = cls._committed_env(cr)
            company = env.company
            partner = env["res.partner"].create({"name": f"Payee {tag}"})
            env["res.partner.bank"].create(
                {"acc_number": "DE89 3704 0044 0532 0130 00", "partner_id": partner.id}
            )
            customer = env["res.partner"].create({"name": f"Customer {tag}"})
            product = env["product.product"].create(
                {"name": f"Share {tag}", "type": "service"}
            )
            expense = cls._expense_account(env)
            purchase = env["account.journal"].search(
                [("type", "=", "purchase"), ("company_id", "=", company.id)], limit=1
            )
            agreement = env["revshare.agreement"].create(
                {
                    "name": f"Payout race {tag}",
                    "partner_id": partner.id,
                    "company_id": company.id,
                    "settlement_mode": "periodic",
                    "trigger": "invoice",
                    "journal_id": purchase.id,
                    "product_id": product.id,
                    "expense_account_id": expense.id,
                    "bill_auto_post": True,
                    "customer_ids": [Command.set(customer.ids)],
                    "rule_ids": [Command.create({"compute": "percent", "rate": 10.0})],
                }
            )
            agreement.action_activate()
            cls._post_invoice(env, customer, 1000.0, invoice_date="2031-01-10")
            settlement = env["revshare.settlement"]._revshare_run(
                fields.Date.to_date("2031-01-31"), agreements=agreement, confirm=True
            )
            cls.settlement_id = settlement.id

    @classmethod
    def tearDownClass(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            settlement = env["revshare.settlement"].browse(cls.settlement_id)
            settlement.payout_ids.filtered(lambda p: p.state == "draft").action_cancel()
        super().tearDownClass()

    def test_two_cursors_one_statement(self):
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            env2 = api.Environment(cr2, SUPERUSER_ID, {})
            statement1 = env1["revshare.settlement"].browse(self.settlement_id)
            statement2 = env2["revshare.settlement"].browse(self.settlement_id)
            self.assertEqual(statement1.state, "billed")
            action = statement1.action_create_payout()
            # The first cursor has not committed: the second cannot see its draft,
            # only the lock on the statement's row.
            with (
                mute_logger("odoo.sql_db"),
                self.assertRaisesRegex(UserError, "being paid by another payout"),
            ):
                statement2.action_create_payout()
            cr1.commit()
            cr2.rollback()
            payout = env1["revshare.payout"].browse(action["res_id"])
            with self.assertRaisesRegex(
                UserError, f"already in the payout {payout.name}"
            ):
                statement2.action_create_payout()
            cr2.rollback()
            self.assertEqual(
                env2["revshare.payout"].search_count(
                    [("settlement_ids", "in", self.settlement_id)]
                ),
                1,
            )
