from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import RevshareCommon


def formula(expression, **vals):
    return {"compute": "formula", "formula": expression, **vals}


@tagged("post_install", "-at_install")
class TestRevshareRuleFormula(RevshareCommon):
    """Rules computed by a formula of the line's figures: checked on sample values
    when saved; a formula that fails on a real line holds a 0.00 row and the
    invoice posts; the integrity check evaluates it again. On Odoo's default
    configuration (only products, partners and agreements made)."""

    def _check(self):
        self.env.invalidate_all()
        return self.env["revshare.check"]._revshare_check(
            self.company, "2026-01-01", "2026-12-31"
        )

    def test_formula_alone_and_credit_note(self):
        agreement = self._create_agreement(
            rules=[formula("min(base * 0.1, 50) + quantity")]
        )
        invoice = self._create_invoice(
            [(self.product_cloud, 10, 100.0), (self.product_service, 3, 50.0)]
        )
        self.assertEqual(self._amounts(invoice, agreement), [60.0, 18.0])
        self.assertEqual(self._rows(invoice, agreement).mapped("rate"), [0.0, 0.0])
        # A credit note takes back what the formula gives on its own figures.
        refund = self._create_invoice(
            [(self.product_cloud, 2, 100.0)],
            move_type="out_refund",
            reversed_entry_id=invoice.id,
        )
        self.assertEqual(self._amounts(refund, agreement), [-22.0])
        # The rule's minimum and maximum per line apply to the formula's value.
        agreement2 = self._create_agreement(
            partner=self.techpartner,
            rules=[formula("base * 0.015", min_amount=5.0, max_amount=10.0)],
        )
        other = self._create_invoice(
            [(self.product_cloud, 1, 100.0), (self.product_cloud, 3, 333.33)]
        )
        self.assertEqual(self._amounts(other, agreement2), [5.0, 10.0])
        self.assertEqual(self._check(), [])

    def test_formula_variables(self):
        agreement = self._create_agreement(
            rules=[
                formula(
                    "round(margin * 0.1, 2) + discount + price_unit / 100 "
                    "+ (7 if customer_invoice == 1 else 0) + customer_month"
                )
            ]
        )
        invoices = self.env["account.move"].browse()
        for day in ("2026-01-10", "2026-03-10"):
            invoice = self._create_invoice(
                [(self.product_cloud, 2, 100.0)], invoice_date=day, post=False
            )
            invoice.invoice_line_ids.discount = 10.0
            invoice.action_post()
            invoices |= invoice
        # Base 180, cost 2 x 40: margin 100 -> 10 + 10 + 1, + 7 on the first
        # invoice, + 2 customer months on the second.
        self.assertEqual(
            [self._amounts(invoice, agreement) for invoice in invoices],
            [[28.0], [23.0]],
        )
        rows = invoices.revshare_line_ids
        self.assertEqual(rows.mapped("customer_invoice"), [1, 2])
        self.assertEqual(rows.mapped("customer_month"), [0, 2])
        self.assertEqual(rows.mapped("base_amount"), [180.0, 180.0])

    def test_formula_with_tiers_waterfall_override_and_tenure(self):
        tiered = self._create_agreement(
            sequence=1,
            rules=[
                {
                    **self._tiered_rule(10.0, (500.0, 20.0)),
                    **formula("base * tier_rate / 100 + 1"),
                }
            ],
        )
        waterfall = self._create_agreement(
            partner=self.techpartner,
            sequence=2,
            waterfall=True,
            rules=[formula("base / 2", customer_month_to=12)],
        )
        distributor_partner = self.env["res.partner"].create({"name": "Distributor"})
        distributor = self._create_agreement(
            partner=distributor_partner,
            base="shares",
            override_agreement_ids=[Command.set(tiered.ids)],
            rules=[formula("base * 0.1")],
        )
        first = self._create_invoice([(self.product_cloud, 4, 100.0)])
        second = self._create_invoice([(self.product_cloud, 3, 100.0)])
        # 400 at the 10 % tier rate, + 1; 300 more reach the 500 tier: 20 %.
        self.assertEqual(self._amounts(first, tiered), [41.0])
        self.assertEqual(self._amounts(second, tiered), [61.0])
        self.assertEqual(
            (first | second)
            .revshare_line_ids.filtered(lambda r: r.agreement_id == tiered)
            .mapped("rate"),
            [10.0, 20.0],
        )
        # Half of what is left after the tiered share.
        self.assertEqual(self._amounts(first, waterfall), [179.5])
        self.assertEqual(self._amounts(second, waterfall), [119.5])
        # 10 % of the tiered shares.
        self.assertEqual(self._amounts(first, distributor), [4.1])
        self.assertEqual(self._amounts(second, distributor), [6.1])
        # Past the customer's first 12 months, the waterfall rule ends.
        late = self._create_invoice(
            [(self.product_cloud, 1, 100.0)], invoice_date="2027-03-10"
        )
        self.assertFalse(self._rows(late, waterfall))

    def test_formula_error_holds_the_row_and_the_invoice_posts(self):
        agreement = self._create_agreement(
            rules=[formula("base / abs(quantity - 4) / 10")]
        )
        invoice = self._create_invoice(
            [(self.product_cloud, 4, 100.0), (self.product_service, 2, 50.0)]
        )
        self.assertEqual(invoice.state, "posted")
        held, good = self._rows(invoice, agreement)
        self.assertEqual((held.amount, held.state), (0.0, "earned"))
        self.assertIn("ZeroDivisionError", held.hold_reason)
        self.assertIn(agreement.rule_ids.display_name, held.hold_reason)
        self.assertEqual((good.amount, good.hold_reason), (5.0, False))
        review = self.env["revshare.review"].search([("line_id", "=", held.id)])
        self.assertEqual(review.review_type, "hold")
        # The check evaluates the formula again: the held row is right at 0.00;
        # a tampered share is found.
        self.assertEqual(self._check(), [])
        self.env.cr.execute(
            "UPDATE revshare_line SET amount = 12.0, amount_company = 12.0 "
            "WHERE id = %s",
            [good.id],
        )
        terms = [m for m in self._check() if m["kind"] == "terms"]
        self.assertEqual(
            [(m["res_id"], m["expected_amount"], m["actual_amount"]) for m in terms],
            [(good.id, 5.0, 12.0)],
        )

    def test_formula_above_the_base_holds_the_row(self):
        agreement = self._create_agreement(rules=[formula("quantity * 30")])
        invoice = self._create_invoice([(self.product_service, 2, 20.0)])
        row = self._rows(invoice, agreement)
        self.assertEqual(row.amount, 0.0)
        self.assertIn("more than the line's base", row.hold_reason)

    def test_bad_formulas_refused_and_nothing_written(self):
        agreement = self._create_agreement(rate=10.0)
        rule = agreement.rule_ids
        for expression, text in (
            ("env['res.users']", "env"),
            ("__import__('os')", "__import__"),
            ("base._fields", "attribute"),
            ("(1).__class__", "attribute"),
            ("'ten'", "not a number"),
            ("base > 1", "not a number"),
            ("base +", "not a valid expression"),
            ("base / (quantity - 2)", "fails on sample values"),
            ("-base", "negative"),
            ("  ", "write it"),
        ):
            with self.subTest(expression=expression):
                with self.assertRaises(ValidationError) as error:
                    rule.write({"compute": "formula", "formula": expression})
                self.assertIn(text, str(error.exception))
                self.assertEqual((rule.compute, rule.formula), ("percent", False))
                with self.assertRaises(ValidationError):
                    self._create_agreement(rules=[formula(expression)])
        self.assertFalse(self.env["revshare.rule"].search([("formula", "!=", False)]))

    def test_query_count_does_not_grow_with_formula_rules(self):
        Agreement = self.env["revshare.agreement"].sudo()
        products = self.env["product.product"].create(
            [
                {"name": f"Product {i}", "list_price": 10.0 + i, "standard_price": 5.0}
                for i in range(20)
            ]
        )
        invoice = self._create_invoice(
            [(product, 2, product.list_price) for product in products], post=False
        )
        lines = invoice.invoice_line_ids
        counts = []
        created = 0
        for total in (10, 30):
            for i in range(created, total):
                self._create_agreement(
                    name=f"Formula {i}",
                    rules=[
                        formula(
                            "min(base * 0.05, 3) + (1 if customer_invoice == 1 else 0)",
                            min_quantity=1.0,
                        ),
                        formula("margin * tier_rate / 100", rate=2.0),
                    ],
                )
            created = total
            self.env.invalidate_all()
            Agreement._revshare_compute_shares(lines)  # registry caches
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            vals_list = Agreement._revshare_compute_shares(lines)
            counts.append(self.env.cr.sql_log_count - before)
            self.assertEqual(len(vals_list), total * 20)
        self.assertEqual(counts[0], counts[1])
