from odoo import api, fields, models
from odoo.exceptions import ValidationError

# What two rules must share to be the same scope: tenure ranges may not overlap
# within one scope (the first rule by sequence would silently win).
SCOPE_FIELDS = ("product_ids", "product_category_ids", "date_start", "date_end")


class RevshareRuleTenure(models.AbstractModel):
    """Rules by customer tenure: a rule applies to an invoice line when the
    customer's age with the agreement, in whole months at the invoice date, is in
    ``[customer_month_from, customer_month_to)`` ("30 % of the first 12 months,
    then 10 %": two rules; "the first 12 months only": one)."""

    _name = "revshare.rule.tenure"
    _inherit = ["revshare.rule.hooks"]
    _description = "Revenue Share Rule: customer tenure"

    customer_month_from = fields.Integer(
        string="From Customer Month",
        default=0,
        help="Applies from this month of the customer's tenure with the agreement "
        "(0: from the first month). See the agreement's Customer Start.",
    )
    customer_month_to = fields.Integer(
        string="To Customer Month",
        default=0,
        help="Applies up to this month of the customer's tenure, excluded (12: the "
        "first twelve months only; 0: no end).",
    )

    customer_invoice_from = fields.Integer(
        string="From Customer Invoice",
        default=0,
        help="Applies from the customer's N-th invoice under the agreement, counted "
        "from 1 among its posted customer invoices from its customer start (0: from "
        "the first). A credit note counts as the invoice it reverses.",
    )
    customer_invoice_to = fields.Integer(
        string="To Customer Invoice",
        default=0,
        help="Applies up to the customer's N-th invoice under the agreement, "
        "included (3: the first three invoices; 0: no end).",
    )

    @api.constrains("customer_invoice_from", "customer_invoice_to")
    def _check_customer_invoices(self):
        for rule in self:
            start, end = rule.customer_invoice_from, rule.customer_invoice_to
            if start < 0 or end < 0:
                raise ValidationError(
                    self.env._(
                        "The customer invoices of rule %(rule)s cannot be negative.",
                        rule=rule.display_name,
                    )
                )
            if end and end < start:
                raise ValidationError(
                    self.env._(
                        "Rule %(rule)s ends at the customer's invoice %(to)s, before "
                        "it starts (invoice %(start)s): set an end from the start "
                        "on, or 0 for no end.",
                        rule=rule.display_name,
                        to=end,
                        start=start,
                    )
                )

    @api.constrains(
        "customer_month_from",
        "customer_month_to",
        "active",
        "agreement_id",
        *SCOPE_FIELDS,
    )
    def _check_customer_months(self):
        for rule in self:
            if rule.customer_month_from < 0 or rule.customer_month_to < 0:
                raise ValidationError(
                    self.env._(
                        "The customer months of rule %(rule)s cannot be negative.",
                        rule=rule.display_name,
                    )
                )
            if (
                rule.customer_month_to
                and rule.customer_month_to <= rule.customer_month_from
            ):
                raise ValidationError(
                    self.env._(
                        "Rule %(rule)s ends at customer month %(to)s, not after it "
                        "starts (month %(start)s): set an end above the start, or 0 "
                        "for no end.",
                        rule=rule.display_name,
                        to=rule.customer_month_to,
                        start=rule.customer_month_from,
                    )
                )
        for agreement in self.agreement_id:
            rules = agreement.rule_ids.filtered(
                lambda r: r.active and r._revshare_has_tenure()
            )
            for index, rule in enumerate(rules):
                for other in rules[index + 1 :]:
                    if rule._revshare_same_scope(other) and rule._revshare_overlaps(
                        other
                    ):
                        raise ValidationError(
                            self.env._(
                                "Rules %(rule)s and %(other)s of agreement "
                                "%(agreement)s apply to the same products and dates "
                                "with overlapping customer months: make their "
                                "ranges follow each other (e.g. months 0 to 12, "
                                "then from 12).",
                                rule=rule.display_name,
                                other=other.display_name,
                                agreement=agreement.display_name,
                            )
                        )

    def _revshare_history_field_names(self):
        return super()._revshare_history_field_names() | {
            "customer_month_from",
            "customer_month_to",
            "customer_invoice_from",
            "customer_invoice_to",
        }

    def _revshare_counts_invoices(self):
        self.ensure_one()
        return bool(self.customer_invoice_from or self.customer_invoice_to)

    def _revshare_matches_invoice(self, number):
        """Whether the rule applies to the customer's ``number``-th invoice under
        the agreement (None: unknown, which only rules without bounds match)."""
        self.ensure_one()
        if not self._revshare_counts_invoices():
            return True
        if number is None or number < self.customer_invoice_from:
            return False
        return not self.customer_invoice_to or number <= self.customer_invoice_to

    def _revshare_invoice_words(self):
        """The customer invoices the rule applies to in plain words, as a list of
        at most one detail."""
        _ = self.env._
        start, end = self.customer_invoice_from, self.customer_invoice_to
        if start <= 1 and not end:
            return []
        if start <= 1:
            return [_("on each customer's first %s invoices", end)]
        if not end:
            return [_("on each customer's invoices from number %s", start)]
        return [
            _(
                "on each customer's invoices %(first)s to %(last)s",
                first=start,
                last=end,
            )
        ]

    def _revshare_has_tenure(self):
        self.ensure_one()
        return bool(self.customer_month_from or self.customer_month_to)

    def _revshare_same_scope(self, other):
        return all(self[fname] == other[fname] for fname in SCOPE_FIELDS)

    def _revshare_overlaps(self, other):
        """Whether the customer-month ranges of two rules share a month."""
        end = self.customer_month_to or float("inf")
        other_end = other.customer_month_to or float("inf")
        return self.customer_month_from < other_end and other.customer_month_from < end

    def _revshare_matches_tenure(self, customer_month):
        """Whether the rule applies in ``customer_month`` of the customer's tenure
        (None: unknown, which only rules without a range match)."""
        self.ensure_one()
        if not self._revshare_has_tenure():
            return True
        if customer_month is None or customer_month < self.customer_month_from:
            return False
        return not self.customer_month_to or customer_month < self.customer_month_to

    def _revshare_tenure_plain_text(self, text):
        """``text``, what the rule pays in plain words, with the customer months
        it pays them in (see ``revshare.rule._revshare_plain_words``)."""
        tenure = self._revshare_tenure_words()
        if not tenure:
            return text
        if self.compute == "percent":
            return self.env._(
                "%(rate)s%% of %(tenure)s",
                rate=self._revshare_format_rate(self.rate),
                tenure=tenure,
            )
        return self.env._("%(text)s, during %(tenure)s", text=text, tenure=tenure)

    def _revshare_tenure_words(self):
        """The customer months of the rule in plain words ("each customer's first
        12 months"), empty without a range."""
        _ = self.env._
        start, end = self.customer_month_from, self.customer_month_to
        if not start and not end:
            return ""
        if not start:
            return _("each customer's first %s months", end)
        if not end:
            return _("each customer's months after the first %s", start)
        return _(
            "each customer's months %(first)s to %(last)s",
            first=start + 1,
            last=end,
        )
