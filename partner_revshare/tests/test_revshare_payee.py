from freezegun import freeze_time

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import RevshareSettlementCommon


@tagged("post_install", "-at_install")
class TestRevsharePayee(RevshareSettlementCommon):
    """A delegated payee: the reseller and the tech partner earn, an agency is
    paid. Its payable, its vendor bills and its statements hold their rows; both
    beneficiaries and the agency read the account in the portal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Partners as a user creates them: the company's default payable.
        cls.agency = cls.env["res.partner"].create({"name": "Agency"})
        cls.agency2 = cls.env["res.partner"].create({"name": "Factoring Co"})
        cls.outsider = cls.env["res.partner"].create({"name": "Outsider"})

    def _payables(self, moves):
        return moves.line_ids.filtered(
            lambda line: line.account_type == "liability_payable"
        )

    def _delegated(self, mode="entry", partner=None, **vals):
        vals.setdefault("payee_id", self.agency.id)
        if mode == "periodic":
            return self._periodic(partner_id=(partner or self.reseller).id, **vals)
        if mode == "bill":
            vals.update(product_id=self.bill_product.id)
        return self._create_agreement(partner, mode=mode, **vals)

    # --- default and frozen term --------------------------------------------

    def test_payee_defaults_to_beneficiary(self):
        agreement = self._create_agreement()
        self.assertEqual(agreement.payee_id, self.reseller)
        invoice = self._create_invoice([(self.product_cloud, 1, 1000.0)])
        row = self._rows(invoice, agreement)
        self.assertEqual(row.payee_id, self.reseller)
        self.assertEqual(self._payables(row.move_id).partner_id, self.reseller)

    def test_entry_books_on_payee_payable(self):
        agreement = self._delegated()
        invoice = self._create_invoice([(self.product_cloud, 1, 1234.56)])
        row = self._rows(invoice, agreement)
        self.assertEqual((row.partner_id, row.payee_id), (self.reseller, self.agency))
        self.assertEqual(row.amount, 123.46)
        payable = self._payables(row.move_id)
        self.assertEqual(payable.partner_id, self.agency)
        self.assertEqual(payable.balance, -123.46)
        self.assertEqual(row.move_id.line_ids.partner_id, self.agency)
        # A reversal keeps the row's payee and debits the agency's payable back.
        reversal = row._revshare_reverse()
        self.assertEqual(reversal.payee_id, self.agency)
        self.assertEqual(
            sum(self._payables(row.move_id | reversal.move_id).mapped("balance")), 0.0
        )
        self.assertEqual(
            self.env["revshare.check"]._revshare_check(
                self.company, "2026-01-01", "2026-12-31"
            ),
            [],
        )

    def test_bill_mode_bills_the_payee(self):
        agreement = self._delegated("bill", journal_id=self.purchase_journal.id)
        invoice = self._create_invoice([(self.product_cloud, 3, 99.99)])
        row = self._rows(invoice, agreement)
        bill = row.move_id
        self.assertEqual(bill.move_type, "in_invoice")
        self.assertEqual(bill.partner_id, self.agency)
        self.assertEqual(bill.amount_total, 30.0)
        self.assertEqual(self._payables(bill).partner_id, self.agency)
        self.assertEqual(
            self.env["revshare.check"]._revshare_check(
                self.company, "2026-01-01", "2026-12-31"
            ),
            [],
        )

    def test_payee_change_with_rows_is_refused(self):
        agreement = self._delegated()
        self._create_invoice([(self.product_cloud, 1, 100.0)])
        with self._raises(UserError, "New Version"):
            agreement.write({"payee_id": self.agency2.id})
        self.assertEqual(agreement.payee_id, self.agency)
        # Without rows, the payee may change.
        other = self._delegated(partner=self.techpartner, activate=False)
        other.payee_id = self.agency2
        self.assertEqual(other.payee_id, self.agency2)

    @freeze_time("2026-03-15")
    def test_new_version_pays_another_payee_for_new_rows_only(self):
        agreement = self._delegated()
        first = self._create_invoice(
            [(self.product_cloud, 1, 100.0)], invoice_date="2026-03-10"
        )
        action = agreement.action_new_version()
        version = agreement.browse(action["res_id"])
        self.assertEqual(version.payee_id, self.agency)
        version.payee_id = self.agency2
        version.action_activate()
        second = self._create_invoice(
            [(self.product_cloud, 1, 200.0)], invoice_date="2026-03-20"
        )
        old_row, new_row = self._rows(first), self._rows(second)
        self.assertEqual(
            (old_row.agreement_id, old_row.payee_id), (agreement, self.agency)
        )
        self.assertEqual(
            (new_row.agreement_id, new_row.payee_id), (version, self.agency2)
        )
        self.assertEqual(self._payables(old_row.move_id).partner_id, self.agency)
        self.assertEqual(self._payables(new_row.move_id).partner_id, self.agency2)
        self.assertEqual(self._payables(new_row.move_id).balance, -20.0)
        # A credit note of the first invoice claws back from the first payee.
        credit = first._reverse_moves(cancel=True)
        clawback = self._rows(credit)
        self.assertEqual(clawback.amount, -10.0)
        self.assertEqual(clawback.payee_id, self.agency)
        self.assertEqual(self._payables(clawback.move_id).partner_id, self.agency)

    # --- bad input ------------------------------------------------------------

    def test_payee_of_another_company_is_refused(self):
        other = self.env["res.company"].create({"name": "Other Company"})
        foreign = self.env["res.partner"].create(
            {"name": "Foreign Agency", "company_id": other.id}
        )
        count = self.env["revshare.agreement"].search_count([])
        with self._raises(ValidationError, "belongs to company Other Company"):
            self._delegated(payee_id=foreign.id, activate=False)
        self.assertEqual(self.env["revshare.agreement"].search_count([]), count)
        agreement = self._delegated(activate=False)
        with self._raises(ValidationError, "belongs to company Other Company"):
            agreement.write({"payee_id": foreign.id})
        self.assertEqual(agreement.payee_id, self.agency)

    def test_archived_payee_is_refused(self):
        self.agency2.active = False
        agreement = self._delegated(activate=False)
        with self._raises(ValidationError, "is archived"):
            agreement.write({"payee_id": self.agency2.id})
        self.assertEqual(agreement.payee_id, self.agency)
        count = self.env["revshare.agreement"].search_count([])
        with self._raises(ValidationError, "is archived"):
            self._delegated(payee_id=self.agency2.id, activate=False)
        self.assertEqual(self.env["revshare.agreement"].search_count([]), count)

    # --- settlement and portal ------------------------------------------------

    def _settle_two_beneficiaries(self):
        """A 10 % agreement of the reseller and a 5 % one of the tech partner,
        both paid to the agency, and a 5 % one of the tech partner paid to
        itself; settled for March with an invoice of 1,000.00."""
        self.reseller_agreement = self._delegated("periodic", rate=10.0)
        self.tech_agreement = self._delegated(
            "periodic", partner=self.techpartner, rate=5.0
        )
        self.own_agreement = self._periodic(
            partner_id=self.techpartner.id, rule_ids=[(0, 0, {"rate": 5.0})]
        )
        self._create_invoice([(self.product_cloud, 10, 100.0)])
        return self._run("2026-04-10", confirm=True)

    def test_settlement_groups_beneficiaries_by_payee(self):
        settlements = self._settle_two_beneficiaries()
        self.assertEqual(len(settlements), 2)
        statement = settlements.filtered(lambda s: s.partner_id == self.agency)
        own = settlements - statement
        self.assertEqual(own.partner_id, self.techpartner)
        self.assertEqual(own.amount_total, 50.0)
        self.assertEqual(
            statement.agreement_ids, self.reseller_agreement | self.tech_agreement
        )
        self.assertEqual(
            sorted(statement.line_ids.mapped(lambda r: (r.partner_id.name, r.amount))),
            [("Reseller", 100.0), ("Tech Partner", 50.0)],
        )
        self.assertEqual(statement.amount_total, 150.0)
        bill = statement.bill_id
        self.assertEqual(bill.partner_id, self.agency)
        self.assertEqual(bill.amount_total, 150.0)
        self.assertEqual(own.bill_id.partner_id, self.techpartner)
        # The statement names each beneficiary the agency is paid for.
        html = self._statement_html(statement)
        self.assertIn("Beneficiary: <span>Reseller</span>", html)
        self.assertIn("Beneficiary: <span>Tech Partner</span>", html)
        self.assertNotIn("Beneficiary:", self._statement_html(own))
        totals = statement._revshare_portal_totals()
        self.assertEqual(
            sorted((t["beneficiary"], t["amount"]) for t in totals),
            [("Reseller", 100.0), ("Tech Partner", 50.0)],
        )
        # The partner form counts the agreements a partner is paid for.
        self.assertEqual(self.agency.revshare_agreement_count, 2)
        self.assertEqual(self.techpartner.revshare_agreement_count, 2)
        self.assertEqual(
            self.env["revshare.line"].search(
                self.agency.action_view_revshare_lines()["domain"]
            ),
            statement.line_ids,
        )
        self.assertEqual(
            self.env["revshare.check"]._revshare_check(
                self.company, "2026-01-01", "2026-12-31"
            ),
            [],
        )

    def test_portal_reads_as_beneficiary_and_as_payee(self):
        statement = self._settle_two_beneficiaries().filtered(
            lambda s: s.partner_id == self.agency
        )
        users = {
            partner: self._create_user(f"portal_{partner.id}", "base.group_portal")
            for partner in (self.reseller, self.agency, self.outsider)
        }
        for partner, user in users.items():
            user.partner_id.parent_id = partner
        rows = self.reseller_agreement.line_ids
        Line = self.env["revshare.line"]
        Agreement = self.env["revshare.agreement"]
        Settlement = self.env["revshare.settlement"]
        as_reseller = users[self.reseller]
        self.assertEqual(Line.with_user(as_reseller).search([]), rows)
        self.assertEqual(
            Line.with_user(as_reseller).search(
                Line._revshare_portal_domain(self.reseller)
            ),
            rows,
        )
        self.assertEqual(
            Agreement.with_user(as_reseller).search([]), self.reseller_agreement
        )
        # The statement is the payee's document.
        self.assertFalse(Settlement.with_user(as_reseller).search([]))
        as_agency = users[self.agency]
        delegated = rows | self.tech_agreement.line_ids
        self.assertEqual(Line.with_user(as_agency).search([]), delegated)
        self.assertEqual(
            Line.with_user(as_agency).search(Line._revshare_portal_domain(self.agency)),
            delegated,
        )
        self.assertEqual(
            Agreement.with_user(as_agency).search(
                Agreement._revshare_portal_domain(self.agency)
            ),
            self.reseller_agreement | self.tech_agreement,
        )
        self.assertEqual(Settlement.with_user(as_agency).search([]), statement)
        as_outsider = users[self.outsider]
        self.assertFalse(Line.with_user(as_outsider).search([]))
        self.assertFalse(Agreement.with_user(as_outsider).search([]))
        self.assertFalse(Settlement.with_user(as_outsider).search([]))

    def test_run_for_a_payee_settles_its_beneficiaries(self):
        """The run's partners are the partners paid: asking for the agency
        settles both beneficiaries delegating to it, and nothing else."""
        reseller = self._delegated("periodic", rate=10.0)
        tech = self._delegated("periodic", partner=self.techpartner, rate=5.0)
        own = self._periodic(partner_id=self.techpartner.id)
        self._create_invoice([(self.product_cloud, 10, 100.0)])
        statement = self._run("2026-04-10", partners=self.agency)
        self.assertEqual(statement.partner_id, self.agency)
        self.assertEqual(statement.agreement_ids, reseller | tech)
        self.assertEqual(statement.amount_total, 150.0)
        self.assertFalse(own.line_ids.settlement_id)
