from contextlib import closing

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import RevsharePaymentDefaultCommon

# Within the 10 days of the early-payment discount of invoices dated 2024-01-10, and
# after them.
IN_PERIOD = "2024-01-15"
AFTER_PERIOD = "2024-02-01"

# A step: ("pay", fraction of the invoice), ("write_off", fraction of the residual
# paid, the rest written off), ("discount", None): pay with the early-payment
# discount when Odoo grants it, ("grouped", whether the other invoice is within its
# discount period): one payment for the rest of the invoice and a new one,
# ("unreconcile", which cash partial), ("credit_note", fraction of the invoice),
# ("edit", a term of the agreement): an edit its rows forbid, refused.
EDITED_TERMS = ("partner_id", "currency_id", "settlement_mode", "expense_account_id")
STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("pay"), st.sampled_from([0.1, 0.25, 1 / 3, 0.5, 0.7, 1.0])),
        st.tuples(st.just("write_off"), st.sampled_from([0.5, 0.9, 0.97])),
        st.tuples(st.just("discount"), st.none()),
        st.tuples(st.just("grouped"), st.booleans()),
        st.tuples(st.just("unreconcile"), st.integers(min_value=0, max_value=5)),
        st.tuples(st.just("credit_note"), st.sampled_from([0.05, 0.2, 1 / 3])),
        st.tuples(st.just("edit"), st.sampled_from(EDITED_TERMS)),
    ),
    min_size=1,
    max_size=5,
)


