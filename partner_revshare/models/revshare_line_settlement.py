from odoo import Command, api, fields, models
from odoo.exceptions import UserError

from .revshare_settlement_engine import ROW_KEY_FIELDS
from .revshare_settlement_link import (
    SETTLEMENT_LINK_TABLE,
    create_settlement_link_table,
)


class RevshareLineSettlement(models.AbstractModel):
    """A row's settlement (statement), kept in the link table
    (``revshare_settlement_link``) instead of a column of the row, so that a run
    links its rows without rewriting them. The guard of the ledger covers the
    link: a row joins a settlement when earned and in none, and leaves it when
    the settlement releases its rows."""

    _name = "revshare.line.settlement"
    _inherit = ["revshare.line.hooks"]
    _description = "Revenue Share Ledger Row: settlement link"

    settlement_ids = fields.Many2many(
        "revshare.settlement",
        SETTLEMENT_LINK_TABLE,
        "line_id",
        "settlement_id",
        string="Settlement Link",
        copy=False,
        readonly=True,
        help="The link behind Settlement: one at most (the row is the key of the "
        "link table).",
    )
    settlement_id = fields.Many2one(
        "revshare.settlement",
        compute="_compute_settlement_id",
        search="_search_settlement_id",
        compute_sudo=True,
        help="The settlement (statement) this row is in; a row is in at most one.",
    )

    def _auto_init(self):
        create_settlement_link_table(self.env.cr)
        return super()._auto_init()

    @api.depends("settlement_ids")
    def _compute_settlement_id(self):
        for row in self:
            row.settlement_id = row.settlement_ids[:1]

    def _search_settlement_id(self, operator, value):
        # One link at most: the row's settlement is its link.
        return [("settlement_ids", operator, value)]

    def _revshare_mutable_field_names(self):
        return super()._revshare_mutable_field_names() | {"settlement_ids"}

    @api.model
    def _revshare_leaves_settlement(self, vals):
        """Whether ``vals`` take rows out of their settlement (its release)."""
        commands = vals.get("settlement_ids")
        return commands is not None and all(
            command[0] == Command.CLEAR
            or (command[0] == Command.SET and not command[2])
            for command in commands
        )

    def _revshare_check_settlement_link(self, vals):
        """The guard's part for the link: rows leave their settlement, or join
        one settlement (``Command.link``) when earned, in none, and of its
        company, payee and currency (``ROW_KEY_FIELDS``). Called by
        :meth:`_revshare_check_write`, which every write of the link crosses."""
        if "settlement_ids" not in vals or self._revshare_leaves_settlement(vals):
            return
        commands = vals["settlement_ids"]
        if len(commands) != 1 or commands[0][0] != Command.LINK:
            raise UserError(
                self.env._(
                    "Revenue-share rows join a settlement through the settlement "
                    "run only, one settlement per row."
                )
            )
        if set(self.mapped("state")) - {"earned"} or self.settlement_ids:
            raise UserError(
                self.env._(
                    "Only earned revenue-share rows in no settlement join one: some "
                    "rows were settled by another run meanwhile, or are not "
                    "earned. Run the settlement again."
                )
            )
        settlement = self.env["revshare.settlement"].browse(commands[0][1])
        settlement._revshare_check_row_keys(*map(self.mapped, ROW_KEY_FIELDS))
