from odoo import Command
from odoo.tests import tagged

from .common import RevshareSettlementCommon, d


@tagged("post_install", "-at_install")
class TestSettlementPlan(RevshareSettlementCommon):
    """The plan says which agreements of its scope it leaves out and why, one
    reason per skip; the "Settle now" preview shows exactly that."""

    def _skipped(self, day, **kwargs):
        plan = self.Settlement._revshare_plan(d(day), **kwargs)
        return {
            skipped.agreement: (skipped.reason, skipped.date, skipped.amount)
            for skipped in plan.skipped
        }

    def _preview(self, day, agreements=None):
        wizard = self.env["revshare.settlement.run"].create(
            {
                "date": day,
                "agreement_ids": [Command.set(agreements.ids if agreements else [])],
            }
        )
        wizard.action_preview()
        return wizard.preview_idle.replace("\xa0", " ")

    def test_skip_another_company(self):
        """An agreement asked of a company the run does not settle (a script
        settling one company)."""
        other = self.setup_other_company(name="Revshare Co 2")["company"]
        self.env.user.company_ids |= other
        agreement = (
            self.env["revshare.agreement"]
            .with_company(other)
            .create(
                {
                    "name": "Agreement Co 2",
                    "partner_id": self.reseller.id,
                    "company_id": other.id,
                    "currency_id": other.currency_id.id,
                    "trigger": "invoice",
                    "settlement_mode": "periodic",
                    "product_id": self.bill_product.id,
                    "rule_ids": [Command.create({"rate": 20.0})],
                }
            )
        )
        agreement.action_activate()
        plan = self.Settlement._revshare_plan(
            d("2026-03-31"), agreements=agreement, companies=self.company
        )
        self.assertEqual(
            [(s.agreement, s.reason) for s in plan.skipped], [(agreement, "company")]
        )
        text = self.env["revshare.settlement.run"].new()._revshare_skipped_text(plan)
        self.assertEqual(
            text,
            f"{agreement.display_name}: it belongs to company Revshare Co 2, which "
            "this run does not settle: select it in the company switcher.",
        )

    def test_skip_nothing_due(self):
        agreement = self._periodic()
        self._earned_rows(agreement, "2026-04-10")
        self.assertEqual(
            self._skipped("2026-03-31", agreements=agreement),
            {agreement: ("nothing_due", None, 0.0)},
        )
        # Unasked, an agreement with nothing to settle is not worth a line.
        self.assertEqual(self._skipped("2026-03-31"), {})
        self.assertEqual(
            self._preview("2026-03-31"), "No agreement has earned rows to settle."
        )

    def test_skip_held_rows(self):
        """Rows a manager put on hold: the agreement is said held, asked or not,
        never "below the minimum payout" nor left out."""
        agreement = self._periodic(min_payout=50.0)
        self._earned_rows(agreement, "2026-03-10")._revshare_hold("Check")
        for kwargs in ({}, {"agreements": agreement}):
            self.assertEqual(
                self._skipped("2026-03-31", **kwargs),
                {agreement: ("held", None, 0.0)},
            )
        self.assertEqual(
            self._preview("2026-03-31"),
            f"{agreement.display_name}: its rows to settle are on hold: release "
            "them to settle them.",
        )

    def test_skip_already_settled(self):
        agreement = self._periodic()
        self._earned_rows(agreement, "2026-03-10")
        self.assertTrue(self._run("2026-03-31"))
        # A late row of a settled period waits for the next one.
        self._earned_rows(agreement, "2026-03-20")
        self.assertEqual(
            self._skipped("2026-03-31"),
            {agreement: ("settled", d("2026-03-31"), 0.0)},
        )
        self.assertIn("already settled up to 03/31/2026.", self._preview("2026-03-31"))

    def test_skip_period_not_ended(self):
        agreement = self._periodic(settlement_period="half_yearly")
        self._earned_rows(agreement, "2026-03-10")
        self.assertEqual(
            self._skipped("2026-03-31"),
            {agreement: ("period", d("2025-12-31"), 0.0)},
        )

    def test_skip_hold_days(self):
        agreement = self._periodic(hold_days=40)
        self._earned_rows(agreement, "2026-03-10")
        self.assertEqual(
            self._skipped("2026-03-31"), {agreement: ("hold_days", None, 0.0)}
        )

    def test_skip_min_payout(self):
        agreement = self._periodic(min_payout=500.0)
        self._earned_rows(agreement, "2026-03-10", count=3)
        self.assertEqual(
            self._skipped("2026-03-31"), {agreement: ("min_payout", None, 30.0)}
        )
        self.assertIn(
            "$ 30.00 to settle, below the minimum payout of $ 500.00.",
            self._preview("2026-03-31"),
        )

    def test_planned_agreements_are_not_skipped(self):
        planned = self._periodic()
        held = self._periodic(name="Held", partner_id=self.techpartner.id)
        self._earned_rows(planned | held, "2026-03-10")
        held.line_ids._revshare_hold("Check")
        plan = self.Settlement._revshare_plan(d("2026-03-31"))
        self.assertEqual([item.agreements for item in plan.settlements], [planned])
        self.assertEqual([s.agreement for s in plan.skipped], [held])
