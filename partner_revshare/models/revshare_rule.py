from babel.numbers import format_percent

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare, format_amount, format_date
from odoo.tools.misc import babel_locale_parse


class RevshareRule(models.Model):
    """How much an agreement pays on an invoice line. The first active rule (by
    sequence) whose product scope and dates match the line applies, as pricelist
    rules do."""

    _name = "revshare.rule"
    _inherit = ["revshare.rule.tenure", "revshare.rule.formula", "revshare.rule.hooks"]
    _description = "Revenue Share Rule"
    _order = "agreement_id, sequence, id"
    _check_company_auto = True

    agreement_id = fields.Many2one(
        "revshare.agreement", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        related="agreement_id.company_id", store=True, index=True
    )
    currency_id = fields.Many2one(related="agreement_id.currency_id")
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    name = fields.Char()
    product_ids = fields.Many2many(
        "product.product",
        "revshare_rule_product_rel",
        "rule_id",
        "product_id",
        string="Products",
        check_company=True,
        help="Only these products (empty: any product of the agreement's scope).",
    )
    product_category_ids = fields.Many2many(
        "product.category",
        "revshare_rule_product_category_rel",
        "rule_id",
        "category_id",
        string="Product Categories",
        help="Only products of these categories or their children.",
    )
    date_start = fields.Date(
        help="Applies to invoices dated from this day. Use a date-bounded rule to "
        "change the terms of an agreement that already earned shares.",
    )
    date_end = fields.Date(help="Applies to invoices dated up to this day.")
    compute = fields.Selection(
        [
            ("percent", "Percentage of the base"),
            ("fixed_unit", "Fixed amount per unit"),
            ("fixed_line", "Fixed amount per invoice line"),
            ("tiered", "Tiered percentage"),
            ("formula", "Formula"),
        ],
        required=True,
        default="percent",
    )
    rate = fields.Float(
        string="Rate (%)",
        digits=(16, 4),
        help="Percentage of the base; for tiered rules, the rate below the first "
        "tier; for formulas with tiers, their tier_rate below the first tier.",
    )
    amount = fields.Monetary(help="Fixed amount, in the agreement currency.")
    tier_ids = fields.One2many("revshare.rule.tier", "rule_id", string="Tiers")
    min_amount = fields.Monetary(string="Minimum per Line", help="0 means no minimum.")
    max_amount = fields.Monetary(string="Maximum per Line", help="0 means no maximum.")
    min_quantity = fields.Float(
        string="Minimum Quantity",
        digits="Product Unit of Measure",
        help="Applies to invoice lines of at least this quantity (0: any quantity).",
    )
    min_invoice_amount = fields.Monetary(
        string="Minimum Invoice",
        help="Applies to invoices whose untaxed total reaches this amount, in the "
        "agreement currency (0: any invoice). A credit note is measured by the "
        "invoice it reverses.",
    )

    @api.depends("name", "agreement_id.code", "sequence")
    def _compute_display_name(self):
        for rule in self:
            agreement = rule.agreement_id
            rule.display_name = (
                rule.name
                or f"{agreement.code or agreement.name or ''} #{rule.sequence}"
            )

    @api.constrains(
        "rate",
        "amount",
        "min_amount",
        "max_amount",
        "min_quantity",
        "min_invoice_amount",
        "date_start",
        "date_end",
    )
    def _check_values(self):
        for rule in self:
            if rule.rate < 0 or rule.rate > 100:
                raise ValidationError(
                    self.env._(
                        "The rate of rule %(rule)s must be between 0 and 100 (it is "
                        "%(rate)s).",
                        rule=rule.display_name,
                        rate=rule.rate,
                    )
                )
            if min(rule.amount, rule.min_amount, rule.max_amount) < 0:
                raise ValidationError(
                    self.env._(
                        "The amounts of rule %(rule)s (fixed amount, minimum, "
                        "maximum) cannot be negative.",
                        rule=rule.display_name,
                    )
                )
            if rule.min_quantity < 0 or rule.min_invoice_amount < 0:
                raise ValidationError(
                    self.env._(
                        "The minimum quantity and minimum invoice of rule %(rule)s "
                        "cannot be negative (0: no minimum).",
                        rule=rule.display_name,
                    )
                )
            if (
                rule.max_amount
                and rule.currency_id.compare_amounts(rule.min_amount, rule.max_amount)
                > 0
            ):
                raise ValidationError(
                    self.env._(
                        "The minimum of rule %(rule)s is above its maximum.",
                        rule=rule.display_name,
                    )
                )
            if rule.date_start and rule.date_end and rule.date_end < rule.date_start:
                raise ValidationError(
                    self.env._(
                        "The end date of rule %(rule)s is before its start date.",
                        rule=rule.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        rules._revshare_check_history_guard()
        return rules

    def write(self, vals):
        # The ledger is read (sudo) before Odoo's write checks the access.
        self.check_access("write")
        locked = self._revshare_locked_rules()
        if locked:
            changed = set(vals) & self._revshare_history_field_names()
            if changed:
                self._revshare_raise_history(locked)
            if vals.get("date_end"):
                last_dates = locked.agreement_id._revshare_last_earned_dates()
                end = fields.Date.to_date(vals["date_end"])
                if any(end < last_dates[r.agreement_id.id] for r in locked):
                    self._revshare_raise_history(locked)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_history(self):
        used = (
            self.env["revshare.line"]
            .sudo()
            ._read_group([("rule_id", "in", self.ids)], ["rule_id"])
        )
        if used:
            raise UserError(
                self.env._(
                    "Rule %(rule)s has revenue-share ledger rows and cannot be "
                    "deleted. Archive it instead.",
                    rule=used[0][0].display_name,
                )
            )
        self._revshare_check_history_guard()

    def _revshare_history_field_names(self):
        return super()._revshare_history_field_names() | {
            "agreement_id",
            "sequence",
            "product_ids",
            "product_category_ids",
            "compute",
            "rate",
            "amount",
            "tier_ids",
            "min_amount",
            "max_amount",
            "min_quantity",
            "min_invoice_amount",
            "date_start",
        }

    def _revshare_locked_rules(self):
        """Rules whose terms already produced earned rows: rules of an active
        agreement with earned rows, except rules starting after the last earned row
        (a date-bounded new version)."""
        agreements = self.agreement_id.filtered(lambda a: a.state == "active")
        if not agreements:
            return self.browse()
        last_dates = agreements._revshare_last_earned_dates()
        return self.filtered(
            lambda r: r.agreement_id.id in last_dates
            and not (r.date_start and r.date_start > last_dates[r.agreement_id.id])
        )

    def _revshare_check_history_guard(self):
        locked = self._revshare_locked_rules()
        if locked:
            self._revshare_raise_history(locked)

    def _revshare_raise_history(self, locked):
        raise UserError(
            self.env._(
                "Agreement %(agreement)s is active and already earned shares: changing "
                "the terms of rule %(rule)s would change history. Add a rule starting "
                "after the last earned share, or create a new version of the "
                "agreement.",
                agreement=locked[0].agreement_id.display_name,
                rule=locked[0].display_name,
            )
        )

    def _revshare_matches_thresholds(self, quantity, invoice_amount):
        """Whether the rule applies to a line of ``quantity`` (positive) on an
        invoice of ``invoice_amount`` untaxed, in the agreement currency (None:
        not measured, as no rule of the agreement has that minimum)."""
        self.ensure_one()
        if self.min_quantity and (
            quantity is None
            or float_compare(quantity, self.min_quantity, precision_digits=6) < 0
        ):
            return False
        return not self.min_invoice_amount or (
            invoice_amount is not None
            and self.currency_id.compare_amounts(
                invoice_amount, self.min_invoice_amount
            )
            >= 0
        )

    def _revshare_uses_tiers(self):
        """Whether the rule's figure depends on the tier the period reached: a
        tiered rule, or a formula with tiers (its ``tier_rate``)."""
        self.ensure_one()
        return self.compute == "tiered" or bool(
            self.compute == "formula" and self.tier_ids
        )

    def _revshare_tier_rate(self, cumulative_base):
        """Rate (%) of a tiered rule for a cumulative base of the period: the rate of
        the last tier reached, or the rule's own rate below the first tier. A
        negative base (a period of clawbacks) reaches no tier."""
        self.ensure_one()
        rate = self.rate
        for tier in self.tier_ids.sorted(lambda t: (t.sequence, t.threshold, t.id)):
            if self.currency_id.compare_amounts(cumulative_base, tier.threshold) >= 0:
                rate = tier.rate
        return rate

    def _revshare_amount(self, base, quantity, rate=None, variables=None):
        """Raw (unrounded) amount of this rule on one invoice line, in the agreement
        currency. ``base`` and ``quantity`` are signed (negative for credit notes);
        fixed amounts and formulas follow the sign of the base. ``rate`` overrides
        the percentage (the provisional tier rate of tiered rules); ``variables``
        are a formula's (:meth:`_revshare_formula_value`, which may raise).
        Min/max apply to the absolute amount."""
        self.ensure_one()
        sign = -1 if base < 0 or (not base and quantity < 0) else 1
        if self.compute in ("percent", "tiered"):
            raw = base * (self.rate if rate is None else rate) / 100.0
        elif self.compute == "fixed_unit":
            raw = sign * abs(quantity) * self.amount
        elif self.compute == "formula":
            raw = sign * self._revshare_formula_value(variables)
        else:
            raw = sign * self.amount
        if self.min_amount and abs(raw) < self.min_amount:
            raw = sign * self.min_amount
        if self.max_amount and abs(raw) > self.max_amount:
            raw = sign * self.max_amount
        return raw

    @staticmethod
    def _revshare_format_rate(rate):
        """A rate as people write it: its decimals, no trailing zeros (12.5)."""
        return f"{rate:.4f}".rstrip("0").rstrip(".")

    @api.model
    def _revshare_format_percent(self, rate, digits=2):
        """``rate`` (20.0 for 20 %) with its percent sign as the reader writes it
        (``env.lang``): "20.00%" in English, "20,00 %" in French, German or
        Spanish; ``digits`` decimals, or as many as the rate has (up to four)
        with ``None``."""
        locale = babel_locale_parse(self.env.lang or "en_US")
        if digits is None:
            decimals = ".####"
        else:
            decimals = "." + "0" * digits if digits else ""
        pattern = locale.percent_formats[None].pattern.replace("0", "0" + decimals, 1)
        return format_percent(rate / 100.0, pattern, locale=locale)

    def _revshare_plain_words(self):
        """The rule in plain words for its partner: {"name", "text", "details"}."""
        self.ensure_one()
        env = self.env
        _ = env._
        currency = self.agreement_id.currency_id

        def money(amount):
            return format_amount(env, amount, currency)

        rate = self._revshare_format_rate
        if self.compute == "percent":
            text = _("%s%% of the base", rate(self.rate))
        elif self.compute == "fixed_unit":
            text = _("%s per unit sold", money(self.amount))
        elif self.compute == "fixed_line":
            text = _("%s per invoice line", money(self.amount))
        elif self.compute == "formula":
            text = _("by the formula %s", (self.formula or "").strip())
        else:
            steps = [_("%s%%", rate(self.rate))]
            for tier in self.tier_ids.sorted(lambda t: (t.sequence, t.threshold)):
                steps.append(
                    _(
                        "%(rate)s%% once the period's sales reach %(threshold)s",
                        rate=rate(tier.rate),
                        threshold=money(tier.threshold),
                    )
                )
            text = _("tiered: %s", "; ".join(steps))
        text = self._revshare_tenure_plain_text(text)
        details = []
        if self.product_ids:
            details.append(
                _("on %s", ", ".join(self.product_ids.mapped("display_name")))
            )
        if self.product_category_ids:
            details.append(
                _(
                    "on the categories %s",
                    ", ".join(self.product_category_ids.mapped("display_name")),
                )
            )
        if self.min_amount:
            details.append(_("at least %s per line", money(self.min_amount)))
        if self.max_amount:
            details.append(_("at most %s per line", money(self.max_amount)))
        if self.min_quantity:
            details.append(
                _(
                    "on lines of at least %s units",
                    self._revshare_format_rate(self.min_quantity),
                )
            )
        if self.min_invoice_amount:
            details.append(
                _("on invoices of at least %s untaxed", money(self.min_invoice_amount))
            )
        details += self._revshare_invoice_words()
        if self.date_start:
            details.append(_("for invoices from %s", format_date(env, self.date_start)))
        if self.date_end:
            details.append(_("for invoices up to %s", format_date(env, self.date_end)))
        return {"name": self.name or "", "text": text, "details": ", ".join(details)}
