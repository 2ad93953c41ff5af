from collections import defaultdict

from odoo import api, models

from odoo.addons.partner_revshare.models.revshare_charged_amounts import (
    charged_totals,
)


class RevshareCashFactors(models.AbstractModel):
    """What a cash entry is worth to the invoices it pays (``account.partial.reconcile``
    inherits it): cash per unit matched, net of write-offs, and the early-payment
    discount each invoice took and how much of it each row's base bears. The payment
    hook and the integrity check read the same factors."""

    _name = "revshare.cash.factors"
    _description = "Revenue Share: cash-equivalent of a payment"

    @api.model
    def _revshare_cash_factors(self, move):
        """Cash per unit matched, for each invoice the cash entry pays, and the
        early-payment discount the invoice took.

        An entry with an early-payment discount or a write-off matches more than the
        cash it brings. Which account Odoo calls liquidity is no guide: without an
        outstanding account on the payment method, Odoo books the payment on the
        chart's outstanding account, which ``_seek_for_lines`` files as a write-off.
        So the ratio comes from what the entry moves: its liquidity (the payment's
        outstanding account or the journal's), its receivable / payable counterpart
        and its discount lines (``display_type = 'epd'``). A discount belongs to the
        invoices that took it; how much it lowers a share depends on the share's
        base (:meth:`_revshare_discount_weights`). Whatever else is missing between
        cash and counterpart is a write-off, shared by the entry's invoices in
        proportion of what it matched with each.

        :return: {invoice: (ratio, discount)}, the cash-equivalent of a partial for
            a row being its matched amount x ratio x (1 - discount x the row's
            weight); ``discount``: the fraction of the terms (0.02), 0 when the
            invoice took none
        """
        counterpart = move.line_ids.filtered(
            lambda line: line.account_type in ("asset_receivable", "liability_payable")
        )
        matched = defaultdict(float)
        for partial in counterpart.matched_debit_ids | counterpart.matched_credit_ids:
            pair = partial._revshare_sides()
            if pair and pair[1].move_id == move:
                matched[pair[0].move_id] += partial._revshare_matched_amount(pair[0])
        if not matched:
            return {}
        payment = move.origin_payment_id
        if payment:
            liquidity_accounts = (
                payment.outstanding_account_id | payment._get_valid_liquidity_accounts()
            )
        else:
            liquidity_accounts = move.statement_line_id.journal_id.default_account_id
        liquidity = move.line_ids.filtered(
            lambda line: line.account_id in liquidity_accounts
        )
        discount_lines = move.line_ids.filtered(lambda line: line.display_type == "epd")
        # A payment's lines share its currency; a statement line in a foreign
        # currency mixes two, compared in the company currency.
        if len(move.line_ids.currency_id) == 1:
            currency, fname = move.line_ids.currency_id, "amount_currency"
        else:
            currency, fname = move.company_currency_id, "balance"
        cash = abs(sum(liquidity.mapped(fname)))
        owed = abs(sum(counterpart.mapped(fname))) - abs(
            sum(discount_lines.mapped(fname))
        )
        ratio = 1.0 if currency.is_zero(owed) else min(1.0, cash / owed)
        discounted = self._revshare_discounted_invoices(move, matched, discount_lines)
        return {
            invoice: (
                ratio,
                invoice.invoice_payment_term_id.discount_percentage / 100.0
                if invoice in discounted
                else 0.0,
            )
            for invoice in matched
        }

    @api.model
    def _revshare_discount_weights(self, rows):
        """{row id: the part of the row's base that an early-payment discount of
        its invoice reduces, per unit of discount percentage}.

        A share of an untaxed base (or of a margin, or of other shares) loses the
        discount percentage: Odoo takes it off the untaxed amount in every
        computation mode. A share of the total, taxes included, is a share of what
        the customer pays for the line: under ``included`` terms the discount is
        taken off the total (all but fixed taxes), so the whole percentage again;
        under ``excluded`` and ``mixed`` terms only off the untaxed amount, so the
        percentage of the untaxed part of what the line charged.
        """
        weights = {row.id: 1.0 for row in rows}
        total_rows = rows.filtered(
            lambda r: r.agreement_id.base == "total"
            and r.invoice_line_id
            and r.invoice_id.invoice_payment_term_id.early_discount
        )
        if not total_rows:
            return weights
        charged = charged_totals(total_rows.invoice_line_id)
        for row in total_rows:
            line = row.invoice_line_id
            terms = row.invoice_id.invoice_payment_term_id
            total = charged[line.id]
            if terms.early_pay_discount_computation == "included":
                # Odoo leaves fixed taxes out of the discount.
                fixed = line.tax_ids.filtered(lambda t: t.amount_type == "fixed")
                discounted = total - sum(fixed.mapped("amount")) * abs(line.quantity)
            else:
                discounted = line.price_subtotal
            weights[row.id] = discounted / total if total else 1.0
        return weights

    @api.model
    def _revshare_discounted_invoices(self, move, matched, discount_lines):
        """The invoices whose early-payment discount the cash entry took.

        Odoo sums the discount lines of all the invoices of a grouped payment, so
        the lines cannot say whose they are. Odoo grants the discount to an invoice
        paid in full by one payment within the discount period of its terms: those
        are the invoices this entry matched for their whole receivable by then.

        :param matched: {invoice: amount this entry matched with it}
        """
        invoices = self.env["account.move"]
        if not discount_lines:
            return invoices
        currency = discount_lines.currency_id
        for invoice, amount in matched.items():
            payment_term = invoice.invoice_payment_term_id
            total = sum(
                invoice.line_ids.filtered(
                    lambda line: line.display_type == "payment_term"
                ).mapped("amount_currency")
            )
            if (
                invoice.move_type == "out_invoice"
                and payment_term.early_discount
                and invoice.currency_id == currency
                and move.date
                <= payment_term._get_last_discount_date(invoice.invoice_date)
                and currency.compare_amounts(amount, abs(total)) == 0
            ):
                invoices |= invoice
        return invoices
