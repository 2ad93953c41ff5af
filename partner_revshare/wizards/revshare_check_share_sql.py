from contextlib import contextmanager

from odoo import api, models

# An agreement whose shares the SQL path recomputes: a base read from the line
# (untaxed or total), no waterfall, and only rules that a line's own facts decide
# (a percentage or a fixed amount per line, bounded per line, by product, category
# and dates). Anything else (formulas, tiers, customer months or invoice numbers,
# minimum quantities or invoices, margin, overrides) takes the Python path.
_PLAIN_AGREEMENTS = """
    SELECT a.id
      FROM revshare_agreement a
     WHERE a.company_id = %(company)s
       AND a.base IN ('untaxed', 'total')
       AND NOT COALESCE(a.waterfall, FALSE)
       AND NOT EXISTS (
            SELECT 1 FROM revshare_rule ru
             WHERE ru.agreement_id = a.id AND ru.active
               AND (ru.compute NOT IN ('percent', 'fixed_line')
                    OR COALESCE(ru.min_quantity, 0) != 0
                    OR COALESCE(ru.min_invoice_amount, 0) != 0
                    OR COALESCE(ru.customer_month_from, 0) != 0
                    OR COALESCE(ru.customer_month_to, 0) != 0
                    OR COALESCE(ru.customer_invoice_from, 0) != 0
                    OR COALESCE(ru.customer_invoice_to, 0) != 0))
"""

# Whether ``owner`` (an agreement or a rule) restricts the many2many ``rel`` and
# none of its values (column ``col``) passes ``test``: the line is out of scope.
_OUT_OF = """(EXISTS (SELECT 1 FROM {rel} x WHERE x.{key} = {owner})
    AND NOT EXISTS (
        SELECT 1 FROM {rel} x WHERE x.{key} = {owner} AND x.{col} {test}))"""


def _out_of(rel, key, owner, col, test):
    return _OUT_OF.format(rel=rel, key=key, owner=owner, col=col, test=test)


# An invoice line in an agreement's scope, as its invoice and product say.
_IN_SCOPE = " AND ".join(
    [
        "l.display_type = 'product'",
        "m.move_type IN ('out_invoice', 'out_refund')",
        "NOT COALESCE(m.revshare_origin, FALSE)",
        "a.company_id = m.company_id",
        "(a.date_start IS NULL OR f.day >= a.date_start)",
        "(a.date_end IS NULL OR f.day <= a.date_end)",
        "(NOT COALESCE(a.referred_only, FALSE) "
        "OR cu.revshare_referrer_id = a.partner_id)",
        "NOT "
        + _out_of(
            "revshare_agreement_customer_rel",
            "agreement_id",
            "a.id",
            "partner_id",
            "IN (m.commercial_partner_id, m.partner_id)",
        ),
        "NOT "
        + _out_of(
            "revshare_agreement_customer_category_rel",
            "agreement_id",
            "a.id",
            "category_id",
            "IN (SELECT t.category_id FROM res_partner_res_partner_category_rel t "
            "WHERE t.partner_id IN (m.commercial_partner_id, m.partner_id))",
        ),
        "NOT "
        + _out_of(
            "revshare_agreement_salesperson_rel",
            "agreement_id",
            "a.id",
            "user_id",
            "= m.invoice_user_id",
        ),
        "NOT "
        + _out_of(
            "revshare_agreement_journal_rel",
            "agreement_id",
            "a.id",
            "journal_id",
            "= m.journal_id",
        ),
        "NOT "
        + _out_of(
            "revshare_agreement_country_rel",
            "agreement_id",
            "a.id",
            "country_id",
            "= cu.country_id",
        ),
        "NOT "
        + _out_of(
            "revshare_agreement_product_rel",
            "agreement_id",
            "a.id",
            "product_id",
            "= l.product_id",
        ),
        "NOT "
        + _out_of(
            "revshare_agreement_product_category_rel",
            "agreement_id",
            "a.id",
            "category_id",
            "IN (SELECT c.id FROM product_category c "
            "WHERE lc.parent_path LIKE c.parent_path || '%%')",
        ),
    ]
)