@tagged("post_install", "-at_install")
class TestPaymentProperty(RevsharePaymentDefaultCommon):
    """Random payments (with early-payment discounts, write-offs, grouped with another
    invoice), unreconciliations and credit notes, in a company as Odoo ships it: after
    each step, what each agreement earned on each invoice is its share times the
    fraction paid in cash, to the cent, and the partners' payables match the ledger.
    A discounted payment counts for the untaxed share less the discount percentage,
    and for a share of the total (taxes included) as what the customer paid."""

    def _create_agreements(self, base):
        """The reseller's agreement on the untaxed amount, the agent's on ``base``."""
        self.agreements = self._create_agreement(
            self.reseller, 10.0
        ) + self._create_agreement(self.agent, 7.5, base=base)

    def _assert_posted_shares(self, invoice):
        """Each share is its rate of what the invoice charges on its base."""
        for agreement in self.agreements:
            figure = (
                invoice.amount_total
                if agreement.base == "total"
                else invoice.amount_untaxed
            )
            rate = agreement.rule_ids.rate
            self.assertEqual(
                invoice.revshare_line_ids.filtered(
                    lambda r, a=agreement: r.agreement_id == a
                ).amount,
                invoice.currency_id.round(figure * rate / 100),
            )

    @staticmethod
    def _paid_with_discount(invoice):
        """What the customer pays for the invoice within its discount period."""
        term_lines = invoice.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        return abs(sum(term_lines.mapped("discount_amount_currency")))

    def _cash_partials(self, invoice):
        receivable = self._receivable(invoice)
        partials = receivable.matched_credit_ids
        return partials.filtered(
            lambda p: p.credit_move_id.move_id.origin_payment_id
        ).sorted("id")

    def _record(self, cash, invoice, cash_equivalent, total_equivalent=None):
        """Note the cash equivalents of the invoice's new cash partial, for a
        share of the untaxed amount and for a share of the total."""
        equivalents = (
            cash_equivalent,
            cash_equivalent if total_equivalent is None else total_equivalent,
        )
        for partial in self._cash_partials(invoice):
            cash[invoice].setdefault(partial.id, equivalents)

    def _check(self, cash, refunds, drift_steps):
        self.env.invalidate_all()
        for invoice, partials in cash.items():
            for agreement in self.agreements:
                index = 1 if agreement.base == "total" else 0
                fraction = (
                    sum(equivalents[index] for equivalents in partials.values())
                    / invoice.amount_total
                )
                share = sum(
                    invoice.revshare_line_ids.filtered(
                        lambda r, a=agreement: r.agreement_id == a
                        and r.state == "expected"
                    ).mapped("amount")
                )
                earned = sum(self._earned(invoice, agreement).mapped("amount"))
                # A payment rounds once (half a cent); each unreconciliation since
                # the last payment may leave one more cent, absorbed by the next one.
                self.assertLessEqual(
                    abs(earned - share * fraction),
                    0.005 + 0.01 * drift_steps[invoice] + 1e-9,
                    f"{agreement.display_name} on {invoice.name}: {earned} for "
                    f"{fraction} of {share}",
                )
        for refund in refunds:
            self.assertFalse(self._earned(refund), "an offset credit note is no cash")
        for partner in self.agreements.partner_id:
            self._assert_payable_is_ledger(partner)

    def _edit_refused(self, fname):
        """An agreement with rows keeps the terms they were made with."""
        agreement = self.agreements[0]
        values = {
            "partner_id": self.agent.id,
            "currency_id": self.setup_other_currency("EUR").id,
            "settlement_mode": "periodic",
            "expense_account_id": self.company_data["default_account_revenue"].id,
        }
        before = agreement.read([fname])[0][fname]
        with self.assertRaises(UserError):
            agreement.write({fname: values[fname]})
        self.assertEqual(agreement.read([fname])[0][fname], before)

    def _run(self, amount, computation, base, steps):
        self._create_agreements(base)
        terms = self._discount_terms(computation)
        invoice = self._invoice(amount, taxes=self.tax_15, payment_term=terms)
        self._assert_posted_shares(invoice)
        cash = {invoice: {}}  # invoice -> {cash partial id: cash equivalent}
        drift_steps = {invoice: 0}
        refunds = self.env["account.move"]
        discount = 1 - terms.discount_percentage / 100
        for action, arg in steps:
            residual = invoice.amount_residual
            total = invoice.amount_total
            if action in ("pay", "write_off", "discount", "grouped") and not residual:
                continue
            if action == "pay":
                pay = min(residual, round(total * arg, 2))
                self._pay(invoice, pay, date=AFTER_PERIOD)
                self._record(cash, invoice, pay)
            elif action == "write_off":
                pay = round(residual * arg, 2)
                self._write_off(invoice, pay, date=AFTER_PERIOD)
                self._record(cash, invoice, pay)
            elif action == "discount":
                # Odoo grants it only to an invoice with nothing matched yet.
                if not invoice._is_eligible_for_early_payment_discount(
                    invoice.currency_id, self._date(IN_PERIOD)
                ):
                    continue
                paid = self._paid_with_discount(invoice)
                self._pay(invoice, date=IN_PERIOD)
                self._record(cash, invoice, residual * discount, paid)
            elif action == "grouped":
                other = self._invoice(
                    amount,
                    date="2024-01-10" if arg else "2023-12-01",
                    taxes=self.tax_15,
                    payment_term=terms,
                )
                self._assert_posted_shares(other)
                granted = {
                    move: move._is_eligible_for_early_payment_discount(
                        move.currency_id, self._date(IN_PERIOD)
                    )
                    for move in (invoice, other)
                }
                paid = {move: self._paid_with_discount(move) for move in granted}
                self._pay(invoice | other, date=IN_PERIOD, group_payment=True)
                cash[other] = {}
                drift_steps[other] = 0
                for move, open_amount in (
                    (invoice, residual),
                    (other, other.amount_total),
                ):
                    self._record(
                        cash,
                        move,
                        open_amount * (discount if granted[move] else 1),
                        paid[move] if granted[move] else open_amount,
                    )
            elif action == "edit":
                self._edit_refused(arg)
                continue
            elif action == "unreconcile":
                partials = self._cash_partials(invoice)
                if not partials:
                    continue
                partial = partials[arg % len(partials)]
                invoice.js_remove_outstanding_partial(partial.id)
                del cash[invoice][partial.id]
                drift_steps[invoice] += 1
            else:
                refund_amount = min(residual, round(amount * arg, 2))
                if refund_amount <= 0:
                    continue
                refund = self._invoice(refund_amount, move_type="out_refund")
                invoice.js_assign_outstanding_line(self._receivable(refund).id)
                refunds |= refund
            if action not in ("unreconcile", "credit_note"):
                drift_steps[invoice] = 0
            self._check(cash, refunds, drift_steps)

    # derandomize: the same sequences on every run, so that CI is reproducible;
    # raise max_examples locally to explore more. Derandomized drawing favours
    # short sequences: the examples make sure that every path is taken, in each
    # computation mode and on both bases (a discount undone and taken again, both
    # invoices of a grouped payment discounted, a discount refused after a credit
    # note, a share of the total under mixed terms).
    @example(
        amount=1000.0,
        computation="mixed",
        base="total",
        steps=[("discount", None)],
    )
    @example(
        amount=1000.0,
        computation="excluded",
        base="total",
        steps=[("pay", 0.5), ("unreconcile", 0), ("discount", None)],
    )
    @example(
        amount=999.99,
        computation="included",
        base="untaxed",
        steps=[
            ("discount", None),
            ("unreconcile", 0),
            ("pay", 0.5),
            ("write_off", 0.9),
        ],
    )
    @example(
        amount=1234.57,
        computation="excluded",
        base="total",
        steps=[("grouped", True), ("unreconcile", 0), ("grouped", False)],
    )
    @example(
        amount=100.0,
        computation="mixed",
        base="total",
        steps=[("credit_note", 0.2), ("discount", None), ("grouped", True)],
    )
    @example(
        amount=999.99, computation="mixed", base="untaxed", steps=[("grouped", True)]
    )
    @example(
        amount=100.0,
        computation="included",
        base="untaxed",
        steps=[("pay", 0.5), ("edit", "partner_id"), ("edit", "settlement_mode")],
    )
    @example(
        amount=1234.57,
        computation="included",
        base="total",
        steps=[("discount", None), ("unreconcile", 0), ("discount", None)],
    )
    @settings(
        max_examples=10,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors],
    )
    @given(
        amount=st.sampled_from([100.0, 999.99, 1234.57]),
        computation=st.sampled_from(["included", "excluded", "mixed"]),
        base=st.sampled_from(["untaxed", "total"]),
        steps=STEPS,
    )
    def test_random_payments_discounts_write_offs_credit_notes(
        self, amount, computation, base, steps
    ):
        # Each example starts from the same data: its own is rolled back.
        with closing(self.env.cr.savepoint()):
            self._run(amount, computation, base, steps)
