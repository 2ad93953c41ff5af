from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command


class RevshareLine(models.Model):
    """The revenue-share ledger: one row per agreement, invoice line and event.

    Rows are never edited once earned: every correction is a new row (a reversal
    negating a row, a clawback, an adjustment). The only later writes are the links
    added by the next steps (``move_id`` once, ``settlement_id``, ``state``).
    Rows are written by the code only (``sudo``), never by users directly.
    """

    _name = "revshare.line"
    _description = "Revenue Share Ledger Row"
    _order = "date desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["agreement_id", "invoice_id", "partner_id"]

    # Fields later steps may still write on an earned row (links, settlement state).
    _revshare_mutable_fields = frozenset({"move_id", "settlement_id", "state"})
    # The only state changes of a row: forward, and back from settled to earned
    # when the row leaves its (cancelled) settlement.
    _revshare_transitions = frozenset(
        {
            ("expected", "earned"),
            ("expected", "cancelled"),
            ("earned", "settled"),
            ("settled", "earned"),
        }
    )

    agreement_id = fields.Many2one(
        "revshare.agreement",
        required=True,
        ondelete="restrict",
        index=True,
        check_company=True,
    )
    rule_id = fields.Many2one(
        "revshare.rule", ondelete="restrict", index="btree_not_null"
    )
    role = fields.Selection(related="agreement_id.role", store=True)
    partner_id = fields.Many2one(
        "res.partner", string="Beneficiary", required=True, index=True
    )
    company_id = fields.Many2one("res.company", required=True, index=True)
    invoice_id = fields.Many2one(
        "account.move", ondelete="set null", index="btree_not_null"
    )
    invoice_line_id = fields.Many2one(
        "account.move.line", ondelete="set null", index="btree_not_null"
    )
    customer_id = fields.Many2one("res.partner", index="btree_not_null")
    product_id = fields.Many2one("product.product")
    date = fields.Date(required=True, index=True)
    currency_id = fields.Many2one(
        "res.currency", required=True, help="The agreement currency."
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    invoice_currency_id = fields.Many2one("res.currency")
    base_amount = fields.Monetary(help="Base of the share, in the agreement currency.")
    rate = fields.Float(string="Rate (%)", digits=(16, 4))
    # No aggregator: summed as they are, expected rows would count what their
    # earned rows already count. Reports add the two figures below instead.
    amount = fields.Monetary(
        help="Share in the agreement currency, as computed for this row.",
        aggregator=None,
    )
    # Company amounts, accounts and documents are the company's books: internal
    # users only (a portal partner reads its rows in its agreement currency).
    amount_company = fields.Monetary(
        currency_field="company_currency_id", aggregator=None, groups="base.group_user"
    )
    amount_earned = fields.Monetary(
        string="Earned",
        compute="_compute_amount_figures",
        store=True,
        help="The amount of an earned or settled row; zero for the other states.",
    )
    amount_earned_company = fields.Monetary(
        string="Earned (company currency)",
        compute="_compute_amount_figures",
        store=True,
        currency_field="company_currency_id",
        groups="base.group_user",
    )
    amount_expected = fields.Monetary(
        string="Still Expected",
        compute="_compute_amount_figures",
        store=True,
        help="What an expected row still has to earn: its share minus what has "
        "been earned from it already (by payments). Zero for the other states.",
    )
    amount_expected_company = fields.Monetary(
        string="Still Expected (company currency)",
        compute="_compute_amount_figures",
        store=True,
        currency_field="company_currency_id",
        groups="base.group_user",
    )
    amount_invoice_currency = fields.Monetary(currency_field="invoice_currency_id")
    kind = fields.Selection(
        [
            ("share", "Share"),
            ("reversal", "Reversal"),
            ("clawback", "Clawback"),
            ("adjustment", "Adjustment"),
        ],
        required=True,
        default="share",
    )
    state = fields.Selection(
        [
            ("expected", "Expected"),
            ("earned", "Earned"),
            ("settled", "Settled"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="expected",
        index=True,
    )
    move_id = fields.Many2one(
        "account.move",
        string="Accounting Document",
        ondelete="restrict",
        index="btree_not_null",
        copy=False,
        groups="base.group_user",
    )
    reversed_line_id = fields.Many2one(
        "revshare.line",
        string="Reverses",
        ondelete="restrict",
        index="btree_not_null",
    )
    reversal_line_ids = fields.One2many(
        "revshare.line", "reversed_line_id", string="Reversed By"
    )
    settlement_id = fields.Many2one(
        "revshare.settlement",
        ondelete="restrict",
        index="btree_not_null",
        copy=False,
        help="The settlement (statement) this row is in; a row is in at most one. "
        "Company consistency is checked by the settlement, with a clearer message.",
    )
    section = fields.Selection(
        [
            ("share", "Shares"),
            ("clawback", "Clawbacks and Reversals"),
            ("adjustment", "Adjustments"),
        ],
        string="Statement Section",
        compute="_compute_section",
        store=True,
        help="Where the row is summed on statements and the running account: a "
        "negative share (the share of a credit note) is a clawback, whatever its "
        "kind.",
    )
    adjustment_reason = fields.Selection(
        [("tier", "Tier adjustment"), ("cap", "Period cap")],
        help="Why the settlement run added this adjustment row.",
    )
    # The agreement's booking terms when the row was made: booking and settling
    # read them here, never from an agreement edited since.
    settlement_mode = fields.Selection(
        selection=lambda self: self.env["revshare.agreement"]
        ._fields["settlement_mode"]
        .selection,
        required=True,
        help="How this row is booked, as the agreement said when the row was made.",
    )
    expense_account_id = fields.Many2one(
        "account.account",
        ondelete="restrict",
        help="Account debited for this row, as it was when the row was made.",
        groups="base.group_user",
    )
    payable_account_id = fields.Many2one(
        "account.account",
        ondelete="restrict",
        help="The beneficiary's account credited for this row, as it was when the "
        "row was made.",
        groups="base.group_user",
    )

    @api.depends("agreement_id.code", "invoice_id.name", "kind")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for line in self:
            line.display_name = " - ".join(
                part
                for part in (
                    line.agreement_id.code,
                    line.invoice_id.name,
                    kinds.get(line.kind) if line.kind != "share" else False,
                )
                if part
            )

    @api.depends("kind", "amount")
    def _compute_section(self):
        for line in self:
            if line.kind == "adjustment":
                line.section = "adjustment"
            elif (
                line.kind != "share"
                or line.currency_id.compare_amounts(line.amount, 0.0) < 0
            ):
                line.section = "clawback"
            else:
                line.section = "share"

    @api.depends("state", "amount", "amount_company")
    def _compute_amount_figures(self):
        """Earned and still-expected parts of each row, so that any sum of them
        (list, pivot, graph, invoice, partner, portal) counts a share once."""
        remaining = self._revshare_expected_remaining()
        for line in self:
            earned = line.state in ("earned", "settled")
            line.amount_earned = line.amount if earned else 0.0
            line.amount_earned_company = line.amount_company if earned else 0.0
            amount = remaining.get(line, 0.0)
            line.amount_expected = amount
            # Valued at the row's own rate (the invoice's): what is not earned yet
            # has no payment rate.
            line.amount_expected_company = (
                line.company_currency_id.round(
                    line.amount_company * amount / line.amount
                )
                if amount and line.amount
                else 0.0
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._revshare_fill_terms(vals_list)
        return super().create(vals_list)

    @api.model
    def _revshare_fill_terms(self, vals_list):
        """Give each new row the booking terms it is made with: those of the row it
        derives from (a reversal keeps its original's), else its agreement's."""
        for vals in vals_list:
            if vals.get("settlement_mode"):
                continue
            source = self._revshare_terms_source(vals)
            if source:
                vals.update(
                    settlement_mode=source.settlement_mode,
                    expense_account_id=source.expense_account_id.id,
                    payable_account_id=source.payable_account_id.id,
                )
            else:
                agreement = self.env["revshare.agreement"].browse(vals["agreement_id"])
                vals.update(agreement._revshare_row_terms())

    @api.model
    def _revshare_terms_source(self, vals):
        """Hook: the existing row whose terms a new row keeps (empty: none)."""
        return self.browse(vals.get("reversed_line_id"))

    def write(self, vals):
        if "state" in vals:
            self._revshare_check_transition(vals)
        frozen = set(vals) - self._revshare_mutable_fields
        if frozen and any(line.state != "expected" for line in self):
            raise UserError(
                self.env._(
                    "Revenue-share ledger rows cannot be changed once earned (fields "
                    "%(fields)s). Record a correction instead.",
                    fields=", ".join(sorted(frozen)),
                )
            )
        if vals.get("move_id") and any(
            line.move_id and line.move_id.id != vals["move_id"] for line in self
        ):
            raise UserError(
                self.env._(
                    "These revenue-share rows are already booked in another "
                    "accounting document."
                )
            )
        return super().write(vals)

    def _revshare_check_transition(self, vals):
        """Refuse any state change but the ledger's own steps, whoever writes: a row
        taken back to expected could otherwise be edited or deleted."""
        new_state = vals["state"]
        for line in self:
            if line.state == new_state:
                continue
            step = (line.state, new_state)
            leaves_settlement = "settlement_id" in vals and not vals["settlement_id"]
            if step not in self._revshare_transitions or (
                step == ("settled", "earned") and not leaves_settlement
            ):
                states = dict(self._fields["state"]._description_selection(self.env))
                raise UserError(
                    self.env._(
                        "Revenue-share row %(row)s cannot go from %(old)s to "
                        "%(new)s: the ledger only moves forward. Record a correction "
                        "instead.",
                        row=line.display_name,
                        old=states[line.state],
                        new=states.get(new_state, new_state),
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_earned(self):
        if any(line.state != "expected" for line in self):
            raise UserError(
                self.env._(
                    "Earned revenue-share rows cannot be deleted: record a reversal "
                    "instead."
                )
            )

    def action_open_move(self):
        self.ensure_one()
        return self.move_id._get_records_action() if self.move_id else False

    # ------------------------------------------------------------------
    # Accounting
    # ------------------------------------------------------------------

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
        ``bill`` one posted vendor bill (or credit note) per beneficiary, company and
        currency, ``periodic`` nothing (the settlement run bills later).

        Sets ``move_id`` on the rows and returns the documents. Rows that are not
        earned, already booked, or zero are skipped.
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
        entry_rows = rows.filtered(lambda r: r.settlement_mode == "entry")
        bill_rows = rows.filtered(lambda r: r.settlement_mode == "bill")
        move_vals, move_rows = [], []
        for company_rows in entry_rows.grouped("company_id").values():
            move_vals.append(company_rows._revshare_prepare_entry_vals(date, ref))
            move_rows.append(company_rows)
        by_partner = bill_rows.grouped(
            lambda r: (r.partner_id, r.company_id, r.currency_id)
        )
        for group_rows in by_partner.values():
            move_vals.append(group_rows._revshare_prepare_bill_vals(date, ref))
            move_rows.append(group_rows)
        if not move_vals:
            return moves
        new_moves = moves.create(move_vals)
        new_moves._post(soft=False)
        for move, group_rows in zip(new_moves, move_rows, strict=True):
            group_rows.write({"move_id": move.id})
        return new_moves

    def _revshare_event_ref(self, ref):
        return ref or ", ".join(
            sorted(set(self.invoice_id.mapped("name")) - {False, "/"})
        )

    def _revshare_prepare_entry_vals(self, date=None, ref=None):
        """One journal entry for these rows (one company): per beneficiary, accounts
        and currency the rows were made with, debit the expense account and credit
        the payable account with the beneficiary as partner (negative totals swap
        sides)."""
        company = self.company_id
        journal = self[0].agreement_id._revshare_get_journal("general")
        day = self._revshare_accounting_date(
            company, journal, date or max(self.mapped("date"))
        )
        ref = self._revshare_event_ref(ref)
        line_cmds = []
        groups = self.grouped(
            lambda r: (
                r.agreement_id,
                r.partner_id,
                r.currency_id,
                r.expense_account_id,
                r.payable_account_id,
            )
        )
        for (agreement, partner, currency, expense, payable), rows in groups.items():
            if not expense or not payable:
                raise UserError(
                    self.env._(
                        "Agreement %(agreement)s had no expense or payable account "
                        "when its rows were made: set them on the agreement or in "
                        "the Accounting settings, then make a new version of it.",
                        agreement=agreement.display_name,
                    )
                )
            balance = sum(rows.mapped("amount_company"))
            amount_currency = sum(rows.mapped("amount"))
            label = f"{agreement.code} {ref}".strip()
            common = {
                "currency_id": currency.id,
                "name": label,
                "partner_id": partner.id,
            }
            line_cmds += [
                Command.create(
                    dict(
                        common,
                        account_id=expense.id,
                        balance=balance,
                        amount_currency=amount_currency,
                    )
                ),
                Command.create(
                    dict(
                        common,
                        account_id=payable.id,
                        balance=-balance,
                        amount_currency=-amount_currency,
                    )
                ),
            ]
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
        (one beneficiary, company and currency), one line per row, without taxes so
        that the payable equals the ledger. In a foreign agreement currency, Odoo
        converts the bill at its own date's rate, as for any vendor bill."""
        first = self[0]
        agreement = first.agreement_id
        company = first.company_id
        journal = agreement._revshare_get_journal("purchase")
        day = self._revshare_accounting_date(
            company, journal, date or max(self.mapped("date"))
        )
        ref = self._revshare_event_ref(ref)
        total = sum(self.mapped("amount"))
        sign = -1 if first.currency_id.compare_amounts(total, 0.0) < 0 else 1
        line_cmds = []
        for row in self:
            vals = {
                "product_id": row.agreement_id._revshare_get_product().id,
                "name": " ".join(
                    p
                    for p in (
                        row.agreement_id.code,
                        row.invoice_id.name,
                        row.product_id.display_name,
                    )
                    if p
                ),
                "quantity": 1.0,
                "price_unit": sign * row.amount,
                "tax_ids": [Command.clear()],
            }
            if row.expense_account_id:
                vals["account_id"] = row.expense_account_id.id
            line_cmds.append(Command.create(vals))
        return {
            "move_type": "in_refund" if sign < 0 else "in_invoice",
            "company_id": company.id,
            "journal_id": journal.id,
            "partner_id": first.partner_id.id,
            "currency_id": first.currency_id.id,
            "invoice_date": day,
            "date": day,
            "ref": ref,
            "invoice_origin": ref,
            "revshare_origin": True,
            "invoice_line_ids": line_cmds,
        }

    def _revshare_prepare_reversal_vals(self, kind="reversal", date=None):
        date = fields.Date.to_date(date)
        today = fields.Date.context_today(self)
        return [
            {
                "agreement_id": row.agreement_id.id,
                "rule_id": row.rule_id.id,
                "partner_id": row.partner_id.id,
                "company_id": row.company_id.id,
                "invoice_id": row.invoice_id.id,
                "invoice_line_id": row.invoice_line_id.id,
                "customer_id": row.customer_id.id,
                "product_id": row.product_id.id,
                "date": date or today,
                "currency_id": row.currency_id.id,
                "invoice_currency_id": row.invoice_currency_id.id,
                "base_amount": -row.base_amount,
                "rate": row.rate,
                "amount": -row.amount,
                "amount_company": -row.amount_company,
                "amount_invoice_currency": -row.amount_invoice_currency,
                "kind": kind,
                "state": "earned",
                "reversed_line_id": row.id,
                **row._revshare_reversal_extra_vals(),
            }
            for row in self
        ]

    @api.model
    def _revshare_action(self, domain, context=None):
        """The ledger's window action narrowed to ``domain``: every button that
        opens rows uses it, so they all show the same views and nobody creates
        rows by hand."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "partner_revshare.revshare_line_action"
        )
        action["domain"] = domain
        action["context"] = {"create": False, **(context or {})}
        return action

    @api.model
    def _revshare_base_rows_domain(self):
        """Rows whose base counts once toward an agreement's business volume (the
        provisional tier rate): every share, reversal and clawback not cancelled."""
        return [
            ("state", "in", ("expected", "earned", "settled")),
            ("kind", "in", ("share", "reversal", "clawback")),
        ]

    def _revshare_reversal_extra_vals(self):
        """Hook: more links copied to a reversal row (e.g. the payment addon's)."""
        return {}

    def _revshare_expected_remaining(self):
        """{expected row: amount still to be earned} for the expected rows in
        ``self``, in the agreement currency. Here nothing earns against an expected
        row; partner_revshare_payment subtracts what payments earned from it."""
        return {row: row.amount for row in self if row.state == "expected"}

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
            lambda r: r.state in ("earned", "settled")
            and r.kind != "reversal"
            and not r.reversal_line_ids
        )
        if not rows:
            return self.sudo().browse()
        new_rows = self.sudo().create(rows._revshare_prepare_reversal_vals(kind, date))
        by_move = new_rows.grouped(lambda r: r.reversed_line_id.move_id)
        # How many rows each document books, in one grouped read: a document is
        # reversed as a whole only when all its rows are reversed now.
        booked_counts = dict(
            self.sudo()._read_group(
                [("move_id", "in", [move.id for move in by_move if move])],
                ["move_id"],
                ["__count"],
            )
        )
        to_book = self.sudo().browse()
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
                reverse = move._reverse_moves(
                    [
                        {
                            "date": day,
                            "ref": self.env._("Reversal of: %s", move.ref or move.name),
                            "revshare_origin": True,
                        }
                    ],
                    cancel=True,
                )
                move_new_rows.write({"move_id": reverse.id})
            else:
                to_book |= move_new_rows
        to_book._revshare_book(date=date)
        return new_rows
