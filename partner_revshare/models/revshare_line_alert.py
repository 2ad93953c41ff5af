from odoo import fields, models


class RevshareLineAlert(models.AbstractModel):
    """Rows earned after a self-dealing alert was raised on their invoice (a
    payment earns the shares posting only expected): they join the open alert
    and are held with its other rows, so that the alert keeps them out of
    settlements whichever event earns them."""

    _name = "revshare.line.alert"
    _inherit = ["revshare.line.hold"]
    _description = "Revenue Share Ledger Row: alerts"

    def _revshare_book(self, date=None, ref=None):
        moves = super()._revshare_book(date=date, ref=ref)
        earned = self.filtered(
            lambda r: r.kind == "share"
            and r.state == "earned"
            and r.amount > 0
            and r.invoice_id
            and not r.settlement_id
        )
        if earned:
            earned._revshare_join_alerts()
        return moves

    def _revshare_join_alerts(self):
        """Add these earned rows to the open self-dealing alerts of their
        agreement and invoice (one query) and hold them when the alert's company
        holds."""
        # sudo: alerts are internal; whoever posts a payment earns rows.
        alerts = (
            self.env["revshare.alert"]
            .sudo()
            .search(
                [
                    ("kind", "=", "self_dealing"),
                    ("state", "=", "open"),
                    ("invoice_id", "in", self.invoice_id.ids),
                ]
            )
        )
        for alert in alerts:
            rows = self.filtered(
                lambda r, alert=alert: r.invoice_id == alert.invoice_id
                and r.agreement_id == alert.agreement_id
                and r not in alert.line_ids
            )
            if rows:
                alert.line_ids = [fields.Command.link(row.id) for row in rows]
                alert._revshare_hold_rows()
