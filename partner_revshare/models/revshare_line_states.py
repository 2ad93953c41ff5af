"""The states the pipeline's steps test: of a ledger row (``revshare.line.state``)
and of the documents it follows. A module of their own, so that the mixins, loaded
before the classes that inherit them, can import them."""

# States of a row that counts as earned: earned, and earned then settled.
EARNED_STATES = ("earned", "settled")
# States of a row an event earned, approved or not (approval_required agreements,
# revshare.line.approval): later payments count it, and an undone event takes
# it back (an earned row is reversed, a row waiting for approval cancelled).
EARNED_OR_WAITING_STATES = (*EARNED_STATES, "to_approve")
# Payment states of an invoice or a bill that mean it was paid.
PAID_STATES = ("paid", "in_payment")
