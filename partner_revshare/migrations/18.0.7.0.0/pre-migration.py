"""18.0.7.0.0 keeps a row's settlement in a link table instead of the row's
``settlement_id`` column (revshare_settlement_link): the links move there before
Odoo loads the new fields, then the column goes (with its index and foreign key,
and the index of the free earned rows, whose condition reads it), after the review
queue's view that reads it (Odoo makes the view again)."""

from odoo.tools import SQL, sql

from odoo.addons.partner_revshare.models.revshare_settlement_link import (
    SETTLEMENT_LINK_TABLE,
    create_settlement_link_table,
)


def migrate(cr, version):
    if not version or not sql.column_exists(cr, "revshare_line", "settlement_id"):
        return
    create_settlement_link_table(cr)
    cr.execute(
        SQL(
            """
            INSERT INTO %(links)s (line_id, settlement_id)
            SELECT id, settlement_id
              FROM revshare_line
             WHERE settlement_id IS NOT NULL;
            DROP VIEW IF EXISTS revshare_review;
            ALTER TABLE revshare_line DROP COLUMN settlement_id;
            """,
            links=SQL.identifier(SETTLEMENT_LINK_TABLE),
        )
    )
