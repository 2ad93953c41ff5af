from collections import defaultdict, namedtuple
from dataclasses import dataclass, field

from odoo import api, fields, models

from .revshare_line_states import EARNED_STATES

# Rows whose base counts toward the period's tier (as in the share computation's
# provisional rate): adjustments are results of the tiers, not bases.
BASE_KINDS = ("share", "reversal", "clawback")

# First and last day of one settlement period of an agreement.
Period = namedtuple("Period", ["start", "end"])
# One group of the rows already in live settlements, per agreement, month, kind
# and adjustment reason: what earlier runs applied the period terms to.
SettledRows = namedtuple(
    "SettledRows", "agreement month kind reason amount base_amount"
)


@dataclass
class PeriodSums:
    """What the period terms are computed on, per (agreement id, period start) of
    ``bounds``: the tier base (``base``), the amount before the cap (``total``),
    the adjustments already made per reason (``adjusted``, keyed by (agreement id,
    start, reason)), over the taken rows and the rows already in live settlements;
    and the ids of the taken base rows of tiered agreements (``taken_ids``)."""

    bounds: dict
    base: defaultdict = field(default_factory=lambda: defaultdict(float))
    total: defaultdict = field(default_factory=lambda: defaultdict(float))
    adjusted: defaultdict = field(default_factory=lambda: defaultdict(float))
    taken_ids: list = field(default_factory=list)

    @property
    def date_min(self):
        return min(period.start for period in self.bounds.values())

    @property
    def date_max(self):
        return max(period.end for period in self.bounds.values())

    def add(self, group):
        """Count a :class:`TakenRows` or :class:`SettledRows` group in its period."""
        start = group.agreement._revshare_period_start(group.month)
        key = (group.agreement.id, start)
        if key not in self.bounds:
            return
        if group.kind in BASE_KINDS:
            self.base[key] += group.base_amount
        if group.kind == "adjustment" and group.reason:
            self.adjusted[(group.agreement.id, start, group.reason)] += group.amount
        # A period bonus and a manager's adjustment are paid on top of the cap,
        # which limits what the rules earn.
        if group.reason not in ("cap", "bonus", "manual"):
            self.total[key] += group.amount


class RevshareSettlementTerms(models.AbstractModel):
    """The period terms a settlement run applies (tiers, period cap): the
    adjustment rows that bring what a period earned to what its terms say,
    against what is already settled for the period."""

    _name = "revshare.settlement.terms"
    _description = "Revenue Share Settlement Period Terms"

    @api.model
    def _revshare_plan_adjustments(self, agreements, touched, taken):
        """Create values of the ``tier`` and ``cap`` adjustment rows, one of each at
        most per agreement and period, for the periods ``touched`` by the
        :class:`TakenRows` groups ``taken``.

        Tiers: the tiered rules' true rate on the period's cumulative base gives
        one row for the difference with the provisional rates; the ``period_cap``
        one row for the excess. Both are computed against what is already settled
        for the period, so late rows only add the difference."""
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
        bounds = self._revshare_touched_periods(concerned, touched)
        sums = self._revshare_period_sums(concerned, tiered, bounds, taken)
        deltas, rates = self._revshare_tier_deltas(tiered, sums)
        today = fields.Date.context_today(self)
        vals_list = []
        for (agreement_id, start), period in sorted(bounds.items()):
            agreement = concerned.browse(agreement_id)
            currency = agreement.currency_id
            key = (agreement_id, start)
            tier_delta = 0.0
            if agreement in tiered:
                tier_delta = currency.round(
                    deltas[key] - sums.adjusted[(agreement_id, start, "tier")]
                )
                if not currency.is_zero(tier_delta):
                    tier_rules = agreement.rule_ids.filtered(
                        lambda r: r.compute == "tiered"
                    )
                    vals_list.append(
                        self._revshare_period_adjustment_vals(
                            agreement,
                            period,
                            "tier",
                            tier_delta,
                            today,
                            rule_id=tier_rules.id if len(tier_rules) == 1 else False,
                            rate=rates.get(key, 0.0),
                        )
                    )
            if agreement.period_cap:
                period_total = sums.total[key] + tier_delta
                excess = max(0.0, currency.round(period_total - agreement.period_cap))
                cap_delta = currency.round(
                    -excess - sums.adjusted[(agreement_id, start, "cap")]
                )
                if not currency.is_zero(cap_delta):
                    vals_list.append(
                        self._revshare_period_adjustment_vals(
                            agreement, period, "cap", cap_delta, today
                        )
                    )
        return vals_list

    @api.model
    def _revshare_touched_periods(self, agreements, touched):
        """{(agreement id, period start): :class:`Period`} of the periods
        ``touched`` ({agreement id: period starts}) of ``agreements``."""
        return {
            (agreement.id, start): Period(*agreement._revshare_period_bounds(start))
            for agreement in agreements
            for start in touched[agreement.id]
        }

    @api.model
    def _revshare_period_sums(self, concerned, tiered, bounds, taken):
        """The :class:`PeriodSums` of the periods ``bounds`` ({(agreement id,
        period start): :class:`Period`}): the taken groups plus one grouped read
        of the rows already in live settlements."""
        sums = PeriodSums(bounds)
        for group in taken:
            if group.agreement in concerned:
                sums.add(group)
                if group.agreement in tiered and group.kind in BASE_KINDS:
                    sums.taken_ids += group.ids
        settled = (
            self.env["revshare.line"]
            .sudo()
            ._read_group(
                [
                    ("agreement_id", "in", concerned.ids),
                    ("state", "in", EARNED_STATES),
                    ("settlement_id", "!=", False),
                    ("date", ">=", sums.date_min),
                    ("date", "<=", sums.date_max),
                ],
                ["agreement_id", "date:month", "kind", "adjustment_reason"],
                ["amount:sum", "base_amount:sum"],
            )
        )
        for group in settled:
            sums.add(SettledRows(*group))
        return sums

    @api.model
    def _revshare_tier_deltas(self, tiered, sums):
        """Per (agreement, period start): what the rows of tiered rules would earn at
        the period's final rate minus what they earned at their provisional rate,
        each row computed and rounded by the rule like the share computation does;
        and the final rates. One query for all the rows."""
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
                    ("date", ">=", sums.date_min),
                    ("date", "<=", sums.date_max),
                    "|",
                    ("id", "in", sums.taken_ids),
                    "&",
                    ("state", "in", EARNED_STATES),
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
            if key not in sums.bounds:
                continue
            rule = row.rule_id
            rate = rule._revshare_tier_rate(sums.base[key])
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
    def _revshare_period_adjustment_vals(
        self, agreement, period, reason, amount, today, rule_id=False, rate=0.0
    ):
        """Create values of an ``adjustment`` row of ``agreement`` for ``period``,
        dated at its end, with its company-currency amount at that day's rate."""
        day = period.end
        return {
            "agreement_id": agreement.id,
            "partner_id": agreement.partner_id.id,
            "company_id": agreement.company_id.id,
            "currency_id": agreement.currency_id.id,
            "date": day,
            "kind": "adjustment",
            "state": "earned",
            "base_amount": 0.0,
            "rule_id": rule_id,
            "rate": rate,
            "amount": amount,
            "adjustment_reason": reason,
            "amount_company": agreement.currency_id._convert(
                amount,
                agreement.company_id.currency_id,
                agreement.company_id,
                min(day, today),
            ),
            "amount_invoice_currency": 0.0,
        }
