from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, sql

from .revshare_line_states import EARNED_STATES
from .revshare_monetary_field import RevshareMonetary


class RevshareLine(models.Model):
    """The revenue-share ledger: one row per agreement, invoice line and event,
    written by our code only (``sudo``), never by users directly. What may still
    change on a row: ARCHITECTURE.md, "Data flow". Each step of the pipeline and
    each partner operation is a mixin of its own (``revshare.line.booking``,
    ``revshare.line.hold``...), in the file of its name."""

    _name = "revshare.line"
    _inherit = [
        "revshare.line.alert",
        "revshare.line.approval",
        "revshare.line.settlement",
        "revshare.line.hold",
        "revshare.line.adjustment",
        "revshare.line.terms",
        "revshare.line.payee",
        "revshare.line.portal",
        "revshare.line.booking",
        "revshare.line.figures",
        "revshare.line.fast.write",
        "revshare.line.hooks",
    ]
    _description = "Revenue Share Ledger Row"
    _order = "date desc, id desc"
    _check_company_auto = True
    _rec_names_search = ["agreement_id", "invoice_id", "partner_id", "payee_id"]

    # Terms a new row takes from the row it derives from, else from its agreement
    # (:meth:`_revshare_fill_terms`).
    _revshare_row_term_names = (
        "payee_id",
        "settlement_mode",
        "expense_account_id",
        "payable_account_id",
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
    # Figures: ``readonly=False`` so that Odoo inserts the values given by
    # _revshare_fill_figures (it drops readonly precomputed ones from the create
    # values and computes them on a new record per row). Users never write rows.
    role = fields.Selection(
        selection=lambda self: self.env["revshare.agreement"]._fields["role"].selection,
        compute="_compute_role_currency",
        store=True,
        precompute=True,
        readonly=False,
    )
    partner_id = fields.Many2one(
        "res.partner", string="Beneficiary", required=True, index=True
    )
    # Not indexed: never searched alone (every query also filters on an indexed
    # agreement, partner, invoice, settlement or state), and a one-value index
    # costs every INSERT and UPDATE of the ledger.
    company_id = fields.Many2one("res.company", required=True)
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
    # Given at create with the figures: Odoo's Monetary fields read the currency
    # of the company amounts from the values, not from a new record per amount.
    company_currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_role_currency",
        store=True,
        precompute=True,
        readonly=False,
    )
    invoice_currency_id = fields.Many2one("res.currency")
    base_amount = RevshareMonetary(help="Base of the share, in the agreement currency.")
    rate = fields.Float(string="Rate (%)", digits=(16, 4))
    # No aggregator: summed as they are, expected rows would count what their
    # earned rows already count. Reports add the two figures below instead.
    amount = RevshareMonetary(
        help="Share in the agreement currency, as computed for this row.",
        aggregator=None,
    )
    # Company amounts, accounts and documents are the company's books: internal
    # users only (a portal partner reads its rows in its agreement currency).
    amount_company = RevshareMonetary(
        currency_field="company_currency_id", aggregator=None, groups="base.group_user"
    )
    amount_earned = RevshareMonetary(
        string="Earned",
        compute="_compute_amount_figures",
        store=True,
        precompute=True,
        readonly=False,
        help="The amount of an earned or settled row; zero for the other states.",
    )
    amount_earned_company = RevshareMonetary(
        string="Earned (company currency)",
        compute="_compute_amount_figures",
        store=True,
        precompute=True,
        readonly=False,
        currency_field="company_currency_id",
        groups="base.group_user",
    )
    amount_expected = RevshareMonetary(
        string="Still Expected",
        compute="_compute_amount_figures",
        store=True,
        precompute=True,
        readonly=False,
        help="What an expected row still has to earn: its share minus what has "
        "been earned from it already (by payments). Zero for the other states.",
    )
    amount_expected_company = RevshareMonetary(
        string="Still Expected (company currency)",
        compute="_compute_amount_figures",
        store=True,
        precompute=True,
        readonly=False,
        currency_field="company_currency_id",
        groups="base.group_user",
    )
    amount_invoice_currency = RevshareMonetary(currency_field="invoice_currency_id")
    kind = fields.Selection(
        [
            ("share", "Share"),
            ("reversal", "Reversal"),
            ("clawback", "Clawback"),
            ("adjustment", "Adjustment"),
        ],
        string="Origin",
        required=True,
        default="share",
        help="How the row was made (posting writes shares, credit notes "
        "included); what it is for the partner is its Kind (section).",
    )
    # To Approve: a manual adjustment or a share of an approval_required agreement
    # waiting for a manager (revshare.line.adjustment, revshare.line.approval).
    state = fields.Selection(
        [
            ("expected", "Expected"),
            ("to_approve", "To Approve"),
            ("earned", "Earned"),
            ("settled", "Settled"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="expected",
    )
    move_id = fields.Many2one(
        "account.move",
        string="Accounting Document",
        ondelete="restrict",
        index="btree_not_null",
        copy=False,
        groups="base.group_user",
    )
    move_line_id = fields.Many2one(
        "account.move.line",
        string="Accounting Document Line",
        ondelete="set null",
        index="btree_not_null",
        copy=False,
        groups="base.group_user",
        help="The line of the accounting document that books this row: the payable "
        "line of its payee in the journal entry (rows of one payee, payable "
        "account and currency share it), or its vendor bill line.",
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
    section = fields.Selection(
        [
            ("share", "Share"),
            ("clawback", "Clawback or Reversal"),
            ("adjustment", "Adjustment"),
        ],
        string="Kind",
        compute="_compute_section",
        store=True,
        precompute=True,
        readonly=False,
        help="What the row is for its partner, the same word in the ledger, the "
        "CSV and on the statement, where the row is summed in this section: a "
        "negative share (the share of a credit note) is a clawback.",
    )
    adjustment_reason = fields.Selection(
        [
            ("tier", "Tier adjustment"),
            ("cap", "Period cap"),
            ("bonus", "Period bonus"),
            ("manual", "Manual adjustment"),
        ],
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
        help="The payee's account credited for this row, as it was when the row "
        "was made.",
        groups="base.group_user",
    )

    def init(self):
        """Partial indexes instead of one on the state (an entry per row and
        write): settled rows leave both. The earned rows: what a run reads
        (those in no settlement, by the link table's key)."""
        cr = self.env.cr
        sql.create_index(
            cr,
            "revshare_line_earned_index",
            self._table,
            ["agreement_id", "date"],
            where="state = 'earned'",
        )
        sql.create_index(
            cr,
            "revshare_line_to_approve_index",
            self._table,
            ["agreement_id"],
            where="state = 'to_approve'",
        )
        # Odoo keeps the index of a field that no longer asks for one.
        cr.execute(SQL("DROP INDEX IF EXISTS revshare_line__state_index"))
        # The index of the free earned rows when the link was a column.
        cr.execute(SQL("DROP INDEX IF EXISTS revshare_line_free_earned_index"))

    @api.depends("agreement_id.code", "invoice_id.name", "kind")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        # sudo: the invoice number is part of the row's name for whoever reads
        # the row (a partner reads its rows, not its customers' invoices).
        for line, line_sudo in zip(self, self.sudo(), strict=True):
            line.display_name = " - ".join(
                part
                for part in (
                    line_sudo.agreement_id.code,
                    line_sudo.invoice_id.name,
                    kinds.get(line.kind) if line.kind != "share" else False,
                )
                if part
            )

    @api.model_create_multi
    def create(self, vals_list):
        # The values are read (and completed with sudo) before Odoo's create
        # checks the access: check it first.
        self.check_access("create")
        # Before the figures: a row held for approval is not earned yet.
        self._revshare_hold_for_approval(vals_list)
        self._revshare_fill_terms(vals_list)
        self._revshare_fill_figures(vals_list)
        return super().create(vals_list)

    @api.model
    def _revshare_fill_terms(self, vals_list):
        """Give each new row the terms it is made with that its values do not
        say (the booking terms, the payee): those of the row it derives from (a
        reversal keeps its original's), else its agreement's. The source rows
        and agreements of the whole batch are read at once."""
        todo = [
            vals
            for vals in vals_list
            if not vals.get("settlement_mode") or not vals.get("payee_id")
        ]
        source_ids = [self._revshare_terms_source_id(vals) for vals in todo]
        sources = self.browse(sid for sid in source_ids if sid)
        sources.fetch(self._revshare_row_term_names)
        agreements = self.env["revshare.agreement"].browse(
            {
                vals["agreement_id"]
                for vals, sid in zip(todo, source_ids, strict=True)
                if not sid
            }
        )
        terms = {
            agreement.id: agreement._revshare_row_terms() for agreement in agreements
        }
        for vals, source_id in zip(todo, source_ids, strict=True):
            if source_id:
                source = sources.browse(source_id)
                row_terms = {
                    fname: self._fields[fname].convert_to_write(source[fname], source)
                    for fname in self._revshare_row_term_names
                }
            else:
                row_terms = terms[vals["agreement_id"]]
            # What the values say stays: a given payee, given booking terms.
            if vals.get("payee_id"):
                row_terms = dict(row_terms, payee_id=vals["payee_id"])
            if vals.get("settlement_mode"):
                row_terms = {"payee_id": row_terms["payee_id"]}
            vals.update(row_terms)

    @api.model
    def _revshare_terms_source_id(self, vals):
        """Hook: id of the existing row whose terms a new row keeps (False: none)."""
        return vals.get("reversed_line_id") or False

    def _check_company(self, fnames=None):
        # Odoo checks each row's company-checked fields (agreement_id) one row at
        # a time; rows with the same company and values give the same answer, so
        # one row of each is checked (posting creates thousands of rows of a few
        # agreements): 0.05 s instead of 0.26 s for 5,000 rows of two agreements.
        # test_revshare_internals checks it refuses what Odoo's check refuses.
        checked = [
            name
            for name, field in self._fields.items()
            if field.relational and field.check_company
        ]
        rows = self
        if len(self) > 1 and all(self._fields[n].type == "many2one" for n in checked):
            firsts = {}
            # sudo: the ids of the rows' own values, as Odoo's check reads them.
            for row in self.sudo():
                key = (row.company_id.id, *(row[name].id for name in checked))
                firsts.setdefault(key, row.id)
            rows = self.browse(firsts.values())
        return super(RevshareLine, rows)._check_company(fnames)

    def write(self, vals):
        self._revshare_check_write(vals)
        return super().write(vals)

    def _revshare_check_write(self, vals):
        """The ledger's guard, crossed by every write of ``vals`` on these rows:
        :meth:`write` and the SQL fast paths (:meth:`_revshare_write_fast`,
        :meth:`_revshare_join_settlements`). Only the ledger's own state steps,
        no frozen term changed once a row is earned, a row booked in one
        document and in one settlement only."""
        if "state" in vals:
            self._revshare_check_transition(vals)
        self._revshare_check_settlement_link(vals)
        frozen = set(vals) - self._revshare_mutable_field_names()
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

    def _revshare_check_write_reads(self, vals):
        """The fields :meth:`_revshare_check_write` reads on the rows for
        ``vals``: the fast path reads them for all its rows in one query."""
        reads = set()
        if "state" in vals or set(vals) - self._revshare_mutable_field_names():
            reads.add("state")
        if vals.get("move_id"):
            reads.add("move_id")
        return reads

    def _revshare_check_transition(self, vals):
        """Refuse any state change but the ledger's own steps, whoever writes: a row
        taken back to expected could otherwise be edited or deleted."""
        new_state = vals["state"]
        for line in self:
            if line.state == new_state:
                continue
            step = (line.state, new_state)
            leaves_settlement = self._revshare_leaves_settlement(vals)
            if step not in self._revshare_allowed_transitions() or (
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

    def _revshare_mutable_field_names(self):
        return super()._revshare_mutable_field_names() | {
            "move_id",
            "move_line_id",
            "state",
        }

    def _revshare_allowed_transitions(self):
        # Forward, and back from settled to earned when the row leaves its
        # (cancelled) settlement.
        return super()._revshare_allowed_transitions() | {
            ("expected", "earned"),
            ("expected", "cancelled"),
            ("earned", "settled"),
            ("settled", "earned"),
        }

    def _revshare_derived_field_names(self):
        # What the row is about, and who is paid how much of what.
        return super()._revshare_derived_field_names() | {
            "agreement_id",
            "rule_id",
            "partner_id",
            "company_id",
            "invoice_id",
            "invoice_line_id",
            "customer_id",
            "product_id",
            "currency_id",
            "invoice_currency_id",
            "rate",
        }

    @api.ondelete(at_uninstall=False)
    def _unlink_except_earned(self):
        if any(line.state != "expected" for line in self):
            raise UserError(
                self.env._(
                    "Earned revenue-share rows cannot be deleted: record a reversal "
                    "instead."
                )
            )

    def _revshare_prepare_derived_vals(self, **overrides):
        """Create values of a new earned row derived from this one: the reversal
        of a row, or the part of an expected row that a payment earns. The new row
        keeps this row's links and terms (:meth:`_revshare_derived_field_names`); the
        caller gives what differs, e.g. ``date``, ``kind``, the amounts
        (``base_amount``, ``amount``, ``amount_company``,
        ``amount_invoice_currency``) and the link to this row
        (``reversed_line_id`` or ``expected_line_id``)."""
        self.ensure_one()
        vals = {
            fname: self._fields[fname].convert_to_write(self[fname], self)
            for fname in self._revshare_derived_field_names()
        }
        vals["state"] = "earned"
        vals.update(overrides)
        return vals

    @api.model
    def _revshare_counts(self, fname, records, domain=(), aggregate="__count"):
        """{record of ``records``: number of rows whose ``fname`` is it} (with
        ``domain``; ``aggregate``: another count, e.g. ``move_id:count_distinct``),
        in one grouped read: the counts of the stat buttons."""
        return dict(
            self._read_group(
                [(fname, "in", records.ids), *domain], [fname], [aggregate]
            )
        )

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
            ("state", "in", ("expected", *EARNED_STATES)),
            ("kind", "in", ("share", "reversal", "clawback")),
        ]

    def _revshare_expected_remaining(self):
        """{expected row: amount still to be earned} for the expected rows in
        ``self``, in the agreement currency. Here nothing earns against an expected
        row; partner_revshare_payment subtracts what payments earned from it."""
        return {row: row.amount for row in self if row.state == "expected"}
