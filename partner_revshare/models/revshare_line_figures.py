from odoo import api, models

from .revshare_line_states import EARNED_STATES


class RevshareLineFigures(models.AbstractModel):
    """A ledger row's stored figures (role, company currency, statement section,
    earned and still-expected amounts): computed from the row's own values, and
    given in the create values of new rows by the same builders, so that rows
    are inserted complete (``revshare.line`` inherits it)."""

    _name = "revshare.line.figures"
    _description = "Revenue Share Ledger Row: figures"

    # Stored figures of a row computed from its own values, given in the create
    # values of new rows (:meth:`_revshare_fill_figures`).
    _revshare_figure_fields = (
        "role",
        "company_currency_id",
        "section",
        "amount_earned",
        "amount_earned_company",
        "amount_expected",
        "amount_expected_company",
    )

    @api.depends("agreement_id.role", "company_id.currency_id")
    def _compute_role_currency(self):
        for line in self:
            line.role = line.agreement_id.role
            line.company_currency_id = line.company_id.currency_id

    @api.depends("kind", "amount")
    def _compute_section(self):
        for line in self:
            line.section = self._revshare_section(
                line.kind, line.amount, line.currency_id
            )

    @api.model
    def _revshare_section(self, kind, amount, currency):
        """The statement section of a row of ``kind`` and ``amount``
        (``currency``): the one builder of :meth:`_compute_section` and of the
        create values (:meth:`_revshare_fill_figures`)."""
        if kind == "adjustment":
            return "adjustment"
        if kind != "share" or currency.compare_amounts(amount, 0.0) < 0:
            return "clawback"
        return "share"

    @api.depends("state", "amount", "amount_company")
    def _compute_amount_figures(self):
        """Earned and still-expected parts of each row, so that any sum of them
        (list, pivot, graph, invoice, partner, portal) counts a share once."""
        remaining = self._revshare_expected_remaining()
        for line in self:
            line.update(
                self._revshare_amount_figures(
                    line.state,
                    line.amount,
                    line.amount_company,
                    remaining.get(line, 0.0),
                    line.company_currency_id,
                )
            )

    @api.model
    def _revshare_amount_figures(
        self, state, amount, amount_company, remaining, company_currency
    ):
        """{field: value} of the earned and still-expected figures of a row in
        ``state`` of ``amount`` (``amount_company``) that still has ``remaining``
        to earn: the one builder of :meth:`_compute_amount_figures` and of the
        create values (:meth:`_revshare_fill_figures`)."""
        earned = state in EARNED_STATES
        return {
            "amount_earned": amount if earned else 0.0,
            "amount_earned_company": amount_company if earned else 0.0,
            "amount_expected": remaining,
            # Valued at the row's own rate (the invoice's): what is not earned
            # yet has no payment rate.
            "amount_expected_company": (
                company_currency.round(amount_company * remaining / amount)
                if remaining and amount
                else 0.0
            ),
        }

    @api.model
    def _revshare_fill_figures(self, vals_list):
        """Give new rows their stored figures (role, section, earned and still
        expected amounts) in their create values, computed by the builders of the
        computes from the values themselves: the rows are inserted complete, with
        no recomputation nor ``UPDATE`` after the ``INSERT`` (posting creates
        thousands of rows). A new row has nothing earned against it yet: an
        expected row still expects its whole amount. The figures are
        ``precompute`` fields: given, Odoo does not compute them again; the
        values that do not say all the figures depend on are left to Odoo,
        which precomputes them on new records before the ``INSERT``."""
        needed = ("state", "kind", "amount", "amount_company", "currency_id")
        todo = [
            vals
            for vals in vals_list
            if all(fname in vals for fname in needed)
            and vals.get("company_id")
            and vals.get("agreement_id")
            and not any(fname in vals for fname in self._revshare_figure_fields)
        ]
        if not todo:
            return
        # sudo: the row's agreement and company, read as the related field and
        # the computes read them (compute_sudo).
        agreements = self.env["revshare.agreement"].sudo()
        roles = {
            agreement.id: agreement.role
            for agreement in agreements.browse({vals["agreement_id"] for vals in todo})
        }
        companies = self.env["res.company"].sudo()
        Currency = self.env["res.currency"]
        for vals in todo:
            # Rounded as the ORM stores them, so that the figures are the ones
            # the computes give from the stored amounts.
            currency = Currency.browse(vals["currency_id"])
            company_currency = companies.browse(vals["company_id"]).currency_id
            amount = currency.round(vals["amount"] or 0.0)
            figures = dict(
                self._revshare_amount_figures(
                    vals["state"],
                    amount,
                    company_currency.round(vals["amount_company"] or 0.0),
                    amount if vals["state"] == "expected" else 0.0,
                    company_currency,
                ),
                role=roles[vals["agreement_id"]],
                section=self._revshare_section(vals["kind"], amount, currency),
            )
            # The company currency first: Odoo caches a new row's values in the
            # order of its create values, and reads back from the database the
            # currency of an amount cached before it (one query per batch).
            given = dict(vals)
            vals.clear()
            vals.update(company_currency_id=company_currency.id, **given, **figures)
