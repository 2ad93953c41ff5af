from odoo import api, fields, models


class RevshareSettlementRunLine(models.TransientModel):
    """One settlement the run would create: the preview of one partner, company
    and currency."""

    _name = "revshare.settlement.run.line"
    _description = "Revenue Share Settlement Preview"

    run_id = fields.Many2one(
        "revshare.settlement.run", required=True, ondelete="cascade"
    )
    partner_id = fields.Many2one("res.partner", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    date_from = fields.Date(string="From", readonly=True)
    date_to = fields.Date(string="To", readonly=True)
    agreement_ids = fields.Many2many(
        "revshare.agreement", string="Agreements", readonly=True
    )
    line_count = fields.Integer(string="Rows", readonly=True)
    amount = fields.Monetary(string="Rows Amount", readonly=True)
    amount_carried = fields.Monetary(string="Carried Balance", readonly=True)
    amount_total = fields.Monetary(string="Total", compute="_compute_amount_total")

    @api.depends("amount", "amount_carried")
    def _compute_amount_total(self):
        for line in self:
            line.amount_total = line.amount + line.amount_carried
