from collections import defaultdict

from dateutil.relativedelta import relativedelta


def customer_months(start, day):
    """The customer's age at ``day`` in whole months since ``start``: the largest
    ``n`` with ``start + n months <= day`` (a customer who started on 31 January
    completes its first month on 28 February), negative before ``start``."""
    months = (day.year - start.year) * 12 + day.month - start.month
    if start + relativedelta(months=months) > day:
        months -= 1
    return months


class CustomerHistory:
    """The customer's history with each agreement, for the share computation
    (:class:`ShareComputation` inherits it): the day the customer started
    (``starts``), the customer's age in months at an invoice, and the number of
    each of its invoices under the agreement (``invoice_numbers``)."""

    def _customer_starts(self, lines):
        """{(agreement id, customer id): the day the customer started with the
        agreement}, for the agreements whose rules count customer months: the
        customer's referral date (``customer_start = referral_date``), else the
        date of its first posted customer invoice with a line in the agreement's
        products and sales journals, from the agreement's start. One grouped read
        per distinct agreement start date; the unposted invoices of the batch (a
        draft preview) count as if posted."""
        starts = {}
        tenure = self.agreements.filtered(
            lambda a: any(
                r._revshare_has_tenure() or r._revshare_formula_uses("customer_month")
                for r in self.rules[a.id]
            )
        )
        if not tenure:
            return starts

        for agreement, customer, __, day in self._customer_invoices(tenure, lines):
            key = (agreement.id, customer.id)
            if key not in starts or day < starts[key]:
                starts[key] = day
        customers = lines.move_id.commercial_partner_id
        for agreement in tenure.filtered(lambda a: a.customer_start == "referral_date"):
            for customer in customers.filtered("revshare_referral_date"):
                starts[(agreement.id, customer.id)] = customer.revshare_referral_date
        return starts

    def _customer_invoices(self, agreements, lines, by_invoice=False):
        """(agreement, customer, invoice id, day) of each customer invoice that
        counts for ``agreements``: the posted ones with a line in the agreement's
        products and sales journals, from its start (one grouped read per
        distinct start date, per product and journal; per invoice with
        ``by_invoice``, else the invoice id is None), and the unposted invoices
        of ``lines`` (a draft preview) as if they were posted."""
        customers = lines.move_id.commercial_partner_id
        groupby = ["partner_id", "company_id", "product_id", "journal_id"]
        if by_invoice:
            groupby.append("move_id")
        for date_start, group in agreements.grouped("date_start").items():
            for *keys, day in self.env["account.move.line"]._read_group(
                self._customer_lines_domain(customers, group, date_start),
                groupby,
                ["invoice_date:min"],
            ):
                customer, company, product, journal = keys[:4]
                move_id = keys[4].id if by_invoice else None
                for agreement in group:
                    if agreement.company_id == company and self._starts_with(
                        agreement, product, journal
                    ):
                        yield agreement, customer, move_id, day
        for line in lines.filtered(lambda line: line.move_id.state != "posted"):
            move = line.move_id
            day = move.invoice_date or move.date
            if move.move_type != "out_invoice" or not day:
                continue
            for agreement in agreements:
                if (
                    agreement.company_id == move.company_id
                    and not (agreement.date_start and day < agreement.date_start)
                    and self._starts_with(agreement, line.product_id, move.journal_id)
                ):
                    yield agreement, move.commercial_partner_id, move.id, day

    @staticmethod
    def _customer_lines_domain(customers, agreements, date_start):
        """The product lines of the posted customer invoices of ``customers`` in
        the companies of ``agreements``, from ``date_start``."""
        domain = [
            ("partner_id", "in", customers.ids),
            ("company_id", "in", agreements.company_id.ids),
            ("display_type", "=", "product"),
            ("parent_state", "=", "posted"),
            ("move_id.move_type", "=", "out_invoice"),
            ("move_id.revshare_origin", "=", False),
        ]
        if date_start:
            domain.append(("invoice_date", ">=", date_start))
        return domain

    def _starts_with(self, agreement, product, journal):
        """Whether an invoice line of ``product`` in ``journal`` starts a customer
        with the agreement (its product and sales journal scope)."""
        if agreement.product_ids and product not in agreement.product_ids:
            return False
        if agreement.product_category_ids and not (
            set(agreement.product_category_ids.ids) & self.categ_path(product)
        ):
            return False
        return not agreement.journal_ids or journal in agreement.journal_ids

    def customer_month(self, agreement, move):
        """The customer's age with ``agreement`` in whole months at the date of
        ``move`` (a credit note: at the date of the invoice it reverses, so that
        it takes back at the invoice's rule), or None when the agreement's rules
        do not count customer months."""
        key = (agreement.id, move.id)
        if key not in self._months:
            start = self.starts.get((agreement.id, move.commercial_partner_id.id))
            day = move.invoice_date or move.date
            if move.move_type == "out_refund" and move.reversed_entry_id:
                day = move.reversed_entry_id.invoice_date or day
            self._months[key] = customer_months(start, day) if start else None
        return self._months[key]

    def _customer_invoice_numbers(self, lines):
        """{(agreement id, invoice id): the invoice's number among its customer's
        invoices under the agreement, from 1}, for the agreements whose rules count
        customer invoices: the posted customer invoices with a line in the
        agreement's products and sales journals, from the agreement's start (from
        the customer's referral date with ``customer_start = referral_date``), by
        date. One grouped read per distinct agreement start date, whatever the
        number of invoices; the unposted invoices of the batch count as posted."""
        counting = self.agreements.filtered(
            lambda a: any(
                r._revshare_counts_invoices()
                or r._revshare_formula_uses("customer_invoice")
                for r in self.rules[a.id]
            )
        )
        if not counting:
            return {}
        invoices = defaultdict(dict)  # (agreement, customer) -> {move id: date}
        for agreement, customer, move_id, day in self._customer_invoices(
            counting, lines, by_invoice=True
        ):
            invoices[(agreement.id, customer.id)][move_id] = day
        customers = lines.move_id.commercial_partner_id
        numbers = {}
        for (agreement_id, customer_id), days in invoices.items():
            agreement = counting.browse(agreement_id)
            customer = customers.browse(customer_id)
            since = (
                customer.revshare_referral_date
                if agreement.customer_start == "referral_date"
                else False
            )
            ordered = sorted(
                (day, move_id)
                for move_id, day in days.items()
                if not since or day >= since
            )
            for number, (__, move_id) in enumerate(ordered, start=1):
                numbers[(agreement_id, move_id)] = number
        return numbers

    def customer_invoice(self, agreement, move):
        """The number of ``move`` among its customer's invoices under
        ``agreement``, from 1 (a credit note: the invoice it reverses), or None
        when the agreement's rules do not count invoices or the move is not
        counted."""
        if move.move_type == "out_refund":
            move = move.reversed_entry_id
        return self.invoice_numbers.get((agreement.id, move.id))
