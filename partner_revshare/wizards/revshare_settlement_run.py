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
        "res.partner",
        string="Payees",
        help="The partners paid (a statement each): a beneficiary delegating its "
        "payments is settled with its payee. Empty: every partner.",
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
            for item in plan.settlements
        ]
        self.preview_idle = self._revshare_skipped_text(plan)
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
        if not plan.settlements:
            raise UserError(
                self.env._("Nothing to settle up to %(day)s.", day=self.date)
                + "\n"
                + self._revshare_skipped_text(plan)
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

    def _revshare_skipped_text(self, plan):
        """The agreements the :class:`SettlementPlan` ``plan`` leaves out, one
        sentence each saying the plan's reason: the preview renders the plan,
        it does not judge again."""
        if not plan.skipped and not plan.settlements:
            return self.env._("No agreement has earned rows to settle.")
        return "\n".join(
            self.env._(
                "%(agreement)s: %(reason)s",
                agreement=skipped.agreement.display_name,
                reason=self._revshare_skip_reason(skipped),
            )
            for skipped in sorted(plan.skipped, key=lambda s: s.agreement.display_name)
        )

    def _revshare_skip_reason(self, skipped):
        """The sentence of a :class:`SkippedAgreement`'s reason."""
        _ = self.env._
        agreement = skipped.agreement
        currency = agreement.currency_id
        if skipped.reason == "company":
            return _(
                "it belongs to company %(company)s, which this run does not "
                "settle: select it in the company switcher.",
                company=agreement.company_id.display_name,
            )
        if skipped.reason == "held":
            return _("its rows to settle are on hold: release them to settle them.")
        if skipped.reason == "settled":
            return _(
                "already settled up to %(day)s.",
                day=format_date(self.env, skipped.date),
            )
        if skipped.reason == "period":
            return _(
                "its period has not ended: its rows wait for the period ending "
                "after %(end)s.",
                end=format_date(self.env, skipped.date),
            )
        if skipped.reason == "hold_days":
            return _(
                "its rows are on hold %(days)s days after they are earned.",
                days=agreement.hold_days,
            )
        if skipped.reason == "min_payout":
            return _(
                "%(due)s to settle, below the minimum payout of %(minimum)s.",
                due=format_amount(self.env, skipped.amount, currency),
                minimum=format_amount(self.env, agreement.min_payout, currency),
            )
        return _("nothing earned to settle.")
