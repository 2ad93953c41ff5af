from dateutil.relativedelta import relativedelta

from odoo import fields, models
from odoo.exceptions import UserError


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
        self.state = "preview"
        return self._get_records_action(target="new")

    def action_back(self):
        self.ensure_one()
        self.preview_line_ids = [fields.Command.clear()]
        self.state = "choose"
        return self._get_records_action(target="new")

    def action_settle(self):
        """Create the settlements (planned again: the ledger may have moved since the
        preview) and show them."""
        self.ensure_one()
        plan = self._plan()
        if not plan:
            raise UserError(
                self.env._(
                    "Nothing to settle up to %(day)s: every earned row is already "
                    "settled, on hold, below its minimum payout, or in a period that "
                    "has not ended.",
                    day=self.date,
                )
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
