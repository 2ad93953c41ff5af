from odoo import Command
from odoo.tests import tagged

from .common import RevshareCommon


@tagged("post_install", "-at_install")
class TestRevshareCompute(RevshareCommon):
    """The single share computation: compute types, scope, waterfall, currencies."""

    def test_percent_untaxed(self):
        agreement = self._create_agreement(rules=[{"rate": 12.5}])
        invoice = self._create_invoice(
            [(self.product_cloud, 3, 100.0, self.tax_10), (self.product_service, 1, 33.33)]
        )
        rows = self._rows(invoice)
        self.assertEqual(len(rows), 2)
        self.assertEqual(rows.mapped("amount"), [37.5, 4.17])
        self.assertEqual(rows.mapped("base_amount"), [300.0, 33.33])
        self.assertEqual(rows.mapped("state"), ["earned", "earned"])
        self.assertEqual(rows.mapped("kind"), ["share", "share"])
        self.assertEqual(rows.agreement_id, agreement)
        self.assertEqual(rows.partner_id, self.reseller)
        self.assertEqual(rows.customer_id, self.customer)
        self.assertEqual(invoice.revshare_amount, 41.67)
