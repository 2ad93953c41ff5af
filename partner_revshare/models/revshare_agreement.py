from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .base import USER_GROUP
from .revshare_line_states import EARNED_STATES


class RevshareAgreement(models.Model):
    """A partner's revenue-share agreement: who earns (``partner_id``, paid
    through ``payee_id``), on which customer invoice lines (the scope fields), how
    much (``rule_ids``), when it is earned (``trigger``) and how it is booked
    (``settlement_mode``). Each concept is a mixin of its own
    (``revshare.agreement.tax``...), in the file of its name."""

    _name = "revshare.agreement"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "revshare.share.computation",
        "revshare.agreement.terms",
        "revshare.agreement.portal",
        "revshare.agreement.tax",
        "revshare.agreement.approval",
        "revshare.agreement.period",
        "revshare.agreement.accounting",
        "revshare.agreement.payee",
    ]
    _description = "Revenue Share Agreement"
    _order = "sequence, id"
    _check_company_auto = True

    active = fields.Boolean(default=True, tracking=True)
    name = fields.Char(required=True, tracking=True)
    code = fields.Char(
        readonly=True, copy=False, default="/", index=True, tracking=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Beneficiary",
        required=True,
        tracking=True,
        check_company=True,
        index=True,
    )
    role = fields.Selection(
        [
            ("reseller", "Reseller"),
            ("referral", "Referral"),
            ("technology", "Technology Partner"),
            ("platform", "Platform"),
            ("payment_gateway", "Payment Gateway"),
            ("vendor", "Vendor"),
            ("salesperson", "Salesperson"),
            ("other", "Other"),
        ],
        required=True,
        default="reseller",
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        index=True,
        tracking=True,
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company Currency"
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
        tracking=True,
        help="Currency the partner is paid in.",
    )
    date_start = fields.Date(tracking=True)
    date_end = fields.Date(tracking=True)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("active", "Active"),
            ("suspended", "Suspended"),
            ("expired", "Expired"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="draft",
        copy=False,
        tracking=True,
        index=True,
    )
    trigger = fields.Selection(
        [("invoice", "Invoice posted")],
        required=True,
        default="invoice",
        tracking=True,
        help="When a share is earned. Invoice posted: at once, when the customer "
        "invoice is posted.",
    )
    settlement_mode = fields.Selection(
        [
            ("entry", "Journal entry"),
            ("bill", "Vendor bill"),
            ("periodic", "Periodic settlement"),
        ],
        required=True,
        default="entry",
        tracking=True,
        help="Journal entry: each earned share is booked at once as a payable to the "
        "partner. Vendor bill: a vendor bill is posted for each event. Periodic: "
        "shares wait for the settlement run, which bills them.",
    )
    settlement_period = fields.Selection(
        [
            ("monthly", "Monthly"),
            ("quarterly", "Quarterly"),
            ("half_yearly", "Half-yearly"),
            ("yearly", "Yearly"),
        ],
        required=True,
        default="monthly",
        tracking=True,
    )
    hold_days = fields.Integer(
        tracking=True,
        help="Rows become settleable only this many days after they were earned "
        "(refund window).",
    )
    min_payout = fields.Monetary(
        string="Minimum Payout",
        tracking=True,
        help="Below this balance, the period's shares wait for the next settlement.",
    )
    period_cap = fields.Monetary(
        tracking=True,
        help="Maximum share per settlement period (0: no cap). The excess becomes an "
        "adjustment row at settlement.",
    )
    bill_auto_post = fields.Boolean(
        string="Post Bills Automatically",
        tracking=True,
        help="Post the vendor bills made by settlements at once.",
    )
    base = fields.Selection(
        [
            ("untaxed", "Untaxed amount"),
            ("total", "Total (tax included)"),
            ("margin", "Margin (untaxed minus cost)"),
            ("shares", "Other partners' shares (override)"),
        ],
        required=True,
        default="untaxed",
        tracking=True,
    )
    sequence = fields.Integer(
        default=10,
        help="Order in which agreements apply to an invoice line (waterfall).",
    )
    waterfall = fields.Boolean(
        tracking=True,
        help="The base is what is left of the invoice line after the shares of the "
        "agreements with a lower sequence (net revenue sharing).",
    )
    # Scope: each empty field means "any".
    customer_ids = fields.Many2many(
        "res.partner",
        "revshare_agreement_customer_rel",
        "agreement_id",
        "partner_id",
        string="Customers",
        check_company=True,
    )
    customer_category_ids = fields.Many2many(
        "res.partner.category",
        "revshare_agreement_customer_category_rel",
        "agreement_id",
        "category_id",
        string="Customer Tags",
    )
    referred_only = fields.Boolean(
        help="Only customers whose referrer is this agreement's partner."
    )
    product_ids = fields.Many2many(
        "product.product",
        "revshare_agreement_product_rel",
        "agreement_id",
        "product_id",
        string="Products",
        check_company=True,
    )
    product_category_ids = fields.Many2many(
        "product.category",
        "revshare_agreement_product_category_rel",
        "agreement_id",
        "category_id",
        string="Product Categories",
        help="Child categories included.",
    )
    salesperson_ids = fields.Many2many(
        "res.users",
        "revshare_agreement_salesperson_rel",
        "agreement_id",
        "user_id",
        string="Salespersons",
        groups="base.group_user",
    )
    journal_ids = fields.Many2many(
        "account.journal",
        "revshare_agreement_journal_rel",
        "agreement_id",
        "journal_id",
        string="Sales Journals",
        check_company=True,
        domain="[('type', '=', 'sale')]",
        groups="base.group_user",
    )
    country_ids = fields.Many2many(
        "res.country",
        "revshare_agreement_country_rel",
        "agreement_id",
        "country_id",
        string="Customer Countries",
    )
    # Accounting
    expense_account_id = fields.Many2one(
        "account.account",
        check_company=True,
        tracking=True,
        domain="[('deprecated', '=', False)]",
        groups="base.group_user",
    )
    payable_account_id = fields.Many2one(
        "account.account",
        check_company=True,
        tracking=True,
        domain="[('account_type', '=', 'liability_payable'), "
        "('deprecated', '=', False)]",
        help="Empty: the partner's payable account.",
        groups="base.group_user",
    )
    journal_id = fields.Many2one(
        "account.journal",
        check_company=True,
        tracking=True,
        help="Journal of the entries (miscellaneous) or bills (purchase).",
        groups="base.group_user",
    )
    product_id = fields.Many2one(
        "product.product",
        string="Service",
        check_company=True,
        help="Product used on the vendor bills.",
    )
    rule_ids = fields.One2many("revshare.rule", "agreement_id", string="Rules")
    line_ids = fields.One2many("revshare.line", "agreement_id", string="Ledger")
    line_count = fields.Integer(compute="_compute_amounts")
    amount_earned = fields.Monetary(
        string="Net Earned",
        compute="_compute_amounts",
        help="Shares earned (on a statement or not), net of clawbacks.",
    )
    amount_settled = fields.Monetary(
        string="Settled",
        compute="_compute_amounts",
        help="Earned, on a statement sent to the partner.",
    )
    amount_to_settle = fields.Monetary(
        string="To Settle",
        compute="_compute_amounts",
        help="Earned, not billed yet: on no statement, or on a statement whose "
        "vendor bill is not posted yet.",
    )
    amount_expected = fields.Monetary(
        string="Still Expected",
        compute="_compute_amounts",
        help="What the shares of unpaid customer invoices are still to earn.",
    )
    revshare_move_count = fields.Integer(
        compute="_compute_revshare_move_count",
        string="Accounting Documents",
    )

    _sql_constraints = [
        (
            "code_company_uniq",
            "unique(code, company_id)",
            "The agreement code must be unique per company.",
        ),
    ]

    @api.depends("name", "code")
    def _compute_display_name(self):
        for agreement in self:
            if agreement.code and agreement.code != "/":
                agreement.display_name = f"[{agreement.code}] {agreement.name or ''}"
            else:
                agreement.display_name = agreement.name or ""

    @api.depends(
        "line_ids.amount_earned",
        "line_ids.amount_expected",
        "line_ids.settlement_ids.state",
    )
    def _compute_amounts(self):
        """The agreement's figures, as its partner sees them in the portal
        (settled: on a statement sent, ``_revshare_issued_states``). One grouped
        read for all agreements."""
        totals = defaultdict(lambda: defaultdict(float))
        counts = defaultdict(int)
        if self._origin.ids:
            # sudo: sums of the ledger, shown to whoever may read the agreement.
            Line = self.env["revshare.line"].sudo()
            groups = Line._read_group(
                [("agreement_id", "in", self._origin.ids)],
                ["agreement_id", "settlement_ids"],
                ["amount_earned:sum", "amount_expected:sum", "__count"],
            )
            Settlement = self.env["revshare.settlement"]
            issued_states = Settlement._revshare_issued_states
            billed_states = Settlement._revshare_billed_states
            for agreement, settlement, earned, expected, count in groups:
                sums = totals[agreement.id]
                sums["earned"] += earned
                sums["expected"] += expected
                if settlement.state in issued_states:
                    sums["settled"] += earned
                if settlement.state in billed_states:
                    sums["billed"] += earned
                counts[agreement.id] += count
        for agreement in self:
            sums = totals[agreement._origin.id]
            currency = agreement.currency_id
            agreement.line_count = counts[agreement._origin.id]
            agreement.amount_earned = currency.round(sums["earned"])
            agreement.amount_settled = currency.round(sums["settled"])
            agreement.amount_to_settle = currency.round(sums["earned"] - sums["billed"])
            agreement.amount_expected = currency.round(sums["expected"])

    @api.depends("line_ids.move_id")
    def _compute_revshare_move_count(self):
        counts = self.env["revshare.line"]._revshare_counts(
            "agreement_id",
            self,
            [("move_id", "!=", False)],
            aggregate="move_id:count_distinct",
        )
        for agreement in self:
            agreement.revshare_move_count = counts.get(agreement, 0)

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for agreement in self:
            if (
                agreement.date_start
                and agreement.date_end
                and agreement.date_end < agreement.date_start
            ):
                raise ValidationError(
                    self.env._(
                        "The end date of agreement %(agreement)s is before its start "
                        "date.",
                        agreement=agreement.display_name,
                    )
                )

    @api.constrains("hold_days", "min_payout", "period_cap")
    def _check_period_terms(self):
        for agreement in self:
            if (
                agreement.hold_days < 0
                or agreement.currency_id.compare_amounts(agreement.min_payout, 0) < 0
                or agreement.currency_id.compare_amounts(agreement.period_cap, 0) < 0
            ):
                raise ValidationError(
                    self.env._(
                        "Agreement %(agreement)s: hold days, minimum payout and "
                        "period cap cannot be negative (0 means none).",
                        agreement=agreement.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        # Codes are drawn before Odoo's create checks the access: check it first.
        self.check_access("create")
        for vals in vals_list:
            if vals.get("code", "/") == "/":
                company = self.env["res.company"].browse(
                    vals.get("company_id") or self.env.company.id
                )
                vals["code"] = (
                    self.env["ir.sequence"]
                    .with_company(company)
                    .next_by_code("revshare.agreement")
                    or "/"
                )
        return super().create(vals_list)

    def write(self, vals):
        # The ledger is read (sudo) before Odoo's write checks the access.
        self.check_access("write")
        self._revshare_check_row_terms(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_ledger(self):
        used = (
            self.env["revshare.line"]
            .sudo()
            ._read_group([("agreement_id", "in", self.ids)], ["agreement_id"])
        )
        if used:
            raise UserError(
                self.env._(
                    "Agreement %(agreement)s has revenue-share ledger rows and cannot "
                    "be deleted. Archive it instead.",
                    agreement=used[0][0].display_name,
                )
            )

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        for agreement, vals in zip(self, vals_list, strict=True):
            vals.setdefault("name", self.env._("%s (copy)", agreement.name))
            vals.setdefault(
                "rule_ids",
                [
                    fields.Command.create(
                        dict(
                            rule.copy_data()[0],
                            agreement_id=False,
                            tier_ids=[
                                fields.Command.create(
                                    dict(tier.copy_data()[0], rule_id=False)
                                )
                                for tier in rule.tier_ids
                            ],
                        )
                    )
                    for rule in agreement.rule_ids
                ],
            )
        return vals_list

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_activate(self):
        self._revshare_check_group()
        self._revshare_check_activable()
        self.write({"state": "active"})

    def action_suspend(self):
        self._revshare_check_group()
        self._revshare_check_state(("active",), self.env._("suspend"))
        self.write({"state": "suspended"})

    def action_expire(self):
        self._revshare_check_group()
        self._revshare_check_state(("active", "suspended"), self.env._("expire"))
        self.write({"state": "expired"})

    def action_cancel(self):
        self._revshare_check_group()
        self._revshare_check_state(
            ("draft", "active", "suspended", "expired"), self.env._("cancel")
        )
        self.write({"state": "cancelled"})

    def action_draft(self):
        self._revshare_check_group()
        self._revshare_check_state(
            ("suspended", "expired", "cancelled"), self.env._("reset to draft")
        )
        self.write({"state": "draft"})

    def action_new_version(self):
        """Close this agreement today and open a draft copy starting tomorrow: the
        way to change the terms of an agreement that already earned shares."""
        self._revshare_check_group()
        self.ensure_one()
        today = fields.Date.context_today(self)
        new = self.copy({"date_start": today + relativedelta(days=1)})
        self.write({"date_end": max(today, self.date_start or today)})
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": new.id,
            "view_mode": "form",
        }

    def action_view_lines(self):
        self._revshare_check_group(USER_GROUP)
        self.ensure_one()
        return self.env["revshare.line"]._revshare_action(
            [("agreement_id", "=", self.id)], {"default_agreement_id": self.id}
        )

    def action_view_revshare_moves(self):
        """Open the journal entries and vendor bills this agreement's rows produced."""
        self._revshare_check_group(USER_GROUP)
        self.ensure_one()
        return self.line_ids._revshare_moves_action()

    def _revshare_check_state(self, allowed, action):
        for agreement in self:
            if agreement.state not in allowed:
                raise UserError(
                    self.env._(
                        "You cannot %(action)s agreement %(agreement)s in state "
                        "%(state)s.",
                        action=action,
                        agreement=agreement.display_name,
                        state=dict(
                            agreement._fields["state"]._description_selection(self.env)
                        )[agreement.state],
                    )
                )

    def _revshare_check_activable(self):
        """Catch a missing rule, journal, account or product now rather than when
        an invoice is posted or paid: each concept checks its own terms."""
        self._revshare_check_state(("draft", "suspended"), self.env._("activate"))
        for agreement in self:
            if not agreement.rule_ids:
                raise UserError(
                    self.env._(
                        "Agreement %(agreement)s has no rule: add at least one rule "
                        "before activating it.",
                        agreement=agreement.display_name,
                    )
                )
        self._revshare_check_accounting_activable()
        self._revshare_check_tax_activable()
        self._revshare_check_override_activable()

    @api.model
    def _cron_expire_agreements(self):
        """Daily: agreements past their end date stop earning."""
        today = fields.Date.context_today(self)
        expired = self.search(
            [("state", "in", ("active", "suspended")), ("date_end", "<", today)]
        )
        expired.action_expire()
        return expired

    # ------------------------------------------------------------------
    # Business
    # ------------------------------------------------------------------

    def _revshare_last_earned_dates(self):
        """{agreement id: date of its last earned (or settled) row}."""
        groups = (
            self.env["revshare.line"]
            .sudo()
            ._read_group(
                [
                    ("agreement_id", "in", self.ids),
                    ("state", "in", EARNED_STATES),
                ],
                ["agreement_id"],
                ["date:max"],
            )
        )
        return {agreement.id: last for agreement, last in groups}
