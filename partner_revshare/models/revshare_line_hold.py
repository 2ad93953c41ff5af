from odoo import api, fields, models
from odoo.exceptions import UserError

from .revshare_line_states import EARNED_STATES


class RevshareLineHold(models.AbstractModel):
    """Holds and declines: a manager keeps earned rows out of settlements while
    checking them (``hold_reason``, shown to the partner), releases them, or
    declines them (fraud, a chargeback outside Odoo) with a reversal row that
    carries the reason: a row is never deleted."""

    _name = "revshare.line.hold"
    _inherit = ["revshare.line.portal", "revshare.line.booking", "revshare.line.hooks"]
    _description = "Revenue Share Ledger Row: holds and declines"

    hold_reason = fields.Char(
        help="Why this earned row is kept out of settlements until a manager "
        "releases it; shown to the partner. Empty: not on hold.",
    )

    def _revshare_mutable_field_names(self):
        # A hold is put on and taken off an earned row: not a change of what it is.
        return super()._revshare_mutable_field_names() | {"hold_reason"}

    @api.model
    def _revshare_decline_domain(self):
        """Reversal rows written by a decline: a manager's decision, not an event
        of the invoice or its payments (the integrity check leaves them out of
        what the events earned)."""
        return [("kind", "=", "reversal"), ("note", "!=", False)]

    def _revshare_hold(self, reason):
        """Put these earned, unsettled rows on hold with ``reason``: the settlement
        run skips them until they are released."""
        self._revshare_check_group()
        _ = self.env._
        reason = (reason or "").strip()
        if not reason:
            raise UserError(_("Give the reason of the hold: the partner reads it."))
        for row in self:
            if row.state != "earned" or row.settlement_id:
                raise UserError(
                    _(
                        "Row %(row)s cannot be put on hold: only earned rows not in "
                        "a settlement can (cancel the draft settlement first).",
                        row=row.display_name,
                    )
                )
            if row.hold_reason:
                raise UserError(
                    _("Row %(row)s is already on hold.", row=row.display_name)
                )
        # sudo: the ledger is read-only to users; managers hold rows through here.
        self.sudo().write({"hold_reason": reason})
        self._revshare_post_operation(_("Put on hold: %(amount)s"), reason)
        return True

    def action_revshare_release(self):
        """Release rows from hold: the next settlement run takes them."""
        self._revshare_check_group()
        for row in self:
            if not row.hold_reason:
                raise UserError(
                    self.env._("Row %(row)s is not on hold.", row=row.display_name)
                )
        # sudo: see _revshare_hold.
        self.sudo().write({"hold_reason": False})
        self._revshare_post_operation(self.env._("Released from hold: %(amount)s"), "")
        return True

    def _revshare_decline(self, reason):
        """Decline earned (or settled) rows: a reversal row with ``reason`` negates
        each and its accounting is reversed; a held row is released so that it and
        its reversal settle together (net nothing). Returns the reversal rows."""
        self._revshare_check_group()
        _ = self.env._
        reason = (reason or "").strip()
        if not reason:
            raise UserError(_("Give the reason of the decline: the partner reads it."))
        for row in self:
            if (
                row.state not in EARNED_STATES
                or row.kind == "reversal"
                or row.reversal_line_ids
            ):
                raise UserError(
                    _(
                        "Row %(row)s cannot be declined: only earned rows not "
                        "reversed yet can (reject an adjustment waiting for "
                        "approval instead).",
                        row=row.display_name,
                    )
                )
        held = self.filtered("hold_reason")
        if held:
            held.sudo().write({"hold_reason": False})
        reversals = self.with_context(
            revshare_decline_reason=reason
        )._revshare_reverse()
        self._revshare_post_operation(_("Declined: %(amount)s"), reason)
        return reversals.with_env(self.env)

    def _revshare_reversal_extra_vals(self):
        vals = super()._revshare_reversal_extra_vals()
        # The reason of a decline is the reversal's note (set by _revshare_decline).
        reason = self.env.context.get("revshare_decline_reason")
        if reason:
            vals["note"] = reason
        return vals

    def _revshare_portal_values(self):
        values = super()._revshare_portal_values()
        on_hold = self.env._("On hold")
        for row, vals in zip(self, values, strict=True):
            vals["hold_reason"] = row.hold_reason or ""
            if row.hold_reason and vals["state"] == "earned":
                vals["state_label"] = on_hold
        return values
