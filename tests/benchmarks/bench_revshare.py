"""Benchmark of the partner revenue share suite.

Run it with ``setup/bench.sh`` (it builds the throwaway database and the addons path);
by hand::

    python tests/benchmarks/bench_revshare.py -c ODOO_CONF -d DB [--small]

The database must have ``partner_revshare`` and ``partner_revshare_payment`` installed
and no demo data; the script writes into it freely (it is thrown away afterwards).
Each figure is measured side by side in the same run, batches of the two sides
interleaved (and their order alternated), so that a load change on the machine hits
both sides alike:

1. posting overhead: customer invoices of 5 lines posted with 10 active agreements
   (3 matching each line) against the same invoices with the agreements suspended;
2. reconciliation overhead: those invoices paid with the register-payment wizard, in
   batches and one by one, agreements active against suspended; queries per payment
   with 10 and with 100 agreements; and the native reference for "one more entry per
   payment": Odoo's cash-basis taxes (the same invoices with an on-payment tax against
   an on-invoice tax, agreements suspended); and the floor of a payment booked by
   entry: Odoo creating and posting alone journal entries of the shape the 10
   agreements book;
3. settlement run over earned rows inserted in bulk (SQL) for many partners;
payout. one payout batch paying confirmed statements against Odoo's grouped
   register-payment of the same kind of bills (``bench_payout.py``);
tenure. posting overhead with customer-month rules ("5 % of the first 12 months, then
   3 %") against the same 10 agreements with one plain rule, sides interleaved;
4. OCA ``commission_oca`` + ``account_commission_oca`` 18.0 (when their folder is on
   the addons path): installed into the same database after parts 1-3, the same
   partners and invoice lines settled in payment-based mode, against our run.

Prints a Markdown table with the machine facts and writes it next to the JSON results
(``--out``).
"""

import argparse
import hashlib
import json
import logging
import os
import platform
import resource
import statistics
import sys
import time
import traceback
from contextlib import contextmanager
from datetime import date, timedelta

from bench_payout import part_payout, render_payout

_logger = logging.getLogger("revshare.bench")

