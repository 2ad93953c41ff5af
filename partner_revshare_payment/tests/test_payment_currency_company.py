from odoo import Command
from odoo.tests import tagged

from .common import RevsharePaymentCommon


@tagged("post_install", "-at_install")
class TestPaymentCurrency(RevsharePaymentCommon):
    """An invoice in EUR (company in USD): the paid fraction is taken in EUR, company
    amounts follow the payment's rate."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 2 EUR per USD when invoicing, 4 EUR per USD when paid.
        cls.eur = cls.setup_other_currency(
            "EUR", rates=[("2024-01-01", 2.0), ("2024-02-01", 4.0)]
        )
        cls.usd_agreement = cls._create_agreement(cls.reseller, 10.0)
        cls.eur_agreement = cls._create_agreement(
            cls.agent, 10.0, currency_id=cls.eur.id
        )

    def test_rate_change_between_invoice_and_payment(self):
        self.assertEqual(self.company.currency_id.name, "USD")
        invoice = self._invoice(1000.0, currency=self.eur)  # 500 USD
        expected = invoice.revshare_line_ids.sorted("id")
        self.assertRecordValues(
            expected,
            [
                {
                    "amount": 50.0,
                    "amount_company": 50.0,
                    "amount_invoice_currency": 100.0,
                },
                {
                    "amount": 100.0,
                    "amount_company": 50.0,
                    "amount_invoice_currency": 100.0,
                },
            ],
        )
        self._pay(invoice, 400.0, date="2024-02-10", currency=self.eur)  # 100 USD
        self._pay(invoice, 600.0, date="2024-02-12", currency=self.eur)  # 150 USD
        self.assertEqual(invoice.payment_state, "paid")
        usd_rows = self._earned(invoice, self.usd_agreement)
        self.assertRecordValues(
            usd_rows,
            [
                {
                    "amount": 10.0,
                    "amount_company": 10.0,
                    "amount_invoice_currency": 40.0,
                },
                {
                    "amount": 15.0,
                    "amount_company": 15.0,
                    "amount_invoice_currency": 60.0,
                },
            ],
        )
        eur_rows = self._earned(invoice, self.eur_agreement)
        self.assertRecordValues(
            eur_rows,
            [
                {
                    "amount": 40.0,
                    "amount_company": 10.0,
                    "amount_invoice_currency": 40.0,
                },
                {
                    "amount": 60.0,
                    "amount_company": 15.0,
                    "amount_invoice_currency": 60.0,
                },
            ],
        )
        # The invoice-currency share is exact; the partner paid in USD gets 10% of
        # the 250 USD received, the one paid in EUR 10% of the 1000 EUR.
        self.assertEqual(
            self._earned_total(invoice, fname="amount_invoice_currency"), 200.0
        )
        eur_entry_line = eur_rows[0].move_id.line_ids.filtered(
            lambda line: line.account_id == self.payable_account
            and line.partner_id == self.agent
        )
        self.assertRecordValues(
            eur_entry_line,
            [{"balance": -10.0, "amount_currency": -40.0, "currency_id": self.eur.id}],
        )
        self.assertEqual(self._payable_balance(self.reseller), 25.0)
        self.assertEqual(self._payable_balance(self.agent), 25.0)

    def test_company_currency_payment_of_foreign_invoice(self):
        invoice = self._invoice(1000.0, currency=self.eur)
        # 125 USD at 4 EUR per USD pays 500 EUR: half of the invoice.
        self._pay(invoice, 125.0, date="2024-02-10", currency=self.company.currency_id)
        self.assertRecordValues(
            self._earned(invoice, self.usd_agreement),
            [{"amount": 12.5, "amount_company": 12.5, "amount_invoice_currency": 50.0}],
        )
        self.assertRecordValues(
            self._earned(invoice, self.eur_agreement),
            [{"amount": 50.0, "amount_company": 12.5, "amount_invoice_currency": 50.0}],
        )


@tagged("post_install", "-at_install")
class TestPaymentTwoCompanies(RevsharePaymentCommon):
    """Each company earns on its own invoices, in its own books."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_data_2 = cls.setup_other_company()
        cls.company_2 = cls.company_data_2["company"]
        # The chart gave the fee product company 2's purchase tax: these entry
        # agreements bear none (taxed bills: test_payment_tax.py).
        cls.fee_product.supplier_taxes_id = [Command.clear()]
        cls.agreement_1 = cls._create_agreement(cls.reseller, 10.0)
        cls.agreement_2 = cls._create_agreement(
            cls.reseller, 20.0, company_data=cls.company_data_2
        )

    def test_two_companies(self):
        invoice_1 = self._invoice(1000.0)
        invoice_2 = self._invoice(1000.0, company_data=self.company_data_2)
        self._pay(invoice_1)
        self._pay(invoice_2.with_company(self.company_2))
        rows_1 = self._earned(invoice_1)
        rows_2 = self._earned(invoice_2)
        self.assertRecordValues(
            rows_1,
            [
                {
                    "agreement_id": self.agreement_1.id,
                    "amount": 100.0,
                    "company_id": self.company.id,
                }
            ],
        )
        self.assertRecordValues(
            rows_2,
            [
                {
                    "agreement_id": self.agreement_2.id,
                    "amount": 200.0,
                    "company_id": self.company_2.id,
                }
            ],
        )
        self.assertEqual(rows_1.move_id.company_id, self.company)
        self.assertEqual(rows_2.move_id.company_id, self.company_2)
        self.assertEqual(
            rows_2.move_id.journal_id, self.company_data_2["default_journal_misc"]
        )
        self.assertEqual(self._payable_balance(self.reseller, self.company), 100.0)
        self.assertEqual(self._payable_balance(self.reseller, self.company_2), 200.0)
