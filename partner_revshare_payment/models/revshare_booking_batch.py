"""What a reconciliation batch leaves to book when it is over, as plain Python
(``account.partial.reconcile._revshare_booking_batch`` keeps one per cursor)."""

from collections import namedtuple

# The rows one cash entry earned on one date, waiting to be booked.
CashEvent = namedtuple("CashEvent", ["rows", "cash_move", "date"])
# cr.cache key of the BookingBatch of the reconciliation in progress.
PENDING_KEY = "revshare_pending_bookings"


class BookingBatch:
    """What a reconciliation batch (one ``_reconcile_plan`` call, one run of the
    register-payment wizard) leaves to do when it is over: its new partials to
    earn from (earned together: one read of their invoices' expected rows and
    cash, one creation of the rows), the rows they earned (:class:`CashEvent`
    lists, booked together: one document per date and beneficiary set) and the
    rows of its removed partials (reversed together). ``steps`` keep their
    order, consecutive steps of a kind merged: a row earned then unreconciled in
    the same batch is booked before it is reversed."""

    def __init__(self):
        # [["earn", partials] | ["book", [CashEvent, ...]] | ["reverse", rows]]
        self.steps = []

    def add(self, kind, item):
        if self.steps and self.steps[-1][0] == kind:
            self.steps[-1][1] += item
        else:
            self.steps.append([kind, item])

    def take(self, kind):
        """Remove the steps of ``kind`` and return their items, in order."""
        items = [item for step_kind, item in self.steps if step_kind == kind]
        self.steps = [step for step in self.steps if step[0] != kind]
        return items
