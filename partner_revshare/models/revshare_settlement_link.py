"""The table linking ledger rows to their settlement (statement).

A row's settlement is not a column of the row: linking the rows of a settlement
run would rewrite each ledger row and add an entry to every index it is in (ten
or more: no HOT update while the link is indexed). The link is one narrow pair
per row in a table of its own, keyed by the row (a row is in one settlement at
most), indexed by the settlement: linking 100,000 rows is one ``INSERT``.
``revshare.line.settlement_ids`` and ``revshare.settlement.line_ids`` are its
two sides; ``revshare.line.settlement_id`` reads it."""

from odoo.tools import SQL, sql

SETTLEMENT_LINK_TABLE = "revshare_settlement_line_rel"


def create_settlement_link_table(cr):
    """Create the link table, before Odoo would create it for the Many2many
    fields with a key on the pair (row, settlement) and one more index: the row
    alone is the key here. Odoo then only adds the foreign keys."""
    if sql.table_exists(cr, SETTLEMENT_LINK_TABLE):
        return
    cr.execute(
        SQL(
            """
            CREATE TABLE %(table)s (
                line_id INTEGER PRIMARY KEY,
                settlement_id INTEGER NOT NULL
            );
            COMMENT ON TABLE %(table)s IS
                'RELATION BETWEEN revshare_line AND revshare_settlement';
            CREATE INDEX %(index)s ON %(table)s (settlement_id);
            """,
            table=SQL.identifier(SETTLEMENT_LINK_TABLE),
            index=SQL.identifier(f"{SETTLEMENT_LINK_TABLE}_settlement_id_index"),
        )
    )
