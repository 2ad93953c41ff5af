from odoo import api, fields, models
from odoo.exceptions import ValidationError


class RevshareBonus(models.Model):
    """A period bonus of an agreement: once the base of a settlement period
    reaches ``threshold``, the settlement run adds ``amount`` (the bonus of the
    highest threshold reached, once per period), in the agreement currency."""

    _name = "revshare.bonus"
    _description = "Revenue Share Period Bonus"
    _order = "agreement_id, threshold, id"

    agreement_id = fields.Many2one(
        "revshare.agreement", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="agreement_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="agreement_id.currency_id")
    threshold = fields.Monetary(
        required=True,
        help="Base of the settlement period (agreement currency) from which the "
        "bonus is due.",
    )
    amount = fields.Monetary(
        required=True, help="Bonus paid for the period, in the agreement currency."
    )

    @api.constrains("threshold", "amount")
    def _check_values(self):
        for bonus in self:
            currency = bonus.currency_id
            if currency.compare_amounts(bonus.threshold, 0.0) <= 0:
                raise ValidationError(
                    self.env._(
                        "The bonus thresholds of agreement %(agreement)s must be "
                        "positive (one is %(threshold)s).",
                        agreement=bonus.agreement_id.display_name,
                        threshold=bonus.threshold,
                    )
                )
            if currency.compare_amounts(bonus.amount, 0.0) <= 0:
                raise ValidationError(
                    self.env._(
                        "The bonus amounts of agreement %(agreement)s must be "
                        "positive (one is %(amount)s).",
                        agreement=bonus.agreement_id.display_name,
                        amount=bonus.amount,
                    )
                )

    @api.model
    def _revshare_bonus_due(self, agreement, base):
        """The bonus ``agreement`` owes for a period of ``base``: the amount of the
        highest threshold reached, 0 below the first."""
        currency = agreement.currency_id
        due = 0.0
        for bonus in agreement.bonus_ids.sorted(lambda b: (b.threshold, b.id)):
            if currency.compare_amounts(base, bonus.threshold) >= 0:
                due = bonus.amount
        return due
