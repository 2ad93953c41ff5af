from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount


class RevshareAgreementTerms(models.AbstractModel):
    """The terms of subscription and channel businesses: when a customer started
    with the agreement (the rules' customer months count from it), overrides (a
    share of other agreements' shares, for multi-level channels) and period
    bonuses."""

    _name = "revshare.agreement.terms"
    _inherit = ["revshare.agreement.portal"]
    _description = "Revenue Share Agreement: subscription and channel terms"

    customer_start = fields.Selection(
        [
            ("first_invoice", "First invoice"),
            ("referral_date", "Referral date"),
        ],
        required=True,
        default="first_invoice",
        tracking=True,
        help="When a customer's months start for the rules' customer months. First "
        "invoice: the date of the customer's first posted invoice this agreement "
        "applies to. Referral date: the customer's referral date (its first invoice "
        "when it has none).",
    )
    override_agreement_ids = fields.Many2many(
        "revshare.agreement",
        "revshare_agreement_override_rel",
        "agreement_id",
        "overridden_id",
        string="Share Of",
        check_company=True,
        help="Base Other partners' shares: whenever these agreements get rows "
        "(shares, clawbacks, reversals, earned parts), this agreement gets its rows "
        "on the same invoice lines and events, computed on their amount.",
    )
    overriding_agreement_ids = fields.Many2many(
        "revshare.agreement",
        "revshare_agreement_override_rel",
        "overridden_id",
        "agreement_id",
        string="Overridden By",
        readonly=True,
    )
    bonus_ids = fields.One2many(
        "revshare.bonus", "agreement_id", string="Period Bonuses", copy=True
    )
    # Stored: the settlement run reads it with the agreement's other columns, at
    # no extra query for the (many) agreements without bonuses.
    has_bonus = fields.Boolean(compute="_compute_has_bonus", store=True)

    @api.depends("bonus_ids")
    def _compute_has_bonus(self):
        for agreement in self:
            agreement.has_bonus = bool(agreement.bonus_ids)

    @api.constrains("base", "override_agreement_ids", "trigger")
    def _check_overrides(self):
        for agreement in self:
            sources = agreement.override_agreement_ids
            if sources and agreement.base != "shares":
                raise ValidationError(
                    self.env._(
                        "Agreement %(agreement)s shares other agreements' shares: "
                        "set its base to Other partners' shares, or empty Share Of.",
                        agreement=agreement.display_name,
                    )
                )
            if agreement in sources:
                raise ValidationError(
                    self.env._(
                        "Agreement %(agreement)s cannot be a share of its own shares: "
                        "remove it from Share Of.",
                        agreement=agreement.display_name,
                    )
                )
        self._revshare_check_override_cycle()
        # An override row is made with its source row, expected or earned alike.
        for agreement in self | self.overriding_agreement_ids:
            other = (
                agreement.override_agreement_ids | agreement.overriding_agreement_ids
            ).filtered(lambda a, agr=agreement: a.trigger != agr.trigger)
            if other:
                raise ValidationError(
                    self.env._(
                        "Agreement %(agreement)s and %(other)s are linked by an "
                        "override but earn at different times: give them the same "
                        "trigger.",
                        agreement=agreement.display_name,
                        other=other[0].display_name,
                    )
                )

    def _revshare_check_override_cycle(self):
        if self._has_cycle("override_agreement_ids"):
            raise ValidationError(
                self.env._(
                    "The overrides of %(agreements)s form a cycle (an agreement "
                    "would earn a share of its own shares): remove one of them from "
                    "Share Of.",
                    agreements=", ".join(self.mapped("display_name")),
                )
            )

    def _revshare_check_override_activable(self):
        """Refuse to activate an override agreement without its sources, or in a
        cycle of overrides."""
        for agreement in self.filtered(lambda a: a.base == "shares"):
            if not agreement.override_agreement_ids:
                raise UserError(
                    self.env._(
                        "Agreement %(agreement)s is a share of other partners' "
                        "shares: choose those agreements (Share Of) before "
                        "activating it.",
                        agreement=agreement.display_name,
                    )
                )
        self._revshare_check_override_cycle()

    def _revshare_has_tenure(self):
        """Whether one of the agreement's active rules depends on customer months."""
        self.ensure_one()
        return any(rule._revshare_has_tenure() for rule in self.rule_ids)

    def _revshare_portal_terms(self):
        terms = super()._revshare_portal_terms()
        _ = self.env._
        if self.base == "shares":
            base_label = _("Base")
            sentence = _(
                "Shares are computed on the shares of %s, on the same invoice "
                "lines and at the same time.",
                ", ".join(self.override_agreement_ids.mapped("partner_id.name")),
            )
            terms = [
                (label, sentence if label == base_label else text)
                for label, text in terms
            ]
        if self._revshare_has_tenure():
            terms.append(
                (
                    _("Customer months"),
                    _("A customer's months count from the day it was referred.")
                    if self.customer_start == "referral_date"
                    else _(
                        "A customer's months count from its first invoice under "
                        "this agreement."
                    ),
                )
            )
        if self.bonus_ids:
            terms.append((_("Bonus"), self._revshare_bonus_sentence()))
        return terms

    def _revshare_bonus_sentence(self):
        self.ensure_one()
        currency = self.currency_id
        # One message per bonus first: the translation extractor does not read a
        # message nested in another message's call.
        steps = [
            self.env._(
                "%(amount)s once the period's sales reach %(threshold)s",
                amount=format_amount(self.env, bonus.amount, currency),
                threshold=format_amount(self.env, bonus.threshold, currency),
            )
            for bonus in self.bonus_ids.sorted("threshold")
        ]
        return self.env._(
            "Per statement period: %s (the highest bonus reached is paid once).",
            "; ".join(steps),
        )
