from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_date, formatLang, plaintext2html


class RevshareSettlementPortal(models.AbstractModel):
    """The statement as its partner sees it: whether it was sent, its totals, and
    what the partner can answer (acknowledge, dispute). The portal, the PDF and the
    backend read these methods, so a figure means the same everywhere."""

    _name = "revshare.settlement.portal"
    _description = "Revenue Share Settlement on the Portal"

    # Statements the partner has received: their rows are settled for the partner.
    # The settlement run links rows to a draft first; until the accounting team
    # confirms it, the partner sees those rows as earned.
    _revshare_issued_states = ("confirmed", "billed", "paid")
    # Statements whose vendor bill is posted (paid or not): billed in the books.
    _revshare_billed_states = ("billed", "paid")
    # Statements a partner is shown (the portal record rule hides drafts as well).
    _revshare_portal_states = ("confirmed", "billed", "paid", "cancelled")
    # Longest dispute message a partner may send (a statement is not a mailbox).
    _revshare_dispute_max_length = 5000

    acknowledged_date = fields.Datetime(
        string="Acknowledged On",
        readonly=True,
        copy=False,
        help="When the partner acknowledged the statement from the portal.",
    )

    @api.model
    def _revshare_portal_domain(self, partner):
        """Statements shown to ``partner`` (its commercial entity and contacts)."""
        return [
            ("partner_id", "child_of", partner.ids),
            ("state", "in", self._revshare_portal_states),
        ]

    def _revshare_rows_span(self):
        """(first, last) date of the statement's rows, or None without rows: rows
        held or earned late are older than the statement's period."""
        self.ensure_one()
        # sudo: whoever may read the statement reads the dates of its rows.
        [(first, last)] = (
            self.env["revshare.line"]
            .sudo()
            ._read_group(
                [("settlement_id", "=", self.id)], [], ["date:min", "date:max"]
            )
        )
        return (first, last) if first else None

    def _revshare_posted_bill(self):
        """The statement's vendor bill once posted, else an empty recordset: a
        draft bill is not in the books, a cancelled one pays nothing. Sudoed: the
        partner reads its own bill's reference and totals without invoicing
        rights."""
        self.ensure_one()
        bill = self.sudo().bill_id
        return bill if bill.state == "posted" else bill.browse()

    def _revshare_bill_note(self):
        """The one sentence that says how the statement is paid, in the reader's
        language: paid by its bill on a date, billed and not paid yet, or nothing
        while no bill is posted. The portal, the PDF and the mail show it."""
        self.ensure_one()
        bill = self._revshare_posted_bill()
        if not bill:
            return ""
        paid_on = self.paid_date
        if paid_on:
            return self.env._(
                "Paid on %(date)s by bill %(bill)s.",
                date=format_date(self.env, paid_on),
                bill=bill.name,
            )
        returned = self._revshare_last_return()
        if returned:
            return self.env._(
                "Payment returned on %(date)s: %(reason)s. Billed by bill %(bill)s, "
                "not paid yet.",
                date=format_date(self.env, returned.return_date),
                reason=(returned.return_reason or "").rstrip("."),
                bill=bill.name,
            )
        return self.env._("Billed by bill %(bill)s, not paid yet.", bill=bill.name)

    def _revshare_last_return(self):
        """The statement's latest payout transfer the bank returned, or an empty
        recordset. Sudoed: the partner reads the date and reason of its own
        returned payment without payment rights."""
        self.ensure_one()
        return (
            self.env["revshare.payout.line"]
            .sudo()
            .search(
                [("settlement_ids", "in", self.ids), ("state", "=", "returned")],
                order="return_date desc, id desc",
                limit=1,
            )
        )

    def _revshare_portal_totals(self):
        """Totals of the statement per agreement and section, as on the PDF (one
        grouped read), with the beneficiary of the rows when it is not the
        statement's partner (a payee paid for several beneficiaries)."""
        self.ensure_one()
        sections = dict(
            self.env["revshare.line"]
            ._fields["section"]
            ._description_selection(self.env)
        )
        # sudo: whoever may read the statement reads the totals of its rows.
        groups = (
            self.env["revshare.line"]
            .sudo()
            ._read_group(
                [("settlement_id", "=", self.id)],
                ["agreement_id", "section", "partner_id"],
                ["amount:sum", "__count"],
            )
        )
        return [
            {
                "agreement": agreement.display_name,
                "section": sections.get(section, section),
                "beneficiary": self._revshare_beneficiary_name(partner),
                "count": count,
                "amount": self.currency_id.round(amount),
            }
            for agreement, section, partner, amount, count in groups
        ]

    def _revshare_beneficiary_names(self, rows):
        """{row id: name of its beneficiary} of the ``rows`` of this statement
        earned by another partner than the statement's (the payee's)."""
        return {
            row.id: name
            for row in rows
            if (name := self._revshare_beneficiary_name(row.partner_id))
        }

    def _revshare_beneficiary_name(self, beneficiary):
        """The name of a row's ``beneficiary`` on the statement, or "" when it is
        the statement's partner (the payee) itself."""
        self.ensure_one()
        if beneficiary.commercial_partner_id == self.partner_id.commercial_partner_id:
            return ""
        return beneficiary.display_name

    def _revshare_creator_answers(self):
        """Whether the statement's creator is a real internal user (not the cron's
        superuser, not a portal user, still active): then it answers disputes."""
        user = self.create_uid
        return bool(
            user and not user._is_superuser() and not user.share and user.active
        )

    def _revshare_dispute_responsible(self, managers=None):
        """The accounting user who answers a dispute: the statement's creator
        (``_revshare_creator_answers``), else the first revenue-share manager of
        the company (``managers``: the group's users, when the caller read them
        once for many statements)."""
        self.ensure_one()
        if self._revshare_creator_answers():
            return self.create_uid
        if managers is None:
            managers = self._revshare_managers()
        return managers.filtered(
            lambda u: not u.share
            and not u._is_superuser()
            and self.company_id in u.company_ids
        )[:1]

    def _revshare_managers(self):
        # sudo: who manages the revenue share is not a secret among the users
        # who answer disputes, and a partner never reads it.
        return self.env.ref("partner_revshare.group_revshare_manager").sudo().users

    def _revshare_check_answerable(self):
        if self.state not in self._revshare_issued_states:
            raise UserError(
                self.env._(
                    "Statement %(statement)s was not sent to you: it cannot be "
                    "acknowledged or disputed.",
                    statement=self.name,
                )
            )

    def _revshare_can_acknowledge(self):
        """Whether the partner is offered to acknowledge the statement: sent,
        not acknowledged yet, and not disputed (the dispute is answered first)."""
        self.ensure_one()
        return (
            self.state in self._revshare_issued_states
            and not self.acknowledged_date
            and not self.is_disputed
        )

    def _revshare_can_dispute(self):
        """Whether the partner is offered to dispute the statement: sent, and no
        dispute of it is open (the partner answers in its thread meanwhile)."""
        self.ensure_one()
        return self.state in self._revshare_issued_states and not self.is_disputed

    def _revshare_acknowledge(self, author):
        """``author`` (a partner) acknowledges the statement, once: a comment
        that notifies its followers (the responsible accountant). Returns
        whether it was acknowledged now (False when it already was)."""
        self.ensure_one()
        self._revshare_check_answerable()
        if self.is_disputed:
            raise UserError(
                self.env._(
                    "Statement %(statement)s is disputed: our accounting team "
                    "answers the dispute first.",
                    statement=self.name,
                )
            )
        if self.acknowledged_date:
            return False
        self.acknowledged_date = fields.Datetime.now()
        self.message_post(
            body=Markup("<p>%s</p>")
            % self.env._("%s acknowledged this statement.", author.name),
            author_id=author.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        return True

    def _revshare_dispute(self, author, text):
        """``author`` disputes the statement with ``text``: a comment to its
        followers and a to-do for the responsible accountant, once while the
        dispute is open (the partner writes in the statement's thread
        meanwhile). Returns whether a dispute was opened now."""
        self.ensure_one()
        self._revshare_check_answerable()
        if self.is_disputed:
            return False
        text = (text or "").strip()
        if not text:
            raise UserError(
                self.env._("Please tell us what is wrong with this statement.")
            )
        if len(text) > self._revshare_dispute_max_length:
            raise UserError(
                self.env._(
                    "Your message is too long (%(length)s characters, at most "
                    "%(limit)s). Please shorten it.",
                    length=len(text),
                    limit=self._revshare_dispute_max_length,
                )
            )
        _ = self.env._
        self.message_post(
            body=Markup("<p><strong>%s</strong></p>%s")
            % (_("%s disputes this statement:", author.name), plaintext2html(text)),
            author_id=author.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        responsible = self._revshare_dispute_responsible()
        if responsible:
            self.activity_schedule(
                activity_type_id=self._revshare_dispute_type().id,
                summary=_("Statement disputed by %s", author.name),
                note=plaintext2html(text),
                user_id=responsible.id,
            )
        return True

    def _revshare_statement_sections(self):
        """The statement's rows grouped by agreement, each with its subtotal, a
        label per row (adjustments explained), its beneficiary when another
        partner's and, for rows earned in another currency, the original amount
        and the rate it was converted at."""
        self.ensure_one()
        # A row's kind is its section: the same word in the ledger and the CSV.
        kinds = dict(
            self.env["revshare.line"]
            ._fields["section"]
            ._description_selection(self.env)
        )
        # Rates and amounts as the reader writes them (the report's language).
        percent = self.env["revshare.rule"]._revshare_format_percent
        # sudo: whoever may read the statement sees its rows' invoice numbers and
        # customers (the partner's own business), even without invoicing rights.
        rows = self.sudo().line_ids.sorted(
            lambda r: (r.agreement_id.sequence, r.agreement_id.id, r.date, r.id)
        )
        sections = []
        for agreement in rows.agreement_id:
            agreement_rows = rows.filtered(lambda r, a=agreement: r.agreement_id == a)
            labels, conversions = {}, {}
            for row in agreement_rows:
                # The values are computed before the message: the translation
                # extractor cannot read an f-string inside a message's call.
                if row.adjustment_reason == "tier":
                    tier_rate = percent(row.rate, digits=None)
                    labels[row.id] = self.env._(
                        "Tier adjustment: the period's cumulative base reached the "
                        "%(rate)s tier",
                        rate=tier_rate,
                    )
                elif row.adjustment_reason == "cap":
                    cap = format_amount(
                        self.env, agreement.period_cap, self.currency_id
                    )
                    labels[row.id] = self.env._("Period cap of %(cap)s", cap=cap)
                elif row.adjustment_reason == "bonus":
                    labels[row.id] = self.env._("Period bonus")
                elif row.note:
                    # A manual adjustment or a decline: the manager's reason.
                    labels[row.id] = self.env._(
                        "%(kind)s: %(reason)s",
                        kind=kinds.get(row.section, row.section),
                        reason=row.note,
                    )
                else:
                    labels[row.id] = kinds.get(row.section, row.section)
                if (
                    row.invoice_currency_id
                    and row.invoice_currency_id != row.currency_id
                    and not row.invoice_currency_id.is_zero(row.amount_invoice_currency)
                ):
                    conversions[row.id] = {
                        "amount": row.amount_invoice_currency,
                        "rate": formatLang(
                            self.env,
                            row.amount / row.amount_invoice_currency,
                            digits=6,
                        ),
                    }
            sections.append(
                {
                    "agreement": agreement,
                    "rates": {
                        row.id: percent(row.rate) for row in agreement_rows if row.rate
                    },
                    "lines": agreement_rows,
                    "labels": labels,
                    "beneficiaries": self._revshare_beneficiary_names(agreement_rows),
                    "conversions": conversions,
                    "has_conversion": bool(conversions),
                    "total": self.currency_id.round(
                        sum(agreement_rows.mapped("amount"))
                    ),
                }
            )
        return sections

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.env._("Statement %s", self.name).replace("/", "_")
