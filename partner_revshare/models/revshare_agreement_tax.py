from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class RevshareAgreementTax(models.AbstractModel):
    """Taxes of an agreement's documents: whether its shares include the tax, the
    vendor taxes its bills get (as on a vendor bill typed by hand), and
    self-billing (the company issues the partner's invoice on its behalf)."""

    _name = "revshare.agreement.tax"
    _description = "Revenue Share Agreement: taxes and self-billing"

    share_tax_included = fields.Boolean(
        string="Shares Include Taxes",
        tracking=True,
        help="Off (default): a share is a tax-excluded amount and its bill adds the "
        "taxes. On: a share is what the partner is paid with the taxes, and its bill "
        "line computes the taxes as Odoo does for a tax-included price.",
    )
    self_billing = fields.Boolean(
        string="Self-Billing",
        tracking=True,
        help="The company issues the partner's invoices on its behalf: the bills "
        "take a number of the company's self-billing sequence and say so, and the "
        "statement is the partner's copy of the invoice.",
    )
    self_billing_accepted_date = fields.Date(
        string="Self-Billing Accepted On",
        tracking=True,
        help="The day the partner accepted in writing that the company issues its "
        "invoices (required by the EU VAT directive, article 224).",
    )

    @api.constrains("self_billing", "self_billing_accepted_date")
    def _check_self_billing_accepted_date(self):
        for agreement in self:
            if agreement.self_billing and not agreement.self_billing_accepted_date:
                raise ValidationError(
                    self.env._(
                        "Agreement %(agreement)s is self-billed: set the day the "
                        "partner accepted self-billing.",
                        agreement=agreement.display_name,
                    )
                )

    def _revshare_fiscal_position(self, partner=None):
        """The fiscal position of ``partner`` (default: the payee) in the
        agreement's company, as Odoo finds it for a vendor bill of that partner
        (set on the partner, else the automatic one)."""
        self.ensure_one()
        partner = (partner or self.payee_id).with_company(self.company_id)
        delivery = self.env["res.partner"].browse(
            partner.address_get(["delivery"])["delivery"]
        )
        return (
            self.env["account.fiscal.position"]
            .with_company(self.company_id)
            ._get_fiscal_position(partner, delivery=delivery)
        )

    def _revshare_bill_taxes(self, partner=None):
        """The taxes a vendor bill line of this agreement gets for ``partner``
        (default: the beneficiary), as Odoo gives them on a bill typed by hand
        (``account.move.line._get_computed_taxes``): the bill product's vendor
        taxes of the company, mapped by the partner's fiscal position. A product
        without vendor taxes gives none (the expense account's default taxes are
        not used: the share's taxes are the product's)."""
        self.ensure_one()
        company = self.company_id
        taxes = self._revshare_get_product().supplier_taxes_id.filtered_domain(
            self.env["account.tax"]._check_company_domain(company)
        )
        if taxes:
            taxes = taxes._filter_taxes_by_company(company)
        if taxes:
            # No tax, nothing to map: the fiscal position (a look-up per
            # partner) is only needed for a product with vendor taxes.
            fiscal_position = self._revshare_fiscal_position(partner)
            if fiscal_position:
                taxes = fiscal_position.map_tax(taxes)
        return taxes

    def _revshare_company_in_vat_country(self):
        """Whether the agreement's company is under VAT: it has a VAT number, or
        its fiscal country is in the European Union."""
        self.ensure_one()
        company = self.company_id
        europe = self.env.ref("base.europe", raise_if_not_found=False)
        return bool(
            company.vat
            or (europe and company.account_fiscal_country_id in europe.country_ids)
        )

    def _revshare_check_tax_activable(self):
        """Refuse to activate an ``entry`` agreement whose shares would bear a tax
        (a tax needs an invoice document), and a self-billing agreement without
        the partner's acceptance or, in a company under VAT, without the
        partner's VAT number."""
        for agreement in self:
            if agreement.settlement_mode == "entry":
                taxes = agreement._revshare_bill_taxes()
                if taxes:
                    raise UserError(
                        self.env._(
                            "Agreement %(agreement)s books journal entries, but its "
                            "shares bear %(taxes)s (product %(product)s, fiscal "
                            "position of %(partner)s): a tax needs an invoice. "
                            "Settle it by vendor bill (per event or periodic).",
                            agreement=agreement.display_name,
                            taxes=", ".join(taxes.mapped("name")),
                            product=agreement._revshare_get_product().display_name,
                            partner=agreement.payee_id.display_name,
                        )
                    )
            if not agreement.self_billing:
                continue
            if agreement.settlement_mode == "entry":
                raise UserError(
                    self.env._(
                        "Agreement %(agreement)s is self-billed but books journal "
                        "entries: self-billing issues invoices, settle it by vendor "
                        "bill (per event or periodic).",
                        agreement=agreement.display_name,
                    )
                )
            if not agreement.self_billing_accepted_date:
                raise UserError(
                    self.env._(
                        "Agreement %(agreement)s is self-billed: set the day the "
                        "partner accepted self-billing before activating it.",
                        agreement=agreement.display_name,
                    )
                )
            partner = agreement.payee_id.commercial_partner_id
            if agreement._revshare_company_in_vat_country() and not partner.vat:
                raise UserError(
                    self.env._(
                        "Agreement %(agreement)s is self-billed: the invoices the "
                        "company issues on behalf of %(partner)s must carry its VAT "
                        "number. Set the partner's Tax ID before activating it.",
                        agreement=agreement.display_name,
                        partner=partner.display_name,
                    )
                )
