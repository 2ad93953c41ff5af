import re

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import RevshareCommon


@tagged("post_install", "-at_install")
class TestRevshareConstraints(RevshareCommon):
    """Bad input is refused with a clear message and nothing saved; states, cron,
    sequence; the ledger is append-only."""

    def _assert_refused(self, exception, pattern, func, *args, **kwargs):
        with self.assertRaises(exception) as error:
            func(*args, **kwargs)
        self.assertRegex(str(error.exception), pattern)

    def test_code_sequence(self):
        agreement = self._create_agreement(activate=False)
        self.assertRegex(agreement.code, r"^RSA/\d{4}/\d{4}$")
        other = self._create_agreement(activate=False)
        self.assertEqual(
            int(other.code.rsplit("/", 1)[1]), int(agreement.code.rsplit("/", 1)[1]) + 1
        )
        self.assertEqual(agreement.display_name, f"[{agreement.code}] Agreement")

    def test_rate_out_of_range(self):
        for rate in (-1.0, 100.01):
            self._assert_refused(
                ValidationError,
                "between 0 and 100",
                self._create_agreement,
                rules=[{"rate": rate}],
                activate=False,
            )
        self.assertFalse(
            self.env["revshare.agreement"].search(
                [("company_id", "=", self.company.id)]
            )
        )

    def test_negative_amounts(self):
        for vals in ({"amount": -1.0}, {"min_amount": -1.0}, {"max_amount": -0.01}):
            self._assert_refused(
                ValidationError,
                "cannot be negative",
                self._create_agreement,
                rules=[dict(vals, compute="fixed_line")],
                activate=False,
            )
        self._assert_refused(
            ValidationError,
            "minimum .* above its maximum",
            self._create_agreement,
            rules=[{"rate": 5.0, "min_amount": 10.0, "max_amount": 5.0}],
            activate=False,
        )

    def test_tiers(self):
        agreement = self._create_agreement(
            rules=[{"compute": "tiered", "rate": 1.0}], activate=False
        )
        rule = agreement.rule_ids
        for first_threshold in (5000.0, 1000.0):
            tiers = self._tiered_rule(1.0, (first_threshold, 10.0), (1000.0, 5.0))
            self._assert_refused(
                ValidationError,
                "strictly ascending",
                rule.write,
                {"tier_ids": tiers["tier_ids"]},
            )
        self._assert_refused(
            ValidationError,
            "between 0 and 100",
            rule.write,
            {"tier_ids": [Command.create({"threshold": 1000.0, "rate": 101.0})]},
        )
        self._assert_refused(
            ValidationError,
            "cannot be negative",
            rule.write,
            {"tier_ids": [Command.create({"threshold": -1.0, "rate": 1.0})]},
        )
        self.assertFalse(rule.tier_ids)

    def test_dates(self):
        self._assert_refused(
            ValidationError,
            "end date of agreement .* before its start date",
            self._create_agreement,
            date_start="2026-03-10",
            date_end="2026-03-01",
            activate=False,
        )
        self._assert_refused(
            ValidationError,
            "end date of rule .* before its start date",
            self._create_agreement,
            rules=[{"rate": 1.0, "date_start": "2026-03-10", "date_end": "2026-03-01"}],
            activate=False,
        )

    def test_accounts_of_another_company(self):
        company_b = self.setup_other_company(name="Company B")["company"]
        self._assert_refused(
            UserError,
            "Incompatible companies",
            self._create_agreement,
            company_id=company_b.id,
            activate=False,
        )
        self.assertFalse(
            self.env["revshare.agreement"].search([("company_id", "=", company_b.id)])
        )

    def test_rows_of_another_company(self):
        # Rows are checked one per company and agreement: a wrong row among many
        # right ones of the same agreement is still refused.
        company_b = self.setup_other_company(name="Company B")["company"]
        agreement = self._create_agreement()
        invoice = self._create_invoice([(self.product_cloud, 1, 100.0)])
        vals = self._rows(invoice)[0]._revshare_prepare_derived_vals(
            date=invoice.invoice_date, kind="adjustment", amount=1.0, amount_company=1.0
        )
        Line = self.env["revshare.line"].sudo()
        self.assertEqual(len(Line.create([dict(vals), dict(vals)])), 2)
        self._assert_refused(
            UserError,
            "Incompatible companies",
            Line.create,
            [dict(vals), dict(vals), dict(vals, company_id=company_b.id)],
        )
        self.assertEqual(Line.search_count([("agreement_id", "=", agreement.id)]), 3)

    def test_activation_checks(self):
        self._assert_refused(
            UserError, "no rule", self._create_agreement, rules=[], rule_ids=[]
        )
        agreement = self._create_agreement(activate=False, expense_account_id=False)
        self._assert_refused(UserError, "expense account", agreement.action_activate)
        agreement.write({"settlement_mode": "bill", "expense_account_id": False})
        self._assert_refused(UserError, "service product", agreement.action_activate)
        agreement.product_id = self.bill_product
        agreement.action_activate()
        self.assertEqual(agreement.state, "active")

    def test_state_buttons(self):
        agreement = self._create_agreement()
        self.assertEqual(agreement.state, "active")
        self._assert_refused(UserError, "cannot activate", agreement.action_activate)
        agreement.action_suspend()
        self.assertEqual(agreement.state, "suspended")
        agreement.action_activate()
        agreement.action_expire()
        self.assertEqual(agreement.state, "expired")
        self._assert_refused(UserError, "cannot suspend", agreement.action_suspend)
        agreement.action_draft()
        self.assertEqual(agreement.state, "draft")
        agreement.action_cancel()
        self.assertEqual(agreement.state, "cancelled")

    @freeze_time("2026-05-01")
    def test_cron_expires(self):
        past = self._create_agreement(date_end="2026-04-30")
        current = self._create_agreement(date_end="2026-05-01")
        endless = self._create_agreement()
        self.env["revshare.agreement"]._cron_expire_agreements()
        self.assertEqual(past.state, "expired")
        self.assertEqual(current.state, "active")
        self.assertEqual(endless.state, "active")
        cron = self.env.ref("partner_revshare.ir_cron_revshare_agreement_expire")
        self.assertEqual(cron.code, "model._cron_expire_agreements()")

    def test_delete_guard(self):
        agreement = self._create_agreement()
        invoice = self._create_invoice([(self.product_cloud, 1, 100.0)])
        self._assert_refused(UserError, "Archive it instead", agreement.unlink)
        self._assert_refused(UserError, "Archive it instead", agreement.rule_ids.unlink)
        agreement.action_archive()
        self.assertFalse(agreement.active)
        self.assertEqual(invoice.revshare_line_ids.agreement_id, agreement)
        unused = self._create_agreement(activate=False)
        unused.unlink()
        self.assertFalse(unused.exists())

    def test_history_guard(self):
        agreement = self._create_agreement(
            rules=[self._tiered_rule(1.0, (1000.0, 5.0))]
        )
        rule = agreement.rule_ids
        # No earned rows yet: terms can change.
        rule.rate = 2.0
        self._create_invoice([(self.product_cloud, 1, 100.0)])
        message = "would change history"
        self._assert_refused(UserError, message, rule.write, {"rate": 3.0})
        self._assert_refused(UserError, message, rule.write, {"compute": "percent"})
        self._assert_refused(UserError, message, rule.tier_ids.write, {"rate": 6.0})
        self._assert_refused(UserError, message, rule.tier_ids.unlink)
        self._assert_refused(
            UserError,
            message,
            self.env["revshare.rule"].create,
            {"agreement_id": agreement.id, "rate": 50.0},
        )
        self._assert_refused(UserError, message, rule.write, {"date_end": "2026-03-01"})
        self.assertEqual(rule.rate, 2.0)
        self.assertEqual(rule.tier_ids.rate, 5.0)
        self.assertEqual(len(agreement.rule_ids), 1)
        # Allowed: renaming, bounding the rule after the last share, a new rule
        # starting later, archiving.
        rule.write({"name": "Launch terms", "date_end": "2026-03-31"})
        new_rule = self.env["revshare.rule"].create(
            {"agreement_id": agreement.id, "rate": 4.0, "date_start": "2026-04-01"}
        )
        new_rule.rate = 4.5
        self.assertEqual(new_rule.rate, 4.5)
        april = self._create_invoice(
            [(self.product_cloud, 1, 100.0)], invoice_date="2026-04-02"
        )
        self.assertEqual(self._amounts(april), [4.5])
        # A suspended agreement is not active: its rules can be edited again.
        agreement.action_suspend()
        rule.rate = 3.0
        self.assertEqual(rule.rate, 3.0)

    def test_new_version(self):
        agreement = self._create_agreement()
        action = agreement.action_new_version()
        new = self.env["revshare.agreement"].browse(action["res_id"])
        self.assertEqual(new.state, "draft")
        self.assertNotEqual(new.code, agreement.code)
        self.assertEqual(new.rule_ids.rate, 10.0)
        self.assertNotEqual(new.rule_ids, agreement.rule_ids)
        self.assertTrue(agreement.date_end < new.date_start)

    def test_ledger_is_append_only(self):
        self._create_agreement()
        invoice = self._create_invoice([(self.product_cloud, 1, 100.0)])
        row = invoice.revshare_line_ids.sudo()
        self._assert_refused(
            UserError, "cannot be changed once earned", row.write, {"amount": 1.0}
        )
        self._assert_refused(UserError, "cannot be deleted", row.unlink)
        self._assert_refused(
            UserError, "already booked", row.write, {"move_id": invoice.id}
        )
        self.assertEqual(row.amount, 10.0)
        self.assertTrue(re.match(r"^RSA/", row.display_name))
