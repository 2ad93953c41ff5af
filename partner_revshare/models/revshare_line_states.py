"""The states of a ledger row (``revshare.line.state``) that the pipeline's steps
test: a module of their own, so that the ledger's mixins, loaded before the
ledger's class, can import them."""

# States of a row that counts as earned: earned, and earned then settled.
EARNED_STATES = ("earned", "settled")
# States of a row an event earned, approved or not (approval_required agreements,
# revshare.line.approval): later payments count it, and an undone event takes
# it back (an earned row is reversed, a row waiting for approval cancelled).
EARNED_OR_WAITING_STATES = (*EARNED_STATES, "to_approve")
