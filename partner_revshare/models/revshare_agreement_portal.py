from odoo import api, models
from odoo.tools import format_amount, format_date


class RevshareAgreementPortal(models.AbstractModel):
    """The agreement in plain words, as its partner reads it (portal page). Internal
    settings (accounts, journals, salespersons, sales journals) are left out."""

    _name = "revshare.agreement.portal"
    _description = "Revenue Share Agreement: portal"

    # Agreements a partner is shown: signed ones (drafts are still being negotiated,
    # cancelled ones never applied). The portal record rule says the same.
    _revshare_portal_states = ("active", "suspended", "expired")

    @api.model
    def _revshare_portal_domain(self, partner):
        """Agreements shown to ``partner`` (its commercial entity and contacts),
        as beneficiary or payee."""
        return [
            "|",
            ("partner_id", "child_of", partner.ids),
            ("payee_id", "child_of", partner.ids),
            ("state", "in", self._revshare_portal_states),
        ]

    def _revshare_selection_label(self, field_name):
        return dict(self._fields[field_name]._description_selection(self.env)).get(
            self[field_name], self[field_name] or ""
        )

    def _revshare_trigger_sentence(self):
        """When a share is earned, in plain words. Hook: addons adding a trigger
        explain it."""
        self.ensure_one()
        if self.trigger == "invoice":
            return self.env._(
                "A share is earned as soon as the customer invoice is issued."
            )
        return self._revshare_selection_label("trigger")

    def _revshare_period_sentence(self):
        self.ensure_one()
        _ = self.env._
        if self.date_start and self.date_end:
            return _(
                "From %(start)s to %(end)s.",
                start=format_date(self.env, self.date_start),
                end=format_date(self.env, self.date_end),
            )
        if self.date_start:
            return _(
                "From %(start)s, with no end date.",
                start=format_date(self.env, self.date_start),
            )
        if self.date_end:
            return _("Until %(end)s.", end=format_date(self.env, self.date_end))
        return _("No start or end date.")

    def _revshare_scope_sentence(self):
        self.ensure_one()
        _ = self.env._
        scope = []
        if self.referred_only:
            scope.append(_("customers you referred"))
        if self.customer_ids:
            scope.append(_("customers %s", ", ".join(self.customer_ids.mapped("name"))))
        if self.customer_category_ids:
            scope.append(
                _(
                    "customers tagged %s",
                    ", ".join(self.customer_category_ids.mapped("name")),
                )
            )
        if self.country_ids:
            scope.append(
                _("customers in %s", ", ".join(self.country_ids.mapped("name")))
            )
        if self.product_ids:
            scope.append(
                _("products %s", ", ".join(self.product_ids.mapped("display_name")))
            )
        if self.product_category_ids:
            scope.append(
                _(
                    "products of the categories %s",
                    ", ".join(self.product_category_ids.mapped("display_name")),
                )
            )
        return _("Sales to %s.", "; ".join(scope)) if scope else _("All our sales.")

    def _revshare_payout_sentence(self):
        self.ensure_one()
        _ = self.env._
        period = self._revshare_selection_label("settlement_period").lower()
        if self.settlement_mode == "entry":
            return _(
                "Each share is credited to your account as soon as it is earned; a "
                "%s statement sums them up.",
                period,
            )
        if self.settlement_mode == "bill":
            return _(
                "Each share is recorded as a bill in your name as soon as it is "
                "earned; a %s statement sums them up.",
                period,
            )
        return _("Shares are paid with a %s statement.", period)

    def _revshare_portal_terms(self):
        """The agreement in plain words, as (label, sentence) pairs."""
        self.ensure_one()
        _ = self.env._
        bases = {
            "untaxed": _(
                "Shares are computed on the amount of each invoice line before taxes."
            ),
            "total": _(
                "Shares are computed on the amount of each invoice line including "
                "taxes."
            ),
            "margin": _(
                "Shares are computed on the margin of each invoice line (amount "
                "before taxes minus the cost of the products sold)."
            ),
        }
        terms = [
            (_("Period"), self._revshare_period_sentence()),
            (_("When"), self._revshare_trigger_sentence()),
            (_("Base"), bases.get(self.base, self.base)),
        ]
        if self.waterfall:
            terms.append(
                (
                    _("Net revenue"),
                    _(
                        "The base is what is left of the line after the shares of "
                        "other partners."
                    ),
                )
            )
        terms += [
            (_("Scope"), self._revshare_scope_sentence()),
            (_("Payment"), self._revshare_payout_sentence()),
        ]
        currency = self.currency_id
        if self.hold_days:
            terms.append(
                (
                    _("Holding period"),
                    _(
                        "A share can be paid %s days after it is earned (refund "
                        "window).",
                        self.hold_days,
                    ),
                )
            )
        if self.min_payout:
            terms.append(
                (
                    _("Minimum payout"),
                    _(
                        "Below %s, the balance waits for the next statement.",
                        format_amount(self.env, self.min_payout, currency),
                    ),
                )
            )
        if self.period_cap:
            terms.append(
                (
                    _("Maximum per period"),
                    _(
                        "At most %s per statement period.",
                        format_amount(self.env, self.period_cap, currency),
                    ),
                )
            )
        terms.append((_("Currency"), currency.name))
        return terms

    def _revshare_portal_rules(self):
        """One sentence per active rule, in the order they apply."""
        self.ensure_one()
        return [
            rule._revshare_plain_words()
            for rule in self.rule_ids.filtered("active").sorted(
                lambda r: (r.sequence, r.id)
            )
        ]
