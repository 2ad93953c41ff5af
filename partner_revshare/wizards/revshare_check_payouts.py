from odoo import api, models


class RevshareCheckPayouts(models.AbstractModel):
    """The check's part on payouts: each transfer still paid by a payout moved,
    on its payment, what its payment reconciled with its statements' bills.

    Recomputed from the reconciliation itself (the partials between the payment's
    entry and the bills' payable items), not from the amounts the payout wrote."""

    _name = "revshare.check.payouts"
    _description = "Revenue Share Check: Payouts"

    @api.model
    def _revshare_check_payouts(self, company, date_from, date_to):
        lines = self.env["revshare.payout.line"].search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "paid"),
                ("payout_id.date", ">=", date_from),
                ("payout_id.date", "<=", date_to),
            ]
        )
        mismatches = []
        for line in lines:
            payment = line.payment_id
            currency = line.payout_id.currency_id
            payable = line.settlement_ids.bill_id.line_ids.filtered(
                lambda item: item.account_type == "liability_payable"
            )
            partials = payable.matched_debit_ids.filtered(
                lambda partial, payment=payment: partial.debit_move_id.move_id
                == payment.move_id
            )
            paid = sum(partials.mapped("debit_amount_currency"))
            if payment.state in ("draft", "canceled", "rejected"):
                problem = self.env._("its payment %s is not valid", payment.name)
            elif currency.compare_amounts(paid, payment.amount) or (
                currency.compare_amounts(paid, line.amount)
            ):
                problem = self.env._(
                    "its payment %(payment)s moves %(amount)s but paid %(paid)s of "
                    "its bills",
                    payment=payment.name,
                    amount=payment.amount,
                    paid=paid,
                )
            else:
                continue
            mismatches.append(
                self._revshare_mismatch(
                    "payout",
                    line.payout_id,
                    self.env._(
                        "Payout %(payout)s pays %(partner)s %(amount)s %(currency)s: "
                        "%(problem)s.",
                        payout=line.payout_id.name,
                        partner=line.partner_id.display_name,
                        amount=line.amount,
                        currency=currency.name,
                        problem=problem,
                    ),
                    paid,
                    payment.amount,
                    currency,
                    line.partner_id,
                    company,
                )
            )
        return mismatches
