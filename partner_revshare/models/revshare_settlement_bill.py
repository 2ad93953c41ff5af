from collections import defaultdict, namedtuple

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import str2bool

from .revshare_line_booking import BillLine

# One line of a settlement's vendor bill: the periodic rows of an agreement (and sold
# product, when bills are per product) booked on one expense account.
BillPart = namedtuple("BillPart", ["agreement", "product", "expense_account", "amount"])


class RevshareSettlementBill(models.AbstractModel):
    """The vendor bill of a statement: the balance of its ``periodic``
    agreements (plus the carried balance), billed at confirmation."""

    _name = "revshare.settlement.bill"
    _description = "Revenue Share Settlement Vendor Bill"

    def _revshare_periodic_agreements(self):
        """{settlement: the agreements whose rows in it are billed by it}, for
        these settlements in one grouped read."""
        agreements = defaultdict(lambda: self.env["revshare.agreement"])
        for settlement, agreement in (
            self.env["revshare.line"]
            .sudo()
            ._read_group(
                [
                    ("settlement_ids", "in", self.ids),
                    ("settlement_mode", "=", "periodic"),
                ],
                ["settlement_ids", "agreement_id"],
            )
        ):
            agreements[settlement.id] |= agreement
        return agreements

    def _revshare_check_billable(self):
        """Refuse to confirm when a settlement to bill misses its vendor product or
        purchase journal, before anything is written."""
        # sudo: reads the accounting setup (journals, products) for a revenue-share
        # manager who may have no accounting rights; nothing is written.
        to_bill = self.sudo().filtered(
            lambda s: s.currency_id.compare_amounts(s.amount_billable, 0) > 0
        )
        periodic = to_bill._revshare_periodic_agreements()
        for settlement in to_bill:
            for agreement in periodic[settlement.id]:
                if not agreement._revshare_get_product():
                    raise UserError(
                        self.env._(
                            "Settlement %(settlement)s bills agreement %(agreement)s, "
                            "which has no service product: set the product on the "
                            "agreement or the default one in the Accounting settings.",
                            settlement=settlement.display_name,
                            agreement=agreement.display_name,
                        )
                    )
                if not agreement._revshare_get_journal("purchase"):
                    raise UserError(
                        self.env._(
                            "Settlement %(settlement)s bills agreement %(agreement)s "
                            "but company %(company)s has no purchase journal: create "
                            "one or set the bill journal in the Accounting settings.",
                            settlement=settlement.display_name,
                            agreement=agreement.display_name,
                            company=settlement.company_id.display_name,
                        )
                    )

    def _revshare_create_bills(self):
        """One vendor bill per settlement with a positive balance to bill: one line
        per periodic agreement (per agreement and sold product when the system
        parameter ``partner_revshare.settlement_bill_per_product`` is set), plus one
        for the carried balance. Posted when every billed agreement says
        ``bill_auto_post``."""
        # sudo: a revenue-share manager settles without needing vendor-bill rights;
        # the bill's content comes from the ledger and the agreements only.
        to_bill = self.sudo().filtered(
            lambda s: s.currency_id.compare_amounts(s.amount_billable, 0) > 0
        )
        if not to_bill:
            return self.env["account.move"]
        per_product = str2bool(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("partner_revshare.settlement_bill_per_product", "False")
        )
        groupby = ["settlement_ids", "agreement_id", "expense_account_id"]
        if per_product:
            groupby.append("product_id")
        groups = (
            self.env["revshare.line"]
            .sudo()
            ._read_group(
                [
                    ("settlement_ids", "in", to_bill.ids),
                    ("settlement_mode", "=", "periodic"),
                ],
                groupby,
                ["amount:sum"],
            )
        )
        by_settlement = defaultdict(list)
        for settlement, agreement, expense, *product, amount in groups:
            by_settlement[settlement.id].append(
                BillPart(agreement, product[0] if product else None, expense, amount)
            )
        vals_list, auto_post = [], []
        for settlement in to_bill:
            parts = sorted(
                by_settlement[settlement.id],
                key=lambda p: (p.agreement.id, p.product.id if p.product else 0),
            )
            vals_list.append(settlement._revshare_prepare_bill_vals(parts))
            auto_post.append(all(p.agreement.bill_auto_post for p in parts))
        bills = self.env["account.move"].sudo().create(vals_list)
        for settlement, bill in zip(to_bill, bills, strict=True):
            settlement.bill_id = bill
        to_post = (
            self.env["account.move"]
            .sudo()
            .browse(
                bill.id for bill, post in zip(bills, auto_post, strict=True) if post
            )
        )
        to_post._post(soft=False)
        return bills

    def _revshare_prepare_bill_vals(self, parts):
        """Vendor bill values, one bill line per :class:`BillPart` plus one for the
        carried balance."""
        self.ensure_one()
        first = parts[0].agreement
        period = f"{self.date_from} - {self.date_to}"
        bill_lines = []
        for part in parts:
            if self.currency_id.is_zero(part.amount):
                continue
            label = part.agreement.display_name
            if part.product:
                label = f"{label} - {part.product.display_name}"
            bill_lines.append(
                BillLine(
                    part.agreement,
                    f"{label} ({period})",
                    part.amount,
                    part.expense_account,
                )
            )
        if not self.currency_id.is_zero(self.amount_carried):
            bill_lines.append(
                BillLine(
                    first,
                    self.env._(
                        "Balance carried from %s", self.carried_from_id.name or ""
                    ),
                    self.amount_carried,
                    first._revshare_get_expense_account(),
                )
            )
        return self.env["revshare.line"]._revshare_prepare_vendor_bill_vals(
            first,
            self.company_id,
            self.partner_id,
            self.currency_id,
            self.date or fields.Date.context_today(self),
            self.name,
            bill_lines,
        )
