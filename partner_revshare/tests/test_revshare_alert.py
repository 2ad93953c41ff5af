from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import RevshareSettlementCommon, d


@tagged("post_install", "-at_install")
class TestRevshareAlert(RevshareSettlementCommon):
    """Alerts on Odoo's default configuration: self-dealing (each signal), deep
    discounts and quick clawbacks at posting, spikes by the daily cron; an alert
    found again is not duplicated; dismissing releases the held rows, confirming
    declines them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Alert = cls.env["revshare.alert"]
        cls.agreement = cls._create_agreement()
        cls.reseller.write(
            {
                "vat": "BE0477472701",
                "street": "Rue de la Loi 16",
                "zip": "1000",
                "email": "boss@reseller-shop.be",
            }
        )
        cls.env["res.partner.bank"].create(
            {"partner_id": cls.reseller.id, "acc_number": "BE71 0961 2345 6769"}
        )

    def _payable_balance(self, partner):
        lines = self.env["account.move.line"].search(
            [
                ("partner_id", "=", partner.id),
                ("account_id", "=", self.payable_account.id),
                ("parent_state", "=", "posted"),
            ]
        )
        return sum(lines.mapped("balance"))

    def _alerts(self, invoice, kind="self_dealing"):
        return self.Alert.search([("invoice_id", "=", invoice.id), ("kind", "=", kind)])

    def test_self_dealing_customer_is_beneficiary(self):
        contact = self.env["res.partner"].create(
            {"name": "Reseller Buyer", "parent_id": self.reseller.id}
        )
        invoice = self._create_invoice(
            [(self.product_cloud, 3, 100.0)], partner=contact
        )
        alert = self._alerts(invoice)
        self.assertEqual(len(alert), 1)
        self.assertEqual(alert.partner_id, self.reseller)
        self.assertEqual(alert.agreement_id, self.agreement)
        self.assertEqual(alert.customer_id, self.reseller)
        self.assertEqual(alert.amount, 30.0)
        self.assertEqual(alert.state, "open")
        self.assertIn("is the beneficiary", alert.reason)
        self.assertEqual(alert.line_ids, invoice.revshare_line_ids)
        self.assertIn(alert.display_name, alert.line_ids.hold_reason)
        self.assertEqual(self.reseller.revshare_alert_count, 1)

    def test_self_dealing_each_signal(self):
        signals = {
            "bank": ({}, "BE71 0961 2345 6769", "same bank account"),
            "vat": ({"vat": "be 0477.472.701"}, None, "same VAT number BE0477472701"),
            "address": (
                {"street": "rue de la loi 16", "zip": "1000"},
                None,
                "same street and zip Rue de la Loi 16, 1000",
            ),
            "email": ({"email": "buyer@reseller-shop.be"}, None, "reseller-shop.be"),
        }
        for signal, (vals, bank, text) in signals.items():
            with self.subTest(signal=signal):
                customer = self.env["res.partner"].create(
                    dict(vals, name=f"Customer {signal}")
                )
                if bank:
                    self.env["res.partner.bank"].create(
                        {"partner_id": customer.id, "acc_number": bank.lower()}
                    )
                invoice = self._create_invoice(
                    [(self.product_cloud, 1, 100.0)], partner=customer
                )
                alert = self._alerts(invoice)
                self.assertEqual(len(alert), 1)
                self.assertIn(text, alert.reason)
                self.assertEqual(alert.amount, 10.0)

    def test_no_alert_without_a_match(self):
        self.reseller.email = "boss@gmail.com"
        customer = self.env["res.partner"].create(
            {"name": "Stranger", "email": "stranger@gmail.com", "zip": "1000"}
        )
        invoice = self._create_invoice(
            [(self.product_cloud, 1, 100.0)], partner=customer
        )
        self.assertFalse(self.Alert.search([("invoice_id", "=", invoice.id)]))
        self.assertFalse(invoice.revshare_line_ids.hold_reason)

    def test_not_duplicated(self):
        invoice = self._create_invoice(
            [(self.product_cloud, 1, 100.0)], partner=self.reseller
        )
        alert = self._alerts(invoice)
        self.assertEqual(len(alert), 1)
        self.assertFalse(self.Alert._revshare_detect(invoice.revshare_line_ids))
        alert.write({"note": "Known"})
        alert.action_dismiss()
        self.assertFalse(self.Alert._revshare_detect(invoice.revshare_line_ids))
        self.assertEqual(self._alerts(invoice), alert)

    def test_dismiss_releases_held_rows(self):
        invoice = self._create_invoice(
            [(self.product_cloud, 2, 100.0)], partner=self.reseller
        )
        alert = self._alerts(invoice)
        rows = invoice.revshare_line_ids
        self.assertTrue(rows.hold_reason)
        review = self.env["revshare.review"].search([("alert_id", "=", alert.id)])
        self.assertEqual(review.amount, 20.0)
        self.assertEqual(review.review_type, "alert")
        with self._raises(UserError, "why it is dismissed"):
            alert.action_dismiss()
        self.assertTrue(rows.hold_reason)
        alert.note = "Buys for its own shop: allowed by the contract"
        alert.action_dismiss()
        self.assertEqual(alert.state, "dismissed")
        self.assertFalse(rows.hold_reason)
        self.assertFalse(
            self.env["revshare.review"].search([("alert_id", "=", alert.id)])
        )
        with self._raises(UserError, "not open"):
            alert.action_confirm()

    def test_no_hold_when_the_company_says_so(self):
        self.company.revshare_alert_hold = False
        invoice = self._create_invoice(
            [(self.product_cloud, 1, 100.0)], partner=self.reseller
        )
        self.assertEqual(len(self._alerts(invoice)), 1)
        self.assertFalse(invoice.revshare_line_ids.hold_reason)

    def test_confirm_declines_rows(self):
        invoice = self._create_invoice(
            [(self.product_cloud, 3, 100.0), (self.product_service, 1, 50.0)],
            partner=self.reseller,
        )
        alert = self._alerts(invoice)
        rows = invoice.revshare_line_ids
        self.assertEqual(self._payable_balance(self.reseller), -35.0)
        alert.note = "The reseller bought for itself"
        alert.action_confirm()
        self.assertEqual(alert.state, "confirmed")
        reversals = rows.reversal_line_ids
        self.assertEqual(sorted(reversals.mapped("amount")), [-30.0, -5.0])
        self.assertEqual(set(reversals.mapped("note")), {alert.note})
        self.assertFalse(any(rows.mapped("hold_reason")))
        ledger = sum((rows | reversals).mapped("amount_earned_company"))
        self.assertEqual(ledger, 0.0)
        self.assertEqual(self._payable_balance(self.reseller), -ledger)

    def test_deep_discount(self):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer2.id,
                "invoice_date": d("2026-03-10"),
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.product_cloud.id,
                            "price_unit": 100.0,
                            "discount": discount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                    for discount in (50.0, 49.0)
                ],
            }
        )
        invoice.action_post()
        deep = invoice.invoice_line_ids.filtered(lambda line: line.discount == 50.0)
        alert = self._alerts(invoice, "deep_discount")
        self.assertEqual(len(alert), 1)
        self.assertEqual(alert.line_ids.invoice_line_id, deep)
        self.assertEqual(alert.amount, 5.0)
        self.assertIn("discount of 50 %", alert.reason)
        self.assertFalse(self._alerts(invoice))  # not self-dealing: not held
        self.assertFalse(alert.line_ids.hold_reason)

    def _settled_invoice(self):
        agreement = self._periodic(partner=self.techpartner)
        invoice = self._create_invoice(
            [(self.product_cloud, 1, 200.0)],
            partner=self.customer2,
            invoice_date="2026-03-10",
        )
        settlement = self._run("2026-04-01", confirm=True, agreements=agreement)
        self.assertEqual(settlement.date, d("2026-04-01"))
        return agreement, invoice

    def _refund(self, invoice, day):
        refund = invoice._reverse_moves([{"invoice_date": d(day), "date": d(day)}])
        refund.action_post()
        return refund

    def test_quick_clawback(self):
        agreement, invoice = self._settled_invoice()
        refund = self._refund(invoice, "2026-05-01")
        alert = self._alerts(refund, "quick_clawback")
        self.assertEqual(len(alert), 1)
        self.assertEqual(alert.agreement_id, agreement)
        self.assertEqual(alert.amount, 20.0)
        self.assertIn("30 days", alert.reason)

    def test_late_clawback_raises_nothing(self):
        __, invoice = self._settled_invoice()
        refund = self._refund(invoice, "2026-05-02")
        self.assertFalse(self._alerts(refund, "quick_clawback"))

    def test_clawback_of_unsettled_share_raises_nothing(self):
        invoice = self._create_invoice(
            [(self.product_cloud, 1, 200.0)], partner=self.customer2
        )
        refund = self._refund(invoice, "2026-03-11")
        self.assertFalse(self._alerts(refund, "quick_clawback"))

    def _spikes(self, day):
        """Spike alerts the cron raises on ``day`` for our beneficiaries."""
        alerts = self.Alert._cron_revshare_spike(today=d(day))
        return alerts.filtered(
            lambda a: a.partner_id in self.reseller | self.techpartner
        )

    def test_spike(self):
        steady = self._create_agreement(partner=self.techpartner)
        months = ("2026-01-05", "2026-02-05", "2026-03-05")
        for day in months:
            self._earned_rows(self.agreement | steady, day)
        self._earned_rows(self.agreement, "2026-06-02", count=4)  # 40 > 3 x 10
        self._earned_rows(steady, "2026-06-02", count=3)  # 30: not above
        alert = self._spikes("2026-06-15")
        self.assertEqual(len(alert), 1)
        self.assertEqual(alert.kind, "spike")
        self.assertEqual(alert.partner_id, self.reseller)
        self.assertEqual(alert.month, d("2026-06-01"))
        self.assertEqual(alert.amount, 40.0)
        self.assertEqual(len(alert.line_ids), 4)
        # Found again the next day: not duplicated.
        self.assertFalse(self._spikes("2026-06-16"))

    def test_spike_needs_three_months_of_history(self):
        for day in ("2026-02-05", "2026-03-05"):
            self._earned_rows(self.agreement, day)
        self._earned_rows(self.agreement, "2026-06-02", count=10)
        self.assertFalse(self._spikes("2026-06-15"))

    def test_alerts_are_internal(self):
        invoice = self._create_invoice(
            [(self.product_cloud, 1, 100.0)], partner=self.reseller
        )
        alert = self._alerts(invoice)
        portal = self._create_user("alert_portal", "base.group_portal")
        portal.partner_id.parent_id = self.reseller
        with self.assertRaises(AccessError):
            alert.with_user(portal).read(["reason"])
        user = self._create_user("alert_user", "partner_revshare.group_revshare_user")
        self.assertEqual(alert.with_user(user).read(["amount"])[0]["amount"], 10.0)
        with self._raises(AccessError, "Only members"):
            alert.with_user(user).action_confirm()
        manager = self._create_user(
            "alert_manager", "partner_revshare.group_revshare_manager"
        )
        with self._raises(UserError, "Only the note"):
            alert.with_user(manager).write({"state": "dismissed"})
        alert.with_user(manager).write({"note": "Checking"})
        self.assertEqual((alert.state, alert.note), ("open", "Checking"))

    def test_settings_defaults(self):
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.revshare_alert_clawback_days, 30)
        self.assertEqual(settings.revshare_alert_spike_factor, 3.0)
        self.assertEqual(settings.revshare_alert_discount, 50.0)
        self.assertTrue(settings.revshare_alert_hold)

    def test_detection_queries_do_not_grow_with_partners(self):
        """Posting a batch of invoices costs the same queries with 10 or 1,000
        partners holding bank accounts and VAT numbers."""

        def partners(count, start):
            created = self.env["res.partner"].create(
                [
                    {"name": f"P{n}", "vat": f"BE{n:010d}", "street": f"S {n}"}
                    for n in range(start, start + count)
                ]
            )
            self.env["res.partner.bank"].create(
                [{"partner_id": p.id, "acc_number": f"NL{p.id:014d}"} for p in created]
            )
            return created

        customers = partners(3, 0)
        partners(7, 3)

        def post_batch():
            invoices = self.env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "partner_id": customer.id,
                        "invoice_date": d("2026-03-10"),
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "product_id": self.product_cloud.id,
                                    "price_unit": 100.0,
                                }
                            )
                        ],
                    }
                    for customer in customers
                ]
            )
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            invoices.action_post()
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        post_batch()  # warm-up
        with_10 = post_batch()
        partners(990, 10)
        with_1000 = post_batch()
        self.assertEqual(with_10, with_1000)
