from odoo import Command, fields
from odoo.tests import tagged

from .common import RevshareCommon


@tagged("post_install", "-at_install")
class TestRevshareCheck(RevshareCommon):
    """The revenue share check finds the books broken on purpose (with SQL, as a
    faulty customisation or a hand-made fix would) and nothing on a clean ledger."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bill_agreement = cls._create_agreement(
            name="Tech on bills",
            partner_id=cls.techpartner.id,
            settlement_mode="bill",
            journal_id=cls.purchase_journal.id,
            product_id=cls.bill_product.id,
            rules=[{"rate": 5.0}],
        )
        cls.entry_agreement = cls._create_agreement(
            name="Reseller on entries", settlement_mode="entry"
        )
        cls.invoice = cls._create_invoice(
            [(cls.product_cloud, 2, 100.0), (cls.product_service, 1, 50.0)]
        )
        cls.entry = cls.invoice.revshare_line_ids.filtered(
            lambda r: r.agreement_id == cls.entry_agreement
        ).move_id
        cls.bill = cls.invoice.revshare_line_ids.filtered(
            lambda r: r.agreement_id == cls.bill_agreement
        ).move_id
        cls.date_from = "2026-01-01"
        cls.date_to = "2026-12-31"

    def _check(self, company=None):
        self.env.invalidate_all()
        return self.env["revshare.check"]._revshare_check(
            company or self.company, self.date_from, self.date_to
        )

    def _kinds(self, found):
        return sorted((m["kind"], m["res_model"], m["res_id"]) for m in found)

    def test_clean_ledger_has_no_mismatch(self):
        rows = self.invoice.revshare_line_ids
        # 10% entry and 5% bill on 250.00: the fixture itself is what we expect.
        self.assertEqual(sorted(rows.mapped("amount")), [2.5, 5.0, 10.0, 20.0])
        self.assertEqual(self.entry.state, "posted")
        self.assertEqual(self.bill.state, "posted")
        self.assertEqual(self._check(), [])

    def test_wizard_says_no_mismatch(self):
        check = self.env["revshare.check"].create(
            {"date_from": self.date_from, "date_to": self.date_to}
        )
        check.action_check()
        self.assertEqual(check.state, "done")
        self.assertEqual(check.mismatch_count, 0)

    def test_deleted_entry_line_is_found(self):
        payable = self.entry.line_ids.filtered(
            lambda aml: aml.account_type == "liability_payable"
        )
        self.assertEqual(len(payable), 1)
        self.env.cr.execute("DELETE FROM account_move_line WHERE id = %s", [payable.id])
        found = self._check()
        self.assertEqual(
            self._kinds(found),
            [
                ("document", "account.move", self.entry.id),
                ("payable", "res.partner", self.reseller.id),
            ],
        )
        document = next(m for m in found if m["kind"] == "document")
        self.assertEqual(document["expected_amount"], 25.0)
        self.assertEqual(document["actual_amount"], 0.0)
        payable_mismatch = next(m for m in found if m["kind"] == "payable")
        self.assertEqual(payable_mismatch["expected_amount"], 25.0)
        self.assertEqual(payable_mismatch["actual_amount"], 0.0)

    def test_changed_row_amount_is_found(self):
        row = self.invoice.revshare_line_ids.filtered(
            lambda r: r.agreement_id == self.entry_agreement and r.amount == 20.0
        )
        self.env.cr.execute(
            "UPDATE revshare_line SET amount = 21.0, amount_company = 21.0 "
            "WHERE id = %s",
            [row.id],
        )
        found = self._check()
        self.assertEqual(
            self._kinds(found),
            [
                ("document", "account.move", self.entry.id),
                ("payable", "res.partner", self.reseller.id),
                ("terms", "revshare.line", row.id),
            ],
        )
        terms = next(m for m in found if m["kind"] == "terms")
        self.assertEqual(
            (terms["expected_amount"], terms["actual_amount"]), (20.0, 21.0)
        )
        document = next(m for m in found if m["kind"] == "document")
        self.assertEqual(
            (document["expected_amount"], document["actual_amount"]), (26.0, 25.0)
        )

    def test_changed_bill_amount_is_found(self):
        payable = self.bill.line_ids.filtered(
            lambda aml: aml.account_type == "liability_payable"
        )
        self.env.cr.execute(
            "UPDATE account_move_line SET amount_currency = -7.0, balance = -7.0 "
            "WHERE id = %s",
            [payable.id],
        )
        found = self._check()
        self.assertEqual(
            self._kinds(found),
            [
                ("document", "account.move", self.bill.id),
                ("payable", "res.partner", self.techpartner.id),
            ],
        )
        document = next(m for m in found if m["kind"] == "document")
        self.assertEqual(
            (document["expected_amount"], document["actual_amount"]), (12.5, 7.0)
        )

    def test_row_without_document_is_found(self):
        rows = self.invoice.revshare_line_ids.filtered(
            lambda r: r.agreement_id == self.entry_agreement
        )
        self.env.cr.execute(
            "UPDATE revshare_line SET move_id = NULL WHERE id IN %s", [tuple(rows.ids)]
        )
        found = self._check()
        self.assertEqual(
            self._kinds(found),
            sorted(
                [("document", "revshare.line", row.id) for row in rows]
                + [("payable", "res.partner", self.reseller.id)]
            ),
        )
        payable_mismatch = next(m for m in found if m["kind"] == "payable")
        # The entry still owes 25.00; the ledger booked nothing in a document.
        self.assertEqual(
            (payable_mismatch["expected_amount"], payable_mismatch["actual_amount"]),
            (0.0, 25.0),
        )

    def test_missing_share_is_found(self):
        row = self.invoice.revshare_line_ids.filtered(
            lambda r: r.agreement_id == self.bill_agreement and r.amount == 10.0
        )
        bill_line = self.bill.invoice_line_ids.filtered(
            lambda aml: aml.price_unit == 10.0
        )
        # The row and its bill line vanish together: the documents still agree with
        # the ledger, only the agreement's rules tell that a share is missing.
        self.env.cr.execute("DELETE FROM revshare_line WHERE id = %s", [row.id])
        self.env.cr.execute(
            "DELETE FROM account_move_line WHERE id = %s", [bill_line.id]
        )
        self.env.cr.execute(
            "UPDATE account_move_line SET amount_currency = -2.5, balance = -2.5 "
            "WHERE move_id = %s AND display_type = 'payment_term'",
            [self.bill.id],
        )
        found = self._check()
        self.assertEqual(
            self._kinds(found), [("terms", "account.move", self.invoice.id)]
        )
        self.assertEqual(found[0]["expected_amount"], 10.0)

    def test_orphan_document_is_found(self):
        # One of our documents that no ledger row books: a payable the ledger
        # does not know.
        orphan = self.env["account.move"].create(
            {
                "move_type": "entry",
                "journal_id": self.misc_journal.id,
                "date": "2026-03-15",
                "revshare_origin": True,
                "line_ids": [
                    Command.create(
                        {
                            "account_id": self.expense_account.id,
                            "balance": 3.0,
                            "partner_id": self.reseller.id,
                        }
                    ),
                    Command.create(
                        {
                            "account_id": self.payable_account.id,
                            "balance": -3.0,
                            "partner_id": self.reseller.id,
                        }
                    ),
                ],
            }
        )
        orphan.action_post()
        found = self._check()
        self.assertEqual(
            self._kinds(found), [("payable", "res.partner", self.reseller.id)]
        )
        self.assertEqual(
            (found[0]["expected_amount"], found[0]["actual_amount"]), (25.0, 28.0)
        )

    def test_period_and_company_bound_the_check(self):
        payable = self.entry.line_ids.filtered(
            lambda aml: aml.account_type == "liability_payable"
        )
        self.env.cr.execute("DELETE FROM account_move_line WHERE id = %s", [payable.id])
        self.env.invalidate_all()
        Check = self.env["revshare.check"]
        self.assertEqual(
            Check._revshare_check(self.company, "2026-04-01", "2026-12-31"), []
        )
        other = self.env["res.company"].create({"name": "Other company"})
        self.assertEqual(Check._revshare_check(other, self.date_from, self.date_to), [])
        self.assertEqual(
            len(Check._revshare_check(self.company, "2026-03-01", "2026-03-31")), 2
        )

    def test_wizard_lists_mismatches_with_links(self):
        self.env.cr.execute(
            "UPDATE revshare_line SET amount = 19.0 WHERE id IN %s",
            [
                tuple(
                    self.invoice.revshare_line_ids.filtered(
                        lambda r: r.amount == 20.0
                    ).ids
                )
            ],
        )
        self.env.invalidate_all()
        check = self.env["revshare.check"].create(
            {"date_from": self.date_from, "date_to": self.date_to}
        )
        check.action_check()
        self.assertEqual(check.mismatch_count, 3)
        terms = check.mismatch_ids.filtered(lambda m: m.kind == "terms")
        action = terms.action_open_record()
        self.assertEqual(
            (action["res_model"], action["res_id"]), ("revshare.line", terms.res_id)
        )
        self.assertEqual(terms.difference, -1.0)

    def test_cron_reports_per_company(self):
        result = self.env["revshare.check"]._cron_revshare_check(days=100000)
        self.assertEqual(result[self.company.id], [])

    def test_settled_row_without_settlement_is_found(self):
        row = self.invoice.revshare_line_ids[:1]
        self.env.cr.execute(
            "UPDATE revshare_line SET state = 'settled' WHERE id = %s; "
            "DELETE FROM revshare_settlement_line_rel WHERE line_id = %s",
            [row.id, row.id],
        )
        found = self._check()
        self.assertEqual(self._kinds(found), [("settlement", "revshare.line", row.id)])

    def test_billing_user_runs_the_check(self):
        user = self._create_user(
            "revshare_check_billing", "account.group_account_invoice"
        )
        payable = self.entry.line_ids.filtered(
            lambda aml: aml.account_type == "liability_payable"
        )
        self.env.cr.execute("DELETE FROM account_move_line WHERE id = %s", [payable.id])
        self.env.invalidate_all()
        check = (
            self.env["revshare.check"]
            .with_user(user)
            .create({"date_from": self.date_from, "date_to": self.date_to})
        )
        check.action_check()
        self.assertEqual(
            sorted(check.mismatch_ids.mapped("kind")), ["document", "payable"]
        )

    def test_settlement_bill_is_checked(self):
        agreement = self._create_agreement(
            name="Periodic",
            partner_id=self.techpartner.id,
            settlement_mode="periodic",
            product_id=self.bill_product.id,
            bill_auto_post=True,
            rules=[{"rate": 4.0}],
            product_ids=[Command.set(self.product_cloud.ids)],
        )
        invoice = self._create_invoice([(self.product_cloud, 1, 300.0)])
        settlement = self.env["revshare.settlement"]._revshare_run(
            fields.Date.to_date("2026-03-31"), agreements=agreement, confirm=True
        )
        self.assertEqual(settlement.amount_billable, 12.0)
        self.assertEqual(settlement.bill_id.state, "posted")
        self.assertEqual(
            invoice.revshare_line_ids.filtered(
                lambda r: r.agreement_id == agreement
            ).state,
            "settled",
        )
        self.assertEqual(self._check(), [])
        self.env.cr.execute(
            "UPDATE account_move_line SET amount_currency = -13.0, balance = -13.0 "
            "WHERE move_id = %s AND display_type = 'payment_term'",
            [settlement.bill_id.id],
        )
        found = self._check()
        self.assertEqual(
            self._kinds(found), [("payable", "res.partner", self.techpartner.id)]
        )
        self.assertEqual(
            # Bill agreement: 12.50 + 15.00 on the two invoices; periodic: 12.00.
            (found[0]["expected_amount"], found[0]["actual_amount"]),
            (39.5, 40.5),
        )

    # --- divergences of the ledger's own rules (issue: ledger and books agree) --

    def _ledger_messages(self):
        return [m for m in self._check() if m["kind"] == "ledger"]

    def test_changed_beneficiary_is_found(self):
        self.env.cr.execute(
            "UPDATE revshare_agreement SET partner_id = %s WHERE id = %s",
            [self.customer2.id, self.entry_agreement.id],
        )
        found = self._ledger_messages()
        self.assertEqual(
            [(m["res_model"], m["res_id"]) for m in found],
            [("revshare.agreement", self.entry_agreement.id)],
        )
        self.assertIn("Customer Two", found[0]["message"])

    def test_changed_row_beneficiary_is_found(self):
        """The beneficiary is a term of the row; the payable is the payee's."""
        row = self.invoice.revshare_line_ids.filtered(
            lambda r: r.agreement_id == self.entry_agreement
        )[0]
        self.env.cr.execute(
            "UPDATE revshare_line SET partner_id = %s WHERE id = %s",
            [self.customer2.id, row.id],
        )
        kinds = {m["kind"] for m in self._check()}
        self.assertEqual(kinds, {"ledger"})

    def test_changed_row_payee_is_found_on_the_payable(self):
        rows = self.invoice.revshare_line_ids.filtered(
            lambda r: r.agreement_id == self.entry_agreement
        )
        row = rows[0]
        self.env.cr.execute(
            "UPDATE revshare_line SET payee_id = %s WHERE id = %s",
            [self.customer2.id, row.id],
        )
        found = self._check()
        self.assertEqual({m["kind"] for m in found}, {"ledger", "payable"})
        # The books owe the reseller the whole entry; the ledger now says part
        # of it is the other partner's.
        booked = sum(rows.mapped("amount"))
        self.assertEqual(
            sorted(
                (m["res_id"], m["expected_amount"], m["actual_amount"])
                for m in found
                if m["kind"] == "payable"
            ),
            sorted(
                [
                    (self.customer2.id, row.amount, 0.0),
                    (self.reseller.id, booked - row.amount, booked),
                ]
            ),
        )

    def test_row_taken_back_to_expected_is_found(self):
        row = self.invoice.revshare_line_ids.filtered(
            lambda r: r.agreement_id == self.entry_agreement
        )[0]
        self.env.cr.execute(
            "UPDATE revshare_line SET state = 'expected' WHERE id = %s", [row.id]
        )
        found = self._ledger_messages()
        self.assertEqual(
            [(m["res_model"], m["res_id"]) for m in found], [("revshare.line", row.id)]
        )
        self.assertIn("taken out of the ledger", found[0]["message"])

    def test_periodic_row_with_document_is_found(self):
        row = self.invoice.revshare_line_ids.filtered(
            lambda r: r.agreement_id == self.entry_agreement
        )[0]
        self.env.cr.execute(
            "UPDATE revshare_line SET settlement_mode = 'periodic' WHERE id = %s",
            [row.id],
        )
        messages = " ".join(m["message"] for m in self._ledger_messages())
        self.assertIn("paid twice", messages)

    def test_negative_cap_is_found(self):
        self.env.cr.execute(
            "UPDATE revshare_agreement SET period_cap = -50 WHERE id = %s",
            [self.entry_agreement.id],
        )
        found = self._ledger_messages()
        self.assertEqual(
            [(m["res_model"], m["res_id"]) for m in found],
            [("revshare.agreement", self.entry_agreement.id)],
        )
        self.assertIn("-50", found[0]["message"])
