from odoo import api, models

from ..models.revshare_settlement_engine import SETTLED_PARTNER_FIELD


class RevshareCheckSettlements(models.AbstractModel):
    """A step of the check (``revshare.check`` inherits it): each row in at most
    one settlement (the row is the key of the link table), of its own payee and
    company, not cancelled; settled rows in a settlement, confirmed ones settled.
    Set-based: one grouped read whatever the number of rows."""

    _name = "revshare.check.settlements"
    _description = "Revenue Share Check: settlements"

    @api.model
    def _revshare_check_settlements(self, company, date_from, date_to):
        """One grouped read of the rows in a settlement or settled, by
        settlement, payee, company and state; the rows of a group found wrong
        are read only then, to name each one."""
        Line = self.env["revshare.line"]
        domain = [
            ("company_id", "=", company.id),
            ("date", ">=", date_from),
            ("date", "<=", date_to),
            "|",
            ("settlement_id", "!=", False),
            ("state", "=", "settled"),
        ]
        mismatches = []
        for settlement, partner, row_company, state in Line._read_group(
            domain, ["settlement_ids", SETTLED_PARTNER_FIELD, "company_id", "state"]
        ):
            problem = self._revshare_settlement_problem(
                settlement, partner, row_company, state
            )
            if not problem:
                continue
            rows = Line.search(
                domain
                + [
                    ("settlement_id", "=", settlement.id),
                    (SETTLED_PARTNER_FIELD, "=", partner.id),
                    ("company_id", "=", row_company.id),
                    ("state", "=", state),
                ]
            )
            mismatches += [
                self._revshare_row_mismatch(
                    "settlement", row, self._revshare_row_problem(row, problem), company
                )
                for row in rows
            ]
        return mismatches

    @api.model
    def _revshare_settlement_problem(self, settlement, partner, company, state):
        """What is wrong with rows paid to ``partner``, ``company`` and ``state`` in
        ``settlement`` (none: settled rows in no settlement), or None."""
        if not settlement:
            return self.env._("is settled but in no settlement")
        if settlement.state == "cancelled":
            return self.env._(
                "is still in the cancelled settlement %s", settlement.display_name
            )
        if (settlement.partner_id, settlement.company_id) != (partner, company):
            return self.env._(
                "is in settlement %s of another payee or company",
                settlement.display_name,
            )
        if settlement.state != "draft" and state != "settled":
            return self.env._(
                "is in the confirmed settlement %(settlement)s but is %(state)s",
                settlement=settlement.display_name,
                state=state,
            )
        return None
