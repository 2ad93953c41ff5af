import base64
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import UserError

from .revshare_payout_export import (
    SEPA_SCHEMAS,
    bank_account_problem,
    csv_file,
    sepa_file,
)


class RevsharePayout(models.Model):
    """A payout batch: confirmed statements whose bills are paid together, one
    Odoo payment per partner, bank account and currency, made by Odoo's own
    register-payment and reconciled with the bills; then exported as a SEPA
    credit transfer or a CSV for the bank (ARCHITECTURE.md, "Payouts")."""

    _name = "revshare.payout"
    _description = "Revenue Share Payout"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True, copy=False, default="/")
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        default=lambda self: self.env.company,
        index=True,
    )
    journal_id = fields.Many2one(
        "account.journal",
        string="Bank Journal",
        required=True,
        check_company=True,
        domain="[('type', '=', 'bank')]",
        tracking=True,
    )
    payment_method_line_id = fields.Many2one(
        "account.payment.method.line",
        string="Payment Method",
        required=True,
        domain="[('journal_id', '=', journal_id), ('payment_type', '=', 'outbound')]",
        tracking=True,
    )
    date = fields.Date(required=True, default=fields.Date.context_today, tracking=True)
    currency_id = fields.Many2one("res.currency", required=True, readonly=True)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("paid", "Paid"),
            ("sent", "Sent"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="draft",
        readonly=True,
        copy=False,
        tracking=True,
        help="Paid: the payments are made and reconciled with the bills. Sent: the "
        "batch was exported for the bank.",
    )
    settlement_ids = fields.Many2many(
        "revshare.settlement",
        "revshare_payout_settlement_rel",
        "payout_id",
        "settlement_id",
        string="Statements",
        check_company=True,
    )
    line_ids = fields.One2many(
        "revshare.payout.line", "payout_id", string="Transfers", readonly=True
    )
    payment_ids = fields.Many2many(
        "account.payment",
        "revshare_payout_payment_rel",
        "payout_id",
        "payment_id",
        string="Payments",
        readonly=True,
        copy=False,
    )
    amount_total = fields.Monetary(
        string="Total",
        compute="_compute_amount_total",
        store=True,
        help="Draft: what the statements' bills still owe. Paid: the transfers "
        "not returned.",
    )
    sepa_schema = fields.Selection(
        [(schema, schema) for schema in SEPA_SCHEMAS],
        string="SEPA Version",
        required=True,
        default=SEPA_SCHEMAS[0],
    )
    export_ids = fields.Many2many(
        "ir.attachment",
        "revshare_payout_export_rel",
        "payout_id",
        "attachment_id",
        string="Exports",
        readonly=True,
        copy=False,
    )

    @api.depends(
        "state",
        "line_ids.amount",
        "line_ids.state",
        "settlement_ids.bill_id.amount_residual",
    )
    def _compute_amount_total(self):
        for payout in self:
            if payout.state == "draft":
                # sudo: the residual of the bills is read for a manager without
                # accounting rights.
                amount = sum(
                    payout.sudo().settlement_ids.bill_id.mapped("amount_residual")
                )
            else:
                amount = sum(
                    payout.line_ids.filtered(lambda ln: ln.state == "paid").mapped(
                        "amount"
                    )
                )
            payout.amount_total = payout.currency_id.round(amount)

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].next_by_code(
                    "revshare.payout"
                ) or self.env._("New")
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def action_pay(self):
        """Draft -> paid: one payment per partner, bank account and currency,
        made by Odoo's register-payment grouped on the statements' bills, dated
        the payout date, from its journal and payment method, reconciled with
        the bills."""
        self._revshare_check_group()
        self.check_access("write")
        for payout in self:
            payout._revshare_pay()
        return True

    def action_cancel(self):
        """Cancel a draft payout: its statements are free for another one."""
        self._revshare_check_group()
        self.check_access("write")
        if self.filtered(lambda p: p.state != "draft"):
            raise UserError(
                self.env._(
                    "Only a draft payout can be cancelled; return the transfers of "
                    "a paid one instead."
                )
            )
        self.state = "cancelled"
        return True

    def action_export_sepa(self):
        """Attach the SEPA credit transfer file (version :attr:`sepa_schema`) of
        the transfers not returned; the batch is then sent."""
        self._revshare_check_group()
        self.ensure_one()
        self.check_access("write")
        lines = self._revshare_lines_to_export()
        if self.currency_id.name != "EUR":
            raise UserError(
                self.env._(
                    "Payout %(payout)s is in %(currency)s: SEPA transfers are in "
                    "EUR only; export it as CSV.",
                    payout=self.name,
                    currency=self.currency_id.name,
                )
            )
        # sudo: bank accounts are read for a manager without accounting rights.
        for line in lines.sudo():
            problem = bank_account_problem(self.env, line.bank_account_id, True)
            if problem:
                raise UserError(
                    self.env._(
                        "Payout %(payout)s cannot be exported as SEPA: %(problem)s",
                        payout=self.name,
                        problem=problem,
                    )
                )
        content = sepa_file(self.env, self.sudo(), lines.sudo(), self.sepa_schema)
        name = f"{self.name.replace('/', '-')}-{self.sepa_schema}.xml"
        return self._revshare_attach_export(name, content, "application/xml")

    def action_export_csv(self):
        """Attach the CSV of the transfers not returned (readme/USAGE.md); the
        batch is then sent."""
        self._revshare_check_group()
        self.ensure_one()
        self.check_access("write")
        lines = self._revshare_lines_to_export()
        content = csv_file(self.sudo(), lines.sudo())
        name = f"{self.name.replace('/', '-')}.csv"
        return self._revshare_attach_export(name, content, "text/csv")

    # ------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------

    def _revshare_check_before_pay(self):
        """Refuse, before anything is written, a payout that is not draft, whose
        journal has no bank account of the company, whose payment method is not an
        outgoing one of the journal, dated inside a lock date, or with a statement
        that cannot be paid."""
        self.ensure_one()
        if self.state != "draft":
            raise UserError(
                self.env._("Payout %s is not a draft: it is paid already.", self.name)
            )
        if not self.settlement_ids:
            raise UserError(self.env._("Payout %s has no statement to pay.", self.name))
        # sudo: the accounting setup is read for a manager without accounting
        # rights; nothing is written.
        journal = self.sudo().journal_id
        if journal.type != "bank" or not journal.bank_account_id:
            raise UserError(
                self.env._(
                    "Journal %(journal)s has no bank account of the company: set its "
                    "account number (Accounting > Configuration > Journals).",
                    journal=journal.display_name,
                )
            )
        problem = bank_account_problem(self.env, journal.bank_account_id)
        if problem:
            raise UserError(problem)
        method = self.sudo().payment_method_line_id
        if method not in journal.outbound_payment_method_line_ids:
            raise UserError(
                self.env._(
                    "%(method)s is not an outgoing payment method of %(journal)s.",
                    method=method.display_name,
                    journal=journal.display_name,
                )
            )
        lock = self.company_id.sudo()._get_user_fiscal_lock_date(journal)
        if self.date <= lock:
            raise UserError(
                self.env._(
                    "The payout date %(date)s is inside the lock date %(lock)s: "
                    "choose a later date.",
                    date=self.date,
                    lock=lock,
                )
            )
        other_currency = self.settlement_ids.filtered(
            lambda s: s.currency_id != self.currency_id
        )
        if other_currency:
            raise UserError(
                self.env._(
                    "Statement %(statement)s is in %(currency)s, payout %(payout)s in "
                    "%(payout_currency)s: make one payout per currency.",
                    statement=other_currency[0].display_name,
                    currency=other_currency[0].currency_id.name,
                    payout=self.name,
                    payout_currency=self.currency_id.name,
                )
            )
        self.settlement_ids._revshare_lock_for_payout()
        self.settlement_ids._revshare_check_payable(payout=self)

    def _revshare_pay(self):
        self._revshare_check_before_pay()
        # sudo: a revenue-share manager pays partners without needing payment
        # rights (as the bills were made); the bills and amounts come from the
        # statements, checked above.
        settlements = self.sudo().settlement_ids
        bills = settlements.bill_id
        payable = bills.line_ids.filtered(
            lambda line: line.account_type == "liability_payable"
            and not line.reconciled
        )
        wizard = (
            self.env["account.payment.register"]
            .sudo()
            .with_context(active_model="account.move.line", active_ids=payable.ids)
            .create(
                {
                    "payment_date": self.date,
                    "journal_id": self.journal_id.id,
                    "payment_method_line_id": self.payment_method_line_id.id,
                    "group_payment": True,
                }
            )
        )
        payments = wizard._create_payments()
        self.env["revshare.payout.line"].create(
            self._prepare_line_vals_list(payments, settlements)
        )
        self.write({"state": "paid", "payment_ids": [fields.Command.set(payments.ids)]})

    def _prepare_line_vals_list(self, payments, settlements):
        """One transfer per payment, with the statements whose bill it paid (the
        wizard links each bill to its payment: ``matched_payment_ids``)."""
        paid_by = defaultdict(list)
        made = set(payments.ids)
        for settlement in settlements:
            for payment_id in settlement.bill_id.matched_payment_ids.ids:
                if payment_id in made:
                    paid_by[payment_id].append(settlement.id)
        return [
            {
                "payout_id": self.id,
                "partner_id": payment.partner_id.id,
                "bank_account_id": payment.partner_bank_id.id,
                "amount": payment.amount,
                "payment_id": payment.id,
                "settlement_ids": [fields.Command.set(paid_by[payment.id])],
            }
            for payment in payments
        ]

    def _revshare_lines_to_export(self):
        self.ensure_one()
        if self.state not in ("paid", "sent"):
            raise UserError(self.env._("Pay payout %s before exporting it.", self.name))
        lines = self.line_ids.filtered(lambda line: line.state == "paid")
        if not lines:
            raise UserError(
                self.env._("Payout %s has no transfer left to export.", self.name)
            )
        return lines

    def _revshare_attach_export(self, name, content, mimetype):
        """Attach an export to the batch, post its checksum and mark it sent."""
        attachment = self.env["ir.attachment"].create(
            {
                "name": name,
                "datas": base64.b64encode(content),
                "mimetype": mimetype,
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        self.message_post(
            body=self.env._(
                "Exported %(name)s (SHA-1 %(checksum)s).",
                name=name,
                checksum=attachment.checksum,
            )
        )
        self.write(
            {"state": "sent", "export_ids": [fields.Command.link(attachment.id)]}
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "self",
        }
