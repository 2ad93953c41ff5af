from collections import defaultdict

from odoo import api, models

from ..models.revshare_charged_amounts import charged_totals


class RevshareCheckShares(models.AbstractModel):
    """The first step of the check (``revshare.check`` inherits it): the shares
    of the invoices, against the agreements' rules and against what the invoices
    charge."""

    _name = "revshare.check.shares"
    _description = "Revenue Share Check: shares"

    @api.model
    def _revshare_share_domain(self, company, date_from, date_to):
        """Shares computed when their invoice was posted, that the rules must give."""
        return [
            ("company_id", "=", company.id),
            ("invoice_id.state", "=", "posted"),
            ("invoice_id.invoice_date", ">=", date_from),
            ("invoice_id.invoice_date", "<=", date_to),
            ("kind", "=", "share"),
            ("reversed_line_id", "=", False),
            ("state", "!=", "cancelled"),
        ]

    @api.model
    def _revshare_check_shares(self, company, date_from, date_to):
        Line = self.env["revshare.line"]
        originals = Line.search(
            self._revshare_share_domain(company, date_from, date_to)
        )
        # A share reversed when its invoice went back to draft was replaced by the
        # shares of the new posting: only the live ones count.
        reversed_ids = {
            row.id
            for (row,) in Line._read_group(
                [("reversed_line_id", "in", originals.ids), ("kind", "=", "reversal")],
                ["reversed_line_id"],
            )
        }
        originals = originals.filtered(lambda r: r.id not in reversed_ids)
        return (
            self._revshare_check_charged(originals)
            + self._revshare_check_terms(originals)
            + self._revshare_check_earned(originals)
        )

    @api.model
    def _revshare_check_earned(self, originals):
        """Hook: mismatches in what the shares ``originals`` earned after their
        posting. Nothing earns later here; partner_revshare_payment checks what
        payments earned."""
        return []

    @api.model
    def _revshare_check_charged(self, originals):
        """The figures a share of the total (taxes included) is made of are what
        the invoice charges: its product lines, as the computation reads them,
        add up to the invoice's total, less its cash rounding. A line read at its
        own total where Odoo charged less tax (early-payment terms computed
        ``mixed``) makes them differ."""
        invoices = originals.filtered(
            lambda r: r.agreement_id.base == "total"
        ).invoice_id
        if not invoices:
            return []
        lines = invoices.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"
        )
        charged = charged_totals(lines)
        read = defaultdict(float)
        for line in lines:
            read[line.move_id] += charged[line.id]
        mismatches = []
        for invoice in invoices:
            rounding = invoice.line_ids.filtered(
                lambda line: line.display_type == "rounding"
            )
            want = invoice.amount_total - invoice.direction_sign * sum(
                rounding.mapped("amount_currency")
            )
            got = read[invoice]
            if invoice.currency_id.compare_amounts(got, want):
                mismatches.append(
                    self._revshare_mismatch(
                        "terms",
                        invoice,
                        self.env._(
                            "The lines of %(invoice)s add up to %(actual)s taxes "
                            "included, as the shares of its total read them; the "
                            "invoice charges %(expected)s.",
                            invoice=invoice.display_name,
                            actual=got,
                            expected=want,
                        ),
                        expected=want,
                        actual=got,
                        currency=invoice.currency_id,
                        partner=invoice.commercial_partner_id,
                        company=invoice.company_id,
                    )
                )
        return mismatches

    @api.model
    def _revshare_check_terms(self, originals):
        """Recompute the shares of the invoices with the agreements that earned on
        them, and compare their amounts and bases with the ledger (a formula is
        evaluated again on the invoice's figures). Tiered rules and formulas with
        tiers are left out: their rate depends on the period's running total."""
        mismatches = []
        # Ids first, records after: a recordset grown row by row is quadratic.
        ids_by_invoice = defaultdict(list)
        for row in originals:
            ids_by_invoice[row.invoice_id].append(row.id)
        rows_by_invoice = {
            invoice: originals.browse(ids) for invoice, ids in ids_by_invoice.items()
        }
        # One computation per set of agreements (most invoices share the same set).
        by_agreements = defaultdict(list)
        for invoice, rows in rows_by_invoice.items():
            by_agreements[frozenset(rows.agreement_id.ids)].append(invoice.id)
        for agreement_ids, invoice_ids in by_agreements.items():
            invoices = self.env["account.move"].browse(invoice_ids)
            agreements = self.env["revshare.agreement"].browse(agreement_ids)
            computed = {}
            for vals in agreements._revshare_compute_shares(invoices.invoice_line_ids):
                key = (
                    vals["agreement_id"],
                    vals["invoice_line_id"],
                    vals.get("overridden_agreement_id", False),
                )
                computed[key] = vals
            seen = set()
            for invoice in invoices:
                for row in rows_by_invoice[invoice]:
                    key = (
                        row.agreement_id.id,
                        row.invoice_line_id.id,
                        row.overridden_agreement_id.id,
                    )
                    seen.add(key)
                    if not row.rule_id._revshare_uses_tiers():
                        mismatches += self._revshare_row_terms(row, computed.get(key))
            mismatches += self._revshare_missing_shares(computed, seen)
        return mismatches

    @api.model
    def _revshare_row_terms(self, row, vals):
        """Mismatches of one share row against its recomputed values ``vals``
        (None when the rules give it no share)."""
        invoice = row.invoice_id
        want = vals["amount"] if vals else 0.0
        currency = row.currency_id
        if currency.compare_amounts(row.amount, want):
            message = self.env._(
                "Share of %(agreement)s on %(invoice)s is %(actual)s; the "
                "agreement's rules give %(expected)s.",
                agreement=row.agreement_id.display_name,
                invoice=invoice.display_name,
                actual=row.amount,
                expected=want,
            )
            return [
                self._revshare_mismatch(
                    "terms",
                    row,
                    message,
                    expected=want,
                    actual=row.amount,
                    currency=currency,
                    partner=row.partner_id,
                    company=row.company_id,
                )
            ]
        if not vals:
            return []
        if currency.compare_amounts(row.base_amount, vals["base_amount"]):
            message = self.env._(
                "Share of %(agreement)s on %(invoice)s was computed on a base of "
                "%(actual)s; the invoice gives %(expected)s.",
                agreement=row.agreement_id.display_name,
                invoice=invoice.display_name,
                actual=row.base_amount,
                expected=vals["base_amount"],
            )
        elif row.customer_month != vals["customer_month"]:
            message = self.env._(
                "Share of %(agreement)s on %(invoice)s was made in customer month "
                "%(actual)s; the invoices give month %(expected)s.",
                agreement=row.agreement_id.display_name,
                invoice=invoice.display_name,
                actual=row.customer_month,
                expected=vals["customer_month"],
            )
        elif row.customer_invoice != vals["customer_invoice"]:
            message = self.env._(
                "Share of %(agreement)s on %(invoice)s was made as the customer's "
                "invoice %(actual)s; the invoices give number %(expected)s.",
                agreement=row.agreement_id.display_name,
                invoice=invoice.display_name,
                actual=row.customer_invoice,
                expected=vals["customer_invoice"],
            )
        else:
            return []
        return [self._revshare_row_mismatch("terms", row, message, row.company_id)]

    @api.model
    def _revshare_missing_shares(self, computed, seen):
        """Mismatches of the shares the rules give (``computed``: {key: values})
        that the ledger lacks (``seen``: the keys of its rows); tiered rules
        aside."""
        rules = self.env["revshare.rule"].browse(
            {vals["rule_id"] for vals in computed.values()}
        )
        tiered_rules = set(rules.filtered(lambda r: r._revshare_uses_tiers()).ids)
        mismatches = []
        for key, vals in computed.items():
            if key in seen or vals["rule_id"] in tiered_rules:
                continue
            invoice = self.env["account.move"].browse(vals["invoice_id"])
            agreement = self.env["revshare.agreement"].browse(vals["agreement_id"])
            line = self.env["account.move.line"].browse(vals["invoice_line_id"])
            mismatches.append(
                self._revshare_mismatch(
                    "terms",
                    invoice,
                    self.env._(
                        "%(invoice)s has no share of %(agreement)s on line "
                        "%(line)s; the agreement's rules give %(expected)s.",
                        invoice=invoice.display_name,
                        agreement=agreement.display_name,
                        line=line.display_name,
                        expected=vals["amount"],
                    ),
                    expected=vals["amount"],
                    currency=agreement.currency_id,
                    partner=agreement.partner_id,
                    company=invoice.company_id,
                )
            )
        return mismatches
