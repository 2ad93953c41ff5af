import re
from pathlib import Path

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import SQL

from .common import RevshareSettlementCommon

ADDONS = Path(__file__).resolve().parents[2]
# A raw write of the ledger's table or of its settlement links, whatever the
# case and spacing.
RAW_LEDGER_UPDATE = re.compile(
    r"UPDATE\s+revshare_line\b|(INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"
    r"revshare_settlement_line_rel\b",
    re.IGNORECASE,
)


@tagged("post_install", "-at_install")
class TestLedgerGuard(RevshareSettlementCommon):
    """One guarded write path for the ledger: the SQL fast path
    (``_revshare_write_fast``) crosses the guard of ``write`` and tells the ORM,
    and every batch write of the ledger goes through it."""

    def _entry_rows(self):
        """Earned rows of an ``entry`` agreement, booked by their invoice."""
        self._create_agreement()
        invoice = self._create_invoice([(self.product_cloud, 1, 100.0)])
        rows = invoice.revshare_line_ids
        self.assertEqual(rows.state, "earned")
        self.assertTrue(rows.move_id)
        return rows

    def test_fast_path_refuses_a_forbidden_step(self):
        rows = self._entry_rows()
        with self._raises(UserError, "cannot go from Earned to Expected"):
            rows._revshare_write_fast({"state": "expected"})
        rows.invalidate_recordset()
        self.assertEqual(rows.state, "earned")

    def test_fast_path_refuses_a_frozen_term(self):
        rows = self._entry_rows()
        with self._raises(UserError, "cannot be changed once earned (fields amount)"):
            rows._revshare_write_fast({"amount": 1.0})
        with self._raises(UserError, "(fields partner_id)"):
            rows._revshare_write_fast({"partner_id": [self.techpartner.id]})
        rows.invalidate_recordset()
        self.assertEqual(rows.amount, 10.0)

    def test_link_documents_refuses_another_document(self):
        """Booking links rows to their document through the fast path: a row
        booked already is not moved to another document."""
        rows = self._entry_rows()
        other = self.env["account.move"].create(
            {"move_type": "entry", "journal_id": self.misc_journal.id}
        )
        with self._raises(UserError, "already booked in another accounting document"):
            rows._revshare_link_documents([(rows.id, other.id, False)])

    def test_settle_lines_refuses_a_forbidden_step(self):
        """Confirmation settles the statement's rows through the fast path: a row
        that may not become settled (an expected one) stops it."""
        agreement = self._periodic()
        self._earned_rows(agreement, "2026-03-10")
        settlement = self._run("2026-03-31")
        expected = self._earned_rows(agreement, "2026-03-11", state="expected")
        # Slipped in behind the guard (which refuses it: see below).
        self.env.cr.execute(
            "INSERT INTO revshare_settlement_line_rel (line_id, settlement_id) "
            "VALUES (%s, %s)",
            [expected.id, settlement.id],
        )
        self.env.invalidate_all()
        with self._raises(UserError, "cannot go from Expected to Settled"):
            settlement.action_confirm()
        self.assertEqual(settlement.workflow_state, "draft")

    def test_link_lines_takes_only_free_earned_rows(self):
        agreement = self._periodic()
        rows = self._earned_rows(agreement, "2026-03-10", count=2)
        settlement = self._run("2026-03-31")
        self.assertEqual(settlement.line_ids, rows)
        with self._raises(UserError, "settled by another run"):
            settlement._revshare_link_lines([rows[:1].ids])
        # The same from the database, as a run that did not link them sees them.
        self.env.invalidate_all()
        with self._raises(UserError, "settled by another run"):
            settlement._revshare_link_lines([rows[:1].ids])

    def test_link_crosses_the_guard_on_every_path(self):
        """A row joins a settlement when earned and in none, whichever path
        writes the link: the run's INSERT, the ledger's write, the statement's
        side of the link (refused: rows join through the run only)."""
        agreement = self._periodic()
        earned = self._earned_rows(agreement, "2026-03-10")
        settlement = self._run("2026-03-31")
        expected = self._earned_rows(agreement, "2026-03-11", state="expected")
        free = self._earned_rows(agreement, "2026-03-12")
        refusals = {
            "run": lambda: settlement._revshare_link_lines([expected.ids]),
            "write": lambda: expected.write(
                {"settlement_ids": [Command.link(settlement.id)]}
            ),
            "write twice": lambda: earned.write(
                {"settlement_ids": [Command.link(settlement.id)]}
            ),
        }
        for path, action in refusals.items():
            with self.subTest(path=path):
                with self._raises(UserError, "Only earned revenue-share rows"):
                    action()
        with self._raises(UserError, "through the settlement run only"):
            free.write({"settlement_ids": [Command.set(settlement.ids)]})
        with self._raises(UserError, "by the settlement run only"):
            settlement.write({"line_ids": [Command.link(free.id)]})
        self.env.invalidate_all()
        self.assertEqual(settlement.line_ids, earned)
        self.assertFalse((expected | free).settlement_id)

    def test_link_keeps_a_statement_to_one_payee_currency_company(self):
        """A statement holds the rows of its company, payee and currency,
        whichever path links them: the guard checks the rows it links."""
        agreement = self._periodic()
        self._earned_rows(agreement, "2026-03-10")
        settlement = self._run("2026-03-31")
        other_currency = self.env["res.currency"].search(
            [("id", "!=", self.currency.id)], limit=1
        )
        others = {
            "payee_id": self.techpartner,
            "currency_id": other_currency,
            "company_id": self.setup_other_company(name="Other Co")["company"],
        }
        for fname, other in others.items():
            row = self._earned_rows(agreement, "2026-03-12")
            # A row of the same agreement but of another payee, currency or
            # company than the statement's (made behind the ORM: no path makes
            # one, the guard must refuse it still).
            self.env.cr.execute(
                SQL(
                    "UPDATE revshare_line SET %s = %s WHERE id = %s",
                    SQL.identifier(fname),
                    other.id,
                    row.id,
                )
            )
            row.invalidate_recordset()
            paths = {
                "run": lambda row=row: settlement._revshare_link_lines([row.ids]),
                "write": lambda row=row: row.write(
                    {"settlement_ids": [Command.link(settlement.id)]}
                ),
            }
            for path, action in paths.items():
                with self.subTest(field=fname, path=path):
                    with self._raises(ValidationError, "holds"):
                        action()
                    row.invalidate_recordset()
                    self.assertFalse(row.settlement_id)

    def test_fast_path_recomputes_what_depends_on_it(self):
        """Stored computes depending on the written fields are refreshed, as after
        write(): the earned figure of a row, a statement's totals."""
        agreement = self._periodic()
        row = self._earned_rows(agreement, "2026-03-10", state="expected")
        self.assertEqual((row.amount_earned, row.amount_expected), (0.0, 10.0))
        row._revshare_write_fast({"state": "earned"})
        self.assertEqual((row.amount_earned, row.amount_expected), (10.0, 0.0))
        settlement = self._run("2026-03-31")
        self.assertEqual(settlement.line_ids, row)
        self.assertEqual(settlement.amount_total, 10.0)
        settlement.action_confirm()
        self.assertEqual(row.state, "settled")
        self.assertEqual(row.amount_earned, 10.0)

    def test_no_raw_ledger_update_outside_the_fast_path(self):
        """Every raw write of the ledger and its settlement links is a fast
        path's: a new one elsewhere would bypass the guard. (Migrations and
        tests may write them.)"""
        offenders = [
            str(path.relative_to(ADDONS))
            for addon in ("partner_revshare", "partner_revshare_payment")
            for path in sorted((ADDONS / addon).rglob("*.py"))
            if not {"tests", "migrations"} & set(path.relative_to(ADDONS).parts)
            and RAW_LEDGER_UPDATE.search(path.read_text(encoding="utf-8"))
        ]
        self.assertEqual(offenders, [])
