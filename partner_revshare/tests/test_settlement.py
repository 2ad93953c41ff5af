from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import RevshareSettlementCommon, d

# Queries of planning a settlement run of three agreements, whatever their number
# of rows: the lock, grouped reads of rows and settlements, the agreements.
PLAN_QUERIES = 9


@tagged("post_install", "-at_install")
class TestSettlement(RevshareSettlementCommon):
    """The settlement run: periods, holds, minimum payout, caps, tiers, carried
    balances, cron, query count."""

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
        # Its bill is a draft, not in the books: not billed yet.
        self.assertEqual(agreement.amount_to_settle, 150.0)
        bill = settlement.bill_id
        self.assertEqual(settlement.state, "confirmed")
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

    def test_settle_now_reasons(self):
        """A preview with nothing to settle says why, per agreement."""
        held = self._periodic(name="Held", hold_days=40)
        small = self._periodic(name="Small", min_payout=500.0)
        half = self._periodic(name="Half-yearly", settlement_period="half_yearly")
        idle = self._periodic(
            name="Idle", customer_ids=[Command.set(self.customer2.ids)]
        )
        self._create_invoice([(self.product_cloud, 10, 100.0)])
        wizard = self.env["revshare.settlement.run"].create(
            {
                "date": "2026-03-31",
                "agreement_ids": [Command.set((held | small | half | idle).ids)],
            }
        )
        wizard.action_preview()
        self.assertFalse(wizard.preview_line_ids)
        text = wizard.preview_idle.replace("\xa0", " ")
        reasons = dict(line.split(": ", 1) for line in text.splitlines())
        self.assertEqual(
            reasons,
            {
                held.display_name: "its rows are on hold 40 days after they are "
                "earned.",
                small.display_name: "$ 100.00 to settle, below the minimum payout "
                "of $ 500.00.",
                half.display_name: "its period has not ended: its rows wait "
                "for the period ending after 12/31/2025.",
                idle.display_name: "nothing earned to settle.",
            },
        )
        with self._raises(UserError, "below the minimum payout"):
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

    # --- cron ------------------------------------------------------------

    def test_cron(self):
        self._periodic()
        self._periodic(partner_id=self.techpartner.id, sequence=20)
        self._create_invoice([(self.product_cloud, 10, 100.0)])
        with freeze_time("2026-04-01"):
            self.Settlement._cron_settle()
            settlements = self.Settlement.search([("date_to", "=", "2026-03-31")])
            self.assertEqual(settlements.partner_id, self.reseller | self.techpartner)
            self.assertEqual(settlements.mapped("amount_total"), [100.0, 100.0])
            # Confirmed, their bills drafts until the accountant posts them.
            self.assertEqual(set(settlements.mapped("state")), {"confirmed"})
            self.assertEqual(set(settlements.bill_id.mapped("state")), {"draft"})
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
        self.assertEqual(ok.state, "confirmed")
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
            self._earned_rows(agreements, "2026-03-10", count)

        def plan_counted():
            self.env.invalidate_all()
            # The same count for 15 rows and for 150.
            with self.assertQueryCount(PLAN_QUERIES):
                return self.Settlement._revshare_plan(d("2026-03-31"))

        make_rows(5)
        plan = plan_counted()
        self.assertEqual(sum(p.amount for p in plan.settlements), 150.0)
        make_rows(45)
        plan = plan_counted()
        self.assertEqual(sum(p.amount for p in plan.settlements), 1500.0)
        self.assertEqual(sum(p.line_count for p in plan.settlements), 150)
        settlements = self.Settlement._revshare_execute(plan, confirm=True)
        self.assertEqual(settlements.mapped("amount_total"), [500.0] * 3)
        self.assertEqual(settlements.bill_id.mapped("amount_total"), [500.0] * 3)
