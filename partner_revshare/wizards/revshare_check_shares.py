from collections import defaultdict

from odoo import api, models
from odoo.tools import SQL, float_compare

from ..models.revshare_charged_amounts import charged_totals

# Share rows checked per chunk: the cache is emptied between chunks.
CHUNK_ROWS = 20000


class RevshareCheckShares(models.AbstractModel):
    """The first step of the check (``revshare.check`` inherits it): the shares
    of the invoices, against the agreements' rules and against what the invoices
    charge."""

    _name = "revshare.check.shares"
    _inherit = ["revshare.check.share.sql"]
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
        """The shares of the period's invoices, chunk by chunk of invoices (about
        ``CHUNK_ROWS`` rows each, the cache emptied between chunks, so that memory
        stays bounded at a million rows): what the invoices charge, the shares of
        plain rules recomputed in SQL (``revshare.check.share.sql``), the others
        in Python (:meth:`_revshare_check_terms`), what they earned later."""
        self.env.flush_all()
        Line = self.env["revshare.line"]
        domain = self._revshare_share_domain(company, date_from, date_to)
        plain_ids = self._revshare_sql_agreement_ids(company)
        mismatches = []
        for invoice_ids in self._revshare_share_chunks(domain):
            originals = Line.browse(self._revshare_live_share_ids(domain, invoice_ids))
            with self._revshare_without_jit():
                found, python_ids = self._revshare_sql_share_terms(
                    originals.ids, invoice_ids, plain_ids
                )
            mismatches += (
                self._revshare_check_charged(originals)
                + found
                + self._revshare_check_terms(originals, python_ids)
                + self._revshare_check_earned(originals)
            )
            self.env.invalidate_all()
        return mismatches

    @api.model
    def _revshare_share_chunks(self, domain):
        """Lists of invoice ids whose share rows (``domain``) make chunks of about
        ``CHUNK_ROWS`` rows (an invoice is never split: its shares are checked
        together)."""
        chunk, size = [], 0
        for invoice, count in self.env["revshare.line"]._read_group(
            domain, ["invoice_id"], ["__count"], order="invoice_id"
        ):
            chunk.append(invoice.id)
            size += count
            if size >= CHUNK_ROWS:
                yield chunk
                chunk, size = [], 0
        if chunk:
            yield chunk

    @api.model
    def _revshare_live_share_ids(self, domain, invoice_ids):
        """Ids of the share rows (``domain``) of ``invoice_ids`` still live: a
        share reversed when its invoice went back to draft was replaced by the
        shares of the new posting."""
        Line = self.env["revshare.line"]
        query = Line._search(domain + [("invoice_id", "in", invoice_ids)])
        query.add_where(
            SQL(
                "NOT EXISTS (SELECT 1 FROM revshare_line rev "
                "WHERE rev.reversed_line_id = %s AND rev.kind = 'reversal')",
                SQL.identifier(query.table, "id"),
            )
        )
        return [row_id for (row_id,) in self.env.execute_query(query.select())]

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
        invoices = self.env["account.move"].browse(
            invoice.id
            for (invoice,) in self.env["revshare.line"]._read_group(
                [("id", "in", originals.ids), ("agreement_id.base", "=", "total")],
                ["invoice_id"],
            )
        )
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
    def _revshare_check_terms(self, originals, python_ids):
        """The Python path: the shares ``python_ids`` (among the live shares
        ``originals`` of a chunk) that the SQL path leaves (formulas, tiers,
        customer months or invoice numbers, minimum quantities or invoices,
        margin, waterfall, overrides, a third currency, an invoice taxed as a
        whole), recomputed with the agreements that earned on their invoices (a
        formula is evaluated again on the invoice's figures; all the agreements of
        the invoice, for the waterfall) and compared with the ledger. Tiered rules
        and formulas with tiers are left out: their rate depends on the period's
        running total."""
        if not python_ids:
            return []
        python_rows = originals.browse(python_ids)
        python_set = set(python_ids)
        checked = {(r.agreement_id.id, r.invoice_id.id) for r in python_rows}
        invoice_ids = set(python_rows.invoice_id.ids)
        originals = originals.filtered(lambda r: r.invoice_id.id in invoice_ids)
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
                if (vals["agreement_id"], vals["invoice_id"]) not in checked:
                    continue
                key = (
                    vals["agreement_id"],
                    vals["invoice_line_id"],
                    vals.get("overridden_agreement_id", False),
                )
                computed[key] = vals
            seen = set()
            for invoice in invoices:
                for row in rows_by_invoice[invoice]:
                    if row.id not in python_set:
                        continue
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
        elif float_compare(row.rate, vals["rate"], precision_digits=4):
            message = self.env._(
                "Share of %(agreement)s on %(invoice)s was computed at a rate of "
                "%(actual)s%%; the agreement's rules give %(expected)s%%.",
                agreement=row.agreement_id.display_name,
                invoice=invoice.display_name,
                actual=row.rate,
                expected=vals["rate"],
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
