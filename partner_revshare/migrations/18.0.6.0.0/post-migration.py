"""Agreements and rows made before 18.0.6.0.0 are paid to their beneficiary: the
payee (``payee_id``, new and required) is the beneficiary, filled in SQL before
Odoo makes the rows' column NOT NULL (at the end of the upgrade)."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE revshare_agreement
           SET payee_id = partner_id
         WHERE payee_id IS NULL;
        UPDATE revshare_line
           SET payee_id = partner_id
         WHERE payee_id IS NULL;
        """
    )
