from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import RevsharePaymentDefaultCommon


class RevshareTaxCommon(RevsharePaymentDefaultCommon):
    """Taxes of our vendor bills in a company configured as Odoo ships it: a 10%
    agreement on a paid invoice of 1,000 earns 100, and its bill carries the taxes
    Odoo puts on a vendor bill typed by hand (the bill product's vendor tax mapped
    by the beneficiary's fiscal position). The user creates only the product, the
    taxes, the fiscal positions, the partners and the agreements."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        purchase_15 = cls.company_data["default_tax_purchase"]
        sale_15 = cls.company_data["default_tax_sale"]
        # The chart's own tax accounts: VAT receivable and VAT payable.
        cls.vat_in_account = purchase_15.invoice_repartition_line_ids.filtered(
            lambda r: r.repartition_type == "tax"
        ).account_id
        cls.vat_out_account = sale_15.invoice_repartition_line_ids.filtered(
            lambda r: r.repartition_type == "tax"
        ).account_id
        cls.vat_20 = cls._purchase_tax("VAT 20%", 20.0, [(100.0, cls.vat_in_account)])
        cls.reverse_charge_20 = cls._purchase_tax(
            "VAT 20% reverse charge",
            20.0,
            [(100.0, cls.vat_in_account), (-100.0, cls.vat_out_account)],
        )
        cls.withholding_10 = cls._purchase_tax(
            "Withholding 10%", -10.0, [(100.0, cls.vat_out_account)]
        )
        cls.commission = cls.env["product.product"].create(
            {
                "name": "Commission",
                "type": "service",
                "supplier_taxes_id": [Command.set(cls.vat_20.ids)],
            }
        )
        cls.intra_eu = cls._fiscal_position("Intra-EU", cls.reverse_charge_20)
        cls.withheld = cls._fiscal_position("Agents (withholding)", cls.withholding_10)
        cls.domestic = cls.env["res.partner"].create(
            {"name": "Domestic Reseller", "vat": "FR40303265045"}
        )
        cls.eu_partner = cls.env["res.partner"].create(
            {
                "name": "EU Reseller",
                "vat": "BE0477472701",
                "property_account_position_id": cls.intra_eu.id,
            }
        )
        cls.withheld_agent = cls.env["res.partner"].create(
            {"name": "Agent", "property_account_position_id": cls.withheld.id}
        )

    @classmethod
    def _purchase_tax(cls, name, amount, repartition):
        """A purchase tax of ``amount`` percent; ``repartition``: (factor, account)
        of each tax repartition line, the same for bills and credit notes."""

        def lines():
            return [Command.create({"repartition_type": "base"})] + [
                Command.create(
                    {
                        "repartition_type": "tax",
                        "factor_percent": factor,
                        "account_id": account.id,
                    }
                )
                for factor, account in repartition
            ]

        return cls.env["account.tax"].create(
            {
                "name": name,
                "amount": amount,
                "type_tax_use": "purchase",
                "company_id": cls.company.id,
                "invoice_repartition_line_ids": lines(),
                "refund_repartition_line_ids": lines(),
            }
        )

    @classmethod
    def _fiscal_position(cls, name, tax):
        return cls.env["account.fiscal.position"].create(
            {
                "name": name,
                "company_id": cls.company.id,
                "tax_ids": [
                    Command.create({"tax_src_id": cls.vat_20.id, "tax_dest_id": tax.id})
                ],
            }
        )

    def _agreement(self, partner, mode="bill", **vals):
        return self._create_agreement(
            partner, 10.0, mode=mode, product_id=self.commission.id, **vals
        )

    def _check(self, date_from="2024-01-01", date_to="2026-12-31"):
        self.env.invalidate_all()
        return self.env["revshare.check"]._revshare_check(
            self.company, date_from, date_to
        )

    def _bill(self, agreement, invoice):
        bill = self._earned(invoice, agreement).move_id
        self.assertEqual(len(bill), 1)
        self.assertEqual(bill.state, "posted")
        return bill

    def _tax_lines(self, bill):
        return [
            (line.account_id, line.balance)
            for line in bill.line_ids.filtered(
                lambda line: line.display_type == "tax"
            ).sorted("balance")
        ]

    def _assert_bill(self, bill, untaxed, tax, total, payable=None):
        self.assertRecordValues(
            bill,
            [
                {
                    "amount_untaxed": untaxed,
                    "amount_tax": tax,
                    "amount_total": total,
                }
            ],
        )
        payable_lines = bill.line_ids.filtered(
            lambda line: line.account_type == "liability_payable"
        )
        self.assertEqual(
            round(-sum(payable_lines.mapped("balance")), 2),
            total if payable is None else payable,
        )


@tagged("post_install", "-at_install")
class TestPaymentTaxDefaultConfig(RevshareTaxCommon):
    """The taxes of per-event bills, settlement bills and journal entries."""

    # ------------------------------------------------------------------
    # Per-event bills
    # ------------------------------------------------------------------

    def test_domestic_vat(self):
        """A VAT-registered reseller invoices 100 + 20% VAT: paid 120."""
        agreement = self._agreement(self.domestic)
        invoice = self._invoice(1000.0, partner=self.customer)
        self._pay(invoice)
        bill = self._bill(agreement, invoice)
        self.assertEqual(self._earned(invoice, agreement).amount, 100.0)
        self.assertEqual(bill.invoice_line_ids.tax_ids, self.vat_20)
        self._assert_bill(bill, 100.0, 20.0, 120.0)
        self.assertEqual(self._tax_lines(bill), [(self.vat_in_account, 20.0)])
        self.assertEqual(self._payable_balance(self.domestic), 120.0)
        self.assertEqual(self._check(), [])

    def test_reverse_charge(self):
        """An EU reseller under reverse charge: the bill is 100, with the VAT
        deducted and due on the company's tax accounts."""
        agreement = self._agreement(self.eu_partner)
        invoice = self._invoice(1000.0)
        self._pay(invoice)
        bill = self._bill(agreement, invoice)
        self.assertEqual(bill.fiscal_position_id, self.intra_eu)
        self.assertEqual(bill.invoice_line_ids.tax_ids, self.reverse_charge_20)
        self._assert_bill(bill, 100.0, 0.0, 100.0)
        self.assertEqual(
            self._tax_lines(bill),
            [(self.vat_out_account, -20.0), (self.vat_in_account, 20.0)],
        )
        self.assertEqual(self._payable_balance(self.eu_partner), 100.0)
        self.assertEqual(self._check(), [])

    def test_withholding(self):
        """10% withheld from an agent's commission: paid 90."""
        agreement = self._agreement(self.withheld_agent)
        invoice = self._invoice(1000.0)
        self._pay(invoice)
        bill = self._bill(agreement, invoice)
        self.assertEqual(bill.invoice_line_ids.tax_ids, self.withholding_10)
        self._assert_bill(bill, 100.0, -10.0, 90.0)
        self.assertEqual(self._tax_lines(bill), [(self.vat_out_account, -10.0)])
        self.assertEqual(self._payable_balance(self.withheld_agent), 90.0)
        self.assertEqual(self._check(), [])

    def test_tax_included_share(self):
        """A tax-included share of 99.99 is billed 99.99, VAT inside: 83.32 + 16.67,
        as Odoo computes a tax-included price (no tax-excluded price gives 99.99
        with 20% on top: 83.32 gives 99.98 and 83.33 gives 100.00)."""
        agreement = self._agreement(self.domestic, share_tax_included=True)
        invoice = self._invoice(999.9)
        self._pay(invoice)
        self.assertEqual(self._earned(invoice, agreement).amount, 99.99)
        bill = self._bill(agreement, invoice)
        self._assert_bill(bill, 83.32, 16.67, 99.99)
        self.assertTrue(bill.invoice_line_ids.revshare_tax_included)
        self.assertEqual(self._payable_balance(self.domestic), 99.99)
        self.assertEqual(self._check(), [])

    def test_tax_included_withholding(self):
        """A tax-included share under withholding: the partner is paid the share,
        100 = 111.11 - 11.11."""
        agreement = self._agreement(self.withheld_agent, share_tax_included=True)
        invoice = self._invoice(1000.0)
        self._pay(invoice)
        self._assert_bill(self._bill(agreement, invoice), 111.11, -11.11, 100.0)
        self.assertEqual(self._check(), [])

    def test_tax_included_fixed_after_rows(self):
        agreement = self._agreement(self.domestic)
        self._pay(self._invoice(1000.0))
        with self.assertRaisesRegex(UserError, "New Version"):
            agreement.share_tax_included = True

    def test_clawback_credit_note_reverses_the_tax(self):
        """The payment is undone: the vendor credit note reverses the bill's VAT,
        and the partner is owed nothing."""
        agreement = self._agreement(self.domestic)
        invoice = self._invoice(1000.0)
        payment = self._pay(invoice)
        bill = self._bill(agreement, invoice)
        payment.action_draft()
        reversal = self._earned(invoice, agreement).filtered(
            lambda r: r.kind == "reversal"
        )
        self.assertEqual(reversal.amount, -100.0)
        refund = reversal.move_id
        self.assertEqual(refund.move_type, "in_refund")
        self.assertEqual(refund.state, "posted")
        self._assert_bill(refund, 100.0, 20.0, 120.0, payable=-120.0)
        self.assertEqual(self._tax_lines(refund), [(self.vat_in_account, -20.0)])
        self.assertEqual(refund.invoice_line_ids.tax_ids, bill.invoice_line_ids.tax_ids)
        self.assertEqual(self._payable_balance(self.domestic), 0.0)
        self.assertEqual(self._check(), [])

    def test_foreign_currency_bill(self):
        """An agreement in EUR (2 EUR per USD): the bill is 100 + 20 EUR, booked
        60 USD on the payable, its VAT 10 USD."""
        eur = self.setup_other_currency("EUR", rates=[("2024-01-01", 2.0)])
        agreement = self._agreement(self.domestic, currency_id=eur.id)
        invoice = self._invoice(1000.0, currency=eur)
        self._pay(invoice, currency=eur)
        bill = self._bill(agreement, invoice)
        self.assertEqual(bill.currency_id, eur)
        self._assert_bill(bill, 100.0, 20.0, 120.0, payable=60.0)
        self.assertEqual(self._tax_lines(bill), [(self.vat_in_account, 10.0)])
        self.assertEqual(
            bill.line_ids.filtered(
                lambda line: line.display_type == "tax"
            ).amount_currency,
            20.0,
        )
        self.assertEqual(self._check(), [])

    # ------------------------------------------------------------------
    # Settlement bills
    # ------------------------------------------------------------------

    def test_settlement_bill_domestic_and_reverse_charge(self):
        """Periodic agreements are billed by their settlement with the same taxes:
        100 + 20 for the domestic reseller, 100 under reverse charge."""
        domestic = self._agreement(self.domestic, mode="periodic")
        eu = self._agreement(self.eu_partner, mode="periodic")
        self._pay(self._invoice(1000.0))
        settlements = self.env["revshare.settlement"]._revshare_run(
            self._date("2024-02-01"), agreements=domestic | eu, confirm=True
        )
        by_partner = {s.partner_id: s for s in settlements}
        domestic_bill = by_partner[self.domestic].bill_id
        eu_bill = by_partner[self.eu_partner].bill_id
        self.assertEqual(by_partner[self.domestic].amount_total, 100.0)
        self._assert_bill(domestic_bill, 100.0, 20.0, 120.0)
        self._assert_bill(eu_bill, 100.0, 0.0, 100.0)
        self.assertEqual(
            self._tax_lines(eu_bill),
            [(self.vat_out_account, -20.0), (self.vat_in_account, 20.0)],
        )
        self.assertEqual(self._check(), [])

    def test_settlement_bill_tax_included(self):
        agreement = self._agreement(
            self.domestic, mode="periodic", share_tax_included=True
        )
        self._pay(self._invoice(999.9))
        settlement = self.env["revshare.settlement"]._revshare_run(
            self._date("2024-02-01"), agreements=agreement, confirm=True
        )
        self._assert_bill(settlement.bill_id, 83.32, 16.67, 99.99)
        self.assertEqual(self._check(), [])

    # ------------------------------------------------------------------
    # Journal entries
    # ------------------------------------------------------------------

    def test_entry_refused_when_taxed(self):
        agreement = self._agreement(self.domestic, mode="entry", activate=False)
        with self.assertRaisesRegex(UserError, "a tax needs an invoice"):
            agreement.action_activate()
        self.assertEqual(agreement.state, "draft")
        # Under reverse charge too: the tax lines need an invoice.
        eu = self._agreement(self.eu_partner, mode="entry", activate=False)
        with self.assertRaisesRegex(UserError, "VAT 20% reverse charge"):
            eu.action_activate()

    def test_entry_without_tax(self):
        """No tax applies (a product without vendor taxes): the entry credits the
        tax-excluded share."""
        agreement = self._create_agreement(self.domestic, 10.0, mode="entry")
        invoice = self._invoice(1000.0)
        self._pay(invoice)
        self.assertEqual(self._earned(invoice, agreement).move_id.move_type, "entry")
        self.assertEqual(self._payable_balance(self.domestic), 100.0)
        self.assertEqual(self._check(), [])

    def test_integrity_check_finds_a_changed_tax(self):
        """A bill's VAT changed by hand (25% instead of 20%) is a mismatch."""
        agreement = self._agreement(self.domestic)
        invoice = self._invoice(1000.0)
        self._pay(invoice)
        bill = self._bill(agreement, invoice)
        vat_25 = self.vat_20.copy({"name": "VAT 25%", "amount": 25.0})
        bill.button_draft()
        bill.invoice_line_ids.tax_ids = vat_25
        bill.action_post()
        self.assertEqual(bill.amount_total, 125.0)
        self.assertEqual(self._check(), [])
        # The tax lines are counted: changing the share's price is not.
        bill.button_draft()
        bill.invoice_line_ids.price_unit = 110.0
        bill.action_post()
        found = self._check()
        self.assertEqual(
            sorted(
                {(m["kind"], m["expected_amount"], m["actual_amount"]) for m in found}
            ),
            [("document", 127.5, 137.5), ("payable", 127.5, 137.5)],
        )


