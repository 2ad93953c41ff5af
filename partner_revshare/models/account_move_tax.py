from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import format_date

SELF_BILLING_SEQUENCE_CODE = "revshare.self_billing"


class AccountMove(models.Model):
    """Taxes of our vendor bills: tax-included share lines, the taxes owed on top
    of the ledger, and self-billed bills (numbered by the company's self-billing
    sequence when posted, with the self-billing mention)."""

    # One file per concept (ARCHITECTURE.md): account_move.py is the invoice step.
    # pylint: disable-next=consider-merging-classes-inherited
    _inherit = "account.move"

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
        to_number = self.filtered(
            lambda m: m.revshare_self_billing and not m.revshare_self_billing_number
        )
        posted = super()._post(soft=soft)
        for move in (to_number & posted).sorted(lambda m: (m.date, m.id)):
            number = move._revshare_self_billing_sequence().next_by_id(
                sequence_date=move.date
            )
            move.write({"revshare_self_billing_number": number, "ref": number})
        return posted

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
