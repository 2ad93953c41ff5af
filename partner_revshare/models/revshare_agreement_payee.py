from odoo import api, fields, models
from odoo.exceptions import ValidationError


class RevshareAgreementPayee(models.AbstractModel):
    """The delegated payee of an agreement: the partner who is paid (an agency, a
    factoring company, the reseller's parent), the beneficiary by default. Its
    documents, payables and statements go to the payee; the beneficiary keeps
    the tenure, rules and overrides, and both read the account in the portal.
    A term of the rows (``revshare.line.payee_id``): fixed once the agreement
    has rows (``ROW_TERM_FIELDS``), changed through a new version."""

    _name = "revshare.agreement.payee"
    _description = "Revenue Share Agreement: delegated payee"

    payee_id = fields.Many2one(
        "res.partner",
        compute="_compute_payee_id",
        store=True,
        readonly=False,
        precompute=True,
        required=True,
        tracking=True,
        check_company=True,
        index=True,
        help="The partner who is paid: its vendor bills, payables and statements "
        "(an agency, a factoring company, the reseller's parent). By default the "
        "beneficiary. The beneficiary and the payee both read the account in the "
        "portal. Fixed once the agreement has rows: make a new version to change "
        "it.",
    )

    @api.depends("partner_id")
    def _compute_payee_id(self):
        # The beneficiary by default; a payee given with the beneficiary stays.
        for agreement in self:
            agreement.payee_id = agreement.partner_id

    @api.constrains("payee_id", "company_id")
    def _check_payee_id(self):
        for agreement in self:
            payee = agreement.payee_id
            if not payee.active:
                raise ValidationError(
                    self.env._(
                        "Agreement %(agreement)s: payee %(payee)s is archived. "
                        "Restore it or choose another payee.",
                        agreement=agreement.display_name,
                        payee=payee.display_name,
                    )
                )
            if payee.company_id and payee.company_id != agreement.company_id:
                raise ValidationError(
                    self.env._(
                        "Agreement %(agreement)s is of company %(company)s but its "
                        "payee %(payee)s belongs to company %(other)s. Choose a "
                        "payee shared between companies or of %(company)s.",
                        agreement=agreement.display_name,
                        company=agreement.company_id.display_name,
                        payee=payee.display_name,
                        other=payee.company_id.display_name,
                    )
                )
