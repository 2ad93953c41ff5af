from collections import defaultdict

from odoo import fields, models

from .revshare_line import EARNED_STATES


class ResPartner(models.Model):
    """Partners as customers (who referred them) and as beneficiaries (their
    agreements and what they earned)."""

    _inherit = "res.partner"

    revshare_referrer_id = fields.Many2one(
        "res.partner",
        string="Referred By",
        index="btree_not_null",
        tracking=True,
        help="Partner who brought this customer (used by referral agreements).",
    )
    revshare_agreement_ids = fields.One2many(
        "revshare.agreement", "partner_id", string="Revenue Share Agreements"
    )
    revshare_agreement_count = fields.Integer(compute="_compute_revshare_amounts")
    revshare_currency_id = fields.Many2one(
        "res.currency", compute="_compute_revshare_amounts"
    )
    revshare_amount_earned = fields.Monetary(
        string="Revenue Share Earned",
        compute="_compute_revshare_amounts",
        currency_field="revshare_currency_id",
        help="Earned shares (settled or not), in the current company's currency.",
    )
    revshare_amount_due = fields.Monetary(
        string="Revenue Share Due",
        compute="_compute_revshare_amounts",
        currency_field="revshare_currency_id",
        help="Earned shares not settled yet, in the current company's currency.",
    )

    def _compute_revshare_amounts(self):
        """Totals of all partners in two grouped reads, for the current company."""
        company = self.env.company
        earned = defaultdict(float)
        due = defaultdict(float)
        counts = defaultdict(int)
        ids = [pid for pid in self._origin.ids if pid]
        if ids:
            groups = self.env["revshare.line"]._read_group(
                [
                    ("partner_id", "in", ids),
                    ("company_id", "=", company.id),
                    ("state", "in", EARNED_STATES),
                ],
                ["partner_id", "state"],
                ["amount_company:sum"],
            )
            for partner, state, amount in groups:
                earned[partner.id] += amount
                if state == "earned":
                    due[partner.id] += amount
            for partner, count in self.env["revshare.agreement"]._read_group(
                [("partner_id", "in", ids)], ["partner_id"], ["__count"]
            ):
                counts[partner.id] = count
        for partner in self:
            pid = partner._origin.id
            partner.revshare_currency_id = company.currency_id
            partner.revshare_amount_earned = earned[pid]
            partner.revshare_amount_due = due[pid]
            partner.revshare_agreement_count = counts[pid]

    def action_view_revshare_agreements(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Revenue Share Agreements"),
            "res_model": "revshare.agreement",
            "view_mode": "list,form",
            "domain": [("partner_id", "=", self.id)],
            "context": {"default_partner_id": self.id},
        }

    def action_view_revshare_lines(self):
        """Open the revenue-share rows of this beneficiary."""
        self.ensure_one()
        return self.env["revshare.line"]._revshare_action(
            [("partner_id", "=", self.id)]
        )
