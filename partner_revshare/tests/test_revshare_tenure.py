from dateutil.relativedelta import relativedelta
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, tagged

from .common import RevshareCommon, d

# "30 % of each customer's first 12 months, then 10 %".
THIRTY_THEN_TEN = [
    {"name": "First year", "rate": 30.0, "customer_month_to": 12},
    {"name": "After", "rate": 10.0, "customer_month_from": 12},
]


@tagged("post_install", "-at_install")
class TestRevshareTenure(RevshareCommon):
    """Rules by customer tenure: the customer's age in whole months at the invoice
    date chooses the rule, and is frozen on the row."""

    def _subscriber(self, name="Subscriber", **vals):
        return self.env["res.partner"].create({"name": name, **vals})

    def _monthly(self, customer, start, count, post_each=True):
        """``count`` monthly invoices of 100 to ``customer``, the k-th dated
        ``start + k months`` (as subscriptions date them), posted one by one or
        all at once."""
        start = d(start)
        invoices = self.env["account.move"].browse()
        for k in range(count):
            invoices |= self._create_invoice(
                [(self.product_cloud, 1, 100.0)],
                partner=customer,
                invoice_date=start + relativedelta(months=k),
                post=post_each,
            )
        if not post_each:
            invoices.action_post()
        return invoices

    def _by_invoice(self, invoices, agreement, fname="amount"):
        """Per invoice: the value of its row of ``agreement`` (None: no row)."""
        values = []
        for invoice in invoices:
            rows = self._rows(invoice, agreement)
            self.assertLessEqual(len(rows), 1)
            values.append(rows[fname] if rows else None)
        return values

    def test_30_then_10_over_24_months(self):
        agreement = self._create_agreement(rules=THIRTY_THEN_TEN)
        # The 13th invoice switches, whatever day of the month the customer
        # started: the last day of a month, a leap day, mid-month.
        for start, post_each in (
            ("2024-01-31", True),
            ("2024-02-29", False),
            ("2024-03-15", False),
        ):
            with self.subTest(start=start):
                customer = self._subscriber(f"Subscriber {start}")
                invoices = self._monthly(customer, start, 24, post_each=post_each)
                self.assertEqual(
                    self._by_invoice(invoices, agreement),
                    [30.0] * 12 + [10.0] * 12,
                )
                self.assertEqual(
                    self._by_invoice(invoices, agreement, "customer_month"),
                    list(range(24)),
                )
                rows = invoices.revshare_line_ids
                self.assertEqual(sum(rows.mapped("amount")), 480.0)
                self.assertEqual(
                    rows.filtered(lambda r: r.customer_month == 12).rule_id.name,
                    "After",
                )

    def test_first_12_months_only(self):
        agreement = self._create_agreement(
            rules=[{"rate": 30.0, "customer_month_to": 12}]
        )
        customer = self._subscriber()
        invoices = self._monthly(customer, "2025-01-20", 14)
        self.assertEqual(
            self._by_invoice(invoices, agreement), [30.0] * 12 + [None, None]
        )
        self.assertEqual(sum(invoices.revshare_line_ids.mapped("amount")), 360.0)

    def test_start_is_first_invoice_the_agreement_applies_to(self):
        """An invoice of a product outside the agreement does not start the
        customer; the first invoice in scope does."""
        agreement = self._create_agreement(
            rules=THIRTY_THEN_TEN, product_ids=[Command.set(self.product_cloud.ids)]
        )
        customer = self._subscriber()
        self._create_invoice(
            [(self.product_service, 1, 50.0)],
            partner=customer,
            invoice_date="2024-01-05",
        )
        invoices = self._monthly(customer, "2024-06-05", 13)
        self.assertEqual(self._by_invoice(invoices, agreement), [30.0] * 12 + [10.0])

    def test_credit_note_takes_back_at_the_invoice_month(self):
        agreement = self._create_agreement(rules=THIRTY_THEN_TEN)
        customer = self._subscriber()
        invoices = self._monthly(customer, "2024-01-10", 12)
        last = invoices[-1]  # month 11: 30 %
        refund = last._reverse_moves(
            [{"invoice_date": d("2025-01-15"), "date": d("2025-01-15")}]
        )
        refund.action_post()
        row = self._rows(refund, agreement)
        self.assertEqual(row.amount, -30.0)
        self.assertEqual(row.customer_month, 11)

    def test_referral_date(self):
        agreement = self._create_agreement(
            rules=THIRTY_THEN_TEN, customer_start="referral_date"
        )
        customer = self._subscriber(
            revshare_referrer_id=self.reseller.id,
            revshare_referral_date="2023-07-01",
        )
        invoices = self._monthly(customer, "2024-01-01", 8)
        self.assertEqual(self._by_invoice(invoices, agreement), [30.0] * 6 + [10.0] * 2)
        self.assertEqual(
            self._by_invoice(invoices, agreement, "customer_month"),
            list(range(6, 14)),
        )
        # The rows keep their tenure: the date cannot change any more.
        with self.assertRaisesRegex(UserError, "referral date"):
            customer.revshare_referral_date = "2023-09-01"
        self.assertEqual(customer.revshare_referral_date, d("2023-07-01"))

    @freeze_time("2026-04-02")
    def test_referral_date_set_with_referrer_and_by_managers_only(self):
        customer = self._subscriber()
        customer.revshare_referrer_id = self.reseller
        self.assertEqual(customer.revshare_referral_date, d("2026-04-02"))
        user = self._create_user(
            "tenure_user",
            "base.group_user,base.group_partner_manager,"
            "partner_revshare.group_revshare_user",
        )
        with self.assertRaisesRegex(AccessError, "revenue-share managers"):
            customer.with_user(user).write({"revshare_referral_date": "2026-01-01"})
        manager = self._create_user(
            "tenure_manager",
            "base.group_user,base.group_partner_manager,"
            "partner_revshare.group_revshare_manager",
        )
        customer.with_user(manager).write({"revshare_referral_date": "2026-01-01"})
        self.assertEqual(customer.revshare_referral_date, d("2026-01-01"))

    def test_bad_ranges_refused(self):
        with self.assertRaisesRegex(ValidationError, "not after it starts"):
            self._create_agreement(
                rules=[
                    {"rate": 10.0, "customer_month_from": 12, "customer_month_to": 6}
                ]
            )
        with self.assertRaisesRegex(ValidationError, "overlapping customer months"):
            self._create_agreement(
                rules=[
                    {"rate": 30.0, "customer_month_to": 12},
                    {"rate": 10.0, "customer_month_from": 6},
                ]
            )
        # The same months on different products are no overlap.
        agreement = self._create_agreement(
            rules=[
                {
                    "rate": 30.0,
                    "customer_month_to": 12,
                    "product_ids": [Command.set(self.product_cloud.ids)],
                },
                {"rate": 10.0, "customer_month_to": 12},
            ]
        )
        self.assertEqual(len(agreement.rule_ids), 2)

    def test_preview_and_check_know_the_tenure(self):
        agreement = self._create_agreement(rules=THIRTY_THEN_TEN)
        customer = self._subscriber()
        draft = self._create_invoice(
            [(self.product_cloud, 1, 100.0)],
            partner=customer,
            invoice_date="2024-01-31",
            post=False,
        )
        self.assertEqual(draft.revshare_preview_amount, 30.0)
        draft.unlink()
        self._monthly(customer, "2024-01-31", 12)
        draft = self._create_invoice(
            [(self.product_cloud, 1, 100.0)],
            partner=customer,
            invoice_date="2025-01-31",
            post=False,
        )
        self.assertEqual(draft.revshare_preview_amount, 10.0)
        draft.action_post()
        self.assertEqual(self._amounts(draft, agreement), [10.0])
        self.assertEqual(
            self.env["revshare.check"]._revshare_check(
                self.company, "2024-01-01", "2025-12-31"
            ),
            [],
        )

    def test_check_recomputes_the_tenure(self):
        """A row whose frozen month the invoices no longer give is reported,
        even when its rule, hence its amount, is the same."""
        self._create_agreement(rules=THIRTY_THEN_TEN)
        customer = self._subscriber()
        invoices = self._monthly(customer, "2024-01-31", 3)
        row = invoices[2].revshare_line_ids
        self.env.cr.execute(
            "UPDATE revshare_line SET customer_month = 5 WHERE id = %s", [row.id]
        )
        row.invalidate_recordset(["customer_month"])
        found = self.env["revshare.check"]._revshare_check(
            self.company, "2024-01-01", "2024-12-31"
        )
        self.assertEqual([(m["res_id"], m["kind"]) for m in found], [(row.id, "terms")])
        self.assertIn("customer month 5", found[0]["message"])
        self.assertIn("month 2", found[0]["message"])

    def test_plain_words(self):
        agreement = self._create_agreement(rules=THIRTY_THEN_TEN)
        words = [r["text"] for r in agreement._revshare_portal_rules()]
        self.assertEqual(
            words,
            [
                "30% of each customer's first 12 months",
                "10% of each customer's months after the first 12",
            ],
        )
        terms = dict(agreement._revshare_portal_terms())
        self.assertEqual(
            terms["Customer months"],
            "A customer's months count from its first invoice under this agreement.",
        )


