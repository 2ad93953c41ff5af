from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import RevshareCommon, d

# "10 % of each customer's first 3 invoices, 5 % from the 4th".
TEN_THEN_FIVE = [
    {"name": "First three", "rate": 10.0, "customer_invoice_to": 3},
    {"name": "From the 4th", "rate": 5.0, "customer_invoice_from": 4},
]


@tagged("post_install", "-at_install")
class TestRevshareRuleConditions(RevshareCommon):
    """Rules that match a line from a quantity, an invoice from an untaxed total,
    and a customer's N-th invoice under the agreement, frozen on the row; on
    Odoo's default configuration (only products, partners and agreements made)."""

    def _invoices(self, customer, count, product=None, day="2026-03-01"):
        """``count`` invoices of one unit at 100 to ``customer``, one a day from
        ``day``, posted one by one."""
        invoices = self.env["account.move"].browse()
        for k in range(count):
            invoices |= self._create_invoice(
                [(product or self.product_cloud, 1, 100.0)],
                partner=customer,
                invoice_date=d(day).replace(day=d(day).day + k),
            )
        return invoices

    def _refund(self, invoice, quantity, price_unit=100.0):
        """A credit note of ``quantity`` units of ``invoice``'s first product."""
        return self._create_invoice(
            [(invoice.invoice_line_ids[0].product_id, quantity, price_unit)],
            partner=invoice.partner_id,
            move_type="out_refund",
            invoice_date=invoice.invoice_date,
            reversed_entry_id=invoice.id,
        )

    # --- thresholds ----------------------------------------------------------

    def test_min_quantity(self):
        agreement = self._create_agreement(
            rules=[{"rate": 20.0, "min_quantity": 10.0}, {"rate": 5.0}]
        )
        invoice = self._create_invoice(
            [
                (self.product_cloud, 10, 100.0),
                (self.product_service, 9, 50.0),
                (self.product_cloud, 9.5, 10.0),
            ]
        )
        self.assertEqual(self._amounts(invoice, agreement), [200.0, 22.5, 4.75])
        self.assertEqual(
            self._rows(invoice, agreement).mapped("rate"), [20.0, 5.0, 5.0]
        )

    def test_min_invoice_amount_and_credit_notes(self):
        agreement = self._create_agreement(
            rules=[{"rate": 10.0, "min_invoice_amount": 1000.0}]
        )
        small = self._create_invoice([(self.product_cloud, 9, 111.11)])
        self.assertFalse(small.revshare_line_ids)  # 999.99 untaxed
        # Taxes do not count toward the minimum: 1,000.00 untaxed, 1,100.00 taxed.
        large = self._create_invoice([(self.product_cloud, 10, 100.0, self.tax_10)])
        self.assertEqual(self._amounts(large, agreement), [100.0])
        # A credit note of one unit is measured by the invoice it reverses.
        refund = self._refund(large, 1)
        self.assertEqual(self._amounts(refund, agreement), [-10.0])
        self.assertFalse(self._refund(small, 1).revshare_line_ids)

    def test_thresholds_with_tiers_and_waterfall(self):
        tiered = self._create_agreement(
            sequence=1,
            rules=[
                {
                    **self._tiered_rule(10.0, (500.0, 20.0)),
                    "min_invoice_amount": 300.0,
                }
            ],
        )
        waterfall = self._create_agreement(
            partner=self.techpartner,
            sequence=2,
            waterfall=True,
            rules=[{"rate": 50.0, "min_quantity": 3.0}],
        )
        first = self._create_invoice([(self.product_cloud, 4, 100.0)])
        below = self._create_invoice([(self.product_cloud, 2, 100.0)])
        third = self._create_invoice([(self.product_cloud, 3, 100.0)])
        # 400 at 10 %; 200 matches no rule (nor counts toward the tier); 300 more
        # reach the 500 tier: 20 %.
        self.assertEqual(self._amounts(first, tiered), [40.0])
        self.assertFalse(below.revshare_line_ids)
        self.assertEqual(self._amounts(third, tiered), [60.0])
        # Half of what is left after the tiered share.
        self.assertEqual(self._amounts(first, waterfall), [180.0])
        self.assertEqual(self._amounts(third, waterfall), [120.0])

    def test_negative_minimums_refused(self):
        for vals in ({"min_quantity": -1.0}, {"min_invoice_amount": -0.01}):
            with self.subTest(vals=vals), self.assertRaises(ValidationError) as error:
                self._create_agreement(rules=[{"rate": 10.0, **vals}])
            self.assertIn("cannot be negative", str(error.exception))
        self.assertFalse(self.env["revshare.rule"].search([("min_quantity", "<", 0)]))

    # --- first invoices of a customer ------------------------------------------

    def test_first_three_invoices_then_five_percent(self):
        agreement = self._create_agreement(
            rules=TEN_THEN_FIVE, product_ids=[Command.set(self.product_cloud.ids)]
        )
        customer = self.env["res.partner"].create({"name": "Newcomer"})
        invoices = self._invoices(customer, 2)
        # An invoice out of the agreement's products is not one of its invoices.
        outside = self._invoices(customer, 1, self.product_service, "2026-03-03")
        invoices |= self._invoices(customer, 3, day="2026-03-04")
        self.assertFalse(outside.revshare_line_ids)
        rows = invoices.revshare_line_ids.sorted("date")
        self.assertEqual(rows.mapped("amount"), [10.0, 10.0, 10.0, 5.0, 5.0])
        self.assertEqual(rows.mapped("customer_invoice"), [1, 2, 3, 4, 5])
        self.assertEqual(rows[3].rule_id.name, "From the 4th")
        # A credit note takes back at its invoice's number and rule.
        refund = self._refund(invoices[1], 1)
        self.assertEqual(self._amounts(refund, agreement), [-10.0])
        self.assertEqual(self._rows(refund).customer_invoice, 2)
        # Invoices posted together are numbered by date too.
        other = self.env["res.partner"].create({"name": "Batch customer"})
        batch = self.env["account.move"].browse()
        for day in ("2026-04-05", "2026-04-01", "2026-04-03", "2026-04-04"):
            batch |= self._create_invoice(
                [(self.product_cloud, 1, 100.0)],
                partner=other,
                invoice_date=day,
                post=False,
            )
        batch.action_post()
        self.assertEqual(
            [self._rows(invoice).customer_invoice for invoice in batch], [4, 1, 2, 3]
        )
        self.assertEqual(
            [self._amounts(invoice) for invoice in batch],
            [[5.0], [10.0], [10.0], [10.0]],
        )

    def test_first_invoice_with_tenure_and_override(self):
        agreement = self._create_agreement(
            rules=[
                {"name": "Welcome", "rate": 30.0, "customer_invoice_to": 1},
                {"name": "First year", "rate": 10.0, "customer_month_to": 12},
                {"name": "After", "rate": 2.0, "customer_month_from": 12},
            ]
        )
        distributor = self._create_agreement(
            partner=self.techpartner,
            rate=10.0,
            base="shares",
            override_agreement_ids=[Command.set(agreement.ids)],
        )
        customer = self.env["res.partner"].create({"name": "Subscriber"})
        invoices = self.env["account.move"].browse()
        for day in ("2025-01-15", "2025-02-15", "2026-01-15"):
            invoices |= self._create_invoice(
                [(self.product_cloud, 1, 100.0)], partner=customer, invoice_date=day
            )
        self.assertEqual(
            [self._amounts(invoice, agreement) for invoice in invoices],
            [[30.0], [10.0], [2.0]],
        )
        rows = invoices.revshare_line_ids.filtered(
            lambda r: r.agreement_id == agreement
        )
        self.assertEqual(rows.mapped("customer_month"), [0, 1, 12])
        self.assertEqual(rows.mapped("customer_invoice"), [1, 2, 3])
        # The override keeps the terms of the share it is a share of.
        overrides = invoices.revshare_line_ids.filtered(
            lambda r: r.agreement_id == distributor
        )
        self.assertEqual(overrides.mapped("amount"), [3.0, 1.0, 0.2])
        self.assertEqual(overrides.mapped("customer_invoice"), [1, 2, 3])

    def test_all_conditions_with_tiers_waterfall_and_override(self):
        tiered = self._create_agreement(
            sequence=1,
            rules=[
                {
                    **self._tiered_rule(10.0, (300.0, 20.0)),
                    "customer_invoice_to": 2,
                    "customer_month_to": 12,
                    "min_quantity": 2.0,
                }
            ],
        )
        waterfall = self._create_agreement(
            partner=self.techpartner,
            sequence=2,
            waterfall=True,
            rules=[{"rate": 50.0, "customer_invoice_from": 2}],
        )
        distributor = self._create_agreement(
            partner=self.env["res.partner"].create({"name": "Distributor"}),
            rate=10.0,
            base="shares",
            override_agreement_ids=[Command.set(tiered.ids)],
        )
        customer = self.env["res.partner"].create({"name": "Newcomer"})
        invoices = self.env["account.move"].browse()
        for day, quantity in (("2026-03-01", 2), ("2026-03-02", 2), ("2026-03-03", 1)):
            invoices |= self._create_invoice(
                [(self.product_cloud, quantity, 100.0)],
                partner=customer,
                invoice_date=day,
            )
        # 200 at 10 %, then 200 more reach the 300 tier (20 %); the third invoice
        # is past the first two.
        self.assertEqual(
            [self._amounts(invoice, tiered) for invoice in invoices],
            [[20.0], [40.0], []],
        )
        # From the second invoice, half of what the tiered share leaves.
        self.assertEqual(
            [self._amounts(invoice, waterfall) for invoice in invoices],
            [[], [80.0], [50.0]],
        )
        self.assertEqual(
            [self._amounts(invoice, distributor) for invoice in invoices],
            [[2.0], [4.0], []],
        )
        rows = invoices.revshare_line_ids.sorted("id")
        self.assertEqual(
            [(r.agreement_id, r.customer_invoice) for r in rows],
            [
                (tiered, 1),
                (distributor, 1),
                (tiered, 2),
                (waterfall, 2),
                (distributor, 2),
                (waterfall, 3),
            ],
        )

    def test_referral_date_counts_from_the_referral(self):
        agreement = self._create_agreement(
            rules=TEN_THEN_FIVE, customer_start="referral_date"
        )
        customer = self.env["res.partner"].create({"name": "Referred late"})
        self._invoices(customer, 2)
        customer.revshare_referral_date = "2026-03-10"
        after = self._invoices(customer, 4, day="2026-03-10")
        rows = after.revshare_line_ids.sorted("date")
        self.assertEqual(rows.mapped("customer_invoice"), [1, 2, 3, 4])
        self.assertEqual(rows.agreement_id, agreement)
        self.assertEqual(rows.mapped("amount"), [10.0, 10.0, 10.0, 5.0])

    def test_bad_invoice_bounds_refused(self):
        for vals, text in (
            ({"customer_invoice_from": 4, "customer_invoice_to": 3}, "before it"),
            ({"customer_invoice_to": -1}, "cannot be negative"),
        ):
            with self.subTest(vals=vals), self.assertRaises(ValidationError) as error:
                self._create_agreement(rules=[{"rate": 10.0, **vals}])
            self.assertIn(text, str(error.exception))

    def test_check_finds_a_changed_invoice_number(self):
        agreement = self._create_agreement(rules=TEN_THEN_FIVE)
        invoices = self._invoices(self.customer2, 2)
        row = self._rows(invoices[1], agreement)
        check = self.env["revshare.check"]
        self.assertEqual(
            check._revshare_check(self.company, "2026-01-01", "2026-12-31"), []
        )
        self.env.cr.execute(
            "UPDATE revshare_line SET customer_invoice = 7 WHERE id = %s", [row.id]
        )
        self.env.invalidate_all()
        found = check._revshare_check(self.company, "2026-01-01", "2026-12-31")
        self.assertEqual(
            [(m["kind"], m["res_model"], m["res_id"]) for m in found],
            [("terms", "revshare.line", row.id)],
        )
