import logging
from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Command

from ..models.base import USER_GROUP
from ..models.revshare_line_states import EARNED_STATES

_logger = logging.getLogger(__name__)

BOOKED_MODES = ("entry", "bill")
# What a row holds of its agreement's terms, compared by _revshare_check_changed_terms.
ROW_TERMS = ["agreement_id", "partner_id", "payee_id", "currency_id", "settlement_mode"]


class RevshareCheck(models.TransientModel):
    """Revenue share check: do the ledger and the books agree?

    For one company and a date range it verifies that

    * each share of a posted customer invoice is what the agreement's rules give
      on what the invoice charges (``revshare.check.shares``);
    * what each share earned later is right (``_revshare_check_earned``: the payment
      addon checks the expected share times the paid part of its invoice);
    * each earned ``entry`` or ``bill`` row has a posted document of the same amount;
    * our documents (``revshare_origin``) on each payee's payable add up to what
      the ledger booked for them (booked rows, billed settlements) plus the taxes our
      bills owe on top of it (tax lines are counted, not reported);
    * each settled row is in one settlement (the row is the key of the link
      table, so never in two), of its own payee and company, not cancelled; a row
      released from a cancelled settlement whose bill stayed posted shows on the
      payable;
    * each row still holds its agreement's terms (beneficiary, payee, company, currency,
      settlement mode), a row that left the ledger (expected or cancelled) carries
      no document nor settlement, a periodic row is billed by its settlement only,
      and no agreement has negative period terms.

    Each disagreement becomes a ``revshare.check.mismatch`` linking to the record to
    look at (:meth:`_revshare_check` from a shell, :meth:`_cron_revshare_check` daily).
    """

    _name = "revshare.check"
    _inherit = [
        "revshare.check.shares",
        "revshare.check.settlements",
        "revshare.check.payouts",
    ]
    _description = "Revenue Share Check"

    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: fields.Date.context_today(self).replace(month=1, day=1),
        help="Invoices, rows and documents dated from this day.",
    )
    date_to = fields.Date(string="To", required=True, default=fields.Date.context_today)
    state = fields.Selection(
        [("draft", "To Check"), ("done", "Checked")], default="draft", required=True
    )
    mismatch_ids = fields.One2many(
        "revshare.check.mismatch", "check_id", string="Mismatches", readonly=True
    )
    mismatch_count = fields.Integer(compute="_compute_mismatch_count")

    @api.depends("mismatch_ids")
    def _compute_mismatch_count(self):
        for check in self:
            check.mismatch_count = len(check.mismatch_ids)

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for check in self:
            if check.date_to < check.date_from:
                raise ValidationError(
                    self.env._(
                        "The check period ends (%(end)s) before it starts (%(start)s): "
                        "swap the dates.",
                        end=check.date_to,
                        start=check.date_from,
                    )
                )

    def action_check(self):
        self._revshare_check_group(USER_GROUP)
        self.ensure_one()
        found = self._revshare_check(self.company_id, self.date_from, self.date_to)
        self.mismatch_ids.unlink()
        self.write(
            {
                "state": "done",
                "mismatch_ids": [Command.create(vals) for vals in found],
            }
        )
        return self._get_records_action(
            name=self.env._("Revenue Share Check"), target="new"
        )

    # ------------------------------------------------------------------
    # The check, callable from a shell or a cron
    # ------------------------------------------------------------------

    @api.model
    def _cron_revshare_check(self, days=31):
        """Check the last ``days`` days of every company; log each mismatch as a
        warning. Returns ``{company id: [mismatch values]}``."""
        today = fields.Date.context_today(self)
        date_from = fields.Date.subtract(today, days=days)
        result = {}
        for company in self.env["res.company"].search([]):
            found = self.with_company(company)._revshare_check(
                company, date_from, today
            )
            result[company.id] = found
            for vals in found:
                _logger.warning(
                    "Revenue share check, %s: %s (%s,%s)",
                    company.name,
                    vals["message"],
                    vals["res_model"],
                    vals["res_id"],
                )
        return result

    @api.model
    def _revshare_check(self, company=None, date_from=None, date_to=None):
        """Run every check for ``company`` (default: the current one) over
        ``[date_from, date_to]`` (default: everything up to today).

        :return: list of ``revshare.check.mismatch`` values (without ``check_id``),
            empty when the ledger and the books agree.
        """
        company = company or self.env.company
        date_from = (
            fields.Date.to_date(date_from)
            if date_from
            else fields.Date.to_date("1900-01-01")
        )
        date_to = (
            fields.Date.to_date(date_to) if date_to else fields.Date.context_today(self)
        )
        # Read-only: the check reads the ledger and the books of one company, which
        # its user may not all be allowed to read line by line (a revenue-share
        # user without journal-item rights); it writes nothing but its own result.
        checker = self.sudo().with_company(company)
        mismatches = []
        mismatches += checker._revshare_check_shares(company, date_from, date_to)
        mismatches += checker._revshare_check_documents(company, date_from, date_to)
        mismatches += checker._revshare_check_payables(company, date_from, date_to)
        mismatches += checker._revshare_check_settlements(company, date_from, date_to)
        mismatches += checker._revshare_check_payouts(company, date_from, date_to)
        mismatches += checker._revshare_check_rows(company, date_from, date_to)
        return mismatches

    @api.model
    def _revshare_mismatch(
        self,
        kind,
        record,
        message,
        expected=0.0,
        actual=0.0,
        currency=None,
        partner=None,
        company=None,
    ):
        return {
            "kind": kind,
            "res_model": record._name,
            "res_id": record.id,
            "record_name": record.display_name,
            "message": message,
            "expected_amount": expected,
            "actual_amount": actual,
            "currency_id": currency.id if currency else False,
            "partner_id": partner.id if partner else False,
            "company_id": company.id if company else False,
        }

    @api.model
    def _revshare_row_mismatch(self, kind, row, message, company):
        """A mismatch about one ledger row, its amount as found."""
        return self._revshare_mismatch(
            kind,
            row,
            message,
            actual=row.amount,
            currency=row.currency_id,
            partner=row.partner_id,
            company=company,
        )

    @api.model
    def _revshare_row_problem(self, row, problem):
        return self.env._(
            "Row %(row)s %(problem)s.", row=row.display_name, problem=problem
        )

    # ------------------------------------------------------------------
    # 2. Each booked row has its posted document, with the same amount
    # ------------------------------------------------------------------

    @api.model
    def _revshare_document_amounts(self, moves):
        """{(move id, currency id): amount owed to partners} read from the payable
        items of our documents (credit positive), in the document line currency."""
        amounts = defaultdict(float)
        for move, currency, amount in self.env["account.move.line"]._read_group(
            [
                ("move_id", "in", moves.ids),
                ("account_type", "=", "liability_payable"),
            ],
            ["move_id", "currency_id"],
            ["amount_currency:sum"],
        ):
            amounts[(move.id, currency.id)] -= amount
        return amounts

    @api.model
    def _revshare_check_documents(self, company, date_from, date_to):
        Line = self.env["revshare.line"]
        rows = Line.search(
            [
                ("company_id", "=", company.id),
                ("state", "in", EARNED_STATES),
                ("settlement_mode", "in", BOOKED_MODES),
                ("date", ">=", date_from),
                ("date", "<=", date_to),
            ]
        )
        mismatches = []
        for row in rows.filtered(lambda r: not r.move_id):
            if row.currency_id.is_zero(row.amount):
                continue
            message = self.env._(
                "%(row)s (%(amount)s) was earned by an agreement booked by "
                "%(mode)s but has no accounting document.",
                row=row.display_name,
                amount=row.amount,
                mode=row.settlement_mode,
            )
            mismatches.append(
                self._revshare_row_mismatch("document", row, message, company)
            )
        moves = rows.move_id
        for move in moves.filtered(lambda m: m.state != "posted"):
            mismatches.append(
                self._revshare_mismatch(
                    "document",
                    move,
                    self.env._(
                        "Accounting document %(move)s of revenue-share rows is not "
                        "posted (%(state)s).",
                        move=move.display_name,
                        state=move.state,
                    ),
                    partner=move.partner_id,
                    company=company,
                )
            )
        if moves:
            mismatches += self._revshare_check_document_totals(moves, company)
        return mismatches

    @api.model
    def _revshare_check_document_totals(self, moves, company):
        """Each of our documents owes on its payable what its rows add up to,
        plus the taxes a bill owes on top of them."""
        mismatches = []
        # Every row of those documents, also those dated outside the range.
        booked = defaultdict(float)
        for move, currency, amount in self.env["revshare.line"]._read_group(
            [("move_id", "in", moves.ids)],
            ["move_id", "currency_id"],
            ["amount:sum"],
        ):
            booked[(move.id, currency.id)] += amount
        # A bill owes its rows plus the taxes on top of them (tax lines counted).
        for key, amount in moves._revshare_tax_on_top().items():
            booked[key] += amount
        documents = self._revshare_document_amounts(moves)
        currencies = self.env["res.currency"].browse(
            {key[1] for key in (*booked, *documents)}
        )
        for move in moves:
            for currency in currencies:
                key = (move.id, currency.id)
                if key not in booked and key not in documents:
                    continue
                want, got = booked.get(key, 0.0), documents.get(key, 0.0)
                if currency.compare_amounts(want, got):
                    message = self.env._(
                        "%(move)s owes %(actual)s %(currency)s to partners on its "
                        "payable items; its revenue-share rows add up to %(expected)s.",
                        move=move.display_name,
                        actual=got,
                        currency=currency.name,
                        expected=want,
                    )
                    mismatches.append(
                        self._revshare_mismatch(
                            "document",
                            move,
                            message,
                            want,
                            got,
                            currency,
                            move.partner_id,
                            company,
                        )
                    )
        return mismatches

    # ------------------------------------------------------------------
    # 3. Our documents on each payee's payable = the ledger
    # ------------------------------------------------------------------

    @api.model
    def _revshare_check_payables(self, company, date_from, date_to):
        """Per payee and currency, over the documents dated in the range: the
        payable items of our documents against what the ledger booked in them (rows
        with a document, and the billable amount of settlements with a bill).
        Payees are compared by commercial partner: a bill puts its payable on the
        commercial partner of a contact."""
        ledger = self._revshare_ledger_payables(company, date_from, date_to)
        books = defaultdict(float)
        for partner, currency, amount in self.env["account.move.line"]._read_group(
            [
                ("company_id", "=", company.id),
                ("move_id.revshare_origin", "=", True),
                ("parent_state", "=", "posted"),
                ("account_type", "=", "liability_payable"),
                ("date", ">=", date_from),
                ("date", "<=", date_to),
            ],
            ["partner_id", "currency_id"],
            ["amount_currency:sum"],
        ):
            books[(partner.commercial_partner_id, currency)] -= amount
        mismatches = []
        for key in sorted(set(ledger) | set(books), key=lambda k: (k[0].id, k[1].id)):
            partner, currency = key
            want, got = ledger.get(key, 0.0), books.get(key, 0.0)
            if currency.compare_amounts(want, got):
                message = self.env._(
                    "Our documents owe %(partner)s %(actual)s %(currency)s on the "
                    "payable; the ledger booked %(expected)s.",
                    partner=partner.display_name,
                    actual=got,
                    currency=currency.name,
                    expected=want,
                )
                mismatches.append(
                    self._revshare_mismatch(
                        "payable",
                        partner,
                        message,
                        want,
                        got,
                        currency,
                        partner,
                        company,
                    )
                )
        return mismatches

    @api.model
    def _revshare_ledger_payables(self, company, date_from, date_to):
        """{(commercial partner, currency): what the ledger booked in our posted
        documents dated in the range}: rows with a document, the billable amount
        of settlements with a bill, and the taxes our bills owe on top of them."""
        ledger = defaultdict(float)
        Line = self.env["revshare.line"]
        for partner, currency, amount in Line._read_group(
            [
                ("company_id", "=", company.id),
                ("move_id", "!=", False),
                ("move_id.date", ">=", date_from),
                ("move_id.date", "<=", date_to),
                ("move_id.state", "=", "posted"),
            ],
            ["payee_id", "currency_id"],
            ["amount:sum"],
        ):
            ledger[(partner.commercial_partner_id, currency)] += amount
        for partner, currency, amount in self.env["revshare.settlement"]._read_group(
            [
                ("company_id", "=", company.id),
                ("bill_id", "!=", False),
                ("bill_id.state", "=", "posted"),
                ("bill_id.date", ">=", date_from),
                ("bill_id.date", "<=", date_to),
                ("state", "!=", "cancelled"),
            ],
            ["partner_id", "currency_id"],
            ["amount_billable:sum"],
        ):
            ledger[(partner.commercial_partner_id, currency)] += amount
        # Plus the taxes our bills owe on top of the ledger.
        taxed = self.env["account.move"].search(
            [
                ("company_id", "=", company.id),
                ("revshare_origin", "=", True),
                ("state", "=", "posted"),
                ("date", ">=", date_from),
                ("date", "<=", date_to),
                ("move_type", "in", ("in_invoice", "in_refund")),
            ]
        )
        for (move_id, currency_id), amount in taxed._revshare_tax_on_top().items():
            move = taxed.browse(move_id)
            currency = self.env["res.currency"].browse(currency_id)
            ledger[(move.partner_id.commercial_partner_id, currency)] += amount
        return ledger

    # ------------------------------------------------------------------
    # 5. Rows hold their agreement's terms and follow the ledger's steps
    # ------------------------------------------------------------------

    @api.model
    def _revshare_check_rows(self, company, date_from, date_to):
        domain = [
            ("company_id", "=", company.id),
            ("date", ">=", date_from),
            ("date", "<=", date_to),
        ]
        return (
            self._revshare_check_changed_terms(domain, company)
            + self._revshare_check_stray_rows(domain, company)
            + self._revshare_check_period_terms(company)
        )

    @api.model
    def _revshare_check_changed_terms(self, domain, company):
        """Terms are fixed once an agreement has rows: one grouped read finds any
        row made with other terms than its agreement's."""
        Line = self.env["revshare.line"]
        mismatches = []
        for agreement, partner, payee, currency, mode, count in Line._read_group(
            domain + [("state", "!=", "cancelled")], ROW_TERMS, ["__count"]
        ):
            held = (partner | payee, currency, mode, company)
            says = (
                agreement.partner_id | agreement.payee_id,
                agreement.currency_id,
                agreement.settlement_mode,
                agreement.company_id,
            )
            if held != says:
                mismatches.append(
                    self._revshare_mismatch(
                        "ledger",
                        agreement,
                        self.env._(
                            "Agreement %(agreement)s now says %(says)s, but %(count)s "
                            "of its rows were made with %(held)s: its terms were "
                            "changed after it earned.",
                            agreement=agreement.display_name,
                            says=self._revshare_terms_label(*says),
                            count=count,
                            held=self._revshare_terms_label(*held),
                        ),
                        partner=partner[:1],
                        company=company,
                    )
                )
        return mismatches

    @api.model
    def _revshare_check_stray_rows(self, domain, company):
        """Rows out of the ledger that still carry a document or a settlement,
        and periodic rows with a document of their own."""
        mismatches = []
        strays = self.env["revshare.line"].search(
            domain
            + [
                "|",
                "&",
                ("state", "in", ("expected", "cancelled")),
                "|",
                ("move_id", "!=", False),
                ("settlement_id", "!=", False),
                "&",
                ("settlement_mode", "=", "periodic"),
                ("move_id", "!=", False),
            ]
        )
        for row in strays:
            if row.state in ("expected", "cancelled"):
                problem = self.env._(
                    "is %(state)s but carries an accounting document or a "
                    "settlement: it was taken out of the ledger after it earned",
                    state=row.state,
                )
            else:
                problem = self.env._(
                    "is settled periodically but also has its own accounting "
                    "document %s: the partner would be paid twice",
                    row.move_id.display_name,
                )
            mismatches.append(
                self._revshare_row_mismatch(
                    "ledger", row, self._revshare_row_problem(row, problem), company
                )
            )
        return mismatches

    @api.model
    def _revshare_check_period_terms(self, company):
        """No agreement may have negative period terms."""
        negative = self.env["revshare.agreement"].search(
            [
                ("company_id", "=", company.id),
                "|",
                "|",
                ("hold_days", "<", 0),
                ("min_payout", "<", 0),
                ("period_cap", "<", 0),
            ]
        )
        return [
            self._revshare_mismatch(
                "ledger",
                agreement,
                self.env._(
                    "Agreement %(agreement)s has negative period terms (hold "
                    "days %(hold)s, minimum payout %(minimum)s, period cap "
                    "%(cap)s): settlements would turn its earnings into a debt.",
                    agreement=agreement.display_name,
                    hold=agreement.hold_days,
                    minimum=agreement.min_payout,
                    cap=agreement.period_cap,
                ),
                partner=agreement.partner_id,
                company=company,
            )
            for agreement in negative
        ]

    @api.model
    def _revshare_terms_label(self, partners, currency, mode, company):
        field = self.env["revshare.agreement"]._fields["settlement_mode"]
        mode = dict(field._description_selection(self.env)).get(mode, mode)
        names = ", ".join(partners.mapped("display_name"))
        return f"{names}, {currency.name}, {mode}, {company.display_name}"
