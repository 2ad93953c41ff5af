from psycopg2 import errors

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .revshare_line_states import PAID_STATES
from .revshare_payout_export import bank_account_problem


class RevshareSettlementPayout(models.AbstractModel):
    """The last mile of a statement: paid by a payout batch (``revshare.payout``)
    through Odoo's own payments, and the day the money left (``paid_date``)."""

    _name = "revshare.settlement.payout"
    _description = "Revenue Share Settlement Payout"

    payout_ids = fields.Many2many(
        "revshare.payout",
        "revshare_payout_settlement_rel",
        "settlement_id",
        "payout_id",
        string="Payouts",
        readonly=True,
        copy=False,
    )
    paid_date = fields.Date(
        compute="_compute_paid_date",
        help="The date of the payment reconciled with the statement's bill (the "
        "latest one when several paid it).",
    )

    @api.depends("bill_id.payment_state")
    def _compute_paid_date(self):
        """The day the statement's bill was paid: the latest of the items
        reconciled with it (its payments), while the bill is paid."""
        # sudo: the date of the bill's payments is shown to the statement's
        # partner on the portal (``_revshare_bill_note``), who may not read
        # journal items; only a date is read.
        for settlement in self:
            bill = settlement.sudo()._revshare_posted_bill()
            dates = (
                bill._get_reconciled_amls().mapped("date")
                if bill.payment_state in PAID_STATES
                else []
            )
            settlement.paid_date = max(dates) if dates else False

    def action_create_payout(self):
        """A draft payout batch paying the selected statements, with the
        company's first bank journal and its first outgoing payment method;
        returns its form."""
        self._revshare_check_group()
        self.check_access("write")
        if not self:
            raise UserError(self.env._("Select the statements to pay."))
        self._revshare_lock_for_payout()
        self._revshare_check_payable()
        company = self.company_id
        if len(company) > 1 or len(self.currency_id) > 1:
            raise UserError(
                self.env._(
                    "A payout pays statements of one company and one currency: "
                    "select them per company and currency."
                )
            )
        # sudo: the journal setup is read for a manager without accounting rights.
        journal = (
            self.env["account.journal"]
            .sudo()
            .search(
                [
                    *self.env["account.journal"]._check_company_domain(company),
                    ("type", "=", "bank"),
                ],
                limit=1,
            )
        )
        if not journal:
            raise UserError(
                self.env._(
                    "Company %s has no bank journal to pay from: create one in the "
                    "Accounting settings.",
                    company.display_name,
                )
            )
        payout = self.env["revshare.payout"].create(
            {
                "company_id": company.id,
                "currency_id": self.currency_id.id,
                "journal_id": journal.id,
                "payment_method_line_id": journal.outbound_payment_method_line_ids[
                    :1
                ].id,
                "settlement_ids": [fields.Command.set(self.ids)],
            }
        )
        return payout._get_records_action(name=self.env._("Payout"))

    # ------------------------------------------------------------------
    # The checks every payout crosses (creating it and paying it)
    # ------------------------------------------------------------------

    def _revshare_lock_for_payout(self):
        """Lock these statements' rows for this transaction, failing at once when
        another one holds them: two batches paying the same bill at the same time
        would pay it twice (the second would not see the first's draft)."""
        if not self.ids:
            return
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM revshare_settlement WHERE id IN %s "
                        "FOR UPDATE NOWAIT",
                        tuple(self.ids),
                    )
                )
        except errors.LockNotAvailable:
            raise UserError(
                self.env._(
                    "These statements are being paid by another payout right now: "
                    "try again in a moment."
                )
            ) from None

    def _revshare_check_payable(self, payout=None):
        """Refuse statements a payout cannot pay, before anything is written: not
        confirmed, their bill missing, draft, cancelled or already paid, already
        in another draft payout, or their partner without a valid bank account."""
        # sudo: bills and bank accounts are read for a manager without
        # accounting rights; nothing is written.
        for settlement in self.sudo():
            problem = settlement._revshare_payout_problem(payout)
            if problem:
                raise UserError(
                    self.env._(
                        "Statement %(statement)s cannot be paid: %(problem)s",
                        statement=settlement.display_name,
                        problem=problem,
                    )
                )

    def _revshare_payout_problem(self, payout):
        """Why this statement cannot be paid by ``payout`` (a sentence), or None."""
        self.ensure_one()
        bill = self.bill_id
        if self.workflow_state != "confirmed":
            return self.env._("it is not confirmed.")
        if not bill:
            return self.env._("it has no vendor bill.")
        if bill.state == "draft":
            return self.env._("its bill %s is a draft: post it first.", bill.name)
        if bill.state == "cancel":
            return self.env._("its bill %s is cancelled.", bill.name)
        if bill.payment_state in PAID_STATES or bill.currency_id.is_zero(
            bill.amount_residual
        ):
            return self.env._("its bill %s is already paid.", bill.name)
        other = self.payout_ids.filtered(
            lambda p: p.state == "draft" and p != (payout or p.browse())
        )
        if other:
            return self.env._(
                "it is already in the payout %s: pay or cancel that one.",
                other[0].name,
            )
        bank = self._revshare_payout_bank_account()
        if not bank:
            return self.env._(
                "%s has no bank account: add one on the partner.",
                bill.commercial_partner_id.display_name,
            )
        return bank_account_problem(self.env, bank)

    def _revshare_payout_bank_account(self):
        """The bank account Odoo's register-payment pays this statement's bill to:
        the bill's recipient bank, else the partner's first one of the company,
        as Odoo computes it for a new payment."""
        self.ensure_one()
        bill = self.bill_id
        if bill.partner_bank_id:
            return bill.partner_bank_id
        return bill.commercial_partner_id.bank_ids.filtered(
            lambda bank: not bank.company_id or bank.company_id == bill.company_id
        )[:1]
