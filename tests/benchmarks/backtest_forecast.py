"""Backtest of the revenue-share forecast (``revshare.forecast``).

Run it with ``setup/backtest.sh`` (it builds the throwaway database); by hand::

    python tests/benchmarks/backtest_forecast.py -c ODOO_CONF -d DB

The database must have ``partner_revshare`` and ``partner_revshare_payment``
installed, no demo data; the script writes into it freely. It replays a year of
generated invoices (Odoo's "30 Days" payment terms, one a month per customer) and
their payments, in date order, for customers of five habits (punctual, 20 days
late, 45 days late, erratic, and one who leaves a third of its invoices unpaid),
with a 10 % agreement earning on payment booked at once (``entry``: the payout
is the payment). At each month's start it reads the forecast as it stands then
(``revshare_forecast_date``), and the naive forecast (every share on its due date,
an overdue one today). Afterwards it compares, per horizon (1: the month that
starts, 2: the next, 3: the one after), each month's forecast total with what
those rows actually earned in that month, and prints the errors.

Then (``--rows``) it inserts that many expected rows with SQL and times the
forecast's pivot by month (a grouped read, as the pivot view makes).
"""

import argparse
import logging
import random
import statistics
import sys
import time
from collections import defaultdict
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

# Delay between due date and payment (days) of each habit, or None: never paid.
HABITS = {
    "punctual": lambda rnd: rnd.randint(-3, 3),
    "late 20 days": lambda rnd: rnd.randint(15, 25),
    "late 45 days": lambda rnd: rnd.randint(35, 55),
    "erratic": lambda rnd: rnd.choice((0, 5, 15, 30, 60)),
    "bad payer": lambda rnd: None if rnd.random() < 0.33 else rnd.randint(0, 40),
}
START = date(2025, 1, 1)
INVOICE_MONTHS = 12
# Forecasts are made at the start of these months (history builds up first)...
FORECAST_MONTHS = range(2, 12)
HORIZONS = (1, 2, 3)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", required=True, help="Odoo configuration file")
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--customers-per-habit", type=int, default=8, help="default: 8")
    parser.add_argument("--seed", type=int, default=27)
    parser.add_argument(
        "--rows",
        type=int,
        default=100000,
        help="expected rows inserted for the read measure (0: skip; default 100000)",
    )
    return parser.parse_args()


