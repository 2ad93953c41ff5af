from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import format_date

from .base import USER_GROUP
from .revshare_line_states import EARNED_OR_WAITING_STATES

SELF_BILLING_SEQUENCE_CODE = "revshare.self_billing"


class AccountMove(models.Model):
    """Customer invoices earn revenue shares when posted; our own documents
    (``revshare_origin``) never do. Taxes of our vendor bills: tax-included share
    lines, the taxes owed on top of the ledger, and self-billed bills (numbered by
    the company's self-billing sequence when posted, with the self-billing
    mention)."""

    _inherit = "account.move"

    revshare_line_ids = fields.One2many(
        "revshare.line", "invoice_id", string="Revenue Shares", readonly=True
    )
    revshare_amount = fields.Monetary(
        string="Revenue Share",
        compute="_compute_revshare_amount",
        currency_field="company_currency_id",
        help="Net revenue shares of this invoice, in company currency: what was "
        "earned plus what is still expected (a share partly earned counts once).",
    )
    revshare_line_count = fields.Integer(compute="_compute_revshare_amount")
    revshare_origin = fields.Boolean(
        string="Revenue Share Document",
        readonly=True,
        copy=False,
        index=True,
        help="Created by the revenue share engine: never earns shares itself.",
    )
    revshare_booked_line_ids = fields.One2many(
        "revshare.line", "move_id", string="Revenue Shares Booked", readonly=True
    )
    # The inverse of the statements' bill: Odoo follows it when a bill's amounts or
    # state change (the statements' bill figures depend on them) instead of
    # searching the statements of every journal entry it writes; a new entry has
    # none in cache, so posting and paying query nothing for it.
    revshare_settlement_ids = fields.One2many(
        "revshare.settlement",
        "bill_id",
        string="Revenue Share Statements",
        readonly=True,
    )
    revshare_booked_line_count = fields.Integer(
        compute="_compute_revshare_booked_line_count", string="Shares Booked"
    )
    revshare_preview_amount = fields.Monetary(
        string="Revenue Share Preview",
        compute="_compute_revshare_preview",
        currency_field="company_currency_id",
    )
    revshare_preview_html = fields.Html(
        string="Revenue Share Preview Details",
        compute="_compute_revshare_preview",
        sanitize=False,
    )

    revshare_self_billing = fields.Boolean(
        string="Self-Billed",
        readonly=True,
        copy=False,
        help="A revenue-share bill the company issued on behalf of the partner "
        "(self-billing): numbered by the company's self-billing sequence when posted.",
    )
    revshare_self_billing_number = fields.Char(
        string="Self-Billing Number",
        readonly=True,
        copy=False,
        help="The partner's invoice number, given by the company's self-billing "
        "sequence (also the bill reference).",
    )

    @api.depends(
        "revshare_line_ids.amount_earned_company",
        "revshare_line_ids.amount_expected_company",
    )
    def _compute_revshare_amount(self):
        for move in self:
            rows = move.revshare_line_ids
            move.revshare_amount = move.company_currency_id.round(
                sum(rows.mapped("amount_earned_company"))
                + sum(rows.mapped("amount_expected_company"))
            )
            move.revshare_line_count = len(rows)

    @api.depends("revshare_booked_line_ids")
    def _compute_revshare_booked_line_count(self):
        counts = self.env["revshare.line"]._revshare_counts("move_id", self)
        for move in self:
            move.revshare_booked_line_count = counts.get(move, 0)

    @api.depends(
        "state",
        "invoice_line_ids.price_subtotal",
        "invoice_line_ids.product_id",
        "partner_id",
        "invoice_date",
    )
    def _compute_revshare_preview(self):
        """Shares a draft invoice would earn if posted now (nothing stored). Only for
        saved drafts: the computation reads the stored invoice lines."""
        drafts = self.filtered(
            lambda m: m.state == "draft"
            and isinstance(m.id, int)
            and m.is_sale_document()
            and not m.revshare_origin
        )
        (self - drafts).revshare_preview_amount = 0.0
        (self - drafts).revshare_preview_html = False
        if not drafts:
            return
        # sudo: a preview for whoever edits the invoice, read-only.
        vals_list = (
            self.env["revshare.agreement"]
            .sudo()
            ._revshare_compute_shares(drafts.invoice_line_ids)
        )
        by_move = {}
        for vals in vals_list:
            by_move.setdefault(vals["invoice_id"], []).append(vals)
        agreements = (
            self.env["revshare.agreement"]
            .sudo()
            .browse({vals["agreement_id"] for vals in vals_list})
        )
        names = {a.id: a.display_name for a in agreements}
        for move in drafts:
            move_vals = by_move.get(move.id, [])
            move.revshare_preview_amount = sum(v["amount_company"] for v in move_vals)
            if not move_vals:
                move.revshare_preview_html = False
                continue
            totals = {}
            for vals in move_vals:
                totals[vals["agreement_id"]] = (
                    totals.get(vals["agreement_id"], 0.0) + vals["amount_company"]
                )
            rows = Markup("").join(
                Markup("<tr><td>%s</td><td class='text-end'>%s</td></tr>")
                % (
                    names[agreement_id],
                    move.company_currency_id.format(amount),
                )
                for agreement_id, amount in totals.items()
            )
            move.revshare_preview_html = (
                Markup("<table class='table table-sm'><tbody>%s</tbody></table>") % rows
            )

    def _prepare_product_base_line_for_taxes_computation(self, product_line):
        """A tax-included share line is computed as a tax-included price, the way
        Odoo computes a price-included tax: the line's total is the share."""
        base_line = super()._prepare_product_base_line_for_taxes_computation(
            product_line
        )
        if (
            self.is_invoice(include_receipts=True)
            and product_line.revshare_tax_included
        ):
            base_line["special_mode"] = "total_included"
        return base_line

    def _post(self, soft=True):
        # Self-billed bills without their number yet, read before Odoo posts them.
        to_number = self.filtered(
            lambda m: m.revshare_self_billing and not m.revshare_self_billing_number
        )
        posted = super()._post(soft=soft)
        posted._revshare_create_lines()
        (to_number & posted)._revshare_number_self_billed()
        return posted

    def button_draft(self):
        res = super().button_draft()
        self._revshare_undo_lines()
        return res

    def _revshare_invoices(self):
        return self.filtered(lambda m: m.is_sale_document() and not m.revshare_origin)

    def _revshare_create_lines(self):
        """Compute and store the shares of posted customer invoices, in one batch:
        ``expected`` rows for agreements earned later (another trigger), ``earned``
        rows booked at once for ``trigger=invoice``."""
        invoices = self._revshare_invoices().filtered(lambda m: m.state == "posted")
        if not invoices:
            return self.env["revshare.line"]
        # sudo: posting users (billing) may not read every agreement nor write the
        # ledger; the agreements are filtered by the invoices' companies and the rows
        # come from our computation only.
        Agreement = self.env["revshare.agreement"].sudo()
        vals_list = Agreement._revshare_compute_shares(invoices.invoice_line_ids)
        if not vals_list:
            return self.env["revshare.line"]
        agreements = Agreement.browse({vals["agreement_id"] for vals in vals_list})
        triggers = {a.id: a.trigger for a in agreements}
        for vals in vals_list:
            vals["state"] = (
                "earned" if triggers[vals["agreement_id"]] == "invoice" else "expected"
            )
        rows = self.env["revshare.line"].sudo().create(vals_list)
        # One accounting event per invoice: its own documents, dated like it.
        earned_by_invoice = defaultdict(list)
        for row in rows:
            if row.state == "earned":
                earned_by_invoice[row.invoice_id].append(row.id)
        for invoice, row_ids in earned_by_invoice.items():
            rows.browse(row_ids)._revshare_book(date=invoice.date, ref=invoice.name)
        self.env["revshare.alert"]._revshare_detect(rows)
        return rows

    def _revshare_undo_lines(self):
        """Invoice back to draft (or cancelled): expected rows are cancelled, earned
        rows reversed (rows already reversed, e.g. by an unreconciled payment, are
        left alone)."""
        invoices = self._revshare_invoices()
        rows = invoices.sudo().revshare_line_ids
        if not rows:
            return
        rows.filtered(lambda r: r.state == "expected").write({"state": "cancelled"})
        rows.filtered(lambda r: r.state in EARNED_OR_WAITING_STATES)._revshare_reverse()

    def action_view_revshare_lines(self):
        """Open the revenue-share rows of this customer invoice."""
        self._revshare_check_group(USER_GROUP)
        self.ensure_one()
        return self.env["revshare.line"]._revshare_action(
            [("invoice_id", "=", self.id)]
        )

    def action_view_revshare_booked_lines(self):
        """Open the revenue-share rows this document of ours books."""
        self._revshare_check_group(USER_GROUP)
        self.ensure_one()
        return self.env["revshare.line"]._revshare_action([("move_id", "=", self.id)])

    def _revshare_booking_lines(self):
        """The lines of this document of ours that book ledger rows, in the order
        of their create values: a journal entry's lines, the payable line of each
        beneficiary last (after the expense lines, see
        ``_revshare_prepare_entry_vals``), the product lines of a vendor bill."""
        self.ensure_one()
        lines = self.line_ids.sorted("id")
        if self.move_type == "entry":
            return lines
        return lines.filtered(lambda line: line.display_type == "product")

    def _revshare_number_self_billed(self):
        """Give posted self-billed bills the next numbers of their company's
        self-billing sequence, in date order (also their reference)."""
        for move in self.sorted(lambda m: (m.date, m.id)):
            number = move._revshare_self_billing_sequence().next_by_id(
                sequence_date=move.date
            )
            move.write({"revshare_self_billing_number": number, "ref": number})

    def _revshare_self_billing_sequence(self):
        """The self-billing sequence of the bill's company (``SB/2026/0001``, one
        range a year, no gap), made the first time the company self-bills."""
        self.ensure_one()
        # sudo: sequences are technical records; the number is the bill's own.
        sequence = (
            self.env["ir.sequence"]
            .sudo()
            .search(
                [
                    ("code", "=", SELF_BILLING_SEQUENCE_CODE),
                    ("company_id", "=", self.company_id.id),
                ],
                limit=1,
            )
        )
        if not sequence:
            sequence = (
                self.env["ir.sequence"]
                .sudo()
                .create(
                    {
                        "name": self.env._("Self-Billing of %s", self.company_id.name),
                        "code": SELF_BILLING_SEQUENCE_CODE,
                        "company_id": self.company_id.id,
                        "prefix": "SB/%(range_year)s/",
                        "padding": 4,
                        "use_date_range": True,
                        "implementation": "no_gap",
                    }
                )
            )
        return sequence

    @api.model
    def _revshare_self_billing_vals(self, agreements, company, partner):
        """Values that make a bill of ``agreements`` self-billed, when they all are:
        the flag and the mention naming both parties and their VAT numbers, in the
        partner's language and date format (the partner's copy of the invoice)."""
        if not agreements or not all(agreements.mapped("self_billing")):
            return {}
        partner = partner.commercial_partner_id
        accepted = min(agreements.mapped("self_billing_accepted_date"))
        env = self.with_context(lang=partner.lang or self.env.lang).env

        def party(who):
            # A party without a VAT number is named alone, not "(VAT -)".
            if not who.vat:
                return who.name
            return env._("%(name)s (VAT %(vat)s)", name=who.name, vat=who.vat)

        return {
            "revshare_self_billing": True,
            "narration": env._(
                "Self-billing: invoice issued by %(company)s in the name and on "
                "behalf of %(partner)s, who accepted self-billing on %(date)s.",
                company=party(company),
                partner=party(partner),
                date=format_date(env, accepted),
            ),
        }

    def _revshare_tax_on_top(self):
        """{(move id, currency id): taxes the partner is owed on top of the ledger}
        for our bills, in the document currency (owed positive, as the ledger): the
        tax lines (reverse charge nets to zero, withholding is negative), less the
        taxes inside tax-included share lines, which the ledger already holds."""
        amounts = defaultdict(float)
        lines = self.env["account.move.line"].search(
            [
                ("move_id", "in", self.ids),
                "|",
                ("display_type", "=", "tax"),
                "&",
                ("display_type", "=", "product"),
                ("revshare_tax_included", "=", True),
            ]
        )
        for line in lines:
            key = (line.move_id.id, line.currency_id.id)
            if line.display_type == "tax":
                amounts[key] += line.amount_currency
            else:
                amounts[key] -= line.move_id.direction_sign * (
                    line.price_total - line.price_subtotal
                )
        return amounts