# The first active rule (by sequence) of the agreement matching the line.
_RULE = f"""
    SELECT ru.id, ru.compute, ru.rate, ru.amount, ru.min_amount, ru.max_amount
      FROM revshare_rule ru
     WHERE ru.agreement_id = a.id AND ru.active
       AND (ru.date_start IS NULL OR ru.date_start <= f.day)
       AND (ru.date_end IS NULL OR ru.date_end >= f.day)
       AND NOT {
    _out_of(
        "revshare_rule_product_rel", "rule_id", "ru.id", "product_id", "= l.product_id"
    )
}
       AND NOT {
    _out_of(
        "revshare_rule_product_category_rel",
        "rule_id",
        "ru.id",
        "category_id",
        "IN (SELECT c.id FROM product_category c "
        "WHERE lc.parent_path LIKE c.parent_path || '%%')",
    )
}
     ORDER BY ru.sequence, ru.id
     LIMIT 1
"""

# Per chunk of live share rows (``ids``) and the (agreement, invoice) pairs the
# SQL path answers for (``_SPLIT``): each (agreement, invoice line) with the
# share the rules give from the line's own amounts and the row that holds it,
# kept when they may disagree. ``candidates``: every product line of those
# invoices and the rows' own lines; ``bases``: the line's base in the agreement
# currency, rounded. ``bases`` and ``expected`` are materialized: inlined, their
# expressions were computed again in each comparison (39 s of the share step at a
# million rows instead of 16 s).
_SHARE_TERMS = f"""
WITH chunk AS (
    SELECT r.id, r.agreement_id, r.invoice_id, r.invoice_line_id,
           r.overridden_agreement_id, r.amount, r.base_amount, r.rate,
           r.customer_month, r.customer_invoice
      FROM revshare_line r
     WHERE r.invoice_id = ANY(%(chunk)s) AND r.id = ANY(%(ids)s)
), pairs AS (
    SELECT *
      FROM unnest(%(agreements)s::int[], %(invoices)s::int[])
           AS p(agreement_id, invoice_id)
), candidates AS (
    SELECT p.agreement_id, l.id AS line_id
      FROM pairs p
      JOIN account_move_line l
        ON l.move_id = p.invoice_id AND l.display_type = 'product'
    UNION
    SELECT c.agreement_id, c.invoice_line_id
      FROM chunk c
      JOIN pairs p USING (agreement_id, invoice_id)
     WHERE c.overridden_agreement_id IS NULL
), bases AS MATERIALIZED (
    SELECT k.agreement_id, k.line_id, l.move_id, cur.rounding, ru.id AS rule_id,
           ru.compute, ru.rate, ru.amount AS fixed, ru.min_amount, ru.max_amount,
           ROUND(CASE
               WHEN a.base = 'untaxed' AND a.currency_id = m.currency_id
                   THEN -l.amount_currency
               WHEN a.base = 'untaxed' THEN -l.balance
               WHEN a.currency_id = m.currency_id OR m.currency_id = co.currency_id
                   THEN f.sign * l.price_total
               ELSE ROUND(f.sign * l.price_total
                          / COALESCE(NULLIF(m.invoice_currency_rate, 0), 1)
                          / ccur.rounding) * ccur.rounding
           END / cur.rounding) * cur.rounding AS base
      FROM candidates k
      JOIN account_move_line l ON l.id = k.line_id
      JOIN account_move m ON m.id = l.move_id
      JOIN res_company co ON co.id = m.company_id
      JOIN res_currency ccur ON ccur.id = co.currency_id
      JOIN revshare_agreement a ON a.id = k.agreement_id
      JOIN res_currency cur ON cur.id = a.currency_id
      JOIN res_partner cu ON cu.id = m.commercial_partner_id
      LEFT JOIN product_product pp ON pp.id = l.product_id
      LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
      LEFT JOIN product_category lc ON lc.id = pt.categ_id
      CROSS JOIN LATERAL (
          SELECT COALESCE(m.invoice_date, m.date) AS day,
                 CASE WHEN m.move_type = 'out_refund' THEN -1 ELSE 1 END AS sign
      ) f
      LEFT JOIN LATERAL ({_RULE}) ru ON {_IN_SCOPE}
), raw AS (
    SELECT b.*,
           CASE WHEN b.base < 0 THEN -1 ELSE 1 END AS sign,
           CASE WHEN b.compute = 'percent' THEN b.base * b.rate / 100
                WHEN b.base < 0 THEN -b.fixed ELSE b.fixed END AS raw
      FROM bases b
), expected AS MATERIALIZED (
    SELECT r.agreement_id, r.line_id, r.move_id, r.rounding, r.rule_id, r.base,
           CASE WHEN r.compute = 'percent' THEN r.rate ELSE 0 END AS rate,
           ROUND(CASE
               WHEN COALESCE(r.min_amount, 0) > 0 AND ABS(r.raw) < r.min_amount
                   THEN r.sign * r.min_amount
               WHEN COALESCE(r.max_amount, 0) > 0 AND ABS(r.raw) > r.max_amount
                   THEN r.sign * r.max_amount
               ELSE r.raw
           END / r.rounding) * r.rounding AS amount
      FROM raw r
), shares AS (
    SELECT e.*, (e.rule_id IS NOT NULL AND e.base != 0 AND e.amount != 0) AS gives
      FROM expected e
)
SELECT s.agreement_id, s.line_id, s.move_id, s.rule_id, c.id, s.gives,
       s.base, s.rate, s.amount
  FROM shares s
  LEFT JOIN chunk c
    ON c.agreement_id = s.agreement_id AND c.invoice_line_id = s.line_id
   AND c.overridden_agreement_id IS NULL
 WHERE (c.id IS NULL AND s.gives)
    OR (c.id IS NOT NULL AND (
        NOT s.gives
        OR ROUND(c.amount / s.rounding) != ROUND(s.amount / s.rounding)
        OR ROUND(c.base_amount / s.rounding) != ROUND(s.base / s.rounding)
        OR ROUND(c.rate, 4) != ROUND(s.rate, 4)
        OR COALESCE(c.customer_month, 0) != 0
        OR COALESCE(c.customer_invoice, 0) != 0))
"""

