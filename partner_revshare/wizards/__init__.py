from . import revshare_settlement_run
from . import revshare_settlement_run_line
from . import revshare_check
from . import revshare_check_mismatch
from . import revshare_line_adjust
from . import revshare_line_hold
from . import revshare_line_decline
from . import revshare_settlement_resolve
