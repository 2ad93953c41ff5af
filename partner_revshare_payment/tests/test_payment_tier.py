from odoo import Command
from odoo.tests import tagged

from .common import RevsharePaymentCommon


@tagged("post_install", "-at_install")
class TestPaymentTier(RevsharePaymentCommon):
    """The provisional tier rate at posting counts the period's volume once: an
    invoice's expected share, not also what its payments earned from it."""

    def test_paid_invoice_counts_once_toward_the_tier(self):
        agreement = self._create_agreement(
            self.reseller,
            10.0,
            mode="periodic",
            rule_ids=[
                Command.create(
                    {
                        "name": "Tiered",
                        "compute": "tiered",
                        "rate": 10.0,
                        "tier_ids": [
                            Command.create({"threshold": 1500.0, "rate": 20.0})
                        ],
                    }
                )
            ],
        )
        first = self._invoice(600.0)
        self._pay(first, date="2024-01-12")
        self.assertEqual(self._earned_total(first, agreement), 60.0)
        # 600 + 600 = 1,200 of volume: below the 1,500 tier (1,800 if the paid
        # invoice counted twice).
        second = self._invoice(600.0, date="2024-01-15")
        expected = second.revshare_line_ids.filtered(
            lambda r: r.agreement_id == agreement and r.state == "expected"
        )
        self.assertEqual((expected.rate, expected.amount), (10.0, 60.0))
        third = self._invoice(300.0, date="2024-01-16")
        expected = third.revshare_line_ids.filtered(
            lambda r: r.agreement_id == agreement and r.state == "expected"
        )
        self.assertEqual((expected.rate, expected.amount), (20.0, 60.0))
