from odoo import fields, models


class RevshareLineTerms(models.AbstractModel):
    """The terms of subscription and channel businesses frozen on a row: the
    customer's tenure the rules were matched with, and the agreement whose share an
    override row is a share of."""

    _name = "revshare.line.terms"
    _inherit = ["revshare.line.hooks"]
    _description = "Revenue Share Ledger Row: subscription and channel terms"

    customer_month = fields.Integer(
        help="The customer's age with the agreement, in whole months at the invoice "
        "date, that chose the rule (0: the first month). Only computed for "
        "agreements whose rules depend on it; frozen on the row.",
    )
    customer_invoice = fields.Integer(
        help="The number of the invoice among its customer's invoices under the "
        "agreement, from 1 (a credit note: the invoice it reverses), that chose the "
        "rule. Only computed for agreements whose rules depend on it (0 otherwise); "
        "frozen on the row.",
    )
    overridden_agreement_id = fields.Many2one(
        "revshare.agreement",
        string="Share Of",
        ondelete="restrict",
        index="btree_not_null",
        help="An override row: the agreement whose share on this invoice line is "
        "this row's base.",
    )

    def _revshare_derived_field_names(self):
        # A reversal or an earned part of an expected row keeps them too.
        return super()._revshare_derived_field_names() | {
            "customer_month",
            "customer_invoice",
            "overridden_agreement_id",
        }
