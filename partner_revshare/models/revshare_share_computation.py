from collections import defaultdict

from odoo import models
from odoo.exceptions import UserError
from odoo.tools import float_is_zero

from .revshare_charged_amounts import charged_totals
from .revshare_rule_formula import RevshareFormulaError
from .revshare_share_bases import LineBases
from .revshare_share_customers import CustomerHistory
from .revshare_share_scope import (
    SCOPE_FIELDS,
    AgreementScope,
    MoveFacts,
    tested_facts,
)


class ShareComputation(CustomerHistory, LineBases):
    """The state of one call of ``_revshare_compute_shares``, read once for the
    whole batch of invoice lines: the active rules of each agreement by sequence
    (``rules``), the tiered agreements and their cumulative bases per period
    (``cumulative``, grown invoice by invoice), and the part of each invoice
    line already shared (``consumed``, company currency, for the waterfall), the
    day each customer started with each agreement whose rules count customer
    months (``starts``), and the override agreements of each agreement
    (``overriders``). Category paths and conversion rates are cached as they are
    met."""

    def __init__(self, agreements, lines):
        self.env = agreements.env
        self.agreements = agreements
        moves = lines.move_id
        for fname in SCOPE_FIELDS:
            agreements.mapped(fname)
        all_rules = agreements.rule_ids.filtered("active")
        all_rules.mapped("product_ids")
        all_rules.mapped("product_category_ids")
        all_rules.mapped("tier_ids")
        self.scopes = {a.id: AgreementScope.of(a) for a in agreements}
        # What no scope nor rule tests is not read: the customers' tags, their
        # referrer and country, the products' categories.
        self.tested = tested_facts(self.scopes.values())
        if "category_ids" in self.tested:
            moves.mapped("commercial_partner_id.category_id")
            moves.mapped("partner_id.category_id")
        if any(s.product_category_ids for s in self.scopes.values()) or any(
            all_rules.mapped("product_category_ids")
        ):
            lines.mapped("product_id.categ_id")
        self.rules = defaultdict(list)
        for rule in all_rules.sorted(lambda r: (r.sequence, r.id)):
            self.rules[rule.agreement_id.id].append(rule)
        tiered = agreements.filtered(
            lambda a: any(r._revshare_uses_tiers() for r in self.rules[a.id])
        )
        self.tiered = set(tiered.ids)
        self.cumulative = self._tier_cumulative(tiered, moves)
        self.consumed = defaultdict(float)
        self._categ_paths = {}
        self._rates = {}
        self._months = {}
        self._move_facts = {}
        self._move_values = {}
        self._in_scope = {}
        self._rule_matches = {}
        self._quantities = {}
        # invoice line -> {base: (company, invoice)}: the margin on demand only
        # (it reads the products' costs), see base_of().
        self.bases = {}
        self.starts = self._customer_starts(lines)
        self.invoice_numbers = self._customer_invoice_numbers(lines)
        # Per agreement: whether any rule has a minimum quantity, a minimum
        # invoice; only those facts of a line are read and enter the rule cache.
        self.minimums = {
            a.id: (
                any(r.min_quantity for r in self.rules[a.id]),
                any(r.min_invoice_amount for r in self.rules[a.id]),
            )
            for a in agreements
        }
        self.overriders = defaultdict(list)
        for agreement in agreements.filtered(lambda a: a.base == "shares"):
            for source in agreement.override_agreement_ids & agreements:
                self.overriders[source.id].append(agreement)

    def _tier_cumulative(self, tiered, moves):
        """{(agreement id, period start): base already in the ledger}, in one
        grouped read (periods are month-aligned, so rows are grouped by month)."""
        cumulative = defaultdict(float)
        if not tiered:
            return cumulative
        Line = self.env["revshare.line"].sudo()
        dates = [m.invoice_date or m.date for m in moves]
        starts = [a._revshare_period_start(min(dates)) for a in tiered]
        for agreement, month, base_sum in Line._read_group(
            [
                ("agreement_id", "in", tiered.ids),
                ("date", ">=", min(starts)),
                ("date", "<=", max(dates)),
                *Line._revshare_base_rows_domain(),
            ],
            ["agreement_id", "date:month"],
            ["base_amount:sum"],
        ):
            cumulative[(agreement.id, agreement._revshare_period_start(month))] += (
                base_sum
            )
        return cumulative

    def categ_path(self, product):
        """Ids of the product's category and of its parents."""
        categ = product.categ_id
        if categ.id not in self._categ_paths:
            self._categ_paths[categ.id] = {
                int(x) for x in (categ.parent_path or "").split("/") if x
            }
        return self._categ_paths[categ.id]

    def rate_to_agreement(self, agreement, move):
        """Units of agreement currency per unit of company currency, at the
        invoice's rate."""
        if agreement.currency_id == move.company_currency_id:
            return 1.0
        if agreement.currency_id == move.currency_id:
            return move.invoice_currency_rate or 1.0
        key = (agreement.currency_id.id, move.company_id.id, move.invoice_date)
        if key not in self._rates:
            self._rates[key] = self.env["res.currency"]._get_conversion_rate(
                move.company_currency_id,
                agreement.currency_id,
                move.company_id,
                move.invoice_date or move.date,
            )
        return self._rates[key]

    def shares(self, lines):
        """Create values of every agreement's shares on ``lines``, invoice by
        invoice in date order (the tier's cumulative base grows in that order)."""
        lines_by_move = defaultdict(list)
        for line in lines:
            lines_by_move[line.move_id].append(line)
        charged = charged_totals(lines)
        result = []
        for move in lines.move_id.sorted(lambda m: (m.invoice_date or m.date, m.id)):
            move_lines = lines_by_move[move]
            for line in move_lines:
                self.bases[line] = self.line_bases(line, charged[line.id])
            move_vals = []
            for agreement in self.agreements:
                if agreement.company_id == move.company_id:
                    move_vals += self._shares_of_move(agreement, move, move_lines)
            result += move_vals + self._overrides_of_move(move, move_lines, move_vals)
        return result

    def _shares_of_move(self, agreement, move, move_lines):
        if agreement.base == "shares":
            return []
        return self._shares_of_matches(
            agreement, move, self._match_lines(agreement, move, move_lines)
        )

    def _shares_of_matches(self, agreement, move, matches):
        """Share values of ``matches`` ([(line, rule, base)]) of one move."""
        if not matches:
            return []
        cumulative = 0.0
        if agreement.id in self.tiered:
            day = move.invoice_date or move.date
            key = (agreement.id, agreement._revshare_period_start(day))
            self.cumulative[key] += sum(base for __, __, base in matches)
            cumulative = self.cumulative[key]
        vals_list = []
        for line, rule, base in matches:
            vals = self._prepare_share_vals(agreement, line, rule, base, cumulative)
            if vals:
                vals_list.append(vals)
        return vals_list

    def _overrides_of_move(self, move, move_lines, source_vals):
        """Values of the override rows of the shares ``source_vals`` of one move:
        an agreement whose base is other partners' shares gets its share of each
        row of the agreements it overrides, on the same invoice line, the base
        being their amount (converted at the invoice's rate); overrides of
        overrides follow, down the chain."""
        result = []
        pending = source_vals
        while pending:
            by_source = defaultdict(list)
            for vals in pending:
                by_source[vals["agreement_id"]].append(vals)
            new = []
            for source_id, vals_list in by_source.items():
                for agreement in self.overriders.get(source_id, ()):
                    new += self._override_shares(agreement, move, move_lines, vals_list)
            result += new
            pending = new
        return result

    def _override_shares(self, agreement, move, move_lines, source_vals):
        """Values of ``agreement``'s override rows on the rows ``source_vals`` of
        one source agreement and move: one row per invoice line, on the source's
        total on that line (an override of overrides has several per line)."""
        currency = agreement.currency_id
        source_currency = source_vals[0]["currency_id"]
        month = self.customer_month(agreement, move)
        lines = {line.id: line for line in move_lines}
        totals = defaultdict(lambda: [0.0, 0.0])  # line id -> [amount, company]
        for vals in source_vals:
            total = totals[vals["invoice_line_id"]]
            total[0] += vals["amount"]
            total[1] += vals["amount_company"]
        matches = []
        for line_id, (amount, amount_company) in totals.items():
            line = lines[line_id]
            if not self._match_line(agreement, line):
                continue
            rule = self._match_rule(agreement, line, month)
            if not rule:
                continue
            if currency.id == source_currency:
                base = currency.round(amount)
            else:
                base = currency.round(
                    amount_company * self.rate_to_agreement(agreement, move)
                )
            matches.append((line, rule, base))
        vals_list = self._shares_of_matches(agreement, move, matches)
        for vals in vals_list:
            vals["overridden_agreement_id"] = source_vals[0]["agreement_id"]
            if month is None:
                vals["customer_month"] = source_vals[0]["customer_month"]
            if not vals["customer_invoice"]:
                vals["customer_invoice"] = source_vals[0]["customer_invoice"]
        return vals_list

    def _match_lines(self, agreement, move, move_lines):
        """[(line, rule, base in agreement currency)] for the lines of one move in
        the agreement's scope with a matching rule; waterfall bases net of the
        shares already computed on the line."""
        if not self._invoice_in_scope(agreement, move):
            return []
        currency = agreement.currency_id
        to_agr = self.rate_to_agreement(agreement, move)
        same_currency = move.currency_id == move.company_currency_id
        month = self.customer_month(agreement, move)
        matches = []
        for line in move_lines:
            if not self._product_in_scope(agreement, line.product_id):
                continue
            rule = self._match_rule(agreement, line, month)
            if not rule:
                continue
            base_company, base_invoice = self.base_of(line, agreement.base)
            if agreement.waterfall:
                consumed = self.consumed[line.id]
                base_company -= consumed
                if same_currency:
                    base_invoice = base_company
                else:
                    base_invoice -= consumed * (move.invoice_currency_rate or 1.0)
            base = (
                base_invoice if currency == move.currency_id else base_company * to_agr
            )
            matches.append((line, rule, currency.round(base)))
        return matches

    def _match_line(self, agreement, line):
        """Whether an invoice line is in the agreement's scope: its invoice,
        then its product."""
        return self._invoice_in_scope(
            agreement, line.move_id
        ) and self._product_in_scope(agreement, line.product_id)

    def _invoice_in_scope(self, agreement, move):
        """Whether the invoice is in the agreement's scope (all but its lines'
        products), once per agreement and invoice."""
        key = (agreement.id, move.id)
        if key not in self._in_scope:
            if move.id not in self._move_facts:
                self._move_facts[move.id] = MoveFacts.of(move, self.tested)
            self._in_scope[key] = self._move_facts[move.id].in_scope(
                self.scopes[agreement.id]
            )
        return self._in_scope[key]

    def _product_in_scope(self, agreement, product):
        scope = self.scopes[agreement.id]
        if scope.product_ids and product.id not in scope.product_ids:
            return False
        return not (
            scope.product_category_ids
            and not scope.product_category_ids & self.categ_path(product)
        )

    def _match_rule(self, agreement, line, month=None):
        """First active rule (by sequence) of the agreement matching the line, in
        ``month`` of the customer's tenure (once per agreement, day, product,
        month and the line's facts the agreement's rules test: its quantity, its
        invoice's untaxed total, its number among the customer's invoices)."""
        move = line.move_id
        invoice_date = move.invoice_date or move.date
        facts = self._line_facts(agreement, line)
        key = (agreement.id, invoice_date, line.product_id.id, month, *facts)
        if key not in self._rule_matches:
            self._rule_matches[key] = self._first_rule(
                agreement, line.product_id, invoice_date, month, facts
            )
        return self._rule_matches[key]

    def _line_facts(self, agreement, line):
        """(quantity, invoice untaxed total in the agreement currency, customer
        invoice number) of ``line`` as the agreement's rules test them, None for
        what none of them tests. A credit note is measured by the invoice it
        reverses."""
        move = line.move_id
        by_quantity, by_amount = self.minimums[agreement.id]
        quantity = abs(line.quantity) if by_quantity else None
        amount = None
        if by_amount:
            invoice = move
            if move.move_type == "out_refund" and move.reversed_entry_id:
                invoice = move.reversed_entry_id
            if agreement.currency_id == invoice.currency_id:
                amount = invoice.amount_untaxed
            else:
                amount = agreement.currency_id.round(
                    abs(invoice.amount_untaxed_signed)
                    * self.rate_to_agreement(agreement, invoice)
                )
        return quantity, amount, self.customer_invoice(agreement, move)

    def _first_rule(self, agreement, product, invoice_date, month, facts):
        quantity, amount, number = facts
        for rule in self.rules[agreement.id]:
            if not rule._revshare_matches_tenure(month):
                continue
            if not rule._revshare_matches_invoice(number):
                continue
            if not rule._revshare_matches_thresholds(quantity, amount):
                continue
            if rule.date_start and invoice_date < rule.date_start:
                continue
            if rule.date_end and invoice_date > rule.date_end:
                continue
            if rule.product_ids and product not in rule.product_ids:
                continue
            if rule.product_category_ids and not (
                set(rule.product_category_ids.ids) & self.categ_path(product)
            ):
                continue
            return rule
        return None

    def _prepare_share_vals(self, agreement, line, rule, base, cumulative):
        """One share row's create values (None when there is nothing to share),
        rounded once in the agreement currency, converted at the invoice's rate."""
        move = line.move_id
        currency = agreement.currency_id
        # Nothing to share on a free line (or one fully consumed by the waterfall);
        # a fixed amount there would exceed its base.
        if float_is_zero(base, precision_rounding=currency.rounding):
            return None
        rate, amount, hold_reason = self._share_amount(
            agreement, line, rule, base, cumulative
        )
        if currency.is_zero(amount) and not hold_reason:
            return None
        if currency.compare_amounts(abs(amount), abs(base)) > 0:
            raise UserError(
                self.env._(
                    "The share of agreement %(agreement)s (rule %(rule)s) on line "
                    "%(line)s of %(invoice)s would be %(amount)s, more than 100%% of "
                    "its base %(base)s. Fix the rule's fixed or minimum amount.",
                    agreement=agreement.display_name,
                    rule=rule.display_name,
                    line=line.name or line.product_id.display_name,
                    invoice=move.display_name,
                    amount=amount,
                    base=base,
                )
            )
        to_agr = self.rate_to_agreement(agreement, move)
        company_currency = move.company_currency_id
        if currency == company_currency:
            amount_company = amount
        else:
            amount_company = company_currency.round(amount / to_agr)
        if currency == move.currency_id:
            amount_invoice = amount
        elif move.currency_id == company_currency:
            amount_invoice = amount_company
        else:
            amount_invoice = move.currency_id.round(
                amount / to_agr * (move.invoice_currency_rate or 1.0)
            )
        self.consumed[line.id] += amount_company
        return {
            "agreement_id": agreement.id,
            "rule_id": rule.id,
            "partner_id": agreement.partner_id.id,
            **self._invoice_values(move),
            "invoice_line_id": line.id,
            "product_id": line.product_id.id,
            "currency_id": currency.id,
            "base_amount": base,
            "rate": rate,
            "amount": amount,
            "amount_company": amount_company,
            "amount_invoice_currency": amount_invoice,
            "kind": "share",
            "customer_month": self.customer_month(agreement, move) or 0,
            "customer_invoice": self.customer_invoice(agreement, move) or 0,
            **({"hold_reason": hold_reason} if hold_reason else {}),
        }

    def _invoice_values(self, move):
        """The values every share row of ``move`` holds, read once per invoice
        (the invoice currency before the amounts: see _revshare_fill_figures)."""
        if move.id not in self._move_values:
            self._move_values[move.id] = {
                "company_id": move.company_id.id,
                "invoice_id": move.id,
                "customer_id": move.commercial_partner_id.id,
                "date": move.invoice_date or move.date,
                "invoice_currency_id": move.currency_id.id,
            }
        return self._move_values[move.id]

    def _share_amount(self, agreement, line, rule, base, cumulative):
        """(rate, rounded amount, hold reason) of ``rule`` on ``line``: a
        formula that fails there gives 0.00 and the reason to hold the row."""
        currency = agreement.currency_id
        sign = -1 if line.move_id.move_type == "out_refund" else 1
        # A rate or an amount per line takes only the quantity's sign (that of
        # the line's quantity, whatever the unit).
        if rule.compute in ("fixed_unit", "formula"):
            quantity = sign * self.quantity(line)
        else:
            quantity = sign * line.quantity
        rate = rule.rate if rule.compute == "percent" else 0.0
        if rule._revshare_uses_tiers():
            rate = rule._revshare_tier_rate(cumulative)
        if rule.compute != "formula":
            return rate, currency.round(rule._revshare_amount(base, quantity, rate)), ""
        variables = self._formula_variables(agreement, line, rule, base, quantity)
        variables["tier_rate"] = rate if rule.tier_ids else rule.rate
        try:
            raw = rule._revshare_amount(base, quantity, variables=variables)
        except RevshareFormulaError as error:
            return rate, 0.0, str(error)
        amount = currency.round(raw)
        if currency.compare_amounts(abs(amount), abs(base)) > 0:
            return (
                rate,
                0.0,
                self.env._(
                    "The formula of rule %(rule)s gives %(amount)s, more than the "
                    "line's base %(base)s.",
                    rule=rule.display_name,
                    amount=amount,
                    base=base,
                ),
            )
        return rate, amount, ""

    def _formula_variables(self, agreement, line, rule, base, quantity):
        """The variables of ``rule``'s formula on ``line`` (see the help of
        ``revshare.rule.formula``), positive."""
        move = line.move_id
        margin_company, margin_invoice = self.base_of(line, "margin")
        if agreement.currency_id == move.currency_id:
            margin = margin_invoice
        else:
            margin = margin_company * self.rate_to_agreement(agreement, move)
        return {
            "base": abs(base),
            "quantity": abs(quantity),
            "price_unit": line.price_unit,
            "discount": line.discount,
            "margin": abs(agreement.currency_id.round(margin)),
            "customer_month": self.customer_month(agreement, move) or 0,
            "customer_invoice": self.customer_invoice(agreement, move) or 0,
        }


