from odoo import api, models


class RevshareLinePortal(models.AbstractModel):
    """Ledger rows as their partner sees them: a row is settled for the partner
    only once its statement was sent; of the customer's data only the name and
    the invoice number are shown."""

    _name = "revshare.line.portal"
    _description = "Revenue Share Ledger Row: portal"

    @api.model
    def _revshare_portal_domain(self, partner):
        """Rows shown to ``partner`` (its commercial entity and contacts), as
        beneficiary or payee."""
        return [
            *self._revshare_partner_rows_domain(partner),
            ("state", "!=", "cancelled"),
        ]

    @api.model
    def _revshare_partner_state_domain(self, state):
        """Rows in ``state`` as the partner sees it (see
        ``revshare.settlement._revshare_issued_states``)."""
        issued = (
            "settlement_id.state",
            "in",
            self.env["revshare.settlement"]._revshare_issued_states,
        )
        if state == "settled":
            return [("state", "=", "settled"), issued]
        if state == "earned":
            return [
                "|",
                ("state", "=", "earned"),
                "&",
                ("state", "=", "settled"),
                "!",
                issued,
            ]
        return [("state", "=", state)]

    def _revshare_portal_values(self):
        """Display values of the rows for the portal page and its CSV, in order:
        their amounts add up to the running account (``amount``: earned or still
        expected, never both).

        The rows were searched as the portal user (record rules applied); sudo only
        reads the invoice number, customer and product names, as the invoices and
        customers are not the partner's own records."""
        rows = self.sudo()
        sections = dict(self._fields["section"]._description_selection(self.env))
        states = dict(self._fields["state"]._description_selection(self.env))
        issued_states = self.env["revshare.settlement"]._revshare_issued_states
        format_rate = self.env["revshare.rule"]._revshare_format_percent
        values = []
        for line in rows:
            state = line.state
            statement = line.settlement_id
            if state == "settled" and statement.state not in issued_states:
                state = "earned"
            if state != "settled":
                statement = statement.browse()
            values.append(
                {
                    "id": line.id,
                    "date": line.date,
                    "agreement": line.agreement_id.display_name,
                    # The row's kind is its statement section, the same word on
                    # the statement, the PDF and the running account.
                    "kind": line.section,
                    "kind_label": sections.get(line.section, line.section),
                    "state": state,
                    "state_label": states.get(state, state),
                    "statement": statement.name or "",
                    "statement_id": statement.id,
                    "invoice": line.invoice_id.name or "",
                    "customer": line.customer_id.commercial_partner_id.name or "",
                    "product": line.product_id.display_name or "",
                    "currency": line.currency_id,
                    "base_amount": line.base_amount,
                    "rate": line.rate,
                    "rate_label": format_rate(line.rate, digits=None),
                    # What the row counts for: an expected row its part still
                    # to earn (its earned part is a row of its own).
                    "amount": line.amount_earned + line.amount_expected,
                    "share": line.amount,
                    "amount_expected": line.amount_expected,
                }
            )
        return values
