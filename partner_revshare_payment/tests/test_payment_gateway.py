from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import RevsharePaymentCommon


@tagged("post_install", "-at_install")
class TestPaymentGateway(RevsharePaymentCommon):
    """A gateway agreement earns its fee on the cash its provider collected, end to end
    with the demo provider: transaction done, post-processing creates and reconciles
    the payment, the gateway partner earns."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls._demo_provider("Demo gateway")
        cls.other_provider = cls._demo_provider("Other gateway")
        cls.gateway = cls.env["res.partner"].create({"name": "PayFast Gateway"})
        cls.gateway_agreement = cls._create_agreement(
            cls.gateway,
            2.0,
            role="payment_gateway",
            payment_provider_ids=[Command.set(cls.provider.ids)],
        )
        cls.reseller_agreement = cls._create_agreement(cls.reseller, 10.0)
        cls.tx_count = 0

    @classmethod
    def _demo_provider(cls, name):
        base = cls.env.ref("payment.payment_provider_demo").sudo()
        provider = base.copy({"name": name, "company_id": cls.company.id})
        provider.write({"state": "test", "journal_id": cls.bank_journal.id})
        return provider

    def _pay_online(self, invoice, amount, provider=None):
        """The customer pays in the portal: the demo provider confirms the transaction,
        and the post-processing creates and reconciles the payment."""
        provider = provider or self.provider
        type(self).tx_count += 1
        reference = f"TX-{invoice.id}-{self.tx_count}"
        tx = (
            self.env["payment.transaction"]
            .sudo()
            .create(
                {
                    "provider_id": provider.id,
                    "payment_method_id": self.env.ref(
                        "payment_demo.payment_method_demo"
                    ).id,
                    "amount": amount,
                    "currency_id": invoice.currency_id.id,
                    "partner_id": invoice.partner_id.id,
                    "reference": reference,
                    "operation": "online_direct",
                    "invoice_ids": [Command.set(invoice.ids)],
                }
            )
        )
        tx._handle_notification_data(
            "demo",
            {
                "reference": reference,
                "payment_details": "4242",
                "simulated_state": "done",
            },
        )
        self.assertEqual(tx.state, "done")
        tx._post_process()
        self.assertTrue(tx.payment_id, "the post-processing created the payment")
        return tx

    def test_online_payment_earns_gateway_fee(self):
        invoice = self._invoice(1000.0)
        tx = self._pay_online(invoice, 1000.0)
        self.assertEqual(invoice.payment_state, "paid")
        rows = self._earned(invoice, self.gateway_agreement)
        self.assertRecordValues(
            rows, [{"amount": 20.0, "payment_id": tx.payment_id.id, "kind": "share"}]
        )
        self.assertEqual(self._earned_total(invoice, self.reseller_agreement), 100.0)
        self.assertEqual(self._payable_balance(self.gateway), 20.0)

    def test_other_cash_earns_no_gateway_fee(self):
        invoice = self._invoice(1000.0)
        self._pay(invoice)
        self.assertFalse(self._earned(invoice, self.gateway_agreement))
        self.assertEqual(self._earned_total(invoice, self.reseller_agreement), 100.0)
        other = self._invoice(1000.0)
        self._pay_online(other, 1000.0, provider=self.other_provider)
        self.assertFalse(self._earned(other, self.gateway_agreement))
        self.assertEqual(self._earned_total(other, self.reseller_agreement), 100.0)

    def test_half_online_half_bank(self):
        invoice = self._invoice(1000.0)
        self._pay(invoice, 500.0)
        self._pay_online(invoice, 500.0)
        self.assertEqual(invoice.payment_state, "paid")
        self.assertEqual(
            self._earned(invoice, self.gateway_agreement).mapped("amount"), [10.0]
        )
        self.assertEqual(
            self._earned(invoice, self.reseller_agreement).mapped("amount"),
            [50.0, 50.0],
        )

    def test_provider_needs_payment_trigger(self):
        agreement = self.env["revshare.agreement"].create(
            {
                "name": "Gateway on invoice",
                "partner_id": self.gateway.id,
                "trigger": "invoice",
                "expense_account_id": self.expense_account.id,
                "journal_id": self.misc_journal.id,
                "payment_provider_ids": [Command.set(self.provider.ids)],
                "rule_ids": [Command.create({"compute": "percent", "rate": 2.0})],
            }
        )
        with self.assertRaisesRegex(UserError, "restricted to payment providers"):
            agreement.action_activate()
        self.assertEqual(agreement.state, "draft")
