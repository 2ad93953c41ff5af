from odoo import api, fields, models


class RevshareSettlementApproval(models.AbstractModel):
    """A settlement run first approves the rows that waited for approval longer
    than their agreement's hold days (``revshare.line._revshare_auto_approve``)."""

    _name = "revshare.settlement.approval"
    _description = "Revenue Share Settlement Auto-Approval"
    _inherit = "revshare.settlement.engine"

    @api.model
    def _cron_settle(self, **kwargs):
        self.env["revshare.line"]._revshare_auto_approve(
            fields.Date.context_today(self)
        )
        return super()._cron_settle(**kwargs)

    @api.model
    def _revshare_run(self, day=None, agreements=None, partners=None, confirm=False):
        self.env["revshare.line"]._revshare_auto_approve(
            fields.Date.to_date(day) or fields.Date.context_today(self)
        )
        return super()._revshare_run(
            day=day, agreements=agreements, partners=partners, confirm=confirm
        )
