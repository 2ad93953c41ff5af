from collections import defaultdict, namedtuple
from contextlib import contextmanager

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from odoo.addons.partner_revshare.models.revshare_line_states import (
    EARNED_OR_WAITING_STATES,
)

from .revshare_booking_batch import PENDING_KEY, BookingBatch, CashEvent

# The cash-equivalent one partial brought to its invoice (invoice currency) before
# any early-payment discount, the discount it took (a fraction, 0 when none), and
# the payment providers that collected it.
CashPart = namedtuple("CashPart", ["partial_id", "amount", "discount", "providers"])


class AccountPartialReconcile(models.Model):
    """Earn revenue shares when a customer invoice is matched with cash.

    Like Odoo's cash-basis taxes, the hook works on each partial reconcile, so that
    every path that pays an invoice (register payment, outstanding credits widget,
    bank statement lines, online payments, API) earns alike, and removing the
    matching reverses exactly what it earned.
    """

    _name = "account.partial.reconcile"
    _inherit = ["account.partial.reconcile", "revshare.cash.factors"]

    revshare_line_ids = fields.One2many(
        comodel_name="revshare.line",
        inverse_name="partial_id",
        string="Revenue Share Rows",
        readonly=True,
    )

    # -------------------------------------------------------------------------
    # CRUD
    # -------------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        partials = super().create(vals_list)
        # Earned now, or with the other partials of the reconciliation batch in
        # progress when it is over.
        partials._revshare_defer("earn", partials)
        return partials

    def unlink(self):
        # Reverse before the partials disappear: their rows still point to them,
        # and only for whoever may remove them (the reversal writes with sudo).
        self.check_access("unlink")
        if self:
            self._revshare_earn_pending()
            self._revshare_unearn()
        return super().unlink()

    # -------------------------------------------------------------------------
    # Classification
    # -------------------------------------------------------------------------

    @api.model
    def _revshare_is_invoice_receivable(self, aml):
        """A receivable line of a posted customer invoice or credit note."""
        move = aml.move_id
        return (
            move.is_sale_document()
            and move.state == "posted"
            and aml.account_type == "asset_receivable"
            and not move.revshare_origin
        )

    @api.model
    def _revshare_is_cash_move(self, move):
        """The entry of a payment or of a bank statement line, that is cash. Invoices,
        credit notes, write-off and exchange entries, and our own documents are not."""
        return (
            bool(move.origin_payment_id or move.statement_line_id)
            and not move.is_invoice(include_receipts=True)
            and not move.revshare_origin
        )

    def _revshare_sides(self):
        """(invoice receivable line, cash line) of this partial, or None."""
        self.ensure_one()
        for invoice_aml, cash_aml in (
            (self.debit_move_id, self.credit_move_id),
            (self.credit_move_id, self.debit_move_id),
        ):
            if self._revshare_is_invoice_receivable(
                invoice_aml
            ) and self._revshare_is_cash_move(cash_aml.move_id):
                return invoice_aml, cash_aml
        return None

    def _revshare_matched_amount(self, invoice_aml):
        """What this partial matched, in the currency of ``invoice_aml``."""
        self.ensure_one()
        if self.debit_move_id == invoice_aml:
            return self.debit_amount_currency
        return self.credit_amount_currency

    @api.model
    def _revshare_cash_payments(self, move, invoice):
        """The payments whose cash the entry is: the payment of a payment entry, else
        (a bank statement line paying the invoice directly) the invoice's payments
        that have no journal entry of their own (Odoo 18 payments without outstanding
        account are settled that way)."""
        if move.origin_payment_id:
            return move.origin_payment_id
        return invoice.matched_payment_ids.filtered(lambda p: not p.move_id)

    @api.model
    def _revshare_payment_providers(self, payments):
        """Payment providers that collected the payments' cash."""
        # sudo: transactions are restricted to payment managers; only their provider
        # is read, to decide which gateway agreement earns.
        providers = payments.sudo().payment_transaction_id.provider_id
        return providers | payments.payment_method_line_id.payment_provider_id

    @api.model
    def _revshare_clean_env_line(self):
        """The ledger model in a context free of the reconciliation's flags.

        Reconciliation runs with flags such as ``skip_invoice_sync`` (payment wizard)
        or ``no_exchange_difference``; our vendor bills and reversals must be built
        and reconciled normally, so they get only the user's language, timezone and
        companies.
        """
        context = {
            key: value
            for key, value in self.env.context.items()
            if key in ("lang", "tz", "allowed_company_ids")
        }
        # sudo: the ledger is written on behalf of whoever reconciles (an accountant,
        # the portal payment flow); the rows only mirror the reconciliation.
        # The whole context is replaced on purpose: no reconciliation flag may leak.
        return self.env["revshare.line"].sudo().with_context(context)  # pylint: disable=context-overridden

    @api.model
    def _revshare_payment_rate(self, cash_aml, invoice, date):
        """Company currency per unit of invoice currency, at the payment."""
        company_currency = invoice.company_currency_id
        if invoice.currency_id == company_currency:
            return 1.0
        if (
            cash_aml.currency_id == invoice.currency_id
            and not invoice.currency_id.is_zero(cash_aml.amount_currency)
        ):
            # The rate of the cash journal item itself, as cash-basis entries use it.
            return cash_aml.balance / cash_aml.amount_currency
        return self.env["res.currency"]._get_conversion_rate(
            invoice.currency_id, company_currency, invoice.company_id, date
        )

    # -------------------------------------------------------------------------
    # Earning
    # -------------------------------------------------------------------------

    def _revshare_earn(self):
        """Turn expected rows into earned rows for the cash partials in ``self``.

        For an expected row of amount E on an invoice of receivable total T (invoice
        currency), after cash C (this partial included), the row's earned total is
        ``round(E * C / T)``; the partial earns that minus what the row earned already.
        Without unreconciliation this is ``round(E*C_after/T) - round(E*C_before/T)``:
        cumulative rounding, so the rows sum to exactly E once T is paid in cash. After
        an unreconciliation it also absorbs the cent its reversal may have left.

        All partials of the call are processed together: the number of queries does
        not depend on the number of agreements or expected rows.
        """
        sides = {}
        for partial in self:
            pair = partial._revshare_sides()
            if pair:
                sides[partial] = pair
        if not sides:
            return
        invoices = self.env["account.move"].union(
            *(inv.move_id for inv, __ in sides.values())
        )
        Line = self._revshare_clean_env_line()
        expected = Line.search(
            [("invoice_id", "in", invoices.ids), ("state", "=", "expected")], order="id"
        )
        if not expected:
            return

        history = self._revshare_cash_history(invoices)
        weights = self._revshare_discount_weights(expected)
        earned_before = self._revshare_earned_totals(expected)
        expected_by_invoice = defaultdict(list)
        for row in expected:
            expected_by_invoice[row.invoice_id].append(row)

        vals_list = []
        events = defaultdict(list)  # (cash move, date) -> indexes in vals_list
        for partial in sorted(sides, key=lambda p: p.id):
            invoice_aml, cash_aml = sides[partial]
            invoice = invoice_aml.move_id
            rows = expected_by_invoice.get(invoice)
            info = history[invoice]
            if not rows or invoice.currency_id.is_zero(info["total"]):
                continue
            cash_move = cash_aml.move_id
            date = cash_aml.date
            rate = self._revshare_payment_rate(cash_aml, invoice, cash_aml.date)
            payments = self._revshare_cash_payments(cash_move, invoice)
            providers = self._revshare_payment_providers(payments)
            kind = "share" if invoice.move_type == "out_invoice" else "clawback"
            for row in rows:
                agreement = row.agreement_id
                gateway = agreement.payment_provider_ids
                if gateway and not (gateway & providers):
                    continue
                cash_after = self._revshare_paid_cash(
                    info, agreement, weights[row.id], partial.id
                )
                vals = self._revshare_prepare_earned_vals(
                    row, cash_after / info["total"], earned_before[row.id], rate
                )
                if not vals:
                    continue
                vals.update(
                    kind=kind,
                    date=date,
                    partial_id=partial.id,
                    payment_move_id=cash_move.id,
                    payment_id=payments[:1].id if len(payments) == 1 else False,
                )
                totals = earned_before[row.id]
                for fname in totals:
                    totals[fname] += vals[fname]
                events[(cash_move, date)].append(len(vals_list))
                vals_list.append(vals)
        if not vals_list:
            return
        self._revshare_write_rows(Line, vals_list, events)

    @api.model
    def _revshare_cash_history(self, invoices):
        """Per invoice: receivable total and cash partials in invoice currency.

        :return: {invoice: {"total": T, "cash": [CashPart, ...]}}
        """
        receivables = invoices.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )
        history = {invoice: {"total": 0.0, "cash": []} for invoice in invoices}
        for aml in receivables:
            history[aml.move_id]["total"] += abs(aml.amount_currency)
        partials = receivables.matched_debit_ids | receivables.matched_credit_ids
        factors = {}
        for partial in partials.sorted("id"):
            pair = partial._revshare_sides()
            if not pair:
                continue
            invoice_aml, cash_aml = pair
            invoice = invoice_aml.move_id
            if invoice not in history:
                continue
            matched = partial._revshare_matched_amount(invoice_aml)
            cash_move = cash_aml.move_id
            if cash_move not in factors:
                factors[cash_move] = self._revshare_cash_factors(cash_move)
            providers = self._revshare_payment_providers(
                self._revshare_cash_payments(cash_move, invoice)
            )
            ratio, discount = factors[cash_move][invoice]
            history[invoice]["cash"].append(
                CashPart(partial.id, matched * ratio, discount, providers)
            )
        return history

    @api.model
    def _revshare_paid_cash(self, info, agreement, weight, up_to_partial_id=None):
        """Cash an invoice brought ``agreement`` (``info``: the invoice's entry in
        :meth:`_revshare_cash_history`), up to partial ``up_to_partial_id``
        included: all cash, or for a gateway agreement only its providers' cash;
        a discounted partial counting for its amount less the discount, times
        ``weight`` (:meth:`_revshare_discount_weights`)."""
        gateway = agreement.payment_provider_ids
        return sum(
            part.amount * (1.0 - part.discount * weight)
            for part in info["cash"]
            if (up_to_partial_id is None or part.partial_id <= up_to_partial_id)
            and (not gateway or gateway & part.providers)
        )

    @api.model
    def _revshare_earned_totals(self, expected):
        """What each expected row earned so far (its earned rows, clawbacks and their
        reversals), per amount field."""
        totals = defaultdict(
            lambda: {
                "amount": 0.0,
                "amount_company": 0.0,
                "amount_invoice_currency": 0.0,
                "base_amount": 0.0,
            }
        )
        groups = (
            self.env["revshare.line"]
            .sudo()
            ._read_group(
                [
                    ("expected_line_id", "in", expected.ids),
                    ("state", "in", EARNED_OR_WAITING_STATES),
                ],
                ["expected_line_id"],
                [
                    "amount:sum",
                    "amount_company:sum",
                    "amount_invoice_currency:sum",
                    "base_amount:sum",
                ],
            )
        )
        for row, amount, amount_company, amount_invoice, base in groups:
            totals[row.id].update(
                amount=amount,
                amount_company=amount_company,
                amount_invoice_currency=amount_invoice,
                base_amount=base,
            )
        return totals

    @api.model
    def _revshare_prepare_earned_vals(self, row, fraction, earned, rate):
        """Values of the row earning ``row`` up to ``fraction`` of it, or None when
        nothing more is earned. ``earned``: what ``row`` earned so far; ``rate``:
        company currency per invoice currency unit at the payment."""
        invoice = row.invoice_id
        invoice_currency = invoice.currency_id
        company_currency = invoice.company_currency_id
        currency = row.currency_id
        fraction = min(fraction, 1.0)

        # Sums of earned rows come from SQL as floats: round each difference again.
        amount_invoice = invoice_currency.round(
            invoice_currency.round(row.amount_invoice_currency * fraction)
            - earned["amount_invoice_currency"]
        )
        if invoice_currency == company_currency:
            amount_company = amount_invoice
        else:
            # Company amounts follow the payment's rate, as the payment's own journal
            # items do; the exchange difference stays out of the shares.
            amount_company = company_currency.round(amount_invoice * rate)
        if currency == invoice_currency:
            amount = amount_invoice
        elif currency == company_currency:
            amount = amount_company
        else:
            amount = currency.round(
                currency.round(row.amount * fraction) - earned["amount"]
            )
        if (
            currency.is_zero(amount)
            and company_currency.is_zero(amount_company)
            and invoice_currency.is_zero(amount_invoice)
        ):
            return None
        base = currency.round(
            currency.round(row.base_amount * fraction) - earned["base_amount"]
        )
        return row._revshare_prepare_derived_vals(
            base_amount=base,
            amount=amount,
            amount_company=amount_company,
            amount_invoice_currency=amount_invoice,
            expected_line_id=row.id,
        )

    @contextmanager
    def _revshare_booking_batch(self):
        """Earn from the partials the reconciliations inside the block made, and
        book what they earned or undid, once the block is over, in the same
        transaction: the partials of the whole block earned together, one
        document per date and beneficiary set (see :class:`BookingBatch`).

        Inside ``account.move.line._reconcile_plan`` Odoo disables the
        synchronization of invoice lines for the whole cursor: a vendor bill
        created there would get no payable line. So our documents are booked after
        the plan (``account_move_line.py``), or after the register-payment wizard's
        reconciliations (``account_payment_register.py``). A nested block leaves
        its bookings to the outermost one.
        """
        cache = self.env.cr.cache
        if PENDING_KEY in cache:
            yield
            return
        cache[PENDING_KEY] = batch = BookingBatch()
        try:
            yield
        finally:
            del cache[PENDING_KEY]
        self._revshare_run_batch(batch)

    @api.model
    def _revshare_defer(self, kind, item):
        """Earn from new partials (``kind="earn"``), book (``kind="book"``, a
        list of :class:`CashEvent`) or reverse (``kind="reverse"``, ledger rows)
        now, or when the reconciliation batch in progress is over."""
        batch = self.env.cr.cache.get(PENDING_KEY)
        if batch is None:
            batch = BookingBatch()
            batch.add(kind, item)
            self._revshare_run_batch(batch)
        else:
            batch.add(kind, item)

    @api.model
    def _revshare_run_batch(self, batch):
        for kind, item in batch.steps:
            if kind == "earn":
                # In the batch's environment, not in the context Odoo created the
                # partials with (which disables the synchronization of invoice
                # lines: a vendor bill booked in it would be empty). A partial
                # removed meanwhile was earned before (unlink).
                item.with_env(self.env)._revshare_earn()
            elif kind == "book":
                self._revshare_book_events(item)
            else:
                item._revshare_reverse()

    @api.model
    def _revshare_earn_pending(self):
        """Earn at once what the reconciliation batch in progress left to earn
        when it is over: a partial removed meanwhile must have its rows to have
        them reversed."""
        batch = self.env.cr.cache.get(PENDING_KEY)
        pending = batch.take("earn") if batch else []
        if pending:
            self.union(*pending)._revshare_earn()

    @api.model
    def _revshare_write_rows(self, Line, vals_list, events):
        """Create the earned rows, then book them, one document set per payment event.

        A database failure becomes a UserError: the whole reconciliation is rolled
        back with it, never half written. A concurrency failure (a row the new
        rows refer to changed since the transaction began) is left as it is:
        Odoo retries the request in a new transaction.
        """
        try:
            rows = Line.create(vals_list)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            raise
        except psycopg2.Error as error:
            raise UserError(
                self.env._(
                    "The revenue shares of this payment could not be recorded "
                    "(%(error)s). Nothing was reconciled; try again, and contact your "
                    "administrator if it persists.",
                    error=error.pgerror or str(error),
                )
            ) from error
        booking = [
            CashEvent(Line.browse([rows[i].id for i in indexes]), cash_move, date)
            for (cash_move, date), indexes in events.items()
        ]
        self._revshare_defer("book", booking)
        return rows

    @api.model
    def _revshare_book_events(self, events):
        """Book the rows of these :class:`CashEvent` (a reconciliation batch)
        together: one ``_revshare_book`` per date, so one document per date and
        beneficiary set for the whole batch, whatever the number of payments."""
        by_date = defaultdict(list)
        for event in events:
            by_date[event.date].append(event)
        for date, date_events in by_date.items():
            rows = self.env["revshare.line"].union(*(e.rows for e in date_events))
            invoices = self._revshare_name_list(rows.invoice_id.mapped("name"))
            payments = self._revshare_name_list([e.cash_move.name for e in date_events])
            ref = self.env._(
                "%(invoices)s paid by %(payment)s", invoices=invoices, payment=payments
            )
            try:
                # _revshare_book moves the document to the first open date when the
                # payment date is locked: the customer's payment never fails for it.
                rows._revshare_book(date=date, ref=ref)
            except UserError as error:
                raise UserError(
                    self.env._(
                        "The revenue shares of %(invoices)s paid by %(payment)s "
                        "could not be booked: %(error)s\nNothing was reconciled. Fix "
                        "the agreement and reconcile again.",
                        invoices=invoices,
                        payment=payments,
                        error=error.args[0] if error.args else str(error),
                    )
                ) from error

    @api.model
    def _revshare_name_list(self, names, limit=5):
        """Document names for a reference: all of them up to ``limit``, else the
        first ones and how many more (a batch of 100 payments makes one document
        whose every row still links to its payment)."""
        names = list(dict.fromkeys(n for n in names if n and n != "/"))
        if len(names) <= limit:
            return ", ".join(names)
        return self.env._(
            "%(names)s and %(count)s more",
            names=", ".join(names[: limit - 1]),
            count=len(names) - limit + 1,
        )

    # -------------------------------------------------------------------------
    # Unearning
    # -------------------------------------------------------------------------

    def _revshare_unearn(self):
        """Reverse the rows earned by these partials (unreconcile, payment reset to
        draft or cancelled, invoice reset to draft), together with the other
        partials of the reconciliation batch, dated today (the day the cash was
        taken back), their documents at the first open date."""
        Line = self._revshare_clean_env_line()
        rows = Line.search(
            [
                ("partial_id", "in", self.ids),
                ("kind", "in", ("share", "clawback")),
                ("state", "in", EARNED_OR_WAITING_STATES),
            ]
        )
        # Rows already reversed are skipped by _revshare_reverse itself. The rows
        # outlive their partial (the link is emptied): reversing them later, when a
        # reconciliation in progress is over, is safe.
        if rows:
            self._revshare_defer("reverse", rows)
