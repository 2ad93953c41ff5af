from odoo import fields, models


class ResCompany(models.Model):
    """Company-level defaults of revenue-share agreements.

    New agreements take their journal, expense account and vendor-bill product
    from their company (see ``_revshare_default_accounts``), so that a
    bookkeeper sets them once in the Accounting settings.
    """

    _inherit = "res.company"

    revshare_journal_id = fields.Many2one(
        comodel_name="account.journal",
        string="Revenue Share Journal",
        check_company=True,
        domain="[('type', 'in', ('general', 'purchase'))]",
        help="Default journal of new revenue-share agreements: the journal of the "
        "entries (or vendor bills) that book what partners earned.",
    )
    revshare_expense_account_id = fields.Many2one(
        comodel_name="account.account",
        string="Revenue Share Expense Account",
        check_company=True,
        domain="[('deprecated', '=', False), "
        "('account_type', 'in', ('expense', 'expense_direct_cost'))]",
        help="Default expense account of new revenue-share agreements.",
    )
    revshare_product_id = fields.Many2one(
        comodel_name="product.product",
        string="Revenue Share Bill Product",
        check_company=True,
        domain="[('type', '=', 'service')]",
        help="Default service product of the vendor bills that pay partners their "
        "share.",
    )

    def _revshare_default_accounts(self):
        """Return the revenue-share defaults of this company as agreement values.

        Keys are field names of ``revshare.agreement``; a key is present only
        when the company has a value, so callers can ``update`` create values
        without overwriting what the user chose.
        """
        self.ensure_one()
        defaults = {
            "journal_id": self.revshare_journal_id.id,
            "expense_account_id": self.revshare_expense_account_id.id,
            "product_id": self.revshare_product_id.id,
        }
        return {key: value for key, value in defaults.items() if value}
