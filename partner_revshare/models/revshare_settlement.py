import logging
from collections import defaultdict, namedtuple

from dateutil.relativedelta import relativedelta
from psycopg2 import errors as pg_errors

from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command
from odoo.tools import SQL, str2bool

_logger = logging.getLogger(__name__)

# Rows whose base counts toward the period's tier (as in the engine's provisional
# computation): adjustments are results of the tiers, not bases.
BASE_KINDS = ("share", "reversal", "clawback")
# Bill payment states that mean the partner was paid.
PAID_STATES = ("paid", "in_payment")
# Partners settled between two commits when the cron runs.
CRON_BATCH_PARTNERS = 100
# PostgreSQL advisory lock held by a settlement run until its transaction ends.
RUN_LOCK_KEY = 0x52535331  # "RSS1"

# One line of a settlement's vendor bill: the periodic rows of an agreement (and sold
# product, when bills are per product) booked on one expense account.
BillPart = namedtuple("BillPart", ["agreement", "product", "expense_account", "amount"])


class RevshareSettlement(models.Model):
    """A partner's statement for a period: the earned ledger rows of one partner,
    company and currency, the period-level terms applied to them (tiers, caps,
    minimum payout, negative balance carried), and the vendor bill paying the
    ``periodic`` agreements among them.

    Settlements are made by the settlement run (:meth:`_revshare_run`, from the
    "Settle now" wizard or the daily cron); a row is in at most one settlement."""

    _name = "revshare.settlement"
    _description = "Revenue Share Settlement"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin"]
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
    line_ids = fields.One2many(
        "revshare.line", "settlement_id", string="Rows", readonly=True
    )
    line_count = fields.Integer(compute="_compute_amounts", store=True)
    amount_share = fields.Monetary(
        string="Shares", compute="_compute_amounts", store=True
    )
    amount_clawback = fields.Monetary(
        string="Clawbacks and Reversals", compute="_compute_amounts", store=True
    )
    amount_adjustment = fields.Monetary(
        string="Adjustments", compute="_compute_amounts", store=True
    )
    amount_carried = fields.Monetary(
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
    amount_total = fields.Monetary(
        string="Total",
        compute="_compute_amounts",
        store=True,
        help="Rows plus the carried balance.",
    )
    amount_billable = fields.Monetary(
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
                    [("settlement_id", "in", ids)],
                    ["settlement_id", "settlement_mode", "section"],
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
        while its bill is alive, and paid when the bill is paid."""
        for settlement in self:
            bill = settlement.bill_id
            if settlement.workflow_state != "confirmed":
                settlement.state = settlement.workflow_state
            elif bill.state == "posted" and bill.payment_state in PAID_STATES:
                settlement.state = "paid"
            elif bill and bill.state != "cancel":
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
        """Rows of one company, partner and currency only. One grouped read."""
        if not self.ids:
            return
        groups = (
            self.env["revshare.line"]
            .sudo()
            ._read_group(
                [("settlement_id", "in", self.ids)],
                ["settlement_id", "company_id", "partner_id", "currency_id"],
            )
        )
        for settlement, company, partner, currency in groups:
            if company != settlement.company_id:
                raise ValidationError(
                    self.env._(
                        "Settlement %(settlement)s is for company %(company)s but "
                        "holds rows of company %(other)s: a settlement holds the "
                        "rows of one company. Settle each company separately.",
                        settlement=settlement.display_name,
                        company=settlement.company_id.display_name,
                        other=company.display_name,
                    )
                )
            if partner != settlement.partner_id or currency != settlement.currency_id:
                raise ValidationError(
                    self.env._(
                        "Settlement %(settlement)s holds rows of another partner or "
                        "currency (%(partner)s, %(currency)s): a settlement holds the "
                        "rows of one partner in one currency.",
                        settlement=settlement.display_name,
                        partner=partner.display_name,
                        currency=currency.name,
                    )
                )

    # ------------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                company = self.env["res.company"].browse(
                    vals.get("company_id") or self.env.company.id
                )
                vals["name"] = (
                    self.env["ir.sequence"]
                    .with_company(company)
                    .next_by_code(
                        "revshare.settlement",
                        sequence_date=vals.get("date_to"),
                    )
                    or "/"
                )
        return super().create(vals_list)

    def unlink(self):
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
        drafts = self.filtered(lambda s: s.workflow_state == "draft")
        if self - drafts:
            raise UserError(
                self.env._(
                    "Only draft settlements can be confirmed (%(settlements)s is not).",
                    settlements=(self - drafts)[0].display_name,
                )
            )
        drafts._revshare_check_billable()
        # sudo: the rows are written by our code only (state link of a settled row).
        drafts.line_ids.sudo().write({"state": "settled"})
        drafts.write({"workflow_state": "confirmed"})
        drafts._revshare_create_bills()
        return True

    def action_create_bill(self):
        """Bill again a confirmed settlement whose bill was cancelled."""
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
        self.ensure_one()
        return self.env["revshare.line"]._revshare_action(
            [("settlement_id", "=", self.id)]
        )

    def action_view_bill(self):
        self.ensure_one()
        return self.bill_id._get_records_action() if self.bill_id else False

    def action_send_statement(self):
        """Open the mail composer with the statement template and PDF."""
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

    def _revshare_statement_sections(self):
        """The statement's rows grouped by agreement, each with its subtotal, a
        label per row (adjustments explained) and, for rows earned in another
        currency, the original amount and the rate it was converted at."""
        self.ensure_one()
        kinds = dict(
            self.env["revshare.line"]._fields["kind"]._description_selection(self.env)
        )
        # sudo: whoever may read the statement sees its rows' invoice numbers and
        # customers (the partner's own business), even without invoicing rights.
        rows = self.sudo().line_ids.sorted(
            lambda r: (r.agreement_id.sequence, r.agreement_id.id, r.date, r.id)
        )
        sections = []
        for agreement in rows.agreement_id:
            agreement_rows = rows.filtered(lambda r, a=agreement: r.agreement_id == a)
            labels, conversions = {}, {}
            for row in agreement_rows:
                if row.adjustment_reason == "tier":
                    labels[row.id] = self.env._(
                        "Tier adjustment: the period's cumulative base reached the "
                        "%(rate)s tier",
                        rate=f"{row.rate:g}%",
                    )
                elif row.adjustment_reason == "cap":
                    labels[row.id] = self.env._(
                        "Period cap of %(cap)s",
                        cap=f"{agreement.period_cap:.2f}",
                    )
                elif row.kind == "share" and row.section == "clawback":
                    labels[row.id] = self.env._("Credit note")
                else:
                    labels[row.id] = kinds.get(row.kind, row.kind)
                if (
                    row.invoice_currency_id
                    and row.invoice_currency_id != row.currency_id
                    and not row.invoice_currency_id.is_zero(row.amount_invoice_currency)
                ):
                    conversions[row.id] = {
                        "amount": row.amount_invoice_currency,
                        "rate": f"{row.amount / row.amount_invoice_currency:.6f}",
                    }
            sections.append(
                {
                    "agreement": agreement,
                    "rates": {
                        row.id: f"{row.rate:.2f}%" for row in agreement_rows if row.rate
                    },
                    "lines": agreement_rows,
                    "labels": labels,
                    "conversions": conversions,
                    "has_conversion": bool(conversions),
                    "total": self.currency_id.round(
                        sum(agreement_rows.mapped("amount"))
                    ),
                }
            )
        return sections

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.env._("Statement %s", self.name).replace("/", "_")

    # ------------------------------------------------------------------
    # Business: rows, bills
    # ------------------------------------------------------------------

    def _revshare_release_lines(self):
        # sudo: links written by our code only (rows are read-only for users).
        rows = self.sudo().line_ids
        if rows:
            rows.write({"settlement_id": False, "state": "earned"})

    def _revshare_periodic_agreements(self):
        """Agreements whose rows in this settlement are billed by it."""
        self.ensure_one()
        return self.line_ids.filtered(
            lambda r: r.settlement_mode == "periodic"
        ).agreement_id

    def _revshare_check_billable(self):
        """Refuse to confirm when a settlement to bill misses its vendor product or
        purchase journal, before anything is written."""
        # sudo: reads the accounting setup (journals, products) for a revenue-share
        # manager who may have no accounting rights; nothing is written.
        for settlement in self.sudo():
            if (
                settlement.currency_id.compare_amounts(settlement.amount_billable, 0)
                <= 0
            ):
                continue
            for agreement in settlement._revshare_periodic_agreements():
                if not agreement._revshare_get_product():
                    raise UserError(
                        self.env._(
                            "Settlement %(settlement)s bills agreement %(agreement)s, "
                            "which has no service product: set the product on the "
                            "agreement or the default one in the Accounting settings.",
                            settlement=settlement.display_name,
                            agreement=agreement.display_name,
                        )
                    )
                if not agreement._revshare_get_journal("purchase"):
                    raise UserError(
                        self.env._(
                            "Settlement %(settlement)s bills agreement %(agreement)s "
                            "but company %(company)s has no purchase journal: create "
                            "one or set the bill journal in the Accounting settings.",
                            settlement=settlement.display_name,
                            agreement=agreement.display_name,
                            company=settlement.company_id.display_name,
                        )
                    )

    def _revshare_create_bills(self):
        """One vendor bill per settlement with a positive balance to bill: one line
        per periodic agreement (per agreement and sold product when the system
        parameter ``partner_revshare.settlement_bill_per_product`` is set), plus one
        for the carried balance. Posted when every billed agreement says
        ``bill_auto_post``."""
        # sudo: a revenue-share manager settles without needing vendor-bill rights;
        # the bill's content comes from the ledger and the agreements only.
        to_bill = self.sudo().filtered(
            lambda s: s.currency_id.compare_amounts(s.amount_billable, 0) > 0
        )
        if not to_bill:
            return self.env["account.move"]
        per_product = str2bool(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("partner_revshare.settlement_bill_per_product", "False")
        )
        groupby = ["settlement_id", "agreement_id", "expense_account_id"]
        if per_product:
            groupby.append("product_id")
        groups = (
            self.env["revshare.line"]
            .sudo()
            ._read_group(
                [
                    ("settlement_id", "in", to_bill.ids),
                    ("settlement_mode", "=", "periodic"),
                ],
                groupby,
                ["amount:sum"],
            )
        )
        by_settlement = defaultdict(list)
        for settlement, agreement, expense, *product, amount in groups:
            by_settlement[settlement.id].append(
                BillPart(agreement, product[0] if product else None, expense, amount)
            )
        vals_list, auto_post = [], []
        for settlement in to_bill:
            parts = sorted(
                by_settlement[settlement.id],
                key=lambda p: (p.agreement.id, p.product.id if p.product else 0),
            )
            vals_list.append(settlement._revshare_prepare_bill_vals(parts))
            auto_post.append(all(p.agreement.bill_auto_post for p in parts))
        bills = self.env["account.move"].sudo().create(vals_list)
        for settlement, bill in zip(to_bill, bills, strict=True):
            settlement.bill_id = bill
        to_post = (
            self.env["account.move"]
            .sudo()
            .browse(
                bill.id for bill, post in zip(bills, auto_post, strict=True) if post
            )
        )
        to_post._post(soft=False)
        return bills

    def _revshare_prepare_bill_vals(self, parts):
        """Vendor bill values, one bill line per :class:`BillPart`."""
        self.ensure_one()
        first = parts[0].agreement
        journal = first._revshare_get_journal("purchase")
        day = self.env["revshare.line"]._revshare_accounting_date(
            self.company_id, journal, self.date or fields.Date.context_today(self)
        )
        period = f"{self.date_from} - {self.date_to}"
        line_cmds = []
        for part in parts:
            if self.currency_id.is_zero(part.amount):
                continue
            label = part.agreement.display_name
            if part.product:
                label = f"{label} - {part.product.display_name}"
            vals = {
                "product_id": part.agreement._revshare_get_product().id,
                "name": f"{label} ({period})",
                "quantity": 1.0,
                "price_unit": part.amount,
                "tax_ids": [Command.clear()],
            }
            if part.expense_account:
                vals["account_id"] = part.expense_account.id
            line_cmds.append(Command.create(vals))
        if not self.currency_id.is_zero(self.amount_carried):
            vals = {
                "product_id": first._revshare_get_product().id,
                "name": self.env._(
                    "Balance carried from %s", self.carried_from_id.name or ""
                ),
                "quantity": 1.0,
                "price_unit": self.amount_carried,
                "tax_ids": [Command.clear()],
            }
            expense = first._revshare_get_expense_account()
            if expense:
                vals["account_id"] = expense.id
            line_cmds.append(Command.create(vals))
        return {
            "move_type": "in_invoice",
            "company_id": self.company_id.id,
            "journal_id": journal.id,
            "partner_id": self.partner_id.id,
            "currency_id": self.currency_id.id,
            "invoice_date": day,
            "date": day,
            "ref": self.name,
            "invoice_origin": self.name,
            "revshare_origin": True,
            "invoice_line_ids": line_cmds,
        }

    # ------------------------------------------------------------------
    # Business: the settlement run
    # ------------------------------------------------------------------

    @api.model
    def _cron_settle(self):
        """Daily: settle every agreement whose period has ended (up to yesterday),
        confirming and billing, committing after each batch of partners so that a
        crash loses no finished work; a re-run continues where it stopped."""
        day = fields.Date.context_today(self) - relativedelta(days=1)
        # Every company, not only the cron user's current ones.
        companies = self.env["res.company"].sudo().search([])
        plan = self._revshare_plan(day, companies=companies)
        return self._revshare_execute(plan, confirm="safe", commit=True)

    @api.model
    def _revshare_run(
        self, day=None, agreements=None, partners=None, confirm=False, date_to=None
    ):
        """Settle now (wizard, scripts): plan then execute in the current
        transaction. ``day`` (or its alias ``date_to``): settle the periods ended by
        that day, yesterday by default. ``confirm``: confirm and bill at once, else
        the settlements stay draft (their rows are taken: no other run settles
        them; they become ``settled`` at confirmation)."""
        day = day or date_to or fields.Date.context_today(self) - relativedelta(days=1)
        plan = self._revshare_plan(day, agreements=agreements, partners=partners)
        return self._revshare_execute(plan, confirm=confirm)

    @api.model
    def _revshare_plan(self, day, agreements=None, partners=None, companies=None):
        """What a settlement run on ``day`` would do, without writing anything.

        For each agreement with earned, unsettled rows, the target period is its
        last period ended by ``day``; an agreement already settled up to that period
        is skipped (a re-run creates nothing). Rows are taken when dated up to the
        period end and out of hold (``date <= day - hold_days``; the run's own
        adjustment rows are never held).

        Period terms, per agreement and period touched by the rows: the tiered
        rules' true rate on the period's cumulative base (one ``tier`` adjustment
        row for the difference with the provisional rates), the ``period_cap``
        (one ``cap`` adjustment row for the excess); both are computed against what
        is already settled for that period, so late rows only add the difference.
        ``min_payout``: an agreement whose positive balance is below it is left for
        the next period.

        A settlement covers, per partner, company and currency, from the first day
        after its agreements' last settlement (or their period start) to the
        latest period end: settlements of one agreement never overlap.

        Reads: a handful of grouped queries whatever the number of rows.

        :return: list of dicts, one per (partner, company, currency) settlement to
            create: ``partner``, ``company``, ``currency``, ``agreements``,
            ``line_ids``, ``adjustments`` (row create values), ``amount``,
            ``amount_carried``, ``carried_from``, ``date_from``, ``date_to``,
            ``line_count``.
        """
        self._revshare_lock_run()
        Line = self.env["revshare.line"].sudo()
        Agreement = self.env["revshare.agreement"].sudo()
        companies = companies or self.env.companies
        domain = [
            ("state", "=", "earned"),
            ("settlement_id", "=", False),
            ("date", "<=", day),
            ("company_id", "in", companies.ids),
        ]
        if agreements:
            domain.append(("agreement_id", "in", agreements.ids))
        if partners:
            domain.append(("partner_id", "in", partners.ids))
        candidates = Agreement.browse(
            a.id for (a,) in Line._read_group(domain, ["agreement_id"])
        )
        if not candidates:
            return []
        periods = {a.id: a._revshare_last_closed_period(day) for a in candidates}
        # Skip agreements already settled up to their target period.
        covered = dict(
            self.sudo()._read_group(
                [
                    ("workflow_state", "!=", "cancelled"),
                    ("agreement_ids", "in", candidates.ids),
                ],
                ["agreement_ids"],
                ["date_to:max"],
            )
        )
        covered = {a.id: d for a, d in covered.items()}
        todo = candidates.filtered(
            lambda a: not covered.get(a.id) or covered[a.id] < periods[a.id][1]
        )
        if not todo:
            return []

        # Selected rows, by (partner, company, currency, agreement, month, kind,
        # adjustment reason); one OR-branch per distinct (period end, hold cutoff).
        by_cutoff = defaultdict(list)
        for agreement in todo:
            end = periods[agreement.id][1]
            hold_end = min(end, day - relativedelta(days=agreement.hold_days or 0))
            by_cutoff[(end, hold_end)].append(agreement.id)
        alternatives = []
        for (end, hold_end), ids in by_cutoff.items():
            alternatives.append(
                [
                    "&",
                    ("agreement_id", "in", ids),
                    "|",
                    "&",
                    ("kind", "=", "adjustment"),
                    ("date", "<=", end),
                    ("date", "<=", hold_end),
                ]
            )
        select_domain = [
            ("state", "=", "earned"),
            ("settlement_id", "=", False),
            ("company_id", "in", companies.ids),
        ]
        if partners:
            select_domain.append(("partner_id", "in", partners.ids))
        select_domain += ["|"] * (len(alternatives) - 1) + [
            leaf for alt in alternatives for leaf in alt
        ]
        selected = Line._read_group(
            select_domain,
            [
                "partner_id",
                "company_id",
                "currency_id",
                "agreement_id",
                "date:month",
                "kind",
                "adjustment_reason",
            ],
            ["amount:sum", "base_amount:sum", "id:array_agg"],
        )
        if not selected:
            return []

        # Per agreement: selected ids and amounts; per (agreement, period): sums.
        agr_ids = defaultdict(list)
        agr_amount = defaultdict(float)
        agr_key = {}
        touched = defaultdict(set)  # agreement id -> period starts
        for (
            partner,
            company,
            currency,
            agreement,
            month,
            *__,
            amount,
            __,
            ids,
        ) in selected:
            agr_ids[agreement.id] += ids
            agr_amount[agreement.id] += amount
            agr_key[agreement.id] = (partner, company, currency)
            touched[agreement.id].add(agreement._revshare_period_start(month))
        agreements_sel = Agreement.browse(list(agr_ids))
        adjustments = self._revshare_plan_adjustments(agreements_sel, touched, selected)
        for vals in adjustments:
            agr_amount[vals["agreement_id"]] += vals["amount"]

        # Minimum payout: a small positive balance waits for the next period.
        kept = agreements_sel.filtered(
            lambda a: not (
                a.min_payout
                and a.currency_id.compare_amounts(agr_amount[a.id], 0) > 0
                and a.currency_id.compare_amounts(agr_amount[a.id], a.min_payout) < 0
            )
        )

        # Group agreements into settlements.
        groups = defaultdict(lambda: Agreement.browse())
        for agreement in kept:
            groups[agr_key[agreement.id]] |= agreement
        if not groups:
            return []
        previous = self._revshare_previous_settlements(
            {key[0].id for key in groups}, {key[1].id for key in groups}
        )
        plan = []
        for (partner, company, currency), agrs in groups.items():
            prev = previous.get((partner.id, company.id, currency.id))
            carried = 0.0
            if (
                prev
                and currency.compare_amounts(prev.amount_billable, 0) < 0
                and (not prev.bill_id or prev.bill_id.state == "cancel")
            ):
                carried = prev.amount_billable
            starts = [periods[a.id][0] for a in agrs]
            date_to = max(periods[a.id][1] for a in agrs)
            date_from = min(starts)
            last_covered = [covered[a.id] for a in agrs if covered.get(a.id)]
            if last_covered:
                date_from = max(date_from, max(last_covered) + relativedelta(days=1))
            agr_adjustments = [v for v in adjustments if v["agreement_id"] in agrs.ids]
            line_ids = sorted(i for a in agrs for i in agr_ids[a.id])
            amount = currency.round(sum(agr_amount[a.id] for a in agrs))
            plan.append(
                {
                    "partner": partner,
                    "company": company,
                    "currency": currency,
                    "agreements": agrs,
                    "line_ids": line_ids,
                    "line_count": len(line_ids) + len(agr_adjustments),
                    "adjustments": agr_adjustments,
                    "amount": amount,
                    "amount_carried": carried,
                    "carried_from": prev if carried else self.browse(),
                    "date_from": date_from,
                    "date_to": date_to,
                    "date": day,
                }
            )
        plan.sort(key=lambda p: (p["company"].id, p["partner"].id, p["currency"].id))
        return plan

    @api.model
    def _revshare_lock_run(self):
        """One settlement run at a time: a second one is told so at once, instead
        of waiting for the first and failing on its rows. The lock ends with the
        transaction (the cron takes it again after each commit)."""
        self.env.cr.execute(SQL("SELECT pg_try_advisory_xact_lock(%s)", RUN_LOCK_KEY))
        if not self.env.cr.fetchone()[0]:
            raise UserError(self._revshare_run_busy_message())

    @api.model
    def _revshare_run_busy_message(self):
        return self.env._(
            "Another settlement run is in progress. Nothing was settled: run it "
            "again when the other one has finished."
        )

    @api.model
    def _revshare_previous_settlements(self, partner_ids, company_ids):
        """Latest live settlement per (partner, company, currency)."""
        latest = {}
        for settlement in self.sudo().search(
            [
                ("workflow_state", "!=", "cancelled"),
                ("partner_id", "in", list(partner_ids)),
                ("company_id", "in", list(company_ids)),
            ],
            order="date_to desc, id desc",
        ):
            key = (
                settlement.partner_id.id,
                settlement.company_id.id,
                settlement.currency_id.id,
            )
            latest.setdefault(key, settlement)
        return latest

    @api.model
    def _revshare_plan_adjustments(self, agreements, touched, selected):
        """Create values of the ``tier`` and ``cap`` adjustment rows, one of each at
        most per agreement and period, for the periods ``touched`` by the selected
        rows (``selected``: the grouped read of :meth:`_revshare_plan`)."""
        tiered = agreements.filtered(
            lambda a: any(
                r.compute == "tiered"
                for r in a.with_context(active_test=False).rule_ids
            )
        )
        capped = agreements.filtered(lambda a: a.period_cap)
        concerned = tiered | capped
        if not concerned:
            return []
        bounds = {}
        for agreement in concerned:
            for start in touched[agreement.id]:
                bounds[(agreement.id, start)] = agreement._revshare_period_bounds(start)
        sums = self._revshare_period_sums(concerned, tiered, bounds, selected)
        deltas, rates = self._revshare_tier_deltas(tiered, bounds, sums)
        today = fields.Date.context_today(self)
        vals_list = []
        for (agreement_id, start), (__, end) in sorted(bounds.items()):
            agreement = concerned.browse(agreement_id)
            currency = agreement.currency_id
            key = (agreement_id, start)
            common = {
                "agreement_id": agreement.id,
                "partner_id": agreement.partner_id.id,
                "company_id": agreement.company_id.id,
                "currency_id": currency.id,
                "date": end,
                "kind": "adjustment",
                "state": "earned",
                "base_amount": 0.0,
            }
            tier_delta = 0.0
            if agreement in tiered:
                tier_delta = currency.round(
                    deltas[key] - sums["adjusted"][(agreement_id, start, "tier")]
                )
                if not currency.is_zero(tier_delta):
                    tier_rules = agreement.rule_ids.filtered(
                        lambda r: r.compute == "tiered"
                    )
                    vals_list.append(
                        dict(
                            common,
                            rule_id=tier_rules.id if len(tier_rules) == 1 else False,
                            rate=rates.get(key, 0.0),
                            amount=tier_delta,
                            adjustment_reason="tier",
                        )
                    )
            if agreement.period_cap:
                period_total = sums["total"][key] + tier_delta
                excess = max(0.0, currency.round(period_total - agreement.period_cap))
                cap_delta = currency.round(
                    -excess - sums["adjusted"][(agreement_id, start, "cap")]
                )
                if not currency.is_zero(cap_delta):
                    vals_list.append(
                        dict(
                            common,
                            rule_id=False,
                            rate=0.0,
                            amount=cap_delta,
                            adjustment_reason="cap",
                        )
                    )
        for vals in vals_list:
            agreement = concerned.browse(vals["agreement_id"])
            vals.update(self._revshare_adjustment_amounts(agreement, vals, today))
        return vals_list

    @api.model
    def _revshare_period_sums(self, concerned, tiered, bounds, selected):
        """Per (agreement, period start) of ``bounds``: the tier base (``base``), the
        amount before the cap (``total``), the adjustments already made per reason
        (``adjusted``), over the selected rows and the rows already in live
        settlements; and the ids of the selected rows of tiered agreements."""
        sums = {
            "base": defaultdict(float),
            "total": defaultdict(float),
            "adjusted": defaultdict(float),  # (agreement, start, reason) -> amount
            "selected_ids": [],
            "date_min": min(b[0] for b in bounds.values()),
            "date_max": max(b[1] for b in bounds.values()),
        }

        def add(agreement, month, kind, reason, amount, base_sum):
            start = agreement._revshare_period_start(month)
            key = (agreement.id, start)
            if key not in bounds:
                return
            if kind in BASE_KINDS:
                sums["base"][key] += base_sum
            if kind == "adjustment" and reason:
                sums["adjusted"][(agreement.id, start, reason)] += amount
            if reason != "cap":
                sums["total"][key] += amount

        for *__, agreement, month, kind, reason, amount, base_sum, ids in selected:
            if agreement in concerned:
                add(agreement, month, kind, reason, amount, base_sum)
                if agreement in tiered and kind in BASE_KINDS:
                    sums["selected_ids"] += ids
        settled = (
            self.env["revshare.line"]
            .sudo()
            ._read_group(
                [
                    ("agreement_id", "in", concerned.ids),
                    ("state", "in", ("earned", "settled")),
                    ("settlement_id", "!=", False),
                    ("date", ">=", sums["date_min"]),
                    ("date", "<=", sums["date_max"]),
                ],
                ["agreement_id", "date:month", "kind", "adjustment_reason"],
                ["amount:sum", "base_amount:sum"],
            )
        )
        for agreement, month, kind, reason, amount, base_sum in settled:
            add(agreement, month, kind, reason, amount, base_sum)
        return sums

    @api.model
    def _revshare_tier_deltas(self, tiered, bounds, sums):
        """Per (agreement, period start): what the rows of tiered rules would earn at
        the period's final rate minus what they earned at their provisional rate,
        each row computed and rounded by the rule like the engine does (one function
        computes a share); and the final rates. One query for all the rows."""
        deltas, rates = defaultdict(float), {}
        if not tiered:
            return deltas, rates
        rows = (
            self.env["revshare.line"]
            .sudo()
            .search_fetch(
                [
                    ("agreement_id", "in", tiered.ids),
                    ("rule_id.compute", "=", "tiered"),
                    ("kind", "in", BASE_KINDS),
                    ("date", ">=", sums["date_min"]),
                    ("date", "<=", sums["date_max"]),
                    "|",
                    ("id", "in", sums["selected_ids"]),
                    "&",
                    ("state", "in", ("earned", "settled")),
                    ("settlement_id", "!=", False),
                ],
                [
                    "agreement_id",
                    "rule_id",
                    "date",
                    "base_amount",
                    "rate",
                    "amount",
                    "currency_id",
                ],
            )
        )
        for row in rows:
            agreement = row.agreement_id
            key = (agreement.id, agreement._revshare_period_start(row.date))
            if key not in bounds:
                continue
            rule = row.rule_id
            rate = rule._revshare_tier_rate(sums["base"][key])
            rates[key] = rate
            if abs(rate - row.rate) < 1e-9:
                continue
            sign = -1.0 if row.base_amount < 0 else 1.0
            true_amount = row.currency_id.round(
                rule._revshare_amount(row.base_amount, sign, rate=rate)
            )
            deltas[key] += true_amount - row.amount
        return deltas, rates

    @api.model
    def _revshare_adjustment_amounts(self, agreement, vals, today):
        """Company-currency amount of an adjustment row, at the period end's rate."""
        company_currency = agreement.company_id.currency_id
        amount_company = agreement.currency_id._convert(
            vals["amount"],
            company_currency,
            agreement.company_id,
            min(vals["date"], today),
        )
        return {
            "amount_company": amount_company,
            "amount_invoice_currency": 0.0,
        }

    def _revshare_confirm_safe(self):
        """Confirm these settlements; when that fails (a missing product or
        journal), confirm them one by one and leave the failing ones draft with the
        reason in their chatter, so that one misconfigured agreement does not stop
        the cron for every partner."""
        try:
            with self.env.cr.savepoint():
                self.action_confirm()
            return
        except UserError:
            _logger.info("Settlement batch not confirmed at once; one by one")
        for settlement in self:
            try:
                with self.env.cr.savepoint():
                    settlement.action_confirm()
            except UserError as error:
                settlement.message_post(
                    body=self.env._(
                        "Not confirmed by the settlement run: %s", str(error)
                    )
                )

    def _revshare_link_lines(self, line_ids_list):
        """Put rows in these new settlements (``line_ids_list``: one list of row ids
        per settlement) with one UPDATE for all; they become ``settled`` when the
        settlement is confirmed. Only rows still earned and free are taken: a
        concurrent run that took one of them makes this one fail rather than settle
        a row twice."""
        pairs = [
            (line_id, settlement.id)
            for settlement, ids in zip(self, line_ids_list, strict=True)
            for line_id in ids
        ]
        if not pairs:
            return
        self.env.flush_all()
        try:
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE revshare_line AS line
                       SET settlement_id = link.settlement_id,
                           write_uid = %(uid)s,
                           write_date = %(now)s
                      FROM unnest(%(line_ids)s::int[], %(settlement_ids)s::int[])
                           AS link(line_id, settlement_id)
                     WHERE line.id = link.line_id
                       AND line.settlement_id IS NULL
                       AND line.state = 'earned'
                    """,
                    uid=self.env.uid,
                    now=fields.Datetime.now(),
                    line_ids=[p[0] for p in pairs],
                    settlement_ids=[p[1] for p in pairs],
                )
            )
        except pg_errors.SerializationFailure as error:
            # A run that committed since this one began took some of its rows.
            raise UserError(self._revshare_run_busy_message()) from error
        if self.env.cr.rowcount != len(pairs):
            raise UserError(
                self.env._(
                    "Some revenue-share rows were settled by another run meanwhile: "
                    "run the settlement again."
                )
            )
        # The ORM did not see the UPDATE: forget cached rows, recompute totals.
        self.env.invalidate_all()
        self.modified(["line_ids"])
        self._check_lines()

    @api.model
    def _revshare_execute(self, plan, confirm=False, commit=False):
        """Create the settlements of a plan (see :meth:`_revshare_plan`): the
        adjustment rows and the settlements in batched creates, confirmed (and
        billed) when asked (``confirm="safe"``: a settlement that cannot be
        confirmed stays draft instead of failing the others). With ``commit`` (the
        cron; never in tests), commits after each batch of partners and reports the
        progress to the cron."""
        # Never commit inside tests (the test transaction is rolled back).
        commit = (
            commit
            and not tools.config["test_enable"]
            and not self.env.registry.in_test_mode()
            and not self.env.context.get("revshare_no_commit")
        )
        Line = self.env["revshare.line"].sudo()
        settlements = self.browse()
        done = 0
        for index in range(0, len(plan), CRON_BATCH_PARTNERS):
            batch = plan[index : index + CRON_BATCH_PARTNERS]
            if commit and index:
                # The previous commit ended the run's lock.
                self._revshare_lock_run()
            adjustment_vals = [v for item in batch for v in item["adjustments"]]
            new_rows = Line.create(adjustment_vals)
            rows_iter = iter(new_rows)
            vals_list, links = [], []
            for item in batch:
                ids = list(item["line_ids"])
                ids += [next(rows_iter).id for __ in item["adjustments"]]
                vals_list.append(
                    {
                        "partner_id": item["partner"].id,
                        "company_id": item["company"].id,
                        "currency_id": item["currency"].id,
                        "date_from": item["date_from"],
                        "date_to": item["date_to"],
                        "date": item.get("date") or fields.Date.context_today(self),
                        "agreement_ids": [Command.set(item["agreements"].ids)],
                        "amount_carried": item["amount_carried"],
                        "carried_from_id": item["carried_from"].id or False,
                    }
                )
                links.append(ids)
            # sudo: the run is allowed to revenue-share managers (menu, cron); the
            # settlements are built from the ledger only. No creation message per
            # settlement (thousands per run): the chatter starts at confirmation.
            batch_settlements = (
                self.sudo()
                .with_context(
                    tracking_disable=True,
                    mail_create_nolog=True,
                    mail_create_nosubscribe=True,
                )
                .create(vals_list)
                .with_env(self.sudo().env)
            )
            # Adjustments of journal-entry and vendor-bill agreements are booked
            # like their other rows (periodic ones are billed at confirmation).
            rows_iter = iter(new_rows)
            for settlement, item in zip(batch_settlements, batch, strict=True):
                adjustment_rows = Line.browse(
                    [next(rows_iter).id for __ in item["adjustments"]]
                )
                if adjustment_rows.filtered(lambda r: r.settlement_mode != "periodic"):
                    adjustment_rows._revshare_book(
                        date=settlement.date_to, ref=settlement.name
                    )
            batch_settlements._revshare_link_lines(links)
            if confirm == "safe":
                batch_settlements._revshare_confirm_safe()
            elif confirm:
                batch_settlements.action_confirm()
            settlements |= batch_settlements
            done += len(batch)
            if commit:
                self.env["ir.cron"]._notify_progress(
                    done=done, remaining=len(plan) - done
                )
                # Finished partners survive a crash; a re-run skips them. Only
                # from the cron (never in a request or a test).
                self.env.cr.commit()  # pylint: disable=invalid-commit
                _logger.info(
                    "Revenue share settlement run: %s of %s partners settled",
                    done,
                    len(plan),
                )
        return settlements.with_env(self.env)
