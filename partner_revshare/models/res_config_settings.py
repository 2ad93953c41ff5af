from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    """Revenue-share defaults in the Accounting settings (stored on the company)."""

    _inherit = "res.config.settings"

    revshare_journal_id = fields.Many2one(
        related="company_id.revshare_journal_id",
        readonly=False,
        check_company=True,
        domain="[('type', '=', 'general')]",
    )
    revshare_bill_journal_id = fields.Many2one(
        related="company_id.revshare_bill_journal_id",
        readonly=False,
        check_company=True,
        domain="[('type', '=', 'purchase')]",
    )
    revshare_expense_account_id = fields.Many2one(
        related="company_id.revshare_expense_account_id",
        readonly=False,
        check_company=True,
        domain="[('deprecated', '=', False), "
        "('account_type', 'in', ('expense', 'expense_direct_cost'))]",
    )
    revshare_payable_account_id = fields.Many2one(
        related="company_id.revshare_payable_account_id",
        readonly=False,
        check_company=True,
        domain="[('deprecated', '=', False), "
        "('account_type', '=', 'liability_payable')]",
    )
    revshare_product_id = fields.Many2one(
        related="company_id.revshare_product_id",
        readonly=False,
        check_company=True,
        domain="[('type', '=', 'service')]",
    )
    revshare_adjustment_approval_amount = fields.Monetary(
        related="company_id.revshare_adjustment_approval_amount",
        currency_field="currency_id",
        readonly=False,
    )
    revshare_alert_clawback_days = fields.Integer(
        related="company_id.revshare_alert_clawback_days", readonly=False
    )
    revshare_alert_spike_factor = fields.Float(
        related="company_id.revshare_alert_spike_factor", readonly=False
    )
    revshare_alert_discount = fields.Float(
        related="company_id.revshare_alert_discount", readonly=False
    )
    revshare_alert_hold = fields.Boolean(
        related="company_id.revshare_alert_hold", readonly=False
    )
