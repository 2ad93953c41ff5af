from collections import defaultdict

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, plaintext2html


class RevshareSettlementDispute(models.AbstractModel):
    """The answer to a partner's dispute (opened from the portal,
    ``_revshare_dispute``): a revenue-share manager resolves it, with or without
    a manual adjustment, which closes the dispute's to-do and tells the partner.
    The responsible accountant follows every statement from its creation, so that
    an acknowledgement or a dispute reaches someone."""

    _name = "revshare.settlement.dispute"
    _description = "Revenue Share Settlement Dispute"

    is_disputed = fields.Boolean(
        string="Disputed",
        compute="_compute_is_disputed",
        search="_search_is_disputed",
        help="The partner disputed this statement and nobody answered yet.",
    )

    @api.model
    def _revshare_dispute_type(self):
        return self.env.ref("partner_revshare.mail_activity_type_dispute")

    def _revshare_open_disputes(self):
        """The open dispute to-dos of these statements."""
        dispute_type = self._revshare_dispute_type()
        # sudo: the to-do may be assigned to another accountant.
        return self.sudo().activity_ids.filtered(
            lambda a: a.activity_type_id == dispute_type
        )

    @api.depends("activity_ids.activity_type_id")
    def _compute_is_disputed(self):
        open_ids = set(self._revshare_open_disputes().mapped("res_id"))
        for settlement in self:
            settlement.is_disputed = settlement.id in open_ids

    def _search_is_disputed(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Operation not supported"))
        # sudo: which statements have an open dispute, whoever it is assigned to.
        ids = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("activity_type_id", "=", self._revshare_dispute_type().id),
                ]
            )
            .mapped("res_id")
        )
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", ids)]

    @api.model_create_multi
    def create(self, vals_list):
        settlements = super().create(vals_list)
        settlements._revshare_subscribe_responsible()
        return settlements

    def _revshare_subscribe_responsible(self):
        """Make each statement's responsible accountant
        (``_revshare_dispute_responsible``) a follower, also of the statements a
        run creates without followers: one subscription per accountant."""
        todo = defaultdict(list)
        # The managers are read once, and only when a statement needs them.
        managers = None
        if not all(self.mapped(lambda s: s._revshare_creator_answers())):
            managers = self._revshare_managers()
        for settlement in self:
            responsible = settlement._revshare_dispute_responsible(managers)
            if responsible:
                todo[responsible.partner_id].append(settlement.id)
        for partner, ids in todo.items():
            # sudo: following a statement is part of creating it, whoever
            # creates it (a manager, the settlement run).
            self.browse(ids).sudo().message_subscribe(partner_ids=partner.ids)

    def _revshare_resolve_dispute(self, answer, agreement=None, amount=0.0):
        """Answer the open dispute of this statement with ``answer`` (sent to the
        partner) and, with ``amount``, a manual adjustment of ``agreement`` whose
        reason is the answer. Returns the adjustment row (empty without)."""
        self.ensure_one()
        self._revshare_check_group()
        Line = self.env["revshare.line"]
        _ = self.env._
        answer = (answer or "").strip()
        disputes = self._revshare_open_disputes()
        if not disputes:
            raise UserError(
                _("Statement %(statement)s has no open dispute.", statement=self.name)
            )
        if not answer:
            raise UserError(_("Write the answer the partner will receive."))
        adjustment = Line.browse()
        currency = self.currency_id
        if not currency.is_zero(amount or 0.0):
            if not agreement or agreement not in self.agreement_ids:
                raise UserError(
                    _(
                        "Choose the agreement of statement %(statement)s that the "
                        "adjustment is for.",
                        statement=self.name,
                    )
                )
            adjustment = Line._revshare_create_manual_adjustment(
                agreement, amount, answer
            )
        disputes.action_feedback(feedback=answer)
        body = Markup("<p><strong>%s</strong></p>%s") % (
            _("Answer to your dispute:"),
            plaintext2html(answer),
        )
        if adjustment:
            body += Markup("<p>%s</p>") % _(
                "An adjustment of %(amount)s was added to your account; it appears "
                "on your next statement.",
                amount=format_amount(self.env, adjustment.amount, currency),
            )
        # A comment addressed to the partner: notified by email, and shown on
        # the statement's portal page.
        self.message_post(
            body=body,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            partner_ids=self.partner_id.ids,
        )
        return adjustment

    def action_revshare_resolve_dispute(self):
        """Open the wizard that answers this statement's dispute."""
        self._revshare_check_group()
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Resolve Dispute"),
            "res_model": "revshare.settlement.resolve",
            "view_mode": "form",
            "target": "new",
            "context": {"default_settlement_id": self.id},
        }
