import importlib.util
from pathlib import Path

from odoo.tests import tagged
from odoo.tools import sql

from .common import RevshareSettlementCommon

MIGRATION = (
    Path(__file__).resolve().parents[1]
    / "migrations"
    / "18.0.7.0.0"
    / "pre-migration.py"
)


@tagged("post_install", "-at_install")
class TestSettlementLinkMigration(RevshareSettlementCommon):
    """18.0.7.0.0 moves a row's settlement from the row's ``settlement_id``
    column to the link table: a database of 18.0.6 (the column back, the link
    table empty) comes out of the migration with the same settlements."""

    def _migrate(self, version):
        spec = importlib.util.spec_from_file_location("link_migration", MIGRATION)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.migrate(self.env.cr, version)

    def test_links_move_from_the_column(self):
        agreement = self._periodic()
        settled = self._earned_rows(agreement, "2026-03-10", count=2)
        settlement = self._run("2026-03-31", confirm=True)
        free = self._earned_rows(agreement, "2026-04-10")
        self.env.flush_all()
        cr = self.env.cr
        # The 18.0.6 schema: the link in the row, the review queue reading it.
        cr.execute(
            "ALTER TABLE revshare_line ADD COLUMN settlement_id integer; "
            "UPDATE revshare_line line SET settlement_id = link.settlement_id "
            "FROM revshare_settlement_line_rel link WHERE link.line_id = line.id; "
            "DELETE FROM revshare_settlement_line_rel; "
            "DROP VIEW revshare_review; CREATE VIEW revshare_review AS "
            "SELECT id, settlement_id FROM revshare_line"
        )
        self._migrate("18.0.6.1.1")
        self.assertFalse(sql.column_exists(cr, "revshare_line", "settlement_id"))
        self.env.invalidate_all()
        self.assertEqual(settlement.line_ids, settled)
        self.assertEqual(settled.settlement_id, settlement)
        self.assertFalse(free.settlement_id)
        self.assertEqual(
            self.env["revshare.line"].search(
                [("agreement_id", "=", agreement.id), ("settlement_id", "=", False)]
            ),
            free,
        )
        # Run again (an upgrade already made): nothing to move, nothing lost.
        self._migrate("18.0.7.0.0")
        self.env.invalidate_all()
        self.assertEqual(settlement.line_ids, settled)
