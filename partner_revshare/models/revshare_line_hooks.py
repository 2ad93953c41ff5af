from odoo import models


class RevshareLineHooks(models.AbstractModel):
    """The extension points the ledger's slices (its mixins) add to: each returns
    nothing here; ``revshare.line`` and every slice add their part with
    ``super()``, so that no slice's part depends on the order the files load in."""

    _name = "revshare.line.hooks"
    _description = "Revenue Share Ledger Row: extension points"

    def _revshare_mutable_field_names(self):
        """Fields later steps may still write on a row that is no longer
        expected (links, settlement state, approver, hold)."""
        return set()

    def _revshare_allowed_transitions(self):
        """The (old state, new state) steps a row may take."""
        return set()

    def _revshare_derived_field_names(self):
        """Fields a row derived from another (a reversal, an earned part of an
        expected row) copies from it."""
        return set()
