from odoo import api, fields, models
from odoo.exceptions import ValidationError


class RevshareRuleTier(models.Model):
    """A step of a tiered rule: once the agreement's cumulative base of the settlement
    period reaches ``threshold``, ``rate`` applies."""

    _name = "revshare.rule.tier"
    _description = "Revenue Share Rule Tier"
    _order = "rule_id, sequence, threshold, id"

    rule_id = fields.Many2one(
        "revshare.rule", required=True, ondelete="cascade", index=True
    )
    agreement_id = fields.Many2one(related="rule_id.agreement_id", store=True)
    company_id = fields.Many2one(related="rule_id.company_id", store=True)
    currency_id = fields.Many2one(related="rule_id.currency_id")
    sequence = fields.Integer(default=10)
    threshold = fields.Monetary(
        required=True,
        default=0.0,
        help="Cumulative base of the settlement period (agreement currency) from "
        "which this tier's rate applies.",
    )
    rate = fields.Float(string="Rate (%)", digits=(16, 4), required=True)

    @api.constrains("threshold", "rate")
    def _check_values(self):
        for tier in self:
            if tier.rate < 0 or tier.rate > 100:
                raise ValidationError(
                    self.env._(
                        "The tier rate of rule %(rule)s must be between 0 and 100 "
                        "(it is %(rate)s).",
                        rule=tier.rule_id.display_name,
                        rate=tier.rate,
                    )
                )
            if tier.threshold < 0:
                raise ValidationError(
                    self.env._(
                        "The tier threshold of rule %(rule)s cannot be negative.",
                        rule=tier.rule_id.display_name,
                    )
                )

    @api.constrains("threshold", "sequence", "rule_id")
    def _check_ascending(self):
        for rule in self.rule_id:
            thresholds = rule.tier_ids.sorted(lambda t: (t.sequence, t.id)).mapped(
                "threshold"
            )
            if any(
                rule.currency_id.compare_amounts(low, high) >= 0
                for low, high in zip(thresholds, thresholds[1:], strict=False)
            ):
                raise ValidationError(
                    self.env._(
                        "The tiers of rule %(rule)s must have strictly ascending "
                        "thresholds. Reorder them or fix the thresholds.",
                        rule=rule.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        tiers = super().create(vals_list)
        tiers.rule_id._revshare_check_history_guard()
        return tiers

    def write(self, vals):
        rules = self.rule_id
        res = super().write(vals)
        (rules | self.rule_id)._revshare_check_history_guard()
        return res

    def unlink(self):
        # The ledger is read (sudo) before Odoo's unlink checks the access.
        self.check_access("unlink")
        rules = self.rule_id
        rules._revshare_check_history_guard()
        return super().unlink()
