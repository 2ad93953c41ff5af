from odoo import api, fields, models


class RevshareLinePayee(models.AbstractModel):
    """The partner a row is paid to (``payee_id``): its agreement's payee when
    the row was made, a frozen term like the beneficiary (``partner_id``).
    Booking and settling read it here, never from the agreement: the entry's
    payable, the vendor bill and the statement are the payee's. The beneficiary
    keeps what the row is about (tenure, rules, overrides)."""

    _name = "revshare.line.payee"
    _inherit = ["revshare.line.hooks"]
    _description = "Revenue Share Ledger Row: payee"

    payee_id = fields.Many2one(
        "res.partner",
        required=True,
        index=True,
        help="The partner paid for this row (its bill, payable and statement), as "
        "the agreement said when the row was made: the beneficiary, or the partner "
        "it delegates its payments to.",
    )

    @api.model
    def _revshare_partner_rows_domain(self, partners):
        """Rows of ``partners`` (and their contacts): those they earn as the
        beneficiary and those paid to them as the payee. The portal and the
        running account read them; the portal rule says the same."""
        return [
            "|",
            ("partner_id", "child_of", partners.ids),
            ("payee_id", "child_of", partners.ids),
        ]

    def _revshare_derived_field_names(self):
        # A reversal or an earned part of an expected row is paid to the same.
        return super()._revshare_derived_field_names() | {"payee_id"}
