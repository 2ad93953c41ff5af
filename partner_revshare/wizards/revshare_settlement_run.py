from collections import defaultdict

from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_date


class RevshareSettlementRun(models.TransientModel):
    """The "Settle now" wizard: choose partners, agreements and the day; preview
    what the run would settle (per partner: rows, amount, carried balance) and
    create the settlements only when confirmed."""

    _name = "revshare.settlement.run"
    _description = "Revenue Share Settlement Run"

    date = fields.Date(
        string="Periods Ended By",
        required=True,
        default=lambda self: fields.Date.context_today(self) - relativedelta(days=1),
        help="Each agreement is settled up to the end of its last period ended by "
        "this day; rows on hold are those earned less than the agreement's hold "
        "days before it.",
    )
    partner_ids = fields.Many2many(
        "res.partner", string="Partners", help="Empty: every partner."
    )
    agreement_ids = fields.Many2many(
        "revshare.agreement", string="Agreements", help="Empty: every agreement."
    )
    confirm_settlements = fields.Boolean(
        string="Confirm and Bill",
        default=True,
        help="Confirm the new settlements at once (creating the vendor bills of the "
        "periodic agreements); otherwise they stay draft for review.",
    )
    state = fields.Selection(
        [("choose", "Choose"), ("preview", "Preview")], default="choose"
    )
    preview_line_ids = fields.One2many(
        "revshare.settlement.run.line", "run_id", string="Preview", readonly=True
    )
    preview_idle = fields.Text(
        string="Not Settled",
        readonly=True,
        help="Agreements the run leaves out, and why.",
    )

    def _plan(self):
        self.ensure_one()
        if self.date > fields.Date.context_today(self):
            raise UserError(
                self.env._(
                    "The settlement day %(day)s is in the future: periods can only be "
                    "settled once they have ended.",
                    day=self.date,
                )
            )
        return self.env["revshare.settlement"]._revshare_plan(
            self.date,
            agreements=self.agreement_ids or None,
            partners=self.partner_ids or None,
        )

    def action_preview(self):
        """Fill the preview; nothing is created."""
        self._revshare_check_group()
        self.ensure_one()
        plan = self._plan()
        self.preview_line_ids = [fields.Command.clear()] + [
            fields.Command.create(
                {
                    "partner_id": item.partner.id,
                    "company_id": item.company.id,
                    "currency_id": item.currency.id,
                    "date_from": item.date_from,
                    "date_to": item.date_to,
                    "agreement_ids": [fields.Command.set(item.agreements.ids)],
                    "line_count": item.line_count,
                    "amount": item.amount,
                    "amount_carried": item.amount_carried,
                }
            )
            for item in plan
        ]
        self.preview_idle = "\n".join(self._revshare_idle_reasons(plan))
        self.state = "preview"
        return self._get_records_action(target="new")

    def action_back(self):
        self._revshare_check_group()
        self.ensure_one()
        self.preview_line_ids = [fields.Command.clear()]
        self.state = "choose"
        return self._get_records_action(target="new")

    def action_settle(self):
        """Create the settlements (planned again: the ledger may have moved since the
        preview) and show them."""
        self._revshare_check_group()
        self.ensure_one()
        plan = self._plan()
        if not plan:
            raise UserError(
                self.env._("Nothing to settle up to %(day)s.", day=self.date)
                + "\n"
                + "\n".join(self._revshare_idle_reasons(plan))
            )
        settlements = self.env["revshare.settlement"]._revshare_execute(
            plan, confirm=self.confirm_settlements
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Settlements"),
            "res_model": "revshare.settlement",
            "view_mode": "list,form",
            "domain": [("id", "in", settlements.ids)],
        }

    def _revshare_idle_reasons(self, plan):
        """Why each agreement in scope is not in ``plan``, one sentence each, in
        the order the run checks: nothing earned, period not over, rows on hold,
        already settled, below the minimum payout. Two grouped reads."""
        self.ensure_one()
        _ = self.env._
        planned = {a.id for item in plan for a in item.agreements}
        Agreement = self.env["revshare.agreement"]
        agreements = self.agreement_ids or Agreement.search(
            [("state", "in", ("active", "suspended", "expired"))]
            + ([("partner_id", "in", self.partner_ids.ids)] if self.partner_ids else [])
        )
        agreements = agreements.filtered(lambda a: a.id not in planned)
        if not agreements:
            return []
        # sudo: sums of the ledger for whoever may run settlements.
        rows = defaultdict(list)
        domain = [
            ("agreement_id", "in", agreements.ids),
            ("state", "=", "earned"),
            ("settlement_id", "=", False),
        ]
        if self.partner_ids:
            domain.append(("partner_id", "in", self.partner_ids.ids))
        for agreement, day, amount in (
            self.env["revshare.line"]
            .sudo()
            ._read_group(domain, ["agreement_id", "date:day"], ["amount:sum"])
        ):
            rows[agreement.id].append((day, amount))
        covered = {
            agreement.id: last
            for agreement, last in self.env["revshare.settlement"]
            .sudo()
            ._read_group(
                [
                    ("workflow_state", "!=", "cancelled"),
                    ("agreement_ids", "in", agreements.ids),
                ],
                ["agreement_ids"],
                ["date_to:max"],
            )
        }
        if not self.agreement_ids:
            # Unasked, agreements with nothing earned are not worth a line each.
            agreements = agreements.filtered(lambda a: rows[a.id])
            if not agreements:
                return [_("No agreement has earned rows to settle.")]
        reasons = []
        for agreement in agreements:
            currency = agreement.currency_id
            end = agreement._revshare_last_closed_period(self.date)[1]
            hold_end = min(end, self.date - relativedelta(days=agreement.hold_days))
            days = rows[agreement.id]
            due = sum(amount for day, amount in days if day <= hold_end)
            if not days:
                reason = _("nothing earned to settle.")
            elif all(day > end for day, __ in days):
                reason = _(
                    "its period has not ended: its rows wait for the period "
                    "ending after %(end)s.",
                    end=format_date(self.env, end),
                )
            elif all(day > hold_end for day, __ in days):
                reason = _(
                    "its rows are on hold %(days)s days after they are earned.",
                    days=agreement.hold_days,
                )
            elif covered.get(agreement.id) and covered[agreement.id] >= end:
                reason = _(
                    "already settled up to %(day)s.",
                    day=format_date(self.env, covered[agreement.id]),
                )
            elif currency.compare_amounts(due, agreement.min_payout) < 0:
                reason = _(
                    "%(due)s to settle, below the minimum payout of %(minimum)s.",
                    due=format_amount(self.env, due, currency),
                    minimum=format_amount(self.env, agreement.min_payout, currency),
                )
            else:
                continue
            reasons.append(f"{agreement.display_name}: {reason}")
        return reasons