class Backtest:
    def __init__(self, env, args):
        self.env = env
        self.args = args
        self.rnd = random.Random(args.seed)
        self.log = logging.getLogger("revshare.backtest")

    # ------------------------------------------------------------------ data

    def setup(self):
        env = self.env
        Command = __import__("odoo").fields.Command
        company = env.company
        expense = env["account.account"].search(
            [
                *env["account.account"]._check_company_domain(company),
                ("account_type", "=", "expense"),
            ],
            limit=1,
        )
        journal = env["account.journal"].search(
            [
                *env["account.journal"]._check_company_domain(company),
                ("type", "=", "general"),
            ],
            limit=1,
        )
        self.product = env["product.product"].create(
            {"name": "Backtest subscription", "type": "service", "taxes_id": []}
        )
        beneficiary = env["res.partner"].create({"name": "Backtest reseller"})
        self.agreement = env["revshare.agreement"].create(
            {
                "name": "Backtest 10 %",
                "partner_id": beneficiary.id,
                "trigger": "payment",
                "settlement_mode": "entry",
                "expense_account_id": expense.id,
                "journal_id": journal.id,
                "rule_ids": [Command.create({"compute": "percent", "rate": 10.0})],
            }
        )
        self.agreement.action_activate()
        self.terms = env.ref("account.account_payment_term_30days")
        self.customers = []
        for habit in HABITS:
            for i in range(self.args.customers_per_habit):
                partner = env["res.partner"].create({"name": f"{habit} {i}"})
                self.customers.append((partner, habit))

    def events(self):
        """(date, kind, customer, habit, amount) of every invoice; payments are
        drawn when the invoice is posted."""
        invoices = []
        for month in range(INVOICE_MONTHS):
            first = START + relativedelta(months=month)
            for partner, habit in self.customers:
                day = first + timedelta(days=self.rnd.randint(0, 27))
                amount = float(self.rnd.randrange(500, 2000, 10))
                invoices.append((day, partner, habit, amount))
        return sorted(invoices, key=lambda inv: (inv[0], inv[1].id))

    def post(self, day, batch):
        Command = __import__("odoo").fields.Command
        moves = self.env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": day,
                    "invoice_payment_term_id": self.terms.id,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "price_unit": amount,
                                "tax_ids": [],
                            }
                        )
                    ],
                }
                for __, partner, __, amount in batch
            ]
        )
        moves.action_post()
        return moves

    def pay(self, day, moves):
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=moves.ids
        ).create({"payment_date": day})._create_payments()

    # ------------------------------------------------------------------ replay

    def replay(self):
        """Post and pay in date order; at each forecast month's start, read the
        forecast. Returns {forecast day: {row id: (payout, amount, weighted,
        naive day)}}."""
        invoices = self.events()
        by_day = defaultdict(list)
        for inv in invoices:
            by_day[inv[0]].append(inv)
        payments = defaultdict(list)  # day -> moves
        forecast_days = {START + relativedelta(months=m) for m in FORECAST_MONTHS}
        end = START + relativedelta(months=INVOICE_MONTHS + 3)
        snapshots = {}
        day = START
        Move = self.env["account.move"]
        while day < end:
            if day in forecast_days:
                snapshots[day] = self.snapshot(day)
            if by_day.get(day):
                moves = self.post(day, by_day[day])
                for move, (__, __, habit, __) in zip(moves, by_day[day], strict=True):
                    delay = HABITS[habit](self.rnd)
                    if delay is not None:
                        pay_day = max(move.invoice_date_due + timedelta(delay), day)
                        payments[pay_day].append(move.id)
            if payments.get(day):
                self.pay(day, Move.browse(payments.pop(day)))
            day += timedelta(days=1)
            if day.day == 1:
                self.env.cr.commit()
                self.log.info("replayed up to %s", day)
        return snapshots

    def snapshot(self, day):
        Forecast = self.env["revshare.forecast"].with_context(
            revshare_forecast_date=day
        )
        # Records read for an earlier day are cached: read them again.
        Forecast.invalidate_model()
        rows = Forecast.search_read(
            [("agreement_id", "=", self.agreement.id)],
            ["date_payout", "date_due", "amount", "amount_weighted"],
        )
        return {
            row["id"]: (
                row["date_payout"],
                row["amount"],
                row["amount_weighted"],
                max(row["date_due"], day),
            )
            for row in rows
        }

    # ------------------------------------------------------------------ report

    def actual(self):
        """{expected row id: [(date, amount)]} of what payments earned."""
        self.env.cr.execute(
            """
            SELECT expected_line_id, date, amount_company
              FROM revshare_line
             WHERE expected_line_id IS NOT NULL AND state IN ('earned', 'settled')
            """
        )
        earned = defaultdict(list)
        for row_id, day, amount in self.env.cr.fetchall():
            earned[row_id].append((day, amount))
        return earned

    def report(self, snapshots):
        earned = self.actual()
        month = lambda d: d.replace(day=1)  # noqa: E731
        errors = {h: defaultdict(list) for h in HORIZONS}
        for day, rows in sorted(snapshots.items()):
            for h in HORIZONS:
                target = day + relativedelta(months=h - 1)
                sums = dict.fromkeys(("history", "weighted", "naive", "actual"), 0.0)
                for row_id, (payout, amount, weighted, naive) in rows.items():
                    if month(payout) == target:
                        sums["history"] += amount
                        sums["weighted"] += weighted
                    if month(naive) == target:
                        sums["naive"] += amount
                    sums["actual"] += sum(
                        a for d, a in earned.get(row_id, ()) if month(d) == target
                    )
                for key in ("history", "weighted", "naive"):
                    errors[h][key].append(abs(sums[key] - sums["actual"]))
                errors[h]["actual"].append(sums["actual"])
        lines = [
            "",
            f"Forecast backtest: {len(self.customers)} customers "
            f"({self.args.customers_per_habit} per habit: {', '.join(HABITS)}), "
            f"one invoice a month each for {INVOICE_MONTHS} months, 10 % share; "
            f"{len(snapshots)} forecasts (one per month start).",
            "Mean absolute error of the monthly total (and as % of the actual):",
            "",
            "| Horizon | Actual (mean) | Customer history | History, weighted "
            "| Naive (due date) | History / naive |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for h in HORIZONS:
            actual = statistics.mean(errors[h]["actual"])
            cells = []
            for key in ("history", "weighted", "naive"):
                mae = statistics.mean(errors[h][key])
                cells.append(f"{mae:,.2f} ({100 * mae / actual:.1f} %)")
            ratio = statistics.mean(errors[h]["history"]) / statistics.mean(
                errors[h]["naive"]
            )
            lines.append(
                f"| {h} month{'s' if h > 1 else ''} | {actual:,.2f} | "
                + " | ".join(cells)
                + f" | {ratio:.2f} |"
            )
        return "\n".join(lines) + "\n"

    # ------------------------------------------------------------------ read measure

    def measure_read(self, total):
        """Insert ``total`` expected rows over the invoices with SQL, then time the
        pivot by month (and by month and beneficiary) of the forecast."""
        cr = self.env.cr
        beneficiaries = self.env["res.partner"].create(
            [{"name": f"Backtest beneficiary {i}"} for i in range(100)]
        )
        cr.execute(
            """
            WITH moves AS (
                SELECT row_number() OVER (ORDER BY m.id) - 1 AS n, m.id,
                       m.commercial_partner_id, m.company_id
                  FROM account_move m
                 WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
            ), beneficiaries AS (
                SELECT row_number() OVER (ORDER BY id) - 1 AS n, id
                  FROM res_partner WHERE id = ANY(%(partner_ids)s)
            )
            INSERT INTO revshare_line (
                agreement_id, partner_id, payee_id, company_id, invoice_id, customer_id,
                date, currency_id, company_currency_id, amount, amount_company,
                amount_expected, amount_expected_company, amount_earned,
                amount_earned_company, kind, state, role, section, settlement_mode,
                create_uid, write_uid, create_date, write_date)
            SELECT %(agreement)s, b.id, b.id, m.company_id, m.id,
                   m.commercial_partner_id, %(day)s, %(currency)s, %(currency)s,
                   12.5, 12.5, 12.5, 12.5, 0, 0,
                   'share', 'expected', 'reseller', 'share',
                   CASE WHEN g.i %% 2 = 0 THEN 'entry' ELSE 'periodic' END,
                   1, 1, now() at time zone 'UTC', now() at time zone 'UTC'
              FROM generate_series(0, %(total)s - 1) g(i)
              JOIN moves m ON m.n = g.i %% (SELECT count(*) FROM moves)
              JOIN beneficiaries b ON b.n = g.i %% 100
            """,
            {
                "partner_ids": beneficiaries.ids,
                "agreement": self.agreement.id,
                "day": START,
                "currency": self.env.company.currency_id.id,
                "total": total,
            },
        )
        cr.commit()
        cr.execute("ANALYZE revshare_line")
        Forecast = self.env["revshare.forecast"]
        results = []
        for groupby in (["date_payout:month"], ["date_payout:month", "partner_id"]):
            times = []
            for __ in range(3):
                self.env.invalidate_all()
                started = time.perf_counter()
                groups = Forecast._read_group(
                    [], groupby, ["amount:sum", "amount_weighted:sum"]
                )
                times.append(time.perf_counter() - started)
            results.append((", ".join(groupby), len(groups), statistics.median(times)))
        count = Forecast.search_count([])
        lines = [
            "",
            f"Forecast read over {count:,} expected rows (median of 3 reads):",
            "",
            "| Grouped by | Groups | Seconds |",
            "| --- | --- | --- |",
        ]
        lines += [f"| {g} | {n} | {t:.2f} |" for g, n, t in results]
        return "\n".join(lines) + "\n"


def main():
    args = parse_args()
    import odoo
    from odoo.tools import config

    config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    logging.getLogger("revshare.backtest").setLevel(logging.INFO)
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        backtest = Backtest(env, args)
        started = time.perf_counter()
        backtest.setup()
        snapshots = backtest.replay()
        out = backtest.report(snapshots)
        out += f"\nReplay: {time.perf_counter() - started:.0f} s.\n"
        sys.stdout.write(out)
        sys.stdout.flush()
        if args.rows:
            sys.stdout.write(backtest.measure_read(args.rows))


if __name__ == "__main__":
    main()
