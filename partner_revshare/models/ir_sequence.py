from odoo import fields, models
from odoo.tools import SQL

from odoo.addons.base.models.ir_sequence import _update_nogap


class IrSequence(models.Model):
    """Numbers drawn by the batch: a settlement run numbers hundreds of
    statements at once."""

    _inherit = "ir.sequence"

    def _revshare_date_range(self, sequence_date=None):
        """The date range :meth:`_next` would number from on ``sequence_date``
        (made when missing, as Odoo does), or an empty recordset when the
        sequence has no date ranges."""
        self.ensure_one()
        if not self.use_date_range:
            return self.env["ir.sequence.date_range"]
        day = sequence_date or self.env.context.get(
            "ir_sequence_date", fields.Date.today()
        )
        return self.env["ir.sequence.date_range"].search(
            [
                ("sequence_id", "=", self.id),
                ("date_from", "<=", day),
                ("date_to", ">=", day),
            ],
            limit=1,
        ) or self._create_date_range_seq(day)

    def _revshare_next_batch(self, count, date_range):
        """``count`` numbers of this sequence in ``date_range`` (from
        :meth:`_revshare_date_range`; empty without date ranges), the ones
        ``count`` calls of :meth:`_next` in a row would give, drawn at once: same
        prefix, suffix and padding; for a ``no_gap`` sequence, one locked
        increment by ``count`` steps (Odoo's own ``_update_nogap``: the row stays
        locked until the transaction ends, a concurrent one fails at once and is
        retried, a rollback gives the numbers back) instead of one per number;
        for a ``standard`` one, the PostgreSQL sequence Odoo names and draws from
        (``ir_sequence_<id>[_<range id>]``). A run numbering 1,000 statements
        makes one query instead of 1,000 locked increments; the numbers are
        those of :meth:`_next` (test_revshare_internals, test_settlement_numbers)."""
        self.ensure_one()
        if count <= 0:
            return []
        seq = self
        if date_range:
            seq = self.with_context(ir_sequence_date_range=date_range.date_from)
        if self.implementation == "standard":
            pg_name = f"ir_sequence_{self.id:03d}"
            if date_range:
                pg_name += f"_{date_range.id:03d}"
            self.env.cr.execute(
                SQL("SELECT nextval(%s) FROM generate_series(1, %s)", pg_name, count)
            )
            numbers = sorted(number for (number,) in self.env.cr.fetchall())
        else:
            step = self.number_increment
            first = _update_nogap(date_range or self, step * count)
            numbers = [first + step * index for index in range(count)]
        # The prefix and suffix of one instant, built as get_next_char does.
        prefix, suffix = seq._get_prefix_suffix()
        return [f"{prefix}{number:0{self.padding}d}{suffix}" for number in numbers]
