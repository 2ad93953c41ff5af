from odoo import api, models
from odoo.exceptions import MissingError


class ReportRevshareStatement(models.AbstractModel):
    """The statement PDF of existing statements the user may read: a missing,
    zero, negative or another partner's id is refused with a clear error (the
    report route answers 4xx, as for Odoo's invoices), never rendered."""

    _name = "report.partner_revshare.report_revshare_statement"
    _description = "Revenue Share Statement Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        statements = self.env["revshare.settlement"].browse(docids)
        if not statements or len(statements.exists()) != len(statements):
            raise MissingError(
                self.env._("This statement does not exist, or no longer exists.")
            )
        statements.check_access("read")
        return {
            "doc_ids": statements.ids,
            "doc_model": statements._name,
            "docs": statements,
        }
