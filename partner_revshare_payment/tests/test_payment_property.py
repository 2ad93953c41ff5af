from contextlib import closing

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.tests import tagged

from .common import RevsharePaymentCommon

# A step: ("pay", fraction of the invoice), ("unreconcile", which cash partial),
# ("credit_note", fraction of the invoice).
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), st.sampled_from([0.1, 0.25, 1 / 3, 0.5, 0.7, 1.0])),
        st.tuples(st.just("unreconcile"), st.integers(min_value=0, max_value=5)),
        st.tuples(st.just("credit_note"), st.sampled_from([0.05, 0.2, 1 / 3])),
    ),
    min_size=1,
    max_size=5,
)


@tagged("post_install", "-at_install")
class TestPaymentProperty(RevsharePaymentCommon):
    """Random payments, unreconciliations and credit notes: after each step, what each
    agreement earned on the invoice is its share times the fraction paid in cash (to
    the cent), and the partners' payables match the ledger."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agreements = cls._create_agreement(
            cls.reseller, 10.0
        ) + cls._create_agreement(cls.agent, 7.5)

    def _cash_partials(self, invoice):
        receivable = self._receivable(invoice)
        partials = receivable.matched_credit_ids
        return partials.filtered(
            lambda p: p.credit_move_id.move_id.origin_payment_id
        ).sorted("id")

    def _check(self, invoice, refunds, drift_steps):
        invoice.invalidate_recordset()
        total = invoice.amount_total
        cash = sum(self._cash_partials(invoice).mapped("debit_amount_currency"))
        for agreement in self.agreements:
            share = sum(
                invoice.revshare_line_ids.filtered(
                    lambda r, a=agreement: r.agreement_id == a and r.state == "expected"
                ).mapped("amount")
            )
            earned = sum(self._earned(invoice, agreement).mapped("amount"))
            exact = share * cash / total
            # A payment rounds once (half a cent); each unreconciliation since the last
            # payment may leave one more cent, absorbed by the next payment.
            self.assertLessEqual(
                abs(earned - exact),
                0.005 + 0.01 * drift_steps + 1e-9,
                f"{agreement.display_name}: {earned} for {cash}/{total} of {share}",
            )
            if self.env.company.currency_id.compare_amounts(cash, total) == 0:
                self.assertAlmostEqual(earned, share, places=2)
        for refund in refunds:
            self.assertFalse(self._earned(refund), "an offset credit note is no cash")
        for partner in self.agreements.partner_id:
            ledger = sum(
                self.env["revshare.line"]
                .search(
                    [
                        ("partner_id", "=", partner.id),
                        ("state", "in", ("earned", "settled")),
                    ]
                )
                .mapped("amount_company")
            )
            self.assertAlmostEqual(
                self._payable_balance(partner), round(ledger, 2), places=2
            )

    def _run(self, amount, steps):
        invoice = self._invoice(amount)
        refunds = self.env["account.move"]
        drift_steps = 0
        for action, arg in steps:
            residual = invoice.amount_residual
            if action == "pay":
                pay = min(residual, round(amount * arg, 2))
                if pay <= 0:
                    continue
                self._pay(invoice, pay)
                drift_steps = 0
            elif action == "unreconcile":
                partials = self._cash_partials(invoice)
                if not partials:
                    continue
                invoice.js_remove_outstanding_partial(partials[arg % len(partials)].id)
                drift_steps += 1
            else:
                refund_amount = min(residual, round(amount * arg, 2))
                if refund_amount <= 0:
                    continue
                refund = self._invoice(refund_amount, move_type="out_refund")
                invoice.js_assign_outstanding_line(self._receivable(refund).id)
                refunds |= refund
            self._check(invoice, refunds, drift_steps)

    # derandomize: the same 15 sequences on every run, so that CI is reproducible;
    # raise max_examples locally to explore more.
    @settings(
        max_examples=15,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors],
    )
    @given(amount=st.sampled_from([100.0, 999.99, 1234.57]), steps=STEPS)
    def test_random_payments_unreconciles_credit_notes(self, amount, steps):
        # Each example starts from the same data: its own is rolled back.
        with closing(self.env.cr.savepoint()):
            self._run(amount, steps)
