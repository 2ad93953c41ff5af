from odoo import fields, models


class ResCompany(models.Model):
    """Company-level defaults of revenue-share agreements.

    An agreement without its own journal, accounts or bill product uses its
    company's when it books (``revshare.agreement._revshare_get_*``), so that a
    bookkeeper sets them once in the Accounting settings.
    """

    _inherit = "res.company"

    revshare_journal_id = fields.Many2one(
        comodel_name="account.journal",
        string="Revenue Share Journal",
        check_company=True,
        domain="[('type', '=', 'general')]",
        help="Miscellaneous journal of the entries that book what partners earned.",
    )
    revshare_bill_journal_id = fields.Many2one(
        comodel_name="account.journal",
        string="Revenue Share Bill Journal",
        check_company=True,
        domain="[('type', '=', 'purchase')]",
        help="Purchase journal of the vendor bills that pay partners their share. "
        "Empty: the company's first purchase journal.",
    )
    revshare_expense_account_id = fields.Many2one(
        comodel_name="account.account",
        string="Revenue Share Expense Account",
        check_company=True,
        domain="[('deprecated', '=', False), "
        "('account_type', 'in', ('expense', 'expense_direct_cost'))]",
        help="Expense account debited by the entries that book what partners earned.",
    )
    revshare_payable_account_id = fields.Many2one(
        comodel_name="account.account",
        string="Revenue Share Payable Account",
        check_company=True,
        domain="[('deprecated', '=', False), "
        "('account_type', '=', 'liability_payable')]",
        help="Account credited with what partners earned. Empty: each partner's "
        "payable account.",
    )
    revshare_product_id = fields.Many2one(
        comodel_name="product.product",
        string="Revenue Share Bill Product",
        check_company=True,
        domain="[('type', '=', 'service')]",
        help="Service product of the vendor bills that pay partners their share.",
    )
    revshare_adjustment_approval_amount = fields.Monetary(
        string="Revenue Share Adjustment Approval Amount",
        currency_field="currency_id",
        help="Manual adjustments above this amount (in the company currency, either "
        "sign) wait until a second revenue-share manager approves them. 0: none "
        "waits.",
    )
    revshare_alert_clawback_days = fields.Integer(
        string="Revenue Share Quick Clawback Days",
        default=30,
        help="A credit note dated within these days after a share of the invoice "
        "it reverses was settled or paid raises an alert.",
    )
    revshare_alert_spike_factor = fields.Float(
        string="Revenue Share Spike Factor",
        default=3.0,
        help="A beneficiary earning more in a month than this factor times its "
        "median of the six months before (three at least) raises an alert. 0: none.",
    )
    revshare_alert_discount = fields.Float(
        string="Revenue Share Deep Discount (%)",
        default=50.0,
        help="An invoice line with at least this discount that earns a share "
        "raises an alert. 0: none.",
    )
    revshare_alert_hold = fields.Boolean(
        string="Hold Self-Dealing Shares",
        default=True,
        help="The earned rows of a self-dealing alert are held until a manager "
        "dismisses the alert.",
    )
