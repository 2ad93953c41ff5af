import ast

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.safe_eval import safe_eval

# The variables of a formula, as the share computation gives them (see the help of
# ``formula``), and the values the formula is tried on when the rule is saved.
FORMULA_VARIABLES = (
    "base",
    "quantity",
    "price_unit",
    "discount",
    "margin",
    "customer_month",
    "customer_invoice",
    "tier_rate",
)
FORMULA_FUNCTIONS = ("min", "max", "round", "abs")
SAMPLE_VALUES = {
    "base": 100.0,
    "quantity": 2.0,
    "price_unit": 50.0,
    "discount": 0.0,
    "margin": 40.0,
    "customer_month": 0,
    "customer_invoice": 1,
}


class RevshareFormulaError(Exception):
    """A formula that gave no share on a real line (a division by zero, a
    negative amount): the row is made at zero and held with the message."""


class RevshareRuleFormula(models.AbstractModel):
    """Rules computed by a formula (``compute = 'formula'``): a Python expression
    of the line's figures, evaluated with Odoo's ``safe_eval``, checked on sample
    values when the rule is saved."""

    _name = "revshare.rule.formula"
    _inherit = ["revshare.rule.hooks"]
    _description = "Revenue Share Rule: formula"

    formula = fields.Text(
        help="A Python expression whose value is the share of one invoice line, in "
        "the agreement currency, e.g. min(base * 0.1, 50) or quantity * 2 + "
        "(5 if customer_invoice == 1 else 0). Variables, positive on invoices "
        "and credit notes alike (a credit note takes the share back): base (the "
        "line's base as the agreement's Base defines it, agreement currency), "
        "quantity (in the product's unit), price_unit (as on the invoice, "
        "invoice currency), discount (%), margin (the line's margin, agreement "
        "currency), customer_month (the customer's age with the agreement in "
        "whole months, from 0), customer_invoice (the number of the invoice among "
        "the customer's invoices under the agreement, from 1), tier_rate (the "
        "rate of the tier the period reached, the rule's rate without tiers); "
        "functions min, max, round, abs. The rule's minimum and maximum per line "
        "apply to the value. A formula that fails on a line (a division by zero) "
        "makes a held row of 0.00 for review; the invoice posts.",
    )

    @api.constrains("compute", "formula", "rate")
    def _check_formula(self):
        for rule in self.filtered(lambda r: r.compute == "formula"):
            rule._revshare_check_formula()

    def _revshare_history_field_names(self):
        return super()._revshare_history_field_names() | {"formula"}

    def _revshare_check_formula(self):
        """Raise a ValidationError unless the formula is an expression of its
        variables that gives a number on sample values."""
        self.ensure_one()
        _ = self.env._
        expression = (self.formula or "").strip()
        if not expression:
            raise ValidationError(
                _(
                    "Rule %(rule)s computes by formula: write it.",
                    rule=self.display_name,
                )
            )
        try:
            tree = ast.parse(expression, mode="eval")
        except SyntaxError as error:
            raise ValidationError(
                _(
                    "The formula of rule %(rule)s is not a valid expression: "
                    "%(error)s.",
                    rule=self.display_name,
                    error=error.msg,
                )
            ) from error
        allowed = set(FORMULA_VARIABLES) | set(FORMULA_FUNCTIONS)
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute):
                raise ValidationError(
                    _(
                        "The formula of rule %(rule)s reads the attribute "
                        "%(name)s: a formula uses its variables and functions "
                        "only.",
                        rule=self.display_name,
                        name=node.attr,
                    )
                )
            if isinstance(node, ast.Name) and node.id not in allowed:
                raise ValidationError(
                    _(
                        "The formula of rule %(rule)s uses %(name)s, which is not "
                        "one of its variables or functions (%(allowed)s).",
                        rule=self.display_name,
                        name=node.id,
                        allowed=", ".join((*FORMULA_VARIABLES, *FORMULA_FUNCTIONS)),
                    )
                )
        try:
            self._revshare_formula_value(
                {**SAMPLE_VALUES, "tier_rate": self.rate or 10.0}
            )
        except RevshareFormulaError as error:
            raise ValidationError(
                _(
                    "The formula of rule %(rule)s fails on sample values (base "
                    "100, quantity 2, price 50, margin 40): %(error)s",
                    rule=self.display_name,
                    error=str(error),
                )
            ) from error

    def _revshare_formula_uses(self, name):
        """Whether the rule is a formula that reads the variable ``name`` (the
        share computation then counts the customer's months or invoices)."""
        self.ensure_one()
        if self.compute != "formula" or not self.formula:
            return False
        try:
            tree = ast.parse(self.formula.strip(), mode="eval")
        except SyntaxError:
            return False
        return any(
            isinstance(node, ast.Name) and node.id == name for node in ast.walk(tree)
        )

    def _revshare_formula_value(self, variables):
        """The formula's value (positive) on ``variables``; raise
        :class:`RevshareFormulaError` with a message the manager reads when it
        fails or gives no positive number."""
        self.ensure_one()
        _ = self.env._
        try:
            value = safe_eval(
                (self.formula or "").strip(), dict(variables), mode="eval"
            )
        except Exception as error:  # noqa: BLE001 - any error of the expression
            raise RevshareFormulaError(
                _(
                    "The formula of rule %(rule)s failed: %(error)s",
                    rule=self.display_name,
                    error=error.__class__.__name__
                    + (f" ({error})" if str(error) else ""),
                )
            ) from error
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise RevshareFormulaError(
                _(
                    "The formula of rule %(rule)s gives %(value)s, not a number.",
                    rule=self.display_name,
                    value=repr(value),
                )
            )
        if value < 0:
            raise RevshareFormulaError(
                _(
                    "The formula of rule %(rule)s gives a negative share (%(value)s).",
                    rule=self.display_name,
                    value=value,
                )
            )
        return float(value)