class RevshareShareComputation(models.AbstractModel):
    """The share computation of agreements: the one place that knows the rules
    (see ARCHITECTURE.md, "The pipeline, file by file")."""

    _name = "revshare.share.computation"
    _description = "Revenue Share Agreement: share computation"

    def _revshare_share_computation(self):
        """Hook: the class computing the shares of a batch of invoice lines,
        :class:`ShareComputation` here. An addon that changes what a share row
        holds (an analytic account, a sales team) returns a subclass of the class
        ``super()`` returns, overriding e.g. ``_prepare_share_vals``."""
        return ShareComputation

    def _revshare_compute_shares(self, invoice_lines):
        """THE computation of revenue shares.

        :param invoice_lines: ``account.move.line`` product lines of customer invoices
            and credit notes (any number, any companies).
        :return: list of ``revshare.line`` create values (``state`` not set), one per
            agreement and invoice line with a non-zero share.

        ``self`` restricts the agreements considered; when empty, every active
        agreement of the invoices' companies is used, by ``(sequence, id)``.
        Tiered rules use a provisional rate: the tier reached by the agreement's
        cumulative base in the settlement period of the invoice date, counting the
        rows already in the ledger plus the invoices of this batch up to and
        including the current invoice. The number of queries does not depend on
        the number of lines or agreements (:class:`ShareComputation`).
        """
        # Prefetch over the whole batch, whatever recordset the caller built.
        lines = invoice_lines.with_prefetch().filtered(
            lambda line: line.display_type == "product"
            and line.move_id.is_sale_document()
            and not line.move_id.revshare_origin
        )
        if not lines:
            return []
        if self:
            agreements = self.sorted(lambda a: (a.sequence, a.id))
        else:
            agreements = self.search(
                [
                    ("state", "=", "active"),
                    ("company_id", "in", lines.move_id.company_id.ids),
                ],
                order="sequence, id",
            )
        if not agreements:
            return []
        computation = self._revshare_share_computation()(agreements, lines)
        return computation.shares(lines)
