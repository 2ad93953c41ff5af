import logging
from collections import defaultdict, namedtuple
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from psycopg2 import errors as pg_errors

from odoo import api, fields, models, tools
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import SQL

from .revshare_line_states import EARNED_STATES

_logger = logging.getLogger(__name__)

# Rows whose base counts toward the period's tier (as in the share computation's
# provisional rate): adjustments are results of the tiers, not bases.
BASE_KINDS = ("share", "reversal", "clawback")
# Partners settled between two commits when the cron runs.
CRON_BATCH_PARTNERS = 100
# PostgreSQL advisory lock held by a settlement run until its transaction ends.
RUN_LOCK_KEY = 0x52535331  # "RSS1"

# First and last day of one settlement period of an agreement.
Period = namedtuple("Period", ["start", "end"])
# One group of the rows a run takes (its grouped read): per partner, company,
# currency, agreement, month, kind and adjustment reason, the sums and the row ids.
TakenRows = namedtuple(
    "TakenRows",
    "partner company currency agreement month kind reason amount base_amount ids",
)
# One group of the rows already in live settlements, per agreement, month, kind
# and adjustment reason: what earlier runs applied the period terms to.
SettledRows = namedtuple(
    "SettledRows", "agreement month kind reason amount base_amount"
)


@dataclass
class PlannedSettlement:
    """One settlement a run will create: a partner's earned rows of one company
    and currency, from ``date_from`` to ``date_to`` (``date``: the run's day).
    ``line_ids`` are the rows taken, ``adjustments`` the create values of the
    ``tier`` and ``cap`` rows the run adds, ``amount`` their total in
    ``currency``; ``amount_carried`` is the negative balance taken over from
    ``carried_from``."""

    partner: models.BaseModel
    company: models.BaseModel
    currency: models.BaseModel
    agreements: models.BaseModel
    line_ids: list
    adjustments: list
    amount: float
    amount_carried: float
    carried_from: models.BaseModel
    date_from: object
    date_to: object
    date: object

    @property
    def line_count(self):
        return len(self.line_ids) + len(self.adjustments)


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


