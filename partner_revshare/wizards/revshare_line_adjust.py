from odoo import api, fields, models


class RevshareLineAdjust(models.TransientModel):
    """Add a manual adjustment to a partner's account for an agreement: a signed
    amount with the reason the partner reads (``revshare.line``
    ``_revshare_create_manual_adjustment`` checks and writes it)."""

    _name = "revshare.line.adjust"
    _description = "Revenue Share Manual Adjustment"

    agreement_id = fields.Many2one(
        "revshare.agreement",
        required=True,
        domain="[('state', 'in', ('active', 'suspended', 'expired'))]",
    )
    partner_id = fields.Many2one(related="agreement_id.partner_id")
    company_id = fields.Many2one(related="agreement_id.company_id")
    currency_id = fields.Many2one(related="agreement_id.currency_id")
    amount = fields.Monetary(
        required=True,
        help="Added to what the partner earned (negative: taken off), in the "
        "agreement currency.",
    )
    note = fields.Text(
        string="Reason",
        required=True,
        help="Shown to the partner on the statement and the portal.",
    )
    invoice_id = fields.Many2one(
        "account.move",
        domain="[('company_id', '=', company_id), ('state', '=', 'posted'), "
        "('move_type', 'in', ('out_invoice', 'out_refund'))]",
        help="The customer invoice this adjustment is about, if any.",
    )
    date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        help="When the adjustment is earned; in a locked period, the first open day.",
    )
    needs_approval = fields.Boolean(compute="_compute_needs_approval")

    @api.depends("amount", "agreement_id", "date")
    def _compute_needs_approval(self):
        for wizard in self:
            threshold = wizard.company_id.revshare_adjustment_approval_amount
            amount_company = (
                wizard.currency_id._convert(
                    abs(wizard.amount),
                    wizard.company_id.currency_id,
                    wizard.company_id,
                    wizard.date or fields.Date.context_today(wizard),
                )
                if wizard.agreement_id
                else 0.0
            )
            wizard.needs_approval = bool(threshold) and (
                wizard.company_id.currency_id.compare_amounts(amount_company, threshold)
                > 0
            )

    def action_confirm(self):
        self._revshare_check_group()
        self.ensure_one()
        row = self.env["revshare.line"]._revshare_create_manual_adjustment(
            self.agreement_id,
            self.amount,
            self.note,
            day=self.date,
            invoice=self.invoice_id,
        )
        return self.env["revshare.line"]._revshare_action([("id", "=", row.id)])
