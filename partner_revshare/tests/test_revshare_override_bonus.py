from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import RevshareSettlementCommon, d


@tagged("post_install", "-at_install")
class TestRevshareOverride(RevshareSettlementCommon):
    """Overrides: "the distributor earns 5 % of what its resellers earn", in the
    same batch as the shares they are computed on, down a chain."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.distributor = cls.env["res.partner"].create(
            {
                "name": "Distributor",
                "property_account_payable_id": cls.payable_account.id,
            }
        )
        cls.master = cls.env["res.partner"].create(
            {
                "name": "Master Distributor",
                "property_account_payable_id": cls.payable_account.id,
            }
        )

    def _override(self, partner, sources, rate, **vals):
        return self._create_agreement(
            partner=partner,
            rate=rate,
            base="shares",
            override_agreement_ids=[Command.set(sources.ids)],
            **vals,
        )

    def test_chain_of_overrides(self):
        reseller = self._create_agreement(rate=30.0, sequence=1)
        tech = self._create_agreement(partner=self.techpartner, rate=10.0, sequence=2)
        distributor = self._override(self.distributor, reseller | tech, 5.0)
        master = self._override(self.master, distributor, 10.0)
        invoice = self._create_invoice([(self.product_cloud, 10, 100.0)])
        self.assertEqual(self._amounts(invoice, reseller), [300.0])
        self.assertEqual(self._amounts(invoice, tech), [100.0])
        rows = self._rows(invoice, distributor)
        self.assertEqual(rows.mapped("amount"), [15.0, 5.0])
        self.assertEqual(rows.mapped("base_amount"), [300.0, 100.0])
        self.assertEqual(rows.overridden_agreement_id, reseller | tech)
        self.assertEqual(rows.invoice_line_id, invoice.invoice_line_ids)
        # One row per line on the distributor's total there (15 + 5).
        self.assertEqual(self._amounts(invoice, master), [2.0])
        self.assertEqual(self._rows(invoice, master).base_amount, 20.0)
        self.assertEqual(set(invoice.revshare_line_ids.mapped("state")), {"earned"})
        # Booked like any row.
        self.assertEqual(
            sum(self._rows(invoice, distributor).move_id.line_ids.mapped("debit")),
            422.0,
        )
        # A credit note takes back down the chain; so does a reset to draft.
        refund = self._create_invoice(
            [(self.product_cloud, 2, 100.0)], move_type="out_refund"
        )
        self.assertEqual(self._amounts(refund, distributor), [-3.0, -1.0])
        self.assertEqual(self._amounts(refund, master), [-0.4])
        invoice.button_draft()
        self.assertEqual(self._amounts(invoice, master), [2.0, -2.0])
        # The preview and the check know them.
        self.assertEqual(invoice.revshare_preview_amount, 300.0 + 100.0 + 20.0 + 2.0)
        invoice.action_post()
        self.assertEqual(
            self.env["revshare.check"]._revshare_check(
                self.company, "2026-01-01", "2026-12-31"
            ),
            [],
        )
        self.assertIn(
            "Shares are computed on the shares of Reseller, Tech Partner",
            dict(distributor._revshare_portal_terms())["Base"],
        )

    def test_bad_overrides_refused(self):
        reseller = self._create_agreement(rate=30.0)
        distributor = self._override(self.distributor, reseller, 5.0)
        master = self._override(self.master, distributor, 10.0, activate=False)
        with self.assertRaisesRegex(ValidationError, "form a cycle"):
            distributor.override_agreement_ids = [Command.link(master.id)]
        with self.assertRaisesRegex(ValidationError, "its own shares"):
            master.override_agreement_ids = [Command.link(master.id)]
        empty = self._create_agreement(
            partner=self.master, rate=5.0, base="shares", activate=False
        )
        with self.assertRaisesRegex(UserError, "choose those agreements"):
            empty.action_activate()


@tagged("post_install", "-at_install")
class TestRevshareBonus(RevshareSettlementCommon):
    """Period bonuses: the settlement adds the bonus of the highest threshold
    reached once per period, and takes it back when a clawback takes the period
    under it."""

    def test_bonus_reached_then_lost(self):
        agreement = self._periodic(
            bonus_ids=[
                Command.create({"threshold": 5000.0, "amount": 100.0}),
                Command.create({"threshold": 10000.0, "amount": 300.0}),
            ]
        )
        self._create_invoice(
            [(self.product_cloud, 120, 100.0)], invoice_date="2026-01-10"
        )
        first = self._run("2026-01-31")
        bonus = first.line_ids.filtered(lambda r: r.adjustment_reason == "bonus")
        self.assertRecordValues(
            bonus,
            [{"kind": "adjustment", "amount": 300.0, "date": d("2026-01-31")}],
        )
        self.assertEqual(first.amount_total, 1500.0)
        self.assertIn("Period bonus", self._statement_html(first))
        self.assertFalse(self._run("2026-01-31"), "once per period")
        # A credit note of the same month, posted after the statement: the period
        # falls to 8,000, the bonus to 100.
        self._create_invoice(
            [(self.product_cloud, 40, 100.0)],
            move_type="out_refund",
            invoice_date="2026-01-20",
        )
        second = self._run("2026-02-28")
        self.assertEqual(sorted(second.line_ids.mapped("amount")), [-400.0, -200.0])
        self.assertEqual(
            second.line_ids.filtered(lambda r: r.adjustment_reason == "bonus").amount,
            -200.0,
        )
        self.assertEqual(
            sum(
                agreement.line_ids.filtered(
                    lambda r: r.adjustment_reason == "bonus"
                ).mapped("amount")
            ),
            100.0,
        )
        self.assertEqual(
            self.env["revshare.check"]._revshare_check(
                self.company, "2026-01-01", "2026-03-31"
            ),
            [],
        )
        self.assertIn(
            "once the period's sales reach",
            dict(agreement._revshare_portal_terms())["Bonus"],
        )

    def test_non_positive_threshold_refused(self):
        with self.assertRaisesRegex(ValidationError, "must be positive"):
            self._periodic(bonus_ids=[Command.create({"threshold": 0.0, "amount": 5})])
