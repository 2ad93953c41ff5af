"""The ledger's ``company_id`` is no longer indexed (18.0.4.0.0): Odoo keeps an
index a field no longer asks for, so it is dropped here."""


def migrate(cr, version):
    if not version:
        return
    cr.execute("DROP INDEX IF EXISTS revshare_line__company_id_index")
