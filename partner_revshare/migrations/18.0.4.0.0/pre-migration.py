"""Rows store their company currency (given at create, so that Odoo finds the
currency of the company amounts in the create values): existing rows take their
company's in one UPDATE, before the ORM would compute it row by row."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        ALTER TABLE revshare_line ADD COLUMN IF NOT EXISTS company_currency_id int4;
        UPDATE revshare_line AS line
           SET company_currency_id = company.currency_id
          FROM res_company AS company
         WHERE company.id = line.company_id AND line.company_currency_id IS NULL;
        """
    )
