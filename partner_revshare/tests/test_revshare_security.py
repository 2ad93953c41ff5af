from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import RevshareCommon


@tagged("post_install", "-at_install")
class TestRevshareSecurity(RevshareCommon):
    """Access rights per group and multi-company record rules."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b_data = cls.setup_other_company(name="Company B")
        cls.company_b = cls.company_b_data["company"]
        cls.agreement_a = cls._create_agreement()
        cls.agreement_b = cls._create_agreement(
            company_id=cls.company_b.id,
            expense_account_id=cls.company_b_data["default_account_expense"].id,
            journal_id=cls.company_b_data["default_journal_misc"].id,
        )
        cls.invoice_a = cls._create_invoice([(cls.product_cloud, 1, 100.0)])
        cls.invoice_b = cls._create_invoice(
            [(cls.product_service, 1, 200.0)],
            company_id=cls.company_b.id,
            journal_id=cls.company_b_data["default_journal_sale"].id,
        )
        cls.user_a = cls._create_user(
            "revshare_user_a",
            "base.group_user,partner_revshare.group_revshare_user",
            cls.company,
        )
        cls.user_b = cls._create_user(
            "revshare_user_b",
            "base.group_user,partner_revshare.group_revshare_user",
            cls.company_b,
        )
        cls.manager_b = cls._create_user(
            "revshare_manager_b",
            "base.group_user,partner_revshare.group_revshare_manager",
            cls.company_b,
        )
        cls.biller_b = cls._create_user(
            "revshare_biller_b",
            "base.group_user,account.group_account_invoice",
            cls.company_b,
        )

    def test_ledger_per_company(self):
        self.assertEqual(self.invoice_a.revshare_line_ids.amount, 10.0)
        self.assertEqual(self.invoice_b.revshare_line_ids.amount, 20.0)
        self.assertEqual(self.invoice_b.revshare_line_ids.company_id, self.company_b)
        self.assertEqual(
            self.invoice_b.revshare_line_ids.move_id.journal_id,
            self.company_b_data["default_journal_misc"],
        )
        Agreement = self.env["revshare.agreement"]
        Line = self.env["revshare.line"]
        self.assertEqual(Agreement.with_user(self.user_a).search([]), self.agreement_a)
        self.assertEqual(Agreement.with_user(self.user_b).search([]), self.agreement_b)
        self.assertEqual(
            Line.with_user(self.user_b).search([]), self.invoice_b.revshare_line_ids
        )
        self.assertEqual(
            Line.with_user(self.user_a).search([]), self.invoice_a.revshare_line_ids
        )
        self.assertEqual(
            self.env["revshare.rule"].with_user(self.user_b).search([]),
            self.agreement_b.rule_ids,
        )
        with self.assertRaises(AccessError):
            self.agreement_a.with_user(self.user_b).read(["name"])
        with self.assertRaises(AccessError):
            self.invoice_a.revshare_line_ids.with_user(self.user_b).read(["amount"])

    def test_user_reads_only(self):
        agreement = self.agreement_b.with_user(self.user_b)
        self.assertEqual(agreement.amount_earned, 20.0)
        with self.assertRaises(AccessError):
            agreement.name = "Hacked"
        with self.assertRaises(AccessError):
            agreement.rule_ids.name = "Hacked"

    def test_manager_edits_agreements_not_ledger(self):
        agreement = self.agreement_b.with_user(self.manager_b)
        agreement.name = "Renamed"
        self.assertEqual(agreement.name, "Renamed")
        row = self.invoice_b.revshare_line_ids.with_user(self.manager_b)
        with self.assertRaises(AccessError):
            row.write({"state": "settled"})
        with self.assertRaises(AccessError):
            self.env["revshare.line"].with_user(self.manager_b).create(
                {
                    "agreement_id": self.agreement_b.id,
                    "partner_id": self.reseller.id,
                    "company_id": self.company_b.id,
                    "currency_id": self.company_b.currency_id.id,
                    "date": "2026-03-10",
                    "amount": 1000.0,
                }
            )

    def test_billing_user_posts_invoice(self):
        """A billing user with no right on agreements nor journal entries still earns
        the partners their share (our code writes the ledger)."""
        invoice = self._create_invoice(
            [(self.product_service, 1, 50.0)],
            company_id=self.company_b.id,
            journal_id=self.company_b_data["default_journal_sale"].id,
            post=False,
        )
        invoice.with_user(self.biller_b).with_company(self.company_b).action_post()
        self.assertEqual(invoice.revshare_line_ids.amount, 5.0)
        self.assertEqual(invoice.revshare_line_ids.move_id.state, "posted")
        self.assertEqual(invoice.revshare_line_ids.agreement_id, self.agreement_b)
