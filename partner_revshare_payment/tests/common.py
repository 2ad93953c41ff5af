from odoo import Command, fields

from odoo.addons.partner_revshare.models.revshare_line_states import EARNED_STATES
from odoo.addons.partner_revshare.tests.common import RevshareCommon


class RevsharePaymentCommon(RevshareCommon):
    """Agreements earning on payment, invoices without taxes, and helpers to pay,
    unreconcile and read the ledger."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._use_company_data(cls.company_data)
        cls.customer = cls.env["res.partner"].create({"name": "Customer Cloud"})
        cls.reseller = cls.env["res.partner"].create({"name": "Reseller Ltd"})
        cls.agent = cls.env["res.partner"].create({"name": "Agent Smith"})
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
    def _use_company_data(cls, company_data):
        """Work in the company of ``company_data`` (from Odoo's
        ``collect_company_accounting_data``)."""
        cls.company_data = company_data
        cls.company = company_data["company"]
        cls.expense_account = company_data["default_account_expense"]
        cls.payable_account = company_data["default_account_payable"]
        cls.misc_journal = company_data["default_journal_misc"]
        cls.purchase_journal = company_data["default_journal_purchase"]
        cls.bank_journal = company_data["default_journal_bank"]

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
        taxes=None,
        payment_term=None,
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
                                "tax_ids": [Command.set(taxes.ids if taxes else [])],
                            }
                        )
                    ],
                }
            )
        )
        if payment_term:
            move.invoice_payment_term_id = payment_term
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

    @classmethod
    def _write_off(cls, invoices, amount, date="2024-01-20", **vals):
        """Register ``amount`` and mark the invoices as fully paid, the difference
        written off to the expense account."""
        return cls._pay(
            invoices,
            amount,
            date=date,
            payment_difference_handling="reconcile",
            writeoff_account_id=cls.expense_account.id,
            writeoff_label="Write-off",
            **vals,
        )

    @classmethod
    def _posted_payment(cls, amount, date="2024-01-20", partner=None):
        """A customer payment of ``amount`` registered and posted on its own (an
        outstanding credit, not yet reconciled with any invoice)."""
        payment = cls.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": (partner or cls.customer).id,
                "amount": amount,
                "date": date,
                "journal_id": cls.bank_journal.id,
            }
        )
        payment.action_post()
        return payment

    @classmethod
    def _pay_by_statement(cls, invoice, amount, date="2024-01-22"):
        """A bank statement line of ``amount`` reconciled with the invoice's
        receivable, as a user does in the bank reconciliation."""
        st_line = cls.env["account.bank.statement.line"].create(
            {
                "journal_id": cls.bank_journal.id,
                "date": date,
                "payment_ref": invoice.name,
                "partner_id": cls.customer.id,
                "amount": amount,
            }
        )
        __, suspense, __ = st_line._seek_for_lines()
        receivable = cls._receivable(invoice)
        suspense.account_id = receivable.account_id
        (suspense + receivable).reconcile()
        return st_line

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

    def _assert_payable_is_ledger(self, partner, company=None):
        """The books owe the partner exactly what the ledger earned for it (entry
        agreements: each earned row is booked on the partner's payable)."""
        company = company or self.company
        rows = self.env["revshare.line"].search(
            [
                ("partner_id", "=", partner.id),
                ("company_id", "=", company.id),
                ("state", "in", EARNED_STATES),
            ]
        )
        self.assertEqual(
            self._payable_balance(partner, company),
            round(sum(rows.mapped("amount_company")), 2),
        )

    @staticmethod
    def _date(value):
        return fields.Date.to_date(value)

    @classmethod
    def _discount_terms(cls, computation=None, percentage=2.0):
        """``percentage`` early-payment discount within 10 days, net 30;
        ``computation``: how the discount reduces the tax (Odoo's default for the
        company when None)."""
        vals = {
            "name": f"{percentage:g}/10 net 30 ({computation or 'default'})",
            "company_id": cls.company.id,
            "early_discount": True,
            "discount_percentage": percentage,
            "discount_days": 10,
            "line_ids": [
                Command.create(
                    {"value": "percent", "value_amount": 100.0, "nb_days": 30}
                )
            ],
        }
        if computation:
            vals["early_pay_discount_computation"] = computation
        return cls.env["account.payment.term"].create(vals)


class RevsharePaymentDefaultCommon(RevsharePaymentCommon):
    """The same helpers in a company set up as Odoo ships it.

    ``AccountTestInvoicingCommon`` gives the bank journal's first payment methods an
    outstanding account, which Odoo does not: a user's "Manual Payment" has none, and
    Odoo then books payments on the chart's outstanding account, which it does not
    count as liquidity. These tests run in a new company with the generic chart and
    nothing else configured; they create only what a user must create (partners,
    payment terms with an early-payment discount, agreements) and use the chart's
    15% sale tax.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._use_company_data(cls.setup_other_company(name="Company as shipped"))
        cls.env = cls.env(
            context=dict(cls.env.context, allowed_company_ids=cls.company.ids)
        )
        cls.tax_15 = cls.company_data["default_tax_sale"]
        # Installing the chart gave the fee product the company's 15% purchase tax;
        # a partner not registered for VAT bills without it (taxed bills:
        # test_payment_tax.py).
        cls.fee_product.supplier_taxes_id = [Command.clear()]
