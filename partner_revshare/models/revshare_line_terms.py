from odoo import fields, models

from .revshare_line import RevshareLine as RevshareLineBase


class RevshareLine(models.Model):
    """The terms of subscription and channel businesses frozen on a row: the
    customer's tenure the rules were matched with, the agreement whose share an
    override row is a share of, and the bonus adjustments of the settlement run."""

    # pylint: disable-next=consider-merging-classes-inherited
    _inherit = "revshare.line"

    # A reversal or an earned part of an expected row keeps them too.
    _revshare_derived_fields = RevshareLineBase._revshare_derived_fields + (
        "customer_month",
        "overridden_agreement_id",
    )

    customer_month = fields.Integer(
        help="The customer's age with the agreement, in whole months at the invoice "
        "date, that chose the rule (0: the first month). Only computed for "
        "agreements whose rules depend on it; frozen on the row.",
    )
    overridden_agreement_id = fields.Many2one(
        "revshare.agreement",
        string="Share Of",
        ondelete="restrict",
        index="btree_not_null",
        help="An override row: the agreement whose share on this invoice line is "
        "this row's base.",
    )
    adjustment_reason = fields.Selection(
        selection_add=[("bonus", "Period bonus")],
        ondelete={"bonus": "set null"},
    )
