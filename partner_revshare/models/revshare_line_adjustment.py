import textwrap

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount


class RevshareLineAdjustment(models.AbstractModel):
    """Manual adjustments: a signed amount a revenue-share manager adds to a
    partner's account for an agreement, with the reason the partner reads. Above
    the company's approval amount it waits as ``to_approve`` until a second
    manager approves it; once approved it is an earned row like any other, booked
    by its agreement's mode, and corrected only by another adjustment."""

    _name = "revshare.line.adjustment"
    _inherit = ["revshare.line.portal", "revshare.line.hooks"]
    _description = "Revenue Share Ledger Row: manual adjustments"
    note = fields.Text(
        string="Reason",
        help="Why this row was written by hand (a manual adjustment, a decline): "
        "shown to the partner on the statement and the portal.",
    )
    approver_id = fields.Many2one(
        "res.users",
        string="Approved By",
        readonly=True,
        help="The second revenue-share manager who approved this adjustment.",
    )

    def _revshare_mutable_field_names(self):
        # Approving writes the approver with the state.
        return super()._revshare_mutable_field_names() | {"approver_id"}

    def _revshare_allowed_transitions(self):
        # A row waiting for approval may be approved (earned) or rejected
        # (cancelled), nothing else.
        return super()._revshare_allowed_transitions() | {
            ("to_approve", "earned"),
            ("to_approve", "cancelled"),
        }

    @api.model
    def _revshare_adjustment_date(self, agreement, day):
        """``day``, or the first open day after the lock dates of the journal that
        books the agreement's rows (like a payment's date)."""
        # sudo: a revenue-share manager may have no right on journals.
        journal = agreement.sudo()._revshare_get_journal(
            "general" if agreement.settlement_mode == "entry" else "purchase"
        )
        return self._revshare_accounting_date(agreement.company_id, journal, day)

    @api.model
    def _revshare_prepare_manual_adjustment_vals(
        self, agreement, amount, note, day=None, invoice=None
    ):
        """Create values of a manual adjustment of ``amount`` (agreement currency,
        signed) for ``agreement`` with the reason ``note``, dated ``day`` (today
        by default; the first open day when that is locked), optionally about the
        customer ``invoice``; checked first: nothing is written on bad input."""
        _ = self.env._
        note = (note or "").strip()
        currency = agreement.currency_id
        if not note:
            raise UserError(
                _(
                    "Give the reason of the adjustment: the partner reads it on the "
                    "statement."
                )
            )
        if currency.is_zero(amount or 0.0):
            raise UserError(_("An adjustment needs an amount other than zero."))
        if agreement.state in ("draft", "cancelled"):
            raise UserError(
                _(
                    "Agreement %(agreement)s is %(state)s: adjust an active, "
                    "suspended or expired agreement.",
                    agreement=agreement.display_name,
                    state=dict(
                        agreement._fields["state"]._description_selection(self.env)
                    )[agreement.state],
                )
            )
        invoice = invoice or self.env["account.move"]
        if invoice and (
            not invoice.is_sale_document()
            or invoice.state != "posted"
            or invoice.company_id != agreement.company_id
        ):
            raise UserError(
                _(
                    "%(invoice)s is not a posted customer invoice of %(company)s: an "
                    "adjustment can only refer to one.",
                    invoice=invoice.display_name,
                    company=agreement.company_id.name,
                )
            )
        company = agreement.company_id
        day = self._revshare_adjustment_date(
            agreement, day or fields.Date.context_today(self)
        )
        amount = currency.round(amount)
        amount_company = currency._convert(amount, company.currency_id, company, day)
        threshold = company.revshare_adjustment_approval_amount
        needs_approval = threshold and (
            company.currency_id.compare_amounts(abs(amount_company), threshold) > 0
        )
        return {
            "agreement_id": agreement.id,
            "partner_id": agreement.partner_id.id,
            "company_id": company.id,
            "currency_id": currency.id,
            "date": day,
            "kind": "adjustment",
            "adjustment_reason": "manual",
            "note": note,
            "state": "to_approve" if needs_approval else "earned",
            "invoice_id": invoice.id or False,
            "customer_id": invoice.commercial_partner_id.id or False,
            "base_amount": 0.0,
            "amount": amount,
            "amount_company": amount_company,
            "amount_invoice_currency": 0.0,
        }

    @api.model
    def _revshare_create_manual_adjustment(
        self, agreement, amount, note, day=None, invoice=None
    ):
        """Write a manual adjustment (see
        :meth:`_revshare_prepare_manual_adjustment_vals`), book it at once unless
        it waits for approval, and say so in the agreement's chatter."""
        self._revshare_check_group()
        vals = self._revshare_prepare_manual_adjustment_vals(
            agreement, amount, note, day=day, invoice=invoice
        )
        # sudo: the ledger is read-only to users; a manager's adjustment is
        # written by this method only, after the checks above.
        row = self.sudo().create(vals)
        if row.state == "earned":
            row._revshare_book(date=row.date, ref=row._revshare_adjustment_ref())
            message = self.env._("Manual adjustment of %(amount)s recorded")
        else:
            message = self.env._(
                "Manual adjustment of %(amount)s recorded: it waits for a second "
                "manager's approval"
            )
        row._revshare_post_operation(message)
        return row.with_env(self.env)

    def _revshare_adjustment_ref(self):
        """Reference of the document booking a manual adjustment: its reason."""
        self.ensure_one()
        return textwrap.shorten(self.note or "", width=64, placeholder="...")

    def _revshare_post_operation(self, message, reason=None):
        """Track an operation on these rows in their agreements' chatter, one
        message per agreement (who and when are the message's author and date):
        ``message`` is a translated template with ``%(amount)s`` (the rows'
        total), followed by the rows and the reason (each row's note by
        default)."""
        for (agreement, currency), rows in self.grouped(
            lambda r: (r.agreement_id, r.currency_id)
        ).items():
            text = message % {
                "amount": format_amount(self.env, sum(rows.mapped("amount")), currency)
            }
            body = Markup("<p>%s</p>") % text
            items = Markup("").join(
                Markup("<li>%s%s</li>")
                % (
                    row.display_name,
                    f": {row.note}" if reason is None and row.note else "",
                )
                for row in rows
            )
            body += Markup("<ul>%s</ul>") % items
            if reason:
                body += Markup("<p><em>%s</em></p>") % reason
            agreement.message_post(body=body, author_id=self.env.user.partner_id.id)

    def action_revshare_approve(self):
        """Approve rows waiting for it (in bulk): a manual adjustment by a second
        manager, never the one who recorded it; the shares of an agreement that
        requires approval by any manager. Approved rows are earned and booked."""
        self._revshare_check_group()
        _ = self.env._
        for row in self:
            if row.state != "to_approve":
                raise UserError(
                    _(
                        "Row %(row)s does not wait for approval.",
                        row=row.display_name,
                    )
                )
            if row.adjustment_reason == "manual" and row.create_uid == self.env.user:
                raise UserError(
                    _(
                        "You recorded %(row)s: another revenue-share manager must "
                        "approve it.",
                        row=row.display_name,
                    )
                )
        # sudo: see _revshare_create_manual_adjustment.
        rows = self.sudo()
        rows.write({"state": "earned", "approver_id": self.env.uid})
        for row in rows:
            row._revshare_book(date=row.date, ref=row._revshare_adjustment_ref())
        rows._revshare_post_operation(_("Approved: %(amount)s"))
        return True

    def action_revshare_reject(self):
        """Reject adjustments waiting for approval (their author may withdraw them):
        they are cancelled, never earned."""
        self._revshare_check_group()
        if any(row.state != "to_approve" for row in self):
            raise UserError(
                self.env._("Only rows waiting for approval can be rejected.")
            )
        # sudo: see _revshare_create_manual_adjustment.
        self.sudo().write({"state": "cancelled"})
        self._revshare_post_operation(self.env._("Adjustment of %(amount)s rejected"))
        return True

    @api.model
    def _revshare_portal_domain(self, partner):
        # An adjustment waiting for approval is not the partner's yet.
        return super()._revshare_portal_domain(partner) + [
            ("state", "!=", "to_approve")
        ]

    def _revshare_portal_values(self):
        values = super()._revshare_portal_values()
        for row, vals in zip(self, values, strict=True):
            vals["note"] = row.note or ""
        return values
