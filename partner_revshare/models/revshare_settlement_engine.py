import logging
from collections import defaultdict, namedtuple
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import SQL

from .revshare_settlement_terms import Period

_logger = logging.getLogger(__name__)

# Rows settled per call of the cron (Odoo commits after each call): bounds the
# memory and the work a killed worker loses.
CRON_CHUNK_ROWS = 100000
# The system parameter that changes it (a smaller chunk commits more often).
CHUNK_ROWS_PARAM = "partner_revshare.settlement_chunk_rows"
# PostgreSQL advisory lock held by a settlement run until its transaction ends.
RUN_LOCK_KEY = 0x52535331  # "RSS1"

# The row field whose partner a settlement is for: the partner billed and paid
# (the statement's and vendor bill's partner), the one key of the grouping.
SETTLED_PARTNER_FIELD = "payee_id"
# The row fields of which a settlement holds one value: its company, payee and
# currency (checked by the ledger's guard on the rows that join it).
ROW_KEY_FIELDS = ("company_id", SETTLED_PARTNER_FIELD, "currency_id")

# One group of the rows a run takes (its grouped read): per payee, company,
# currency, agreement, month, kind and adjustment reason, the sums and the row ids.
TakenRows = namedtuple(
    "TakenRows",
    "partner company currency agreement month kind reason amount base_amount ids",
)


