from .revshare_charged_amounts import product_quantity


class LineBases:
    """The bases of the invoice lines, for the share computation
    (:class:`ShareComputation` inherits it): the untaxed and total bases read
    once per line (``bases``, filled by the computation), the margin and the
    quantity in the product's unit only when a base or a rule asks for them
    (they read the products' costs and units, for the whole batch at once)."""

    @staticmethod
    def line_bases(line, charged):
        """Signed untaxed and total bases of an invoice line (positive on
        invoices, negative on credit notes) in company and invoice currency:
        {base: (company, invoice)}; the margin is asked of :meth:`base_of`.
        ``charged``: what the customer is charged for the line, taxes included
        (:func:`charged_totals`)."""
        move = line.move_id
        sign = -1 if move.move_type == "out_refund" else 1
        total_invoice = sign * charged
        if move.currency_id == move.company_currency_id:
            total_company = total_invoice
        else:
            rate = move.invoice_currency_rate or 1.0
            total_company = move.company_currency_id.round(total_invoice / rate)
        return {
            "untaxed": (-line.balance, -line.amount_currency),
            "total": (total_company, total_invoice),
        }

    def base_of(self, line, base):
        """The signed ``base`` (untaxed, total, margin) of an invoice line in
        company and invoice currency; the margin computed the first time it is
        asked (it reads the products' costs, for the whole batch at once)."""
        bases = self.bases[line]
        if base == "margin" and base not in bases:
            bases[base] = self._margin(line, bases["untaxed"][0])
        return bases[base]

    def _margin(self, line, untaxed_company):
        """(company, invoice) margin of a line: untaxed minus the product cost
        (company currency) of the quantity sold, converted at the invoice rate.
        A margin of the wrong sign (sale below cost) earns nothing rather than a
        negative share."""
        move = line.move_id
        sign = -1 if move.move_type == "out_refund" else 1
        cost = 0.0
        product = line.product_id
        if product:
            cost = (
                sign
                * product.with_company(move.company_id).standard_price
                * self.quantity(line)
            )
        margin_company = untaxed_company - cost
        if margin_company * sign < 0:
            margin_company = 0.0
        if move.currency_id == move.company_currency_id:
            return margin_company, margin_company
        return margin_company, margin_company * (move.invoice_currency_rate or 1.0)

    def quantity(self, line):
        """The line's quantity in its product's unit, read once per line (and
        only for the rules that count units: it may read the products)."""
        if line.id not in self._quantities:
            self._quantities[line.id] = product_quantity(line)
        return self._quantities[line.id]
