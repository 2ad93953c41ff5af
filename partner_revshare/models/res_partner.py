from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date as dt_date

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date

from .base import USER_GROUP

# cr.cache key of the rank increments of our documents being posted.
RANK_KEY = "revshare_rank_increments"
# The figures of each month of a running account.
MONTH_COLUMNS = ("earned", "clawbacks", "expected", "settled", "paid")


@dataclass
class RunningAccount:
    """The running account of a beneficiary in one currency while its figures
    are summed (see ``res.partner._revshare_running_account``): the period's
    totals, and ``months``, {first day of a month: its figures and label}."""

    currency: object
    date_from: object
    months: dict
    opening: float = 0.0
    earned: float = 0.0
    clawbacks: float = 0.0
    expected: float = 0.0
    settled: float = 0.0
    paid: float = 0.0
    paid_before: float = 0.0
    billed: float = 0.0

    @classmethod
    def start(cls, currency, date_from, labels):
        """An empty account of ``currency`` from ``date_from``, one row per month
        of ``labels`` ({month: its labels, as ``_revshare_month_labels`` gives})."""
        months = {
            month: dict(dict.fromkeys(MONTH_COLUMNS, 0.0), month=month, **month_labels)
            for month, month_labels in labels.items()
        }
        return cls(currency, date_from, months)

    def add_rows(self, section, month, issued, earned, expected):
        """Add the sums of ledger rows of ``section`` in ``month``, on a statement
        sent to the partner (``issued``) or not."""
        row = self.months.get(month)
        self.expected += expected
        if row is not None:
            row["expected"] += expected
        if month < self.date_from:
            self.opening += earned
            return
        column = "clawbacks" if section == "clawback" else "earned"
        settled = earned if issued else 0.0
        setattr(self, column, getattr(self, column) + earned)
        self.settled += settled
        if row is not None:
            row[column] += earned
            row["settled"] += settled

    def add_statement(self, state, month, amount):
        """Add the total of the statements sent in ``state`` ending in ``month``:
        paid, or billed (a negative statement is carried, never billed)."""
        if state != "paid":
            # Only a posted bill is billed; a negative statement is carried.
            if state == "billed" and self.currency.compare_amounts(amount, 0.0) > 0:
                self.billed += amount
            return
        if month < self.date_from:
            self.paid_before += amount
            return
        self.paid += amount
        row = self.months.get(month)
        if row is not None:
            row["paid"] += amount

    def figures(self):
        """The account as the partner form, the portal and the CSV read it."""
        currency = self.currency
        figures = dict(vars(self))
        figures["earned_total"] = currency.round(
            self.opening + self.earned + self.clawbacks
        )
        figures["opening"] = self.opening - self.paid_before
        for key in ("opening", "earned", "clawbacks", "expected", "settled"):
            figures[key] = currency.round(figures[key])
        figures["balance"] = currency.round(
            figures["opening"] + figures["earned"] + figures["clawbacks"] - self.paid
        )
        figures["to_settle"] = currency.round(figures["balance"] - self.billed)
        months = sorted(self.months.values(), key=lambda r: r["month"], reverse=True)
        figures["months_expected"] = currency.round(
            sum(row["expected"] for row in months)
        )
        figures["months"] = months
        # Top of the monthly chart's scale: its tallest bar (at least 1).
        figures["chart_max"] = max(
            [1.0]
            + [row[key] for row in months for key in ("earned", "settled", "paid")]
        )
        return figures


