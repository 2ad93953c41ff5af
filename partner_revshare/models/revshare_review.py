from odoo import fields, models, tools
from odoo.tools import SQL

from .base import USER_GROUP
from .revshare_settlement_link import SETTLEMENT_LINK_TABLE


class RevshareReview(models.Model):
    """The review queue (Revenue Share > To Review): what waits for a manager,
    with the amount at stake. Earned rows on hold, adjustments waiting for
    approval, statements with an open dispute and open alerts, read from the
    ledger, the statements and the alerts by a database view, so that the list is
    always exactly the open items."""

    _name = "revshare.review"
    _description = "Revenue Share Item to Review"
    _auto = False
    _order = "date desc, id desc"
    # What the view reads: searching it flushes these first.
    _depends = {
        "revshare.line": [
            "state",
            "hold_reason",
            "note",
            "settlement_ids",
            "partner_id",
            "company_id",
            "currency_id",
            "agreement_id",
            "date",
            "amount",
        ],
        "revshare.settlement": [
            "partner_id",
            "company_id",
            "currency_id",
            "date_to",
            "name",
            "amount_total",
        ],
        "mail.activity": ["res_model", "res_id", "activity_type_id"],
        "revshare.alert": [
            "state",
            "partner_id",
            "company_id",
            "agreement_id",
            "reason",
            "amount",
        ],
    }

    review_type = fields.Selection(
        [
            ("hold", "On hold"),
            ("approval", "To approve"),
            ("dispute", "Disputed statement"),
            ("alert", "Alert"),
        ],
        string="To Review",
        readonly=True,
    )
    partner_id = fields.Many2one("res.partner", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    agreement_id = fields.Many2one("revshare.agreement", readonly=True)
    line_id = fields.Many2one("revshare.line", string="Ledger Row", readonly=True)
    settlement_id = fields.Many2one(
        "revshare.settlement", string="Statement", readonly=True
    )
    alert_id = fields.Many2one("revshare.alert", readonly=True)
    date = fields.Date(readonly=True)
    reason = fields.Char(readonly=True)
    amount = fields.Monetary(string="Amount at Stake", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        # Ids: 3n for ledger rows, 3n + 1 for statements, 3n + 2 for alerts.
        self.env.cr.execute(
            SQL(
                """
                CREATE VIEW %(table)s AS (
                    SELECT line.id * 3 AS id,
                           CASE WHEN line.state = 'to_approve' THEN 'approval'
                                ELSE 'hold' END AS review_type,
                           line.partner_id,
                           line.company_id,
                           line.currency_id,
                           line.agreement_id,
                           line.id AS line_id,
                           NULL::integer AS settlement_id,
                           NULL::integer AS alert_id,
                           line.date,
                           COALESCE(line.hold_reason, line.note) AS reason,
                           line.amount
                      FROM revshare_line line
                     WHERE line.state = 'to_approve'
                        OR (line.state = 'earned'
                            AND COALESCE(line.hold_reason, '') != ''
                            AND NOT EXISTS (
                                SELECT 1 FROM %(links)s link
                                 WHERE link.line_id = line.id))
                    UNION ALL
                    SELECT statement.id * 3 + 1 AS id,
                           'dispute' AS review_type,
                           statement.partner_id,
                           statement.company_id,
                           statement.currency_id,
                           NULL AS agreement_id,
                           NULL AS line_id,
                           statement.id AS settlement_id,
                           NULL::integer AS alert_id,
                           statement.date_to AS date,
                           statement.name AS reason,
                           statement.amount_total AS amount
                      FROM revshare_settlement statement
                     WHERE EXISTS (
                           SELECT 1
                             FROM mail_activity activity
                             JOIN ir_model_data imd
                               ON imd.model = 'mail.activity.type'
                              AND imd.res_id = activity.activity_type_id
                              AND imd.module = 'partner_revshare'
                              AND imd.name = 'mail_activity_type_dispute'
                            WHERE activity.res_model = 'revshare.settlement'
                              AND activity.res_id = statement.id)
                    UNION ALL
                    SELECT alert.id * 3 + 2 AS id,
                           'alert' AS review_type,
                           alert.partner_id,
                           alert.company_id,
                           company.currency_id,
                           alert.agreement_id,
                           NULL AS line_id,
                           NULL AS settlement_id,
                           alert.id AS alert_id,
                           alert.create_date::date AS date,
                           alert.reason,
                           alert.amount
                      FROM revshare_alert alert
                      JOIN res_company company ON company.id = alert.company_id
                     WHERE alert.state = 'open'
                )
                """,
                table=SQL.identifier(self._table),
                links=SQL.identifier(SETTLEMENT_LINK_TABLE),
            )
        )

    def action_open_document(self):
        """Open the ledger row, the statement or the alert this item is about."""
        self._revshare_check_group(USER_GROUP)
        self.ensure_one()
        return (
            self.line_id or self.settlement_id or self.alert_id
        )._get_records_action()
