from lxml import etree

from odoo.fields import Command
from odoo.tests import tagged
from odoo.tests.common import new_test_user

from odoo.addons.account.tests.common import (
    AccountTestInvoicingCommon,
    AccountTestInvoicingHttpCommon,
)

# Opens a page, waits for a selector, clicks through the notebook tabs, runs
# ``extra`` and reports success; any client error (an arch the web client
# cannot render, a missing field) fails the test.
BROWSER_JS = """
const wait = async (selector) => {
    for (let i = 0; i < 150; i++) {
        const el = document.querySelector(selector);
        if (el) {
            return el;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error("not found: " + selector + " on " + location.href);
};
(async () => {
    await wait("%(ready)s");
    for (const tab of document.querySelectorAll(".o_notebook .nav-link")) {
        tab.click();
        await new Promise((resolve) => setTimeout(resolve, 300));
    }
    %(extra)s
    console.log("test successful");
})().catch((error) => console.error(error.message));
"""


@tagged("post_install", "-at_install")
class TestViewsDemo(AccountTestInvoicingCommon):
    """Settings defaults reach new agreements; actions, views and menus load for
    the right groups."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.expense_account = cls.company_data["default_account_expense"].copy(
            {"code": "610900", "name": "Partner revenue shares"}
        )
        cls.payable_account = cls.company_data["default_account_payable"].copy(
            {"code": "211900", "name": "Partner revenue shares payable"}
        )
        cls.misc_journal = cls.company_data["default_journal_misc"]
        cls.bill_journal = cls.company_data["default_journal_purchase"]
        # No vendor tax: the entry agreements of these tests could not bear one.
        cls.bill_product = cls.env["product.product"].create(
            {
                "name": "Partner commission",
                "type": "service",
                "sale_ok": False,
                "supplier_taxes_id": [Command.clear()],
            }
        )
        cls.beneficiary = cls.env["res.partner"].create({"name": "Nimbus Resellers"})
        cls.revshare_user = new_test_user(
            cls.env,
            login="revshare_user",
            groups="base.group_user,partner_revshare.group_revshare_user",
            company_id=cls.env.company.id,
        )
        cls.revshare_manager = new_test_user(
            cls.env,
            login="revshare_manager",
            groups="base.group_user,partner_revshare.group_revshare_manager",
            company_id=cls.env.company.id,
        )
        cls.plain_user = new_test_user(
            cls.env,
            login="revshare_plain",
            groups="base.group_user",
            company_id=cls.env.company.id,
        )

    def _set_revshare_settings(self):
        settings = self.env["res.config.settings"].create(
            {
                "revshare_journal_id": self.misc_journal.id,
                "revshare_bill_journal_id": self.bill_journal.id,
                "revshare_expense_account_id": self.expense_account.id,
                "revshare_payable_account_id": self.payable_account.id,
                "revshare_product_id": self.bill_product.id,
            }
        )
        settings.execute()

    def _create_agreement(self, **vals):
        return self.env["revshare.agreement"].create(
            {
                "name": "Reseller agreement",
                "partner_id": self.beneficiary.id,
                "role": "reseller",
                "rule_ids": [
                    Command.create({"name": "20%", "compute": "percent", "rate": 20.0})
                ],
                **vals,
            }
        )

    # ------------------------------------------------------------------
    # Settings
    # ------------------------------------------------------------------

    def test_settings_store_company_defaults(self):
        company = self.env.company
        self._set_revshare_settings()
        self.assertEqual(company.revshare_journal_id, self.misc_journal)
        self.assertEqual(company.revshare_bill_journal_id, self.bill_journal)
        self.assertEqual(company.revshare_expense_account_id, self.expense_account)
        self.assertEqual(company.revshare_payable_account_id, self.payable_account)
        self.assertEqual(company.revshare_product_id, self.bill_product)
        # The settings form reads them back.
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.revshare_expense_account_id, self.expense_account)
        self.assertEqual(settings.revshare_product_id, self.bill_product)

    def test_settings_defaults_flow_into_new_agreement(self):
        self._set_revshare_settings()
        agreement = self._create_agreement()
        self.assertEqual(
            agreement._revshare_get_expense_account(), self.expense_account
        )
        self.assertEqual(
            agreement._revshare_get_payable_account(), self.payable_account
        )
        self.assertEqual(agreement._revshare_get_journal(), self.misc_journal)
        self.assertEqual(agreement._revshare_get_journal("purchase"), self.bill_journal)
        self.assertEqual(agreement._revshare_get_product(), self.bill_product)
        # Activation checks the accounting setup: the company defaults are enough.
        agreement.action_activate()
        self.assertEqual(agreement.state, "active")

    def test_agreement_own_accounts_win_over_defaults(self):
        self._set_revshare_settings()
        own_expense = self.company_data["default_account_expense"]
        agreement = self._create_agreement(expense_account_id=own_expense.id)
        self.assertEqual(agreement._revshare_get_expense_account(), own_expense)

    # ------------------------------------------------------------------
    # Actions, views and menus
    # ------------------------------------------------------------------

    def _action_views(self, xmlid, user):
        """Render every view of a window action as ``user`` sees it."""
        action = self.env.ref(xmlid)
        modes = [mode.strip() for mode in action.view_mode.split(",")]
        views = [(False, mode) for mode in modes]
        views.append((action.search_view_id.id, "search"))
        result = self.env[action.res_model].with_user(user).get_views(views)["views"]
        self.assertEqual(set(result), {*modes, "search"})
        return {mode: etree.fromstring(view["arch"]) for mode, view in result.items()}

    def test_window_actions_render(self):
        expected = {
            "partner_revshare.revshare_agreement_action": {"list", "form"},
            "partner_revshare.revshare_line_action": {"list", "form", "pivot", "graph"},
            "partner_revshare.revshare_line_action_analysis": {
                "pivot",
                "graph",
                "list",
            },
        }
        for xmlid, modes in expected.items():
            with self.subTest(action=xmlid):
                archs = self._action_views(xmlid, self.revshare_user)
                self.assertEqual(set(archs) - {"search"}, modes)
        ledger = self._action_views(
            "partner_revshare.revshare_line_action", self.revshare_user
        )
        # The ledger sums what was earned and what is still expected, never the
        # raw amounts (an expected row would count what its earned rows count).
        self.assertFalse(ledger["list"].xpath("//field[@name='amount']/@sum"))
        self.assertEqual(
            ledger["list"].xpath("//field[@name='amount_earned']/@sum"),
            ["Total earned"],
        )
        self.assertEqual(
            ledger["list"].xpath("//field[@name='amount_expected']/@sum"),
            ["Total still expected"],
        )
        self.assertTrue(ledger["search"].xpath("//filter[@name='group_role']"))
        self.assertTrue(ledger["search"].xpath("//filter[@name='group_month']"))
        self.assertTrue(
            ledger["pivot"].xpath(
                "//field[@name='amount_earned_company'][@type='measure']"
            )
        )
        self.assertIn(
            "search_default_state_earned",
            self.env.ref("partner_revshare.revshare_line_action_analysis").context,
        )

    def test_agreement_form_state_buttons_for_managers_only(self):
        buttons = (
            "action_activate",
            "action_suspend",
            "action_expire",
            "action_cancel",
            "action_draft",
        )
        manager_form = self._action_views(
            "partner_revshare.revshare_agreement_action", self.revshare_manager
        )["form"]
        user_form = self._action_views(
            "partner_revshare.revshare_agreement_action", self.revshare_user
        )["form"]
        for button in buttons:
            with self.subTest(button=button):
                self.assertEqual(
                    len(manager_form.xpath(f"//header/button[@name='{button}']")), 1
                )
                self.assertFalse(user_form.xpath(f"//header/button[@name='{button}']"))
        pages = manager_form.xpath("//notebook/page/@name")
        self.assertEqual(pages, ["rules", "bonuses", "scope", "accounting", "ledger"])

    def test_inherited_views_render(self):
        partner_form = etree.fromstring(
            self.env["res.partner"]
            .with_user(self.revshare_user)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertTrue(partner_form.xpath("//field[@name='revshare_referrer_id']"))
        self.assertTrue(
            partner_form.xpath("//button[@name='action_view_revshare_lines']")
        )
        plain_partner_form = etree.fromstring(
            self.env["res.partner"]
            .with_user(self.plain_user)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertFalse(
            plain_partner_form.xpath("//field[@name='revshare_referrer_id']")
        )
        move_form = etree.fromstring(
            self.env["account.move"]
            .with_user(self.env.user)
            .get_views([(False, "form")])["views"]["form"]["arch"]
        )
        self.assertTrue(move_form.xpath("//page[@name='revshare_preview']"))
        self.assertTrue(move_form.xpath("//button[@name='action_view_revshare_lines']"))
        settings_form = etree.fromstring(
            self.env["res.config.settings"].get_views([(False, "form")])["views"][
                "form"
            ]["arch"]
        )
        self.assertTrue(
            settings_form.xpath("//field[@name='revshare_expense_account_id']")
        )

    def test_menus_visible_to_revshare_users_only(self):
        menus = (
            "partner_revshare.revshare_menu_root",
            "partner_revshare.revshare_agreement_menu",
            "partner_revshare.revshare_line_menu",
            "partner_revshare.revshare_line_menu_analysis",
        )
        menu_ids = {self.env.ref(xmlid).id for xmlid in menus}
        Menu = self.env["ir.ui.menu"]
        # An invoicing user gets the revenue share user group from its group.
        accountant = new_test_user(
            self.env,
            login="revshare_invoicing",
            groups="base.group_user,account.group_account_invoice",
            company_id=self.env.company.id,
        )
        self.assertTrue(accountant.has_group("partner_revshare.group_revshare_user"))
        visible = set(Menu.with_user(accountant)._visible_menu_ids())
        self.assertEqual(menu_ids - visible, set())
        hidden = set(Menu.with_user(self.plain_user)._visible_menu_ids())
        self.assertEqual(menu_ids & hidden, set())


@tagged("post_install", "-at_install")
class TestViewsBrowser(AccountTestInvoicingHttpCommon):
    """The web client renders our views on real records (smoke test)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.revshare_expense_account_id = cls.company_data[
            "default_account_expense"
        ]
        cls.env.company.revshare_journal_id = cls.company_data["default_journal_misc"]
        cls.beneficiary = cls.env["res.partner"].create({"name": "Nimbus Resellers"})
        cls.customer = cls.env["res.partner"].create(
            {"name": "Acme Analytics", "revshare_referrer_id": cls.beneficiary.id}
        )
        cls.agreement = cls.env["revshare.agreement"].create(
            {
                "name": "Reseller agreement",
                "partner_id": cls.beneficiary.id,
                "role": "reseller",
                # Explicit: partner_revshare_payment makes "payment" the default.
                "trigger": "invoice",
                "referred_only": True,
                "rule_ids": [
                    Command.create(
                        {
                            "name": "Tiered",
                            "compute": "tiered",
                            "tier_ids": [
                                Command.create({"threshold": 0.0, "rate": 10.0}),
                                Command.create({"threshold": 5000.0, "rate": 15.0}),
                            ],
                        }
                    )
                ],
            }
        )
        cls.agreement.action_activate()
        # One line each, at product_a's price (1000.0).
        cls.posted_invoice = cls.init_invoice(
            "out_invoice", partner=cls.customer, products=cls.product_a, post=True
        )
        cls.draft_invoice = cls.init_invoice(
            "out_invoice", partner=cls.customer, products=cls.product_b
        )

    def _check(self, url, ready, extra=""):
        self.browser_js(
            url, BROWSER_JS % {"ready": ready, "extra": extra}, login="accountman"
        )

    def test_agreement_views(self):
        self.assertEqual(self.env.user.login, "accountman")
        # 10% of 1000.0 (first tier)
        self.assertEqual(self.agreement.line_count, 1)
        self.assertEqual(self.agreement.amount_earned, 100.0)
        self._check(
            f"/odoo/action-partner_revshare.revshare_agreement_action/{self.agreement.id}",
            ".o_form_view .o_notebook",
            extra="""
            document.querySelector(".o_notebook .nav-link").click();
            (await wait(".o_list_record_open_form_view button")).click();
            await wait(".o_field_one2many[name=tier_ids] .o_data_row");
            """,
        )
        self._check(
            "/odoo/action-partner_revshare.revshare_agreement_action",
            ".o_list_view .o_data_row",
        )

    def test_ledger_views(self):
        self._check(
            "/odoo/action-partner_revshare.revshare_line_action",
            ".o_list_view .o_data_row",
        )
        self._check(
            "/odoo/action-partner_revshare.revshare_line_action_analysis",
            ".o_pivot_view .o_pivot",
        )

    def test_partner_invoice_and_settings_views(self):
        self._check(
            f"/odoo/action-base.action_partner_form/{self.beneficiary.id}",
            ".o_form_view .oe_stat_button[name=action_view_revshare_lines]",
        )
        self._check(
            f"/odoo/action-account.action_move_out_invoice_type/{self.posted_invoice.id}",
            ".o_form_view .oe_stat_button[name=action_view_revshare_lines]",
        )
        self._check(
            f"/odoo/action-account.action_move_out_invoice_type/{self.draft_invoice.id}",
            ".o_form_view .o_notebook",
            extra="""
            const tab = [...document.querySelectorAll(".o_notebook .nav-link")].find(
                (link) => link.textContent.includes("Revenue Share")
            );
            if (!tab) {
                throw new Error("no Revenue Share tab on the draft invoice");
            }
            tab.click();
            await wait(".o_field_html[name=revshare_preview_html] table");
            """,
        )
        self._check(
            "/odoo/action-account.action_account_config",
            ".o_field_widget[name=revshare_expense_account_id]",
        )
