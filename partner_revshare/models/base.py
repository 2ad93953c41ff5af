from odoo import models
from odoo.exceptions import AccessError

# Who may call our public methods: revenue-share users read (the view buttons),
# managers act (every button that writes; accountants are managers).
USER_GROUP = "partner_revshare.group_revshare_user"
MANAGER_GROUP = "partner_revshare.group_revshare_manager"


class Base(models.AbstractModel):
    """The one check of our public methods (every public method is an RPC
    endpoint for whoever reads the record): each calls it first, before any
    ``sudo()``. Our code that already runs as superuser passes, as Odoo's own
    access checks let it."""

    _inherit = "base"

    def _revshare_check_group(self, group=MANAGER_GROUP):
        """Raise an AccessError unless the user is in ``group`` (an XML id;
        default: revenue-share managers)."""
        if self.env.su or self.env.user.has_group(group):
            return
        raise AccessError(
            self.env._(
                "Only members of the group %(group)s may do this (%(model)s).",
                group=self.env.ref(group).sudo().full_name,
                model=self._description,
            )
        )
