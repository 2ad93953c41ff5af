from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .revshare_agreement_period import PERIOD_MONTHS
from .revshare_line_states import PAID_STATES

# A customer's habit is the median delay of its last HISTORY_SIZE paid invoices,
# trusted from HISTORY_MIN of them.
HISTORY_SIZE = 12
HISTORY_MIN = 3
# Payment states of an invoice paid in full.


class RevshareForecast(models.Model):
    """When each still-expected share will be paid out, learned from how each
    customer pays (Revenue Share > Reporting > Forecast).

    One record per expected row with something still to earn. Its payment date
    is the invoice's due date plus the customer's median delay over its last
    paid invoices in the company (the due date alone with too little history),
    never before today; its payout date follows the row's settlement mode; its
    probability is the share of the customer's invoices of the last twelve months
    paid in full. A query evaluated when read (``_table_query``), not a database
    view: "today" is the reader's day (``fields.Date.context_today``, which tests
    freeze), not the server's ``CURRENT_DATE``, and nothing is kept in sync.
    """

    _name = "revshare.forecast"
    _description = "Revenue Share Forecast"
    _auto = False
    _order = "date_payout, id"
    # What the query reads: searching it flushes these first.
    _depends = {
        "revshare.line": [
            "state",
            "partner_id",
            "agreement_id",
            "invoice_id",
            "customer_id",
            "company_id",
            "company_currency_id",
            "settlement_mode",
            "amount_expected_company",
        ],
        "revshare.agreement": ["settlement_period", "hold_days"],
        "account.move": [
            "move_type",
            "state",
            "payment_state",
            "company_id",
            "commercial_partner_id",
            "invoice_date",
            "invoice_date_due",
        ],
        "account.move.line": ["move_id", "display_type"],
        "account.partial.reconcile": ["debit_move_id", "max_date"],
    }

    line_id = fields.Many2one("revshare.line", string="Ledger Row", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Beneficiary", readonly=True)
    agreement_id = fields.Many2one("revshare.agreement", readonly=True)
    invoice_id = fields.Many2one("account.move", readonly=True)
    customer_id = fields.Many2one("res.partner", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one(
        "res.currency", string="Company Currency", readonly=True
    )
    settlement_mode = fields.Selection(
        selection=lambda self: self.env["revshare.agreement"]
        ._fields["settlement_mode"]
        .selection,
        readonly=True,
    )
    date_due = fields.Date(string="Due Date", readonly=True)
    date_payment = fields.Date(
        string="Expected Payment",
        readonly=True,
        help="When the customer is expected to pay the invoice in full.",
    )
    date_payout = fields.Date(
        string="Expected Payout",
        readonly=True,
        help="When the share is expected to be paid out to the beneficiary: on the "
        "payment date (journal entry, vendor bill), or at the first settlement "
        "run after the period holding the payment date plus the hold days.",
    )
    amount = fields.Monetary(
        string="Still Expected",
        readonly=True,
        help="What the row still has to earn, in company currency.",
    )
    probability = fields.Float(
        string="Collection Probability",
        digits=(16, 2),
        readonly=True,
        aggregator="avg",
        help="Share of the customer's invoices of the last twelve months, already "
        "due, that are paid in full (the company's share for a customer without "
        "such invoices).",
    )
    amount_weighted = fields.Monetary(
        string="Weighted",
        readonly=True,
        help="Still expected times the collection probability.",
    )
    method = fields.Selection(
        [
            ("history", "Customer's history"),
            ("terms", "Payment terms"),
        ],
        readonly=True,
        help="Customer's history: the due date plus the median delay of the "
        "customer's last twelve paid invoices (at least three). Payment terms: the "
        "due date.",
    )

    @api.model
    def _revshare_today(self):
        """The day the forecast is made: the ``revshare_forecast_date`` of the
        context (the backtest replays past months), else the user's today.
        The record cache does not depend on it: invalidate the model before
        reading the same records for another day in one transaction."""
        day = self.env.context.get("revshare_forecast_date")
        return fields.Date.to_date(day) if day else fields.Date.context_today(self)

    @property
    def _table_query(self):
        today = self._revshare_today()
        return SQL(
            """
            WITH open_row AS (
                SELECT line.id,
                       line.partner_id,
                       line.agreement_id,
                       line.invoice_id,
                       line.customer_id,
                       line.company_id,
                       line.company_currency_id AS currency_id,
                       line.settlement_mode,
                       line.amount_expected_company AS amount,
                       move.invoice_date_due AS date_due
                  FROM revshare_line line
                  JOIN account_move move ON move.id = line.invoice_id
                 WHERE line.state = 'expected'
                   AND line.amount_expected_company != 0
            ), customer AS (
                SELECT DISTINCT company_id, customer_id FROM open_row
            ), %(habit)s, %(collection)s, forecast AS (
                SELECT open_row.*,
                       GREATEST(
                           GREATEST(open_row.date_due, %(today)s)
                               + COALESCE(habit.delay, 0),
                           %(today)s
                       ) AS date_payment,
                       COALESCE(
                           collected.paid::float / collected.due,
                           company_rate.rate,
                           1.0
                       ) AS probability,
                       CASE WHEN habit.delay IS NULL THEN 'terms' ELSE 'history' END
                           AS method,
                       COALESCE(agreement.hold_days, 0) AS hold_days,
                       %(period_months)s AS period_months,
                       currency.decimal_places
                  FROM open_row
                  JOIN revshare_agreement agreement
                    ON agreement.id = open_row.agreement_id
                  JOIN res_currency currency ON currency.id = open_row.currency_id
                  LEFT JOIN habit
                    ON habit.company_id = open_row.company_id
                   AND habit.customer_id = open_row.customer_id
                  LEFT JOIN collected
                    ON collected.company_id = open_row.company_id
                   AND collected.customer_id = open_row.customer_id
                  LEFT JOIN company_rate
                    ON company_rate.company_id = open_row.company_id
            )
            SELECT id,
                   id AS line_id,
                   partner_id,
                   agreement_id,
                   invoice_id,
                   customer_id,
                   company_id,
                   currency_id,
                   settlement_mode,
                   date_due,
                   date_payment,
                   %(date_payout)s AS date_payout,
                   amount,
                   probability,
                   ROUND((amount * probability)::numeric, decimal_places)
                       AS amount_weighted,
                   method
              FROM forecast
            """,
            habit=self._revshare_habit_sql(),
            collection=self._revshare_collection_sql(today),
            today=today,
            period_months=self._revshare_period_months_sql(),
            date_payout=self._revshare_payout_sql(),
        )

    @api.model
    def _revshare_habit_sql(self):
        """The ``paid`` and ``habit`` CTEs: each paid invoice of the customers
        of ``customer`` with the delay between its due date and its full
        payment (the last reconciliation of its receivable lines), and per
        customer and company the median delay of the last ``HISTORY_SIZE``
        (from ``HISTORY_MIN``)."""
        return SQL(
            """
            paid AS (
                SELECT move.company_id,
                       move.commercial_partner_id AS customer_id,
                       MAX(partial.max_date) - move.invoice_date_due AS delay,
                       ROW_NUMBER() OVER (
                           PARTITION BY move.company_id, move.commercial_partner_id
                           ORDER BY MAX(partial.max_date) DESC, move.id DESC
                       ) AS rank
                  FROM customer
                  JOIN account_move move
                    ON move.company_id = customer.company_id
                   AND move.commercial_partner_id = customer.customer_id
                  JOIN account_move_line term
                    ON term.move_id = move.id AND term.display_type = 'payment_term'
                  JOIN account_partial_reconcile partial
                    ON partial.debit_move_id = term.id
                 WHERE move.move_type = 'out_invoice'
                   AND move.state = 'posted'
                   AND move.payment_state IN %(paid_states)s
                 GROUP BY move.id
            ), habit AS (
                SELECT company_id,
                       customer_id,
                       ROUND(PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY delay))::int
                           AS delay
                  FROM paid
                 WHERE rank <= %(history_size)s
                 GROUP BY company_id, customer_id
                HAVING COUNT(*) >= %(history_min)s
            )
            """,
            paid_states=PAID_STATES,
            history_size=HISTORY_SIZE,
            history_min=HISTORY_MIN,
        )

    @api.model
    def _revshare_collection_sql(self, today):
        """The ``collected`` and ``company_rate`` CTEs: per customer of the
        companies of ``customer``, its invoices of the twelve months before
        ``today`` already due (one not due yet cannot have failed) and those of
        them paid in full; and the same share over each company."""
        return SQL(
            """
            collected AS (
                SELECT move.company_id,
                       move.commercial_partner_id AS customer_id,
                       COUNT(*) AS due,
                       COUNT(*) FILTER (WHERE move.payment_state IN %(paid_states)s)
                           AS paid
                  FROM account_move move
                 WHERE move.move_type = 'out_invoice'
                   AND move.state = 'posted'
                   AND move.payment_state != 'reversed'
                   AND move.invoice_date >= %(year_ago)s
                   AND move.invoice_date_due < %(today)s
                   AND move.company_id IN (SELECT company_id FROM customer)
                 GROUP BY move.company_id, move.commercial_partner_id
            ), company_rate AS (
                SELECT company_id, SUM(paid)::float / SUM(due) AS rate
                  FROM collected
                 GROUP BY company_id
            )
            """,
            paid_states=PAID_STATES,
            year_ago=today - relativedelta(years=1),
            today=today,
        )

    @api.model
    def _revshare_period_months_sql(self):
        """Months per settlement period of the agreement (``agreement`` alias)."""
        return SQL(
            "CASE agreement.settlement_period %s END",
            SQL(" ").join(
                SQL("WHEN %s THEN %s", period, months)
                for period, months in PERIOD_MONTHS.items()
            ),
        )

    @api.model
    def _revshare_payout_sql(self):
        """Payout date of a forecast row: its payment date when booked at once;
        for a periodic row, the first day after the settlement period holding
        the payment date plus the hold days, the day the daily cron settles the
        period that ended the day before (``_cron_settle``, rows taken once out
        of hold). Periods are aligned on the calendar year, as in
        ``revshare.agreement._revshare_period_start``: the next period starts
        ``((month - 1) // n + 1) * n`` months after January 1st."""
        return SQL(
            """
            CASE WHEN settlement_mode = 'periodic' THEN (
                DATE_TRUNC('year', date_payment + hold_days)
                + MAKE_INTERVAL(months => (
                    (EXTRACT(MONTH FROM date_payment + hold_days)::int - 1)
                    / period_months + 1
                ) * period_months)
            )::date ELSE date_payment END
            """
        )

    @api.model
    def _revshare_by_month(self, domain, months=3):
        """What ``domain``'s rows are expected to pay out per month, from the
        current month over ``months`` months: one dict per month and currency,
        ``{"month", "currency", "amount", "amount_weighted"}``, months without
        anything expected included (zero), in one grouped read."""
        today = self._revshare_today()
        first = today.replace(day=1)
        month_list = [first + relativedelta(months=i) for i in range(months)]
        groups = self._read_group(
            [
                *domain,
                ("date_payout", ">=", first),
                ("date_payout", "<", first + relativedelta(months=months)),
            ],
            ["currency_id", "date_payout:month"],
            ["amount:sum", "amount_weighted:sum"],
        )
        sums = {(currency, month): (a, w) for currency, month, a, w in groups}
        currencies = sorted({currency for currency, __ in sums}, key=lambda c: c.name)
        if not currencies:
            currencies = [self.env.company.currency_id]
        return [
            {
                "month": month,
                "currency": currency,
                "amount": currency.round(sums.get((currency, month), (0.0,))[0]),
                "amount_weighted": currency.round(
                    sums.get((currency, month), (0.0, 0.0))[1]
                ),
            }
            for month in month_list
            for currency in currencies
        ]
