from freezegun import freeze_time

from odoo import SUPERUSER_ID
from odoo.tests import tagged

from .common import RevshareSettlementCommon, d

# Queries of a settlement run that creates settlements for several partners (plan,
# adjustments, numbers, settlements, link of the rows: one read of the rows' state
# and link with their lock (one array parameter), the check that they are still
# free and the ledger's guard reading nothing more, one INSERT; the responsible
# accountant following them: one subscription per accountant), whatever their
# number. 34 before the written
# links went straight into the cache, 33 before the check and the guard shared
# their read, 32 before the guard checked the rows' company, payee and currency
# on that read instead of a grouped read of the settlements' rows.
RUN_QUERIES = 31
# The same run by the daily cron, after a first run warmed the caches: the
# superuser creates the statements, and their responsible accountant is a
# manager of the company, read once for the run. 37, then 36 before the check
# and the guard shared their read, 35 before the guard checked the rows' keys.
CRON_RUN_QUERIES = 34
# One call of the chunked cron settling two partners, confirming and billing
# them, whatever the number of their rows (99 before the link's check and the
# guard shared their read, 98 before the link left the row for the link table,
# 94 before the guard checked the rows' keys on its read).
CRON_CHUNK_QUERIES = 93


@tagged("post_install", "-at_install")
class TestSettlementNumbers(RevshareSettlementCommon):
    """Statement numbers drawn for a whole run at once: the same numbers as one
    ``next_by_code`` per statement (consecutive, no gap, per company and date
    range), and a run whose queries do not grow with its settlements."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sequence = cls.env.ref("partner_revshare.seq_revshare_settlement")
        cls.partners = cls.env["res.partner"].create(
            [
                {
                    "name": f"Partner {i}",
                    "property_account_payable_id": cls.payable_account.id,
                }
                for i in range(7)
            ]
        )

    def _agreements_with_rows(self, partners, day="2026-03-10"):
        """One periodic agreement per partner, each with two earned rows on
        ``day``."""
        agreements = self.env["revshare.agreement"]
        for index, partner in enumerate(partners):
            agreements |= self._periodic(partner_id=partner.id, sequence=index)
        self._earned_rows(agreements, day, 2)
        return agreements

    def _number(self, name, prefix):
        self.assertTrue(name.startswith(prefix), name)
        return int(name[len(prefix) :])

    def test_run_numbers_consecutive_across_runs(self):
        """A run's statements follow each other in partner order, the next run
        continues where it stopped, and the sequence says what comes next."""
        agreements = self._agreements_with_rows(self.partners[:3])
        with freeze_time("2026-04-02"):
            march = self._run("2026-03-31")
            self._earned_rows(agreements, "2026-04-10", 2)
            april = self._run("2026-04-30")
        self.assertEqual(march.partner_id, self.partners[:3])
        self.assertEqual(april.partner_id, self.partners[:3])
        numbers = [self._number(s.name, "RSS/2026/") for s in march + april]
        first = numbers[0]
        self.assertEqual(numbers, list(range(first, first + 6)))
        self.assertEqual(self.sequence.number_next, first + 6)

    @freeze_time("2026-04-02")
    def test_numbers_per_company_and_date_range(self):
        """A company with its own sequence numbers from it, the others share the
        default one; a sequence with yearly ranges numbers each year on its own,
        as next_by_code would."""
        other = self.setup_other_company(name="Numbers Co 2")["company"]
        own = self.env["ir.sequence"].create(
            {
                "name": "Statements of Co 2",
                "code": "revshare.settlement",
                "company_id": other.id,
                "prefix": "C2/%(range_year)s/",
                "padding": 3,
                "implementation": "no_gap",
                "use_date_range": True,
            }
        )
        Settlement = self.Settlement.sudo()
        vals = [
            {
                "partner_id": partner.id,
                "company_id": company.id,
                "currency_id": company.currency_id.id,
                "date_from": d(f"{year}-01-01"),
                "date_to": d(f"{year}-01-31"),
            }
            for partner, company, year in [
                (self.partners[0], other, 2025),
                (self.partners[1], self.company, 2025),
                (self.partners[2], other, 2026),
                (self.partners[3], other, 2025),
                (self.partners[4], self.company, 2026),
            ]
        ]
        first = self.sequence.number_next
        settlements = Settlement.create(vals)
        self.assertEqual(
            settlements.mapped("name"),
            [
                "C2/2025/001",
                f"RSS/2026/{first:04d}",
                "C2/2026/001",
                "C2/2025/002",
                f"RSS/2026/{first + 1:04d}",
            ],
        )
        # One by one, Odoo's own numbering goes on from there.
        self.assertEqual(
            own.with_company(other)._next(sequence_date=d("2025-06-01")),
            "C2/2025/003",
        )
        self.assertEqual(
            self.env["ir.sequence"].next_by_code("revshare.settlement"),
            f"RSS/2026/{first + 2:04d}",
        )

    def test_standard_sequence(self):
        """A sequence switched to the standard implementation draws from its
        PostgreSQL sequence, still in order."""
        self.sequence.implementation = "standard"
        self.sequence.number_next_actual = 41
        self._agreements_with_rows(self.partners[:3])
        with freeze_time("2026-04-02"):
            settlements = self._run("2026-03-31")
        self.assertEqual(
            settlements.mapped("name"),
            ["RSS/2026/0041", "RSS/2026/0042", "RSS/2026/0043"],
        )

    def test_rolled_back_run_gives_numbers_back(self):
        """No gap: a run that fails after drawing its numbers gives them back."""
        self._agreements_with_rows(self.partners[:2])
        first = self.sequence.number_next
        with freeze_time("2026-04-02"):
            with self.assertRaises(ZeroDivisionError), self.env.cr.savepoint():
                self._run("2026-03-31")
                raise ZeroDivisionError
            self.sequence.invalidate_recordset()
            self.assertEqual(self.sequence.number_next, first)
            settlements = self._run("2026-03-31")
        self.assertEqual(
            settlements.mapped("name"),
            [f"RSS/2026/{first:04d}", f"RSS/2026/{first + 1:04d}"],
        )

    def test_run_queries_do_not_grow_with_settlements(self):
        """Two settlements or four: the same number of queries."""
        self._agreements_with_rows(self.partners[:2])
        with freeze_time("2026-04-02"):
            self.env.invalidate_all()
            with self.assertQueryCount(RUN_QUERIES):
                two = self._run("2026-03-31")
            self._agreements_with_rows(self.partners[2:6], day="2026-04-10")
            self.env.invalidate_all()
            with self.assertQueryCount(RUN_QUERIES):
                four = self._run("2026-04-30")
        self.assertEqual(len(two), 2)
        self.assertEqual(len(four), 4)
        self.assertEqual(two.mapped("amount_total"), [20.0] * 2)
        self.assertEqual(four.mapped("amount_total"), [20.0] * 4)

    def test_cron_run_queries_do_not_grow_with_settlements(self):
        """As the daily cron runs it (the superuser creates the statements, so each
        one's responsible accountant is a manager of its company, read once): two
        settlements or four, the same number of queries."""
        root = self.Settlement.with_user(SUPERUSER_ID)
        self._agreements_with_rows(self.partners[:1])
        with freeze_time("2026-04-02"):
            root._revshare_run(d("2026-03-31"))
            self._agreements_with_rows(self.partners[1:3], day="2026-04-10")
            self.env.invalidate_all()
            with self.assertQueryCount(CRON_RUN_QUERIES):
                two = root._revshare_run(d("2026-04-30"))
            self._agreements_with_rows(self.partners[3:], day="2026-05-10")
            self.env.invalidate_all()
            with self.assertQueryCount(CRON_RUN_QUERIES):
                four = root._revshare_run(d("2026-05-31"))
        self.assertEqual(len(two), 2)
        self.assertEqual(len(four), 4)
        manager = two[0]._revshare_dispute_responsible()
        self.assertTrue(manager)
        self.assertIn(manager.partner_id, (two | four).message_partner_ids)

    def _cron_chunk(self, chunk_rows):
        """One call of the settlement cron as Odoo's cron runner makes it (a
        progress record in its context): the settlements and the progress."""
        cron = self.env.ref("partner_revshare.ir_cron_revshare_settle")
        __, progress = cron._add_progress()
        settlements = self.Settlement.with_context(
            ir_cron_progress_id=progress.id
        )._cron_settle(chunk_rows=chunk_rows)
        return settlements, progress

    def test_cron_settles_by_chunks(self):
        """The cron settles a chunk of rows per call and tells the cron runner
        how many settlements remain; it is called again until none remain, and a
        further call settles nothing twice."""
        self._agreements_with_rows(self.partners[:5])
        with freeze_time("2026-04-01"):
            first, progress = self._cron_chunk(chunk_rows=4)
            self.assertEqual(first.partner_id, self.partners[:2])
            self.assertEqual((progress.done, progress.remaining), (2, 3))
            second, progress = self._cron_chunk(chunk_rows=4)
            self.assertEqual(second.partner_id, self.partners[2:4])
            self.assertEqual((progress.done, progress.remaining), (2, 1))
            # A settlement bigger than a chunk makes a chunk of its own.
            third, progress = self._cron_chunk(chunk_rows=1)
            self.assertEqual(third.partner_id, self.partners[4])
            self.assertEqual((progress.done, progress.remaining), (1, 0))
            again, progress = self._cron_chunk(chunk_rows=4)
        self.assertFalse(again)
        self.assertEqual((progress.done, progress.remaining), (0, 0))
        settlements = first | second | third
        self.assertEqual(settlements.mapped("amount_total"), [20.0] * 5)
        self.assertEqual(set(settlements.mapped("state")), {"confirmed"})
        self.assertEqual(len(settlements.line_ids), 10)

    def test_cron_chunk_from_system_parameter(self):
        """Called by the cron's server action (no argument), the chunk is the
        system parameter's: 4 rows, two statements of 2 rows per call."""
        self._agreements_with_rows(self.partners[:3])
        self.env["ir.config_parameter"].sudo().set_param(
            "partner_revshare.settlement_chunk_rows", "4"
        )
        with freeze_time("2026-04-01"):
            first, progress = self._cron_chunk(chunk_rows=None)
        self.assertEqual(first.partner_id, self.partners[:2])
        self.assertEqual((progress.done, progress.remaining), (2, 1))

    def test_cron_chunk_queries_do_not_grow_with_rows(self):
        """A chunk of two settlements, after a first call warmed the caches: the
        same queries with 2 rows each or 40 (plan, settlements, the guarded
        link, bills)."""
        self._agreements_with_rows(self.partners[:1])
        few = self._agreements_with_rows(self.partners[1:3], day="2026-04-10")
        many = self._agreements_with_rows(self.partners[3:5], day="2026-05-10")
        self._earned_rows(many, "2026-05-11", 38)
        with freeze_time("2026-04-01"):
            self._cron_chunk(chunk_rows=1000)
        with freeze_time("2026-05-01"):
            self.env.invalidate_all()
            with self.assertQueryCount(CRON_CHUNK_QUERIES):
                small, __ = self._cron_chunk(chunk_rows=1000)
        with freeze_time("2026-06-01"):
            self.env.invalidate_all()
            with self.assertQueryCount(CRON_CHUNK_QUERIES):
                big, __ = self._cron_chunk(chunk_rows=1000)
        self.assertEqual(small.agreement_ids, few)
        self.assertEqual(big.agreement_ids, many)
        self.assertEqual(big.mapped("line_count"), [40, 40])
        self.assertEqual(big.mapped("amount_total"), [400.0, 400.0])
