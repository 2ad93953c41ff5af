from odoo import fields, models


class AccountMoveLine(models.Model):
    """Invoice lines know the revenue-share rows they produced."""

    _inherit = "account.move.line"

    revshare_line_ids = fields.One2many(
        "revshare.line", "invoice_line_id", string="Revenue Shares", readonly=True
    )