@tagged("post_install", "-at_install")
class TestPaymentSelfBilling(RevshareTaxCommon):
    """Self-billing: the company issues the partner's invoice on its behalf."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.vat = "FR23334175221"

    def _self_billed(self, partner=None, mode="bill", **vals):
        return self._agreement(
            partner or self.domestic,
            mode=mode,
            self_billing=True,
            self_billing_accepted_date="2025-12-01",
            **vals,
        )

    def test_self_billed_bills_are_numbered(self):
        agreement = self._self_billed()
        first = self._invoice(1000.0, date="2026-01-10")
        self._pay(first, date="2026-01-20")
        second = self._invoice(500.0, date="2026-01-11")
        self._pay(second, date="2026-01-21")
        bills = self._bill(agreement, first) | self._bill(agreement, second)
        self.assertRecordValues(
            bills,
            [
                {
                    "revshare_self_billing": True,
                    "revshare_self_billing_number": "SB/2026/0001",
                    "ref": "SB/2026/0001",
                    "amount_total": 120.0,
                },
                {
                    "revshare_self_billing": True,
                    "revshare_self_billing_number": "SB/2026/0002",
                    "ref": "SB/2026/0002",
                    "amount_total": 60.0,
                },
            ],
        )
        mention = str(bills[0].narration)
        # The acceptance date as the partner writes dates.
        for text in ("Self-billing", "FR23334175221", "FR40303265045", "12/01/2025"):
            self.assertIn(text, mention)
        self.assertEqual(self._check(), [])

    def test_other_company_has_its_own_sequence(self):
        agreement = self._self_billed()
        invoice = self._invoice(1000.0, date="2026-01-10")
        self._pay(invoice, date="2026-01-20")
        bill = self._bill(agreement, invoice)
        sequence = bill._revshare_self_billing_sequence()
        self.assertEqual(sequence.company_id, self.company)

    def test_not_self_billed_bill_keeps_its_reference(self):
        agreement = self._agreement(self.domestic)
        invoice = self._invoice(1000.0)
        self._pay(invoice)
        bill = self._bill(agreement, invoice)
        self.assertFalse(bill.revshare_self_billing)
        self.assertFalse(bill.revshare_self_billing_number)

    def test_acceptance_date_required(self):
        with self.assertRaisesRegex(ValidationError, "accepted self-billing"):
            self._agreement(self.domestic, self_billing=True)

    def test_partner_vat_required(self):
        partner = self.env["res.partner"].create({"name": "No VAT"})
        agreement = self._self_billed(partner, activate=False)
        with self.assertRaisesRegex(UserError, "Tax ID"):
            agreement.action_activate()
        self.assertEqual(agreement.state, "draft")
        partner.vat = "FR12345678901"
        agreement.action_activate()
        self.assertEqual(agreement.state, "active")

    def test_partner_vat_required_in_eu_country(self):
        """A company in an EU country is under VAT even without its VAT number."""
        self.company.write(
            {"vat": False, "account_fiscal_country_id": self.env.ref("base.be").id}
        )
        partner = self.env["res.partner"].create({"name": "No VAT"})
        agreement = self._self_billed(partner, activate=False)
        with self.assertRaisesRegex(UserError, "Tax ID"):
            agreement.action_activate()
        self.company.account_fiscal_country_id = self.env.ref("base.us")
        agreement.action_activate()
        self.assertEqual(agreement.state, "active")

    def test_statement_is_the_invoice_copy(self):
        """The statement of a self-billed periodic agreement shows the VAT
        breakdown, both VAT numbers, the number and the mention."""
        agreement = self._self_billed(mode="periodic")
        self._pay(self._invoice(1000.0, date="2026-01-10"), date="2026-01-20")
        settlement = self.env["revshare.settlement"]._revshare_run(
            self._date("2026-02-01"), agreements=agreement, confirm=True
        )
        bill = settlement.bill_id
        self.assertEqual(bill.state, "draft")
        self.assertFalse(bill.revshare_self_billing_number)
        bill.action_post()
        self.assertEqual(bill.revshare_self_billing_number, "SB/2026/0001")
        self.assertRecordValues(
            settlement,
            [
                {
                    "bill_amount_untaxed": 100.0,
                    "bill_amount_tax": 20.0,
                    "bill_amount_total": 120.0,
                }
            ],
        )
        html = self._statement_html(settlement)
        for text in (
            "Self-billing",
            "SB/2026/0001",
            "FR23334175221",
            "FR40303265045",
            "120.00",
            "20.00",
        ):
            self.assertIn(text, html)
        self.assertEqual(self._check(), [])
