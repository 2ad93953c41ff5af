from odoo import api, fields, models
from odoo.exceptions import UserError

from .base import USER_GROUP


class RevshareAlert(models.Model):
    """A suspicion on shares, raised before money leaves: a beneficiary who
    refers itself (``self_dealing``), a credit note right after a share was
    settled (``quick_clawback``), a month far above the beneficiary's usual
    (``spike``), a deep discount that still earns (``deep_discount``). A manager
    dismisses it (the held rows are released) or confirms it (the rows are
    declined). Internal: portal users never read it. Detection:
    ``revshare.alert.detection``."""

    _name = "revshare.alert"
    _inherit = ["revshare.alert.detection", "mail.thread"]
    _description = "Revenue Share Alert"
    _order = "create_date desc, id desc"
    _check_company_auto = True

    kind = fields.Selection(
        [
            ("self_dealing", "Self-dealing"),
            ("quick_clawback", "Quick clawback"),
            ("spike", "Spike"),
            ("deep_discount", "Deep discount"),
        ],
        required=True,
        readonly=True,
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    partner_id = fields.Many2one(
        "res.partner", string="Beneficiary", required=True, readonly=True, index=True
    )
    agreement_id = fields.Many2one(
        "revshare.agreement", readonly=True, index="btree_not_null"
    )
    customer_id = fields.Many2one("res.partner", readonly=True)
    invoice_id = fields.Many2one(
        "account.move", readonly=True, index="btree_not_null", ondelete="set null"
    )
    month = fields.Date(
        readonly=True, help="First day of the month of a spike: one alert a month."
    )
    line_ids = fields.Many2many(
        "revshare.line", string="Ledger Rows", readonly=True, copy=False
    )
    amount = fields.Monetary(
        string="Amount at Stake",
        readonly=True,
        help="What the rows of the alert earn, in company currency.",
    )
    reason = fields.Text(readonly=True, help="What matched.")
    state = fields.Selection(
        [("open", "To Review"), ("dismissed", "Dismissed"), ("confirmed", "Confirmed")],
        required=True,
        default="open",
        readonly=True,
        index=True,
        tracking=True,
    )
    note = fields.Text(help="The manager's conclusion; required to dismiss.")
    key = fields.Char(
        readonly=True,
        copy=False,
        help="Kind, agreement and invoice (or beneficiary and month, for a "
        "spike): an alert found again is not duplicated.",
    )

    _sql_constraints = [
        ("key_unique", "unique(key)", "This alert exists already."),
    ]

    @api.depends("kind", "partner_id", "invoice_id")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for alert in self:
            alert.display_name = " - ".join(
                part
                for part in (
                    kinds.get(alert.kind),
                    alert.partner_id.name,
                    alert.sudo().invoice_id.name,
                )
                if part
            )

    def write(self, vals):
        # Managers write the note; the rest is the detection's and the buttons'.
        if not self.env.su and set(vals) - {"note"}:
            raise UserError(
                self.env._("Only the note of an alert can be edited; use its buttons.")
            )
        return super().write(vals)

    @api.model
    def _revshare_key(self, vals):
        """The key of an alert's values (see the ``key`` field)."""
        if vals["kind"] == "spike":
            return f"spike-{vals['partner_id']}-{vals['month']}"
        return f"{vals['kind']}-{vals['agreement_id']}-{vals['invoice_id']}"

    @api.model
    def _revshare_raise(self, vals_list):
        """Create the alerts of ``vals_list`` that do not exist yet (one query
        finds the existing ones) and hold the rows of new self-dealing alerts
        when their company says so. Returns the new alerts."""
        by_key = {}
        for vals in vals_list:
            by_key.setdefault(self._revshare_key(vals), vals)
        if not by_key:
            return self.browse()
        existing = set(
            self.sudo()
            .with_context(active_test=False)
            .search([("key", "in", list(by_key))])
            .mapped("key")
        )
        new_vals = [
            dict(vals, key=key) for key, vals in by_key.items() if key not in existing
        ]
        if not new_vals:
            return self.browse()
        # sudo: alerts are raised by whoever posts; only managers act on them.
        alerts = self.sudo().create(new_vals)
        alerts._revshare_hold_rows()
        return alerts

    def _revshare_hold_rows(self):
        """Hold the earned, unsettled rows of self-dealing alerts of companies
        that hold them; the hold reason names the alert."""
        for alert in self.filtered(
            lambda a: a.kind == "self_dealing" and a.company_id.revshare_alert_hold
        ):
            rows = alert.line_ids.filtered(
                lambda r: r.state == "earned"
                and not r.settlement_id
                and not r.hold_reason
            )
            if rows:
                rows._revshare_hold(
                    self.env._("Alert: %(alert)s", alert=alert.display_name)
                )

    def _revshare_check_open(self):
        for alert in self:
            if alert.state != "open":
                raise UserError(
                    self.env._(
                        "Alert %(alert)s is not open any more.",
                        alert=alert.display_name,
                    )
                )

    def action_dismiss(self):
        """Nothing wrong: release the rows the alert held. The note says why."""
        self._revshare_check_group()
        self._revshare_check_open()
        for alert in self:
            if not (alert.note or "").strip():
                raise UserError(
                    self.env._(
                        "Write in the note of alert %(alert)s why it is dismissed.",
                        alert=alert.display_name,
                    )
                )
        held = self.sudo().line_ids.filtered(
            lambda r: r.state == "earned" and not r.settlement_id and r.hold_reason
        )
        if held:
            held.action_revshare_release()
        self.sudo().write({"state": "dismissed"})
        return True

    def action_confirm(self):
        """The suspicion holds: decline the alert's rows still earned (a reversal
        row each, as the decline wizard does)."""
        self._revshare_check_group()
        self._revshare_check_open()
        for alert in self.sudo():
            rows = alert.line_ids.filtered(
                lambda r: r.state in ("earned", "settled")
                and r.kind != "reversal"
                and not r.reversal_line_ids
            )
            if rows:
                rows._revshare_decline(
                    alert.note
                    or self.env._(
                        "Alert confirmed: %(alert)s", alert=alert.display_name
                    )
                )
        self.sudo().write({"state": "confirmed"})
        return True

    def action_view_lines(self):
        """Open the ledger rows of this alert."""
        self._revshare_check_group(USER_GROUP)
        self.ensure_one()
        return self.env["revshare.line"]._revshare_action(
            [("id", "in", self.line_ids.ids)]
        )