@dataclass
class PlannedSettlement:
    """One settlement a run will create: a payee's earned rows of one company
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
class SkippedAgreement:
    """An agreement in the scope of a run that the run leaves out, and why.
    ``reason``: ``company`` (not of the run's companies), ``nothing_due`` (no
    earned row left to settle up to the run's day), ``held`` (every row to
    settle is on a manager's hold), ``settled`` (already settled up to ``date``),
    ``period`` (its rows wait for the period ending after ``date``),
    ``hold_days`` (its rows are still within the agreement's hold days),
    ``min_payout`` (its balance ``amount`` is below the minimum payout)."""

    agreement: models.BaseModel
    reason: str
    date: object = None
    amount: float = 0.0


@dataclass
class AgreementTaken:
    """What a run takes of one agreement: the row ids, their total with the
    run's adjustments (``amount``), the settlement it goes in (``key``: partner,
    company, currency) and the starts of the periods its rows touch."""

    key: tuple
    ids: list = field(default_factory=list)
    amount: float = 0.0
    starts: set = field(default_factory=set)


@dataclass
class SettlementPlan:
    """What a settlement run will do: the settlements it creates
    (:class:`PlannedSettlement`, sorted by company, partner and currency) and
    the agreements it leaves out (:class:`SkippedAgreement`)."""

    settlements: list = field(default_factory=list)
    skipped: list = field(default_factory=list)

    def skip(self, agreements, reason, **values):
        self.skipped += [
            SkippedAgreement(agreement, reason, **values) for agreement in agreements
        ]


class RevshareSettlementEngine(models.AbstractModel):
    """The settlement run: plan with grouped reads, then create the statements
    (see ARCHITECTURE.md, "Settlements")."""

    _name = "revshare.settlement.engine"
    _description = "Revenue Share Settlement Engine"

    @api.model
    def _cron_settle(self, chunk_rows=None):
        """Daily: settle every agreement whose period has ended (up to yesterday),
        confirming and billing, one chunk of settlements per call, as Odoo's
        batched crons do: the chunk's settlements, their linked rows and bills
        commit together when the call returns, and the cron calls again while
        :meth:`ir.cron._notify_progress` says settlements remain. A worker
        killed in the middle loses its uncommitted chunk only; the next call
        plans again over the rows still free, so nothing is settled twice.
        ``chunk_rows``: rows per chunk (a chunk holds at least one settlement);
        by default the system parameter ``partner_revshare.settlement_chunk_rows``,
        else :data:`CRON_CHUNK_ROWS`."""
        if chunk_rows is None:
            # sudo: a technical setting read by the cron, not a user's data.
            chunk_rows = int(
                self.env["ir.config_parameter"]
                .sudo()
                .get_param(CHUNK_ROWS_PARAM, CRON_CHUNK_ROWS)
            )
        day = fields.Date.context_today(self) - relativedelta(days=1)
        # Every company, not only the cron user's current ones.
        companies = self.env["res.company"].sudo().search([])
        plan = self._revshare_plan(day, companies=companies)
        chunk = self._revshare_plan_chunk(plan, chunk_rows)
        settlements = self._revshare_execute(chunk, confirm="safe")
        done, remaining = (
            len(chunk.settlements),
            len(plan.settlements) - len(chunk.settlements),
        )
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        _logger.info(
            "Revenue share settlement run: %s settlements, %s left for the next call",
            done,
            remaining,
        )
        # The chunk is written: forget its rows, so that a long cron run's
        # memory does not grow with the chunks.
        self.env.flush_all()
        self.env.invalidate_all()
        return settlements

    @api.model
    def _revshare_plan_chunk(self, plan, chunk_rows):
        """The first settlements of ``plan`` (its order: company, payee,
        currency) up to ``chunk_rows`` rows, at least one, as a plan."""
        chunk = SettlementPlan(skipped=plan.skipped)
        rows = 0
        for item in plan.settlements:
            if chunk.settlements and rows + item.line_count > chunk_rows:
                break
            chunk.settlements.append(item)
            rows += item.line_count
        return chunk

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
        """What a settlement run on ``day`` would do, without writing anything:
        a :class:`SettlementPlan`, whose skipped agreements are all the "Settle
        now" preview says about what is not settled.

        For each agreement with earned, unsettled rows, the target period is its
        last period ended by ``day``; an agreement already settled up to that period
        is skipped (a re-run creates nothing). Rows are taken when dated up to the
        period end and out of hold (a manager's ``hold_reason``, and ``date <= day
        - hold_days``; the run's own adjustment rows are never held).
        ``min_payout``: an agreement whose positive balance is below it is left
        for the next period.

        A settlement covers, per partner, company and currency, from the first day
        after its agreements' last settlement (or their period start) to the
        latest period end: settlements of one agreement never overlap.

        Reads: a handful of grouped queries whatever the number of rows.
        """
        self._revshare_lock_run()
        companies = companies or self.env.companies
        plan = SettlementPlan()
        first_days = self._revshare_plan_candidates(
            plan, day, agreements, partners, companies
        )
        if not first_days:
            return plan
        Agreement = self.env["revshare.agreement"].sudo()
        candidates = Agreement.browse(a.id for a in first_days)
        periods = {
            a.id: Period(*a._revshare_last_closed_period(day)) for a in candidates
        }
        covered = self._revshare_covered_until(candidates)
        todo = candidates.filtered(
            lambda a: not covered.get(a.id) or covered[a.id] < periods[a.id].end
        )
        for agreement in candidates - todo:
            plan.skip(agreement, "settled", date=covered[agreement.id])
        if not todo:
            return plan
        taken = self._revshare_take_rows(day, todo, periods, companies, partners)
        by_agreement = self._revshare_taken_by_agreement(taken)
        for agreement in todo.filtered(lambda a: a.id not in by_agreement):
            end = periods[agreement.id].end
            if first_days[agreement] > end:
                plan.skip(agreement, "period", date=end)
            else:
                plan.skip(agreement, "hold_days")
        if not taken:
            return plan
        agreements_taken = Agreement.browse(list(by_agreement))
        adjustments = self._revshare_plan_adjustments(
            agreements_taken,
            {agreement_id: item.starts for agreement_id, item in by_agreement.items()},
            taken,
        )
        for vals in adjustments:
            by_agreement[vals["agreement_id"]].amount += vals["amount"]
        kept = self._revshare_apply_min_payout(plan, agreements_taken, by_agreement)
        self._revshare_plan_settlements(
            plan, day, kept, by_agreement, adjustments, periods, covered
        )
        return plan

    @api.model
    def _revshare_plan_candidates(self, plan, day, agreements, partners, companies):
        """{agreement: first day of its rows to settle} of the agreements with
        earned, free rows out of a manager's hold up to ``day``, in one grouped
        read; the agreements of the scope left out for that are added to
        ``plan``'s skipped ones (another company, all rows held, nothing due:
        these only when asked by ``agreements``)."""
        if agreements:
            elsewhere = agreements.filtered(lambda a: a.company_id not in companies)
            plan.skip(elsewhere, "company")
            agreements -= elsewhere
            if not agreements:
                return {}
        domain = [
            ("state", "=", "earned"),
            ("settlement_id", "=", False),
            ("date", "<=", day),
            ("company_id", "in", companies.ids),
        ]
        if agreements:
            domain.append(("agreement_id", "in", agreements.ids))
        if partners:
            domain.append((SETTLED_PARTNER_FIELD, "in", partners.ids))
        first_days = {}
        held = self.env["revshare.agreement"].sudo()
        for agreement, reason, first_day in (
            self.env["revshare.line"]
            .sudo()
            ._read_group(domain, ["agreement_id", "hold_reason"], ["date:min"])
        ):
            if reason:
                # Rows a manager put on hold wait for their release.
                held |= agreement
            else:
                first_days[agreement] = first_day
        plan.skip(held.filtered(lambda a: a not in first_days), "held")
        if agreements:
            plan.skip(
                agreements - held - held.browse(a.id for a in first_days),
                "nothing_due",
            )
        return first_days

    @api.model
    def _revshare_covered_until(self, agreements):
        """{agreement id: last day its live settlements cover}, one grouped read."""
        return {
            agreement.id: last
            for agreement, last in self.sudo()._read_group(
                [
                    ("workflow_state", "!=", "cancelled"),
                    ("agreement_ids", "in", agreements.ids),
                ],
                ["agreement_ids"],
                ["date_to:max"],
            )
        }

    @api.model
    def _revshare_taken_by_agreement(self, taken):
        """{agreement id: :class:`AgreementTaken`} of the :class:`TakenRows`
        groups ``taken``."""
        by_agreement = {}
        for group in taken:
            agreement = group.agreement
            item = by_agreement.setdefault(
                agreement.id,
                AgreementTaken(key=(group.partner, group.company, group.currency)),
            )
            item.ids += group.ids
            item.amount += group.amount
            item.starts.add(agreement._revshare_period_start(group.month))
        return by_agreement

    @api.model
    def _revshare_apply_min_payout(self, plan, agreements, by_agreement):
        """``agreements`` but those whose positive balance (:class:`AgreementTaken`
        of ``by_agreement``) is below their minimum payout: those wait for the
        next period (skipped in ``plan``)."""
        kept = agreements.browse()
        for agreement in agreements:
            amount = by_agreement[agreement.id].amount
            compare = agreement.currency_id.compare_amounts
            if (
                agreement.min_payout
                and compare(amount, 0) > 0
                and compare(amount, agreement.min_payout) < 0
            ):
                plan.skip(agreement, "min_payout", amount=amount)
            else:
                kept |= agreement
        return kept

    @api.model
    def _revshare_plan_settlements(
        self, plan, day, agreements, by_agreement, adjustments, periods, covered
    ):
        """Add to ``plan`` the settlements of ``agreements``: one per partner,
        company and currency, carrying the negative balance of the previous one
        when it was not billed."""
        groups = defaultdict(lambda: agreements.browse())
        for agreement in agreements:
            groups[by_agreement[agreement.id].key] |= agreement
        if not groups:
            return
        previous = self._revshare_previous_settlements(
            {key[0].id for key in groups}, {key[1].id for key in groups}
        )
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
            plan.settlements.append(
                PlannedSettlement(
                    partner=partner,
                    company=company,
                    currency=currency,
                    agreements=agrs,
                    line_ids=sorted(i for a in agrs for i in by_agreement[a.id].ids),
                    adjustments=[
                        v for v in adjustments if v["agreement_id"] in agrs.ids
                    ],
                    amount=currency.round(sum(by_agreement[a.id].amount for a in agrs)),
                    amount_carried=carried,
                    carried_from=prev if carried else self.browse(),
                    date_from=date_from,
                    date_to=max(periods[a.id].end for a in agrs),
                    date=day,
                )
            )
        plan.settlements.sort(key=lambda p: (p.company.id, p.partner.id, p.currency.id))

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
            domain.append((SETTLED_PARTNER_FIELD, "in", partners.ids))
        domain += ["|"] * (len(alternatives) - 1) + [
            leaf for alt in alternatives for leaf in alt
        ]
        groups = (
            self.env["revshare.line"]
            .sudo()
            ._read_group(
                domain,
                [
                    SETTLED_PARTNER_FIELD,
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
        per settlement) with one INSERT into the link table, through the
        ledger's guarded fast path; they become ``settled`` when the settlement
        is confirmed. Only rows still earned and free are taken: a concurrent
        run that took one of them makes this one fail rather than settle a row
        twice."""
        pairs = [
            (line_id, settlement.id)
            for settlement, ids in zip(self, line_ids_list, strict=True)
            for line_id in ids
        ]
        if not pairs:
            return
        rows = self.env["revshare.line"].sudo().browse(i for i, __ in pairs)
        # A row changed since this transaction began (a run committed meanwhile,
        # a payment undone emptying its partial) fails with a serialization
        # failure, left as it is: Odoo retries the request in a new
        # transaction, which plans again, and the cron calls again.
        rows._revshare_join_settlements([s for __, s in pairs])

    @api.model
    def _revshare_execute(self, plan, confirm=False):
        """Create the settlements of a :class:`SettlementPlan` in the current
        transaction: the adjustment rows and the settlements in batched creates,
        then the rows linked with one guarded ``UPDATE``; confirmed (and billed)
        when asked (``confirm="safe"``: a settlement that cannot be confirmed
        stays draft instead of failing the others). The cron commits a plan by
        chunks (:meth:`_cron_settle`)."""
        planned = plan.settlements
        if not planned:
            return self.browse()
        Line = self.env["revshare.line"].sudo()
        new_rows = Line.create([v for item in planned for v in item.adjustments])
        adjustment_rows, offset = [], 0
        for item in planned:
            count = len(item.adjustments)
            adjustment_rows.append(new_rows[offset : offset + count])
            offset += count
        # sudo: the run is allowed to revenue-share managers (menu, cron); the
        # settlements are built from the ledger only. No creation message per
        # settlement (thousands per run): the chatter starts at confirmation.
        settlements = (
            self.sudo()
            .with_context(
                tracking_disable=True,
                mail_create_nolog=True,
                mail_create_nosubscribe=True,
            )
            .create([self._revshare_prepare_planned_vals(item) for item in planned])
            .with_env(self.sudo().env)
        )
        # Adjustments of journal-entry and vendor-bill agreements are booked
        # like their other rows (periodic ones are billed at confirmation).
        for settlement, rows in zip(settlements, adjustment_rows, strict=True):
            if rows.filtered(lambda r: r.settlement_mode != "periodic"):
                rows._revshare_book(date=settlement.date_to, ref=settlement.name)
        settlements._revshare_link_lines(
            [
                item.line_ids + rows.ids
                for item, rows in zip(planned, adjustment_rows, strict=True)
            ]
        )
        if confirm == "safe":
            settlements._revshare_confirm_safe()
        elif confirm:
            settlements.action_confirm()
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
