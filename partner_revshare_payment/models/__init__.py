from . import revshare_agreement
from . import revshare_line
from . import revshare_cash_factors
from . import account_partial_reconcile
from . import account_payment
from . import account_move
from . import account_move_line
