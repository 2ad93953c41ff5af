"""Load test of the revenue share suite under a real multi-worker Odoo.

Run it with ``setup/loadtest.sh``, which builds the database, starts and restarts the
server and calls the three steps of this script::

    python tests/benchmarks/loadtest_revshare.py setup -c ODOO_CONF -d DB
    python tests/benchmarks/loadtest_revshare.py run --url URL -d DB --duration 120
    python tests/benchmarks/loadtest_revshare.py check -c ODOO_CONF -d DB --run RUN_JSON

``setup`` and ``check`` work inside Odoo (its registry, like ``odoo-bin shell``), the
server stopped. ``run`` only talks JSON-RPC to the server on the loopback: 8 clients
(threads) post invoices, register payments (single and grouped), unreconcile some and
issue credit notes in four equal phases, the payment agreements suspended, active,
active, suspended (``PHASES``); one client runs the settlement cron meanwhile. The
kill step (``kill``) posts invoices for many periodic agreements, starts the
settlement cron and SIGKILLs the worker running it once a batch of partners is
committed. ``check`` then runs the integrity check and recounts the earned rows from
the partials. Any failed RPC other than a serialization conflict that Odoo gave up
retrying fails the run.
"""

import argparse
import glob
import http.client
import json
import logging
import os
import random
import signal
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import date, timedelta

_logger = logging.getLogger("revshare.loadtest")

CLIENTS = 8
PAYMENT_AGREEMENTS = 10
# The load's phases, agreements suspended ("off") or active ("on"), of equal time:
# off-on-on-off, so that a drift over the run (the database grows, the machine's
# load changes) weighs on both sides alike instead of on the second half only.
PHASES = ("off", "on", "on", "off")
# Errors an RPC may end with under load that are not failures: Odoo retries
# serialization conflicts itself and gives up after 5 tries.
CONFLICTS = ("SerializationFailure", "DeadlockDetected", "LockNotAvailable")


def _dates():
    today = date.today()
    first = today.replace(day=1)
    return first - timedelta(days=20), first - timedelta(days=5)


# --------------------------------------------------------------------------- setup


def _env(conf, db):
    import odoo
    from odoo.tools import config

    config.parse_config(["-c", conf, "-d", db, "--log-level=warn"])
    registry = odoo.modules.registry.Registry(db)
    return odoo.api.Environment(registry.cursor(), odoo.SUPERUSER_ID, {})


