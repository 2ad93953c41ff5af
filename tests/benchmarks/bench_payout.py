"""Part ``payout`` of the benchmark (``bench_revshare.py --parts payout``).

Pays ``payouts`` confirmed statements (one per partner, bills posted) with one payout
batch (``action_create_payout`` then ``action_pay``) against Odoo's register-payment
of the same kind of bills without our batch (vendor bills of the same partners and
amounts, the wizard grouped on all of them), same journal, method and date. Two rounds
of half the statements, the sides' order alternated, so that a load change hits both.
"""

from datetime import timedelta

from stdnum import iban as stdnum_iban

TARGET_RATIO = 1.2


def _iban(number):
    bban = f"37040044{number:010d}"
    return "DE" + stdnum_iban.calc_check_digits("DE00" + bban) + bban


def _partners(bench, count):
    """``count`` partners with a valid IBAN each, and a periodic agreement each
    whose bills are posted at once."""
    env = bench.env
    partners = env["res.partner"].create(
        [{"name": f"Bench payee {j}"} for j in range(count)]
    )
    env["res.partner.bank"].create(
        [
            {"acc_number": _iban(900000 + j), "partner_id": partner.id}
            for j, partner in enumerate(partners)
        ]
    )
    agreements = env["revshare.agreement"].create(
        [
            bench._periodic_agreement_vals(
                partner, f"Bench payout {j}", rate=10.0, bill_auto_post=True
            )
            for j, partner in enumerate(partners)
        ]
    )
    agreements.action_activate()
    return partners, agreements


def _statements(bench, agreements):
    """One confirmed statement per agreement, owing 10.00, its bill posted."""
    env = bench.env
    env["revshare.line"].sudo().create(
        [
            {
                "agreement_id": agreement.id,
                "partner_id": agreement.partner_id.id,
                "company_id": agreement.company_id.id,
                "currency_id": agreement.currency_id.id,
                "date": bench.invoice_date,
                "base_amount": 100.0,
                "rate": 10.0,
                "amount": 10.0,
                "amount_company": 10.0,
                "state": "earned",
            }
            for agreement in agreements
        ]
    )
    day = bench.today.replace(day=1) - timedelta(days=1)
    return env["revshare.settlement"]._revshare_run(
        day, agreements=agreements, confirm=True
    )


def _bills(bench, partners):
    """Vendor bills of 10.00 of ``partners``, posted: Odoo's side."""
    env = bench.env
    Command = __import__("odoo").fields.Command
    bills = env["account.move"].create(
        [
            {
                "move_type": "in_invoice",
                "partner_id": partner.id,
                "invoice_date": bench.invoice_date,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": bench.fee_product.id,
                            "price_unit": 10.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
            for partner in partners
        ]
    )
    bills._post(soft=False)
    return bills


def _pay_ours(bench, statements, journal):
    with bench.meter.measure("payout_ours", count=len(statements)):
        action = statements.action_create_payout()
        payout = bench.env["revshare.payout"].browse(action["res_id"])
        payout.write({"date": bench.payment_date, "journal_id": journal.id})
        payout.action_pay()
    return payout


def _pay_odoo(bench, bills, journal):
    payable = bills.line_ids.filtered(
        lambda line: line.account_type == "liability_payable"
    )
    with bench.meter.measure("payout_odoo", count=len(bills)):
        wizard = (
            bench.env["account.payment.register"]
            .with_context(active_model="account.move.line", active_ids=payable.ids)
            .create(
                {
                    "payment_date": bench.payment_date,
                    "journal_id": journal.id,
                    "payment_method_line_id": journal.outbound_payment_method_line_ids[
                        :1
                    ].id,
                    "group_payment": True,
                }
            )
        )
        payments = wizard._create_payments()
    return payments


def part_payout(bench):
    count = bench.sizes["payouts"]
    env = bench.env
    journal = bench._journal("bank")
    if not journal.bank_account_id:
        journal.bank_acc_number = "FR7630006000011234567890189"
    bench.log("part payout: %s partners, statements and bills", count)
    partners, agreements = _partners(bench, count)
    statements = _statements(bench, agreements)
    bills = _bills(bench, partners)
    bench.commit()
    half = count // 2
    halves = [
        (statements[:half], bills[:half]),
        (statements[half:], bills[half:]),
    ]
    paid_ours, paid_odoo = 0, 0
    for index, (ours, odoo_bills) in enumerate(halves):
        sides = [("ours", ours), ("odoo", odoo_bills)]
        if index % 2:
            sides.reverse()
        for side, records in sides:
            bench.log("part payout: round %s, %s side", index + 1, side)
            if side == "ours":
                payout = _pay_ours(bench, records, journal)
                paid_ours += len(payout.payment_ids)
            else:
                paid_odoo += len(_pay_odoo(bench, records, journal))
            bench.commit()
    ours = bench.meter.get("payout_ours")
    odoo = bench.meter.get("payout_odoo")
    unpaid = statements.filtered(lambda s: s.state != "paid")
    bench.results["parts"]["payout"] = {
        "statements": count,
        "payments_ours": paid_ours,
        "payments_odoo": paid_odoo,
        "seconds_ours": ours["seconds"],
        "seconds_odoo": odoo["seconds"],
        "queries_ours": ours["queries"],
        "queries_odoo": odoo["queries"],
        "ratio": ours["seconds"] / odoo["seconds"] if odoo["seconds"] else None,
        "unpaid_statements": len(unpaid),
    }
    env.invalidate_all()


def render_payout(parts, row, fmt):
    """The part's rows of the result table: our batch against Odoo's grouped
    register-payment of the same bills."""
    p = parts.get("payout")
    if not p:
        return []
    return [
        row(
            "payout",
            f"Pay {p['statements']:,} statements in one batch, seconds "
            f"(queries {p['queries_ours']:,} vs {p['queries_odoo']:,}; payments "
            f"{p['payments_ours']:,} vs {p['payments_odoo']:,}; unpaid after: "
            f"{p['unpaid_statements']})",
            fmt(p["seconds_ours"]),
            fmt(p["seconds_odoo"]),
            fmt(p["ratio"]),
            f"<= {TARGET_RATIO}",
        )
    ]
