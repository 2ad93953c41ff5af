from collections import namedtuple
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command

from .revshare_line_states import EARNED_STATES

# Our documents are created and posted without chatter (no creation message, no
# tracking values, the user who paid or posted not made a follower): they are
# written by the engine, each row says why. Odoo still subscribes the partner of
# a posted invoice, so a payee follows its vendor bill.
QUIET_DOCUMENT_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
}
# Our journal entries are balanced and untaxed (their lines say so): created
# without Odoo's invoice synchronization, as Odoo creates its cash-basis tax
# entries (_create_tax_cash_basis_moves); the balance is still checked.
UNSYNCED_ENTRY_CONTEXT = {
    "skip_invoice_sync": True,
    "skip_invoice_line_sync": True,
    "skip_account_move_synchronization": True,
}

# One line of a vendor bill of ours: its agreement (the bill product), label,
# amount and expense account (empty: the product's).
BillLine = namedtuple("BillLine", ["agreement", "name", "amount", "expense_account"])


class RevshareLineBooking(models.AbstractModel):
    """Booking: earned rows become journal entries or vendor bills, and reversed
    rows reverse them (see ARCHITECTURE.md, "Accounting documents")."""

    _name = "revshare.line.booking"
    _description = "Revenue Share Ledger Row: booking"

    @api.model
    def _revshare_accounting_date(self, company, journal, day):
        """``day``, or the first open day after the lock dates that forbid it, so that
        our document never fails the event that triggered it."""
        day = fields.Date.to_date(day)
        locks = company._get_violated_lock_dates(day, False, journal)
        if locks:
            return max(day, locks[-1][0] + timedelta(days=1))
        return day

    def _revshare_book(self, date=None, ref=None):
        """Turn earned rows of one event into accounting documents, by the
        agreement's settlement mode: ``entry`` one posted journal entry per company,
        ``bill`` one posted vendor bill (or credit note) per payee, company and
        currency, ``periodic`` nothing (the settlement run bills later). An event
        is whatever its caller books at once: an invoice, or a whole
        reconciliation batch of the payment addon (many payments, one document).

        Sets ``move_id`` and ``move_line_id`` on the rows and returns the
        documents. Rows that are not earned, already booked, or zero are skipped.
        """
        date = fields.Date.to_date(date)
        rows = self.filtered(
            lambda r: r.state == "earned"
            and not r.move_id
            and not r.currency_id.is_zero(r.amount)
        )
        # sudo: we write the ledger and post our own documents on behalf of whoever
        # posted the invoice or the payment (a salesman may post an invoice without
        # any right on journal entries); the rows were computed by our code only.
        rows = rows.sudo()
        moves = self.env["account.move"].sudo()
        quiet = moves.with_context(**QUIET_DOCUMENT_CONTEXT)
        entry_rows = rows.filtered(lambda r: r.settlement_mode == "entry")
        bill_rows = rows.filtered(lambda r: r.settlement_mode == "bill")
        move_vals, move_rows = [], []
        for company_rows in entry_rows.grouped("company_id").values():
            move_vals.append(company_rows._revshare_prepare_entry_vals(date, ref))
            move_rows.append(list(company_rows._revshare_entry_groups().values()))
        by_partner = bill_rows.grouped(
            lambda r: (r.payee_id, r.company_id, r.currency_id)
        )
        for group_rows in by_partner.values():
            move_vals.append(group_rows._revshare_prepare_bill_vals(date, ref))
            # One bill line per row, in the rows' order.
            move_rows.append(list(group_rows))
        if not move_vals:
            return moves
        self._revshare_skip_analytic_models(move_vals)
        entry_count = len(move_vals) - len(by_partner)
        entries = bills = quiet
        if entry_count:
            entries = quiet.with_context(**UNSYNCED_ENTRY_CONTEXT).create(
                move_vals[:entry_count]
            )
        if by_partner:
            bills = quiet.create(move_vals[entry_count:])
        with self.env["res.partner"]._revshare_batched_ranks():
            # One posting for the whole event (one sequence and rank pass).
            (entries.with_env(quiet.env) + bills)._post(soft=False)
        new_moves = (entries + bills).with_env(moves.env)
        links = []
        for move, line_rows in zip(new_moves, move_rows, strict=True):
            booking_lines = move._revshare_booking_lines()[-len(line_rows) :]
            for line, group_rows in zip(booking_lines, line_rows, strict=True):
                links += [(row.id, move.id, line.id) for row in group_rows]
        rows._revshare_link_documents(links)
        return new_moves

    @api.model
    def _revshare_skip_analytic_models(self, move_vals):
        """Give our document lines their analytic distribution (none) when the
        companies have no analytic distribution model: Odoo would otherwise search
        the models once per line. With models, Odoo applies them as for any
        document."""
        companies = {vals["company_id"] for vals in move_vals}
        Model = self.env["account.analytic.distribution.model"].sudo()
        if Model.search_count([("company_id", "in", [*companies, False])], limit=1):
            return
        for vals in move_vals:
            for command in vals.get("line_ids", []) + vals.get("invoice_line_ids", []):
                if command[0] == Command.CREATE:
                    command[2].setdefault("analytic_distribution", False)

    def _revshare_link_documents(self, links):
        """Link rows to the document and document line booking them: ``links`` is
        a list of (row id, move id, move line id), written with one UPDATE (a batch
        document has as many lines to link as it has payees) through the
        ledger's guarded fast path."""
        if not links:
            return
        self.env.flush_all()
        row_ids, move_ids, line_ids = zip(*links, strict=True)
        self.browse(row_ids)._revshare_write_fast(
            {"move_id": list(move_ids), "move_line_id": list(line_ids)}
        )

    def _revshare_event_ref(self, ref):
        return ref or ", ".join(
            sorted(set(self.invoice_id.mapped("name")) - {False, "/"})
        )

    def _revshare_entry_groups(self):
        """{(payee, currency, payable account): rows}: the rows of one journal
        entry, each group one payable line (the line booking them)."""
        return self.grouped(lambda r: (r.payee_id, r.currency_id, r.payable_account_id))

    def _revshare_prepare_entry_vals(self, date=None, ref=None):
        """One journal entry for these rows (one company): one payable line per
        payee, currency and payable account the rows were made with
        (:meth:`_revshare_entry_groups`, the payee as partner, the line each
        row links to), after one expense line per currency and expense account,
        debited for all its payees at once (named when it has one; negative
        totals swap sides). The payable lines come last, in the groups' order."""
        company = self.company_id
        journal = self[0].agreement_id._revshare_get_journal("general")
        day = self._revshare_accounting_date(
            company, journal, date or max(self.mapped("date"))
        )
        ref = self._revshare_event_ref(ref)
        missing = self.filtered(
            lambda r: not r.expense_account_id or not r.payable_account_id
        )
        if missing:
            raise UserError(
                self.env._(
                    "Agreement %(agreement)s had no expense or payable account "
                    "when its rows were made: set them on the agreement or in "
                    "the Accounting settings, then make a new version of it.",
                    agreement=missing.agreement_id[:1].display_name,
                )
            )
        payables = [
            (rows, {"partner_id": partner.id, "account_id": payable.id}, -1)
            for (partner, __, payable), rows in self._revshare_entry_groups().items()
        ]
        # An expense line names its payee when it has only one.
        expenses = [
            (
                rows,
                {
                    "partner_id": rows.payee_id.id
                    if len(rows.payee_id) == 1
                    else False,
                    "account_id": expense.id,
                },
                1,
            )
            for (__, expense), rows in self.grouped(
                lambda r: (r.currency_id, r.expense_account_id)
            ).items()
        ]
        line_cmds = []
        for rows, vals, sign in expenses + payables:
            codes = " ".join(sorted(set(rows.agreement_id.mapped("code")) - {False}))
            line_cmds.append(
                Command.create(
                    {
                        **vals,
                        "currency_id": rows.currency_id.id,
                        "name": f"{codes} {ref}".strip(),
                        "balance": sign * sum(rows.mapped("amount_company")),
                        "amount_currency": sign * sum(rows.mapped("amount")),
                        # A share booked by entry bears no tax (an agreement whose
                        # shares would is refused at activation); without this,
                        # Odoo gives each line its account's default taxes.
                        "tax_ids": [Command.clear()],
                    }
                )
            )
        return {
            "move_type": "entry",
            "company_id": company.id,
            "journal_id": journal.id,
            "date": day,
            "ref": ref,
            "revshare_origin": True,
            "line_ids": line_cmds,
        }

    def _revshare_prepare_bill_vals(self, date=None, ref=None):
        """One vendor bill (credit note when the total is negative) for these rows
        (one payee, company and currency), one line per row. In a foreign
        agreement currency, Odoo converts the bill at its own date's rate, as for
        any vendor bill."""
        first = self[0]
        ref = self._revshare_event_ref(ref)
        total = sum(self.mapped("amount"))
        sign = -1 if first.currency_id.compare_amounts(total, 0.0) < 0 else 1
        bill_lines = [
            BillLine(
                row.agreement_id,
                " ".join(
                    p
                    for p in (
                        row.agreement_id.code,
                        row.invoice_id.name,
                        row.product_id.display_name,
                    )
                    if p
                ),
                sign * row.amount,
                row.expense_account_id,
            )
            for row in self
        ]
        return self._revshare_prepare_vendor_bill_vals(
            first.agreement_id,
            first.company_id,
            first.payee_id,
            first.currency_id,
            date or max(self.mapped("date")),
            ref,
            bill_lines,
            refund=sign < 0,
        )

    @api.model
    def _revshare_prepare_vendor_bill_vals(
        self, agreement, company, partner, currency, day, ref, bill_lines, refund=False
    ):
        """Values of every vendor bill (``in_refund`` with ``refund``) of ours, for
        a booking event or a settlement: in the purchase journal of ``agreement``,
        dated ``day`` or the first open day after it, one line per
        :class:`BillLine`. Each line gets the product's vendor taxes mapped by the
        partner's fiscal position (``_revshare_bill_taxes``), computed as
        tax-included when its agreement says its shares are; a bill of
        self-billed agreements is self-billed."""
        journal = agreement._revshare_get_journal("purchase")
        day = self._revshare_accounting_date(company, journal, day)
        line_cmds = []
        agreements = self.env["revshare.agreement"].union(
            *(bill_line.agreement for bill_line in bill_lines)
        )
        # One tax look-up per agreement (a bill has a line per row).
        taxes = {a: a._revshare_bill_taxes(partner) for a in agreements}
        for bill_line in bill_lines:
            vals = {
                "product_id": bill_line.agreement._revshare_get_product().id,
                "name": bill_line.name,
                "quantity": 1.0,
                "price_unit": bill_line.amount,
                "tax_ids": [Command.set(taxes[bill_line.agreement].ids)],
                "revshare_tax_included": bill_line.agreement.share_tax_included,
            }
            if bill_line.expense_account:
                vals["account_id"] = bill_line.expense_account.id
            line_cmds.append(Command.create(vals))
        return {
            **self.env["account.move"]._revshare_self_billing_vals(
                agreements, company, partner
            ),
            "move_type": "in_refund" if refund else "in_invoice",
            "company_id": company.id,
            "journal_id": journal.id,
            "partner_id": partner.id,
            "currency_id": currency.id,
            "invoice_date": day,
            "date": day,
            "ref": ref,
            "invoice_origin": ref,
            "revshare_origin": True,
            "invoice_line_ids": line_cmds,
        }

    def _revshare_prepare_reversal_vals(self, kind="reversal", date=None):
        day = fields.Date.to_date(date) or fields.Date.context_today(self)
        return [
            row._revshare_prepare_derived_vals(
                date=day,
                kind=kind,
                reversed_line_id=row.id,
                base_amount=-row.base_amount,
                amount=-row.amount,
                amount_company=-row.amount_company,
                amount_invoice_currency=-row.amount_invoice_currency,
                **row._revshare_reversal_extra_vals(),
            )
            for row in self
        ]

    def _revshare_moves_action(self):
        """The journal entries and vendor bills that book these rows."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_journal_line"
        )
        action["domain"] = [("id", "in", self.move_id.ids)]
        action["context"] = {"create": False}
        return action

    def _revshare_reversal_extra_vals(self):
        """Hook: more links copied to a reversal row (e.g. the payment addon's)."""
        return {}

    def _revshare_reverse(self, kind="reversal", date=None):
        """Negate earned (or settled) rows with new earned rows of ``kind``
        (``reversed_line_id`` pointing to the original) and reverse their
        accounting: a posted journal entry of ours is reversed with Odoo's reversal
        when all its rows are reversed together, else (and for bills) the new rows
        are booked like the originals (a negative bill becomes a vendor credit
        note). Rows already reversed, and reversal rows themselves (they close their
        original), are skipped. Returns the new rows."""
        # sudo: see _revshare_book; the ledger is written by our code only.
        rows = self.sudo().filtered(
            lambda r: r.state in EARNED_STATES
            and r.kind != "reversal"
            and not r.reversal_line_ids
        )
        if not rows:
            return self.sudo().browse()
        new_rows = self.sudo().create(rows._revshare_prepare_reversal_vals(kind, date))
        by_move = new_rows.grouped(lambda r: r.reversed_line_id.move_id)
        # How many rows each document books, in one grouped read: a document is
        # reversed as a whole only when all its rows are reversed now.
        booked_counts = self.sudo()._revshare_counts(
            "move_id", self.env["account.move"].union(*by_move)
        )
        to_book = self.sudo().browse()
        links = []
        for move, move_new_rows in by_move.items():
            if not move or move.state != "posted":
                # Nothing booked (periodic) or the document was undone by hand.
                continue
            if move.move_type == "entry" and booked_counts.get(move, 0) == len(
                move_new_rows
            ):
                journal = move.journal_id
                day = self._revshare_accounting_date(
                    move.company_id, journal, date or fields.Date.context_today(self)
                )
                with self.env["res.partner"]._revshare_batched_ranks():
                    reverse = move.with_context(
                        **QUIET_DOCUMENT_CONTEXT
                    )._reverse_moves(
                        [
                            {
                                "date": day,
                                "ref": self.env._(
                                    "Reversal of: %s", move.ref or move.name
                                ),
                                "revshare_origin": True,
                            }
                        ],
                        cancel=True,
                    )
                # Odoo copies the lines in order: each reversal row links to the
                # copy of its original's line.
                copies = dict(
                    zip(
                        move.line_ids.sorted("id").ids,
                        reverse.line_ids.sorted("id").ids,
                        strict=True,
                    )
                )
                links += [
                    (
                        row.id,
                        reverse.id,
                        copies.get(row.reversed_line_id.move_line_id.id),
                    )
                    for row in move_new_rows
                ]
            else:
                to_book |= move_new_rows
        new_rows._revshare_link_documents(links)
        to_book._revshare_book(date=date)
        return new_rows
