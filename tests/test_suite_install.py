"""Cross-addon checks: both addons are installed, in the right dependency order."""

from odoo.tests.common import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestSuiteInstall(TransactionCase):
    def test_addons_installed(self):
        modules = self.env["ir.module.module"].search(
            [("name", "in", ["partner_revshare", "partner_revshare_payment"])]
        )
        self.assertEqual(
            sorted(modules.mapped("state")), ["installed", "installed"], modules
        )

    def test_dependency_direction(self):
        """The payment addon builds on the base addon, never the reverse."""
        module = self.env["ir.module.module"]
        base = module.search([("name", "=", "partner_revshare")])
        payment = module.search([("name", "=", "partner_revshare_payment")])
        self.assertIn("partner_revshare", payment.dependencies_id.mapped("name"))
        self.assertNotIn(
            "partner_revshare_payment", base.dependencies_id.mapped("name")
        )
