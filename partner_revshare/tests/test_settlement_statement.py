from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import RevshareSettlementCommon, d


@tagged("post_install", "-at_install")
class TestSettlementStatement(RevshareSettlementCommon):
    """The statement a run makes: its vendor bill and payment, cancellation, the
    "Settle now" wizard, views, report and mail, access, and the settlements the
    constraints refuse."""

    def test_bill_auto_post_and_payment(self):
        self._periodic(bill_auto_post=True)
        self._create_invoice([(self.product_cloud, 10, 100.0)])
        settlement = self._run("2026-03-31", confirm=True)
        bill = settlement.bill_id
        self.assertEqual(bill.state, "posted")
        self.assertEqual(settlement.state, "billed")
        with self._raises(UserError, "posted bill"):
            settlement.action_cancel()
        self.assertEqual(settlement.state, "billed")
        self.assertEqual(settlement.line_ids.state, "settled")
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=bill.ids
        ).create({"payment_date": "2026-04-05"})._create_payments()
        self.assertIn(bill.payment_state, ("paid", "in_payment"))
        self.assertEqual(settlement.state, "paid")

    def test_bill_per_agreement_and_product(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "partner_revshare.settlement_bill_per_product", "True"
        )
        self._periodic()
        self._create_invoice(
            [(self.product_cloud, 10, 100.0), (self.product_service, 2, 50.0)]
        )
        self._create_invoice([(self.product_cloud, 1, 100.0)])
        settlement = self._run("2026-03-31", confirm=True)
        lines = settlement.bill_id.invoice_line_ids.sorted("price_subtotal")
        self.assertEqual(lines.mapped("price_subtotal"), [10.0, 110.0])
        self.assertIn(self.product_service.display_name, lines[0].name)
        self.assertIn(self.product_cloud.display_name, lines[1].name)
        self.assertEqual(lines.product_id, self.bill_product)

    def test_cancel_releases_rows(self):
        self._periodic()
        invoice = self._create_invoice([(self.product_cloud, 10, 100.0)])
        settlement = self._run("2026-03-31", confirm=True)
        bill = settlement.bill_id
        self.assertEqual(bill.state, "draft")
        settlement.action_cancel()
        self.assertEqual(settlement.state, "cancelled")
        self.assertEqual(bill.state, "cancel")
        rows = invoice.revshare_line_ids
        self.assertFalse(rows.settlement_id)
        self.assertEqual(rows.state, "earned")
        self.assertFalse(settlement.line_ids)
        again = self._run("2026-03-31")
        self.assertEqual(again.line_ids, rows)
        self.assertEqual(again.amount_total, 100.0)
        self.assertNotEqual(again, settlement)

    def test_entry_agreement_statement_without_bill(self):
        """Journal-entry agreements get a statement, no second bill; their cap
        adjustment is booked like their other rows."""
        agreement = self._create_agreement(rules=[{"rate": 10.0}], period_cap=80.0)
        invoice = self._create_invoice([(self.product_cloud, 10, 100.0)])
        self.assertTrue(invoice.revshare_line_ids.move_id)
        settlement = self._run("2026-03-31", confirm=True)
        self.assertEqual(settlement.agreement_ids, agreement)
        self.assertEqual(settlement.amount_share, 100.0)
        self.assertEqual(settlement.amount_adjustment, -20.0)
        self.assertEqual(settlement.amount_total, 80.0)
        self.assertEqual(settlement.amount_billable, 0.0)
        self.assertFalse(settlement.bill_id)
        self.assertEqual(settlement.state, "confirmed")
        adjustment = settlement.line_ids.filtered(lambda r: r.kind == "adjustment")
        entry = adjustment.move_id
        self.assertEqual(entry.state, "posted")
        self.assertEqual(entry.ref, settlement.name)
        self.assertEqual(entry.date, d("2026-03-31"))
        expense_line = entry.line_ids.filtered(
            lambda line: line.account_id == self.expense_account
        )
        self.assertEqual(expense_line.balance, -20.0)
        self.assertEqual(adjustment.state, "settled")

    def test_wizard_preview_then_settle(self):
        self._periodic()
        self._create_invoice([(self.product_cloud, 10, 100.0)])
        with freeze_time("2026-04-02"):
            wizard = self.env["revshare.settlement.run"].create({})
            self.assertEqual(wizard.date, d("2026-04-01"))
            wizard.action_preview()
            self.assertFalse(self.Settlement.search_count([]))
            preview = wizard.preview_line_ids
            self.assertEqual(preview.partner_id, self.reseller)
            self.assertEqual(preview.line_count, 1)
            self.assertEqual(preview.amount, 100.0)
            self.assertEqual(preview.amount_total, 100.0)
            action = wizard.action_settle()
        settlement = self.Settlement.search(action["domain"])
        self.assertEqual(settlement.amount_total, 100.0)
        self.assertEqual(settlement.state, "confirmed")
        with freeze_time("2026-04-02"):
            future = self.env["revshare.settlement.run"].create({"date": "2026-04-05"})
            with self._raises(UserError, "in the future"):
                future.action_preview()

    def test_views(self):
        """The wizard and settlement forms load and work through the web client's
        form logic."""
        self._periodic()
        self._create_invoice([(self.product_cloud, 10, 100.0)])
        with freeze_time("2026-04-02"):
            with Form(self.env["revshare.settlement.run"]) as form:
                form.date = d("2026-03-31")
                form.confirm_settlements = False
            wizard = form.save()
            wizard.action_preview()
            self.assertEqual(wizard.preview_line_ids.amount_total, 100.0)
            wizard.action_settle()
        settlement = self.Settlement.search([])
        self.assertEqual(settlement.state, "draft")
        with Form(settlement) as form:
            self.assertEqual(form.amount_total, 100.0)
            form.date = d("2026-04-02")
        action = settlement.action_view_lines()
        self.assertEqual(
            self.env["revshare.line"].search(action["domain"]), settlement.line_ids
        )

    def test_statement_report_and_mail(self):
        agreement = self._periodic(bill_auto_post=True)
        self._create_invoice(
            [(self.product_cloud, 10, 100.0)], invoice_date="2026-03-05"
        )
        self._create_invoice(
            [(self.product_cloud, 4, 100.0)],
            invoice_date="2026-03-06",
            currency=self.eur,
        )
        settlement = self._run("2026-03-31", confirm=True)
        # 400 EUR at 2 EUR per USD: base 200 USD, share 20 USD (40 EUR).
        self.assertEqual(settlement.amount_total, 120.0)
        html = self._statement_html(settlement)
        self.assertIn(settlement.name, html)
        self.assertIn(agreement.display_name, html)
        self.assertIn(settlement.bill_id.name, html)
        self.assertIn("120.00", html)
        self.assertIn("Opening balance carried", html)
        self.assertIn("40.00", html)  # the EUR amount
        self.assertIn("@ 0.500000", html)  # its conversion rate
        template = self.env.ref("partner_revshare.mail_template_revshare_statement")
        subject = template._render_field("subject", settlement.ids)[settlement.id]
        self.assertIn(settlement.name, subject)
        action = settlement.action_send_statement()
        self.assertEqual(action["context"]["default_template_id"], template.id)
        pdf, __ = self.env["ir.actions.report"]._render(
            "partner_revshare.action_report_revshare_statement", settlement.ids
        )
        self.assertTrue(pdf)

    def test_access(self):
        """A revenue-share manager without accounting rights settles and bills; a
        revenue-share user reads settlements but cannot run the settlement."""
        self._periodic()
        self._create_invoice([(self.product_cloud, 10, 100.0)])
        manager = new_test_user(
            self.env,
            login="rs_settle_manager",
            groups="base.group_user,partner_revshare.group_revshare_manager",
        )
        user = new_test_user(
            self.env,
            login="rs_settle_user",
            groups="base.group_user,partner_revshare.group_revshare_user",
        )
        with freeze_time("2026-04-02"):
            with self.assertRaises(AccessError):
                self.env["revshare.settlement.run"].with_user(user).create({})
            wizard = (
                self.env["revshare.settlement.run"]
                .with_user(manager)
                .create({"confirm_settlements": False})
            )
            wizard.action_preview()
            wizard.action_settle()
        settlement = self.Settlement.with_user(manager).search([])
        settlement.action_confirm()
        self.assertEqual(settlement.state, "confirmed")
        self.assertEqual(settlement.sudo().bill_id.amount_total, 100.0)
        as_user = self.Settlement.with_user(user).browse(settlement.id)
        self.assertEqual(as_user.amount_total, 100.0)

        def render():
            return (
                self.env["ir.actions.report"]
                .with_user(user)
                ._render_qweb_html(
                    "partner_revshare.action_report_revshare_statement", as_user.ids
                )[0]
                .decode()
            )

        # A draft bill is not the partner's bill yet: the statement names none.
        self.assertNotIn("Draft Bill", render())
        with self.assertRaises(AccessError):
            as_user.action_cancel()
        bill = settlement.sudo().bill_id
        bill.action_post()
        # The posted bill is named to whoever reads the statement.
        self.assertIn(f"Billed by bill {bill.name}, not paid yet.", render())

    def test_overlapping_manual_settlements(self):
        agreement = self._periodic()
        vals = {
            "partner_id": self.reseller.id,
            "company_id": self.company.id,
            "currency_id": self.currency.id,
            "date_from": "2026-03-01",
            "date_to": "2026-03-31",
            "agreement_ids": [Command.set(agreement.ids)],
        }
        first = self.Settlement.create(vals)
        with self._raises(ValidationError, "overlaps"):
            self.Settlement.create(
                dict(vals, date_from="2026-03-15", date_to="2026-04-15")
            )
        first.action_cancel()
        self.Settlement.create(vals)

    def test_rows_of_two_companies(self):
        """Rows join a settlement through the run's guarded path only, and a
        settlement holds the rows of its own company."""
        self._periodic()
        invoice = self._create_invoice([(self.product_cloud, 10, 100.0)])
        rows = invoice.revshare_line_ids
        other = self.setup_other_company(name="Other Co")["company"]
        vals = {
            "partner_id": self.reseller.id,
            "company_id": other.id,
            "currency_id": self.currency.id,
            "date_from": "2026-03-01",
            "date_to": "2026-03-31",
        }
        Settlement = self.Settlement.sudo()
        with self._raises(UserError, "by the settlement run only"):
            Settlement.create(dict(vals, line_ids=[Command.set(rows.ids)]))
        settlement = Settlement.create(vals)
        with self._raises(UserError, "by the settlement run only"):
            settlement.write({"line_ids": [Command.link(rows[0].id)]})
        with self._raises(ValidationError, "holds the rows of one company"):
            settlement._revshare_link_lines([rows.ids])
        self.assertFalse(rows.settlement_id)

    def test_confirm_without_product_refused(self):
        # Activation needs a product: it goes missing afterwards.
        self._periodic().product_id = False
        self.company.revshare_product_id = False
        invoice = self._create_invoice([(self.product_cloud, 10, 100.0)])
        settlement = self._run("2026-03-31")
        with self._raises(UserError, "no service product"):
            settlement.action_confirm()
        self.assertEqual(settlement.state, "draft")
        self.assertFalse(settlement.bill_id)
        self.assertEqual(invoice.revshare_line_ids.state, "earned")

    def test_confirm_without_purchase_journal_refused(self):
        self._periodic(journal_id=False)
        self.company.revshare_bill_journal_id = False
        self._create_invoice([(self.product_cloud, 10, 100.0)])
        settlement = self._run("2026-03-31")
        self.env["account.journal"].search(
            [("company_id", "=", self.company.id), ("type", "=", "purchase")]
        ).active = False
        with self._raises(UserError, "has no purchase journal"):
            settlement.action_confirm()
        self.assertEqual(settlement.state, "draft")
        self.assertEqual(settlement.line_ids.state, "earned")
