from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.partner_revshare.models.base import USER_GROUP


class RevshareAgreement(models.Model):
    """Agreements earn on payment: an invoice's share is earned as its cash comes in."""

    _inherit = "revshare.agreement"

    trigger = fields.Selection(
        selection_add=[("payment", "On Payment")],
        default="payment",
        # Uninstalling this addon leaves the agreements earning on invoice, not broken
        # (Odoo writes it in SQL for agreements whose rows fix their trigger).
        ondelete={"payment": "set invoice"},
    )
    payment_provider_ids = fields.Many2many(
        comodel_name="payment.provider",
        relation="revshare_agreement_payment_provider_rel",
        column1="agreement_id",
        column2="provider_id",
        string="Payment Providers",
        help="For a payment gateway: the agreement earns only on the part of an "
        "invoice paid through a transaction of one of these providers. Empty: any cash "
        "counts.",
    )
    # Counted by cash entry, a field of the books: internal users only.
    payment_line_count = fields.Integer(
        compute="_compute_payment_line_count",
        string="Rows Earned on Payments",
        groups="base.group_user",
    )

    @api.depends("line_ids.partial_id")
    def _compute_payment_line_count(self):
        counts = self.env["revshare.line"]._revshare_counts(
            "agreement_id", self, [("payment_move_id", "!=", False)]
        )
        for agreement in self:
            agreement.payment_line_count = counts.get(agreement, 0)

    @api.constrains("payment_provider_ids", "company_id")
    def _check_payment_provider_company(self):
        for agreement in self:
            foreign = agreement.payment_provider_ids.filtered(
                lambda p, a=agreement: p.company_id and p.company_id != a.company_id
            )
            if foreign:
                raise ValidationError(
                    _(
                        "Agreement %(agreement)s: the payment providers %(providers)s "
                        "belong to another company. Choose providers of %(company)s.",
                        agreement=agreement.display_name,
                        providers=", ".join(foreign.mapped("display_name")),
                        company=agreement.company_id.display_name,
                    )
                )

    def _revshare_check_activable(self):
        # A gateway's fee follows the cash of its transactions: it only makes sense
        # when the agreement earns on payment.
        res = super()._revshare_check_activable()
        for agreement in self:
            if agreement.payment_provider_ids and agreement.trigger != "payment":
                raise UserError(
                    _(
                        "Agreement %(agreement)s is restricted to payment providers "
                        "but earns when the invoice is posted. Set its trigger to "
                        "'On Payment' or remove the providers.",
                        agreement=agreement.display_name,
                    )
                )
        return res

    def _revshare_trigger_sentence(self):
        if self.trigger == "payment":
            return _(
                "A share is earned when the customer pays the invoice, in proportion "
                "to what is paid; until then it is shown as expected."
            )
        return super()._revshare_trigger_sentence()

    def action_view_payment_lines(self):
        """Open the rows this agreement earned from payments and their reversals."""
        self._revshare_check_group(USER_GROUP)
        self.ensure_one()
        return self.env["revshare.line"]._revshare_action(
            [("agreement_id", "=", self.id), ("payment_move_id", "!=", False)],
            {"default_agreement_id": self.id},
        )
