from odoo import Command
from odoo.tests import tagged
from odoo.tools import SQL

from .common import RevshareCommon

# Queries of the share computation for one invoice of 50 lines with 10 active
# agreements (and as many with 20 more that do not match): the agreements search,
# one per relation of the agreements and rules, products, categories, customers,
# costs, the tiered cumulative bases (one grouped read). 26 since issue 30 (was
# 28): the customers' tags and records are read only when a scope tests them.
COMPUTE_QUERIES = 26
# Queries of posting one invoice of 50 lines with 10 matching agreements, Odoo's
# own posting included (the journal entry of the shares is created and posted too,
# its lines with their analytic distribution given, and the rows read their booking
# terms: one more query). 114 since 18.0.4.0.0 (was 120): the rows are inserted with
# their stored figures, no recomputation (nor its grouped read of earned rows) and
# no UPDATE after the INSERT. 117 with the alerts: the two grouped reads of the
# parties' details (revshare.alert.detection), whatever the number of partners,
# and the search of open alerts the booked rows join (revshare.line.alert). 109
# since issue 30: no read back of the rows' company currency after the INSERT,
# no customer tags nor records no scope tests (and the warm-up posts from an
# empty cache, as the counted posting does: it was 113 counted that way), and
# Odoo follows the statements' bill through its inverse (account.move
# revshare_settlement_ids) instead of searching the statements of each entry.
POST_QUERIES = 109


