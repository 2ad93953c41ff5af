import re
from collections import defaultdict
from statistics import median

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import SQL

from .revshare_line_states import PAID_STATES

# Mail providers anyone can use: a shared domain of these says nothing. A short
# list of the largest, on purpose: a rarer public domain only raises an alert a
# manager dismisses.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "web.de",
        "orange.fr",
        "free.fr",
        "laposte.net",
        "example.com",
    }
)


def _clean(value):
    """A bank account, VAT number or address as compared: letters and digits,
    lower case."""
    return re.sub(r"[\W_]+", "", value or "").lower()


class RevshareAlertDetection(models.AbstractModel):
    """How alerts are found, on the paths we already run: at posting, from the
    rows it just made (one batch, two grouped reads of the parties' details,
    whatever the number of partners), and by a daily cron for spikes."""

    _name = "revshare.alert.detection"
    _description = "Revenue Share Alert: detection"

    @api.model
    def _revshare_detect(self, rows):
        """Raise the alerts of the rows posting just made."""
        rows = rows.sudo()
        # The positive shares by agreement and invoice, grouped once: what the
        # self-dealing and deep-discount alerts look at.
        shares = rows.filtered(lambda r: r.kind == "share" and r.amount > 0)
        groups = shares.grouped(lambda r: (r.agreement_id, r.invoice_id))
        vals_list = (
            self._revshare_self_dealing_vals(groups)
            + self._revshare_deep_discount_vals(groups)
            + self._revshare_quick_clawback_vals(rows)
        )
        return self.env["revshare.alert"]._revshare_raise(vals_list)

    @api.model
    def _revshare_alert_vals(self, kind, rows, reason):
        row = rows[0]
        return {
            "kind": kind,
            "company_id": row.company_id.id,
            "partner_id": row.partner_id.id,
            "agreement_id": row.agreement_id.id,
            "customer_id": row.customer_id.id,
            "invoice_id": row.invoice_id.id,
            "line_ids": [fields.Command.set(rows.ids)],
            "amount": row.company_currency_id.round(sum(rows.mapped("amount_company"))),
            "reason": reason,
        }

    @api.model
    def _revshare_party_details(self, commercial_ids):
        """{commercial partner id: {signal: {(cleaned value, shown value)}}} of
        the commercial partners ``commercial_ids`` and their contacts: two
        grouped queries for the batch."""
        details = defaultdict(lambda: defaultdict(set))
        if not commercial_ids:
            return details
        self.env["res.partner"].flush_model(
            ["commercial_partner_id", "vat", "street", "zip", "email"]
        )
        self.env["res.partner.bank"].flush_model(["partner_id", "acc_number"])
        ids = tuple(commercial_ids)
        self.env.cr.execute(
            SQL(
                """SELECT commercial_partner_id, vat, street, zip, email
                     FROM res_partner WHERE commercial_partner_id IN %s""",
                ids,
            )
        )
        for commercial_id, vat, street, zip_code, email in self.env.cr.fetchall():
            signals = details[commercial_id]
            if _clean(vat):
                signals["vat"].add((_clean(vat), vat))
            if _clean(street) and _clean(zip_code):
                shown = f"{street}, {zip_code}"
                signals["address"].add((_clean(street) + "|" + _clean(zip_code), shown))
            domain = (email or "").rpartition("@")[2].strip().lower().rstrip(">")
            if domain and domain not in PUBLIC_MAIL_DOMAINS:
                signals["email"].add((domain, domain))
        self.env.cr.execute(
            SQL(
                """SELECT partner.commercial_partner_id, bank.acc_number
                     FROM res_partner_bank bank
                     JOIN res_partner partner ON partner.id = bank.partner_id
                    WHERE partner.commercial_partner_id IN %s""",
                ids,
            )
        )
        for commercial_id, acc_number in self.env.cr.fetchall():
            if _clean(acc_number):
                details[commercial_id]["bank"].add((_clean(acc_number), acc_number))
        return details

    @api.model
    def _revshare_matches(self, beneficiary, customer):
        """Translated sentences saying what ``beneficiary`` and ``customer``
        (dicts of :meth:`_revshare_party_details`) share."""
        _ = self.env._
        labels = {
            "bank": _("same bank account %s"),
            "vat": _("same VAT number %s"),
            "address": _("same street and zip %s"),
            "email": _("same e-mail domain %s"),
        }
        found = []
        for signal, label in labels.items():
            theirs = {clean for clean, _shown in customer.get(signal, ())}
            for clean, shown in sorted(beneficiary.get(signal, ())):
                if clean in theirs:
                    found.append(label % shown)
        return found

    @api.model
    def _revshare_self_dealing_vals(self, groups):
        """Alerts of shares whose customer is, or looks like, the beneficiary
        (``groups``: {(agreement, invoice): positive shares})."""
        pairs = {
            key: (
                key[0].partner_id.commercial_partner_id,
                key[1].partner_id.commercial_partner_id,
            )
            for key in groups
        }
        details = self._revshare_party_details(
            {p.id for pair in pairs.values() for p in pair}
        )
        vals_list = []
        for key, group in groups.items():
            beneficiary, customer = pairs[key]
            if beneficiary == customer:
                found = [
                    self.env._(
                        "the customer %(customer)s is the beneficiary",
                        customer=key[1].partner_id.display_name,
                    )
                ]
            else:
                found = self._revshare_matches(
                    details[beneficiary.id], details[customer.id]
                )
            if found:
                vals_list.append(
                    self._revshare_alert_vals("self_dealing", group, "; ".join(found))
                )
        return vals_list

    @api.model
    def _revshare_deep_discount_vals(self, groups):
        """Alerts of shares earned on invoice lines with a discount of at least
        the company's threshold (``groups``: {(agreement, invoice): positive
        shares})."""
        rows = self.env["revshare.line"].sudo().concat(*groups.values())
        # The discounted lines first, read once (most postings have none).
        deep = rows.invoice_line_id.filtered(
            lambda line: line.discount
            and line.company_id.revshare_alert_discount
            and line.discount >= line.company_id.revshare_alert_discount
        )
        if not deep:
            return []
        vals_list = []
        for group in groups.values():
            group = group.filtered(lambda r: r.invoice_line_id in deep)
            if not group:
                continue
            threshold = group[0].company_id.revshare_alert_discount
            discounts = sorted(set(group.invoice_line_id.mapped("discount")))
            # The values are formatted before the message: the translation
            # extractor cannot read an f-string inside a message's call.
            shown = ", ".join(f"{value:g}" for value in discounts)
            shown_threshold = f"{threshold:g}"
            reason = self.env._(
                "discount of %(discounts)s %% (threshold %(threshold)s %%)",
                discounts=shown,
                threshold=shown_threshold,
            )
            vals_list.append(self._revshare_alert_vals("deep_discount", group, reason))
        return vals_list

    @api.model
    def _revshare_quick_clawback_vals(self, rows):
        """Alerts of credit notes dated within the company's days after a share
        of the invoice they reverse was settled, or paid on its own document."""
        rows = rows.filtered(lambda r: r.amount < 0 and r.invoice_id.reversed_entry_id)
        paid = self._revshare_paid_shares(rows.invoice_id.reversed_entry_id)
        vals_list = []
        for (agreement, refund), group in rows.grouped(
            lambda r: (r.agreement_id, r.invoice_id)
        ).items():
            shares = refund.reversed_entry_id.revshare_line_ids.filtered(
                lambda r, agreement=agreement: r.agreement_id == agreement
            )
            # (date, payment): a settlement counts on its own date.
            events = [
                (s.date, False)
                for s in shares.settlement_id
                if s.state != "cancelled" and s.date
            ] + [paid[row] for row in shares if row in paid]
            events = [event for event in events if event[0] <= refund.date]
            if not events:
                continue
            day, payment = max(events, key=lambda event: event[0])
            delay = (refund.date - day).days
            if delay > refund.company_id.revshare_alert_clawback_days:
                continue
            if payment:
                reason = self.env._(
                    "credit note %(refund)s %(days)s days after the share of "
                    "%(invoice)s was paid by %(payment)s",
                    refund=refund.name,
                    days=delay,
                    invoice=refund.reversed_entry_id.name,
                    payment=payment,
                )
            else:
                reason = self.env._(
                    "credit note %(refund)s %(days)s days after the share of "
                    "%(invoice)s was settled",
                    refund=refund.name,
                    days=delay,
                    invoice=refund.reversed_entry_id.name,
                )
            vals = self._revshare_alert_vals("quick_clawback", group, reason)
            # At stake: what the credit note takes back from a share already
            # settled or paid.
            vals["amount"] = -vals["amount"]
            vals_list.append(vals)
        return vals_list

    @api.model
    def _revshare_paid_shares(self, invoices):
        """{share row: (date, payment name)} of the shares of ``invoices`` booked
        by a document of their own (entry or bill mode) whose payable of the
        payee is paid (a bill ``paid`` or ``in_payment``, an entry's line
        matched), dated by its latest payment. The documents' matches are read at
        once; a periodic share is paid through its settlement (settled)."""
        shares = invoices.revshare_line_ids.filtered(
            lambda r: r.amount > 0
            and r.move_id
            and r.settlement_mode in ("entry", "bill")
        )
        payables = shares.move_id.line_ids.filtered(
            lambda line: line.account_type == "liability_payable"
            and (
                line.move_id.payment_state in PAID_STATES
                if line.move_id.is_invoice()
                else line.reconciled
            )
        )
        found = defaultdict(list)
        for partial in payables.matched_debit_ids | payables.matched_credit_ids:
            for line, other in (
                (partial.debit_move_id, partial.credit_move_id),
                (partial.credit_move_id, partial.debit_move_id),
            ):
                payment = other.move_id.origin_payment_id
                if line in payables and (payment or other.move_id.statement_line_id):
                    key = (line.move_id, line.partner_id.commercial_partner_id)
                    name = (payment or other.move_id).name
                    found[key].append((partial.max_date, name))
        # Odoo 18 payments without a journal entry of their own pay a bill
        # without any match.
        for bill in payables.move_id.filtered(lambda m: m.is_invoice()):
            key = (bill, bill.commercial_partner_id)
            found[key] += [
                (payment.date, payment.name)
                for payment in bill.matched_payment_ids
                if not payment.move_id
            ]
        return {
            row: max(found[key])
            for row in shares
            if found.get(key := (row.move_id, row.payee_id.commercial_partner_id))
        }

    @api.model
    def _cron_revshare_spike(self, today=None):
        """Daily: raise a spike alert for each beneficiary whose earnings this
        month are above its company's factor times the median of the six months
        before (at least three of them with earnings)."""
        today = today or fields.Date.context_today(self)
        month = today.replace(day=1)
        start = month - relativedelta(months=6)
        Line = self.env["revshare.line"].sudo()
        earned = defaultdict(dict)
        for company, partner, day, amount in Line._read_group(
            [
                ("state", "in", ("earned", "settled")),
                ("date", ">=", start),
                ("date", "<", month + relativedelta(months=1)),
            ],
            ["company_id", "partner_id", "date:month"],
            ["amount_earned_company:sum"],
        ):
            earned[(company, partner)][day] = amount
        vals_list = []
        for (company, partner), months in earned.items():
            history = [amount for day, amount in months.items() if day < month]
            current = months.get(month, 0.0)
            factor = company.revshare_alert_spike_factor
            if len(history) < 3 or not factor:
                continue
            usual = median(history)
            if (
                usual <= 0
                or company.currency_id.compare_amounts(current, factor * usual) <= 0
            ):
                continue
            rows = Line.search(
                [
                    ("company_id", "=", company.id),
                    ("partner_id", "=", partner.id),
                    ("state", "in", ("earned", "settled")),
                    ("date", ">=", month),
                    ("date", "<", month + relativedelta(months=1)),
                ]
            )
            factor = f"{current / usual:.1f}"
            vals_list.append(
                {
                    "kind": "spike",
                    "company_id": company.id,
                    "partner_id": partner.id,
                    "month": month,
                    "line_ids": [fields.Command.set(rows.ids)],
                    "amount": current,
                    "reason": self.env._(
                        "%(current)s earned this month, %(factor)s times the "
                        "median %(usual)s of the months before",
                        current=company.currency_id.format(current),
                        factor=factor,
                        usual=company.currency_id.format(usual),
                    ),
                }
            )
        return self.env["revshare.alert"]._revshare_raise(vals_list)
