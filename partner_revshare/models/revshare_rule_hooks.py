from odoo import models


class RevshareRuleHooks(models.AbstractModel):
    """The extension points the rule's slices (its mixins) add to: each returns
    nothing here; ``revshare.rule`` and every slice add their part with
    ``super()``, so that no slice's part depends on the order the files load in."""

    _name = "revshare.rule.hooks"
    _description = "Revenue Share Rule: extension points"

    def _revshare_history_field_names(self):
        """Fields whose change on a rule that already earned shares would rewrite
        history."""
        return set()
