from odoo import Command, fields

from odoo.addons.partner_revshare.models.revshare_line import EARNED_STATES
from odoo.addons.partner_revshare.tests.common import RevshareCommon


class RevsharePaymentCommon(RevshareCommon):
    """Agreements earning on payment, invoices without taxes, and helpers to pay,
    unreconcile and read the ledger."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.env["res.partner"].create({"name": "Customer Cloud"})
        cls.reseller = cls.env["res.partner"].create({"name": "Reseller Ltd"})
        cls.agent = cls.env["res.partner"].create({"name": "Agent Smith"})
        cls.expense_account = cls.company_data["default_account_expense"]
        cls.bank_journal = cls.company_data["default_journal_bank"]
        cls.fee_product = cls.env["product.product"].create(
            {
                "name": "Revenue share fee",
                "type": "service",
                "taxes_id": [Command.clear()],
                "supplier_taxes_id": [Command.clear()],
                "property_account_expense_id": cls.expense_account.id,
            }
        )

    @classmethod
    def _agreement_defaults(cls, partner, rate, company_data):
        """Earned on payment (the default trigger of this addon), booked on the
        company's expense account, billed with the fee product."""
        return {
            "name": f"{partner.name} {rate}%",
            "expense_account_id": company_data["default_account_expense"].id,
            "product_id": cls.fee_product.id,
        }

    @classmethod
    def _invoice(
        cls,
        amount,
        date="2024-01-10",
        move_type="out_invoice",
        currency=None,
        company_data=None,
        partner=None,
        post=True,
    ):
        company_data = company_data or cls.company_data
        move = (
            cls.env["account.move"]
            .with_company(company_data["company"])
            .create(
                {
                    "move_type": move_type,
                    "partner_id": (partner or cls.customer).id,
                    "invoice_date": date,
                    "date": date,
                    "currency_id": (currency or company_data["currency"]).id,
                    "journal_id": company_data["default_journal_sale"].id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Subscription",
                                "quantity": 1.0,
                                "price_unit": amount,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        if post:
            move.action_post()
        return move

    @classmethod
    def _pay(cls, invoices, amount=None, date="2024-01-20", currency=None, **vals):
        """Register a payment on the invoices with the payment wizard."""
        wizard_vals = {"payment_date": date, **vals}
        if amount is not None:
            wizard_vals["amount"] = amount
        if currency is not None:
            wizard_vals["currency_id"] = currency.id
        return (
            invoices.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create(wizard_vals)
            ._create_payments()
        )

    @staticmethod
    def _receivable(move):
        return move.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )

    def _earned(self, invoice=None, agreement=None):
        """Earned rows (shares, clawbacks and their reversals) of an invoice."""
        domain = [
            ("state", "in", EARNED_STATES),
            ("expected_line_id", "!=", False),
        ]
        if invoice:
            domain.append(("invoice_id", "=", invoice.id))
        if agreement:
            domain.append(("agreement_id", "=", agreement.id))
        return self.env["revshare.line"].search(domain, order="id")

    def _earned_total(self, invoice=None, agreement=None, fname="amount"):
        return round(sum(self._earned(invoice, agreement).mapped(fname)), 2)

    def _payable_balance(self, partner, company=None):
        """What the books owe the partner: credit balance of its payable items."""
        company = company or self.company
        lines = self.env["account.move.line"].search(
            [
                ("partner_id", "=", partner.id),
                ("company_id", "=", company.id),
                ("account_type", "=", "liability_payable"),
                ("parent_state", "=", "posted"),
            ]
        )
        return round(-sum(lines.mapped("balance")), 2)

    @staticmethod
    def _date(value):
        return fields.Date.to_date(value)
