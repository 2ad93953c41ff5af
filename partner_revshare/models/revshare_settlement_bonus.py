from odoo import api, fields, models


class RevshareSettlementBonus(models.AbstractModel):
    """Period bonuses in the settlement run: per agreement and period touched by
    the run, the bonus of the highest threshold the period's base reached, less
    the bonuses already made for it, as one ``adjustment`` row
    (``adjustment_reason = 'bonus'``). A clawback that takes a settled period
    back under its threshold takes the bonus back at the next run."""

    _name = "revshare.settlement.bonus"
    _description = "Revenue Share Settlement Period Bonuses"
    _inherit = "revshare.settlement.terms"

    @api.model
    def _revshare_plan_adjustments(self, agreements, touched, taken):
        vals_list = super()._revshare_plan_adjustments(agreements, touched, taken)
        with_bonus = agreements.filtered("has_bonus")
        if not with_bonus:
            return vals_list
        bounds = self._revshare_touched_periods(with_bonus, touched)
        sums = self._revshare_period_sums(
            with_bonus, with_bonus.browse(), bounds, taken
        )
        today = fields.Date.context_today(self)
        Bonus = self.env["revshare.bonus"]
        for (agreement_id, start), period in sorted(bounds.items()):
            agreement = with_bonus.browse(agreement_id)
            currency = agreement.currency_id
            due = Bonus._revshare_bonus_due(agreement, sums.base[(agreement_id, start)])
            delta = currency.round(due - sums.adjusted[(agreement_id, start, "bonus")])
            if currency.is_zero(delta):
                continue
            vals_list.append(
                self._revshare_period_adjustment_vals(
                    agreement, period, "bonus", delta, today
                )
            )
        return vals_list
