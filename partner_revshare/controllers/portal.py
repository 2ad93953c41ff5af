import csv
import io
import re
from collections import defaultdict
from datetime import date as dt_date

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import fields, http
from odoo.exceptions import AccessError, MissingError
from odoo.http import content_disposition, request
from odoo.tools import format_amount, format_date, plaintext2html

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

# Agreements a partner is shown: signed ones (drafts are still being negotiated,
# cancelled ones never applied).
VISIBLE_AGREEMENT_STATES = ("active", "suspended", "expired")
# Statements a partner is shown (the portal record rule hides drafts as well).
VISIBLE_STATEMENT_STATES = ("confirmed", "billed", "paid", "cancelled")
# Statements the partner has received: their rows are settled for the partner.
# The settlement run links rows to a draft first; until the accounting team
# confirms it, the partner sees those rows as earned.
ISSUED_STATEMENT_STATES = ("confirmed", "billed", "paid")
# Ledger kinds shown as clawbacks on the running account (the others: earned).
CLAWBACK_KINDS = ("clawback", "reversal")
# Characters that make a spreadsheet read a cell as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class RevsharePortal(CustomerPortal):
    """Partner portal of revenue sharing: running account, agreements, statements
    and ledger of the logged-in user's commercial partner.

    Lists are searched as the portal user, so the portal record rules of
    ``security/revshare_portal_security.xml`` decide what exists; the domains below
    add the commercial partner as well so that an internal user opening the portal
    sees their own (empty) account rather than everybody's.
    """

    # ------------------------------------------------------------------
    # Domains and helpers
    # ------------------------------------------------------------------

    def _revshare_partner(self):
        return request.env.user.partner_id.commercial_partner_id

    def _revshare_agreement_domain(self):
        return [
            ("partner_id", "child_of", self._revshare_partner().ids),
            ("state", "in", VISIBLE_AGREEMENT_STATES),
        ]

    def _revshare_line_domain(self):
        return [
            ("partner_id", "child_of", self._revshare_partner().ids),
            ("state", "!=", "cancelled"),
        ]

    def _revshare_statement_domain(self):
        return [
            ("partner_id", "child_of", self._revshare_partner().ids),
            ("state", "in", VISIBLE_STATEMENT_STATES),
        ]

    def _revshare_can_read(self, model):
        """Whether the user has read access to ``model`` (portal users and revenue
        share users do; other internal users get no revenue-share page)."""
        return request.env[model].has_access("read")

    def _revshare_selection(self, model, field_name):
        field = request.env[model]._fields[field_name]
        return dict(field._description_selection(request.env))

    def _revshare_issued_ids(self, settlements):
        """Ids of the statements among ``settlements`` the partner has received."""
        # sudo: only the state of the statements holding the user's own rows is
        # read (drafts are hidden from portal users by their record rule).
        return set(
            settlements.sudo()
            .filtered(lambda s: s.state in ISSUED_STATEMENT_STATES)
            .ids
        )

    def _revshare_state_domain(self, state):
        """Ledger domain of a state as the partner sees it (see
        ``ISSUED_STATEMENT_STATES``)."""
        issued = ("settlement_id.state", "in", ISSUED_STATEMENT_STATES)
        if state == "settled":
            return [("state", "=", "settled"), issued]
        if state == "earned":
            return [
                "|",
                ("state", "=", "earned"),
                "&",
                ("state", "=", "settled"),
                "!",
                issued,
            ]
        return [("state", "=", state)]

    def _revshare_agreement_amounts(self, agreements):
        """{agreement id: {"earned", "unsettled"}} as the partner sees them, in
        one grouped read."""
        amounts = defaultdict(lambda: {"earned": 0.0, "unsettled": 0.0})
        if not agreements:
            return amounts
        groups = request.env["revshare.line"]._read_group(
            [
                *self._revshare_line_domain(),
                ("agreement_id", "in", agreements.ids),
                ("state", "in", ("earned", "settled")),
            ],
            ["agreement_id", "state", "settlement_id"],
            ["amount:sum"],
        )
        issued = self._revshare_issued_ids(
            request.env["revshare.settlement"].union(*(g[2] for g in groups))
        )
        for agreement, state, settlement, amount in groups:
            amounts[agreement.id]["earned"] += amount
            if not (state == "settled" and settlement.id in issued):
                amounts[agreement.id]["unsettled"] += amount
        return amounts

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "revshare_agreement_count" in counters:
            Agreement = request.env["revshare.agreement"]
            values["revshare_agreement_count"] = (
                Agreement.search_count(self._revshare_agreement_domain())
                if self._revshare_can_read("revshare.agreement")
                else 0
            )
        if "revshare_statement_count" in counters:
            values["revshare_statement_count"] = (
                request.env["revshare.settlement"].search_count(
                    self._revshare_statement_domain()
                )
                if self._revshare_can_read("revshare.settlement")
                else 0
            )
        return values

    def _revshare_layout_values(self, page_name, **values):
        result = self._prepare_portal_layout_values()
        result.update(page_name=page_name, **values)
        return result

    # ------------------------------------------------------------------
    # Running account
    # ------------------------------------------------------------------

    def _revshare_running_account(self, today=None):
        """Balances of the partner's account over the last twelve months, per
        currency (the agreement currency the partner is paid in).

        - earned: shares and adjustments earned in the period (settled or not);
        - clawbacks: clawbacks and reversals of the period (negative);
        - expected: what shares of posted invoices are still to earn, by invoice
          month (what payments earned already is deducted by the ledger);
        - settled: earned rows of the period on a statement the partner received;
        - paid out: statements of the period marked paid;
        - opening balance: earned minus paid out before the period;
        - balance due: opening + earned + clawbacks - paid out.

        Grouped reads (ledger by currency/kind/state/month/statement, paid
        statements by currency/month) and one read of the expected rows, whatever
        the number of rows.
        """
        today = today or fields.Date.context_today(request.env.user)
        date_from = dt_date(today.year, today.month, 1) - relativedelta(months=11)
        months = [date_from + relativedelta(months=i) for i in range(12)]
        accounts = {}

        def account(currency):
            if currency not in accounts:
                accounts[currency] = {
                    "currency": currency,
                    "date_from": date_from,
                    "opening": 0.0,
                    "earned": 0.0,
                    "clawbacks": 0.0,
                    "expected": 0.0,
                    "settled": 0.0,
                    "paid": 0.0,
                    "months": {
                        month: defaultdict(
                            float,
                            month=month,
                            label=format_date(request.env, month, date_format="MMM y"),
                        )
                        for month in months
                    },
                }
            return accounts[currency]

        Line = request.env["revshare.line"]
        groups = Line._read_group(
            self._revshare_line_domain() + [("state", "!=", "expected")],
            ["currency_id", "kind", "state", "date:month", "settlement_id"],
            ["amount:sum"],
        )
        issued = self._revshare_issued_ids(
            request.env["revshare.settlement"].union(*(g[4] for g in groups))
        )
        for currency, kind, state, month, settlement, amount in groups:
            acc = account(currency)
            settled = state == "settled" and settlement.id in issued
            row = acc["months"].get(month)
            if month < date_from:
                acc["opening"] += amount
                continue
            column = "clawbacks" if kind in CLAWBACK_KINDS else "earned"
            acc[column] += amount
            if settled:
                acc["settled"] += amount
            if row is not None:
                row[column] += amount
                if settled:
                    row["settled"] += amount
        expected = Line.search(
            self._revshare_line_domain() + [("state", "=", "expected")]
        )
        for row, amount in expected._revshare_expected_remaining().items():
            acc = account(row.currency_id)
            acc["expected"] += amount
            month_row = acc["months"].get(row.date.replace(day=1))
            if month_row is not None:
                month_row["expected"] += amount
        if self._revshare_can_read("revshare.settlement"):
            paid_groups = request.env["revshare.settlement"]._read_group(
                self._revshare_statement_domain() + [("state", "=", "paid")],
                ["currency_id", "date_to:month"],
                ["amount_total:sum"],
            )
            for currency, month, amount in paid_groups:
                acc = account(currency)
                if month < date_from:
                    acc["opening"] -= amount
                    continue
                acc["paid"] += amount
                row = acc["months"].get(month)
                if row is not None:
                    row["paid"] += amount
        result = []
        for acc in accounts.values():
            acc["balance"] = acc["currency"].round(
                acc["opening"] + acc["earned"] + acc["clawbacks"] - acc["paid"]
            )
            acc["months"] = sorted(
                acc["months"].values(), key=lambda r: r["month"], reverse=True
            )
            result.append(acc)
        return sorted(result, key=lambda a: a["currency"].name)

    @http.route(["/my/revshare"], type="http", auth="user", website=True)
    def portal_my_revshare(self, **kw):
        if not self._revshare_can_read("revshare.line"):
            return request.redirect("/my")
        values = self._revshare_layout_values(
            "revshare",
            accounts=self._revshare_running_account(),
        )
        return request.render("partner_revshare.portal_my_revshare", values)

    # ------------------------------------------------------------------
    # Agreements
    # ------------------------------------------------------------------

    @http.route(
        ["/my/revshare/agreements", "/my/revshare/agreements/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_revshare_agreements(self, page=1, **kw):
        if not self._revshare_can_read("revshare.agreement"):
            return request.redirect("/my")
        Agreement = request.env["revshare.agreement"]
        domain = self._revshare_agreement_domain()
        pager = portal_pager(
            url="/my/revshare/agreements",
            total=Agreement.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        agreements = Agreement.search(
            domain,
            order="date_start desc, id desc",
            limit=self._items_per_page,
            offset=pager["offset"],
        )
        values = self._revshare_layout_values(
            "revshare_agreements",
            agreements=agreements,
            amounts=self._revshare_agreement_amounts(agreements),
            pager=pager,
            roles=self._revshare_selection("revshare.agreement", "role"),
            states=self._revshare_selection("revshare.agreement", "state"),
        )
        return request.render("partner_revshare.portal_my_revshare_agreements", values)

    @http.route(
        ["/my/revshare/agreements/<int:agreement_id>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_revshare_agreement(self, agreement_id, **kw):
        try:
            agreement_sudo = self._document_check_access(
                "revshare.agreement", agreement_id
            )
        except (AccessError, MissingError):
            return request.redirect("/my")
        if agreement_sudo.state not in VISIBLE_AGREEMENT_STATES:
            return request.redirect("/my")
        values = self._revshare_layout_values(
            "revshare_agreements",
            agreement=agreement_sudo,
            amounts=self._revshare_agreement_amounts(agreement_sudo)[agreement_sudo.id],
            terms=self._revshare_agreement_terms(agreement_sudo),
            rules=self._revshare_rule_terms(agreement_sudo),
            roles=self._revshare_selection("revshare.agreement", "role"),
            states=self._revshare_selection("revshare.agreement", "state"),
        )
        return request.render("partner_revshare.portal_my_revshare_agreement", values)

    def _revshare_money(self, amount, currency):
        return format_amount(request.env, amount, currency)

    def _revshare_agreement_terms(self, agreement):
        """The agreement in plain words, as (label, sentence) pairs. Internal
        settings (accounts, journals, salespersons, sales journals) are left out."""
        env = request.env
        _ = env._
        terms = []
        if agreement.date_start and agreement.date_end:
            period = _(
                "From %(start)s to %(end)s.",
                start=format_date(env, agreement.date_start),
                end=format_date(env, agreement.date_end),
            )
        elif agreement.date_start:
            period = _(
                "From %(start)s, with no end date.",
                start=format_date(env, agreement.date_start),
            )
        elif agreement.date_end:
            period = _("Until %(end)s.", end=format_date(env, agreement.date_end))
        else:
            period = _("No start or end date.")
        terms.append((_("Period"), period))
        triggers = {
            "invoice": _(
                "A share is earned as soon as the customer invoice is issued."
            ),
            "payment": _(
                "A share is earned when the customer pays the invoice, in proportion "
                "to what is paid; until then it is shown as expected."
            ),
        }
        trigger_labels = self._revshare_selection("revshare.agreement", "trigger")
        terms.append(
            (
                _("When"),
                triggers.get(agreement.trigger, trigger_labels.get(agreement.trigger)),
            )
        )
        bases = {
            "untaxed": _(
                "Shares are computed on the amount of each invoice line before taxes."
            ),
            "total": _(
                "Shares are computed on the amount of each invoice line including "
                "taxes."
            ),
            "margin": _(
                "Shares are computed on the margin of each invoice line (amount "
                "before taxes minus the cost of the products sold)."
            ),
        }
        terms.append((_("Base"), bases.get(agreement.base, agreement.base)))
        if agreement.waterfall:
            terms.append(
                (
                    _("Net revenue"),
                    _(
                        "The base is what is left of the line after the shares of "
                        "other partners."
                    ),
                )
            )
        scope = []
        if agreement.referred_only:
            scope.append(_("customers you referred"))
        if agreement.customer_ids:
            scope.append(
                _("customers %s", ", ".join(agreement.customer_ids.mapped("name")))
            )
        if agreement.customer_category_ids:
            scope.append(
                _(
                    "customers tagged %s",
                    ", ".join(agreement.customer_category_ids.mapped("name")),
                )
            )
        if agreement.country_ids:
            scope.append(
                _(
                    "customers in %s",
                    ", ".join(agreement.country_ids.mapped("name")),
                )
            )
        if agreement.product_ids:
            scope.append(
                _(
                    "products %s",
                    ", ".join(agreement.product_ids.mapped("display_name")),
                )
            )
        if agreement.product_category_ids:
            scope.append(
                _(
                    "products of the categories %s",
                    ", ".join(agreement.product_category_ids.mapped("display_name")),
                )
            )
        terms.append(
            (
                _("Scope"),
                _("Sales to %s.", "; ".join(scope)) if scope else _("All our sales."),
            )
        )
        periods = self._revshare_selection("revshare.agreement", "settlement_period")
        period_label = periods.get(agreement.settlement_period, "").lower()
        payouts = {
            "entry": _(
                "Each share is credited to your account as soon as it is earned; a "
                "%s statement sums them up.",
                period_label,
            ),
            "bill": _(
                "Each share is recorded as a bill in your name as soon as it is "
                "earned; a %s statement sums them up.",
                period_label,
            ),
            "periodic": _(
                "Shares are paid with a %s statement.",
                period_label,
            ),
        }
        terms.append(
            (_("Payment"), payouts.get(agreement.settlement_mode, period_label))
        )
        # Terms of the settlement run, present once settlements are installed.
        hold_days = agreement["hold_days"] if "hold_days" in agreement else 0
        if hold_days:
            terms.append(
                (
                    _("Holding period"),
                    _(
                        "A share can be paid %s days after it is earned (refund "
                        "window).",
                        hold_days,
                    ),
                )
            )
        currency = agreement.currency_id
        min_payout = agreement["min_payout"] if "min_payout" in agreement else 0.0
        if min_payout:
            terms.append(
                (
                    _("Minimum payout"),
                    _(
                        "Below %s, the balance waits for the next statement.",
                        self._revshare_money(min_payout, currency),
                    ),
                )
            )
        period_cap = agreement["period_cap"] if "period_cap" in agreement else 0.0
        if period_cap:
            terms.append(
                (
                    _("Maximum per period"),
                    _(
                        "At most %s per statement period.",
                        self._revshare_money(period_cap, currency),
                    ),
                )
            )
        terms.append((_("Currency"), currency.name))
        return terms

    def _revshare_rule_terms(self, agreement):
        """One sentence per active rule, in the order they apply."""
        env = request.env
        _ = env._
        currency = agreement.currency_id
        sentences = []
        for rule in agreement.rule_ids.filtered("active").sorted(
            lambda r: (r.sequence, r.id)
        ):
            if rule.compute == "percent":
                text = _("%s%% of the base", self._revshare_rate(rule.rate))
            elif rule.compute == "fixed_unit":
                text = _(
                    "%s per unit sold", self._revshare_money(rule.amount, currency)
                )
            elif rule.compute == "fixed_line":
                text = _(
                    "%s per invoice line", self._revshare_money(rule.amount, currency)
                )
            else:
                steps = [_("%s%%", self._revshare_rate(rule.rate))]
                for tier in rule.tier_ids.sorted(lambda t: (t.sequence, t.threshold)):
                    steps.append(
                        _(
                            "%(rate)s%% once the period's sales reach %(threshold)s",
                            rate=self._revshare_rate(tier.rate),
                            threshold=self._revshare_money(tier.threshold, currency),
                        )
                    )
                text = _("tiered: %s", "; ".join(steps))
            details = []
            if rule.product_ids:
                details.append(
                    _("on %s", ", ".join(rule.product_ids.mapped("display_name")))
                )
            if rule.product_category_ids:
                details.append(
                    _(
                        "on the categories %s",
                        ", ".join(rule.product_category_ids.mapped("display_name")),
                    )
                )
            if rule.min_amount:
                details.append(
                    _(
                        "at least %s per line",
                        self._revshare_money(rule.min_amount, currency),
                    )
                )
            if rule.max_amount:
                details.append(
                    _(
                        "at most %s per line",
                        self._revshare_money(rule.max_amount, currency),
                    )
                )
            if rule.date_start:
                details.append(
                    _("for invoices from %s", format_date(env, rule.date_start))
                )
            if rule.date_end:
                details.append(
                    _("for invoices up to %s", format_date(env, rule.date_end))
                )
            sentences.append(
                {
                    "name": rule.name or "",
                    "text": text,
                    "details": ", ".join(details),
                }
            )
        return sentences

    @staticmethod
    def _revshare_rate(rate):
        return f"{rate:.4f}".rstrip("0").rstrip(".")

    # ------------------------------------------------------------------
    # Ledger
    # ------------------------------------------------------------------

    def _revshare_line_sortings(self):
        _ = request.env._
        return {
            "date": {"label": _("Newest"), "order": "date desc, id desc"},
            "date_asc": {"label": _("Oldest"), "order": "date asc, id asc"},
            "amount": {"label": _("Amount"), "order": "amount desc, id desc"},
            "agreement": {
                "label": _("Agreement"),
                "order": "agreement_id, date desc, id desc",
            },
        }

    def _revshare_period_options(self, today=None):
        """Months of the last year and the current and previous years, as
        (value, label) pairs for the period filter."""
        today = today or fields.Date.context_today(request.env.user)
        first = dt_date(today.year, today.month, 1)
        options = [("", request.env._("All periods"))]
        for i in range(12):
            month = first - relativedelta(months=i)
            options.append(
                (
                    month.strftime("%Y-%m"),
                    format_date(request.env, month, date_format="MMMM y"),
                )
            )
        for year in (today.year, today.year - 1):
            options.append((str(year), str(year)))
        return options

    @staticmethod
    def _revshare_period_bounds(period):
        """``YYYY-MM`` or ``YYYY`` to (first day, last day); anything else: None."""
        if not period:
            return None
        match = re.fullmatch(r"(\d{4})(?:-(\d{2}))?", period)
        if not match:
            return None
        year = int(match.group(1))
        if match.group(2):
            month = int(match.group(2))
            if not 1 <= month <= 12:
                return None
            start = dt_date(year, month, 1)
            return start, start + relativedelta(months=1, days=-1)
        return dt_date(year, 1, 1), dt_date(year, 12, 31)

    def _revshare_line_filters(
        self, agreement=None, period=None, kind=None, state=None
    ):
        """Validate the ledger filters of the query string.

        :return: (domain, clean filter values) or None when the filter names an
            agreement the user may not read (a guessed id: no data at all).
        """
        domain = list(self._revshare_line_domain())
        clean = {}
        if agreement:
            agreement_id = int(agreement) if str(agreement).isdigit() else 0
            allowed = request.env["revshare.agreement"].search(
                [*self._revshare_agreement_domain(), ("id", "=", agreement_id)]
            )
            if not allowed:
                return None
            domain.append(("agreement_id", "=", allowed.id))
            clean["agreement"] = allowed.id
        bounds = self._revshare_period_bounds(period)
        if bounds:
            domain += [("date", ">=", bounds[0]), ("date", "<=", bounds[1])]
            clean["period"] = period
        if kind in self._revshare_selection("revshare.line", "kind"):
            domain.append(("kind", "=", kind))
            clean["kind"] = kind
        states = self._revshare_selection("revshare.line", "state")
        if state in states and state != "cancelled":
            domain += self._revshare_state_domain(state)
            clean["state"] = state
        return domain, clean

    def _revshare_line_rows(self, lines):
        """Display values of ledger rows. Of the customer's data, only the customer
        name and the invoice number are shown: what a partner needs to match a
        share with a sale.

        The rows were searched as the portal user (record rules applied); sudo only
        reads these names, as the invoices and customers are not the partner's own
        records.
        """
        lines_sudo = lines.sudo()
        kinds = self._revshare_selection("revshare.line", "kind")
        states = self._revshare_selection("revshare.line", "state")
        issued = self._revshare_issued_ids(lines_sudo.settlement_id)
        rows = []
        for line in lines_sudo:
            state = line.state
            statement = ""
            if state == "settled":
                if line.settlement_id.id in issued:
                    statement = line.settlement_id.name
                else:
                    state = "earned"
            rows.append(
                {
                    "id": line.id,
                    "date": line.date,
                    "agreement": line.agreement_id.display_name,
                    "kind": line.kind,
                    "kind_label": kinds.get(line.kind, line.kind),
                    "state": state,
                    "state_label": states.get(state, state),
                    "statement": statement,
                    "statement_id": line.settlement_id.id if statement else False,
                    "invoice": line.invoice_id.name or "",
                    "customer": line.customer_id.commercial_partner_id.name
                    or line.customer_id.name
                    or "",
                    "product": line.product_id.display_name or "",
                    "currency": line.currency_id,
                    "base_amount": line.base_amount,
                    "rate": line.rate,
                    "amount": line.amount,
                }
            )
        return rows

    @http.route(
        ["/my/revshare/lines", "/my/revshare/lines/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_revshare_lines(
        self,
        page=1,
        sortby=None,
        agreement=None,
        period=None,
        kind=None,
        state=None,
        **kw,
    ):
        if not self._revshare_can_read("revshare.line"):
            return request.redirect("/my")
        filters = self._revshare_line_filters(agreement, period, kind, state)
        if filters is None:
            return request.redirect("/my/revshare/lines")
        domain, clean = filters
        sortings = self._revshare_line_sortings()
        if sortby not in sortings:
            sortby = "date"
        Line = request.env["revshare.line"]
        url_args = dict(clean, sortby=sortby)
        pager = portal_pager(
            url="/my/revshare/lines",
            url_args=url_args,
            total=Line.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        lines = Line.search(
            domain,
            order=sortings[sortby]["order"],
            limit=self._items_per_page,
            offset=pager["offset"],
        )
        values = self._revshare_layout_values(
            "revshare_lines",
            rows=self._revshare_line_rows(lines),
            pager=pager,
            default_url="/my/revshare/lines",
            searchbar_sortings=sortings,
            sortby=sortby,
            filters=clean,
            csv_args=url_args,
            agreements=request.env["revshare.agreement"].search(
                self._revshare_agreement_domain()
            ),
            period_options=self._revshare_period_options(),
            kinds=self._revshare_selection("revshare.line", "kind"),
            states={
                key: label
                for key, label in self._revshare_selection(
                    "revshare.line", "state"
                ).items()
                if key != "cancelled"
            },
        )
        return request.render("partner_revshare.portal_my_revshare_lines", values)

    @http.route(["/my/revshare/lines/csv"], type="http", auth="user")
    def portal_my_revshare_lines_csv(
        self, sortby=None, agreement=None, period=None, kind=None, state=None, **kw
    ):
        """The filtered ledger rows as CSV (all pages)."""
        if not self._revshare_can_read("revshare.line"):
            raise request.not_found()
        filters = self._revshare_line_filters(agreement, period, kind, state)
        if filters is None:
            raise request.not_found()
        domain, _clean = filters
        sortings = self._revshare_line_sortings()
        order = sortings.get(sortby, sortings["date"])["order"]
        lines = request.env["revshare.line"].search(domain, order=order)
        content = self._revshare_lines_csv(self._revshare_line_rows(lines))
        return request.make_response(
            content,
            headers=[
                ("Content-Type", "text/csv; charset=utf-8"),
                (
                    "Content-Disposition",
                    content_disposition("revenue_share_ledger.csv"),
                ),
            ],
        )

    def _revshare_lines_csv(self, rows):
        _ = request.env._

        def text(value):
            # Customer and product names come from other people's input: a leading
            # formula character would run as a formula in a spreadsheet.
            value = value or ""
            return "'" + value if value.startswith(FORMULA_PREFIXES) else value

        def number(value, currency):
            return f"{currency.round(value):.{currency.decimal_places}f}"

        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(
            [
                _("Date"),
                _("Agreement"),
                _("Kind"),
                _("State"),
                _("Statement"),
                _("Invoice"),
                _("Customer"),
                _("Product"),
                _("Currency"),
                _("Base"),
                _("Rate (%)"),
                _("Amount"),
            ]
        )
        for row in rows:
            currency = row["currency"]
            writer.writerow(
                [
                    fields.Date.to_string(row["date"]),
                    text(row["agreement"]),
                    row["kind_label"],
                    row["state_label"],
                    row["statement"],
                    text(row["invoice"]),
                    text(row["customer"]),
                    text(row["product"]),
                    currency.name,
                    number(row["base_amount"], currency),
                    self._revshare_rate(row["rate"]),
                    number(row["amount"], currency),
                ]
            )
        return buffer.getvalue().encode("utf-8")

    # ------------------------------------------------------------------
    # Statements
    # ------------------------------------------------------------------

    @http.route(
        ["/my/revshare/statements", "/my/revshare/statements/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_revshare_statements(self, page=1, sortby=None, **kw):
        if not self._revshare_can_read("revshare.settlement"):
            return request.redirect("/my")
        _ = request.env._
        Settlement = request.env["revshare.settlement"]
        domain = self._revshare_statement_domain()
        sortings = {
            "date": {"label": _("Newest"), "order": "date_to desc, id desc"},
            "name": {"label": _("Reference"), "order": "name desc, id desc"},
            "state": {"label": _("Status"), "order": "state, date_to desc, id desc"},
        }
        if sortby not in sortings:
            sortby = "date"
        pager = portal_pager(
            url="/my/revshare/statements",
            url_args={"sortby": sortby},
            total=Settlement.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        statements = Settlement.search(
            domain,
            order=sortings[sortby]["order"],
            limit=self._items_per_page,
            offset=pager["offset"],
        )
        request.session["my_revshare_statements_history"] = statements.ids[:100]
        values = self._revshare_layout_values(
            "revshare_statements",
            # sudo: the statements were searched as the portal user; the bill
            # reference shown next to them is the partner's own vendor bill.
            statements=statements.sudo(),
            pager=pager,
            default_url="/my/revshare/statements",
            searchbar_sortings=sortings,
            sortby=sortby,
            states=self._revshare_selection("revshare.settlement", "state"),
        )
        return request.render("partner_revshare.portal_my_revshare_statements", values)

    def _revshare_statement_access(self, statement_id, access_token=None):
        """The statement, sudoed, when the user may read it (record rule) or holds
        its access token; None otherwise. Drafts are never shown."""
        try:
            statement_sudo = self._document_check_access(
                "revshare.settlement", statement_id, access_token
            )
        except (AccessError, MissingError):
            return None
        if statement_sudo.state not in VISIBLE_STATEMENT_STATES:
            return None
        return statement_sudo

    @http.route(
        ["/my/revshare/statements/<int:statement_id>"],
        type="http",
        auth="public",
        website=True,
    )
    def portal_my_revshare_statement(
        self, statement_id, access_token=None, report_type=None, download=False, **kw
    ):
        statement_sudo = self._revshare_statement_access(statement_id, access_token)
        if not statement_sudo:
            return request.redirect("/my")
        if report_type in ("html", "pdf", "text"):
            return self._show_report(
                model=statement_sudo,
                report_type=report_type,
                report_ref="partner_revshare.action_report_revshare_statement",
                download=download,
            )
        values = self._revshare_layout_values(
            "revshare_statements",
            statement=statement_sudo,
            states=self._revshare_selection("revshare.settlement", "state"),
            agreement_totals=self._revshare_statement_totals(statement_sudo),
            message=kw.get("message"),
        )
        values = self._get_page_view_values(
            statement_sudo,
            access_token,
            values,
            "my_revshare_statements_history",
            False,
            **kw,
        )
        return request.render("partner_revshare.portal_my_revshare_statement", values)

    def _revshare_statement_totals(self, statement_sudo):
        """Totals of the statement per agreement and kind (one grouped read)."""
        groups = (
            request.env["revshare.line"]
            .sudo()
            ._read_group(
                [("settlement_id", "=", statement_sudo.id)],
                ["agreement_id", "kind"],
                ["amount:sum", "__count"],
            )
        )
        kinds = self._revshare_selection("revshare.line", "kind")
        return [
            {
                "agreement": agreement.display_name,
                "kind": kinds.get(kind, kind),
                "count": count,
                "amount": amount,
            }
            for agreement, kind, amount, count in groups
        ]

    def _revshare_statement_url(self, statement_sudo, message):
        """The statement page with a feedback message; the URL carries the
        statement's token, which only a user who already had access gets."""
        return statement_sudo.get_portal_url(query_string=f"&message={message}")

    def _revshare_statement_responsible(self, statement_sudo):
        """The accounting user to notify about a statement: its creator when that
        is a real internal user (not the cron's superuser), else the first
        revenue-share manager of the company."""
        user = statement_sudo.create_uid
        if not user or user._is_superuser() or user.share or not user.active:
            managers = (
                request.env.ref("partner_revshare.group_revshare_manager").sudo().users
            )
            user = managers.filtered(
                lambda u: not u.share
                and not u._is_superuser()
                and statement_sudo.company_id in u.company_ids
            )[:1]
        return user

    def _revshare_statement_author(self, statement_sudo):
        user = request.env.user
        if user._is_public():
            # Reached with the access token of the statement email: the partner.
            return statement_sudo.partner_id
        return user.partner_id

    @http.route(
        ["/my/revshare/statements/<int:statement_id>/acknowledge"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_my_revshare_statement_acknowledge(
        self, statement_id, access_token=None, **kw
    ):
        statement_sudo = self._revshare_statement_access(statement_id, access_token)
        if not statement_sudo:
            return request.redirect("/my")
        if statement_sudo.state not in ISSUED_STATEMENT_STATES:
            return request.redirect(statement_sudo.get_portal_url())
        author = self._revshare_statement_author(statement_sudo)
        # sudo: access was checked just above (record rule or token); the partner
        # only adds a comment on its own statement, which notifies its followers
        # (the accounting team).
        statement_sudo.message_post(
            body=Markup("<p>%s</p>")
            % request.env._("%s acknowledged this statement.", author.name),
            author_id=author.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        return request.redirect(
            self._revshare_statement_url(statement_sudo, "acknowledged")
        )

    @http.route(
        ["/my/revshare/statements/<int:statement_id>/dispute"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_my_revshare_statement_dispute(
        self, statement_id, access_token=None, dispute_message=None, **kw
    ):
        statement_sudo = self._revshare_statement_access(statement_id, access_token)
        if not statement_sudo:
            return request.redirect("/my")
        if statement_sudo.state not in ISSUED_STATEMENT_STATES:
            return request.redirect(statement_sudo.get_portal_url())
        text = (dispute_message or "").strip()
        if not text:
            return request.redirect(
                self._revshare_statement_url(statement_sudo, "dispute_empty")
            )
        author = self._revshare_statement_author(statement_sudo)
        _ = request.env._
        # sudo: access was checked just above (record rule or token); the partner
        # only comments on its own statement, and the activity tells the
        # accounting team to answer. The message is escaped (plaintext2html).
        statement_sudo.message_post(
            body=Markup("<p><strong>%s</strong></p>%s")
            % (
                _("%s disputes this statement:", author.name),
                plaintext2html(text),
            ),
            author_id=author.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        responsible = self._revshare_statement_responsible(statement_sudo)
        if responsible:
            statement_sudo.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Statement disputed by %s", author.name),
                note=plaintext2html(text),
                user_id=responsible.id,
            )
        return request.redirect(
            self._revshare_statement_url(statement_sudo, "disputed")
        )