class RevshareSettlement(models.Model):
    """The settlement run: plan with grouped reads, then create the statements
    (see ARCHITECTURE.md, "Settlements")."""

    # One file per step of the pipeline (ARCHITECTURE.md), as Odoo splits
    # account_journal_dashboard.py: the model is extended once per step on purpose.
    # pylint: disable-next=consider-merging-classes-inherited
    _inherit = "revshare.settlement"

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
    def _revshare_run(self, day=None, agreements=None, partners=None, confirm=False):
        """Settle now (wizard, scripts): plan then execute in the current
        transaction. ``day``: settle the periods ended by that day, yesterday by
        default. ``confirm``: confirm and bill at once, else the settlements stay
        draft (their rows are taken: no other run settles them; they become
        ``settled`` at confirmation)."""
        day = day or fields.Date.context_today(self) - relativedelta(days=1)
        plan = self._revshare_plan(day, agreements=agreements, partners=partners)
        return self._revshare_execute(plan, confirm=confirm)

    @api.model
    def _revshare_plan(self, day, agreements=None, partners=None, companies=None):
        """What a settlement run on ``day`` would do, without writing anything.

        For each agreement with earned, unsettled rows, the target period is its
        last period ended by ``day``; an agreement already settled up to that period
        is skipped (a re-run creates nothing). Rows are taken when dated up to the
        period end and out of hold (``date <= day - hold_days``; the run's own
        adjustment rows are never held). ``min_payout``: an agreement whose positive
        balance is below it is left for the next period.

        A settlement covers, per partner, company and currency, from the first day
        after its agreements' last settlement (or their period start) to the
        latest period end: settlements of one agreement never overlap.

        Reads: a handful of grouped queries whatever the number of rows.

        :return: list of :class:`PlannedSettlement`, sorted by company, partner and
            currency.
        """
        self._revshare_lock_run()
        Line = self.env["revshare.line"].sudo()
        Agreement = self.env["revshare.agreement"].sudo()
        companies = companies or self.env.companies
        domain = [
            ("state", "=", "earned"),
            ("settlement_id", "=", False),
            # Rows a manager put on hold wait for their release.
            ("hold_reason", "=", False),
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
        periods = {
            a.id: Period(*a._revshare_last_closed_period(day)) for a in candidates
        }
        # Skip agreements already settled up to their target period.
        covered = {
            agreement.id: last
            for agreement, last in self.sudo()._read_group(
                [
                    ("workflow_state", "!=", "cancelled"),
                    ("agreement_ids", "in", candidates.ids),
                ],
                ["agreement_ids"],
                ["date_to:max"],
            )
        }
        todo = candidates.filtered(
            lambda a: not covered.get(a.id) or covered[a.id] < periods[a.id].end
        )
        if not todo:
            return []
        taken = self._revshare_take_rows(day, todo, periods, companies, partners)
        if not taken:
            return []

        # Per agreement: taken ids and amounts, and the periods they touch.
        agr_ids = defaultdict(list)
        agr_amount = defaultdict(float)
        agr_key = {}
        touched = defaultdict(set)  # agreement id -> period starts
        for group in taken:
            agreement = group.agreement
            agr_ids[agreement.id] += group.ids
            agr_amount[agreement.id] += group.amount
            agr_key[agreement.id] = (group.partner, group.company, group.currency)
            touched[agreement.id].add(agreement._revshare_period_start(group.month))
        agreements_taken = Agreement.browse(list(agr_ids))
        adjustments = self._revshare_plan_adjustments(agreements_taken, touched, taken)
        for vals in adjustments:
            agr_amount[vals["agreement_id"]] += vals["amount"]

        # Minimum payout: a small positive balance waits for the next period.
        kept = agreements_taken.filtered(
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
            date_from = min(periods[a.id].start for a in agrs)
            last_covered = [covered[a.id] for a in agrs if covered.get(a.id)]
            if last_covered:
                date_from = max(date_from, max(last_covered) + relativedelta(days=1))
            plan.append(
                PlannedSettlement(
                    partner=partner,
                    company=company,
                    currency=currency,
                    agreements=agrs,
                    line_ids=sorted(i for a in agrs for i in agr_ids[a.id]),
                    adjustments=[
                        v for v in adjustments if v["agreement_id"] in agrs.ids
                    ],
                    amount=currency.round(sum(agr_amount[a.id] for a in agrs)),
                    amount_carried=carried,
                    carried_from=prev if carried else self.browse(),
                    date_from=date_from,
                    date_to=max(periods[a.id].end for a in agrs),
                    date=day,
                )
            )
        plan.sort(key=lambda p: (p.company.id, p.partner.id, p.currency.id))
        return plan

    @api.model
    def _revshare_take_rows(self, day, agreements, periods, companies, partners):
        """The earned, free rows of ``agreements`` a run on ``day`` takes, as
        :class:`TakenRows` groups: dated up to their period end and out of hold;
        one OR-branch per distinct (period end, hold cutoff)."""
        by_cutoff = defaultdict(list)
        for agreement in agreements:
            end = periods[agreement.id].end
            hold_end = min(end, day - relativedelta(days=agreement.hold_days or 0))
            by_cutoff[(end, hold_end)].append(agreement.id)
        alternatives = [
            [
                "&",
                ("agreement_id", "in", ids),
                "|",
                "&",
                ("kind", "=", "adjustment"),
                ("date", "<=", end),
                ("date", "<=", hold_end),
            ]
            for (end, hold_end), ids in by_cutoff.items()
        ]
        domain = [
            ("state", "=", "earned"),
            ("settlement_id", "=", False),
            ("hold_reason", "=", False),
            ("company_id", "in", companies.ids),
        ]
        if partners:
            domain.append(("partner_id", "in", partners.ids))
        domain += ["|"] * (len(alternatives) - 1) + [
            leaf for alt in alternatives for leaf in alt
        ]
        groups = (
            self.env["revshare.line"]
            .sudo()
            ._read_group(
                domain,
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
        )
        return [TakenRows(*group) for group in groups]

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
        # Only the ledger: the totals of the new settlements are computed once,
        # after the UPDATE, instead of once empty and once again.
        self.env["revshare.line"].flush_model()
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
                    line_ids=[line_id for line_id, __ in pairs],
                    settlement_ids=[settlement_id for __, settlement_id in pairs],
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
        # The ORM did not see the UPDATE: recompute the totals (flushed by the
        # invalidation), forget cached rows.
        self.modified(["line_ids"])
        self.env.invalidate_all()
        self._check_lines()

    @api.model
    def _revshare_execute(self, plan, confirm=False, commit=False):
        """Create the settlements of a plan (:class:`PlannedSettlement` list): the
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
        )
        Line = self.env["revshare.line"].sudo()
        settlements = self.browse()
        done = 0
        for index in range(0, len(plan), CRON_BATCH_PARTNERS):
            batch = plan[index : index + CRON_BATCH_PARTNERS]
            if commit and index:
                # The previous commit ended the run's lock.
                self._revshare_lock_run()
            new_rows = Line.create([v for item in batch for v in item.adjustments])
            adjustment_rows, offset = [], 0
            for item in batch:
                count = len(item.adjustments)
                adjustment_rows.append(new_rows[offset : offset + count])
                offset += count
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
                .create([self._revshare_prepare_planned_vals(item) for item in batch])
                .with_env(self.sudo().env)
            )
            # Adjustments of journal-entry and vendor-bill agreements are booked
            # like their other rows (periodic ones are billed at confirmation).
            for settlement, rows in zip(
                batch_settlements, adjustment_rows, strict=True
            ):
                if rows.filtered(lambda r: r.settlement_mode != "periodic"):
                    rows._revshare_book(date=settlement.date_to, ref=settlement.name)
            batch_settlements._revshare_link_lines(
                [
                    item.line_ids + rows.ids
                    for item, rows in zip(batch, adjustment_rows, strict=True)
                ]
            )
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

    @api.model
    def _revshare_prepare_planned_vals(self, item):
        """Create values of the settlement of a :class:`PlannedSettlement`."""
        return {
            "partner_id": item.partner.id,
            "company_id": item.company.id,
            "currency_id": item.currency.id,
            "date_from": item.date_from,
            "date_to": item.date_to,
            "date": item.date,
            "agreement_ids": [Command.set(item.agreements.ids)],
            "amount_carried": item.amount_carried,
            "carried_from_id": item.carried_from.id or False,
        }
