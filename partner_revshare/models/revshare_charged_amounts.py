"""What an invoice line is worth as a base, read from the invoice itself: the
quantity in the product's unit, and what the customer is charged for the line,
taxes included. Plain functions of recordsets: the share computation, the payment
hook and the integrity check read the same figures from the documents."""


def product_quantity(line):
    """The line's quantity in its product's unit of measure (two dozen: 24)."""
    product = line.product_id
    if product.uom_id and line.product_uom_id and line.product_uom_id != product.uom_id:
        return line.product_uom_id._compute_quantity(
            line.quantity, product.uom_id, round=False
        )
    return line.quantity


def charged_totals(lines):
    """{line id: what the customer is charged for the line, taxes included}, in
    invoice currency, positive on invoices and credit notes alike.

    That is the line's total, except where the invoice's taxes are not the sum of
    its lines' own: under early-payment terms computed ``mixed`` Odoo charges the
    tax on the discounted base (the line keeps its full tax, the invoice's
    early-payment discount lines, ``display_type='epd'``, one per account,
    analytic distribution and taxes, carry the reduction), and a company that
    rounds taxes globally rounds them per invoice. There, the line's amount (as
    booked) plus its tax as Odoo rounded it for the invoice's tax lines, less its
    part of the tax of its group's discount line, in proportion of its amount
    (the last line of the group taking the remainder). One tax computation per
    such invoice, none otherwise.
    """
    totals = {line.id: line.price_total for line in lines}
    moves = lines.move_id.filtered(_taxed_per_invoice)
    # Odoo's tax computation reads the lines of each invoice, their taxes and tax
    # tags: read them for all the invoices at once.
    moves.line_ids.mapped("tax_ids")
    moves.line_ids.mapped("tax_tag_ids")
    for move in moves:
        base_lines, __ = move._get_rounded_base_and_tax_lines()
        for base_line in base_lines:
            record = base_line["record"]
            tax = sum(
                tax_data["tax_amount_currency"]
                for tax_data in base_line["tax_details"]["taxes_data"]
            )
            if record.display_type == "product" and record.id in totals:
                totals[record.id] = move.direction_sign * record.amount_currency + tax
            elif record.display_type == "epd" and record.tax_ids:
                _spread_discount_tax(move, record, tax, totals)
    return totals


def _taxed_per_invoice(move):
    """Whether the invoice's taxes may differ from the sum of its lines' own."""
    terms = move.invoice_payment_term_id
    return (
        terms.early_discount and terms.early_pay_discount_computation == "mixed"
    ) or move.company_id.tax_calculation_rounding_method == "round_globally"


def _spread_discount_tax(move, discount_line, tax, totals):
    """Add to ``totals`` each product line's part of ``tax``, the tax of the
    early-payment discount line ``discount_line``."""
    group = move.line_ids.filtered(
        lambda line: line.display_type == "product"
        and line.account_id == discount_line.account_id
        and line.analytic_distribution == discount_line.analytic_distribution
        and line.tax_ids.filtered(lambda t: t.amount_type != "fixed")
        == discount_line.tax_ids
    )
    left, weight_left = tax, sum(group.mapped("price_subtotal"))
    for line in group:
        weight = line.price_subtotal
        part = (
            move.currency_id.round(left * weight / weight_left) if weight_left else left
        )
        left -= part
        weight_left -= weight
        if line.id in totals:
            totals[line.id] += part