def cmd_setup(args):
    """Data of the load test (committed): products, customers, 10 payment agreements
    (6 entry, 2 bill, 2 periodic: each matching every line) and ``--partners``
    periodic agreements on a product of their own, for the settlement run that is
    killed."""
    env = _env(args.config, args.database)
    from odoo import Command, fields

    company = env.company
    bank = env["account.journal"].search(
        [*env["account.journal"]._check_company_domain(company), ("type", "=", "bank")],
        limit=1,
    )
    methods = bank.inbound_payment_method_line_ids.filtered(
        lambda line: not line.payment_account_id
    )
    if methods:
        outstanding = env["account.account"].create(
            {
                "name": "Load outstanding receipts",
                "code": "101497",
                "account_type": "asset_current",
                "reconcile": True,
            }
        )
        methods.write({"payment_account_id": outstanding.id})
    expense = env["account.account"].search(
        [
            *env["account.account"]._check_company_domain(company),
            ("account_type", "=", "expense"),
        ],
        limit=1,
    )
    fee = env["product.product"].create(
        {"name": "Load fee", "type": "service", "supplier_taxes_id": [Command.clear()]}
    )
    products = env["product.product"].create(
        [
            {"name": f"Load product {i}", "type": "service", "list_price": 100.0 + i}
            for i in range(2)
        ]
    )
    settle_product = env["product.product"].create(
        {"name": "Load settlement product", "type": "service", "list_price": 1000.0}
    )
    customers = env["res.partner"].create(
        [{"name": f"Load customer {i}"} for i in range(CLIENTS * 5)]
    )
    beneficiaries = env["res.partner"].create(
        [{"name": f"Load beneficiary {j}"} for j in range(PAYMENT_AGREEMENTS)]
    )
    modes = ["entry"] * 6 + ["bill"] * 2 + ["periodic"] * 2
    payment_agreements = env["revshare.agreement"].create(
        [
            {
                "name": f"Load {modes[j]} {j}",
                "partner_id": beneficiaries[j].id,
                "role": "reseller",
                "trigger": "payment",
                "settlement_mode": modes[j],
                "settlement_period": "monthly",
                "expense_account_id": expense.id,
                "product_id": fee.id,
                "product_ids": [Command.set(products.ids)],
                "rule_ids": [Command.create({"compute": "percent", "rate": 1.0 + j})],
            }
            for j in range(PAYMENT_AGREEMENTS)
        ]
    )
    settle_partners = env["res.partner"].create(
        [{"name": f"Load settled partner {j}"} for j in range(args.partners)]
    )
    settle_agreements = env["revshare.agreement"].create(
        [
            {
                "name": f"Load periodic {j}",
                "partner_id": settle_partners[j].id,
                "trigger": "invoice",
                "settlement_mode": "periodic",
                "settlement_period": "monthly",
                "expense_account_id": expense.id,
                "product_id": fee.id,
                "product_ids": [Command.set(settle_product.ids)],
                "rule_ids": [Command.create({"compute": "percent", "rate": 0.05})],
            }
            for j in range(args.partners)
        ]
    )
    (payment_agreements | settle_agreements).action_activate()
    sale = env["account.journal"].search(
        [*env["account.journal"]._check_company_domain(company), ("type", "=", "sale")],
        limit=1,
    )
    cron = env.ref("partner_revshare.ir_cron_revshare_settle")
    # Only the clients run the settlement (and it is not run twice at once): the cron
    # worker would start the daily jobs due at install as soon as the server starts.
    tomorrow = fields.Datetime.now() + timedelta(days=1)
    cron.nextcall = tomorrow
    env.ref("partner_revshare.ir_cron_revshare_check").nextcall = tomorrow
    facts = {
        "company": company.id,
        "products": products.ids,
        "settle_product": settle_product.id,
        "customers": customers.ids,
        "payment_agreements": payment_agreements.ids,
        "settle_agreements": settle_agreements.ids,
        "sale_journal": sale.id,
        "bank_journal": bank.id,
        "settle_cron": cron.id,
    }
    env.cr.commit()
    env.cr.close()
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(facts, f)


# --------------------------------------------------------------------------- RPC


class RpcError(Exception):
    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.conflict = any(c in name or c in message for c in CONFLICTS)


