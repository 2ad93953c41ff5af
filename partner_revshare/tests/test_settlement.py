from contextlib import contextmanager

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import RevshareCommon

# Queries of planning a settlement run of three agreements, whatever their number
# of rows: the lock, grouped reads of rows and settlements, the agreements.
PLAN_QUERIES = 9


def d(value):
    return fields.Date.to_date(value)


@tagged("post_install", "-at_install")
class TestSettlement(RevshareCommon):
    """The settlement run: periods, holds, minimum payout, caps, tiers, carried
    balances, bills and their payment, cancellation, cron, statement."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Settlement = cls.env["revshare.settlement"]
        cls.eur = cls.setup_other_currency("EUR", rates=[("2016-01-01", 2.0)])

    @classmethod
    def _periodic(cls, **vals):
        values = {
            "settlement_mode": "periodic",
            "product_id": cls.bill_product.id,
            "journal_id": cls.purchase_journal.id,
        }
        values.update(vals)
        return cls._create_agreement(**values)

    @contextmanager
    def _raises(self, exception, text):
        """assertRaises (rolls back to a savepoint) and checks the message."""
        with self.assertRaises(exception) as catcher:
            yield
        self.assertIn(text, str(catcher.exception))

    def _run(self, day, confirm=False, **kwargs):
        return self.Settlement._revshare_run(d(day), confirm=confirm, **kwargs)

    # --- periods -----------------------------------------------------------

    def test_period_bounds_each_kind(self):
        agreement = self._periodic()
        expected = {
            "monthly": ("2026-04-01", "2026-04-30"),
            "quarterly": ("2026-01-01", "2026-03-31"),
            "half_yearly": ("2025-07-01", "2025-12-31"),
            "yearly": ("2025-01-01", "2025-12-31"),
        }
        for kind, (start, end) in expected.items():
            agreement.settlement_period = kind
            self.assertEqual(
                agreement._revshare_last_closed_period(d("2026-05-15")),
                (d(start), d(end)),
                kind,
            )
        # A period ending on the day itself is closed by that day.
        agreement.settlement_period = "quarterly"
        self.assertEqual(
            agreement._revshare_last_closed_period(d("2026-06-30")),
            (d("2026-04-01"), d("2026-06-30")),
        )

    def test_monthly_run(self):
        agreement = self._periodic()
        inv_march = self._create_invoice([(self.product_cloud, 10, 100.0)])
        self._create_invoice(
            [(self.product_cloud, 5, 100.0)], invoice_date="2026-04-05"
        )
        settlement = self._run("2026-04-10")
        self.assertEqual(len(settlement), 1)
        self.assertTrue(settlement.name.startswith("RSS/2026/"))
        self.assertEqual(settlement.partner_id, self.reseller)
        self.assertEqual(settlement.company_id, self.company)
        self.assertEqual(settlement.currency_id, self.currency)
        self.assertEqual(settlement.date_from, d("2026-03-01"))
        self.assertEqual(settlement.date_to, d("2026-03-31"))
        self.assertEqual(settlement.agreement_ids, agreement)
        self.assertEqual(settlement.line_ids, inv_march.revshare_line_ids)
        self.assertEqual(settlement.amount_total, 100.0)
        self.assertEqual(settlement.amount_share, 100.0)
        self.assertEqual(settlement.amount_carried, 0.0)
        self.assertEqual(settlement.state, "draft")
        # In a draft settlement: still earned (due), settled once confirmed.
        self.assertEqual(settlement.line_ids.state, "earned")
        self.assertEqual(agreement.amount_settled, 0.0)
        self.assertEqual(
            settlement.access_url, f"/my/revshare/statements/{settlement.id}"
        )

        settlement.action_confirm()
        self.assertEqual(settlement.line_ids.state, "settled")
        self.assertEqual(agreement.amount_settled, 100.0)
        self.assertEqual(agreement.amount_due, 50.0)
        bill = settlement.bill_id
        self.assertEqual(settlement.state, "billed")
        self.assertEqual(bill.move_type, "in_invoice")
        self.assertEqual(bill.state, "draft")
        self.assertEqual(bill.partner_id, self.reseller)
        self.assertEqual(bill.invoice_origin, settlement.name)
        self.assertEqual(bill.ref, settlement.name)
        self.assertEqual(bill.journal_id, self.purchase_journal)
        self.assertEqual(bill.invoice_line_ids.product_id, self.bill_product)
        self.assertEqual(bill.invoice_line_ids.mapped("price_subtotal"), [100.0])
        self.assertEqual(bill.invoice_line_ids.account_id, self.expense_account)
        self.assertEqual(bill.amount_total, 100.0)
        self.assertTrue(bill.revshare_origin)

        # The next month.
        april = self._run("2026-05-01", confirm=True)
        self.assertEqual(april.date_from, d("2026-04-01"))
        self.assertEqual(april.date_to, d("2026-04-30"))
        self.assertEqual(april.amount_total, 50.0)
        self.assertEqual(april.bill_id.amount_total, 50.0)

    def test_quarterly_half_yearly_yearly(self):
        quarterly = self._periodic(settlement_period="quarterly")
        for day in ("2026-01-15", "2026-03-20", "2026-04-02"):
            self._create_invoice([(self.product_cloud, 1, 100.0)], invoice_date=day)
        # Mid-quarter: the first quarter ended, the second not.
        settlement = self._run("2026-05-15")
        self.assertEqual(
            (settlement.date_from, settlement.date_to),
            (d("2026-01-01"), d("2026-03-31")),
        )
        self.assertEqual(settlement.amount_total, 20.0)
        self.assertEqual(len(settlement.line_ids), 2)
        self.assertFalse(self._run("2026-06-29"))
        q2 = self._run("2026-06-30")
        self.assertEqual((q2.date_from, q2.date_to), (d("2026-04-01"), d("2026-06-30")))
        self.assertEqual(q2.amount_total, 10.0)
        quarterly.action_suspend()

        half = self._periodic(
            settlement_period="half_yearly", partner_id=self.techpartner.id
        )
        yearly = self._periodic(
            settlement_period="yearly",
            partner_id=self.techpartner.id,
            rule_ids=[Command.create({"rate": 20.0})],
            sequence=20,
        )
        self._create_invoice(
            [(self.product_cloud, 1, 300.0)], invoice_date="2026-05-10"
        )
        self.assertFalse(self._run("2026-06-29", partners=self.techpartner))
        semester = self._run("2026-07-01", partners=self.techpartner)
        self.assertEqual(semester.agreement_ids, half)
        self.assertEqual(
            (semester.date_from, semester.date_to), (d("2026-01-01"), d("2026-06-30"))
        )
        self.assertEqual(semester.amount_total, 30.0)
        with freeze_time("2027-01-05"):
            year = self._run("2027-01-01", partners=self.techpartner)
        self.assertEqual(year.agreement_ids, yearly)
        self.assertEqual(
            (year.date_from, year.date_to), (d("2026-01-01"), d("2026-12-31"))
        )
        self.assertEqual(year.amount_total, 60.0)

    def test_rerun_creates_nothing(self):
        self._periodic()
        self._create_invoice([(self.product_cloud, 10, 100.0)])
        first = self._run("2026-04-10", confirm=True)
        self.assertEqual(first.amount_total, 100.0)
        self.assertFalse(self._run("2026-04-10", confirm=True))
        self.assertFalse(self._run("2026-04-20"))
        # A late row of March waits for April's settlement, never a second March.
        late = self._create_invoice(
            [(self.product_cloud, 1, 70.0)], invoice_date="2026-03-20"
        )
        self.assertFalse(self._run("2026-04-20"))
        april = self._run("2026-05-01")
        self.assertEqual(april.line_ids, late.revshare_line_ids)
        self.assertEqual(april.amount_total, 7.0)
        self.assertEqual(
            self.Settlement.search_count([("partner_id", "=", self.reseller.id)]), 2
        )
        wizard = self.env["revshare.settlement.run"].create({"date": "2026-05-01"})
        wizard.action_preview()
        self.assertFalse(wizard.preview_line_ids)
        with self._raises(UserError, "Nothing to settle"):
            wizard.action_settle()

    # --- period terms ------------------------------------------------------

    def test_hold_days(self):
        self._periodic(hold_days=14)
        inv1 = self._create_invoice(
            [(self.product_cloud, 1, 100.0)], invoice_date="2026-03-10"
        )
        inv2 = self._create_invoice(
            [(self.product_cloud, 1, 200.0)], invoice_date="2026-03-17"
        )
        inv3 = self._create_invoice(
            [(self.product_cloud, 1, 400.0)], invoice_date="2026-03-25"
        )
        march = self._run("2026-03-31")
        # 03-17 + 14 days = 03-31: out of hold; 03-25 still held.
        self.assertEqual(march.line_ids, (inv1 | inv2).revshare_line_ids)
        self.assertEqual(march.amount_total, 30.0)
        self.assertEqual(inv3.revshare_line_ids.state, "earned")
        self.assertFalse(inv3.revshare_line_ids.settlement_id)
        april = self._run("2026-04-30")
        self.assertEqual(april.line_ids, inv3.revshare_line_ids)
        self.assertEqual(april.amount_total, 40.0)

    def test_min_payout(self):
        agreement = self._periodic(min_payout=150.0)
        march = self._create_invoice([(self.product_cloud, 10, 100.0)])
        self.assertFalse(self._run("2026-03-31"))
        self.assertFalse(march.revshare_line_ids.settlement_id)
        april = self._create_invoice(
            [(self.product_cloud, 6, 100.0)], invoice_date="2026-04-12"
        )
        settlement = self._run("2026-04-30", confirm=True)
        self.assertEqual(settlement.line_ids, (march | april).revshare_line_ids)
        self.assertEqual(settlement.amount_total, 160.0)
        self.assertEqual(settlement.date_from, d("2026-04-01"))
        self.assertEqual(settlement.bill_id.amount_total, 160.0)
        self.assertEqual(agreement.amount_settled, 160.0)

    def test_period_cap(self):
        agreement = self._periodic(period_cap=120.0)
        self._create_invoice(
            [(self.product_cloud, 10, 100.0)], invoice_date="2026-03-05"
        )
        self._create_invoice(
            [(self.product_cloud, 5, 100.0)], invoice_date="2026-03-20"
        )
        settlement = self._run("2026-03-31", confirm=True)
        adjustment = settlement.line_ids.filtered(lambda r: r.kind == "adjustment")
        self.assertEqual(len(adjustment), 1)
        self.assertEqual(adjustment.adjustment_reason, "cap")
        self.assertEqual(adjustment.amount, -30.0)
        self.assertEqual(adjustment.amount_company, -30.0)
        self.assertEqual(adjustment.date, d("2026-03-31"))
        self.assertEqual(adjustment.agreement_id, agreement)
        self.assertEqual(settlement.amount_share, 150.0)
        self.assertEqual(settlement.amount_adjustment, -30.0)
        self.assertEqual(settlement.amount_total, 120.0)
        self.assertEqual(settlement.bill_id.amount_total, 120.0)
        # A late March row is capped too, in April's settlement; April's own rows
        # are under the cap.
        self._create_invoice(
            [(self.product_cloud, 2, 100.0)], invoice_date="2026-03-25"
        )
        self._create_invoice(
            [(self.product_cloud, 3, 100.0)], invoice_date="2026-04-03"
        )
        april = self._run("2026-04-30")
        self.assertEqual(sorted(april.line_ids.mapped("amount")), [-20.0, 20.0, 30.0])
        self.assertEqual(april.amount_total, 30.0)
        self.assertFalse(self._run("2026-04-30"))

    def test_tier_adjustment(self):
        agreement = self._periodic(
            rules=[self._tiered_rule(5.0, (1000.0, 10.0), (5000.0, 15.0))]
        )
        inv1 = self._create_invoice(
            [(self.product_cloud, 8, 100.0)], invoice_date="2026-03-05"
        )
        inv2 = self._create_invoice(
            [(self.product_cloud, 4, 100.0)], invoice_date="2026-03-15"
        )
        # Provisional: 800 at 5% (below the tier), then 400 at 10%.
        self.assertEqual(inv1.revshare_line_ids.amount, 40.0)
        self.assertEqual(inv2.revshare_line_ids.amount, 40.0)
        settlement = self._run("2026-03-31", confirm=True)
        adjustment = settlement.line_ids.filtered(lambda r: r.kind == "adjustment")
        self.assertEqual(len(adjustment), 1)
        self.assertEqual(adjustment.adjustment_reason, "tier")
        self.assertEqual(adjustment.rule_id, agreement.rule_ids)
        self.assertEqual(adjustment.rate, 10.0)
        # 1200 at 10% = 120; 80 earned provisionally.
        self.assertEqual(adjustment.amount, 40.0)
        self.assertEqual(settlement.amount_total, 120.0)
        self.assertEqual(settlement.bill_id.amount_total, 120.0)
        html = self._statement_html(settlement)
        self.assertIn("Tier adjustment", html)
        self.assertIn("10%", html)
        self.assertFalse(self._run("2026-03-31"))

    def test_tier_then_cap(self):
        """The cap applies to the tiered amount: one row of each per period."""
        self._periodic(
            period_cap=100.0,
            rules=[self._tiered_rule(5.0, (1000.0, 10.0))],
        )
        self._create_invoice(
            [(self.product_cloud, 8, 100.0)], invoice_date="2026-03-05"
        )
        self._create_invoice(
            [(self.product_cloud, 4, 100.0)], invoice_date="2026-03-15"
        )
        settlement = self._run("2026-03-31")
        adjustments = settlement.line_ids.filtered(lambda r: r.kind == "adjustment")
        self.assertEqual(
            sorted((r.adjustment_reason, r.amount) for r in adjustments),
            [("cap", -20.0), ("tier", 40.0)],
        )
        self.assertEqual(settlement.amount_share, 80.0)
        self.assertEqual(settlement.amount_adjustment, 20.0)
        self.assertEqual(settlement.amount_total, 100.0)

    def test_tier_reached_by_late_rows(self):
        """A late row that lifts a settled period into the next tier adds only the
        difference, in the next settlement."""
        self._periodic(rules=[self._tiered_rule(5.0, (1000.0, 10.0))])
        self._create_invoice(
            [(self.product_cloud, 8, 100.0)], invoice_date="2026-03-05"
        )
        march = self._run("2026-03-31", confirm=True)
        self.assertEqual(march.amount_total, 40.0)
        self.assertFalse(march.line_ids.filtered(lambda r: r.kind == "adjustment"))
        late = self._create_invoice(
            [(self.product_cloud, 3, 100.0)], invoice_date="2026-03-28"
        )
        self.assertEqual(late.revshare_line_ids.amount, 30.0)
        april = self._run("2026-04-30")
        adjustment = april.line_ids.filtered(lambda r: r.kind == "adjustment")
        # 1100 at 10% = 110, of which 40 + 30 earned.
        self.assertEqual(adjustment.amount, 40.0)
        self.assertEqual(adjustment.date, d("2026-03-31"))
        self.assertEqual(april.amount_total, 70.0)

    # --- carried balance ---------------------------------------------------

    def test_negative_carry_forward(self):
        self._periodic()
        self._create_invoice(
            [(self.product_cloud, 1, 100.0)], invoice_date="2026-03-05"
        )
        self._create_invoice(
            [(self.product_cloud, 3, 100.0)],
            move_type="out_refund",
            invoice_date="2026-03-20",
        )
        march = self._run("2026-03-31", confirm=True)
        self.assertEqual(march.amount_total, -20.0)
        self.assertEqual(march.amount_billable, -20.0)
        self.assertFalse(march.bill_id)
        self.assertEqual(march.state, "confirmed")
        html = self._statement_html(march)
        self.assertIn("carried to the next statement", html)

        self._create_invoice(
            [(self.product_cloud, 5, 100.0)], invoice_date="2026-04-10"
        )
        april = self._run("2026-04-30", confirm=True)
        self.assertEqual(april.amount_carried, -20.0)
        self.assertEqual(april.carried_from_id, march)
        self.assertEqual(april.amount_share, 50.0)
        self.assertEqual(april.amount_total, 30.0)
        self.assertEqual(april.amount_billable, 30.0)
        bill = april.bill_id
        self.assertEqual(
            sorted(bill.invoice_line_ids.mapped("price_subtotal")), [-20.0, 50.0]
        )
        self.assertEqual(bill.amount_total, 30.0)
        with self._raises(UserError, "was carried to"):
            march.action_cancel()
        self.assertEqual(march.state, "confirmed")

    # --- bills, payment, cancel -------------------------------------------

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

    def test_one_settlement_per_currency(self):
        usd = self._periodic()
        eur = self._periodic(currency_id=self.eur.id, sequence=20)
        self._create_invoice([(self.product_cloud, 10, 100.0)])
        settlements = self._run("2026-03-31").sorted(lambda s: s.currency_id.name)
        self.assertEqual(settlements.currency_id, self.eur | self.currency)
        by_currency = {s.currency_id: s for s in settlements}
        self.assertEqual(by_currency[self.currency].agreement_ids, usd)
        self.assertEqual(by_currency[self.currency].amount_total, 100.0)
        # 1000 USD at 2 EUR per USD.
        self.assertEqual(by_currency[self.eur].agreement_ids, eur)
        self.assertEqual(by_currency[self.eur].amount_total, 200.0)

    def test_monthly_and_quarterly_agreements_of_one_partner(self):
        """The quarterly agreement joins the monthly one's settlement at the quarter
        end; the settlement starts after the previous one (no overlap)."""
        monthly = self._periodic()
        quarterly = self._periodic(
            settlement_period="quarterly",
            sequence=20,
            rule_ids=[Command.create({"rate": 5.0})],
        )
        for day in ("2026-01-10", "2026-02-10", "2026-03-10"):
            self._create_invoice([(self.product_cloud, 1, 100.0)], invoice_date=day)
        january = self._run("2026-01-31")
        february = self._run("2026-02-28")
        march = self._run("2026-03-31")
        self.assertEqual(january.agreement_ids, monthly)
        self.assertEqual(january.amount_total, 10.0)
        self.assertEqual(february.agreement_ids, monthly)
        self.assertEqual(march.agreement_ids, monthly | quarterly)
        self.assertEqual(
            (march.date_from, march.date_to), (d("2026-03-01"), d("2026-03-31"))
        )
        # March's monthly share and the quarter's three quarterly shares.
        self.assertEqual(march.amount_total, 25.0)
        self.assertEqual(len(march.line_ids), 4)

    # --- cron, wizard, report, mail ---------------------------------------

    def test_cron(self):
        self._periodic()
        self._periodic(partner_id=self.techpartner.id, sequence=20)
        self._create_invoice([(self.product_cloud, 10, 100.0)])
        with freeze_time("2026-04-01"):
            self.Settlement._cron_settle()
            settlements = self.Settlement.search([("date_to", "=", "2026-03-31")])
            self.assertEqual(settlements.partner_id, self.reseller | self.techpartner)
            self.assertEqual(settlements.mapped("amount_total"), [100.0, 100.0])
            self.assertEqual(set(settlements.mapped("state")), {"billed"})
            self.Settlement._cron_settle()
            self.assertEqual(self.Settlement.search_count([]), 2)

    def test_cron_keeps_misconfigured_settlement_draft(self):
        """A settlement that cannot be billed stays draft, with the reason in its
        chatter; the other partners' settlements are confirmed and billed."""
        self._periodic()
        # Activation needs a product: it goes missing afterwards.
        broken_agreement = self._periodic(partner_id=self.techpartner.id, sequence=20)
        broken_agreement.product_id = False
        self.company.revshare_product_id = False
        self._create_invoice([(self.product_cloud, 10, 100.0)])
        with freeze_time("2026-04-01"):
            self.Settlement._cron_settle()
        ok = self.Settlement.search([("partner_id", "=", self.reseller.id)])
        broken = self.Settlement.search([("partner_id", "=", self.techpartner.id)])
        self.assertEqual(ok.state, "billed")
        self.assertEqual(ok.bill_id.amount_total, 100.0)
        self.assertEqual(broken.state, "draft")
        self.assertFalse(broken.bill_id)
        self.assertEqual(broken.line_ids.state, "earned")
        self.assertIn("no service product", broken.message_ids[0].body)

    def test_cron_settles_every_company(self):
        """One settlement per company, each with its own rows, bill and journal."""
        self._periodic()
        other = self.setup_other_company(name="Revshare Co 2")
        company2 = other["company"]
        self.env.user.company_ids |= company2
        env2 = self.env(
            context=dict(self.env.context, allowed_company_ids=[company2.id])
        )
        agreement2 = env2["revshare.agreement"].create(
            {
                "name": "Agreement Co 2",
                "partner_id": self.reseller.id,
                "company_id": company2.id,
                "currency_id": company2.currency_id.id,
                "trigger": "invoice",
                "settlement_mode": "periodic",
                "product_id": self.bill_product.id,
                "rule_ids": [Command.create({"rate": 20.0})],
            }
        )
        agreement2.action_activate()
        self._create_invoice([(self.product_cloud, 10, 100.0)])
        invoice2 = env2["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer2.id,
                "invoice_date": "2026-03-12",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product_cloud.id,
                            "quantity": 1,
                            "price_unit": 500.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        invoice2.action_post()
        with freeze_time("2026-04-01"):
            self.Settlement._cron_settle()
        # Only this test's partner: the database may hold other (demo) agreements,
        # which the cron settles too.
        settlements = self.Settlement.sudo().search(
            [("partner_id", "=", self.reseller.id)]
        )
        self.assertEqual(settlements.company_id, self.company | company2)
        by_company = {s.company_id: s for s in settlements}
        self.assertEqual(by_company[self.company].amount_total, 100.0)
        self.assertEqual(by_company[company2].amount_total, 100.0)
        self.assertEqual(by_company[company2].line_ids, invoice2.revshare_line_ids)
        self.assertEqual(by_company[company2].bill_id.company_id, company2)
        self.assertEqual(by_company[company2].bill_id.journal_id.type, "purchase")

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
        self.assertEqual(settlement.state, "billed")
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

    # --- access ------------------------------------------------------------

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
        self.assertEqual(settlement.state, "billed")
        self.assertEqual(settlement.sudo().bill_id.amount_total, 100.0)
        as_user = self.Settlement.with_user(user).browse(settlement.id)
        self.assertEqual(as_user.amount_total, 100.0)
        html = (
            self.env["ir.actions.report"]
            .with_user(user)
            ._render_qweb_html(
                "partner_revshare.action_report_revshare_statement", as_user.ids
            )[0]
            .decode()
        )
        self.assertIn(settlement.sudo().bill_id.display_name, html)
        with self.assertRaises(AccessError):
            as_user.action_cancel()
        settlement.action_cancel()
        self.assertEqual(settlement.state, "cancelled")

    # --- bad input ---------------------------------------------------------

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
        agreement = self._periodic()
        invoice = self._create_invoice([(self.product_cloud, 10, 100.0)])
        other = self.setup_other_company(name="Other Co")["company"]
        with self._raises(ValidationError, "holds the rows of one company"):
            self.Settlement.sudo().create(
                {
                    "partner_id": self.reseller.id,
                    "company_id": other.id,
                    "currency_id": self.currency.id,
                    "date_from": "2026-03-01",
                    "date_to": "2026-03-31",
                    "agreement_ids": [Command.set(agreement.ids)],
                    "line_ids": [Command.set(invoice.revshare_line_ids.ids)],
                }
            )
        self.assertFalse(invoice.revshare_line_ids.settlement_id)

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

    def test_run_query_count_independent_of_rows(self):
        """The plan reads the ledger with grouped queries: 10x more rows, same
        number of queries."""
        agreements = [
            self._periodic(partner_id=partner.id, sequence=i)
            for i, partner in enumerate(
                self.env["res.partner"].create(
                    [
                        {
                            "name": f"P{i}",
                            "property_account_payable_id": self.payable_account.id,
                        }
                        for i in range(3)
                    ]
                )
            )
        ]

        def make_rows(count):
            self.env["revshare.line"].sudo().create(
                [
                    {
                        "agreement_id": agreement.id,
                        "partner_id": agreement.partner_id.id,
                        "company_id": self.company.id,
                        "currency_id": self.currency.id,
                        "date": "2026-03-10",
                        "base_amount": 100.0,
                        "rate": 10.0,
                        "amount": 10.0,
                        "amount_company": 10.0,
                        "state": "earned",
                    }
                    for agreement in agreements
                    for __ in range(count)
                ]
            )

        def plan_counted():
            self.env.invalidate_all()
            # The same count for 15 rows and for 150.
            with self.assertQueryCount(PLAN_QUERIES):
                return self.Settlement._revshare_plan(d("2026-03-31"))

        make_rows(5)
        plan = plan_counted()
        self.assertEqual(sum(p.amount for p in plan), 150.0)
        make_rows(45)
        plan = plan_counted()
        self.assertEqual(sum(p.amount for p in plan), 1500.0)
        self.assertEqual(sum(p.line_count for p in plan), 150)
        settlements = self.Settlement._revshare_execute(plan, confirm=True)
        self.assertEqual(settlements.mapped("amount_total"), [500.0] * 3)
        self.assertEqual(settlements.bill_id.mapped("amount_total"), [500.0] * 3)
