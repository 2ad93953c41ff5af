from contextlib import contextmanager

from odoo import Command, fields
from odoo.tests import new_test_user

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


class RevshareCommon(AccountTestInvoicingCommon):
    """Shared fixtures: a company with an expense account and journal for revenue
    shares, beneficiaries, customers and products, and helpers to create agreements
    and invoices without demo data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.currency = cls.company.currency_id
        cls.misc_journal = cls.company_data["default_journal_misc"]
        cls.sale_journal = cls.company_data["default_journal_sale"]
        cls.purchase_journal = cls.company_data["default_journal_purchase"]
        cls.expense_account = cls.env["account.account"].create(
            {
                "name": "Revenue share expense",
                "code": "611990",
                "account_type": "expense",
            }
        )
        cls.payable_account = cls.company_data["default_account_payable"]
        cls.reseller = cls.env["res.partner"].create(
            {
                "name": "Reseller",
                "property_account_payable_id": cls.payable_account.id,
            }
        )
        cls.techpartner = cls.env["res.partner"].create(
            {
                "name": "Tech Partner",
                "property_account_payable_id": cls.payable_account.id,
            }
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Customer One", "revshare_referrer_id": cls.reseller.id}
        )
        cls.customer2 = cls.env["res.partner"].create({"name": "Customer Two"})
        cls.categ_parent = cls.env["product.category"].create({"name": "Cloud"})
        cls.categ_child = cls.env["product.category"].create(
            {"name": "Cloud Storage", "parent_id": cls.categ_parent.id}
        )
        cls.categ_other = cls.env["product.category"].create({"name": "Services"})
        cls.product_cloud = cls._create_product(
            name="Cloud Storage 1TB",
            lst_price=100.0,
            standard_price=40.0,
            categ_id=cls.categ_child.id,
            taxes_id=[Command.clear()],
        )
        cls.product_service = cls._create_product(
            name="Consulting",
            lst_price=50.0,
            standard_price=10.0,
            categ_id=cls.categ_other.id,
            taxes_id=[Command.clear()],
        )
        cls.tax_10 = cls.env["account.tax"].create(
            {"name": "Tax 10%", "amount": 10.0, "type_tax_use": "sale"}
        )
        cls.bill_product = cls._create_product(
            name="Revenue share",
            type="service",
            taxes_id=[Command.clear()],
            supplier_taxes_id=[Command.clear()],
        )

    @classmethod
    def _create_agreement(
        cls,
        partner=None,
        rate=10.0,
        mode="entry",
        company_data=None,
        rules=None,
        activate=True,
        **vals,
    ):
        """An agreement of ``partner`` (default: the reseller) in the company of
        ``company_data`` (default: the main one), booked by ``mode``, with
        ``rules`` (rule value dicts; default: one rule of ``rate`` percent),
        activated unless told otherwise. ``vals`` override any value; what a test
        class gives every agreement comes from :meth:`_agreement_defaults`."""
        company_data = company_data or cls.company_data
        partner = partner or cls.reseller
        journal = company_data[
            "default_journal_purchase" if mode == "bill" else "default_journal_misc"
        ]
        values = {
            "partner_id": partner.id,
            "company_id": company_data["company"].id,
            "currency_id": company_data["currency"].id,
            "settlement_mode": mode,
            "journal_id": journal.id,
            "rule_ids": [Command.create(rule) for rule in (rules or [{"rate": rate}])],
            **cls._agreement_defaults(partner, rate, company_data),
            **vals,
        }
        agreement = cls.env["revshare.agreement"].create(values)
        if activate:
            agreement.action_activate()
        return agreement

    @classmethod
    def _agreement_defaults(cls, partner, rate, company_data):
        """Values every agreement of this test class has: earned when the invoice
        is posted, booked on the revenue-share expense account."""
        return {
            "name": "Agreement",
            "trigger": "invoice",
            "expense_account_id": cls.expense_account.id,
        }

    @classmethod
    def _create_user(cls, login, groups, company=None):
        """A user of ``groups`` (comma-separated XML ids) working in ``company``
        (default: the main one) only."""
        company = company or cls.company
        return new_test_user(
            cls.env,
            login=login,
            groups=groups,
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )

    @classmethod
    def _statement_html(cls, settlements):
        """The statement report of ``settlements``, rendered as HTML."""
        report = cls.env["ir.actions.report"]
        return report._render_qweb_html(
            "partner_revshare.action_report_revshare_statement", settlements.ids
        )[0].decode()

    @staticmethod
    def _tiered_rule(rate, *tiers):
        """Values of a tiered rule: ``rate`` below the first tier, then each
        ``(threshold, rate)`` of ``tiers`` in that order."""
        return {
            "compute": "tiered",
            "rate": rate,
            "tier_ids": [
                Command.create({"sequence": seq, "threshold": threshold, "rate": r})
                for seq, (threshold, r) in enumerate(tiers, start=1)
            ],
        }

    @classmethod
    def _create_invoice(
        cls,
        lines,
        partner=None,
        move_type="out_invoice",
        invoice_date="2026-03-10",
        currency=None,
        post=True,
        **vals,
    ):
        """``lines``: list of (product, quantity, price_unit[, taxes])."""
        line_cmds = []
        for line in lines:
            product, quantity, price_unit = line[:3]
            taxes = line[3] if len(line) > 3 else cls.env["account.tax"]
            line_cmds.append(
                Command.create(
                    {
                        "product_id": product.id,
                        "quantity": quantity,
                        "price_unit": price_unit,
                        "tax_ids": [Command.set(taxes.ids)],
                    }
                )
            )
        values = {
            "move_type": move_type,
            "partner_id": (partner or cls.customer).id,
            "invoice_date": fields.Date.to_date(invoice_date),
            "invoice_line_ids": line_cmds,
        }
        if currency:
            values["currency_id"] = currency.id
        values.update(vals)
        invoice = cls.env["account.move"].create(values)
        if post:
            invoice.action_post()
        return invoice

    def _rows(self, invoice, agreement=None):
        rows = invoice.revshare_line_ids
        if agreement:
            rows = rows.filtered(lambda r: r.agreement_id == agreement)
        return rows.sorted("id")

    def _amounts(self, invoice, agreement=None):
        return [r.amount for r in self._rows(invoice, agreement)]


def d(value):
    return fields.Date.to_date(value)


class RevshareSettlementCommon(RevshareCommon):
    """Periodic agreements and helpers to run settlements."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Settlement = cls.env["revshare.settlement"]
        cls.eur = cls.setup_other_currency("EUR", rates=[("2016-01-01", 2.0)])

    @classmethod
    def _periodic(cls, **vals):
        values = {
            "settlement_mode": "periodic",
            "product_id": cls.bill_product.id,
            "journal_id": cls.purchase_journal.id,
        }
        values.update(vals)
        return cls._create_agreement(**values)

    def _earned_rows(self, agreements, day, count=1, state="earned"):
        """``count`` rows of 10.00 (10 % of 100.00) per agreement of
        ``agreements``, dated ``day``, made directly in the ledger (earned, or in
        ``state``)."""
        return (
            self.env["revshare.line"]
            .sudo()
            .create(
                [
                    {
                        "agreement_id": agreement.id,
                        "partner_id": agreement.partner_id.id,
                        "company_id": agreement.company_id.id,
                        "currency_id": agreement.currency_id.id,
                        "date": day,
                        "base_amount": 100.0,
                        "rate": 10.0,
                        "amount": 10.0,
                        "amount_company": 10.0,
                        "state": state,
                    }
                    for agreement in agreements
                    for __ in range(count)
                ]
            )
        )

    @contextmanager
    def _raises(self, exception, text):
        """assertRaises (rolls back to a savepoint) and checks the message."""
        with self.assertRaises(exception) as catcher:
            yield
        self.assertIn(text, str(catcher.exception))

    def _run(self, day, confirm=False, **kwargs):
        return self.Settlement._revshare_run(d(day), confirm=confirm, **kwargs)
