from odoo import Command, models
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import RevshareSettlementCommon, d


@tagged("post_install", "-at_install")
class TestRevshareInternals(RevshareSettlementCommon):
    """Where we go past Odoo's plain ORM path for speed, the result is the one
    that path gives (the figures of what each shortcut buys: ARCHITECTURE.md and
    tests/benchmarks/README.md)."""

    def _row_vals(self, agreement, **vals):
        return {
            "agreement_id": agreement.id,
            "partner_id": agreement.partner_id.id,
            "company_id": agreement.company_id.id,
            "currency_id": agreement.currency_id.id,
            "date": "2026-03-10",
            "amount": 10.0,
            "amount_company": 20.0,
            **vals,
        }

    def test_figures_given_at_create_are_those_odoo_computes(self):
        """Rows inserted with their figures (``_revshare_fill_figures``) hold
        what Odoo's own precomputation gives rows whose values lack them."""
        agreement = self._periodic()
        Line = self.env["revshare.line"].sudo()
        for state, kind, amount in [
            ("expected", "share", 10.0),
            ("earned", "share", -10.0),
            ("earned", "adjustment", 5.0),
        ]:
            filled = Line.create(
                self._row_vals(agreement, state=state, kind=kind, amount=amount)
            )
            # Without "state", the values do not say all the figures depend on:
            # Odoo precomputes them from the default state (expected).
            by_odoo = Line.create(self._row_vals(agreement, kind=kind, amount=amount))
            if state != "expected":
                by_odoo.state = state
            for fname in Line._revshare_figure_fields:
                self.assertEqual(filled[fname], by_odoo[fname], (state, kind, fname))

    def test_figures_given_at_create_are_inserted_as_given(self):
        """Odoo drops the create values of readonly precomputed fields to compute
        them again on new records; the ledger's figures are editable computes, so
        the values ``_revshare_fill_figures`` gives are the ones inserted (here a
        deliberately partial still-expected amount, which no compute gives)."""
        agreement = self._periodic()
        row = (
            self.env["revshare.line"]
            .sudo()
            .create(
                self._row_vals(
                    agreement,
                    state="expected",
                    kind="share",
                    role="referral",
                    section="share",
                    company_currency_id=agreement.company_id.currency_id.id,
                    amount_earned=0.0,
                    amount_earned_company=0.0,
                    amount_expected=4.0,
                    amount_expected_company=8.0,
                )
            )
        )
        self.assertRecordValues(
            row,
            [
                {
                    "role": "referral",
                    "amount_expected": 4.0,
                    "amount_expected_company": 8.0,
                }
            ],
        )

    def test_sampled_company_check_is_odoo_s(self):
        """The company check of one row per company and agreement refuses what
        Odoo's row-by-row check refuses, and only that."""
        first = self._periodic()
        second = self._periodic(partner_id=self.techpartner.id)
        rows = self._earned_rows(first | second, "2026-03-10", count=3)
        rows._check_company()
        models.BaseModel._check_company(rows)
        other = self.setup_other_company(name="Revshare Co 2")["company"]
        self.env.cr.execute(
            "UPDATE revshare_line SET company_id = %s WHERE id = %s",
            [other.id, rows[4].id],
        )
        rows.invalidate_recordset()
        for check in (
            rows._check_company,
            lambda: models.BaseModel._check_company(rows),
        ):
            with self._raises(UserError, "Incompatible companies"):
                check()

    def test_batched_ranks_are_odoo_s(self):
        """Posting inside ``_revshare_batched_ranks`` leaves the partners' ranks
        as Odoo's posting does, in fewer queries."""
        partners = self.env["res.partner"].create(
            [{"name": f"Beneficiary {i}"} for i in range(10)]
        )

        def post_bills(batched):
            bills = self.env["account.move"].create(
                [
                    {
                        "move_type": "in_invoice",
                        "partner_id": partner.id,
                        "invoice_date": "2026-03-10",
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": "Share",
                                    "price_unit": 10.0,
                                    "account_id": self.expense_account.id,
                                    "tax_ids": [Command.clear()],
                                }
                            )
                        ],
                    }
                    for partner in partners
                ]
            )
            self.env.flush_all()
            before = self.cr.sql_log_count
            if batched:
                with self.env["res.partner"]._revshare_batched_ranks():
                    bills._post()
            else:
                bills._post()
            self.env.flush_all()
            self.env.invalidate_all()
            return self.cr.sql_log_count - before, partners.mapped("supplier_rank")

        odoo_queries, odoo_ranks = post_bills(batched=False)
        batched_queries, batched_ranks = post_bills(batched=True)
        self.assertEqual(odoo_ranks, [1] * 10)
        self.assertEqual(batched_ranks, [2] * 10)
        self.assertLess(batched_queries, odoo_queries)

    def test_batch_numbers_are_next_by_code_s(self):
        """``_revshare_next_batch`` gives the numbers ``count`` calls of Odoo's
        ``_next`` would, for both implementations, with date ranges."""
        for implementation in ("no_gap", "standard"):
            batch, one_by_one = self.env["ir.sequence"].create(
                [
                    {
                        "name": f"{implementation} {name}",
                        "prefix": "T/%(range_year)s/",
                        "padding": 4,
                        "number_increment": 2,
                        "implementation": implementation,
                        "use_date_range": True,
                    }
                    for name in ("batch", "one by one")
                ]
            )
            day = d("2026-03-10")
            date_range = batch._revshare_date_range(day)
            drawn = batch._revshare_next_batch(3, date_range)
            drawn.append(batch._next(sequence_date=day))
            expected = [one_by_one._next(sequence_date=day) for __ in range(4)]
            self.assertEqual(drawn, expected, implementation)
            self.assertEqual(expected[0], "T/2026/0001")
