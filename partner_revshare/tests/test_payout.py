import base64
import csv
import io
import os
from decimal import Decimal

import sepaxml
from lxml import etree

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools import format_date

from .common import RevshareSettlementCommon, d

NS = {
    "pain.001.001.09": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09",
    "pain.001.001.03": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03",
}
IBAN_RESELLER = "DE89 3704 0044 0532 0130 00"
IBAN_TECH = "GB82 WEST 1234 5698 7654 32"
IBAN_COMPANY = "FR76 3000 6000 0112 3456 7890 189"


class PayoutCommon(RevshareSettlementCommon):
    """Payouts on Odoo's default configuration: the bank journal, its "Manual
    Payment" method and the payment terms as shipped; a user adds the partners'
    bank accounts and the company's account number on the bank journal. Two
    partners, three confirmed statements in EUR with posted bills."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bank_journal = cls.company_data["default_journal_bank"]
        # Odoo ships "Manual Payment" without an outstanding account (payments are
        # booked on the chart's one); AccountTestInvoicingCommon gives it one.
        cls.bank_journal.outbound_payment_method_line_ids.payment_account_id = False
        cls.bank_journal.bank_acc_number = IBAN_COMPANY
        Bank = cls.env["res.partner.bank"]
        cls.bank_reseller = Bank.create(
            {"acc_number": IBAN_RESELLER, "partner_id": cls.reseller.id}
        )
        cls.bank_tech = Bank.create(
            {
                "acc_number": IBAN_TECH,
                "partner_id": cls.techpartner.id,
                "bank_id": cls.env["res.bank"]
                .create({"name": "Westminster", "bic": "NWBKGB2L"})
                .id,
            }
        )
        cls.s_reseller_march = cls._statement(cls.reseller, 100.0, "2026-03")
        cls.s_reseller_april = cls._statement(cls.reseller, 40.0, "2026-04")
        cls.s_tech = cls._statement(cls.techpartner, 50.0, "2026-03")
        cls.statements = cls.s_reseller_march | cls.s_reseller_april | cls.s_tech

    @classmethod
    def _statement(cls, partner, share, month, currency=None, auto_post=True):
        """A confirmed statement of ``partner`` for ``month`` (YYYY-MM) owing
        ``share`` (10 % of an invoice of its own customer), its bill posted
        unless told otherwise."""
        currency = currency or cls.eur
        customer = cls.env["res.partner"].create({"name": f"Customer {month}"})
        agreement = cls._periodic(
            partner=partner,
            currency_id=currency.id,
            bill_auto_post=auto_post,
            customer_ids=[Command.set(customer.ids)],
        )
        cls._create_invoice(
            [(cls.product_cloud, 1, share * 10)],
            partner=customer,
            currency=currency,
            invoice_date=f"{month}-10",
        )
        last_day = {"2026-03": "2026-03-31", "2026-04": "2026-04-30"}[month]
        return cls.env["revshare.settlement"]._revshare_run(
            d(last_day), agreements=agreement, confirm=True
        )

    def _payout(self, statements, date="2026-05-04"):
        action = statements.action_create_payout()
        payout = self.env["revshare.payout"].browse(action["res_id"])
        payout.date = date
        return payout

    def _payable(self, partner):
        lines = self.env["account.move.line"].search(
            [
                ("partner_id", "=", partner.id),
                ("account_type", "=", "liability_payable"),
                ("parent_state", "=", "posted"),
            ]
        )
        return sum(lines.mapped("amount_residual_currency"))

    def _check(self):
        return self.env["revshare.check"]._revshare_check(
            self.company, "2026-01-01", "2026-12-31"
        )

    def _csv_rows(self, payout):
        content = self._export(payout, "action_export_csv").decode()
        return list(csv.DictReader(io.StringIO(content)))

    def _export(self, payout, method):
        getattr(payout, method)()
        return base64.b64decode(payout.export_ids.sorted("id")[-1].datas)


@tagged("post_install", "-at_install")
class TestPayout(PayoutCommon):
    """One payout pays three statements of two partners; its files; a return."""

    def test_fixture(self):
        self.assertEqual(self.statements.mapped("amount_billable"), [100.0, 40.0, 50.0])
        self.assertEqual(set(self.statements.mapped("state")), {"billed"})
        self.assertEqual(self.statements.bill_id.currency_id, self.eur)
        self.assertFalse(
            self.bank_journal.outbound_payment_method_line_ids.payment_account_id
        )

    def test_pay_export_and_totals(self):
        payout = self._payout(self.statements)
        self.assertEqual(payout.state, "draft")
        self.assertTrue(payout.name.startswith("RSP/"))
        self.assertEqual(payout.journal_id, self.bank_journal)
        self.assertEqual(payout.currency_id, self.eur)
        self.assertEqual(payout.amount_total, 190.0)
        payout.action_pay()
        self.assertEqual(payout.state, "paid")
        self.assertEqual(len(payout.payment_ids), 2)
        lines = payout.line_ids.sorted(lambda ln: ln.partner_id.name)
        self.assertEqual(lines.partner_id, self.reseller | self.techpartner)
        self.assertEqual(lines.mapped("amount"), [140.0, 50.0])
        self.assertEqual(lines.bank_account_id, self.bank_reseller | self.bank_tech)
        self.assertEqual(
            lines[0].settlement_ids, self.s_reseller_march | self.s_reseller_april
        )
        self.assertEqual(lines[1].settlement_ids, self.s_tech)
        for payment in payout.payment_ids:
            self.assertEqual(payment.date, d("2026-05-04"))
            self.assertEqual(payment.journal_id, self.bank_journal)
            self.assertEqual(payment.currency_id, self.eur)
            self.assertEqual(
                payment.payment_method_line_id, payout.payment_method_line_id
            )
        self.assertEqual(set(self.statements.bill_id.mapped("amount_residual")), {0.0})
        self.assertEqual(set(self.statements.mapped("state")), {"paid"})
        self.assertEqual(set(self.statements.mapped("paid_date")), {d("2026-05-04")})
        self.assertEqual(self._payable(self.reseller), 0.0)
        self.assertEqual(self._payable(self.techpartner), 0.0)
        self.assertEqual(payout.amount_total, 190.0)
        self.assertEqual(self._check(), [])

    def test_sepa_and_csv_files(self):
        payout = self._payout(self.statements)
        payout.action_pay()
        for schema in ("pain.001.001.09", "pain.001.001.03"):
            payout.sepa_schema = schema
            content = self._export(payout, "action_export_sepa")
            xsd = os.path.join(
                os.path.dirname(sepaxml.__file__), "schemas", f"{schema}.xsd"
            )
            document = etree.fromstring(content)
            etree.XMLSchema(etree.parse(xsd)).assertValid(document)
            ns = {"p": NS[schema]}
            transfers = {
                tx.findtext(".//p:CdtrAcct/p:Id/p:IBAN", namespaces=ns): tx.findtext(
                    ".//p:InstdAmt", namespaces=ns
                )
                for tx in document.iterfind(".//p:CdtTrfTxInf", ns)
            }
            self.assertEqual(
                transfers,
                {"DE89370400440532013000": "140.00", "GB82WEST12345698765432": "50.00"},
            )
            self.assertEqual(
                document.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=ns), "190.00"
            )
            self.assertEqual(payout.state, "sent")

        rows = self._csv_rows(payout)
        self.assertEqual(
            sorted((r["account_number"], r["amount"], r["currency"]) for r in rows),
            [
                ("DE89370400440532013000", "140.00", "EUR"),
                ("GB82WEST12345698765432", "50.00", "EUR"),
            ],
        )
        self.assertEqual(sum(Decimal(r["amount"]) for r in rows), Decimal("190.00"))
        self.assertEqual(len(payout.export_ids), 3)
        self.assertTrue(all(len(a.checksum) == 40 for a in payout.export_ids))
        self.assertIn(
            payout.export_ids[0].checksum,
            "".join(payout.message_ids.mapped("body")),
        )

    def test_return_reopens_one_bill_and_next_payout_pays_it(self):
        payout = self._payout(self.statements)
        payout.action_pay()
        tech_line = payout.line_ids.filtered(
            lambda ln: ln.partner_id == self.techpartner
        )
        payment = tech_line.payment_id
        tech_line.action_return("Account closed")
        self.assertEqual(tech_line.state, "returned")
        self.assertEqual(tech_line.return_reason, "Account closed")
        self.assertEqual(payment.state, "canceled")
        reopened = self.statements.filtered(lambda s: s.state != "paid")
        self.assertEqual(reopened, self.s_tech)
        self.assertEqual(self.s_tech.bill_id.amount_residual, 50.0)
        self.assertFalse(self.s_tech.paid_date)
        self.assertEqual(self._payable(self.techpartner), -50.0)
        returned_on = fields.Date.context_today(self.s_tech)
        self.assertIn(
            f"Payment returned on {format_date(self.env, returned_on)}: Account closed",
            self.s_tech.message_ids[0].body,
        )
        # The statement (portal, PDF, mail) says so until the next payment.
        self.assertEqual(
            self.s_tech._revshare_bill_note(),
            f"Payment returned on {format_date(self.env, returned_on)}: Account "
            f"closed. Billed by bill {self.s_tech.bill_id.name}, not paid yet.",
        )
        self.assertEqual(payout.amount_total, 140.0)
        # The returned transfer is left out of the files.
        rows = self._csv_rows(payout)
        self.assertEqual([r["amount"] for r in rows], ["140.00"])
        with self.assertRaises(UserError):
            tech_line.action_return("again")
        self.assertEqual(self._check(), [])

        again = self._payout(self.s_tech, date="2026-05-11")
        again.action_pay()
        self.assertEqual(again.line_ids.amount, 50.0)
        self.assertEqual(self.s_tech.state, "paid")
        self.assertEqual(self.s_tech.paid_date, d("2026-05-11"))
        self.assertTrue(self.s_tech._revshare_bill_note().startswith("Paid on "))
        self.assertEqual(self._payable(self.techpartner), 0.0)

    def test_check_finds_tampered_payment(self):
        payout = self._payout(self.statements)
        payout.action_pay()
        payment = payout.line_ids.filtered(
            lambda ln: ln.partner_id == self.reseller
        ).payment_id
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE account_payment SET amount = 104.0 WHERE id = %s", [payment.id]
        )
        self.env.invalidate_all()
        found = self._check()
        self.assertEqual(
            [
                (m["kind"], m["res_id"], m["expected_amount"], m["actual_amount"])
                for m in found
            ],
            [("payout", payout.id, 140.0, 104.0)],
        )


@tagged("post_install", "-at_install")
class TestPayoutAccountantPath(PayoutCommon):
    """The path an accountant clicks, as an accountant: "Create payout" on the
    Settlements list (its server action), the batch's form and buttons, "Return"
    on a transfer (its wizard opened from the transfer's row)."""

    def test_create_pay_export_return_through_the_views(self):
        accountant = self._create_user(
            "payout_accountant",
            "account.group_account_manager,partner_revshare.group_revshare_manager",
        )
        env = self.env(user=accountant)
        statements = self.statements.with_env(env)
        action = (
            env.ref("partner_revshare.revshare_settlement_action_create_payout")
            .with_context(
                active_model="revshare.settlement",
                active_ids=statements.ids,
                active_id=statements[0].id,
            )
            .run()
        )
        self.assertEqual(action["res_model"], "revshare.payout")
        payout = env["revshare.payout"].browse(action["res_id"])
        with Form(payout) as form:
            form.date = "2026-05-04"
        arch = etree.fromstring(
            payout.get_views([(False, "form")])["views"]["form"]["arch"]
        )
        buttons = {b.get("name") for b in arch.iter("button")}
        self.assertLessEqual(
            {"action_pay", "action_export_sepa", "action_export_csv"}, buttons
        )
        payout.action_pay()
        self.assertEqual(set(statements.mapped("state")), {"paid"})
        payout.action_export_csv()
        self.assertEqual(payout.state, "sent")

        line = payout.line_ids.filtered(lambda ln: ln.partner_id == self.techpartner)
        opened = self.env.ref("partner_revshare.revshare_payout_line_return_action")
        wizard_env = env["revshare.payout.line.return"].with_context(
            active_model="revshare.payout.line", active_id=line.id
        )
        self.assertEqual(opened.res_model, wizard_env._name)
        with Form(wizard_env) as form:
            form.reason = "Account closed"
        form.record.action_confirm()
        self.assertEqual(line.state, "returned")
        self.assertEqual(self.s_tech.bill_id.amount_residual, 50.0)
        self.assertEqual(self._check(), [])
