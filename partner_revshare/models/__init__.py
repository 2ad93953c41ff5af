# Mixins before the models that inherit them (revshare_agreement imports
# revshare_line, which builds revshare.line).
from . import revshare_line_fast_write

from . import revshare_agreement
from . import revshare_agreement_accounting
from . import revshare_agreement_tax
from . import revshare_rule
from . import revshare_rule_tier
from . import revshare_rule_tenure
from . import revshare_bonus

from . import revshare_line
from . import revshare_line_terms
from . import ir_sequence
from . import res_company
from . import res_config_settings
from . import res_partner
from . import account_move_line

# The pipeline, in the order data flows through it (see ARCHITECTURE.md).
from . import account_move
from . import account_move_tax
from . import revshare_share_computation
from . import revshare_line_booking

# revshare.settlement after its mixins, each after the one it extends.
from . import revshare_settlement_terms
from . import revshare_settlement_bonus
from . import revshare_settlement_engine
from . import revshare_settlement_approval
from . import revshare_settlement_bill
from . import revshare_settlement_tax
from . import revshare_settlement_portal
from . import revshare_settlement_dispute
from . import revshare_settlement
from . import revshare_agreement_portal
from . import revshare_agreement_terms
from . import revshare_line_portal

# Partner operations on the ledger and statements.
from . import revshare_line_adjustment
from . import revshare_line_hold
from . import revshare_line_approval
from . import revshare_agreement_approval
from . import revshare_review
