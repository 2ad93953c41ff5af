from markupsafe import Markup

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import plaintext2html


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
    # Statements a partner is shown (the portal record rule hides drafts as well).
    _revshare_portal_states = ("confirmed", "billed", "paid", "cancelled")
    # Longest dispute message a partner may send (a statement is not a mailbox).
    _revshare_dispute_max_length = 5000

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

    def _revshare_portal_totals(self):
        """Totals of the statement per agreement and section, as on the PDF (one
        grouped read)."""
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
                ["agreement_id", "section"],
                ["amount:sum", "__count"],
            )
        )
        return [
            {
                "agreement": agreement.display_name,
                "section": sections.get(section, section),
                "count": count,
                "amount": self.currency_id.round(amount),
            }
            for agreement, section, amount, count in groups
        ]

    def _revshare_dispute_responsible(self):
        """The accounting user who answers a dispute: the statement's creator when
        that is a real internal user (not the cron's superuser), else the first
        revenue-share manager of the company."""
        self.ensure_one()
        user = self.create_uid
        if not user or user._is_superuser() or user.share or not user.active:
            managers = (
                self.env.ref("partner_revshare.group_revshare_manager").sudo().users
            )
            user = managers.filtered(
                lambda u: not u.share
                and not u._is_superuser()
                and self.company_id in u.company_ids
            )[:1]
        return user

    def _revshare_check_answerable(self):
        if self.state not in self._revshare_issued_states:
            raise UserError(
                self.env._(
                    "Statement %(statement)s was not sent to you: it cannot be "
                    "acknowledged or disputed.",
                    statement=self.name,
                )
            )

    def _revshare_acknowledge(self, author):
        """``author`` (a partner) acknowledges the statement: a comment that
        notifies its followers (the accounting team)."""
        self.ensure_one()
        self._revshare_check_answerable()
        self.message_post(
            body=Markup("<p>%s</p>")
            % self.env._("%s acknowledged this statement.", author.name),
            author_id=author.id,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )

    def _revshare_dispute(self, author, text):
        """``author`` disputes the statement with ``text``: a comment, and a to-do
        for the responsible accountant unless a dispute of this statement is
        still open (the new message joins the same thread)."""
        self.ensure_one()
        self._revshare_check_answerable()
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
        dispute_type = self.env.ref("partner_revshare.mail_activity_type_dispute")
        if self.activity_ids.filtered(lambda a: a.activity_type_id == dispute_type):
            return
        responsible = self._revshare_dispute_responsible()
        if responsible:
            self.activity_schedule(
                activity_type_id=dispute_type.id,
                summary=_("Statement disputed by %s", author.name),
                note=plaintext2html(text),
                user_id=responsible.id,
            )
