from odoo import api, fields, models


class RevshareSettlementTax(models.AbstractModel):
    """The taxes of a statement: the untaxed, tax and total amounts of the vendor
    bill that pays it (the statement's own amounts are the ledger's), and whether
    that bill is self-billed, in which case the statement is the partner's copy of
    the invoice."""

    _name = "revshare.settlement.tax"
    _description = "Revenue Share Settlement Taxes"

    # The statement's currency (declared with its terms by revshare.settlement):
    # the bill figures are in it.
    currency_id = fields.Many2one("res.currency")
    bill_amount_untaxed = fields.Monetary(
        string="Bill Untaxed", compute="_compute_bill_amounts"
    )
    bill_amount_tax = fields.Monetary(
        string="Bill Taxes",
        compute="_compute_bill_amounts",
        help="Taxes of the vendor bill: VAT, less withholding; reverse charge adds "
        "nothing to what is paid.",
    )
    bill_amount_total = fields.Monetary(
        string="Bill Total",
        compute="_compute_bill_amounts",
        help="What the vendor bill pays the partner, taxes included.",
    )
    bill_self_billing_number = fields.Char(
        string="Self-Billing Number", compute="_compute_bill_amounts"
    )

    @api.depends(
        "bill_id.amount_untaxed",
        "bill_id.amount_tax",
        "bill_id.amount_total",
        "bill_id.revshare_self_billing_number",
        "bill_id.state",
    )
    def _compute_bill_amounts(self):
        # sudo: the bill's totals are shown to whoever may read the statement (the
        # partner included), who may have no right on vendor bills.
        for settlement in self:
            bill = settlement.sudo().bill_id
            if bill.state == "cancel":
                bill = bill.browse()
            settlement.bill_amount_untaxed = bill.amount_untaxed
            settlement.bill_amount_tax = bill.amount_tax
            settlement.bill_amount_total = bill.amount_total
            settlement.bill_self_billing_number = bill.revshare_self_billing_number

    def _revshare_self_billing_mention(self):
        """The mention of a self-billed statement's bill (both parties and their VAT
        numbers), or an empty string."""
        self.ensure_one()
        # sudo: see _compute_bill_amounts.
        bill = self.sudo().bill_id
        if bill.state == "cancel" or not bill.revshare_self_billing:
            return ""
        return bill.narration or ""

    def _revshare_tax_breakdown(self):
        """The VAT breakdown of the statement's bill, one dict per tax: its name,
        base and amount in the statement currency (the bill's), and whether it is
        reverse-charged (the company declares it: nothing is paid for it)."""
        self.ensure_one()
        # sudo: see _compute_bill_amounts.
        bill = self.sudo().bill_id
        if not bill or bill.state == "cancel":
            return []
        sign = bill.direction_sign
        breakdown = []
        for tax in bill.invoice_line_ids.tax_ids.sorted("sequence"):
            lines = bill.invoice_line_ids.filtered(
                lambda line, t=tax: t in line.tax_ids
            )
            tax_lines = bill.line_ids.filtered(
                lambda line, t=tax: line.tax_line_id == t
            )
            reverse_charge = any(
                r.factor_percent < 0 for r in tax.invoice_repartition_line_ids
            )
            breakdown.append(
                {
                    "name": tax.name,
                    "base": sum(lines.mapped("price_subtotal")),
                    "amount": sign * sum(tax_lines.mapped("amount_currency")),
                    "reverse_charge": reverse_charge,
                }
            )
        return breakdown
