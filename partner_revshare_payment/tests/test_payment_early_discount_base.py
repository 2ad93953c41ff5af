from odoo.tests import tagged

from .common import RevsharePaymentDefaultCommon

IN_PERIOD = "2024-01-15"
AFTER_PERIOD = "2024-01-25"

# (computation, discount %): what Odoo charges for a line of 1,000.00 + 15% tax,
# what the customer pays within the discount period, the shares at 7.5% of the
# total (taxes included) and of the untaxed amount when posted, then earned by a
# payment within the discount period.
CASES = [
    ("mixed", 2.0, 1147.0, 1127.0, (86.03, 75.0), (84.53, 73.5)),
    ("excluded", 3.0, 1150.0, 1120.0, (86.25, 75.0), (84.0, 72.75)),
    ("included", 3.0, 1150.0, 1115.5, (86.25, 75.0), (83.66, 72.75)),
]


@tagged("post_install", "-at_install")
class TestPaymentEarlyDiscountBase(RevsharePaymentDefaultCommon):
    """A share of the total, taxes included, is a share of what the customer pays
    for the line: the taxes as Odoo charged them (on the discounted base under
    ``mixed`` terms), less the early-payment discount actually taken, in every
    computation mode. A share of the untaxed amount loses the discount percentage."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.total_agreement = cls._create_agreement(cls.agent, 7.5, base="total")
        cls.untaxed_agreement = cls._create_agreement(cls.reseller, 7.5)

    def _discounted_invoice(self, computation, percentage, move_type="out_invoice"):
        return self._invoice(
            1000.0,
            taxes=self.tax_15,
            move_type=move_type,
            payment_term=self._discount_terms(computation, percentage),
        )

    def _shares(self, invoice):
        rows = invoice.revshare_line_ids.filtered(lambda r: r.state == "expected")
        return tuple(
            rows.filtered(lambda r, a=agreement: r.agreement_id == a).amount
            for agreement in (self.total_agreement, self.untaxed_agreement)
        )

    def _earned_pair(self, invoice):
        return tuple(
            self._earned_total(invoice, agreement)
            for agreement in (self.total_agreement, self.untaxed_agreement)
        )

    def _assert_books_agree(self):
        self._assert_payable_is_ledger(self.agent)
        self._assert_payable_is_ledger(self.reseller)
        self.assertEqual(self.env["revshare.check"]._revshare_check(self.company), [])

    def test_posted_share_of_what_odoo_charges(self):
        for computation, percentage, charged, __, shares, __ in CASES:
            with self.subTest(computation=computation):
                invoice = self._discounted_invoice(computation, percentage)
                self.assertEqual(invoice.amount_total, charged)
                self.assertEqual(self._shares(invoice), shares)
                row = invoice.revshare_line_ids.filtered(
                    lambda r: r.agreement_id == self.total_agreement
                )
                self.assertEqual(row.base_amount, charged)
        self._assert_books_agree()

    def test_discount_taken(self):
        for computation, percentage, __, paid, __, earned in CASES:
            with self.subTest(computation=computation):
                invoice = self._discounted_invoice(computation, percentage)
                payment = self._pay(invoice, date=IN_PERIOD)
                self.assertEqual(payment.amount, paid)
                self.assertEqual(invoice.payment_state, "paid")
                self.assertEqual(self._earned_pair(invoice), earned)
        self._assert_books_agree()

    def test_discount_not_taken(self):
        for computation, percentage, charged, __, shares, __ in CASES:
            with self.subTest(computation=computation):
                invoice = self._discounted_invoice(computation, percentage)
                payment = self._pay(invoice, date=AFTER_PERIOD)
                self.assertEqual(payment.amount, charged)
                self.assertEqual(self._earned_pair(invoice), shares)
        self._assert_books_agree()

    def test_credit_note_keeps_the_terms(self):
        """A credit note under the same terms takes back the share of what it
        credits: 1,147.00 under ``mixed`` terms."""
        for computation, percentage, charged, __, shares, __ in CASES:
            with self.subTest(computation=computation):
                refund = self._discounted_invoice(
                    computation, percentage, move_type="out_refund"
                )
                self.assertEqual(refund.amount_total, charged)
                negative = tuple(-share for share in shares)
                self.assertEqual(self._shares(refund), negative)
                self._pay(refund, date=AFTER_PERIOD)
                self.assertEqual(self._earned_pair(refund), negative)
        self._assert_books_agree()

    def test_mixed_terms_several_lines(self):
        """Two lines under ``mixed`` terms: each line's total less its part of
        the tax reduction, adding up to what the invoice charges."""
        invoice = self._invoice(
            300.0,
            taxes=self.tax_15,
            payment_term=self._discount_terms("mixed"),
            post=False,
        )
        line = invoice.invoice_line_ids
        invoice.invoice_line_ids = [
            (
                0,
                0,
                {
                    "name": "Support",
                    "quantity": 1.0,
                    "price_unit": 700.0,
                    "tax_ids": [(6, 0, self.tax_15.ids)],
                },
            ),
        ]
        invoice.action_post()
        self.assertEqual(invoice.amount_total, 1147.0)
        rows = invoice.revshare_line_ids.filtered(
            lambda r: r.agreement_id == self.total_agreement
        ).sorted(lambda r: r.invoice_line_id != line)
        self.assertEqual(rows.mapped("base_amount"), [344.1, 802.9])
        self.assertEqual(sum(rows.mapped("base_amount")), invoice.amount_total)
        self._pay(invoice, date=IN_PERIOD)
        self._assert_books_agree()

    def test_check_finds_a_base_off_by_a_cent(self):
        invoice = self._discounted_invoice("mixed", 2.0)
        row = invoice.revshare_line_ids.filtered(
            lambda r: r.agreement_id == self.total_agreement
        )
        self.env.cr.execute(
            "UPDATE revshare_line SET base_amount = base_amount + 0.01 WHERE id = %s",
            [row.id],
        )
        self.env.invalidate_all()
        mismatches = self.env["revshare.check"]._revshare_check(self.company)
        self.assertEqual(
            [(m["kind"], m["res_id"]) for m in mismatches], [("terms", row.id)]
        )

    def test_query_count_does_not_grow_with_invoices(self):
        """Reading what mixed-terms invoices charge costs the same queries for one
        invoice as for five (one tax computation each, no query per invoice)."""
        terms = self._discount_terms("mixed")
        Agreement = self.env["revshare.agreement"].sudo()
        counts = []
        for count in (1, 5):
            invoices = self.env["account.move"].union(
                *(
                    self._invoice(
                        1000.0, taxes=self.tax_15, payment_term=terms, post=False
                    )
                    for __ in range(count)
                )
            )
            lines = invoices.invoice_line_ids
            Agreement._revshare_compute_shares(lines)  # registry caches
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            vals_list = Agreement._revshare_compute_shares(lines)
            counts.append(self.env.cr.sql_log_count - before)
            self.assertEqual(
                sorted({vals["base_amount"] for vals in vals_list}), [1000.0, 1147.0]
            )
        self.assertEqual(counts[0], counts[1])
