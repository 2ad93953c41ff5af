from odoo.tests import tagged

from .common import RevshareCommon

# Queries of the check's share step over the shares of the class's invoices: the
# same for one invoice as for four (set-based, chunk by chunk of invoices).
SHARE_STEP_QUERIES = 36


@tagged("post_install", "-at_install")
class TestRevshareCheckSql(RevshareCommon):
    """The check's share step recomputes the shares of plain rules in SQL from the
    invoice lines' own amounts, and finds the ledger broken on purpose with SQL;
    rules that need Python (a formula here) keep their own path. Odoo's default
    configuration: taxes rounded per line, no early-payment discount."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.setup_other_currency("EUR", rates=[("2016-01-01", 3.0)])
        cls.untaxed = cls._create_agreement(name="Untaxed 10%")
        cls.total = cls._create_agreement(
            name="Total, fixed per line",
            partner=cls.techpartner,
            base="total",
            rules=[
                {
                    "compute": "fixed_line",
                    "amount": 4.0,
                    "product_ids": [(6, 0, cls.product_service.ids)],
                },
                {"rate": 7.5, "sequence": 20, "max_amount": 15.0},
            ],
        )
        cls.formula = cls._create_agreement(
            name="Formula",
            partner=cls.customer2,
            rules=[{"compute": "formula", "formula": "base * 0.02 + quantity"}],
        )
        cls.invoice = cls._create_invoice(
            [
                (cls.product_cloud, 2, 100.0, cls.tax_10),
                (cls.product_service, 1, 50.0),
                (cls.product_cloud, 3, 33.33, cls.tax_10),
            ]
        )
        cls.date_from, cls.date_to = "2026-01-01", "2026-12-31"

    def _shares(self):
        self.env.invalidate_all()
        return self.env["revshare.check"]._revshare_check_shares(
            self.company, self.date_from, self.date_to
        )

    def _sql(self, invoices):
        """(mismatches, rows left to Python) of the SQL path on ``invoices``."""
        self.env.invalidate_all()
        Check = self.env["revshare.check"]
        rows = invoices.revshare_line_ids
        plain = Check._revshare_sql_agreement_ids(self.company)
        return Check._revshare_sql_share_terms(rows.ids, invoices.ids, plain)

    def _row(self, agreement, product=None):
        rows = self._rows(self.invoice, agreement)
        if product:
            rows = rows.filtered(lambda r: r.product_id == product)
        return rows[:1]

    def _terms(self, found):
        return sorted(
            (m["kind"], m["res_model"], m["res_id"], m["expected_amount"])
            for m in found
        )

    def test_honest_shares_have_no_mismatch(self):
        # 10% of the untaxed 200.00, 50.00, 99.99; on the totals taxes included
        # (220.00, 50.00, 109.99): 4.00 per line of the service, else 7.5% capped
        # at 15.00.
        self.assertEqual(self._amounts(self.invoice, self.untaxed), [20.0, 5.0, 10.0])
        self.assertEqual(self._amounts(self.invoice, self.total), [15.0, 4.0, 8.25])
        found, python_ids = self._sql(self.invoice)
        self.assertEqual(found, [])
        # The formula's rows are left to Python, and nothing else.
        self.assertEqual(sorted(python_ids), self._rows(self.invoice, self.formula).ids)
        self.assertEqual(self._shares(), [])

    def test_foreign_currency_invoice_has_no_mismatch(self):
        invoice = self._create_invoice(
            [
                (self.product_cloud, 1, 90.0, self.tax_10),
                (self.product_service, 2, 25.0),
            ],
            currency=self.eur,
        )
        # Bases converted at the invoice's rate (3 EUR for 1): 30.00 and 16.67
        # untaxed, 33.00 taxes included.
        self.assertEqual(self._amounts(invoice, self.untaxed), [3.0, 1.67])
        self.assertEqual(self._amounts(invoice, self.total), [2.48, 4.0])
        self.assertEqual(self._sql(invoice)[0], [])
        self.assertEqual(self._shares(), [])

    def test_tampered_amount_is_found(self):
        row = self._row(self.untaxed, self.product_service)
        self.env.cr.execute(
            "UPDATE revshare_line SET amount = 6.0 WHERE id = %s", [row.id]
        )
        found = self._sql(self.invoice)[0]
        self.assertEqual(self._terms(found), [("terms", "revshare.line", row.id, 5.0)])
        self.assertEqual(found[0]["actual_amount"], 6.0)
        self.assertIn("is 6.0; the agreement's rules give 5.0", found[0]["message"])
        self.assertEqual(self._shares(), found)

    def test_tampered_base_is_found(self):
        row = self._row(self.total, self.product_cloud)
        self.env.cr.execute(
            "UPDATE revshare_line SET base_amount = 200.0 WHERE id = %s", [row.id]
        )
        found = self._sql(self.invoice)[0]
        self.assertEqual(len(found), 1)
        self.assertEqual(found[0]["res_id"], row.id)
        self.assertIn(
            "was computed on a base of 200.0; the invoice gives 220.0",
            found[0]["message"],
        )
        self.assertEqual(self._shares(), found)

    def test_tampered_rate_is_found(self):
        """A row's rate is one of its terms: a rate changed alone (the amount
        left as it was) is found too, on either path."""
        row = self._row(self.untaxed, self.product_cloud)
        formula_row = self._row(self.formula, self.product_cloud)
        self.env.cr.execute(
            "UPDATE revshare_line SET rate = 12.5 WHERE id IN %s",
            [(row.id, formula_row.id)],
        )
        found = self._shares()
        self.assertEqual(
            sorted(m["res_id"] for m in found), sorted([row.id, formula_row.id])
        )
        by_row = {m["res_id"]: m["message"] for m in found}
        self.assertIn(
            "at a rate of 12.5%; the agreement's rules give 10.0%", by_row[row.id]
        )
        self.assertIn("rules give 0.0%", by_row[formula_row.id])
        self.assertEqual(
            self._sql(self.invoice)[0], [m for m in found if m["res_id"] == row.id]
        )

    def test_deleted_share_is_found(self):
        row = self._row(self.total, self.product_service)
        self.env.cr.execute("DELETE FROM revshare_line WHERE id = %s", [row.id])
        found = self._sql(self.invoice)[0]
        self.assertEqual(
            self._terms(found), [("terms", "account.move", self.invoice.id, 4.0)]
        )
        self.assertIn("has no share of", found[0]["message"])
        self.assertEqual(self._shares(), found)

    def test_share_out_of_the_rules_is_found(self):
        """A row the rules give nothing for (its agreement no longer covers the
        customer) is found: the rules give 0.00."""
        row = self._row(self.untaxed, self.product_cloud)
        self.env.cr.execute(
            "INSERT INTO revshare_agreement_customer_rel (agreement_id, partner_id) "
            "VALUES (%s, %s)",
            [self.untaxed.id, self.customer2.id],
        )
        found = self._sql(self.invoice)[0]
        self.assertEqual(len(found), 3)
        self.assertIn(row.id, [m["res_id"] for m in found])
        self.assertEqual({m["expected_amount"] for m in found}, {0.0})

    def test_queries_do_not_grow_with_invoices(self):
        self.assertEqual(self._shares(), [])  # registry and translation caches
        self.env.flush_all()
        with self.assertQueryCount(SHARE_STEP_QUERIES):
            self.assertEqual(self._shares(), [])
        for __ in range(3):
            self._create_invoice(
                [
                    (self.product_cloud, 1, 80.0, self.tax_10),
                    (self.product_service, 4, 50.0),
                ]
            )
        self.env.flush_all()
        with self.assertQueryCount(SHARE_STEP_QUERIES):
            self.assertEqual(self._shares(), [])
