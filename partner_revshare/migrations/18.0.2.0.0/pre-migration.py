"""Rows hold the settlement mode they are made with (required): existing rows take
their agreement's before the ORM makes the column NOT NULL."""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        ALTER TABLE revshare_line ADD COLUMN IF NOT EXISTS settlement_mode varchar;
        UPDATE revshare_line AS line
           SET settlement_mode = agreement.settlement_mode
          FROM revshare_agreement AS agreement
         WHERE agreement.id = line.agreement_id AND line.settlement_mode IS NULL;
        """
    )