@tagged("post_install", "-at_install")
class TestRevshareTermsDemo(TransactionCase):
    """The demo subscription customer: 14 monthly invoices, 30 % of the first 12
    months then 10 % for the reseller, 5 % of that for its distributor."""

    def test_demo_subscription(self):
        customer = self.env.ref(
            "partner_revshare.revshare_demo_customer_subscriber",
            raise_if_not_found=False,
        )
        if not customer:
            self.skipTest("installed without demo data")
        reseller = self.env.ref(
            "partner_revshare.revshare_demo_agreement_fibre_reseller"
        )
        distributor = self.env.ref(
            "partner_revshare.revshare_demo_agreement_distributor"
        )
        invoices = self.env["account.move"].search(
            [("partner_id", "=", customer.id), ("state", "=", "posted")],
            order="invoice_date",
        )
        self.assertEqual(len(invoices), 14)
        rows = invoices.revshare_line_ids.sorted(lambda r: (r.date, r.id))
        resale = rows.filtered(lambda r: r.agreement_id == reseller)
        self.assertEqual(resale.mapped("amount"), [15.0] * 12 + [5.0] * 2)
        self.assertEqual(resale.mapped("customer_month"), list(range(14)))
        override = rows.filtered(lambda r: r.agreement_id == distributor)
        self.assertEqual(override.mapped("amount"), [0.75] * 12 + [0.25] * 2)
        self.assertEqual(override.overridden_agreement_id, reseller)
