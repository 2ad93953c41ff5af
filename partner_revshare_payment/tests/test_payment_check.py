from odoo.tests import tagged

from odoo.addons.partner_revshare.tests.common import RevshareCommon

from .common import RevsharePaymentDefaultCommon


@tagged("post_install", "-at_install")
class TestPaymentCheck(RevshareCommon):
    """The revenue share check verifies what payments earned: the expected share
    times the paid part of its invoice, whatever the payments, refunds and
    unreconciliations, and finds an earned amount changed on purpose."""

    def _check(self):
        self.env.invalidate_all()
        return self.env["revshare.check"]._revshare_check(
            self.company, "2026-01-01", "2026-12-31"
        )

    def _kinds(self, found):
        return sorted((m["kind"], m["res_model"], m["res_id"]) for m in found)

    def test_paid_part_is_checked(self):
        agreement = self._create_agreement(
            name="On payment", trigger="payment", rules=[{"rate": 10.0}]
        )
        invoice = self._create_invoice(
            [(self.product_service, 1, 50.0)], partner=self.customer2
        )
        expected = invoice.revshare_line_ids.filtered(
            lambda r: r.agreement_id == agreement
        )
        self.assertEqual((expected.state, expected.amount), ("expected", 5.0))
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({"payment_date": "2026-03-20", "amount": 25.0})._create_payments()
        earned = self.env["revshare.line"].search(
            [("expected_line_id", "=", expected.id)]
        )
        self.assertEqual(earned.mapped("amount_invoice_currency"), [2.5])
        self.assertEqual(self._check(), [])
        self.env.cr.execute(
            "UPDATE revshare_line SET amount = 2.0, amount_company = 2.0, "
            "amount_invoice_currency = 2.0 WHERE id = %s",
            [earned.id],
        )
        found = self._check()
        self.assertIn(("earned", "revshare.line", expected.id), self._kinds(found))
        mismatch = next(m for m in found if m["kind"] == "earned")
        self.assertEqual(
            (mismatch["expected_amount"], mismatch["actual_amount"]), (2.5, 2.0)
        )
        self.assertEqual({m["kind"] for m in found}, {"earned", "document", "payable"})

    def test_clean_after_foreign_payments_refund_and_unreconcile(self):
        eur = self.setup_other_currency("EUR", rates=[("2026-01-01", 2.0)])
        self._create_agreement(
            name="Cash entry", trigger="payment", rules=[{"rate": 10.0}]
        )
        self._create_agreement(
            name="Cash bill",
            trigger="payment",
            partner_id=self.techpartner.id,
            settlement_mode="bill",
            journal_id=self.purchase_journal.id,
            product_id=self.bill_product.id,
            rules=[{"rate": 7.0}],
        )
        invoice = self._create_invoice(
            [(self.product_service, 1, 100.01)], partner=self.customer2, currency=eur
        )
        refund = self._create_invoice(
            [(self.product_service, 1, 33.33)],
            partner=self.customer2,
            currency=eur,
            move_type="out_refund",
        )

        def pay(moves, amount, day):
            return (
                self.env["account.payment.register"]
                .with_context(active_model="account.move", active_ids=moves.ids)
                .create({"payment_date": day, "amount": amount, "currency_id": eur.id})
                ._create_payments()
            )

        first = pay(invoice, 33.33, "2026-03-20")
        pay(invoice, 20.0, "2026-03-21")
        pay(refund, 33.33, "2026-03-22")
        partial = invoice.line_ids.matched_credit_ids.filtered(
            lambda p: p.credit_move_id.move_id == first.move_id
        )
        invoice.js_remove_outstanding_partial(partial.id)
        earned = self.env["revshare.line"].search(
            [("invoice_id", "in", (invoice | refund).ids), ("state", "=", "earned")]
        )
        self.assertTrue(earned.filtered(lambda r: r.kind == "reversal"))
        self.assertTrue(earned.filtered(lambda r: r.kind == "clawback"))
        self.assertEqual(self._check(), [])
        bills = earned.move_id.filtered(
            lambda m: m.move_type in ("in_invoice", "in_refund")
        )
        self.assertTrue(bills)
        self.env.cr.execute(
            "UPDATE account_move_line SET amount_currency = amount_currency + 0.01 "
            "WHERE move_id = %s AND display_type = 'payment_term'",
            [bills[0].id],
        )
        self.assertEqual(
            self._kinds(self._check()),
            [
                ("document", "account.move", bills[0].id),
                ("payable", "res.partner", self.techpartner.id),
            ],
        )


@tagged("post_install", "-at_install")
class TestPaymentCheckDefaultConfig(RevsharePaymentDefaultCommon):
    """In a company as Odoo ships it, the check computes the paid part of invoices
    paid with an early-payment discount, a write-off or a grouped payment as the
    payment hook does, and names every earned amount changed in the database."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agreement = cls._create_agreement(cls.reseller, 10.0)
        terms = cls._discount_terms()
        # 1,000 + 15% tax each: paid with a 2% discount (98.00), 1,100 and 50 written
        # off (95.65), and with the first in one grouped payment, after its
        # discount period (100.00).
        cls.discounted = cls._invoice(1000.0, taxes=cls.tax_15, payment_term=terms)
        cls.written_off = cls._invoice(1000.0, taxes=cls.tax_15)
        cls.too_late = cls._invoice(
            1000.0, date="2023-12-01", taxes=cls.tax_15, payment_term=terms
        )
        cls._pay(cls.discounted | cls.too_late, date="2024-01-15", group_payment=True)
        cls._write_off(cls.written_off, 1100.0)

    def _check(self):
        self.env.invalidate_all()
        return self.env["revshare.check"]._revshare_check(
            self.company, "2024-01-01", "2024-12-31"
        )

    def _earned_row(self, invoice):
        return self._earned(invoice).filtered(lambda r: r.kind == "share")

    def _expected_row(self, invoice):
        return invoice.revshare_line_ids.filtered(lambda r: r.state == "expected")

    def test_clean(self):
        self.assertEqual(
            [
                self._earned(invoice).mapped("amount")
                for invoice in (self.discounted, self.written_off, self.too_late)
            ],
            [[98.0], [95.65], [100.0]],
        )
        self.assertEqual(self._check(), [])

    def test_changed_and_deleted_rows_are_named(self):
        """An earned amount set to the full share, and an earned row deleted."""
        self.env.cr.execute(
            "UPDATE revshare_line SET amount = 100.0, amount_company = 100.0, "
            "amount_invoice_currency = 100.0 WHERE id = %s",
            [self._earned_row(self.discounted).id],
        )
        self.env.cr.execute(
            "DELETE FROM revshare_line WHERE id = %s",
            [self._earned_row(self.written_off).id],
        )
        earned = {
            m["res_id"]: (m["expected_amount"], m["actual_amount"])
            for m in self._check()
            if m["kind"] == "earned"
        }
        self.assertEqual(
            earned,
            {
                self._expected_row(self.discounted).id: (98.0, 100.0),
                self._expected_row(self.written_off).id: (95.65, 0.0),
            },
        )