class ResPartner(models.Model):
    """Partners as customers (who referred them) and as beneficiaries (their
    agreements and their running account: the figures the partner form, the portal
    and the statements share)."""

    _inherit = "res.partner"

    revshare_referrer_id = fields.Many2one(
        "res.partner",
        string="Referred By",
        index="btree_not_null",
        tracking=True,
        help="Partner who brought this customer (used by referral agreements).",
    )
    revshare_referral_date = fields.Date(
        string="Referral Date",
        tracking=True,
        help="The day this customer was referred, set with its referrer: the start "
        "of its customer months for agreements counting from the referral date. "
        "Only revenue-share managers change it, and not once such an agreement has "
        "shares on this customer.",
    )
    revshare_agreement_ids = fields.One2many(
        "revshare.agreement", "partner_id", string="Revenue Share Agreements"
    )
    revshare_agreement_count = fields.Integer(compute="_compute_revshare_amounts")
    revshare_alert_count = fields.Integer(
        string="Open Alerts",
        compute="_compute_revshare_alert_count",
        groups="partner_revshare.group_revshare_user",
    )
    revshare_currency_id = fields.Many2one(
        "res.currency", compute="_compute_revshare_amounts"
    )
    revshare_amount_earned = fields.Monetary(
        string="Net Earned",
        compute="_compute_revshare_amounts",
        currency_field="revshare_currency_id",
        help="Shares earned (on a statement or not), net of clawbacks, for the "
        "agreements of the current company in its currency.",
    )
    revshare_amount_to_settle = fields.Monetary(
        string="To Settle",
        compute="_compute_revshare_amounts",
        currency_field="revshare_currency_id",
        help="Owed to the partner, not billed yet: earned rows on no statement, or "
        "on a statement whose vendor bill is not posted yet.",
    )
    revshare_amount_billed = fields.Monetary(
        string="Billed, Unpaid",
        compute="_compute_revshare_amounts",
        currency_field="revshare_currency_id",
        help="Statements whose vendor bill is posted and not paid yet.",
    )
    revshare_amount_expected = fields.Monetary(
        string="Still Expected",
        compute="_compute_revshare_amounts",
        currency_field="revshare_currency_id",
        help="What the shares of unpaid customer invoices are still to earn.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        today = fields.Date.context_today(self)
        for vals in vals_list:
            if vals.get("revshare_referrer_id"):
                vals.setdefault("revshare_referral_date", today)
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("revshare_referral_date") is not None:
            self._revshare_check_referral_date(vals["revshare_referral_date"])
        res = super().write(vals)
        if vals.get("revshare_referrer_id") and "revshare_referral_date" not in vals:
            # Referred from today, unless a date was set already.
            self.filtered(lambda p: not p.revshare_referral_date).write(
                {"revshare_referral_date": fields.Date.context_today(self)}
            )
        return res

    def _revshare_check_referral_date(self, value):
        """A referral date is set with the referrer; only revenue-share managers
        change it afterwards, and not once rows counted customer months from it
        (the rows keep their tenure)."""
        new = fields.Date.to_date(value) or False
        changed = self.filtered(
            lambda p: p.revshare_referral_date and p.revshare_referral_date != new
        )
        if not changed:
            return
        if not self.env.su and not self.env.user.has_group(
            "partner_revshare.group_revshare_manager"
        ):
            raise AccessError(
                self.env._(
                    "Only revenue-share managers can change a customer's referral date."
                )
            )
        # sudo: whether rows exist, whoever edits the customer.
        used = (
            self.env["revshare.line"]
            .sudo()
            ._read_group(
                [
                    ("customer_id", "in", changed.ids),
                    ("agreement_id.customer_start", "=", "referral_date"),
                    ("state", "!=", "cancelled"),
                ],
                ["customer_id"],
                limit=1,
            )
        )
        if used:
            raise UserError(
                self.env._(
                    "Customer %(customer)s already has revenue shares counted from "
                    "its referral date: the date cannot change any more (the shares "
                    "keep their customer months).",
                    customer=used[0][0].display_name,
                )
            )

    def _compute_revshare_amounts(self):
        """The partner's running account in the current company's currency (the
        same figures as in the portal), in grouped reads for all partners."""
        company = self.env.company
        counts = defaultdict(int)
        ids = [pid for pid in self._origin.ids if pid]
        if ids:
            # The agreements it earns by and those it is paid for (as payee).
            for agreement in self.env["revshare.agreement"].search_fetch(
                self._revshare_agreements_domain(ids), ["partner_id", "payee_id"]
            ):
                for pid in {agreement.partner_id.id, agreement.payee_id.id}:
                    counts[pid] += 1
        for partner in self:
            pid = partner._origin.id
            account = (
                partner.browse(pid)._revshare_running_account(
                    companies=company, currencies=company.currency_id
                )
                if counts[pid]
                else []
            )
            figures = account[0] if account else {}
            partner.revshare_currency_id = company.currency_id
            partner.revshare_amount_earned = figures.get("earned_total", 0.0)
            partner.revshare_amount_to_settle = figures.get("to_settle", 0.0)
            partner.revshare_amount_billed = figures.get("billed", 0.0)
            partner.revshare_amount_expected = figures.get("expected", 0.0)
            partner.revshare_agreement_count = counts[pid]

    def _compute_revshare_alert_count(self):
        """Open alerts of each beneficiary, in one grouped read."""
        ids = [pid for pid in self._origin.ids if pid]
        counts = {}
        if ids:
            counts = {
                partner.id: count
                for partner, count in self.env["revshare.alert"]._read_group(
                    [("partner_id", "in", ids), ("state", "=", "open")],
                    ["partner_id"],
                    ["__count"],
                )
            }
        for partner in self:
            partner.revshare_alert_count = counts.get(partner._origin.id, 0)

    def _revshare_running_account(self, today=None, companies=None, currencies=None):
        """The running account of this beneficiary (and its contacts) per currency
        of its agreements, over the twelve months up to ``today``: the figures the
        partner form, the portal and the CSV display.

        - ``earned`` / ``clawbacks``: shares (and adjustments) and clawbacks of the
          period (a credit note's share is a clawback: ``revshare.line.section``);
        - ``expected``: what shares of unpaid invoices are still to earn;
        - ``settled``: earned rows of the period on a statement sent to the
          partner (``revshare.settlement._revshare_issued_states``);
        - ``paid``: statements of the period paid; ``opening``: earned minus paid
          before the period;
        - ``balance`` = opening + earned + clawbacks - paid: what is owed, split in
          ``billed`` (statements whose bill is posted, not paid; a negative
          statement is carried, never billed) and ``to_settle`` (the rest: not
          billed yet, on no statement or on one whose bill is not posted);
        - ``months``: the same per month, newest first.

        Read with the caller's rights (a portal user reads its own rows), in three
        grouped reads whatever the number of rows.
        """
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        date_from = dt_date(today.year, today.month, 1) - relativedelta(months=11)
        labels = {
            month: self._revshare_month_labels(month)
            for month in (date_from + relativedelta(months=i) for i in range(12))
        }
        scope = []
        if companies is not None:
            scope.append(("company_id", "in", companies.ids))
        if currencies is not None:
            scope.append(("currency_id", "in", currencies.ids))
        # Rows earned or paid to the partner; statements paying it (the payee's).
        rows_scope = self.env["revshare.line"]._revshare_partner_rows_domain(self)
        scope_statements = [("partner_id", "child_of", self.ids), *scope]
        accounts = {}

        def account(currency):
            if currency not in accounts:
                accounts[currency] = RunningAccount.start(currency, date_from, labels)
            return accounts[currency]

        for (
            currency,
            section,
            month,
            issued,
            earned,
            expected,
        ) in self._revshare_running_rows([*rows_scope, *scope]):
            account(currency).add_rows(section, month, issued, earned, expected)
        Settlement = self.env["revshare.settlement"]
        for currency, state, month, amount in Settlement._read_group(
            [*scope_statements, ("state", "in", Settlement._revshare_issued_states)],
            ["currency_id", "state", "date_to:month"],
            ["amount_total:sum"],
        ):
            account(currency).add_statement(state, month, amount)
        return [
            acc.figures()
            for __, acc in sorted(accounts.items(), key=lambda item: item[0].name)
        ]

    def _revshare_running_rows(self, scope):
        """The ledger rows of ``scope`` not cancelled, summed by currency, section,
        month and whether their statement was sent to the partner: a list of
        (currency, section, month, issued, earned, expected)."""
        Settlement = self.env["revshare.settlement"]
        issued_states = Settlement._revshare_issued_states
        groups = self.env["revshare.line"]._read_group(
            [*scope, ("state", "!=", "cancelled")],
            ["currency_id", "section", "date:month", "settlement_ids"],
            ["amount_earned:sum", "amount_expected:sum"],
        )
        # sudo: only the state of the statements holding the caller's rows is read
        # (a portal user may not read drafts).
        issued = set(
            Settlement.union(*(g[3] for g in groups))
            .sudo()
            .filtered(lambda s: s.state in issued_states)
            .ids
        )
        return [
            (currency, section, month, settlement.id in issued, earned, expected)
            for currency, section, month, settlement, earned, expected in groups
        ]

    def _revshare_month_labels(self, month):
        """Labels of ``month`` in the reader's language: ``label`` (tables),
        and the chart's axis: month and year on two lines, one letter on a
        phone."""
        return {
            "label": format_date(self.env, month, date_format="MMM y"),
            "label_month": format_date(self.env, month, date_format="MMM"),
            "label_narrow": format_date(self.env, month, date_format="MMMMM"),
            "label_year": format_date(self.env, month, date_format="y"),
        }

    def action_view_revshare_agreements(self):
        self._revshare_check_group(USER_GROUP)
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Revenue Share Agreements"),
            "res_model": "revshare.agreement",
            "view_mode": "list,form",
            "domain": self._revshare_agreements_domain(self.ids),
            "context": {"default_partner_id": self.id},
        }

    def action_view_revshare_alerts(self):
        """Open the open alerts of this beneficiary."""
        self._revshare_check_group(USER_GROUP)
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "partner_revshare.revshare_alert_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"search_default_open": 1}
        return action

    def action_view_revshare_lines(self):
        """Open the revenue-share rows of this partner, as beneficiary or
        payee."""
        self._revshare_check_group(USER_GROUP)
        self.ensure_one()
        return self.env["revshare.line"]._revshare_action(
            ["|", ("partner_id", "=", self.id), ("payee_id", "=", self.id)]
        )

    @api.model
    def _revshare_agreements_domain(self, ids):
        """Agreements of the partners ``ids``: as beneficiary or as payee."""
        return ["|", ("partner_id", "in", ids), ("payee_id", "in", ids)]

    def _increase_rank(self, field, n=1):
        # While our documents are posted (_revshare_batched_ranks), Odoo's posting
        # asks one rank increment per beneficiary, each a savepoint and a locked
        # UPDATE: gather them, they are applied together afterwards (20 bills of
        # 20 beneficiaries: 253 queries instead of 316). The per-cursor cache
        # holds the tally for the block's span: a context value must be hashable
        # (Odoo keys environments by the context). test_revshare_internals checks
        # the ranks are Odoo's.
        pending = self.env.cr.cache.get(RANK_KEY)
        if pending is None:
            return super()._increase_rank(field, n)
        for partner in self:
            pending[(field, partner.id)] += n
        return None

    @contextmanager
    def _revshare_batched_ranks(self):
        """Apply the partner rank increments of the postings inside the block at
        its end, one UPDATE per rank and increment instead of one per partner:
        the ranks end as Odoo's posting leaves them."""
        cache = self.env.cr.cache
        if RANK_KEY in cache:
            yield
            return
        cache[RANK_KEY] = pending = Counter()
        try:
            yield
        finally:
            del cache[RANK_KEY]
        by_increment = defaultdict(list)
        for (field, partner_id), n in pending.items():
            by_increment[(field, n)].append(partner_id)
        for (field, n), partner_ids in by_increment.items():
            self.browse(partner_ids)._increase_rank(field, n)

    # ------------------------------------------------------------------
    # Forecast (revshare.forecast)
    # ------------------------------------------------------------------

    def _revshare_forecast(self, months=3):
        """What this beneficiary (and its contacts) is expected to be paid out
        per month, from the current month over ``months`` months, in company
        currency: ``[{"month": first day, "currency", "amount",
        "amount_weighted"}]`` (weighted by the collection probability), one
        dict per month and company currency. Read with the caller's rights."""
        self.ensure_one()
        return self.env["revshare.forecast"]._revshare_by_month(
            [("partner_id", "child_of", self.ids)], months=months
        )

    def _revshare_portal_forecast(self):
        """The "Coming next" block of the portal's running account: the next
        three months of the forecast of the logged-in user's own partner."""
        self.ensure_one()
        if self != self.env.user.partner_id.commercial_partner_id:
            raise AccessError(
                self.env._("You can only read the forecast of your own account.")
            )
        # sudo: portal users may not read the forecast, which is made from the
        # company's books (company amounts, customers' payment history); it is
        # read here only for the user's own partner, checked above, and only
        # its monthly totals leave this method.
        return self.sudo()._revshare_forecast(months=3)