@tagged("post_install", "-at_install")
class TestRevsharePerformance(RevshareCommon):
    """The number of queries does not depend on the number of lines nor on the
    number of agreements that do not match."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.products = cls.env["product.product"].create(
            [
                {
                    "name": f"Product {i}",
                    "list_price": 10.0 + i,
                    "standard_price": 5.0,
                    "categ_id": (cls.categ_child if i % 2 else cls.categ_other).id,
                    "taxes_id": [Command.set(cls.tax_10.ids)],
                }
                for i in range(50)
            ]
        )
        kinds = [
            {"rate": 5.0},
            {"compute": "fixed_unit", "amount": 0.5},
            {"compute": "fixed_line", "amount": 0.25},
            {
                "compute": "tiered",
                "rate": 1.0,
                "tier_ids": [Command.create({"threshold": 100.0, "rate": 2.0})],
            },
        ]
        for i in range(10):
            cls._create_agreement(
                name=f"Matching {i}",
                sequence=i,
                waterfall=bool(i % 3 == 0),
                base=("untaxed", "total", "margin")[i % 3],
                partner_id=(cls.reseller if i % 2 else cls.techpartner).id,
                product_category_ids=(
                    [Command.set(cls.categ_parent.ids)] if i == 4 else []
                ),
                referred_only=(i == 5),
                customer_ids=(
                    [Command.set((cls.customer | cls.customer2).ids)] if i == 6 else []
                ),
                rules=[
                    {"product_ids": [Command.set(cls.products[:3].ids)], "rate": 1.0},
                    kinds[i % 4],
                ],
            )

    @classmethod
    def _add_non_matching(cls, count):
        if not count:
            return
        other = cls.env["res.partner"].create({"name": "Somebody else"})
        for i in range(count):
            cls._create_agreement(
                name=f"Other {i}",
                sequence=100 + i,
                customer_ids=[Command.set(other.ids)],
                product_ids=[Command.set(cls.products[:5].ids)],
                rules=[{"rate": 3.0}, {"compute": "fixed_unit", "amount": 1.0}],
            )

    def _invoice(self):
        return self._create_invoice(
            [
                (product, 2, product.list_price, self.tax_10)
                for product in self.products
            ],
            post=False,
        )

    def test_query_count(self):
        # As the posting hook calls it (sudo, see account_move.py).
        Agreement = self.env["revshare.agreement"].sudo()
        # Sequences, registry caches (ir.rule, defaults), posted from an empty
        # cache as the counted posting is: Odoo's posting then reads the
        # customer with its record rules (the customer rank), a cache the share
        # computation used to fill before it read only what the scopes test.
        warm_up = self._invoice()
        self.env.invalidate_all()
        warm_up.action_post()

        # The same counts with 20 more agreements that do not match: an addon
        # extending the posting may only add a constant, never a per-agreement cost.
        amounts = []
        for extra in (0, 20):
            self._add_non_matching(extra)
            invoice = self._invoice()
            lines = invoice.invoice_line_ids
            # The first call after new records warms registry caches (ir.rule,
            # ir.default): count the second one, both from an empty cache.
            self.env.invalidate_all()
            Agreement._revshare_compute_shares(lines)
            self.env.invalidate_all()
            with self.assertQueryCount(COMPUTE_QUERIES):
                Agreement._revshare_compute_shares(lines)
            self.env.invalidate_all()
            with self.assertQueryCount(POST_QUERIES):
                invoice.action_post()
            rows = invoice.revshare_line_ids
            # 9 agreements x 50 lines + the cloud-category agreement x 25 lines.
            self.assertEqual(len(rows), 475)
            self.assertEqual(len(rows.move_id), 1)
            # One payable line per beneficiary (and account), one expense line
            # per expense account.
            self.assertEqual(len(rows.move_id.line_ids), 3)
            self.assertEqual(len(rows.move_line_id), 2)
            amounts.append(sorted(rows.mapped("amount")))
        self.assertEqual(amounts[0], amounts[1])

    def test_created_figures_equal_computes(self):
        # Rows are inserted with their stored figures (nothing left to recompute,
        # no UPDATE after the INSERT): the values the computes give, for every
        # kind of row (earned, expected, in a foreign currency, negative shares of
        # a credit note, reversals).
        eur = self.setup_other_currency("EUR", rates=[("2016-01-01", 3.0)])
        self._create_agreement(
            name="On payment", trigger="payment", rules=[{"rate": 7.5}]
        )
        self._create_agreement(
            name="In euros", currency_id=eur.id, rules=[{"rate": 3.33}]
        )
        Line = self.env["revshare.line"].sudo()
        names = Line._revshare_figure_fields
        fields_ = [Line._fields[name] for name in names]
        # Created as the posting hook creates them, in both states.
        draft = self._invoice()
        refund = self._create_invoice(
            [(self.products[1], 1, 33.33), (self.products[2], 3, 7.77)],
            move_type="out_refund",
            post=False,
        )
        vals_list = (
            self.env["revshare.agreement"]
            .sudo()
            ._revshare_compute_shares((draft | refund).invoice_line_ids)
        )
        for index, vals in enumerate(vals_list):
            vals["state"] = ("expected", "earned")[index % 2]
        rows = Line.create(vals_list)
        for field in fields_:
            self.assertFalse(self.env.records_to_compute(field) & rows, field.name)
        # And through posting, a credit note and a reset to draft (reversals,
        # expected rows cancelled).
        invoice = self._invoice()
        invoice.action_post()
        refund.action_post()
        invoice.button_draft()
        rows |= Line.search([("invoice_id", "in", (invoice | refund).ids)])
        self.assertEqual(set(rows.mapped("state")), {"earned", "expected", "cancelled"})
        self.assertEqual(set(rows.mapped("kind")), {"share", "reversal"})
        self.assertEqual(set(rows.mapped("section")), {"share", "clawback"})
        self.assertIn(eur, rows.currency_id)
        self.env.flush_all()

        def stored():
            self.env.cr.execute(
                SQL(
                    "SELECT id, %s FROM revshare_line WHERE id IN %s ORDER BY id",
                    SQL(", ").join(map(SQL.identifier, names)),
                    tuple(rows.ids),
                )
            )
            return self.env.cr.fetchall()

        created = stored()
        # What the computes give, written over the stored values.
        rows.invalidate_recordset(names)
        for field in fields_:
            self.env.add_to_compute(field, rows)
        rows.flush_recordset(names)
        self.assertEqual(created, stored())
        self.assertTrue(any(row[-1] for row in created), "expected company amounts")
