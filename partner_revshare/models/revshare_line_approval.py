from datetime import timedelta

from odoo import api, models

# Kinds of rows an event earns (a payment, a posted invoice): these wait for
# approval on an approval_required agreement. Reversals and the run's own
# adjustments follow the rows they are about.
EVENT_KINDS = ("share", "clawback")


class RevshareLineApproval(models.AbstractModel):
    """Rows of ``approval_required`` agreements wait as ``to_approve`` when they
    are earned; a manager approves them (``action_revshare_approve``, in bulk),
    or they are approved automatically after the agreement's hold days. An undone
    event cancels a row still waiting (it was never earned, booked nor
    settled)."""

    _name = "revshare.line.approval"
    _inherit = ["revshare.line.booking"]
    _description = "Revenue Share Ledger Row: approval"

    @api.model
    def _revshare_hold_for_approval(self, vals_list):
        """Create the rows an event earns on an ``approval_required`` (periodic)
        agreement as waiting for approval: ``vals_list`` is changed in place."""
        candidates = [
            vals
            for vals in vals_list
            if vals.get("state") == "earned"
            and vals.get("agreement_id")
            and vals.get("kind", "share") in EVENT_KINDS
            and not vals.get("adjustment_reason")
        ]
        if candidates:
            agreements = (
                self.env["revshare.agreement"]
                .sudo()
                .browse({vals["agreement_id"] for vals in candidates})
                .filtered(
                    lambda a: a.approval_required and a.settlement_mode == "periodic"
                )
            )
            for vals in candidates:
                if vals["agreement_id"] in agreements.ids:
                    vals["state"] = "to_approve"

    def _revshare_reverse(self, kind="reversal", date=None):
        # A row still waiting for approval is taken back by cancelling it.
        waiting = self.filtered(lambda r: r.state == "to_approve")
        if waiting:
            waiting.sudo().write({"state": "cancelled"})
        return super(RevshareLineApproval, self - waiting)._revshare_reverse(kind, date)

    @api.model
    def _revshare_auto_approve(self, day):
        """Approve the rows of ``approval_required`` agreements with hold days that
        waited those days by ``day``: nobody reviewed them in time, so they are
        settled like any other. Returns the rows approved."""
        Agreement = self.env["revshare.agreement"].sudo()
        approved = self.sudo().browse()
        agreements = Agreement.search(
            [("approval_required", "=", True), ("hold_days", ">", 0)]
        )
        for hold_days, group in agreements.grouped("hold_days").items():
            approved |= self.sudo().search(
                [
                    ("agreement_id", "in", group.ids),
                    ("state", "=", "to_approve"),
                    ("kind", "in", EVENT_KINDS),
                    ("date", "<=", day - timedelta(days=hold_days)),
                ]
            )
        if approved:
            approved.write({"state": "earned"})
            approved._revshare_post_operation(
                self.env._(
                    "Approved automatically after the agreement's hold days: %(amount)s"
                ),
                "",
            )
        return approved
