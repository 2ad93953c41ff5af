"""What a reconciliation batch leaves to book when it is over, as plain Python
(``account.partial.reconcile._revshare_booking_batch`` keeps one per cursor)."""

from collections import namedtuple

# The rows one cash entry earned on one date, waiting to be booked.
CashEvent = namedtuple("CashEvent", ["rows", "cash_move", "date"])
# cr.cache key of the BookingBatch of the reconciliation in progress.
PENDING_KEY = "revshare_pending_bookings"


class BookingBatch:
    """What a reconciliation batch (one ``_reconcile_plan`` call, one run of the
    register-payment wizard) leaves to book when it is over: the rows earned by its
    partials (:class:`CashEvent` lists, booked together: one document per date and
    beneficiary set) and the rows of its removed partials (reversed together).
    ``steps`` keep their order, consecutive steps of a kind merged: a row earned
    then unreconciled in the same batch is booked before it is reversed."""

    def __init__(self):
        self.steps = []  # [["book", [CashEvent, ...]] | ["reverse", rows]]

    def add(self, kind, item):
        if self.steps and self.steps[-1][0] == kind:
            self.steps[-1][1] += item
        else:
            self.steps.append([kind, item])