# The live rows of a chunk (``ids``, of the invoices ``chunk``) split between the
# paths: the (agreement, invoice) pairs the SQL path answers for (plain agreements
# paid in the company's or the invoice's currency, where the line's total is what
# Odoo charges for it: not an invoice taxed as a whole), then the ids of the rows
# left to Python (overrides too).
_SPLIT = """
WITH chunk AS (
    SELECT r.id, r.agreement_id, r.invoice_id, r.overridden_agreement_id,
           COALESCE(r.agreement_id = ANY(%(plain)s)
               AND a.currency_id IN (m.currency_id, co.currency_id)
               AND NOT (a.base = 'total' AND (
                    co.tax_calculation_rounding_method = 'round_globally'
                    OR (COALESCE(t.early_discount, FALSE)
                        AND t.early_pay_discount_computation = 'mixed'))),
               FALSE) AS in_sql
      FROM revshare_line r
      JOIN revshare_agreement a ON a.id = r.agreement_id
      JOIN account_move m ON m.id = r.invoice_id
      JOIN res_company co ON co.id = m.company_id
      LEFT JOIN account_payment_term t ON t.id = m.invoice_payment_term_id
     WHERE r.invoice_id = ANY(%(chunk)s) AND r.id = ANY(%(ids)s)
)
SELECT DISTINCT agreement_id, invoice_id, NULL::int FROM chunk WHERE in_sql
 UNION ALL
SELECT NULL, NULL, id FROM chunk
 WHERE NOT in_sql OR overridden_agreement_id IS NOT NULL
"""


