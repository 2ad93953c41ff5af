from odoo.tests import tagged

from .common_portal import RevsharePortalCommon


@tagged("post_install", "-at_install")
class TestPortalDisputeRoundTrip(RevsharePortalCommon):
    """A partner disputes a statement in the portal; the dispute waits in the
    review queue; a manager answers it with an adjustment; the partner reads the
    answer on the statement and finds the adjustment with its reason in its
    ledger."""

    def test_tour_dispute_round_trip(self):
        self.reseller.email = "reseller@example.com"
        self.start_tour(
            "/my", "partner_revshare_portal_tour", login="revshare_portal_a"
        )
        Review = self.env["revshare.review"].with_user(self.accountant)
        [item] = Review.search([("review_type", "=", "dispute")])
        self.assertEqual(item.settlement_id, self.statement_a)
        self.assertEqual(item.partner_id, self.reseller)
        self.assertEqual(item.amount, self.statement_a.amount_total)
        self.assertEqual(item.settlement_id.line_ids, self.row_2 | self.row_p)
        self.env["revshare.settlement.resolve"].with_user(self.accountant).create(
            {
                "settlement_id": self.statement_a.id,
                "answer": "You are right: 5.00 added.",
                "amount": 5.0,
                "agreement_id": self.agreement_a.id,
            }
        ).action_confirm()
        self.assertFalse(Review.search([("review_type", "=", "dispute")]))
        adjustment = self.env["revshare.line"].search(
            [("adjustment_reason", "=", "manual")]
        )
        self.assertEqual((adjustment.amount, adjustment.state), (5.0, "earned"))
        self.start_tour(
            f"/my/revshare/statements/{self.statement_a.id}",
            "partner_revshare_dispute_answer_tour",
            login="revshare_portal_a",
        )
        self.assertIn("You are right: 5.00 added.", [row[-1] for row in self._csv()])
