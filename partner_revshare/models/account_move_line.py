from odoo import fields, models


class AccountMoveLine(models.Model):
    """Invoice lines know the revenue-share rows they produced."""

    _inherit = "account.move.line"

    revshare_line_ids = fields.One2many(
        "revshare.line", "invoice_line_id", string="Revenue Shares", readonly=True
    )
    revshare_tax_included = fields.Boolean(
        string="Revenue Share Tax Included",
        readonly=True,
        help="A line of our vendor bills whose price is a tax-included share: its "
        "taxes are computed as for a tax-included price, so that the line's total "
        "is the share.",
    )
