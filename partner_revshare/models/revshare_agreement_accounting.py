from odoo import models


class RevshareAgreement(models.Model):
    """Accounting setup of an agreement: the accounts, product and journal its
    documents use (the agreement's own, else the company's defaults)."""

    # One file per concept of the agreement (ARCHITECTURE.md): extended on purpose.
    # pylint: disable-next=consider-merging-classes-inherited
    _inherit = "revshare.agreement"

    def _revshare_get_expense_account(self):
        self.ensure_one()
        return self.expense_account_id or self.company_id.revshare_expense_account_id

    def _revshare_get_payable_account(self):
        self.ensure_one()
        return (
            self.payable_account_id
            or self.company_id.revshare_payable_account_id
            or self.partner_id.with_company(self.company_id).property_account_payable_id
        )

    def _revshare_row_terms(self):
        """Booking terms a new ledger row of this agreement is made with."""
        self.ensure_one()
        return {
            "settlement_mode": self.settlement_mode,
            "expense_account_id": self._revshare_get_expense_account().id,
            "payable_account_id": self._revshare_get_payable_account().id,
        }

    def _revshare_get_product(self):
        self.ensure_one()
        return self.product_id or self.company_id.revshare_product_id

    def _revshare_get_journal(self, journal_type="general"):
        """Journal of our documents: the agreement's when it has the right type, else
        the company default, else the first journal of that type."""
        self.ensure_one()
        if self.journal_id.type == journal_type:
            return self.journal_id
        if journal_type == "general":
            default = self.company_id.revshare_journal_id
        else:
            default = self.company_id.revshare_bill_journal_id
        if default and default.type == journal_type:
            return default
        return self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(self.company_id),
                ("type", "=", journal_type),
            ],
            limit=1,
        )