class RevshareCheckShareSql(models.AbstractModel):
    """The shares of plain rules recomputed in SQL, set-based, chunk by chunk
    (``revshare.check.shares`` inherits it): the invoice line's own amount
    (untaxed: its balance, or amount in the invoice currency; total: its total
    taxes included, converted at the invoice's rate), rounded in the agreement
    currency, times the rate of the first matching rule of the agreement (or its
    fixed amount per line, bounded per line), rounded as the currency rounds.
    Nothing of the share computation is called: a mistake of it shows here."""

    _name = "revshare.check.share.sql"
    _description = "Revenue Share Check: shares of plain rules, in SQL"

    @contextmanager
    def _revshare_without_jit(self):
        """PostgreSQL's JIT off for the transaction while in the block: it
        compiles the per-line expressions of ``_SHARE_TERMS`` for each chunk,
        which took 3.3 s of a chunk's 3.5 s (20,000 rows)."""
        cr = self.env.cr
        cr.execute("SELECT current_setting('jit'), set_config('jit', 'off', TRUE)")
        jit = cr.fetchone()[0]
        yield
        cr.execute("SELECT set_config('jit', %s, TRUE)", [jit])

    @api.model
    def _revshare_sql_agreement_ids(self, company):
        """The agreements of ``company`` whose shares the SQL path recomputes
        (see ``_PLAIN_AGREEMENTS``)."""
        self.env.cr.execute(_PLAIN_AGREEMENTS, {"company": company.id})
        return [agreement_id for (agreement_id,) in self.env.cr.fetchall()]

    @api.model
    def _revshare_sql_share_terms(self, row_ids, invoice_ids, plain_ids):
        """Mismatches of the live share rows ``row_ids`` (of the invoices
        ``invoice_ids``: the rows are read through the invoices' index) of plain
        agreements (``plain_ids``) recomputed in SQL, and shares they lack on the
        lines of their invoices; returns ``(mismatches, ids of the rows left to
        Python)``. Two queries whatever the number of rows; mismatches read
        their records."""
        cr = self.env.cr
        cr.execute(_SPLIT, {"ids": row_ids, "chunk": invoice_ids, "plain": plain_ids})
        pairs, python_ids = [], []
        for agreement_id, invoice_id, row_id in cr.fetchall():
            if row_id:
                python_ids.append(row_id)
            else:
                pairs.append((agreement_id, invoice_id))
        params = {
            "ids": row_ids,
            "chunk": invoice_ids,
            "agreements": [agreement_id for agreement_id, __ in pairs],
            "invoices": [invoice_id for __, invoice_id in pairs],
        }
        if not pairs:
            return [], python_ids
        cr.execute(_SHARE_TERMS, params)
        return self._revshare_sql_mismatches(cr.fetchall()), python_ids

    @api.model
    def _revshare_sql_mismatches(self, found):
        """Messages of the disagreements ``found`` by ``_SHARE_TERMS``, in the
        shapes of the Python path (``_revshare_row_terms``,
        ``_revshare_missing_shares``)."""
        Line = self.env["revshare.line"]
        mismatches = []
        missing = {}
        for agreement_id, line_id, move_id, rule_id, row_id, gives, *figures in found:
            base, rate, amount = (float(figure or 0.0) for figure in figures)
            vals = {
                "agreement_id": agreement_id,
                "invoice_line_id": line_id,
                "invoice_id": move_id,
                "rule_id": rule_id,
                "base_amount": base,
                "rate": rate,
                "amount": amount,
                "customer_month": 0,
                "customer_invoice": 0,
            }
            if not row_id:
                missing[(agreement_id, line_id, False)] = vals
            else:
                row = Line.browse(row_id)
                mismatches += self._revshare_row_terms(row, vals if gives else None)
        return mismatches + self._revshare_missing_shares(missing, set())
