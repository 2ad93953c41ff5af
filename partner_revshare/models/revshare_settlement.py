from collections import defaultdict

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .base import USER_GROUP
from .revshare_line_states import PAID_STATES
from .revshare_monetary_field import RevshareMonetary
from .revshare_settlement_engine import ROW_KEY_FIELDS
from .revshare_settlement_link import (
    SETTLEMENT_LINK_TABLE,
    create_settlement_link_table,
)


class RevshareSettlement(models.Model):
    """A partner's statement for a period: the earned ledger rows of one partner,
    company and currency, the period-level terms applied to them (tiers, caps,
    minimum payout, negative balance carried), and the vendor bill paying the
    ``periodic`` agreements among them.

    Settlements are made by the settlement run (``revshare_settlement_engine.py``,
    from the "Settle now" wizard or the daily cron); a row is in at most one
    settlement. Each concept has its own mixin and file (ARCHITECTURE.md,
    "Settlements"); a mixin that extends another is listed before it."""

    _name = "revshare.settlement"
    _description = "Revenue Share Settlement"
    _inherit = [
        "portal.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "revshare.settlement.approval",
        "revshare.settlement.engine",
        "revshare.settlement.bonus",
        "revshare.settlement.terms",
        "revshare.settlement.bill",
        "revshare.settlement.tax",
        "revshare.settlement.portal",
        "revshare.settlement.dispute",
        "revshare.settlement.payout",
    ]
    _order = "date_to desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Number", required=True, readonly=True, copy=False, default="/"
    )
    partner_id = fields.Many2one(
        "res.partner",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        help="The partner billed and paid: the payee of the rows, which may hold "
        "the rows of several beneficiaries delegating their payments to it.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        help="The agreements' currency: the amounts the partner sees.",
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(string="To", required=True, index=True)
    date = fields.Date(
        string="Settlement Date",
        default=fields.Date.context_today,
        help="The day the settlement was made; the bill date.",
    )
    agreement_ids = fields.Many2many(
        "revshare.agreement",
        "revshare_settlement_agreement_rel",
        "settlement_id",
        "agreement_id",
        string="Agreements",
        check_company=True,
    )
    # The link table's other side (revshare_settlement_link): rows join a
    # settlement through the ledger's guard only (create and write refuse it).
    # Both sides keep Odoo's cascade (each side sets the foreign key of the
    # other's column on each upgrade): a settlement is deleted after its rows
    # are released (unlink), and a row deleted is expected, in no settlement.
    line_ids = fields.Many2many(
        "revshare.line",
        SETTLEMENT_LINK_TABLE,
        "settlement_id",
        "line_id",
        string="Rows",
        copy=False,
        readonly=True,
    )
    line_count = fields.Integer(compute="_compute_amounts", store=True)
    amount_share = RevshareMonetary(
        string="Shares", compute="_compute_amounts", store=True
    )
    amount_clawback = RevshareMonetary(
        string="Clawbacks and Reversals", compute="_compute_amounts", store=True
    )
    amount_adjustment = RevshareMonetary(
        string="Adjustments", compute="_compute_amounts", store=True
    )
    amount_carried = RevshareMonetary(
        string="Carried Balance",
        readonly=True,
        help="Negative balance carried from the previous settlement.",
    )
    carried_from_id = fields.Many2one(
        "revshare.settlement",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    amount_total = RevshareMonetary(
        string="Total",
        compute="_compute_amounts",
        store=True,
        help="Rows plus the carried balance.",
    )
    amount_billable = RevshareMonetary(
        string="To Bill",
        compute="_compute_amounts",
        store=True,
        help="Rows of the periodic agreements plus the carried balance: the amount "
        "of the vendor bill. Negative: no bill, carried to the next settlement.",
    )
    workflow_state = fields.Selection(
        [("draft", "Draft"), ("confirmed", "Confirmed"), ("cancelled", "Cancelled")],
        required=True,
        default="draft",
        copy=False,
        help="Steps taken by the user; the displayed state also follows the bill.",
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("confirmed", "Confirmed"),
            ("billed", "Billed"),
            ("paid", "Paid"),
            ("cancelled", "Cancelled"),
        ],
        compute="_compute_state",
        store=True,
        index=True,
        tracking=True,
    )
    bill_id = fields.Many2one(
        "account.move",
        string="Vendor Bill",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
    )
    bill_state = fields.Selection(related="bill_id.state", string="Bill Status")
    bill_payment_state = fields.Selection(related="bill_id.payment_state")

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------

    @api.depends("line_ids.amount", "line_ids.section", "amount_carried")
    def _compute_amounts(self):
        """One grouped read for all settlements (a run computes hundreds at once).
        Sections follow ``revshare.line.section`` (a credit note's negative share is
        a clawback), so that they always add up to the total."""
        sums = defaultdict(lambda: defaultdict(float))
        counts = defaultdict(int)
        billable = defaultdict(float)
        ids = [sid for sid in self.ids if sid]
        if ids:
            groups = (
                self.env["revshare.line"]
                .sudo()
                ._read_group(
                    [("settlement_ids", "in", ids)],
                    ["settlement_ids", "settlement_mode", "section"],
                    ["amount:sum", "__count"],
                )
            )
            for settlement, mode, section, amount, count in groups:
                sums[settlement.id][section] += amount
                counts[settlement.id] += count
                if mode == "periodic":
                    billable[settlement.id] += amount
        for settlement in self:
            sections = sums[settlement.id]
            currency = settlement.currency_id
            settlement.line_count = counts[settlement.id]
            settlement.amount_share = currency.round(sections["share"])
            settlement.amount_clawback = currency.round(sections["clawback"])
            settlement.amount_adjustment = currency.round(sections["adjustment"])
            settlement.amount_total = currency.round(
                sum(sections.values()) + settlement.amount_carried
            )
            settlement.amount_billable = currency.round(
                billable[settlement.id] + settlement.amount_carried
            )

    @api.depends("workflow_state", "bill_id.state", "bill_id.payment_state")
    def _compute_state(self):
        """Draft and cancelled are the user's steps; a confirmed settlement is billed
        once its bill is posted (a draft bill is not in the books yet), and paid
        when the bill is paid."""
        for settlement in self:
            bill = settlement.bill_id
            if settlement.workflow_state != "confirmed":
                settlement.state = settlement.workflow_state
            elif bill.state == "posted" and bill.payment_state in PAID_STATES:
                settlement.state = "paid"
            elif bill.state == "posted":
                settlement.state = "billed"
            else:
                settlement.state = "confirmed"

    def _compute_access_url(self):
        res = super()._compute_access_url()
        for settlement in self:
            settlement.access_url = f"/my/revshare/statements/{settlement.id}"
        return res

    # ------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for settlement in self:
            if settlement.date_from > settlement.date_to:
                raise ValidationError(
                    self.env._(
                        "Settlement %(settlement)s ends before it starts: fix its "
                        "dates.",
                        settlement=settlement.display_name,
                    )
                )

    @api.constrains(
        "partner_id", "agreement_ids", "date_from", "date_to", "workflow_state"
    )
    def _check_overlap(self):
        """Two live settlements of one partner cannot cover the same agreement on
        overlapping dates. One search for the whole batch."""
        live = self.filtered(lambda s: s.workflow_state != "cancelled")
        if not live:
            return
        others = self.search(
            [
                ("workflow_state", "!=", "cancelled"),
                ("partner_id", "in", live.partner_id.ids),
                ("agreement_ids", "in", live.agreement_ids.ids),
                ("date_from", "<=", max(live.mapped("date_to"))),
                ("date_to", ">=", min(live.mapped("date_from"))),
            ]
        )
        by_partner = defaultdict(list)
        for other in others:
            by_partner[other.partner_id.id].append(other)
        for settlement in live:
            for other in by_partner[settlement.partner_id.id]:
                if (
                    other != settlement
                    and other.agreement_ids & settlement.agreement_ids
                    and other.date_from <= settlement.date_to
                    and other.date_to >= settlement.date_from
                ):
                    raise ValidationError(
                        self.env._(
                            "Settlement %(settlement)s of %(partner)s overlaps "
                            "settlement %(other)s (%(date_from)s to %(date_to)s) for "
                            "agreement %(agreement)s. Cancel one of them or change "
                            "its dates.",
                            settlement=settlement.display_name,
                            partner=settlement.partner_id.display_name,
                            other=other.display_name,
                            date_from=other.date_from,
                            date_to=other.date_to,
                            agreement=(other.agreement_ids & settlement.agreement_ids)[
                                0
                            ].display_name,
                        )
                    )

    @api.constrains("line_ids", "company_id", "partner_id", "currency_id")
    def _check_lines(self):
        """Rows of one company, payee and currency only (a statement changed
        after its rows joined it). One grouped read."""
        if not self.ids:
            return
        groups = (
            self.env["revshare.line"]
            .sudo()
            ._read_group(
                [("settlement_ids", "in", self.ids)],
                ["settlement_ids", *ROW_KEY_FIELDS],
            )
        )
        for settlement, *keys in groups:
            settlement._revshare_check_row_keys(*keys)

    def _revshare_check_row_keys(self, companies, partners, currencies):
        """Raise unless rows of ``companies``, payees ``partners`` and
        ``currencies`` may be in this statement: those of its own company,
        payee and currency. The ledger's guard checks the rows that join it,
        :meth:`_check_lines` the rows of a statement changed since."""
        self.ensure_one()
        if companies - self.company_id:
            raise ValidationError(
                self.env._(
                    "Settlement %(settlement)s is for company %(company)s but "
                    "holds rows of company %(other)s: a settlement holds the "
                    "rows of one company. Settle each company separately.",
                    settlement=self.display_name,
                    company=self.company_id.display_name,
                    other=(companies - self.company_id)[0].display_name,
                )
            )
        if partners - self.partner_id or currencies - self.currency_id:
            raise ValidationError(
                self.env._(
                    "Settlement %(settlement)s holds rows paid to another partner "
                    "or in another currency (%(partner)s, %(currency)s): a "
                    "settlement holds the rows of one payee in one currency.",
                    settlement=self.display_name,
                    partner=", ".join(partners.mapped("display_name")),
                    currency=", ".join(currencies.mapped("name")),
                )
            )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    def _auto_init(self):
        # Whichever side of the link Odoo initializes first creates its table.
        create_settlement_link_table(self.env.cr)
        return super()._auto_init()

    @api.model_create_multi
    def create(self, vals_list):
        # Numbers are drawn before Odoo's create checks the access: check it first.
        self.check_access("create")
        self._revshare_refuse_rows(vals_list)
        self._revshare_fill_numbers(
            [vals for vals in vals_list if vals.get("name", "/") == "/"]
        )
        return super().create(vals_list)

    def write(self, vals):
        self._revshare_refuse_rows([vals])
        return super().write(vals)

    @api.model
    def _revshare_refuse_rows(self, vals_list):
        """Rows join a settlement through the ledger's guard (the run's
        :meth:`revshare.line._revshare_join_settlements`), never through the
        settlement's side of the link."""
        if any("line_ids" in vals for vals in vals_list):
            raise UserError(
                self.env._("Rows are put in settlements by the settlement run only.")
            )

    @api.model
    def _revshare_fill_numbers(self, vals_list):
        """Number new statements as ``next_by_code`` would, one after the other
        in ``vals_list`` order: each company's ``revshare.settlement`` sequence
        (its own, else the shared one), the date range of the statement's
        ``date_to``; but the numbers of one sequence and date range are drawn at
        once (:meth:`ir.sequence._revshare_next_batch`), one locked increment per
        run instead of one per statement. Without a sequence the name stays
        ``/``."""
        Sequence = self.env["ir.sequence"]
        Sequence.browse().check_access("read")
        sequences, ranges = {}, {}
        todo = defaultdict(list)  # (sequence, date range) -> vals, in order
        for vals in vals_list:
            company_id = vals.get("company_id") or self.env.company.id
            if company_id not in sequences:
                sequences[company_id] = Sequence.with_company(company_id).search(
                    [
                        ("code", "=", "revshare.settlement"),
                        ("company_id", "in", [company_id, False]),
                    ],
                    order="company_id",
                    limit=1,
                )
            sequence = sequences[company_id]
            if not sequence:
                vals["name"] = "/"
                continue
            day = fields.Date.to_date(vals.get("date_to"))
            if (sequence, day) not in ranges:
                ranges[(sequence, day)] = sequence._revshare_date_range(day)
            todo[(sequence, ranges[(sequence, day)])].append(vals)
        for (sequence, date_range), group in todo.items():
            names = sequence._revshare_next_batch(len(group), date_range)
            for vals, name in zip(group, names, strict=True):
                vals["name"] = name

    def unlink(self):
        # The rows are released (sudo) before Odoo's unlink checks the access.
        self.check_access("unlink")
        if any(s.workflow_state == "confirmed" for s in self):
            raise UserError(
                self.env._(
                    "Confirmed settlements cannot be deleted: cancel them instead."
                )
            )
        self._revshare_release_lines()
        return super().unlink()

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_confirm(self):
        """Confirm draft settlements: their rows become settled and the periodic
        agreements' balance is billed."""
        self._revshare_check_group()
        drafts = self.filtered(lambda s: s.workflow_state == "draft")
        if self - drafts:
            raise UserError(
                self.env._(
                    "Only draft settlements can be confirmed (%(settlements)s is not).",
                    settlements=(self - drafts)[0].display_name,
                )
            )
        drafts._revshare_check_billable()
        drafts._revshare_settle_lines()
        drafts.write({"workflow_state": "confirmed"})
        drafts._revshare_create_bills()
        return True

    def action_create_bill(self):
        """Bill again a confirmed settlement whose bill was cancelled (or
        deleted)."""
        self._revshare_check_group()
        todo = self.filtered(
            lambda s: s.workflow_state == "confirmed"
            and (not s.bill_id or s.bill_id.state == "cancel")
        )
        todo._revshare_check_billable()
        todo._revshare_create_bills()
        return True

    def action_cancel(self):
        """Cancel settlements whose bill is not posted: their rows are released (back
        to earned, free for the next run) and a draft bill is cancelled."""
        self._revshare_check_group()
        self.check_access("write")
        # sudo: the bill's state is read for a manager without accounting rights.
        for settlement in self.sudo():
            if settlement.bill_id.state == "posted":
                raise UserError(
                    self.env._(
                        "Settlement %(settlement)s is billed by the posted bill "
                        "%(bill)s: reset the bill to draft (or reverse it) before "
                        "cancelling the settlement.",
                        settlement=settlement.display_name,
                        bill=settlement.bill_id.display_name,
                    )
                )
        later = self.search(
            [
                ("carried_from_id", "in", self.ids),
                ("workflow_state", "!=", "cancelled"),
                ("id", "not in", self.ids),
            ],
            limit=1,
        )
        if later:
            raise UserError(
                self.env._(
                    "The balance of settlement %(settlement)s was carried to "
                    "settlement %(later)s: cancel %(later)s first.",
                    settlement=later.carried_from_id.display_name,
                    later=later.display_name,
                )
            )
        # sudo: the draft bill is ours (made by the settlement with sudo); a
        # revenue-share manager may cancel it with the settlement it belongs to.
        self.bill_id.sudo().filtered(lambda m: m.state == "draft").button_cancel()
        self._revshare_release_lines()
        self.write({"workflow_state": "cancelled"})
        return True

    def action_view_lines(self):
        self._revshare_check_group(USER_GROUP)
        self.ensure_one()
        return self.env["revshare.line"]._revshare_action(
            [("settlement_id", "=", self.id)]
        )

    def action_view_bill(self):
        self._revshare_check_group(USER_GROUP)
        self.ensure_one()
        return self.bill_id._get_records_action() if self.bill_id else False

    def action_send_statement(self):
        """Open the mail composer with the statement template and PDF."""
        self._revshare_check_group(USER_GROUP)
        self.ensure_one()
        template = self.env.ref(
            "partner_revshare.mail_template_revshare_statement",
            raise_if_not_found=False,
        )
        return {
            "type": "ir.actions.act_window",
            "view_mode": "form",
            "res_model": "mail.compose.message",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_template_id": template.id if template else False,
                "default_composition_mode": "comment",
                "default_email_layout_xmlid": "mail.mail_notification_light",
                "force_email": True,
            },
        }

    # ------------------------------------------------------------------
    # Business: rows
    # ------------------------------------------------------------------

    def _revshare_release_lines(self):
        # sudo: links written by our code only (rows are read-only for users).
        rows = self.sudo().line_ids
        if rows:
            rows.write({"settlement_ids": [Command.clear()], "state": "earned"})

    def _revshare_settle_lines(self):
        """The rows of these settlements become ``settled``, with one UPDATE (a
        run confirms thousands of statements of hundreds of rows each) through
        the ledger's guarded fast path: a row that may not become settled stops
        the confirmation."""
        if not self:
            return
        rows = (
            self.env["revshare.line"]
            .sudo()
            .search_fetch(
                [("settlement_ids", "in", self.ids), ("state", "!=", "settled")],
                ["state"],
            )
        )
        # Settled rows count as earned ones in every figure of the ledger
        # (EARNED_STATES): spare recomputing them to the same values, as the
        # ORM spares the fields it writes; what else depends on the state
        # (another addon's) is recomputed.
        figures = [
            rows._fields[fname]
            for fname in (
                "amount_earned",
                "amount_earned_company",
                "amount_expected",
                "amount_expected_company",
            )
        ]
        with self.env.protecting(figures, rows):
            rows._revshare_write_fast({"state": "settled"})
