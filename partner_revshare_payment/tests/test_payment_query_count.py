from odoo import Command
from odoo.tests import tagged

from .common import RevsharePaymentCommon


@tagged("post_install", "-at_install")
class TestPaymentQueryCount(RevsharePaymentCommon):
    """Reconciling one payment costs a fixed number of queries, whatever the number of
    agreements that do not apply to the invoice."""

    # Queries of js_assign_outstanding_line for one invoice and one payment, with one
    # matching entry-mode agreement: Odoo's reconciliation plus our earning, the
    # posted journal entry, one grouped read that updates what the expected
    # rows still have to earn, and the search of the open self-dealing alerts the
    # earned rows join (revshare.line.alert). 108 (was 115) since issue 30: the
    # new rows' company currency is cached before their amounts, not read back,
    # and Odoo follows the statements' bill through its inverse instead of
    # searching the statements of every entry the reconciliation writes.
    QUERIES = 108

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_customer = cls.env["res.partner"].create({"name": "Someone else"})
        cls._create_agreement(cls.reseller, 10.0)
        cls._create_other_agreements(10)

    @classmethod
    def _create_other_agreements(cls, count):
        for index in range(count):
            cls._create_agreement(
                cls.env["res.partner"].create({"name": f"Partner {index}"}),
                5.0,
                customer_ids=[Command.set(cls.other_customer.ids)],
            )

    def _invoice_and_payment(self, partner=None):
        invoice = self._invoice(1000.0, partner=partner)
        payment = self._posted_payment(1000.0, partner=partner)
        line = self._receivable(payment.move_id)
        self.env.flush_all()
        self.env.invalidate_all()
        return invoice, line

    def _reconcile_count(self):
        invoice, line = self._invoice_and_payment()
        before = self.cr.sql_log_count
        invoice.js_assign_outstanding_line(line.id)
        self.env.flush_all()
        count = self.cr.sql_log_count - before
        self.assertEqual(self._earned_total(invoice), 100.0)
        return count

    def test_query_count_does_not_grow_with_agreements(self):
        self._reconcile_count()  # warm the caches (ormcache, prefetch of settings)
        invoice, line = self._invoice_and_payment()
        with self.assertQueryCount(self.QUERIES):
            invoice.js_assign_outstanding_line(line.id)
            self.env.flush_all()
        self.assertEqual(self._earned_total(invoice), 100.0)
        with_10 = self._reconcile_count()
        self._create_other_agreements(20)
        with_30 = self._reconcile_count()
        self.assertEqual(with_10, with_30)