class Rpc:
    """JSON-RPC ``execute_kw`` on the server, as the administrator."""

    def __init__(self, url, db, login="admin", password="admin"):
        self.url = url.rstrip("/") + "/jsonrpc"
        self.db = db
        self.password = password
        self.uid = self._call("common", "login", [db, login, password])

    def _call(self, service, method, args, timeout=900):
        payload = json.dumps(
            {
                "jsonrpc": "2.0",
                "method": "call",
                "params": {"service": service, "method": method, "args": args},
            }
        ).encode()
        request = urllib.request.Request(
            self.url, payload, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            reply = json.loads(response.read())
        if reply.get("error"):
            data = reply["error"].get("data") or {}
            raise RpcError(
                data.get("name", "error"), data.get("message", str(reply["error"]))
            )
        return reply.get("result")

    def __call__(self, model, method, *args, **kwargs):
        return self._call(
            "object",
            "execute_kw",
            [self.db, self.uid, self.password, model, method, list(args), kwargs],
        )


class Stats:
    """Latencies per action and phase, payments, conflicts and failures (shared by
    the client threads)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latency = {}
        self.payments = {}
        self.conflicts = 0
        self.failures = []

    def add(self, phase, action, seconds, payments=0):
        with self.lock:
            self.latency.setdefault((phase, action), []).append(seconds)
            self.payments[phase] = self.payments.get(phase, 0) + payments

    def error(self, phase, action, error):
        with self.lock:
            if isinstance(error, RpcError) and error.conflict:
                self.conflicts += 1
            else:
                self.failures.append(f"{phase} {action}: {error}")


class Client(threading.Thread):
    """One user: posts invoices of its own customers, pays them alone or grouped,
    unreconciles some payments and issues credit notes."""

    def __init__(self, index, args, facts, stats, phase, deadline, settle_every=0):
        super().__init__(daemon=True)
        self.index = index
        self.rpc = Rpc(args.url, args.database)
        self.facts = facts
        self.stats = stats
        self.phase = phase
        self.deadline = deadline
        self.settle_every = settle_every
        self.random = random.Random(index)
        self.customers = facts["customers"][index * 5 : index * 5 + 5]
        self.open = []  # posted, unpaid invoices: (id, customer)
        self.paid_payments = []
        self.invoice_date, self.payment_date = _dates()

    def run(self):
        next_settle = time.monotonic() + self.settle_every
        while time.monotonic() < self.deadline:
            if self.settle_every and time.monotonic() >= next_settle:
                next_settle = time.monotonic() + self.settle_every
                self._timed("settle", self.settle)
                continue
            roll = self.random.random()
            if roll < 0.4 or len(self.open) < 3:
                self._timed("post", self.post)
            elif roll < 0.65:
                self._timed("pay", self.pay_single, payments=1)
            elif roll < 0.8:
                self._timed("pay_grouped", self.pay_grouped, payments=1)
            elif roll < 0.9 and self.paid_payments:
                self._timed("unreconcile", self.unreconcile)
            else:
                self._timed("credit_note", self.credit_note)

    def _timed(self, action, func, payments=0):
        start = time.perf_counter()
        try:
            done = func()
        except (RpcError, urllib.error.URLError, OSError) as error:
            self.stats.error(self.phase, action, error)
            return
        self.stats.add(
            self.phase, action, time.perf_counter() - start, payments if done else 0
        )

    def post(self):
        customer = self.random.choice(self.customers)
        lines = [
            (
                0,
                0,
                {
                    "product_id": product,
                    "quantity": 1 + self.random.randrange(3),
                    "price_unit": 100.0 + self.random.randrange(50),
                    "tax_ids": [(5, 0, 0)],
                },
            )
            for product in self.facts["products"]
        ]
        move_id = self.rpc(
            "account.move",
            "create",
            {
                "move_type": "out_invoice",
                "partner_id": customer,
                "invoice_date": str(self.invoice_date),
                "date": str(self.invoice_date),
                "journal_id": self.facts["sale_journal"],
                "invoice_line_ids": lines,
            },
        )
        self.rpc("account.move", "action_post", [move_id])
        self.open.append((move_id, customer))
        return True

    def _register(self, invoice_ids, group):
        context = {"active_model": "account.move", "active_ids": invoice_ids}
        wizard = self.rpc(
            "account.payment.register",
            "create",
            {
                "payment_date": str(self.payment_date),
                "journal_id": self.facts["bank_journal"],
                "group_payment": group,
            },
            context=context,
        )
        self.rpc(
            "account.payment.register",
            "action_create_payments",
            [wizard],
            context=context,
        )
        for record in self.rpc(
            "account.move", "read", invoice_ids, ["matched_payment_ids"]
        ):
            self.paid_payments += record["matched_payment_ids"]

    def pay_single(self):
        move_id, __ = self.open.pop(0)
        self._register([move_id], False)
        return True

    def pay_grouped(self):
        customer = self.open[0][1]
        same = [m for m, c in self.open if c == customer][:3]
        self.open = [(m, c) for m, c in self.open if m not in same]
        self._register(same, True)
        return True

    def unreconcile(self):
        payment = self.paid_payments.pop(self.random.randrange(len(self.paid_payments)))
        self.rpc("account.payment", "action_draft", [payment])
        self.rpc("account.payment", "action_cancel", [payment])
        return True

    def credit_note(self):
        move_id, __ = self.open.pop()
        context = {"active_model": "account.move", "active_ids": [move_id]}
        wizard = self.rpc(
            "account.move.reversal",
            "create",
            {"reason": "load test", "journal_id": self.facts["sale_journal"]},
            context=context,
        )
        action = self.rpc(
            "account.move.reversal", "refund_moves", [wizard], context=context
        )
        refund = (
            action.get("res_id")
            or self.rpc(
                "account.move",
                "search",
                [("reversed_entry_id", "=", move_id)],
                limit=1,
            )[0]
        )
        self.rpc("account.move", "action_post", [refund])
        return True

    def settle(self):
        self.rpc("ir.cron", "method_direct_trigger", [self.facts["settle_cron"]])
        return True


def _percentile(values, q):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def run_phase(args, facts, stats, phase, seconds):
    clients = [
        Client(i, args, facts, stats, phase, 0, settle_every=10 if i == 0 else 0)
        for i in range(CLIENTS)
    ]
    start = time.monotonic()
    for client in clients:
        client.deadline = start + seconds
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    return time.monotonic() - start


def cmd_run(args):
    with open(args.facts, encoding="utf-8") as f:
        facts = json.load(f)
    stats = Stats()
    admin = Rpc(args.url, args.database)
    # Every worker loads the registry on its first request: warm them all first.
    warm = [
        threading.Thread(
            target=lambda: Rpc(args.url, args.database)(
                "account.move", "search_count", []
            )
        )
        for __ in range(CLIENTS * 2)
    ]
    for thread in warm:
        thread.start()
    for thread in warm:
        thread.join()
    seconds = {"off": 0.0, "on": 0.0}
    active = None
    for phase in PHASES:
        if phase != active:
            method = "action_activate" if phase == "on" else "action_suspend"
            admin("revshare.agreement", method, facts["payment_agreements"])
            active = phase
        seconds[phase] += run_phase(
            args, facts, stats, phase, args.duration / len(PHASES)
        )
    result = {
        "clients": CLIENTS,
        "duration": args.duration,
        "phases": list(PHASES),
        "seconds": seconds,
        "payments": stats.payments,
        "conflicts_given_up": stats.conflicts,
        "failures": stats.failures,
        "latency": {},
    }
    for (phase, action), values in sorted(stats.latency.items()):
        result["latency"][f"{phase} {action}"] = {
            "count": len(values),
            "p50": _percentile(values, 0.5),
            "p95": _percentile(values, 0.95),
            "mean": statistics.fmean(values),
        }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
    return 1 if stats.failures else 0


def cmd_kill(args):
    """Post invoices for the periodic agreements of ``setup``, start the settlement
    cron over RPC chunk by chunk as Odoo's cron runner calls it (a chunk of about
    20 statements per call, committed when the call returns) and SIGKILL the
    worker running it once 100 statements are committed."""
    import psycopg2

    with open(args.facts, encoding="utf-8") as f:
        facts = json.load(f)
    rpc = Rpc(args.url, args.database)
    invoice_date, __ = _dates()
    for customer in facts["customers"][: args.invoices]:
        move_id = rpc(
            "account.move",
            "create",
            {
                "move_type": "out_invoice",
                "partner_id": customer,
                "invoice_date": str(invoice_date),
                "date": str(invoice_date),
                "journal_id": facts["sale_journal"],
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": facts["settle_product"],
                            "quantity": 1,
                            "price_unit": 1000.0,
                            "tax_ids": [(5, 0, 0)],
                        },
                    )
                ],
            },
        )
        rpc("account.move", "action_post", [move_id])
    # About 20 statements per call of the cron (one chunk, committed when the call
    # returns): the worker is killed in the middle of a later chunk.
    rpc(
        "ir.config_parameter",
        "set_param",
        "partner_revshare.settlement_chunk_rows",
        str(max(args.invoices, 1) * 20),
    )
    cnx = psycopg2.connect(dbname=args.database)
    cnx.autocommit = True
    cur = cnx.cursor()
    cur.execute("SELECT count(*) FROM revshare_settlement")
    before = cur.fetchone()[0]
    outcome = {}
    # The worker serving a call is the one holding its HTTP connection (Odoo's
    # application_name carries the master's pid, not the worker's).
    current = {}

    def settle():
        """Call the cron as its runner does, chunk after chunk, until a call
        settles nothing more (or the worker serving it is killed)."""
        settled = -1
        try:
            while True:
                conn = http.client.HTTPConnection(
                    urllib.parse.urlsplit(args.url).netloc, timeout=900
                )
                conn.connect()
                current["port"] = conn.sock.getsockname()[1]
                payload = json.dumps(
                    {
                        "jsonrpc": "2.0",
                        "method": "call",
                        "params": {
                            "service": "object",
                            "method": "execute_kw",
                            "args": [
                                rpc.db,
                                rpc.uid,
                                rpc.password,
                                "ir.cron",
                                "method_direct_trigger",
                                [facts["settle_cron"]],
                                {},
                            ],
                        },
                    }
                )
                conn.request(
                    "POST", "/jsonrpc", payload, {"Content-Type": "application/json"}
                )
                outcome["reply"] = conn.getresponse().read().decode()[:300]
                conn.close()
                count = rpc("revshare.settlement", "search_count", [])
                if count == settled:
                    return
                settled = count
        except (OSError, http.client.HTTPException) as error:
            outcome["error"] = repr(error)

    thread = threading.Thread(target=settle, daemon=True)
    thread.start()
    killed = None
    committed = 0
    deadline = time.monotonic() + 600
    while thread.is_alive() and time.monotonic() < deadline:
        cur.execute("SELECT count(*) FROM revshare_settlement")
        committed = cur.fetchone()[0] - before
        if committed >= 100 and current.get("port"):
            killed = _worker_of(current["port"])
            if killed:
                os.kill(killed, signal.SIGKILL)
                break
        time.sleep(0.05)
    thread.join(60)
    cur.execute("SELECT count(*) FROM revshare_settlement")
    result = {
        "killed_pid": killed,
        "settlements_before_kill": committed,
        "settlements_after_kill": cur.fetchone()[0] - before,
        "rpc": outcome,
    }
    cnx.close()
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
    if not killed:
        sys.stderr.write("the settlement run ended before a worker could be killed\n")
        return 1
    return 0


def _worker_of(client_port):
    """Pid of the process holding the server end of our TCP connection from
    ``client_port`` (found through /proc/net/tcp and the processes' sockets)."""
    inodes = set()
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path, encoding="ascii") as f:
                next(f)
                for line in f:
                    cols = line.split()
                    remote_port = int(cols[2].rsplit(":", 1)[1], 16)
                    if remote_port == client_port and cols[3] == "01":
                        inodes.add(cols[9])
        except OSError:
            continue
    for fd in glob.glob("/proc/[0-9]*/fd/*"):
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            pid = int(fd.split("/")[2])
            if pid != os.getpid():
                return pid
    return None


