from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import RevshareCommon


def labelled_shares(computation):
    """A subclass of the share computation ``computation`` that notes on each
    share row its invoice line's product and quantity, as an extending addon
    would add an analytic account."""

    class LabelledShares(computation):
        def _prepare_share_vals(self, agreement, line, rule, base, cumulative):
            vals = super()._prepare_share_vals(agreement, line, rule, base, cumulative)
            if vals:
                vals["note"] = f"{line.product_id.name} x {line.quantity:g}"
            return vals

    return LabelledShares


@tagged("post_install", "-at_install")
class TestRevshareCompute(RevshareCommon):
    """The single share computation: compute types, bases, scope, waterfall,
    currencies, credit notes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency("EUR", rates=[("2016-01-01", 3.0)])
        cls.gbp = cls.setup_other_currency("GBP", rates=[("2016-01-01", 4.0)])

    # --- compute types ---------------------------------------------------

    def test_percent_untaxed(self):
        agreement = self._create_agreement(rules=[{"rate": 12.5}])
        invoice = self._create_invoice(
            [
                (self.product_cloud, 3, 100.0, self.tax_10),
                (self.product_service, 1, 33.33),
            ]
        )
        rows = self._rows(invoice)
        self.assertEqual(rows.mapped("amount"), [37.5, 4.17])
        self.assertEqual(rows.mapped("amount_company"), [37.5, 4.17])
        self.assertEqual(rows.mapped("amount_invoice_currency"), [37.5, 4.17])
        self.assertEqual(rows.mapped("base_amount"), [300.0, 33.33])
        self.assertEqual(rows.mapped("rate"), [12.5, 12.5])
        self.assertEqual(rows.mapped("state"), ["earned", "earned"])
        self.assertEqual(rows.mapped("kind"), ["share", "share"])
        self.assertEqual(rows.agreement_id, agreement)
        self.assertEqual(rows.rule_id, agreement.rule_ids)
        self.assertEqual(rows.partner_id, self.reseller)
        self.assertEqual(rows.customer_id, self.customer)
        self.assertEqual(rows.invoice_line_id, invoice.invoice_line_ids)
        self.assertEqual(rows.product_id, self.product_cloud | self.product_service)
        self.assertEqual(rows.mapped("date"), [fields.Date.to_date("2026-03-10")] * 2)
        self.assertEqual(invoice.revshare_amount, 41.67)
        self.assertEqual(invoice.invoice_line_ids[0].revshare_line_ids, rows[0])
        self.assertEqual(agreement.amount_earned, 41.67)
        self.assertEqual(agreement.amount_to_settle, 41.67)
        self.assertEqual(agreement.amount_settled, 0.0)
        self.assertEqual(self.reseller.revshare_amount_earned, 41.67)
        self.assertEqual(self.reseller.revshare_amount_to_settle, 41.67)

    def test_fixed_unit(self):
        self._create_agreement(rules=[{"compute": "fixed_unit", "amount": 2.5}])
        invoice = self._create_invoice([(self.product_cloud, 4, 100.0)])
        self.assertEqual(self._amounts(invoice), [10.0])
        self.assertEqual(self._rows(invoice).rate, 0.0)

    def test_fixed_unit_counts_product_units(self):
        """With units of measure on, two dozen sold earn 24 units' fixed amount,
        as the margin base already counts them (cost of 24 units)."""
        self.env.user.groups_id += self.env.ref("uom.group_uom")
        self._create_agreement(rules=[{"compute": "fixed_unit", "amount": 4.0}])
        self._create_agreement(self.techpartner, base="margin", rate=10.0)
        invoice = self._create_invoice([(self.product_cloud, 2, 1200.0)], post=False)
        invoice.invoice_line_ids.product_uom_id = self.env.ref("uom.product_uom_dozen")
        invoice.action_post()
        self.assertEqual(invoice.amount_untaxed, 2400.0)
        self.assertEqual(self._amounts(invoice), [96.0, 144.0])
        self.assertEqual(self._rows(invoice).mapped("base_amount"), [2400.0, 1440.0])

    def test_total_base_rounded_globally(self):
        """A company that rounds taxes per invoice charges 0.64 of tax on three
        lines of 1.01 + 21%, not three times 0.21: the bases of a share of the
        total add up to what the invoice charges, and the check agrees."""
        self.company.tax_calculation_rounding_method = "round_globally"
        tax_21 = self.env["account.tax"].create(
            {"name": "Tax 21%", "amount": 21.0, "type_tax_use": "sale"}
        )
        self._create_agreement(base="total", rate=50.0)
        invoice = self._create_invoice([(self.product_cloud, 1, 1.01, tax_21)] * 3)
        self.assertEqual(invoice.amount_tax, 0.64)
        self.assertEqual(invoice.amount_total, 3.67)
        rows = self._rows(invoice)
        self.assertEqual(sorted(rows.mapped("base_amount")), [1.22, 1.22, 1.23])
        self.assertEqual(sorted(rows.mapped("amount")), [0.61, 0.61, 0.62])
        self.assertEqual(
            self.env["revshare.check"]._revshare_check(
                self.company, "2026-01-01", "2026-12-31"
            ),
            [],
        )

    def test_fixed_line(self):
        self._create_agreement(rules=[{"compute": "fixed_line", "amount": 7.0}])
        invoice = self._create_invoice(
            [(self.product_cloud, 4, 100.0), (self.product_service, 1, 20.0)]
        )
        self.assertEqual(self._amounts(invoice), [7.0, 7.0])

    def test_tiered_provisional_rate_by_period(self):
        """Tier reached by the cumulative base of the (monthly) period, this invoice
        included; a new month starts again below the first tier."""
        agreement = self._create_agreement(
            rules=[self._tiered_rule(5.0, (1000.0, 10.0), (5000.0, 15.0))]
        )
        inv1 = self._create_invoice([(self.product_cloud, 8, 100.0)])
        inv2 = self._create_invoice(
            [(self.product_cloud, 5, 100.0)], invoice_date="2026-03-20"
        )
        inv3 = self._create_invoice(
            [(self.product_cloud, 40, 100.0)], invoice_date="2026-03-25"
        )
        inv4 = self._create_invoice(
            [(self.product_cloud, 6, 100.0)], invoice_date="2026-04-02"
        )
        self.assertEqual(self._amounts(inv1), [40.0])  # 800 -> 5%
        self.assertEqual(self._amounts(inv2), [50.0])  # 1300 -> 10%
        self.assertEqual(self._amounts(inv3), [600.0])  # 5300 -> 15%
        self.assertEqual(self._rows(inv3).rate, 15.0)
        self.assertEqual(self._amounts(inv4), [30.0])  # April: 600 -> 5%
        # Quarterly periods: April belongs to Q2 as well, March's base does not count.
        agreement.settlement_period = "quarterly"
        inv5 = self._create_invoice(
            [(self.product_cloud, 5, 100.0)], invoice_date="2026-05-02"
        )
        self.assertEqual(self._amounts(inv5), [50.0])  # Q2: 600 + 500 -> 10%

    def test_min_max_per_line(self):
        self._create_agreement(
            rules=[{"rate": 10.0, "min_amount": 5.0, "max_amount": 20.0}]
        )
        invoice = self._create_invoice(
            [
                (self.product_service, 1, 30.0),
                (self.product_cloud, 5, 100.0),
                (self.product_cloud, 1, 100.0),
            ]
        )
        self.assertEqual(self._amounts(invoice), [5.0, 20.0, 10.0])

    def test_fixed_above_base_is_refused(self):
        self._create_agreement(rules=[{"compute": "fixed_line", "amount": 50.0}])
        invoice = self._create_invoice([(self.product_service, 1, 30.0)], post=False)
        with self.assertRaises(UserError) as error:
            invoice.action_post()
        self.assertIn("more than 100%", str(error.exception))
        self.assertEqual(invoice.state, "draft")
        self.assertFalse(invoice.revshare_line_ids)

    # --- bases -------------------------------------------------------------

    def test_base_total(self):
        self._create_agreement(base="total")
        invoice = self._create_invoice([(self.product_cloud, 3, 100.0, self.tax_10)])
        self.assertEqual(self._amounts(invoice), [33.0])
        self.assertEqual(self._rows(invoice).base_amount, 330.0)

    def test_base_margin(self):
        """Margin = untaxed - standard price x quantity (40 a unit); a sale below
        cost earns nothing."""
        self._create_agreement(base="margin")
        invoice = self._create_invoice(
            [(self.product_cloud, 3, 100.0, self.tax_10), (self.product_cloud, 1, 30.0)]
        )
        self.assertEqual(self._amounts(invoice), [18.0])
        self.assertEqual(self._rows(invoice).base_amount, 180.0)

    # --- credit notes ------------------------------------------------------

    def test_credit_note_negative(self):
        self._create_agreement(
            rules=[
                {"product_ids": [Command.set(self.product_cloud.ids)], "rate": 10.0},
                {"compute": "fixed_unit", "amount": 1.5},
            ]
        )
        refund = self._create_invoice(
            [(self.product_cloud, 2, 100.0), (self.product_service, 4, 50.0)],
            move_type="out_refund",
        )
        rows = self._rows(refund)
        self.assertEqual(rows.mapped("amount"), [-20.0, -6.0])
        self.assertEqual(rows.mapped("base_amount"), [-200.0, -200.0])
        self.assertEqual(rows.mapped("amount_company"), [-20.0, -6.0])
        self.assertEqual(refund.revshare_amount, -26.0)

    # --- rules -------------------------------------------------------------

    def test_first_matching_rule_by_sequence(self):
        agreement = self._create_agreement(
            rules=[
                {"sequence": 20, "rate": 5.0, "name": "Fallback"},
                {
                    "sequence": 10,
                    "rate": 20.0,
                    "name": "Cloud",
                    "product_category_ids": [Command.set(self.categ_parent.ids)],
                },
                {
                    "sequence": 30,
                    "rate": 50.0,
                    "name": "Never reached",
                    "product_ids": [Command.set(self.product_service.ids)],
                },
            ]
        )
        invoice = self._create_invoice(
            [(self.product_cloud, 1, 100.0), (self.product_service, 1, 100.0)]
        )
        rows = self._rows(invoice)
        self.assertEqual(rows.mapped("amount"), [20.0, 5.0])
        self.assertEqual(rows.mapped("rule_id.name"), ["Cloud", "Fallback"])
        # Date-bounded rule: from April the cloud rule pays 25%.
        agreement.rule_ids.filtered(lambda r: r.name == "Cloud").date_end = "2026-03-31"
        self.env["revshare.rule"].create(
            {
                "agreement_id": agreement.id,
                "sequence": 5,
                "rate": 25.0,
                "date_start": "2026-04-01",
                "product_category_ids": [Command.set(self.categ_parent.ids)],
            }
        )
        april = self._create_invoice(
            [(self.product_cloud, 1, 100.0)], invoice_date="2026-04-05"
        )
        self.assertEqual(self._amounts(april), [25.0])
        march = self._create_invoice(
            [(self.product_cloud, 1, 100.0)], invoice_date="2026-03-30"
        )
        self.assertEqual(self._amounts(march), [20.0])

    def test_archived_rule_ignored(self):
        agreement = self._create_agreement(
            rules=[{"sequence": 1, "rate": 30.0}, {"sequence": 2, "rate": 10.0}]
        )
        agreement.rule_ids[0].active = False
        invoice = self._create_invoice([(self.product_cloud, 1, 100.0)])
        self.assertEqual(self._amounts(invoice), [10.0])

    # --- scope -------------------------------------------------------------

    def _assert_scope(self, agreement_vals, matching, other):
        """``matching`` and ``other`` are invoice kwargs; only the first earns."""
        agreement = self._create_agreement(**agreement_vals)
        lines = [(self.product_cloud, 1, 100.0)]
        inv_ok = self._create_invoice(matching.pop("lines", lines), **matching)
        inv_ko = self._create_invoice(other.pop("lines", lines), **other)
        self.assertEqual(self._amounts(inv_ok, agreement), [10.0])
        self.assertEqual(self._amounts(inv_ko, agreement), [])

    def test_scope_customer(self):
        self._assert_scope(
            {"customer_ids": [Command.set(self.customer.ids)]},
            {"partner_id": self.customer.id},
            {"partner": self.customer2},
        )

    def test_scope_customer_contact(self):
        """A contact of the customer invoices: its commercial partner is in scope."""
        contact = self.env["res.partner"].create(
            {"name": "Accounts", "parent_id": self.customer.id, "type": "invoice"}
        )
        self._assert_scope(
            {"customer_ids": [Command.set(self.customer.ids)]},
            {"partner": contact},
            {"partner": self.customer2},
        )

    def test_scope_customer_category(self):
        tag = self.env["res.partner.category"].create({"name": "VIP"})
        self.customer2.category_id = tag
        self._assert_scope(
            {"customer_category_ids": [Command.set(tag.ids)]},
            {"partner": self.customer2},
            {"partner": self.customer},
        )

    def test_scope_referred_only(self):
        self._assert_scope(
            {"referred_only": True},
            {"partner": self.customer},
            {"partner": self.customer2},
        )

    def test_scope_product(self):
        self._assert_scope(
            {"product_ids": [Command.set(self.product_cloud.ids)]},
            {},
            {"lines": [(self.product_service, 1, 100.0)]},
        )

    def test_scope_product_category_with_children(self):
        self._assert_scope(
            {"product_category_ids": [Command.set(self.categ_parent.ids)]},
            {},
            {"lines": [(self.product_service, 1, 100.0)]},
        )

    def test_scope_salesperson(self):
        seller = self.env["res.users"].create(
            {"name": "Seller", "login": "seller_revshare"}
        )
        self._assert_scope(
            {"salesperson_ids": [Command.set(seller.ids)]},
            {"invoice_user_id": seller.id},
            {"invoice_user_id": self.env.user.id},
        )

    def test_scope_journal(self):
        journal2 = self.sale_journal.copy({"name": "Sales 2", "code": "SAL2"})
        self._assert_scope(
            {"journal_ids": [Command.set(journal2.ids)]},
            {"journal_id": journal2.id},
            {"journal_id": self.sale_journal.id},
        )

    def test_scope_country(self):
        belgium = self.env.ref("base.be")
        self.customer.country_id = belgium
        self.customer2.country_id = self.env.ref("base.fr")
        self._assert_scope(
            {"country_ids": [Command.set(belgium.ids)]},
            {"partner": self.customer},
            {"partner": self.customer2},
        )

    def test_scope_dates(self):
        self._assert_scope(
            {"date_start": "2026-03-01", "date_end": "2026-03-31"},
            {"invoice_date": "2026-03-31"},
            {"invoice_date": "2026-04-01"},
        )

    def test_inactive_agreements_ignored(self):
        draft = self._create_agreement(activate=False)
        suspended = self._create_agreement()
        suspended.action_suspend()
        invoice = self._create_invoice([(self.product_cloud, 1, 100.0)])
        self.assertFalse(invoice.revshare_line_ids)
        self.assertEqual(draft.state, "draft")

    def test_own_documents_never_earn(self):
        self._create_agreement()
        invoice = self._create_invoice(
            [(self.product_cloud, 1, 100.0)], post=False, revshare_origin=True
        )
        invoice.action_post()
        self.assertFalse(invoice.revshare_line_ids)

    # --- waterfall -----------------------------------------------------------

    def test_waterfall(self):
        """A (seq 1) takes 10% of 200; B (seq 2, waterfall) 50% of what is left;
        C (seq 3, not waterfall) 5% of the full line."""
        a = self._create_agreement(sequence=1)
        b = self._create_agreement(
            sequence=2,
            waterfall=True,
            partner_id=self.techpartner.id,
            rules=[{"rate": 50.0}],
        )
        c = self._create_agreement(sequence=3, rules=[{"rate": 5.0}])
        invoice = self._create_invoice([(self.product_cloud, 2, 100.0)])
        self.assertEqual(self._amounts(invoice, a), [20.0])
        self.assertEqual(self._amounts(invoice, b), [90.0])
        self.assertEqual(self._rows(invoice, b).base_amount, 180.0)
        self.assertEqual(self._amounts(invoice, c), [10.0])
        # D (seq 4, waterfall): what A, B and C left: 200 - 120 = 80.
        d = self._create_agreement(sequence=4, waterfall=True, rules=[{"rate": 10.0}])
        invoice2 = self._create_invoice([(self.product_cloud, 2, 100.0)])
        self.assertEqual(self._rows(invoice2, d).base_amount, 80.0)
        self.assertEqual(self._amounts(invoice2, d), [8.0])

    # --- currencies ------------------------------------------------------------

    def test_invoice_in_foreign_currency(self):
        """EUR invoice at 3 EUR per USD: 100 EUR = 33.33 USD."""
        usd_agreement = self._create_agreement()
        eur_agreement = self._create_agreement(
            currency_id=self.eur.id, partner_id=self.techpartner.id
        )
        invoice = self._create_invoice(
            [(self.product_cloud, 1, 100.0)], currency=self.eur
        )
        usd_row = self._rows(invoice, usd_agreement)
        self.assertEqual(usd_row.currency_id, self.currency)
        self.assertEqual(usd_row.base_amount, 33.33)
        self.assertEqual(usd_row.amount, 3.33)
        self.assertEqual(usd_row.amount_company, 3.33)
        self.assertEqual(usd_row.amount_invoice_currency, 9.99)
        self.assertEqual(usd_row.invoice_currency_id, self.eur)
        eur_row = self._rows(invoice, eur_agreement)
        self.assertEqual(eur_row.currency_id, self.eur)
        self.assertEqual(eur_row.base_amount, 100.0)
        self.assertEqual(eur_row.amount, 10.0)
        self.assertEqual(eur_row.amount_company, 3.33)
        self.assertEqual(eur_row.amount_invoice_currency, 10.0)

    def test_agreement_in_third_currency(self):
        """Company-currency invoice of 100 USD, partner paid in GBP (4 per USD)."""
        agreement = self._create_agreement(currency_id=self.gbp.id)
        invoice = self._create_invoice([(self.product_cloud, 1, 100.0)])
        row = self._rows(invoice, agreement)
        self.assertEqual(row.base_amount, 400.0)
        self.assertEqual(row.amount, 40.0)
        self.assertEqual(row.amount_company, 10.0)
        self.assertEqual(row.amount_invoice_currency, 10.0)
        # Invoice in EUR (3 per USD), partner in GBP: 90 EUR = 30 USD = 120 GBP.
        invoice2 = self._create_invoice(
            [(self.product_cloud, 1, 90.0)], currency=self.eur
        )
        row2 = self._rows(invoice2, agreement)
        self.assertEqual(row2.base_amount, 120.0)
        self.assertEqual(row2.amount, 12.0)
        self.assertEqual(row2.amount_company, 3.0)
        self.assertEqual(row2.amount_invoice_currency, 9.0)

    # --- preview -------------------------------------------------------------

    def test_draft_preview(self):
        self._create_agreement()
        invoice = self._create_invoice([(self.product_cloud, 3, 100.0)], post=False)
        self.assertEqual(invoice.revshare_preview_amount, 30.0)
        self.assertIn("Agreement", invoice.revshare_preview_html)
        self.assertFalse(
            self.env["revshare.line"].search([("invoice_id", "=", invoice.id)])
        )
        invoice.action_post()
        self.assertEqual(invoice.revshare_preview_amount, 0.0)
        self.assertEqual(invoice.revshare_amount, 30.0)

    # --- extension -----------------------------------------------------------

    def test_share_computation_hook_changes_share_rows(self):
        """An addon changes what every share row holds by returning its own
        subclass of the computation class (here: the invoice line's label as the
        row's note)."""
        Agreement = type(self.env["revshare.agreement"])
        computation_of = Agreement._revshare_share_computation

        def _revshare_share_computation(agreements):
            return labelled_shares(computation_of(agreements))

        agreement = self._create_agreement(rules=[{"rate": 10.0}])
        # The extending addon's override of the model hook.
        with patch.object(
            Agreement, "_revshare_share_computation", _revshare_share_computation
        ):
            invoice = self._create_invoice([(self.product_cloud, 3, 100.0)])
        row = self._rows(invoice, agreement)
        self.assertEqual(row.note, "Cloud Storage 1TB x 3")
        self.assertEqual(row.amount, 30.0)
        # Without the override, rows hold no note.
        other = self._create_invoice([(self.product_cloud, 1, 100.0)])
        self.assertFalse(self._rows(other, agreement).note)
