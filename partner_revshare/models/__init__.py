from . import base

# Mixins first: Odoo builds a model from the mixins it inherits, which must be
# loaded before it. Each mixin is a step of the pipeline or a concept of its model
# (see ARCHITECTURE.md, "The pipeline, file by file").
from . import revshare_line_hooks
from . import revshare_line_fast_write
from . import revshare_line_figures
from . import revshare_line_booking
from . import revshare_line_portal
from . import revshare_line_terms
from . import revshare_line_payee
from . import revshare_line_adjustment
from . import revshare_line_settlement
from . import revshare_line_hold
from . import revshare_line_approval
from . import revshare_rule_hooks
from . import revshare_rule_tenure
from . import revshare_rule_formula
from . import revshare_line_alert
from . import revshare_share_computation
from . import revshare_agreement_accounting
from . import revshare_agreement_payee
from . import revshare_agreement_period
from . import revshare_agreement_approval
from . import revshare_agreement_tax
from . import revshare_agreement_portal
from . import revshare_agreement_terms
from . import revshare_alert_detection

# The settlement's mixins, each after the one it extends.
from . import revshare_settlement_terms
from . import revshare_settlement_bonus
from . import revshare_settlement_engine
from . import revshare_settlement_approval
from . import revshare_settlement_bill
from . import revshare_settlement_tax
from . import revshare_settlement_portal
from . import revshare_settlement_dispute
from . import revshare_settlement_payout

from . import revshare_agreement
from . import revshare_rule
from . import revshare_rule_tier
from . import revshare_bonus
from . import revshare_line
from . import ir_sequence
from . import res_company
from . import res_config_settings
from . import res_partner
from . import account_move_line
from . import account_move
from . import revshare_settlement
from . import revshare_alert
from . import revshare_review
from . import revshare_payout
from . import revshare_payout_line

# Reporting.
from . import revshare_forecast