FULL = {
    "invoices": 2000,
    "pay": 2000,
    "batch": 100,
    "one_by_one": 200,
    "invoices_100": 50,
    "pay_periodic": 200,
    "rows": 100000,
    "partners": 1000,
    "customers": 200,
    "cash_basis": 200,
    "million_rows": 1000000,
    "million_partners": 10000,
    "payouts": 1000,
}
SMALL = {
    "invoices": 50,
    "pay": 50,
    "batch": 10,
    "one_by_one": 10,
    "invoices_100": 20,
    "pay_periodic": 10,
    "rows": 1000,
    "partners": 50,
    "customers": 20,
    "cash_basis": 20,
    "million_rows": 1000000,
    "million_partners": 10000,
    "payouts": 20,
}
LINES_PER_INVOICE = 5
# The integrity check's steps timed over the million rows after its share step.
MILLION_CHECK_STEPS = (
    "_revshare_check_settlements",
    "_revshare_check_rows",
    "_revshare_check_documents",
    "_revshare_check_payables",
    "_revshare_check_payouts",
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", required=True, help="Odoo configuration file")
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument(
        "--small", action="store_true", help="small sizes (development)"
    )
    parser.add_argument(
        "--out", default=None, help="folder of the results (JSON, Markdown)"
    )
    parser.add_argument(
        "--parts",
        default="1,tenure,2,check,3,payout,4",
        help="parts to run, e.g. 1,2 (default: all)",
    )
    parser.add_argument(
        "--million",
        action="store_true",
        help="also run part million: the settlement cron over --million-rows earned "
        "rows of --million-partners partners, then the integrity check (long)",
    )
    for key, value in FULL.items():
        parser.add_argument(
            f"--{key.replace('_', '-')}",
            type=int,
            default=None,
            help=f"default {value} ({SMALL[key]} with --small)",
        )
    return parser.parse_args()


class Meter:
    """Wall time and SQL queries of a block, accumulated per name."""

    def __init__(self, env):
        self.env = env
        self.totals = {}

    @contextmanager
    def measure(self, name, count=1):
        env = self.env
        env.invalidate_all()
        queries = env.cr.sql_log_count
        start = time.perf_counter()
        yield
        env.flush_all()
        elapsed = time.perf_counter() - start
        total = self.totals.setdefault(
            name, {"seconds": 0.0, "queries": 0, "count": 0, "samples": []}
        )
        total["seconds"] += elapsed
        total["queries"] += env.cr.sql_log_count - queries
        total["count"] += count
        total["samples"].append(elapsed)

    def get(self, name):
        return self.totals.get(
            name, {"seconds": 0.0, "queries": 0, "count": 0, "samples": []}
        )


class Bench:
    def __init__(self, env, sizes, out):
        self.env = env
        self.sizes = sizes
        self.out = out
        self.meter = Meter(env)
        self.results = {"parts": {}, "notes": []}
        self.today = date.today()
        # Invoices dated in the previous month: settlements (ours and OCA's) settle
        # closed periods.
        self.invoice_date = self.today.replace(day=1) - timedelta(days=20)
        self.payment_date = self.today.replace(day=1) - timedelta(days=5)

    # ------------------------------------------------------------------ helpers

    def log(self, msg, *args):
        _logger.info(msg, *args)
        sys.stderr.flush()

    def note(self, text):
        self.results["notes"].append(text)
        self.log("note: %s", text)

    def commit(self):
        self.env.cr.commit()
        self.env.invalidate_all()

    @property
    def company(self):
        return self.env.company

    def _account(self, account_type):
        return self.env["account.account"].search(
            [
                *self.env["account.account"]._check_company_domain(self.company),
                ("account_type", "=", account_type),
                ("deprecated", "=", False),
            ],
            limit=1,
        )

    def _journal(self, journal_type):
        return self.env["account.journal"].search(
            [
                *self.env["account.journal"]._check_company_domain(self.company),
                ("type", "=", journal_type),
            ],
            limit=1,
        )

    # ------------------------------------------------------------------ data

    def setup_data(self):
        env = self.env
        Command = __import__("odoo").fields.Command
        s = self.sizes
        self.expense = self._account("expense")
        self.misc_journal = self._journal("general")
        self.sale_journal = self._journal("sale")
        self.bank_journal = self._journal("bank")
        # Payments must make a journal entry and reconcile with the invoice (that
        # is what earns shares): give the bank journal's inbound methods an
        # outstanding account when the chart left it empty.
        methods = self.bank_journal.inbound_payment_method_line_ids.filtered(
            lambda line: not line.payment_account_id
        )
        if methods:
            outstanding = env["account.account"].create(
                {
                    "name": "Bench outstanding receipts",
                    "code": "101499",
                    "account_type": "asset_current",
                    "reconcile": True,
                }
            )
            methods.write({"payment_account_id": outstanding.id})
        categories = env["product.category"].create(
            [{"name": f"Bench category {i}"} for i in range(LINES_PER_INVOICE)]
        )
        self.products = env["product.product"].create(
            [
                {
                    "name": f"Bench product {i}",
                    "type": "service",
                    "categ_id": categories[i].id,
                    "list_price": 100.0 + 10 * i,
                    "standard_price": 40.0,
                }
                for i in range(LINES_PER_INVOICE)
            ]
        )
        self.fee_product = env["product.product"].create(
            {
                "name": "Bench revenue share fee",
                "type": "service",
                "supplier_taxes_id": [Command.clear()],
            }
        )
        self.customers = env["res.partner"].create(
            [{"name": f"Bench customer {i}"} for i in range(s["customers"])]
        )
        self.agreements_10 = self._create_agreements(10, "A10")
        # The same agreements with customer-month rules (part "tenure").
        self.agreements_tenure = self._create_agreements(
            10,
            "T10",
            rules=[
                {"compute": "percent", "rate": 5.0, "customer_month_to": 12},
                {"compute": "percent", "rate": 3.0, "customer_month_from": 12},
            ],
        )
        # Queries per payment against the number of agreements: 10 and 100, booked
        # at once (entry) or left to the settlement run (periodic).
        self.agreement_sets = {
            ("entry", 10): self._create_agreements(10, "E10"),
            ("entry", 100): self._create_agreements(100, "E100"),
            ("periodic", 10): self._create_agreements(10, "P10", "periodic"),
            ("periodic", 100): self._create_agreements(100, "P100", "periodic"),
        }
        self.commit()

    def _create_agreements(self, count, tag, mode="entry", rules=None):
        """``count`` agreements earning on payment, booked as journal entries (or
        ``mode``), with one 5 % rule (or ``rules``); each product is in the scope
        of 3 in 10 of them (agreement j: product j % 5, plus product (j + 1) % 5
        for the first half)."""
        env = self.env
        Command = __import__("odoo").fields.Command
        partners = env["res.partner"].create(
            [{"name": f"Bench beneficiary {tag}-{j}"} for j in range(count)]
        )
        vals_list = []
        for j in range(count):
            products = self.products[j % LINES_PER_INVOICE]
            if j < count // 2:
                products |= self.products[(j + 1) % LINES_PER_INVOICE]
            vals_list.append(
                {
                    "name": f"Bench {tag}-{j}",
                    "partner_id": partners[j].id,
                    "role": "reseller",
                    "trigger": "payment",
                    "settlement_mode": mode,
                    "expense_account_id": self.expense.id,
                    "journal_id": self.misc_journal.id,
                    "product_id": self.fee_product.id,
                    "product_ids": [Command.set(products.ids)],
                    "rule_ids": [
                        Command.create(rule)
                        for rule in rules or [{"compute": "percent", "rate": 5.0}]
                    ],
                }
            )
        return env["revshare.agreement"].create(vals_list)

    def set_active(self, agreements, active):
        """Activate or suspend agreements (not measured)."""
        if active:
            todo = agreements.filtered(lambda a: a.state != "active")
            if todo:
                todo.action_activate()
        else:
            todo = agreements.filtered(lambda a: a.state == "active")
            if todo:
                todo.action_suspend()
        self.env.flush_all()

    def create_invoices(self, count, offset=0, taxes=None, customers=None):
        """Draft customer invoices of 5 lines (created in batches, not measured),
        with the products' taxes or ``taxes``, to the bench customers (or
        ``customers``) in turn."""
        Command = __import__("odoo").fields.Command
        customers = customers or self.customers
        moves = self.env["account.move"]
        batch = 100
        for start in range(0, count, batch):
            vals_list = []
            for i in range(start, min(count, start + batch)):
                n = offset + i
                vals_list.append(
                    {
                        "move_type": "out_invoice",
                        "partner_id": customers[n % len(customers)].id,
                        "invoice_date": self.invoice_date,
                        "date": self.invoice_date,
                        "journal_id": self.sale_journal.id,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "product_id": product.id,
                                    "quantity": 1 + (n + k) % 3,
                                    "price_unit": 100.0 + 10 * k + n % 7,
                                    **(
                                        {"tax_ids": [Command.set(taxes.ids)]}
                                        if taxes is not None
                                        else {}
                                    ),
                                }
                            )
                            for k, product in enumerate(self.products)
                        ],
                    }
                )
            moves |= self.env["account.move"].create(vals_list)
            self.commit()
        return moves

    def pay(self, invoices):
        return (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoices.ids)
            .create({"payment_date": self.payment_date, "group_payment": False})
            ._create_payments()
        )

    # ------------------------------------------------------------------ part 1

    def part_posting(self):
        s = self.sizes
        n, batch = s["invoices"], s["batch"]
        self.log("part 1: creating %s + %s draft invoices", n, n)
        on = self.create_invoices(n, offset=0)
        off = self.create_invoices(n, offset=n)
        self.invoices_on, self.invoices_off = on, off
        self.log("part 1: posting in batches of %s, sides interleaved", batch)
        for r, start in enumerate(range(0, n, batch)):
            order = (True, False) if r % 2 else (False, True)
            for active in order:
                self.set_active(self.agreements_10, active)
                moves = (on if active else off)[start : start + batch]
                name = "post_on" if active else "post_off"
                with self.meter.measure(name, count=len(moves)):
                    moves.action_post()
            self.commit()
        rows = self.env["revshare.line"].search_count([("invoice_id", "in", on.ids)])
        rows_off = self.env["revshare.line"].search_count(
            [("invoice_id", "in", off.ids)]
        )
        on_m, off_m = self.meter.get("post_on"), self.meter.get("post_off")
        self.results["parts"]["posting"] = {
            "invoices": n,
            "seconds_active": on_m["seconds"],
            "seconds_inactive": off_m["seconds"],
            "ratio": on_m["seconds"] / off_m["seconds"] if off_m["seconds"] else None,
            "pair_median": _pair_median(on_m["samples"], off_m["samples"]),
            "queries_per_invoice_active": on_m["queries"] / n,
            "queries_per_invoice_inactive": off_m["queries"] / n,
            "expected_rows": rows,
            "rows_inactive_side": rows_off,
        }
        if rows != n * LINES_PER_INVOICE * 3:
            self.note(f"posting: {rows} expected rows, not {n * LINES_PER_INVOICE * 3}")
        self.part_posting_alerts()

    def _alert_prone_customers(self):
        """Customers holding a bank account and a VAT number, one in two sharing
        its VAT number with a beneficiary of the 10 agreements, among ``partners``
        more partners holding both (the beneficiaries too): what self-dealing
        detection reads."""
        env = self.env
        count = len(self.customers)
        beneficiaries = self.agreements_10.partner_id
        for j, partner in enumerate(beneficiaries):
            partner.vat = f"BE{9000000000 + j}"
        customers = env["res.partner"].create(
            [
                {
                    "name": f"Bench alert-prone customer {i}",
                    "vat": beneficiaries[i % len(beneficiaries)].vat
                    if i % 2
                    else f"NL{800000000 + i}B01",
                }
                for i in range(count)
            ]
        )
        others = env["res.partner"].create(
            [
                {"name": f"Bench partner {i}", "vat": f"DE{700000000 + i}"}
                for i in range(self.sizes["partners"])
            ]
        )
        env["res.partner.bank"].create(
            [
                {"partner_id": partner.id, "acc_number": f"BENCH{partner.id:012d}"}
                for partner in beneficiaries | customers | others
            ]
        )
        self.commit()
        return customers

    def part_posting_alerts(self):
        """Part 1, alerts: the same posting (10 agreements active) to alert-prone
        customers against plain ones, sides interleaved."""
        s = self.sizes
        n, batch = max(s["invoices"] // 4, s["batch"]), s["batch"]
        prone = self.create_invoices(
            n, offset=0, customers=self._alert_prone_customers()
        )
        plain = self.create_invoices(n, offset=0)
        self.set_active(self.agreements_10, True)
        self.log("part 1: posting %s alert-prone + %s plain invoices", n, n)
        for r, start in enumerate(range(0, n, batch)):
            order = (True, False) if r % 2 else (False, True)
            for alert_prone in order:
                moves = (prone if alert_prone else plain)[start : start + batch]
                name = "post_alert_prone" if alert_prone else "post_plain"
                with self.meter.measure(name, count=len(moves)):
                    moves.action_post()
            self.commit()
        alerts = self.env["revshare.alert"].search_count(
            [("invoice_id", "in", prone.ids)]
        )
        on_m = self.meter.get("post_alert_prone")
        off_m = self.meter.get("post_plain")
        self.results["parts"]["posting_alerts"] = {
            "invoices": n,
            "partners": s["partners"],
            "seconds_alert_prone": on_m["seconds"],
            "seconds_plain": off_m["seconds"],
            "ratio": on_m["seconds"] / off_m["seconds"] if off_m["seconds"] else None,
            "queries_per_invoice_alert_prone": on_m["queries"] / n,
            "queries_per_invoice_plain": off_m["queries"] / n,
            "alerts": alerts,
        }

    def part_tenure(self):
        """Posting with customer-month rules against the same agreements without
        them: the tenure costs one grouped read per batch."""
        s = self.sizes
        n, batch = s["invoices"], s["batch"]
        self.log("part tenure: creating %s + %s draft invoices", n, n)
        tenure = self.create_invoices(n, offset=2 * n)
        plain = self.create_invoices(n, offset=3 * n)
        for r, start in enumerate(range(0, n, batch)):
            order = (True, False) if r % 2 else (False, True)
            for with_tenure in order:
                self.set_active(self.agreements_10, not with_tenure)
                self.set_active(self.agreements_tenure, with_tenure)
                moves = (tenure if with_tenure else plain)[start : start + batch]
                name = "post_tenure" if with_tenure else "post_plain"
                with self.meter.measure(name, count=len(moves)):
                    moves.action_post()
            self.commit()
        self.set_active(self.agreements_tenure, False)
        rows = self.env["revshare.line"].search_count(
            [("invoice_id", "in", tenure.ids)]
        )
        on_m, off_m = self.meter.get("post_tenure"), self.meter.get("post_plain")
        self.results["parts"]["tenure"] = {
            "invoices": n,
            "seconds_tenure": on_m["seconds"],
            "seconds_plain": off_m["seconds"],
            "ratio": on_m["seconds"] / off_m["seconds"] if off_m["seconds"] else None,
            "queries_per_invoice_tenure": on_m["queries"] / n,
            "queries_per_invoice_plain": off_m["queries"] / n,
        }
        if rows != n * LINES_PER_INVOICE * 3:
            self.note(f"tenure: {rows} expected rows, not {n * LINES_PER_INVOICE * 3}")

    # ------------------------------------------------------------------ part 2

    def _pay_interleaved(self, on, off, agreements, prefix, single=None):
        """Pay ``on`` (agreements active) and ``off`` (suspended) in interleaved
        batches, then ``single`` of them one by one; measured per payment."""
        s = self.sizes
        batch = s["batch"]
        single = min(s["one_by_one"] if single is None else single, len(on))
        batched_on, batched_off = on[single:], off[single:]
        for r, start in enumerate(range(0, len(batched_on), batch)):
            order = (True, False) if r % 2 else (False, True)
            for active in order:
                self.set_active(agreements, active)
                moves = (batched_on if active else batched_off)[start : start + batch]
                name = f"{prefix}_batch_{'on' if active else 'off'}"
                with self.meter.measure(name, count=len(moves)):
                    self.pay(moves)
            self.commit()
        for i in range(single):
            order = (True, False) if i % 2 else (False, True)
            for active in order:
                self.set_active(agreements, active)
                move = (on if active else off)[i]
                name = f"{prefix}_single_{'on' if active else 'off'}"
                with self.meter.measure(name, count=1):
                    self.pay(move)
            if i % 20 == 19:
                self.commit()
        self.commit()

    def _pay_results(self, prefix):
        """Time ratio and queries per payment of an interleaved payment run."""
        res = {}
        for mode in ("batch", "single"):
            m_on = self.meter.get(f"{prefix}_{mode}_on")
            m_off = self.meter.get(f"{prefix}_{mode}_off")
            res[mode] = {
                "payments": m_on["count"],
                "seconds_active": m_on["seconds"],
                "seconds_inactive": m_off["seconds"],
                "ratio": _ratio(m_on["seconds"], m_off["seconds"]),
                # Each payment (batch) of one side was measured right next to
                # its pair of the other: the median of the pairs' ratios is
                # what a load spike during a few of them does not move.
                "pair_median": _pair_median(m_on["samples"], m_off["samples"]),
                "queries_per_payment_active": m_on["queries"] / max(m_on["count"], 1),
                "queries_per_payment_inactive": m_off["queries"]
                / max(m_off["count"], 1),
            }
        return res

    def part_payment(self):
        s = self.sizes
        pay = min(s["pay"], len(self.invoices_on))
        on, off = self.invoices_on[:pay], self.invoices_off[:pay]
        self.log("part 2: paying %s + %s invoices", len(on), len(off))
        self._pay_interleaved(on, off, self.agreements_10, "pay10")
        earned = self.env["revshare.line"].search_count(
            [("invoice_id", "in", on.ids), ("state", "=", "earned")]
        )
        unpaid = on.filtered(lambda m: m.payment_state not in ("paid", "in_payment"))
        if unpaid:
            self.note(f"payment: {len(unpaid)} invoices of the active side not paid")
        res = {"invoices": len(on), "earned_rows": earned}
        res.update(self._pay_results("pay10"))
        # The same with agreements settled periodically: the hook earns the rows and
        # books nothing at payment time.
        n = s["pay_periodic"]
        periodic = self.agreement_sets[("periodic", 10)]
        self.log("part 2: %s + %s invoices with 10 periodic agreements", n, n)
        self.set_active(self.agreements_10, False)
        on_p = self.create_invoices(n, offset=4 * s["invoices"])
        off_p = self.create_invoices(n, offset=5 * s["invoices"])
        self.set_active(periodic, True)
        on_p.action_post()
        self.set_active(periodic, False)
        off_p.action_post()
        self.commit()
        self._pay_interleaved(on_p, off_p, periodic, "payP", single=n // 2)
        self.set_active(periodic, False)
        self.commit()
        res["periodic"] = self._pay_results("payP")
        res["periodic"]["invoices"] = n
        # Queries per payment with 10 and 100 agreements (3 and 30 matching each
        # line), booked as entries or periodic: a smaller set of invoices each.
        n = s["invoices_100"]
        single = min(s["one_by_one"], n // 2)
        offset = 3 * s["invoices"]
        res["per_agreements"] = {}
        for (mode, count), agreements in self.agreement_sets.items():
            self.log("part 2: %s invoices with %s %s agreements", n, count, mode)
            self.set_active(agreements, True)
            invoices = self.create_invoices(n, offset=offset)
            offset += n
            invoices.action_post()
            self.commit()
            key = f"pay_{mode}_{count}"
            with self.meter.measure(f"{key}_batch", count=n - single):
                for start in range(single, n, s["batch"]):
                    self.pay(invoices[start : start + s["batch"]])
            with self.meter.measure(f"{key}_single", count=single):
                for move in invoices[:single]:
                    self.pay(move)
            self.commit()
            self.set_active(agreements, False)
            self.commit()
            per = {}
            for m in ("batch", "single"):
                total = self.meter.get(f"{key}_{m}")
                per[m] = total["queries"] / max(total["count"], 1)
            per["earned_rows"] = self.env["revshare.line"].search_count(
                [("invoice_id", "in", invoices.ids), ("state", "=", "earned")]
            )
            res["per_agreements"][key] = per
        self.results["parts"]["payment"] = res
        res["cash_basis"] = self.part_cash_basis()

    def _cash_basis_taxes(self):
        """The chart's sale tax twice: due on the invoice, and due on payment (Odoo's
        cash-basis taxes: each payment posts one more journal entry moving the tax
        from a transition account, and unreconciling reverses it)."""
        env = self.env
        self.company.tax_exigibility = True
        transition = env["account.account"].create(
            {
                "name": "Bench cash basis transition",
                "code": "101498",
                "account_type": "liability_current",
                "reconcile": True,
            }
        )
        tax = env["account.tax"].search(
            [
                *env["account.tax"]._check_company_domain(self.company),
                ("type_tax_use", "=", "sale"),
                ("amount_type", "=", "percent"),
                ("amount", ">", 0),
            ],
            limit=1,
        )
        on_invoice = tax.copy({"name": "Bench tax on invoice"})
        on_payment = tax.copy(
            {
                "name": "Bench tax on payment",
                "tax_exigibility": "on_payment",
                "cash_basis_transition_account_id": transition.id,
            }
        )
        return on_invoice, on_payment

    def part_cash_basis(self):
        """Odoo's own cost of one more entry per payment: the same invoices paid
        with an on-payment (cash-basis) tax against an on-invoice tax, in
        interleaved batches and one by one, every agreement suspended."""
        s = self.sizes
        n = s["cash_basis"]
        for agreements in (self.agreements_10, *self.agreement_sets.values()):
            self.set_active(agreements, False)
        on_invoice, on_payment = self._cash_basis_taxes()
        self.log("part 2: %s + %s invoices with a cash-basis / plain tax", n, n)
        offset = 6 * s["invoices"]
        caba = self.create_invoices(n, offset=offset, taxes=on_payment)
        plain = self.create_invoices(n, offset=offset + n, taxes=on_invoice)
        (caba | plain).action_post()
        self.commit()
        self._pay_interleaved(
            caba, plain, self.env["revshare.agreement"], "payCB", single=n // 2
        )
        self.commit()
        res = self._pay_results("payCB")
        res["invoices"] = n
        res["caba_entries"] = self.env["account.move"].search_count(
            [("tax_cash_basis_origin_move_id", "in", caba.ids)]
        )
        if res["caba_entries"] < n:
            self.note(f"cash basis: {res['caba_entries']} entries for {n} invoices")
        res["entry_floor"] = self.part_entry_floor(s["one_by_one"])
        return res

    def part_entry_floor(self, count):
        """Odoo's own price of the document a payment books with the 10
        agreements: ``count`` journal entries of its shape (one payable line per
        payee, one expense line), created and posted alone, one by one, through
        Odoo's API in the context our booking uses. The floor of a payment
        registered alone, next to the cash-basis entry's whole extra."""
        env = self.env
        from odoo.addons.partner_revshare.models.revshare_line_booking import (
            QUIET_DOCUMENT_CONTEXT,
            UNSYNCED_ENTRY_CONTEXT,
        )

        Command = __import__("odoo").fields.Command
        payees = self.agreements_10.payee_id
        currency = self.company.currency_id
        Move = (
            env["account.move"]
            .sudo()
            .with_context(**QUIET_DOCUMENT_CONTEXT, **UNSYNCED_ENTRY_CONTEXT)
        )

        def line(partner, account, amount):
            return Command.create(
                {
                    "partner_id": partner.id,
                    "account_id": account.id,
                    "currency_id": currency.id,
                    "name": "Bench entry floor",
                    "balance": amount,
                    "amount_currency": amount,
                    "tax_ids": [Command.clear()],
                    "analytic_distribution": False,
                }
            )

        vals = {
            "move_type": "entry",
            "journal_id": self.misc_journal.id,
            "date": self.payment_date,
            "ref": "Bench entry floor",
            "line_ids": [
                line(env["res.partner"], self.expense, 5.0 * len(payees)),
                *(
                    line(payee, payee.property_account_payable_id, -5.0)
                    for payee in payees
                ),
            ],
        }
        self.log("part 2: %s journal entries of %s lines alone", count, len(payees) + 1)
        for __ in range(count):
            with self.meter.measure("entry_floor"):
                with env["res.partner"]._revshare_batched_ranks():
                    Move.create(vals)._post(soft=False)
        self.commit()
        m = self.meter.get("entry_floor")
        return {
            "entries": m["count"],
            "lines": len(payees) + 1,
            "seconds": m["seconds"],
            "queries_per_entry": m["queries"] / max(m["count"], 1),
        }

    # ------------------------------------------------------------------ part 3

    def _bench_partners(self, count):
        """``count`` beneficiaries with one periodic agreement each (created once,
        shared by our settlement and OCA's)."""
        if getattr(self, "settle_agreements", None) is not None:
            return self.settle_agreements
        partners = self.env["res.partner"].create(
            [{"name": f"Bench partner {j}"} for j in range(count)]
        )
        agreements = self.env["revshare.agreement"].create(
            [
                self._periodic_agreement_vals(partner, f"Bench periodic {j}")
                for j, partner in enumerate(partners)
            ]
        )
        agreements.action_activate()
        self.commit()
        self.settle_agreements = agreements
        return agreements

    def _periodic_agreement_vals(self, partner, name, rate=5.0, **extra):
        """Create values of a monthly periodic agreement of ``partner`` paying
        ``rate`` % of the benchmark's fee product (parts 3, million, payout)."""
        Command = __import__("odoo").fields.Command
        return {
            "name": name,
            "partner_id": partner.id,
            "trigger": "invoice",
            "settlement_mode": "periodic",
            "settlement_period": "monthly",
            "expense_account_id": self.expense.id,
            "product_id": self.fee_product.id,
            "product_ids": [Command.set(self.fee_product.ids)],
            "rule_ids": [Command.create({"compute": "percent", "rate": rate})],
            **extra,
        }

    def _invoice_lines(self):
        """Product lines of the benchmark's paid invoices: the base of the bulk rows."""
        self.env.cr.execute(
            """
            SELECT l.id, l.move_id, l.product_id, m.commercial_partner_id,
                   -l.balance, l.currency_id
              FROM account_move_line l
              JOIN account_move m ON m.id = l.move_id
             WHERE m.move_type = 'out_invoice' AND m.state = 'posted'
               AND m.payment_state IN ('paid', 'in_payment')
               AND l.display_type = 'product'
             ORDER BY l.id
            """
        )
        return self.env.cr.fetchall()

    def insert_earned_rows(self, agreements, total):
        """``total`` earned, unsettled rows spread evenly over the agreements, each on
        an invoice line of a paid invoice, inserted with one SQL statement."""
        lines = self._invoice_lines()
        if not lines:
            raise RuntimeError(
                "no paid invoice line to attach the rows to (run part 2)"
            )
        self.env.cr.execute(
            """
            WITH lines AS (
                SELECT row_number() OVER (ORDER BY id) - 1 AS n, *
                  FROM unnest(%(line_ids)s::int[], %(move_ids)s::int[],
                              %(product_ids)s::int[], %(customer_ids)s::int[],
                              %(bases)s::numeric[])
                       AS t(id, move_id, product_id, customer_id, base)
            ), agreements AS (
                SELECT row_number() OVER (ORDER BY a.id) - 1 AS n, a.id, a.partner_id,
                       a.payee_id, a.currency_id, a.company_id, a.settlement_mode,
                       a.expense_account_id, a.payable_account_id
                  FROM revshare_agreement a WHERE a.id = ANY(%(agreement_ids)s)
            )
            INSERT INTO revshare_line (
                agreement_id, partner_id, payee_id, company_id, invoice_id,
                invoice_line_id, customer_id, product_id, date, currency_id,
                invoice_currency_id, base_amount, rate, amount, amount_company,
                amount_invoice_currency,
                kind, state, role, settlement_mode, expense_account_id,
                payable_account_id, create_uid, write_uid, create_date, write_date)
            SELECT a.id, a.partner_id, a.payee_id, a.company_id, l.move_id, l.id,
                   l.customer_id,
                   l.product_id, %(day)s, a.currency_id, a.currency_id, l.base, 5.0,
                   round(l.base * 0.05, 2), round(l.base * 0.05, 2),
                   round(l.base * 0.05, 2), 'share', 'earned', 'reseller',
                   a.settlement_mode, a.expense_account_id, a.payable_account_id, 1, 1,
                   now() at time zone 'UTC', now() at time zone 'UTC'
              FROM generate_series(0, %(total)s - 1) g(i)
              JOIN agreements a ON a.n = g.i %% %(nagr)s
              JOIN lines l ON l.n = g.i %% %(nlines)s
            """,
            {
                "line_ids": [r[0] for r in lines],
                "move_ids": [r[1] for r in lines],
                "product_ids": [r[2] for r in lines],
                "customer_ids": [r[3] for r in lines],
                "bases": [r[4] for r in lines],
                "agreement_ids": agreements.ids,
                "day": self.invoice_date,
                "total": total,
                "nagr": len(agreements),
                "nlines": len(lines),
            },
        )
        self.commit()
        return len(lines)

    def part_settlement(self):
        s = self.sizes
        env = self.env
        if "revshare.settlement" not in env:
            self.note(
                "settlement: revshare.settlement does not exist yet; part 3 skipped"
            )
            self.results["parts"]["settlement"] = {"skipped": "no revshare.settlement"}
            return
        agreements = self._bench_partners(s["partners"])
        self.log(
            "part 3: inserting %s earned rows for %s partners", s["rows"], s["partners"]
        )
        nlines = self.insert_earned_rows(agreements, s["rows"])
        Settlement = env["revshare.settlement"]
        # The invoices' month is closed: settle the periods ended by its last day.
        day = self.today.replace(day=1) - timedelta(days=1)
        self.log("part 3: settlement run (revshare.settlement._revshare_run)")
        Line = env["revshare.line"]
        with (
            self.meter.measure("settle_ours", count=s["rows"]),
            _timed(Line, "_revshare_join_settlements") as linking,
        ):
            settlements = Settlement._revshare_run(
                day, agreements=agreements, confirm=False
            )
        self.commit()
        linked = env["revshare.line"].search_count(
            [("agreement_id", "in", agreements.ids), ("settlement_id", "!=", False)]
        )
        self.log("part 3: confirming %s settlements (vendor bills)", len(settlements))
        with self.meter.measure("bill_ours", count=len(settlements)):
            settlements.action_confirm()
        self.commit()
        settled = env["revshare.line"].search_count(
            [("agreement_id", "in", agreements.ids), ("state", "=", "settled")]
        )
        m = self.meter.get("settle_ours")
        b = self.meter.get("bill_ours")
        self.results["parts"]["settlement"] = {
            "rows": s["rows"],
            "partners": s["partners"],
            "invoice_lines": nlines,
            "seconds": m["seconds"],
            "link_seconds": linking["seconds"],
            "rows_per_second": s["rows"] / m["seconds"] if m["seconds"] else None,
            "queries": m["queries"],
            "settlements": len(settlements),
            "rows_in_settlements": linked,
            "rows_settled": settled,
            "bill_seconds": b["seconds"],
            "bill_queries": b["queries"],
            "bills": len(settlements.bill_id),
        }
        if linked != s["rows"] or settled != s["rows"]:
            self.note(
                f"settlement: {linked} rows in settlements and {settled} settled after "
                f"confirmation, of {s['rows']}"
            )

    # ------------------------------------------------------------------ million

    def _million_agreements(self, count):
        """``count`` more beneficiaries with one monthly periodic agreement each
        (their own, not part 3's), 5 % of the bench products' lines, created and
        activated in batches (after the part's invoices are posted: posting
        computes none of their shares)."""
        Command = __import__("odoo").fields.Command
        agreements = self.env["revshare.agreement"]
        for start in range(0, count, 1000):
            size = min(1000, count - start)
            partners = self.env["res.partner"].create(
                [{"name": f"Million partner {start + j}"} for j in range(size)]
            )
            batch = self.env["revshare.agreement"].create(
                [
                    self._periodic_agreement_vals(
                        partner,
                        f"Million periodic {start + j}",
                        product_ids=[Command.set(self.products.ids)],
                    )
                    for j, partner in enumerate(partners)
                ]
            )
            batch.action_activate()
            self.commit()
            agreements |= batch
        return agreements

    def _million_invoices(self, count):
        """``count`` posted customer invoices of the bench products, the part's
        own (posted in batches, committed)."""
        invoices = self.create_invoices(count, offset=100000)
        for start in range(0, count, 100):
            invoices[start : start + 100].action_post()
            self.commit()
        return invoices

    def insert_million_rows(self, agreements, invoices, per_agreement):
        """The share rows the agreements' rule gives, inserted with one SQL
        statement: agreement ``n`` earns on every line of ``per_agreement``
        invoices (``n * per_agreement + k`` modulo their number), 5 % of the
        line's untaxed amount rounded as the company currency (half away from
        zero, as Odoo rounds), so that the check finds nothing to report."""
        env = self.env
        env.cr.execute(
            """
            WITH agreements AS (
                SELECT row_number() OVER (ORDER BY a.id) - 1 AS n, a.*
                  FROM revshare_agreement a WHERE a.id = ANY(%(agreement_ids)s)
            ), invoices AS (
                SELECT row_number() OVER (ORDER BY m.id) - 1 AS n, m.*
                  FROM account_move m WHERE m.id = ANY(%(invoice_ids)s)
            ), shares AS (
                SELECT a.id AS agreement_id, m.id AS invoice_id, l.id AS line_id,
                       -l.balance AS base, r.id AS rule_id, r.rate,
                       ROUND(-l.balance * r.rate / 100, 2) AS amount
                  FROM agreements a
                  JOIN revshare_rule r ON r.agreement_id = a.id
                 CROSS JOIN generate_series(0, %(per_agreement)s - 1) k(k)
                  JOIN invoices m ON m.n = (a.n * %(per_agreement)s + k.k) %% %(ninv)s
                  JOIN account_move_line l
                    ON l.move_id = m.id AND l.display_type = 'product'
            )
            INSERT INTO revshare_line (
                agreement_id, rule_id, partner_id, payee_id, company_id, invoice_id,
                invoice_line_id, customer_id, product_id, date, currency_id,
                invoice_currency_id, base_amount, rate, amount, amount_company,
                amount_invoice_currency,
                kind, state, role, settlement_mode, expense_account_id,
                payable_account_id, create_uid, write_uid, create_date, write_date)
            SELECT a.id, s.rule_id, a.partner_id, a.payee_id, a.company_id, m.id,
                   l.id, m.commercial_partner_id, l.product_id, m.invoice_date,
                   a.currency_id, m.currency_id, s.base, s.rate, s.amount, s.amount,
                   s.amount, 'share', 'earned', a.role, a.settlement_mode,
                   a.expense_account_id, a.payable_account_id, 1, 1,
                   now() at time zone 'UTC', now() at time zone 'UTC'
              FROM shares s
              JOIN revshare_agreement a ON a.id = s.agreement_id
              JOIN account_move m ON m.id = s.invoice_id
              JOIN account_move_line l ON l.id = s.line_id
            """,
            {
                "agreement_ids": agreements.ids,
                "invoice_ids": invoices.ids,
                "per_agreement": per_agreement,
                "ninv": len(invoices),
            },
        )
        rows = env.cr.rowcount
        self.commit()
        return rows

    def part_million(self):
        """Issue 30: the daily settlement cron over a million earned rows of
        10,000 partners, called as Odoo's cron runner calls a batched cron (one
        chunk per call, a commit after each, again while the progress says
        settlements remain); its time, chunks and the process's peak memory;
        then the integrity check over the whole ledger, its share step apart.
        The part posts its own invoices (parts 1 and 2 are not needed) and makes
        the rows as the agreements' rule gives them: the check must find
        nothing."""
        s = self.sizes
        partners = s["million_partners"]
        # Each agreement earns on every line of the same number of invoices.
        per_agreement = max(1, s["million_rows"] // partners // LINES_PER_INVOICE)
        count = max(per_agreement, min(1000, s["million_rows"] // 1000))
        self.log("million: posting %s invoices", count)
        invoices = self._million_invoices(count)
        self.log("million: %s agreements", partners)
        agreements = self._million_agreements(partners)
        self.log("million: inserting the rows of %s invoices each", per_agreement)
        rows = self.insert_million_rows(agreements, invoices, per_agreement)
        res = self.results["parts"]["million"] = {
            "rows": rows,
            "partners": partners,
            "invoices": count,
        }
        self._million_cron(agreements, res)
        self._million_check(res)

    def _million_cron(self, agreements, res):
        env = self.env
        rows = res["rows"]
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        cron = env.ref("partner_revshare.ir_cron_revshare_settle")
        Settlement = env["revshare.settlement"]
        chunks = 0
        self.log("million: the settlement cron, chunk by chunk")
        with self.meter.measure("million_cron"):
            while True:
                job, progress = cron._add_progress()
                self.commit()
                Settlement.with_context(job.env.context)._cron_settle()
                self.commit()
                chunks += 1
                self.log(
                    "million: chunk %s, %s settlements left", chunks, progress.remaining
                )
                if not progress.remaining:
                    break
        m = self.meter.get("million_cron")
        env.cr.execute(
            "SELECT count(link.line_id), "
            "count(*) FILTER (WHERE line.state = 'settled'), "
            "count(DISTINCT link.settlement_id) "
            "FROM revshare_line line LEFT JOIN revshare_settlement_line_rel link "
            "ON link.line_id = line.id WHERE line.agreement_id = ANY(%s)",
            [agreements.ids],
        )
        linked, settled, settlements = env.cr.fetchone()
        res.update(
            seconds=m["seconds"],
            queries=m["queries"],
            chunks=chunks,
            rows_linked=linked,
            rows_settled=settled,
            settlements=settlements,
            peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            peak_rss_before_mib=rss_before / 1024,
        )
        _write(self.out, self.results, self.sizes)
        if linked != rows or settled != rows:
            self.note(f"million: {linked} rows linked, {settled} settled, of {rows}")

    def _million_check(self, res):
        """The integrity check over the whole ledger: its share step (the SQL
        path here: plain rules) with its own peak memory, then the other steps."""
        env = self.env
        ledger = env["revshare.line"].search_count([])
        self.log("million: the integrity check over %s rows", ledger)
        checker = env["revshare.check"].sudo().with_company(self.company)
        period = (self.company, self.invoice_date.replace(day=1), self.today)
        _reset_peak_rss()
        with self.meter.measure("million_check_shares"):
            shares = checker._revshare_check_shares(*period)
        c = self.meter.get("million_check_shares")
        res.update(
            check_rows=ledger,
            shares_seconds=c["seconds"],
            shares_queries=c["queries"],
            shares_mismatches=len(shares),
            shares_peak_rss_mib=_peak_rss_mib(),
        )
        for vals in shares[:5]:
            self.note(f"million check: {vals['message']}")
        found = []
        with self.meter.measure("million_check"):
            for step in MILLION_CHECK_STEPS:
                found += getattr(checker, step)(*period)
        c = self.meter.get("million_check")
        res.update(
            check_seconds=c["seconds"],
            check_queries=c["queries"],
            check_mismatches=len(found),
            check_peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            / 1024,
        )

    # ------------------------------------------------------------------ check

    def part_check(self):
        """The integrity check over the ledger of parts 1 and 2 (real rows only: the
        bulk rows of part 3 are not made by the engine)."""
        env = self.env
        if "revshare.check" not in env:
            self.results["parts"]["check"] = {"skipped": "no revshare.check"}
            return
        rows = env["revshare.line"].search_count([])
        with self.meter.measure("check", count=rows):
            found = env["revshare.check"]._revshare_check(
                self.company, self.invoice_date.replace(day=1), self.today
            )
        m = self.meter.get("check")
        self.results["parts"]["check"] = {
            "rows": rows,
            "seconds": m["seconds"],
            "queries": m["queries"],
            "mismatches": len(found),
        }
        for vals in found[:5]:
            self.note(f"check: {vals['message']}")

    # ------------------------------------------------------------------ part 4

    def part_oca(self):
        """Install OCA commission into this database and settle the same volume."""
        import odoo

        s = self.sizes
        env = self.env
        module = env["ir.module.module"].search(
            [("name", "=", "account_commission_oca")]
        )
        if not module:
            env["ir.module.module"].update_list()
            module = env["ir.module.module"].search(
                [("name", "=", "account_commission_oca")]
            )
        if not module:
            self.note(
                "OCA: account_commission_oca is not on the addons path; part 4 skipped"
            )
            self.results["parts"]["oca"] = {
                "skipped": "account_commission_oca not found"
            }
            return
        agreements = self._bench_partners(s["partners"])
        partner_ids = agreements.partner_id.ids
        self.commit()
        if module.state != "installed":
            self.log("part 4: installing account_commission_oca")
            start = time.perf_counter()
            module.button_immediate_install()
            self.results["oca_install_seconds"] = time.perf_counter() - start
        # The install rebuilt the registry: continue on a fresh cursor.
        self.env.cr.close()
        registry = odoo.modules.registry.Registry(self.env.cr.dbname)
        cr = registry.cursor()
        self.env = env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        self.meter.env = env
        for name, value in list(vars(self).items()):
            if isinstance(value, odoo.models.BaseModel):
                setattr(self, name, value.with_env(env))
        commission = env["commission"].create(
            {
                "name": "Bench 5% on payment",
                "commission_type": "fixed",
                "fix_qty": 5.0,
                "invoice_state": "paid",
                "amount_base_type": "gross_amount",
            }
        )
        agents = env["res.partner"].browse(partner_ids)
        agents.write(
            {"agent": True, "commission_id": commission.id, "settlement": "monthly"}
        )
        lines = self._invoice_lines()
        per_line = max(1, -(-s["rows"] // len(lines)))
        if per_line > len(agents):
            raise RuntimeError("not enough agents for the rows requested")
        self.log(
            "part 4: inserting %s agent lines (%s per invoice line)",
            s["rows"],
            per_line,
        )
        env.cr.execute(
            """
            WITH lines AS (
                SELECT row_number() OVER (ORDER BY id) - 1 AS n, *
                  FROM unnest(%(line_ids)s::int[], %(move_ids)s::int[],
                              %(bases)s::numeric[])
                       AS t(id, move_id, base)
            ), agents AS (
                SELECT row_number() OVER (ORDER BY id) - 1 AS n, id
                  FROM unnest(%(agent_ids)s::int[]) AS t(id)
            )
            INSERT INTO account_invoice_line_agent (
                object_id, agent_id, commission_id, amount, invoice_id, invoice_date,
                settled, company_id, create_uid, write_uid, create_date, write_date)
            SELECT l.id, a.id, %(commission)s, round(l.base * 0.05, 2), l.move_id,
                   %(day)s, false, %(company)s, 1, 1,
                   now() at time zone 'UTC', now() at time zone 'UTC'
              FROM generate_series(0, %(total)s - 1) g(i)
              JOIN lines l ON l.n = g.i / %(per_line)s
              JOIN agents a ON a.n = (g.i / %(per_line)s * %(per_line)s
                                      + g.i %% %(per_line)s) %% %(nagents)s
            """,
            {
                "line_ids": [r[0] for r in lines],
                "move_ids": [r[1] for r in lines],
                "bases": [r[4] for r in lines],
                "agent_ids": agents.ids,
                "commission": commission.id,
                "day": self.invoice_date,
                "company": self.company.id,
                "total": min(s["rows"], per_line * len(lines)),
                "per_line": per_line,
                "nagents": len(agents),
            },
        )
        inserted = env.cr.rowcount
        self.commit()
        wizard = env["commission.make.settle"].create(
            {"date_to": self.today, "settlement_type": "sale_invoice"}
        )
        self.log("part 4: OCA settlement (commission.make.settle.action_settle)")
        with self.meter.measure("settle_oca", count=inserted):
            wizard.action_settle()
        self.commit()
        oca_settlements = env["commission.settlement"].search([])
        with self.meter.measure("bill_oca", count=len(oca_settlements)):
            oca_settlements.make_invoices(
                self._journal("purchase"), self.fee_product, date=self.today
            )
        self.commit()
        settled_lines = env["commission.settlement.line"].search_count([])
        m = self.meter.get("settle_oca")
        b = self.meter.get("bill_oca")
        res = {
            "settlements": len(oca_settlements),
            "bill_seconds": b["seconds"],
            "bill_queries": b["queries"],
            "agent_lines": inserted,
            "agents": len(agents),
            "seconds": m["seconds"],
            "queries": m["queries"],
            "settlement_lines": settled_lines,
            "rows_per_second": inserted / m["seconds"] if m["seconds"] else None,
        }
        ours = self.results["parts"].get("settlement", {})
        if ours.get("seconds"):
            res["ratio_ours_to_oca"] = ours["seconds"] / m["seconds"]
        if ours.get("bill_seconds") and b["seconds"]:
            res["bill_ratio_ours_to_oca"] = ours["bill_seconds"] / b["seconds"]
            res["total_ratio_ours_to_oca"] = (
                ours["seconds"] + ours["bill_seconds"]
            ) / (m["seconds"] + b["seconds"])
        self.results["parts"]["oca"] = res
        if settled_lines != inserted:
            self.note(
                f"OCA: {settled_lines} settlement lines for {inserted} agent lines"
            )

    # ------------------------------------------------------------------ report

    def ledger_fingerprint(self):
        """The ledger's figures per state and kind, and their digest: two runs on the
        same data that give the same digest made the same rows with the same amounts.
        Read with SQL so that it measures what is stored, whatever the code computes."""
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT state, kind, count(*), sum(amount), sum(amount_company)
                 FROM revshare_line GROUP BY state, kind ORDER BY state, kind"""
        )
        rows = [
            (state, kind, count, f"{amount:.2f}", f"{company:.2f}")
            for state, kind, count, amount, company in self.env.cr.fetchall()
        ]
        digest = hashlib.sha256(repr(rows).encode()).hexdigest()[:16]
        return {"rows": rows, "digest": digest}

    def machine_facts(self):
        cr = self.env.cr
        cr.execute("SHOW server_version")
        pg = cr.fetchone()[0]
        settings = {}
        for name in ("shared_buffers", "fsync", "synchronous_commit"):
            cr.execute("SELECT current_setting(%s)", [name])
            settings[name] = cr.fetchone()[0]
        host = self.env.cr._cnx.info.host or "local socket"
        import odoo

        return {
            "cores": os.cpu_count(),
            "load_average": os.getloadavg(),
            "cpu": _cpu_model(),
            "python": platform.python_version(),
            "postgresql": pg,
            "postgresql_settings": settings,
            "postgresql_host": "unix socket" if host.startswith("/") else host,
            "odoo": odoo.release.version,
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        }


def _cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


@contextmanager
def _timed(records, method):
    """Wall time spent in ``method`` of ``records``' model inside the block (its
    class attribute wrapped, then restored): ``{"seconds": ...}``, filled at the end."""
    cls = type(records)
    original = getattr(cls, method)
    own = method in vars(cls)
    spent = {"seconds": 0.0}

    def timed(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            spent["seconds"] += time.perf_counter() - start

    setattr(cls, method, timed)
    try:
        yield spent
    finally:
        if own:
            setattr(cls, method, original)
        else:
            delattr(cls, method)


def _reset_peak_rss():
    """Reset the process's peak resident memory (Linux: VmHWM), so that the
    next :func:`_peak_rss_mib` is the peak of what runs in between."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
    except OSError:
        pass


def _peak_rss_mib():
    """Peak resident memory of the process since :func:`_reset_peak_rss` (MiB)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _fmt(value, digits=2):
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _row(*cells):
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _pair_median(on, off):
    """Median of the ratios of measures taken side by side (``on[i]`` next to
    ``off[i]``), None without pairs."""
    ratios = [a / b for a, b in zip(on, off, strict=True) if b]
    return statistics.median(ratios) if ratios else None


def _ratio(a, b):
    return a / b if a and b else None


def _render_cash_basis(p, sizes):
    """Rows of Odoo's cash-basis reference, next to our own payment ratios."""
    out = []
    cb = p.get("cash_basis") or {}
    for key, label in (
        ("batch", f"in batches of {sizes['batch']}"),
        ("single", "one by one"),
    ):
        m = cb.get(key)
        if not m:
            continue
        ours = p.get(key, {}).get("ratio")
        ours_median = p.get(key, {}).get("pair_median")
        out.append(
            _row(
                2,
                f"Odoo's cash-basis taxes (reference): pay {m['payments']:,} "
                f"invoices {label}, on-payment vs on-invoice tax, no agreement: "
                "seconds (queries per payment)",
                f"{_fmt(m['seconds_active'])} "
                f"({_fmt(m['queries_per_payment_active'], 1)})",
                f"{_fmt(m['seconds_inactive'])} "
                f"({_fmt(m['queries_per_payment_inactive'], 1)})",
                f"{_fmt(m['ratio'])} (median of pairs {_fmt(m.get('pair_median'))})",
                f"ours {_fmt(ours)} (median of pairs {_fmt(ours_median)}) "
                + (
                    "below"
                    if ours and m["ratio"] and ours < m["ratio"]
                    else "not below"
                ),
            )
        )
    out += _render_entry_floor(p)
    return out


def _render_entry_floor(p):
    """The row of the floor of a payment registered alone: Odoo's entry of our
    shape alone, against the whole extra of a cash-basis payment and ours."""
    floor = (p.get("cash_basis") or {}).get("entry_floor")
    caba = (p.get("cash_basis") or {}).get("single")
    ours = p.get("single")
    if not floor or not floor["entries"] or not caba or not ours:
        return []

    def extra_ms(m):
        return 1000 * (m["seconds_active"] - m["seconds_inactive"]) / m["payments"]

    entry_ms = 1000 * floor["seconds"] / floor["entries"]
    return [
        _row(
            2,
            f"Floor of a payment registered alone (reference): Odoo creating and "
            f"posting alone {floor['entries']:,} journal entries of {floor['lines']} "
            "lines, the shape the 10 agreements book (one payable line per payee, "
            "one expense line) / the extra time of a payment with cash-basis "
            "taxes: milliseconds each (queries)",
            f"{_fmt(entry_ms, 1)} ({_fmt(floor['queries_per_entry'], 1)})",
            _fmt(extra_ms(caba), 1),
            _fmt(_ratio(entry_ms, extra_ms(caba))),
            f"ours: {_fmt(extra_ms(ours), 1)} ms more per payment",
        )
    ]


def _render_fingerprint(fingerprint):
    if not fingerprint:
        return []
    return [
        "",
        "Ledger fingerprint (state, kind, rows, amount, company amount): "
        + fingerprint["digest"],
        *(f"- {', '.join(str(cell) for cell in row)}" for row in fingerprint["rows"]),
    ]


def _render_posting(parts):
    """The table rows of part 1: posting, then posting to alert-prone customers."""
    rows = []
    p = parts.get("posting")
    if p:
        rows.append(
            _row(
                1,
                f"Post {p['invoices']:,} invoices of 5 lines, 10 agreements "
                "(3 match each line): seconds",
                _fmt(p["seconds_active"]),
                _fmt(p["seconds_inactive"]),
                f"{_fmt(p['ratio'])} (median of pairs {_fmt(p.get('pair_median'))})",
                "<= 1.15",
            )
        )
        rows.append(
            _row(
                1,
                "Queries per invoice",
                _fmt(p["queries_per_invoice_active"], 1),
                _fmt(p["queries_per_invoice_inactive"], 1),
                "",
                "",
            )
        )
    p = parts.get("posting_alerts")
    if p:
        rows.append(
            _row(
                1,
                f"Post {p['invoices']:,} invoices to customers holding bank accounts "
                f"and VAT numbers ({p['alerts']:,} self-dealing alerts, "
                f"{p['partners']:,} partners more) / to plain customers: seconds",
                _fmt(p["seconds_alert_prone"]),
                _fmt(p["seconds_plain"]),
                _fmt(p["ratio"]),
                "",
            )
        )
        rows.append(
            _row(
                1,
                "Queries per invoice (alert-prone / plain)",
                _fmt(p["queries_per_invoice_alert_prone"], 1),
                _fmt(p["queries_per_invoice_plain"], 1),
                "",
                "",
            )
        )
    return rows


def _render_million(p):
    """Rows of part million (issue 30): the chunked cron and the check."""
    if not p or "seconds" not in p:
        return []
    m = f"{p['rows']:,} earned rows, {p['partners']:,} partners"
    rows = [
        _row(
            "M",
            f"Settlement cron, {m}, chunk by chunk (confirm and bill): seconds "
            "/ chunks / queries",
            f"{_fmt(p['seconds'])} / {p['chunks']} / {_fmt(p['queries'])}",
            "",
            "",
            "chunks committed",
        ),
        _row(
            "M",
            "Rows linked / settled / settlements",
            f"{_fmt(p['rows_linked'])} / {_fmt(p['rows_settled'])} / "
            f"{_fmt(p['settlements'])}",
            "",
            "",
            f"{p['rows']:,} / {p['rows']:,} / {p['partners']:,}",
        ),
        _row(
            "M",
            "Peak memory of the process (RSS, MiB): before the part / after",
            f"{_fmt(p['peak_rss_before_mib'], 0)} / {_fmt(p['peak_rss_mib'], 0)}",
            "",
            "",
            "< 1,024",
        ),
    ]
    if "shares_seconds" in p:
        total = p["shares_seconds"] + p.get("check_seconds", 0.0)
        speed = p["check_rows"] / p["shares_seconds"] if p["shares_seconds"] else None
        rows += [
            _row(
                "M",
                f"Integrity check, share step over the ledger ({p['check_rows']:,} "
                "rows; plain rules in SQL): seconds / rows per second / queries / "
                "mismatches",
                f"{_fmt(p['shares_seconds'])} / {_fmt(speed, 0)} / "
                f"{_fmt(p['shares_queries'])} / {p['shares_mismatches']}",
                "",
                "",
                "0 mismatches",
            ),
            _row(
                "M",
                "Peak memory of the share step alone (RSS, MiB)",
                _fmt(p["shares_peak_rss_mib"], 0),
                "",
                "",
                "< 1,024",
            ),
        ]
    if "check_seconds" in p:
        rows += [
            _row(
                "M",
                "Integrity check, the other steps: seconds / queries / mismatches",
                f"{_fmt(p['check_seconds'])} / {_fmt(p['check_queries'])} / "
                f"{p['check_mismatches']}",
                "",
                "",
                "",
            ),
            _row(
                "M",
                "Integrity check, all steps: seconds",
                _fmt(total) if "shares_seconds" in p else "",
                "",
                "",
                "<= 60 s",
            ),
            _row(
                "M",
                "Peak memory of the process after the check (RSS, MiB)",
                _fmt(p["check_peak_rss_mib"], 0),
                "",
                "",
                "",
            ),
        ]
    return rows


def render(results, sizes):
    """The result table (Markdown), machine facts first."""
    facts = results["facts"]
    parts = results["parts"]
    load_start = " ".join(f"{x:.2f}" for x in facts["load_average"])
    load_end = " ".join(f"{x:.2f}" for x in results.get("load_end", ()))
    out = [
        "# Partner revenue share benchmark",
        "",
        f"Machine: {facts['cores']} cores ({facts['cpu']}), PostgreSQL "
        f"{facts['postgresql']} on the same machine ({facts['postgresql_host']}; "
        + ", ".join(f"{k}={v}" for k, v in facts["postgresql_settings"].items())
        + f"), Odoo {facts['odoo']}, Python {facts['python']}; "
        f"load average (1, 5, 15 min) at start {load_start}, at end {load_end}; "
        f"{facts['date']}.",
        "",
        _row("#", "Measure", "Revenue share on", "Off / peer", "Ratio", "Target"),
        _row(*["---"] * 6),
    ]
    out += _render_posting(parts)
    p = parts.get("tenure")
    if p:
        out.append(
            _row(
                "tenure",
                f"Post {p['invoices']:,} invoices, 10 agreements with customer-month "
                "rules / the same with one rule: seconds",
                _fmt(p["seconds_tenure"]),
                _fmt(p["seconds_plain"]),
                _fmt(p["ratio"]),
                "<= 1.05",
            )
        )
        out.append(
            _row(
                "tenure",
                "Queries per invoice",
                _fmt(p["queries_per_invoice_tenure"], 1),
                _fmt(p["queries_per_invoice_plain"], 1),
                "",
                "",
            )
        )
    p = parts.get("payment")
    if p:
        for mode, label in (
            ("batch", f"in batches of {sizes['batch']}"),
            ("single", "one by one"),
        ):
            m = p[mode]
            out.append(
                _row(
                    2,
                    f"Pay {m['payments']:,} invoices {label} (register-payment "
                    "wizard): seconds",
                    _fmt(m["seconds_active"]),
                    _fmt(m["seconds_inactive"]),
                    f"{_fmt(m['ratio'])} (median of pairs "
                    f"{_fmt(m.get('pair_median'))})",
                    "<= 1.25" if mode == "batch" else "<= cash basis",
                )
            )
            out.append(
                _row(
                    2,
                    f"Queries per payment {label}: 10 agreements (3 match each "
                    "line) / off",
                    _fmt(m["queries_per_payment_active"], 1),
                    _fmt(m["queries_per_payment_inactive"], 1),
                    "",
                    "",
                )
            )
        per_p = p.get("periodic")
        for key, label in (
            ("batch", f"in batches of {sizes['batch']}"),
            ("single", "one by one"),
        ):
            m = (per_p or {}).get(key)
            if not m:
                continue
            out.append(
                _row(
                    2,
                    f"Pay {m['payments']:,} invoices {label}, 10 agreements booked by "
                    "periodic settlement: seconds (queries per payment)",
                    f"{_fmt(m['seconds_active'])} "
                    f"({_fmt(m['queries_per_payment_active'], 1)})",
                    f"{_fmt(m['seconds_inactive'])} "
                    f"({_fmt(m['queries_per_payment_inactive'], 1)})",
                    _fmt(m["ratio"]),
                    "<= 1.25",
                )
            )
        out += _render_cash_basis(p, sizes)
        per = p.get("per_agreements", {})
        for mode in ("entry", "periodic"):
            for label, key in (
                (f"in batches of {sizes['batch']}", "batch"),
                ("one by one", "single"),
            ):
                q10 = per.get(f"pay_{mode}_10", {}).get(key)
                q100 = per.get(f"pay_{mode}_100", {}).get(key)
                out.append(
                    _row(
                        2,
                        f"Queries per payment {label}, agreements booked by {mode}: "
                        "100 agreements (30 match each line) / 10 (3 match)",
                        _fmt(q100, 1),
                        _fmt(q10, 1),
                        _fmt(_ratio(q100, q10)),
                        "<= 1.20",
                    )
                )
    p = parts.get("check")
    if p and not p.get("skipped"):
        out.append(
            _row(
                "-",
                f"Integrity check over the ledger of parts 1-2 ({p['rows']:,} rows): "
                f"seconds / queries / mismatches",
                f"{_fmt(p['seconds'])} / {_fmt(p['queries'])} / {p['mismatches']}",
                "",
                "",
                "0 mismatches",
            )
        )
    p = parts.get("settlement")
    if p and p.get("skipped"):
        out.append(_row(3, "Settlement run", f"skipped: {p['skipped']}", "", "", ""))
    elif p:
        out.append(
            _row(
                3,
                f"Settlement run, {p['rows']:,} earned rows, {p['partners']:,} "
                "partners: seconds",
                _fmt(p["seconds"]),
                "",
                "",
                "<= 3 s",
            )
        )
        if p.get("link_seconds") is not None:
            out.append(
                _row(
                    3,
                    "Of which linking the rows (one `INSERT` into the link table, "
                    "the ledger's fast path): seconds",
                    _fmt(p["link_seconds"]),
                    "",
                    "",
                    "",
                )
            )
        out.append(
            _row(
                3,
                "Rows per second / queries / settlements",
                f"{_fmt(p['rows_per_second'], 0)} / {_fmt(p['queries'])} / "
                f"{_fmt(p['settlements'])}",
                "",
                "",
                "",
            )
        )
        out.append(
            _row(
                3,
                f"Confirm the settlements ({p['bills']:,} vendor bills): seconds / "
                "queries",
                f"{_fmt(p['bill_seconds'])} / {_fmt(p['bill_queries'])}",
                "",
                "",
                "",
            )
        )
    out += _render_million(parts.get("million"))
    p = parts.get("oca")
    if p and p.get("skipped"):
        out.append(_row(4, "OCA commission", f"skipped: {p['skipped']}", "", "", ""))
    elif p:
        ours = parts.get("settlement", {})
        out.append(
            _row(
                4,
                f"Settle {p['agent_lines']:,} lines of paid invoices for "
                f"{p['agents']:,} partners: ours vs OCA commission_oca "
                "(payment-based): seconds",
                _fmt(ours.get("seconds")),
                _fmt(p["seconds"]),
                _fmt(p.get("ratio_ours_to_oca")),
                "",
            )
        )
        out.append(
            _row(
                4,
                "Settlement queries: ours / OCA",
                _fmt(ours.get("queries")),
                _fmt(p["queries"]),
                "",
                "",
            )
        )
        out.append(
            _row(
                4,
                f"Vendor bills from the settlements (ours {ours.get('bills', 0):,}, "
                f"OCA {p['settlements']:,}): seconds",
                _fmt(ours.get("bill_seconds")),
                _fmt(p["bill_seconds"]),
                _fmt(p.get("bill_ratio_ours_to_oca")),
                "",
            )
        )
        out.append(
            _row(
                4,
                "Settle and bill, total: seconds",
                _fmt((ours.get("seconds") or 0) + (ours.get("bill_seconds") or 0)),
                _fmt(p["seconds"] + p["bill_seconds"]),
                _fmt(p.get("total_ratio_ours_to_oca")),
                "",
            )
        )
    out += render_payout(parts, _row, _fmt)
    for part, err in results.get("errors", {}).items():
        out.append(_row(part, f"failed: {err}".replace("\n", " "), "", "", "", ""))
    if results["notes"]:
        out += ["", "Notes:", *[f"- {n}" for n in results["notes"]]]
    out += ["", "Sizes: " + ", ".join(f"{k}={v}" for k, v in sizes.items())]
    out += _render_fingerprint(results.get("fingerprint"))
    return "\n".join(out) + "\n"


def main():
    args = parse_args()
    import odoo
    from odoo.tools import config

    config.parse_config(["-c", args.config, "-d", args.database, "--log-level=warn"])
    logging.getLogger("revshare.bench").setLevel(logging.INFO)
    preset = SMALL if args.small else FULL
    sizes = {
        key: getattr(args, key) if getattr(args, key) is not None else value
        for key, value in preset.items()
    }
    parts = {p.strip() for p in args.parts.split(",")}
    if args.million:
        parts.add("million")
    out = args.out or os.path.join(os.getcwd(), ".local", "bench")
    os.makedirs(out, exist_ok=True)

    registry = odoo.modules.registry.Registry(args.database)
    env = odoo.api.Environment(registry.cursor(), odoo.SUPERUSER_ID, {})
    bench = Bench(env, sizes, out)
    try:
        bench.results["facts"] = bench.machine_facts()
        bench.results["errors"] = {}
        bench.setup_data()
        steps = [
            ("1", bench.part_posting),
            ("tenure", bench.part_tenure),
            ("2", bench.part_payment),
            ("check", bench.part_check),
            ("3", bench.part_settlement),
            ("payout", lambda: part_payout(bench)),
            ("4", bench.part_oca),
            ("million", bench.part_million),
        ]
        for part, step in steps:
            if part not in parts:
                continue
            try:
                step()
            except Exception as error:  # noqa: BLE001 - report it in the table, go on
                bench.env.cr.rollback()
                traceback.print_exc()
                bench.results["errors"][part] = f"{type(error).__name__}: {error}"[:200]
            bench.results["load_end"] = os.getloadavg()
            _write(out, bench.results, sizes)
        bench.results["fingerprint"] = bench.ledger_fingerprint()
        _write(out, bench.results, sizes)
        table = render(bench.results, sizes)
        sys.stdout.write(table)
    finally:
        bench.env.cr.close()


def _write(out, results, sizes):
    with open(os.path.join(out, "results.json"), "w", encoding="utf-8") as f:
        json.dump({"sizes": sizes, **results}, f, indent=2, default=str)
    with open(os.path.join(out, "results.md"), "w", encoding="utf-8") as f:
        f.write(render(results, sizes))


if __name__ == "__main__":
    main()
