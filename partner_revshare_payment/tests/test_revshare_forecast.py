from datetime import date

from freezegun import freeze_time
from lxml import html

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import RevsharePaymentCommon, RevsharePaymentDefaultCommon


@tagged("post_install", "-at_install")
@freeze_time("2025-01-10")
class TestRevshareForecast(RevsharePaymentDefaultCommon):
    """The forecast on Odoo's default configuration and its "30 Days" payment
    terms, on 2025-01-10. The reseller earns 10% on payment of every invoice
    (1,000.00 each, share 100.00):

    - the late payer paid three invoices 20 days after their due date; it has an
      open invoice due 2025-01-19 and an overdue one due 2025-01-05: three of its
      four invoices already due are paid (probability 0.75);
    - the punctual customer paid one invoice on its due date;
    - the new customer has an open invoice due 2025-01-19 and no history; of the
      company's five invoices already due four are paid (0.80);
    - the partial payer paid 400.00 of an invoice due 2025-01-19;
    - the periodic customer's invoice (due 2025-01-25) also earns the agent on
      two monthly periodic agreements, with 0 and 10 hold days;
    - the group customer paid three invoices 20 days late in another company,
      and has an open invoice due 2025-01-19 here.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.terms_30 = cls.env.ref("account.account_payment_term_30days")
        cls.agreement = cls._create_agreement(cls.reseller, 10.0)
        Partner = cls.env["res.partner"]
        cls.late_payer = Partner.create({"name": "Late Payer"})
        cls.punctual = Partner.create({"name": "Punctual Customer"})
        cls.new_customer = Partner.create({"name": "New Customer"})
        cls.partial_payer = Partner.create({"name": "Partial Payer"})
        cls.periodic_customer = Partner.create({"name": "Periodic Customer"})
        cls.group_customer = Partner.create({"name": "Group Customer"})
        cls.agent_held = Partner.create({"name": "Agent With Hold"})
        periodic_scope = {"customer_ids": [Command.set(cls.periodic_customer.ids)]}
        cls.periodic = cls._create_agreement(
            cls.agent, 10.0, mode="periodic", **periodic_scope
        )
        cls.periodic_held = cls._create_agreement(
            cls.agent_held, 10.0, mode="periodic", hold_days=10, **periodic_scope
        )
        for day, paid in (
            ("2024-09-01", "2024-10-21"),
            ("2024-10-01", "2024-11-20"),
            ("2024-11-01", "2024-12-21"),
        ):
            cls._pay(cls._invoice_30(cls.late_payer, day), date=paid)
        cls.late_open = cls._invoice_30(cls.late_payer, "2024-12-20")
        cls.late_overdue = cls._invoice_30(cls.late_payer, "2024-12-06")
        cls._pay(cls._invoice_30(cls.punctual, "2024-11-01"), date="2024-12-01")
        cls.new_open = cls._invoice_30(cls.new_customer, "2024-12-20")
        cls.partial_open = cls._invoice_30(cls.partial_payer, "2024-12-20")
        cls._pay(cls.partial_open, 400.0, date="2025-01-05")
        cls.periodic_open = cls._invoice_30(cls.periodic_customer, "2024-12-26")
        # Odoo's helper reads the new company's accounts with the current env,
        # which works in the company as shipped only.
        env = cls.env
        cls.env = env(context=dict(env.context, allowed_company_ids=None))
        cls.other_company_data = cls.setup_other_company(name="Sister Company")
        cls.sister_user = cls._create_user(
            "forecast_sister",
            "partner_revshare.group_revshare_user",
            cls.other_company_data["company"],
        )
        cls.env = env
        for day, paid in (
            ("2024-09-01", "2024-10-21"),
            ("2024-10-01", "2024-11-20"),
            ("2024-11-01", "2024-12-21"),
        ):
            invoice = cls._invoice_30(
                cls.group_customer, day, company_data=cls.other_company_data
            )
            cls._pay(invoice, date=paid)
        cls.group_open = cls._invoice_30(cls.group_customer, "2024-12-20")

    @classmethod
    def _invoice_30(cls, customer, day, company_data=None):
        """A posted invoice of 1,000.00 on Odoo's "30 Days" payment terms."""
        return cls._invoice(
            1000.0,
            date=day,
            partner=customer,
            payment_term=cls.terms_30,
            company_data=company_data,
        )

    def _forecast(self, invoice, agreement=None):
        return self.env["revshare.forecast"].search(
            [
                ("invoice_id", "=", invoice.id),
                ("agreement_id", "=", (agreement or self.agreement).id),
            ]
        )

    def _assert_forecast(self, invoice, payment, method, agreement=None, **values):
        forecast = self._forecast(invoice, agreement)
        self.assertEqual(len(forecast), 1)
        self.assertEqual(forecast.date_payment, self._date(payment))
        self.assertEqual(forecast.method, method)
        for fname, value in values.items():
            expected = self._date(value) if fname.startswith("date_") else value
            self.assertEqual(forecast[fname], expected, fname)
        return forecast

    def test_late_payer_forecast_from_history(self):
        """Due 2025-01-19, the customer pays 20 days late: paid on 2025-02-08,
        paid out the same day (journal entry)."""
        self.assertEqual(self.late_open.invoice_date_due, date(2025, 1, 19))
        forecast = self._assert_forecast(
            self.late_open,
            "2025-02-08",
            "history",
            date_due="2025-01-19",
            date_payout="2025-02-08",
            amount=100.0,
            probability=0.75,
            amount_weighted=75.0,
            partner_id=self.reseller,
            customer_id=self.late_payer,
            line_id=self.late_open.revshare_line_ids,
            currency_id=self.company.currency_id,
            company_id=self.company,
        )
        self.assertEqual(forecast.settlement_mode, "entry")

    def test_overdue_invoice_from_today(self):
        """Overdue since 2025-01-05: today plus the customer's 20 days."""
        self._assert_forecast(self.late_overdue, "2025-01-30", "history")

    def test_no_history_on_due_date(self):
        """No paid invoice: the due date of the payment terms, and the company's
        collection rate (4 of its 5 invoices already due are paid)."""
        self._assert_forecast(
            self.new_open,
            "2025-01-19",
            "terms",
            amount=100.0,
            probability=0.8,
            amount_weighted=80.0,
        )

    def test_overdue_without_history_today(self):
        """Overdue and no history: today, never in the past."""
        with freeze_time("2025-02-03"):
            self._assert_forecast(self.new_open, "2025-02-03", "terms")
        # The backtest's way: the day of the forecast given in the context (the
        # records' cache does not depend on it: read them again).
        self.env["revshare.forecast"].invalidate_model()
        forecast = (
            self._forecast(self.new_open)
            .with_context(revshare_forecast_date="2025-02-04")
            .search([("line_id", "=", self.new_open.revshare_line_ids.id)])
        )
        self.assertEqual(forecast.date_payment, date(2025, 2, 4))

    def test_partly_paid_forecasts_the_rest(self):
        """40% paid: the forecast holds the 60.00 still expected of 100.00."""
        self.assertEqual(self.partial_open.payment_state, "partial")
        self._assert_forecast(self.partial_open, "2025-01-19", "terms", amount=60.0)

    def test_periodic_payout_after_period_and_hold(self):
        """Paid on 2025-01-25 (due date): settled by the run of 2025-02-01 (the
        cron settles January that day); with 10 hold days the row is out of hold
        on 2025-02-04, after January's run: it waits for the run of 2025-03-01."""
        self._assert_forecast(
            self.periodic_open,
            "2025-01-25",
            "terms",
            agreement=self.periodic,
            date_payout="2025-02-01",
        )
        self._assert_forecast(
            self.periodic_open,
            "2025-01-25",
            "terms",
            agreement=self.periodic_held,
            date_payout="2025-03-01",
        )
        self.periodic.settlement_period = "quarterly"
        # The forecast is read again: its records' cached values are not.
        self.env["revshare.forecast"].invalidate_model()
        self._assert_forecast(
            self.periodic_open,
            "2025-01-25",
            "terms",
            agreement=self.periodic,
            date_payout="2025-04-01",
        )

    def test_periodic_payout_matches_the_settlement_run(self):
        """The forecast payout day is the daily run that settles the row: paid
        as forecast, the row is not taken by January's run (which settles an
        earlier row out of hold) nor by the runs before 2025-03-01 (whose
        ``day`` is yesterday), and is taken by that one."""
        earlier = self._invoice_30(self.periodic_customer, "2024-12-01")
        self._pay(earlier, date="2025-01-05")
        self._pay(self.periodic_open, date="2025-01-25")
        held = self.periodic_open.revshare_line_ids.filtered(
            lambda row: row.agreement_id == self.periodic_held and row.state == "earned"
        )
        self.assertEqual(held.date, date(2025, 1, 25))
        Settlement = self.env["revshare.settlement"]
        with freeze_time("2025-03-01"):
            for day in ("2025-01-31", "2025-02-27", "2025-02-28"):
                Settlement._revshare_run(
                    day=self._date(day), agreements=self.periodic_held
                )
                self.assertEqual(
                    bool(held.settlement_id), day == "2025-02-28", f"run of {day}"
                )

    def test_other_company_history_not_used(self):
        """The group customer pays 20 days late in the sister company: here it
        has no history, its invoice is forecast on its due date."""
        self._assert_forecast(self.group_open, "2025-01-19", "terms")

    def test_paid_invoice_leaves_the_forecast(self):
        self._pay(self.new_open, date="2025-01-10")
        self.assertFalse(self._forecast(self.new_open))

    def test_partner_forecast_per_payout_month(self):
        """January: the overdue (100.00, weighted 75.00), new (100.00, 80.00),
        partial (60.00, 48.00), periodic (100.00, 80.00) and group customer's
        (100.00, 80.00) invoices; February: the late payer's open invoice."""
        currency = self.company.currency_id
        self.assertEqual(
            self.reseller._revshare_forecast(),
            [
                {
                    "month": date(2025, 1, 1),
                    "currency": currency,
                    "amount": 460.0,
                    "amount_weighted": 363.0,
                },
                {
                    "month": date(2025, 2, 1),
                    "currency": currency,
                    "amount": 100.0,
                    "amount_weighted": 75.0,
                },
                {
                    "month": date(2025, 3, 1),
                    "currency": currency,
                    "amount": 0.0,
                    "amount_weighted": 0.0,
                },
            ],
        )
        self.assertEqual(
            [m["amount"] for m in self.agent_held._revshare_forecast(months=3)],
            [0.0, 0.0, 100.0],
        )

    def test_pivot_by_month(self):
        groups = self.env["revshare.forecast"]._read_group(
            [("partner_id", "=", self.reseller.id)],
            ["date_payout:month"],
            ["amount:sum", "amount_weighted:sum"],
        )
        self.assertEqual(
            groups,
            [
                (date(2025, 1, 1), 460.0, 363.0),
                (date(2025, 2, 1), 100.0, 75.0),
            ],
        )

    def test_user_reads_own_companies_only(self):
        """A revenue-share user of the sister company sees none of these rows;
        a portal user cannot read the forecast at all."""
        sister_env = self.env(
            user=self.sister_user,
            context=dict(self.env.context, allowed_company_ids=None),
        )
        self.assertFalse(sister_env["revshare.forecast"].search([]))
        local = self._create_user(
            "forecast_local", "partner_revshare.group_revshare_user"
        )
        self.assertEqual(
            self.env["revshare.forecast"].with_user(local).search_count([]), 8
        )
        portal = self._create_user("forecast_portal", "base.group_portal")
        with self.assertRaises(AccessError):
            self.env["revshare.forecast"].with_user(portal).search([])

    def test_views_and_menu(self):
        """A revenue-share user opens Reporting > Forecast: pivot, graph and list,
        the list with the method and the probability."""
        user = self._create_user(
            "forecast_views", "base.group_user,partner_revshare.group_revshare_user"
        )
        action = self.env.ref("partner_revshare.revshare_forecast_action")
        menu = self.env.ref("partner_revshare.revshare_forecast_menu")
        self.assertEqual(menu.action, action)
        self.assertIn(
            menu.id, self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
        )
        views = (
            self.env["revshare.forecast"]
            .with_user(user)
            .get_views(
                [(False, "pivot"), (False, "graph"), (False, "list")]
                + [(action.search_view_id.id, "search")]
            )["views"]
        )
        self.assertEqual(set(views), {"pivot", "graph", "list", "search"})
        for fname in ("method", "probability", "amount_weighted"):
            self.assertIn(f'name="{fname}"', views["list"]["arch"])
        self.assertIn('name="date_payout"', views["pivot"]["arch"])

    def test_portal_forecast_of_own_partner_only(self):
        portal = self._create_user("forecast_portal", "base.group_portal")
        portal.partner_id.parent_id = self.reseller
        forecast = self.reseller.with_user(portal)._revshare_portal_forecast()
        self.assertEqual([m["amount"] for m in forecast], [460.0, 100.0, 0.0])
        with self.assertRaises(AccessError):
            self.agent.with_user(portal)._revshare_portal_forecast()

    def test_forecast_read_queries(self):
        """The pivot by month is a fixed number of queries, whatever the number
        of rows: one more invoice costs none."""
        Forecast = self.env["revshare.forecast"]
        Forecast.flush_model()
        with self.assertQueryCount(4):
            Forecast._read_group([], ["date_payout:month"], ["amount:sum"])
        self._invoice_30(self.new_customer, "2024-12-21")
        Forecast.flush_model()
        with self.assertQueryCount(4):
            Forecast._read_group([], ["date_payout:month"], ["amount:sum"])


@tagged("post_install", "-at_install")
class TestRevshareForecastPortal(RevsharePaymentCommon, HttpCase):
    """The running account's "Coming next" block: an invoice of 1,000.00 posted
    today, due today (no payment terms) and no history: the reseller's 100.00
    is expected this month."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_agreement(cls.reseller, 10.0)
        cls._invoice(1000.0, date=fields.Date.today())
        portal = cls._create_user("revshare_forecast_portal", "base.group_portal")
        portal.partner_id.parent_id = cls.reseller

    def test_coming_next_block(self):
        self.authenticate("revshare_forecast_portal", "revshare_forecast_portal")
        tree = html.fromstring(self.url_open("/my/revshare").content)
        rows = tree.xpath("//tr[contains(@class, 'o_revshare_forecast_month')]")
        self.assertEqual(len(rows), 3)
        cells = [cell.text_content() for cell in rows[0].xpath("td")]
        self.assertIn("100.00", cells[1])
        self.assertIn("100.00", cells[2])
        self.assertTrue(
            tree.xpath("//section[contains(@class, 'o_revshare_forecast')]/p")
        )
