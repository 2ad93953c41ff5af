from odoo import models
from odoo.exceptions import UserError

# Terms that the ledger rows of an agreement are made with: fixed once it has rows.
ROW_TERM_FIELDS = (
    "partner_id",
    "payee_id",
    "company_id",
    "currency_id",
    "settlement_mode",
    "trigger",
    "base",
    "expense_account_id",
    "payable_account_id",
    "share_tax_included",
)


class RevshareAgreementAccounting(models.AbstractModel):
    """Accounting setup of an agreement: the accounts, product and journal its
    documents use (the agreement's own, else the company's defaults), and the
    booking terms its ledger rows are made with (fixed once it has rows)."""

    _name = "revshare.agreement.accounting"
    _description = "Revenue Share Agreement: accounting setup"

    def _revshare_get_expense_account(self):
        self.ensure_one()
        return self.expense_account_id or self.company_id.revshare_expense_account_id

    def _revshare_get_payable_account(self):
        self.ensure_one()
        return (
            self.payable_account_id
            or self.company_id.revshare_payable_account_id
            or self.payee_id.with_company(self.company_id).property_account_payable_id
        )

    def _revshare_row_terms(self):
        """Booking terms a new ledger row of this agreement is made with."""
        self.ensure_one()
        return {
            "payee_id": self.payee_id.id,
            "settlement_mode": self.settlement_mode,
            "expense_account_id": self._revshare_get_expense_account().id,
            "payable_account_id": self._revshare_get_payable_account().id,
        }

    def _revshare_check_row_terms(self, vals):
        """Refuse to change the terms that existing rows were made with: the rows
        keep them, so the agreement would no longer say what its ledger does."""
        changed = [fname for fname in ROW_TERM_FIELDS if fname in vals]
        if not changed or not self.ids:
            return
        used = self.browse(
            agreement.id
            for (agreement,) in self.env["revshare.line"]
            .sudo()
            ._read_group([("agreement_id", "in", self.ids)], ["agreement_id"])
        )
        for agreement in used:
            really = [
                fname
                for fname in changed
                if agreement._fields[fname].convert_to_write(
                    agreement[fname], agreement
                )
                != vals[fname]
            ]
            if really:
                raise UserError(
                    self.env._(
                        "Agreement %(agreement)s already has ledger rows, made with "
                        "its current %(fields)s: these cannot change any more. Use "
                        "New Version to start an agreement with the new terms.",
                        agreement=agreement.display_name,
                        fields=", ".join(
                            agreement._fields[fname]._description_string(self.env)
                            for fname in really
                        ),
                    )
                )

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

    def _revshare_check_accounting_activable(self):
        """Refuse to activate an agreement whose documents would miss a journal,
        an account or the bill product."""
        for agreement in self:
            if agreement.settlement_mode == "entry":
                if not agreement._revshare_get_expense_account():
                    raise UserError(
                        self.env._(
                            "Agreement %(agreement)s books journal entries: set its "
                            "expense account (or the default one in the Accounting "
                            "settings) before activating it.",
                            agreement=agreement.display_name,
                        )
                    )
                if not agreement._revshare_get_journal():
                    raise UserError(
                        self.env._(
                            "Agreement %(agreement)s books journal entries: set its "
                            "journal (or the default one in the Accounting settings) "
                            "before activating it.",
                            agreement=agreement.display_name,
                        )
                    )
            if agreement.settlement_mode in ("entry", "bill") and not (
                agreement._revshare_get_payable_account()
            ):
                raise UserError(
                    self.env._(
                        "Agreement %(agreement)s: payee %(partner)s has no payable "
                        "account. Set one on the agreement or on the payee.",
                        agreement=agreement.display_name,
                        partner=agreement.payee_id.display_name,
                    )
                )
            if agreement.settlement_mode in ("bill", "periodic"):
                if not agreement._revshare_get_product():
                    raise UserError(
                        self.env._(
                            "Agreement %(agreement)s makes vendor bills: set the "
                            "service product used on the bills (on the agreement or "
                            "in the Accounting settings) before activating it.",
                            agreement=agreement.display_name,
                        )
                    )
                if not agreement._revshare_get_journal("purchase"):
                    raise UserError(
                        self.env._(
                            "Agreement %(agreement)s makes vendor bills but company "
                            "%(company)s has no purchase journal.",
                            agreement=agreement.display_name,
                            company=agreement.company_id.display_name,
                        )
                    )