def cmd_settle(args):
    """Finish the settlement run: call the cron until a call settles nothing."""
    with open(args.facts, encoding="utf-8") as f:
        facts = json.load(f)
    rpc = Rpc(args.url, args.database)
    settled = -1
    while True:
        rpc("ir.cron", "method_direct_trigger", [facts["settle_cron"]])
        count = rpc("revshare.settlement", "search_count", [])
        if count == settled:
            return 0
        settled = count


# --------------------------------------------------------------------------- check

RECOUNT = {
    # A live cash partial of an invoice earns one row per expected row of a
    # payment agreement active when it was created: missing ones.
    "missing earned rows": """
        SELECT count(*) FROM account_partial_reconcile p
          JOIN account_move_line d ON d.id = p.debit_move_id
          JOIN account_move_line c ON c.id = p.credit_move_id
          JOIN account_move dm ON dm.id = d.move_id
          JOIN account_account da ON da.id = d.account_id
          JOIN account_move inv ON inv.id = CASE
               WHEN da.account_type = 'asset_receivable'
                AND dm.move_type IN ('out_invoice', 'out_refund')
               THEN d.move_id ELSE c.move_id END
          JOIN account_move cash ON cash.id = CASE WHEN inv.id = d.move_id
               THEN c.move_id ELSE d.move_id END
          JOIN revshare_line e ON e.invoice_id = inv.id AND e.state = 'expected'
         WHERE inv.move_type IN ('out_invoice', 'out_refund')
           AND cash.origin_payment_id IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM revshare_line r
                            WHERE r.partial_id = p.id AND r.expected_line_id = e.id
                              AND r.kind IN ('share', 'clawback'))
    """,
    "duplicated earned rows": """
        SELECT count(*) FROM (
            SELECT partial_id, expected_line_id FROM revshare_line
             WHERE partial_id IS NOT NULL AND kind IN ('share', 'clawback')
             GROUP BY 1, 2 HAVING count(*) > 1) t
    """,
    # The earned row of a removed partial is reversed once; one of a live
    # partial is not reversed.
    "rows of removed partials not reversed once": """
        SELECT count(*) FROM revshare_line r
         WHERE r.expected_line_id IS NOT NULL AND r.kind IN ('share', 'clawback')
           AND r.state IN ('earned', 'settled')
           AND (r.partial_id IS NULL) != ((SELECT count(*) FROM revshare_line v
                                            WHERE v.reversed_line_id = r.id) = 1)
    """,
    "booked rows without their document line": """
        SELECT count(*) FROM revshare_line
         WHERE move_id IS NOT NULL AND move_line_id IS NULL
    """,
    # An entry's payable line books exactly the rows linked to it.
    "entry lines that differ from their rows": """
        SELECT count(*) FROM (
            SELECT l.id FROM revshare_line r
              JOIN account_move_line l ON l.id = r.move_line_id
              JOIN account_move m ON m.id = l.move_id AND m.move_type = 'entry'
             GROUP BY l.id, l.balance
            HAVING round(sum(r.amount_company), 2) != round(-l.balance, 2)) t
    """,
    "rows of the killed run settled twice or not at all": """
        SELECT count(*) FROM revshare_line r
          JOIN revshare_agreement a ON a.id = r.agreement_id
         WHERE a.id = ANY(%(settle_agreements)s) AND r.state IN ('earned', 'settled')
           AND NOT EXISTS (SELECT 1 FROM revshare_settlement_line_rel link
                            WHERE link.line_id = r.id)
    """,
    "partners of the killed run with more than one live settlement": """
        SELECT count(*) FROM (
            SELECT s.partner_id FROM revshare_settlement s
             WHERE s.partner_id IN (SELECT partner_id FROM revshare_agreement
                                     WHERE id = ANY(%(settle_agreements)s))
               AND s.workflow_state != 'cancelled'
             GROUP BY s.partner_id, s.date_to HAVING count(*) > 1) t
    """,
}


