from odoo import api, fields, models
from odoo.exceptions import ValidationError


class RevshareAgreementApproval(models.AbstractModel):
    """Approval of what a periodic agreement earns before it is settled."""

    _name = "revshare.agreement.approval"
    _description = "Revenue Share Agreement: approval"

    approval_required = fields.Boolean(
        tracking=True,
        help="Periodic agreements: each share earned waits as To Approve until a "
        "revenue-share manager approves it (in bulk from the ledger or the review "
        "queue); with hold days, rows still waiting are approved automatically "
        "once the hold days have passed. Only approved rows are settled.",
    )

    @api.constrains("approval_required", "settlement_mode")
    def _check_approval_required(self):
        for agreement in self:
            if agreement.approval_required and agreement.settlement_mode != "periodic":
                raise ValidationError(
                    self.env._(
                        "Agreement %(agreement)s: only periodic agreements can "
                        "require approval (the other modes book each share at "
                        "once).",
                        agreement=agreement.display_name,
                    )
                )