def cmd_check(args):
    with open(args.facts, encoding="utf-8") as f:
        facts = json.load(f)
    env = _env(args.config, args.database)
    invoice_date, __ = _dates()
    found = env["revshare.check"]._revshare_check(
        env.company, invoice_date.replace(day=1), date.today()
    )
    result = {"integrity_mismatches": len(found), "examples": [], "recount": {}}
    result["examples"] = [vals["message"] for vals in found[:5]]
    for name, query in RECOUNT.items():
        env.cr.execute(query, {"settle_agreements": facts["settle_agreements"]})
        result["recount"][name] = env.cr.fetchone()[0]
    env.cr.execute(
        "SELECT count(*), count(DISTINCT partial_id) FROM revshare_line "
        "WHERE kind IN ('share', 'clawback') AND partial_id IS NOT NULL"
    )
    result["earned_rows"], result["partials"] = env.cr.fetchone()
    env.cr.close()
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
    bad = result["integrity_mismatches"] + sum(result["recount"].values())
    return 1 if bad else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("step", choices=("setup", "run", "kill", "settle", "check"))
    parser.add_argument("-c", "--config")
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--url")
    parser.add_argument("--duration", type=float, default=120.0)
    parser.add_argument("--partners", type=int, default=300)
    parser.add_argument("--invoices", type=int, default=5)
    parser.add_argument("--facts")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.step == "setup":
        args.out = args.out or args.facts
        cmd_setup(args)
        return 0
    return {
        "run": cmd_run,
        "kill": cmd_kill,
        "settle": cmd_settle,
        "check": cmd_check,
    }[args.step](args)


if __name__ == "__main__":
    sys.exit(main())
